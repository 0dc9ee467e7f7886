"""Run every benchmark and print figure, baseline and ratio side by side (`make bench`)."""

from __future__ import annotations

import sys

from . import bench_pipeline, bench_widgets


def main() -> int:
    rows = []
    for module in (bench_pipeline, bench_widgets):
        print(f"running {module.__name__} …", file=sys.stderr, flush=True)
        rows += module.run()
    print(f"{'benchmark':<44} {'figure':>14} {'baseline':>14} {'ratio':>8}  unit")
    for r in rows:
        print(f"{r['name']:<44} {r['value']:>14.4g} {r['baseline']:>14.4g} {r['ratio']:>8.2f}  {r['unit']}"
              f"{'  (' + r['note'] + ')' if r.get('note') else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
