"""Ledger import benchmark (DESIGN.md §8, issue 4).

Rows per second importing a 200,000-row standard-template .xlsx with all normalisation,
pseudonymisation, validation (pandera) and outputs, against a bare
``pandas.read_excel(engine="openpyxl")`` of the same file (reading only); and the peak memory
(max RSS) of each. Each side runs in its own fresh Python process so that start-up and peak
memory are measured alike. The workbook is generated with a fixed seed and cached in the temp
directory between runs.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from shegong.ledger.template import TEMPLATE_HEADER

ROWS = int(os.environ.get("SHEGONG_BENCH_IMPORT_ROWS", "200000"))
SEED = 20240501
ORG_UNITS = """code,name,parent_code,level,unit_type,aliases
152200000000,兴安盟,,2,admin,兴安
152201000000,乌兰浩特市,152200000000,3,admin,
152201100000,和平街道社工站,152201000000,4,station,和平街道
152201101000,都林街道社工站,152201000000,4,station,都林街道
152201102000,义勒力特镇社工站,152201000000,4,station,义勒力特镇
152201100001,前进村社工室,152201100000,5,room,前进村
152201101001,胜利社区社工室,152201101000,5,room,胜利社区
"""
HEADER = list(TEMPLATE_HEADER)
_MEASURE = r"""
import json, resource, sys, time
mode, path, ws, org = sys.argv[1:5]
t0 = time.perf_counter()
if mode == "pandas":
    import pandas as pd
    n = len(pd.read_excel(path, engine="openpyxl", header=1))
else:
    from shegong.config import Workspace
    from shegong.ledger.importer import import_ledgers
    s = import_ledgers(
        [path], workspace=Workspace.at(ws), org_units_file=org, progress=False
    ).to_dict()
    n = s["rows_read"]
seconds = time.perf_counter() - t0
rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": n, "seconds": seconds, "max_rss_mib": rss_mib}))
"""


def _row(rng: random.Random, i: int) -> list:
    stations = ("和平街道社工站", "都林街道", "义勒力特镇社工站")
    kinds = ("入户走访", "主题活动", "小组活动", "建档", "资源链接", "志愿服务")
    day = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(365))
    date = day if rng.random() < 0.7 else f"{day.year}年{day.month}月{day.day}日"
    kind = rng.choice(kinds)
    person = f"居民{rng.randrange(20000):05d}"
    idn = (
        f"15220119{rng.randrange(40, 99)}0{rng.randrange(1, 10)}"
        f"1{rng.randrange(10, 29)}{rng.randrange(1000):03d}X"
    )
    times = rng.randrange(1, 60) if rng.random() < 0.9 else f"{rng.randrange(1, 60)}人次"
    if rng.random() < 0.01:
        date = "6.3"  # ambiguous: rejected
    return [
        i,
        date,
        rng.choice(stations),
        rng.choice(("前进村", "胜利社区", "")),
        kind,
        "社会救助",
        person,
        idn,
        f"13{rng.randrange(10**9):09d}",
        f"H{rng.randrange(8000):05d}",
        "低保",
        times,
        "S1",
        rng.randrange(0, 5),
        rng.choice((0, 1.5, 3)),
        rng.choice((None, 200, "1.2万元")),
        "物资",
        None,
    ]


def ledger_file(rows: int = ROWS) -> Path:
    """The benchmark workbook (generated once per row count, seeded)."""
    import openpyxl

    path = Path(tempfile.gettempdir()) / f"shegong_bench_ledger_{rows}_{SEED}.xlsx"
    if path.exists():
        return path
    rng = random.Random(SEED)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("2021")
    ws.append(["兴安盟社工站服务台账 2021年"])
    ws.append(HEADER)
    for i in range(1, rows + 1):
        ws.append(_row(rng, i))
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    tmp.replace(path)
    return path


def _measure(mode: str, path: Path, tmp: Path) -> dict:
    org = tmp / "org_units.csv"
    org.write_text(ORG_UNITS, encoding="utf-8")
    env = dict(os.environ, SHEGONG_KEY_FILE=str(tmp / "bench.key"))
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, mode, str(path), str(tmp / f"ws_{mode}"), str(org)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    """Rows ``name, value, unit, baseline, ratio, note`` (see :mod:`benchmarks.__main__`)."""
    path = ledger_file()
    with tempfile.TemporaryDirectory() as tmp:
        ours = _measure("shegong", path, Path(tmp))
        base = _measure("pandas", path, Path(tmp))
    ours_rate = ours["rows"] / ours["seconds"]
    base_rate = base["rows"] / base["seconds"]
    return [
        {
            "name": f"ledger import ({ROWS:,} rows .xlsx, full pipeline)",
            "value": ours_rate,
            "unit": "rows/s",
            "baseline": base_rate,
            "ratio": ours_rate / base_rate,
            "note": f"vs bare pandas.read_excel(engine='openpyxl'): {ours['seconds']:.1f} s "
            f"vs {base['seconds']:.1f} s; target ≥ 3×",
        },
        {
            "name": "ledger import peak memory",
            "value": ours["max_rss_mib"],
            "unit": "MiB",
            "baseline": base["max_rss_mib"],
            "ratio": ours["max_rss_mib"] / base["max_rss_mib"],
            "note": "max RSS of the import process vs the read_excel process (lower is better)",
        },
    ]


if __name__ == "__main__":
    for r in run():
        print(r)
