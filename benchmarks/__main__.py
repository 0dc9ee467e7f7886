"""Run every benchmark and print figure, baseline and ratio side by side (`make bench`).

Each module has ``run() -> list[dict]`` with rows ``name, value, unit, baseline, ratio, note``;
each row's note says what its ratio compares.
"""

from __future__ import annotations

import importlib
import sys

MODULES = ("bench_import", "bench_indicators", "bench_pipeline", "bench_serving", "bench_widgets")


def main(argv: list[str] | None = None) -> int:
    wanted = (argv if argv is not None else sys.argv[1:]) or list(MODULES)
    rows = []
    for name in wanted:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"running {name} …", file=sys.stderr, flush=True)
        rows += module.run()
    print(f"{'benchmark':<48} {'figure':>12} {'baseline':>12} {'ratio':>7}  unit")
    for r in rows:
        note = f"  ({r['note']})" if r.get("note") else ""
        print(
            f"{r['name']:<48} {r['value']:>12.4g} {r['baseline']:>12.4g} "
            f"{r['ratio']:>7.2f}  {r['unit']}{note}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
