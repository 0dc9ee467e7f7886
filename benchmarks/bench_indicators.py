"""Indicators at scale (DESIGN.md §8, issue 5): every measure for 10 M ledger rows over a 5-level
hierarchy (province → 10 prefectures → 100 counties → 2,000 stations → 20,000 village rooms),
``shegong.indicators.compute.write_indicators`` (DuckDB, what ``shegong indicators compute`` runs)
against a straightforward pandas groupby of the same ledger measures (year, quarters, months,
service areas, client categories, at each of the five levels; distinct counts recounted per level),
on the same Parquet file.

Each side runs in its own child process so that its peak memory (``ru_maxrss`` of that
process) is its own, and its CPU seconds (user + system) are reported beside the wall-clock
seconds: on a shared machine the CPU time is the steadier figure. ``run()`` returns rows ``{"name",
"value", "unit", "baseline", "ratio", "note"}``; ``python -m benchmarks.bench_indicators [ROWS]``
prints them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

#: rows for `make bench` (the issue's 10 M; the pandas side then takes minutes and ~5 GB):
#: SHEGONG_BENCH_INDICATOR_ROWS=1000000 for a quicker run
ROWS = int(os.environ.get("SHEGONG_BENCH_INDICATOR_ROWS", "10000000"))
#: SHEGONG_BENCH_INDICATOR_BASELINE=0 runs our side only (baseline and ratio then NaN): the
#: pandas side of 10 M rows alone takes about six minutes on a 2-core machine
BASELINE = os.environ.get("SHEGONG_BENCH_INDICATOR_BASELINE", "1") != "0"
AREAS = [
    "social_assistance",
    "elderly_services",
    "child_care",
    "social_affairs",
    "community_governance",
]
CATEGORIES = [
    "dibao",
    "extreme_poverty",
    "left_behind_child",
    "child_in_difficulty",
    "disabled",
    "elderly_living_alone",
    "empty_nest_elderly",
    "general",
]
TYPES = ["home_visit"] * 8 + [
    "file_opened",
    "case_opened",
    "case_follow_up",
    "case_closed",
    "group_session",
    "community_event",
    "needs_survey",
    "referral",
    "resource_linked",
    "volunteer_service",
]
INDIVIDUAL = {
    "home_visit",
    "file_opened",
    "case_opened",
    "case_follow_up",
    "case_closed",
    "referral",
}


def hierarchy() -> list[tuple[str, str, str, int, str]]:
    """(code, name, parent, level, unit_type) of the 22,111 units."""
    units = [("150000000000", "省", "", 1, "admin")]
    for p in range(1, 11):
        pc_ = f"15{p:02d}00000000"
        units.append((pc_, f"市{p}", "150000000000", 2, "admin"))
        for c in range(1, 11):
            cc = f"15{p:02d}{c:02d}000000"
            units.append((cc, f"县{p}-{c}", pc_, 3, "admin"))
            for s in range(100, 120):
                sc = f"15{p:02d}{c:02d}{s:03d}000"
                units.append((sc, f"站{p}-{c}-{s}", cc, 4, "station"))
                units += [
                    (f"{sc[:9]}{r:03d}", f"室{p}-{c}-{s}-{r}", sc, 5, "room") for r in range(1, 11)
                ]
    return units


def generate(dest: Path, rows: int = ROWS, seed: int = 5) -> Path:
    """Write ``org_units.csv`` and ``ledger/accepted/bench.parquet`` (canonical ledger columns)."""
    from shegong.config import Workspace

    ws = Workspace.at(dest)
    units = hierarchy()
    with ws.org_units_file.open("w", encoding="utf-8") as f:
        f.write("code,name,parent_code,level,unit_type,aliases\n")
        f.writelines(f"{c},{n},{p},{lv},{t},\n" for c, n, p, lv, t in units)
    rooms = np.array([u[0] for u in units if u[3] == 5])
    stations_of_rooms = np.array([r[:9] + "000" for r in rooms])
    rng = np.random.default_rng(seed)
    ws.accepted_dir.mkdir(parents=True, exist_ok=True)
    path = ws.accepted_dir / "bench.parquet"
    writer = None
    chunk = 1_000_000
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        room_i = rng.integers(0, len(rooms), n)
        at_station = rng.random(n) < 0.1
        room, station = rooms[room_i], stations_of_rooms[room_i]
        org_unit = np.where(at_station, station, room)
        kind = np.array(TYPES)[rng.integers(0, len(TYPES), n)]
        individual = np.isin(kind, list(INDIVIDUAL))
        household = room_i * 150 + rng.integers(0, 150, n)  # 3 M households, each in one room
        month = rng.integers(1, 13, n).astype("int32")
        day = rng.integers(1, 29, n)
        hh = pa.array(household).cast(pa.string())
        person = pa.array(household * 3 + rng.integers(0, 3, n)).cast(pa.string())
        table = pa.table(
            {
                "event_id": pa.array(np.arange(start, start + n)).cast(pa.string()),
                "date": pa.array(
                    (np.datetime64("2021-01-01") + (month - 1) * 30 + day - 1).astype(
                        "datetime64[ms]"
                    )
                ),
                "year": pa.array(np.full(n, 2021, dtype="int32")),
                "month": pa.array(month),
                "org_unit": pa.array(org_unit),
                "station_code": pa.array(station),
                "room_code": pc.if_else(
                    pa.array(at_station), pa.scalar(None, pa.string()), pa.array(room)
                ),
                "event_type": pa.array(kind),
                "service_area": pa.array(np.array(AREAS)[rng.integers(0, 5, n)]),
                "client_category": pc.if_else(
                    pa.array(individual),
                    pa.array(np.array(CATEGORIES)[rng.integers(0, 8, n)]),
                    pa.scalar(None, pa.string()),
                ),
                "client_pid": pc.if_else(
                    pa.array(individual),
                    pc.binary_join_element_wise("P-", person, ""),
                    pa.scalar(None, pa.string()),
                ),
                "household_pid": pc.if_else(
                    pa.array(individual),
                    pc.binary_join_element_wise("H-", hh, ""),
                    pa.scalar(None, pa.string()),
                ),
                "person_times": pa.array(
                    np.where(individual, 1, rng.integers(5, 60, n)).astype("int64")
                ),
                "staff_ids": pc.if_else(
                    pa.array(rng.random(n) < 0.02), pa.scalar(None, pa.string()), pa.scalar("S1")
                ),
                "volunteers": pa.array(
                    np.where(individual, 0, rng.integers(0, 6, n)).astype("int64")
                ),
                "volunteer_hours": pa.array(
                    np.where(individual, 0, rng.integers(0, 20, n)).astype("float64")
                ),
                "resources_fen": pa.array(
                    np.where(kind == "resource_linked", rng.integers(100, 100_000, n), 0).astype(
                        "int64"
                    )
                ),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    writer.close()
    return ws.root


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_ours(root: str) -> dict:
    from shegong.config import Workspace
    from shegong.indicators.compute import write_indicators

    start, cpu = time.perf_counter(), _cpu_seconds()
    rows = write_indicators(Workspace.at(root, create=False), year=2021)
    return {
        "seconds": time.perf_counter() - start,
        "cpu": _cpu_seconds() - cpu,
        "peak_mb": _peak_mb(),
        "rows": rows,
    }


def run_pandas(root: str) -> dict:
    """The same ledger measures the straightforward way: read into pandas, map each row to its
    ancestor at each level, groupby, sum / size / nunique; ratios as ratios of the sums."""
    import pandas as pd

    start, cpu = time.perf_counter(), _cpu_seconds()
    ws = Path(root)
    units = pd.read_csv(ws / "inputs" / "org_units.csv", dtype=str, keep_default_na=False)
    parent = dict(zip(units["code"], units["parent_code"], strict=True))
    level = dict(zip(units["code"], units["level"].astype(int), strict=True))
    ancestors: dict[int, dict[str, str]] = {lv: {} for lv in range(1, 6)}
    for code in units["code"]:
        node = code
        while node:
            ancestors[level[node]][code] = node
            node = parent.get(node)
    df = pd.read_parquet(ws / "ledger" / "accepted" / "bench.parquet")
    df["quarter"] = (df["month"] + 2) // 3
    df["complete"] = (
        df["service_area"].notna()
        & df["staff_ids"].notna()
        & (
            ~df["event_type"].isin(INDIVIDUAL)
            | (
                df["client_pid"].notna()
                & df["household_pid"].notna()
                & df["client_category"].notna()
            )
        )
    )
    for name, kind in (
        ("D1", "home_visit"),
        ("D3a", "file_opened"),
        ("D4a", "case_opened"),
        ("D4c", "case_closed"),
        ("D5b", "group_session"),
        ("D6", "community_event"),
    ):
        df[name] = (df["event_type"] == kind).astype("int64")
    df["C2n"] = df["complete"].astype("int64")
    df["F3"] = df["resources_fen"] / 100
    visits = df["event_type"] == "home_visit"
    df["visit_household"] = df["household_pid"].where(visits)
    sums = [
        "D3a",
        "D4a",
        "D4c",
        "D5b",
        "D6",
        "C2n",
        "person_times",
        "volunteers",
        "volunteer_hours",
        "F3",
    ]
    out = []
    for lv in (5, 4, 3, 2, 1):
        df["unit"] = df["org_unit"].map(ancestors[lv])  # rows above the level drop out (NaN)
        for extra in ([], ["quarter"], ["month"], ["service_area"], ["client_category"]):
            g = df.groupby(["unit", *extra], observed=True)
            res = g[sums].sum()
            res["rows"] = g.size()
            res["D1"] = g["visit_household"].nunique()
            res["D7b"] = g["client_pid"].nunique()
            res["C2"] = res["C2n"] / res["rows"] * 100
            res["D3b"] = res["D3a"] / res["D1"] * 100
            res["D4b"] = res["D4c"] / res["D4a"] * 100
            out.append(res)
    n = sum(len(o) for o in out)
    return {
        "seconds": time.perf_counter() - start,
        "cpu": _cpu_seconds() - cpu,
        "peak_mb": _peak_mb(),
        "rows": n,
    }


def _child(side: str, root: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_indicators", "--side", side, str(root)],
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),
        cwd=str(Path(__file__).resolve().parents[1]),
    )
    if out.returncode != 0:
        raise RuntimeError(f"{side} side failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(rows: int = ROWS, baseline: bool = BASELINE) -> list[dict]:
    """Generate the data once, run both sides (or ours only, ``baseline=False``: the baseline's
    figures and the ratios are then NaN) in child processes, return the figures."""
    with tempfile.TemporaryDirectory(prefix="shegong-bench-ind-") as tmp:
        root = generate(Path(tmp) / "ws", rows)
        ours = _child("ours", root)
        nan = float("nan")
        base = _child("pandas", root) if baseline else {"seconds": nan, "cpu": nan, "peak_mb": nan}
    label = f"indicators ({rows / 1e6:g} M rows, 5 levels)"
    return [
        {
            "name": f"{label} time",
            "value": ours["seconds"],
            "unit": "s",
            "baseline": base["seconds"],
            "ratio": base["seconds"] / ours["seconds"],
            "note": "DuckDB write_indicators, all 33 measures written to Parquet vs pandas "
            "groupby of the ledger measures",
        },
        {
            "name": f"{label} CPU time",
            "value": ours["cpu"],
            "unit": "s",
            "baseline": base["cpu"],
            "ratio": base["cpu"] / ours["cpu"],
            "note": "user + system seconds of each side's process",
        },
        {
            "name": f"{label} peak memory",
            "value": ours["peak_mb"],
            "unit": "MiB",
            "baseline": base["peak_mb"],
            "ratio": base["peak_mb"] / ours["peak_mb"],
            "note": "ru_maxrss of each side's own process",
        },
    ]


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--side":
        result = run_ours(sys.argv[3]) if sys.argv[2] == "ours" else run_pandas(sys.argv[3])
        print(json.dumps(result))
    else:
        for r in run(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS):
            print(
                f"{r['name']:<48} {r['value']:>10.4g} {r['unit']:<4} baseline "
                f"{r['baseline']:>10.4g}  ×{r['ratio']:.2f}  {r['note']}"
            )
