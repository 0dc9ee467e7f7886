"""Benchmarks of the evaluator pipeline (DESIGN.md §8), each against its baseline, same data.

- ledger import: rows per second with all normalisation, pseudonymisation and validation, vs a
  bare ``pandas.read_excel(engine="openpyxl")`` of the same file (reading only);
- indicators: seconds for the yearly rollup of a synthetic ledger over the 5-level demo
  hierarchy in DuckDB vs the same distinct counts and sums in a pandas groupby;
- report batch: reports per minute through ``shegong report``'s process pool vs a sequential
  loop of the papermill command line on the same template.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from shegong.config import Workspace
from shegong.demo import generate_demo_inputs
from shegong.indicators import compute_indicators
from shegong.ledger.importer import import_ledgers
from shegong.orgunits import OrgUnits
from shegong.reports import run_reports, template_path

HEADER = ["序号", "服务日期", "所属站点", "村（社区）", "服务类型", "服务领域", "服务对象", "身份证号", "联系电话",
          "户编号", "对象类别", "服务人次", "参与社工", "志愿者人数", "志愿服务时长（小时）", "链接资源（元）", "资源类型", "备注"]


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _big_ledger(path: Path, stations: list[str], rows: int) -> None:
    rng = np.random.default_rng(7)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("2021")
    ws.append(["基准台账 2021年"])
    ws.append(HEADER)
    kinds = ["入户走访", "入户走访", "建档", "个案跟进", "小组活动", "主题活动", "资源链接"]
    for i in range(rows):
        kind = kinds[i % len(kinds)]
        day = dt.date(2021, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
        hh = int(rng.integers(0, rows // 3))
        ws.append([i + 1, day, stations[i % len(stations)], None, kind, "社会救助", f"对象{hh}", None,
                   None, f"HH{hh:07d}", "低保", int(rng.integers(1, 4)), "S1", None, None,
                   100 if kind == "资源链接" else None, "现金" if kind == "资源链接" else None, None])
    wb.save(path)


def bench_import(tmp: Path, rows: int = 50_000) -> dict:
    ws = Workspace.at(tmp / "import")
    inputs = generate_demo_inputs(ws.inputs)
    stations = OrgUnits.read_csv(inputs.org_units).frame.query("unit_type == 'station'")["name"].tolist()
    path = tmp / "big_ledger.xlsx"
    _big_ledger(path, stations, rows)
    ours = _timed(lambda: import_ledgers([path], workspace=ws, progress=False))
    base = _timed(lambda: pd.read_excel(path, engine="openpyxl", header=1))
    return {"name": f"ledger import ({rows:,} rows .xlsx)", "value": rows / ours, "unit": "rows/s",
            "baseline": rows / base, "ratio": base / ours, "note": "baseline: pandas.read_excel(openpyxl), reading only"}


def bench_indicators(tmp: Path, rows: int = 1_000_000) -> dict:
    ws = Workspace.at(tmp / "ind")
    generate_demo_inputs(ws.inputs)
    units = OrgUnits.read_csv(ws.org_units_file)
    rooms = units.frame.query("unit_type == 'room'")
    rng = np.random.default_rng(11)
    pick = rng.integers(0, len(rooms), rows)
    dates = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")
    frame = pd.DataFrame({
        "event_id": np.arange(rows).astype(str), "date": dates.astype("datetime64[ms]"),
        "year": np.int32(2021), "month": dates.month.astype("int32"),
        "org_unit": rooms["code"].to_numpy()[pick], "station_code": rooms["parent_code"].to_numpy()[pick],
        "room_code": rooms["code"].to_numpy()[pick],
        "event_type": np.array(["home_visit", "file_opened", "group_session", "community_event"])[rng.integers(0, 4, rows)],
        "service_area": np.array(["social_assistance", "elderly_services", "child_care"])[rng.integers(0, 3, rows)],
        "client_category": np.array(["dibao", "general", None], dtype=object)[rng.integers(0, 3, rows)],
        "client_pid": [f"P-{x:016x}" for x in rng.integers(0, rows // 4, rows)],
        "household_pid": [f"H-{x:016x}" for x in rng.integers(0, rows // 8, rows)],
        "person_times": rng.integers(1, 5, rows), "volunteers": rng.integers(0, 3, rows),
        "volunteer_hours": rng.integers(0, 6, rows).astype(float), "resources_fen": rng.integers(0, 1000, rows),
    })
    ws.accepted_dir.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(ws.accepted_dir / "synthetic.parquet", index=False)
    ours = _timed(lambda: compute_indicators(ws, year=2021))

    def pandas_way() -> None:
        anc = units.ancestry()
        data = pd.read_parquet(ws.accepted_dir / "synthetic.parquet")
        joined = data.merge(anc, left_on="org_unit", right_on="code")
        visits = joined[joined["event_type"] == "home_visit"]
        visits.groupby("ancestor")["household_pid"].nunique()
        joined.groupby("ancestor")[["person_times", "volunteers", "volunteer_hours", "resources_fen"]].sum()
        joined.groupby("ancestor")["client_pid"].nunique()
        joined.groupby(["ancestor", "month"])["person_times"].sum()
        joined.groupby(["ancestor", "service_area"])["person_times"].sum()

    base = _timed(pandas_way)
    return {"name": f"indicators ({rows:,} ledger rows, 5 levels)", "value": ours, "unit": "s",
            "baseline": base, "ratio": base / ours, "note": "baseline: pandas merge + groupby of a subset of the measures"}


def bench_reports(tmp: Path, units: int = 6) -> dict:
    ws = Workspace.at(tmp / "rep")
    inputs = generate_demo_inputs(ws.inputs)
    import_ledgers(inputs.ledgers, workspace=ws, progress=False)
    compute_indicators(ws, year=2021)
    codes = OrgUnits.read_csv(ws.org_units_file).frame.query("level == 4")["code"].tolist()[:units]
    ours = _timed(lambda: run_reports(ws, year=2021, units=codes, progress=False))
    papermill = str(Path(sys.executable).with_name("papermill"))
    out = tmp / "cli"
    out.mkdir()

    def cli_loop() -> None:
        for code in codes:
            subprocess.run([papermill, str(template_path()), str(out / f"{code}.ipynb"), "-r", "org_unit", code,
                            "-p", "year", "2021", "-r", "workspace", str(ws.root), "-k", "python3", "--no-progress-bar"],
                           check=True, capture_output=True)

    base = _timed(cli_loop)
    return {"name": f"report batch ({units} stations)", "value": units / ours * 60, "unit": "reports/min",
            "baseline": units / base * 60, "ratio": base / ours, "note": "baseline: sequential papermill CLI loop (no HTML)"}


def run() -> list[dict]:
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ.setdefault("SHEGONG_KEY_FILE", str(tmp / "pseudonym.key"))
        return [bench_import(tmp), bench_indicators(tmp), bench_reports(tmp)]
