"""Benchmark of the report batch (DESIGN.md §8) against its baseline, same data: reports per
minute through ``shegong report``'s process pool (papermill's Python API, HTML and .docx exports
included) vs a sequential loop of the papermill command line on the same template (notebooks
only). Serving is measured by :mod:`benchmarks.bench_serving` (issue 14).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shegong.config import Workspace
from shegong.demo.generate import generate_demo_inputs
from shegong.indicators.compute import compute_indicators
from shegong.ledger.importer import import_ledgers
from shegong.orgunits import OrgUnits
from shegong.reports.batch import ZYGOTE_ENV, run_reports, select_units, template_path

LEAGUE = "152200000000"


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _demo_workspace(tmp: Path) -> Workspace:
    ws = Workspace.at(tmp / "rep")
    inputs = generate_demo_inputs(ws.inputs)
    import_ledgers(inputs.ledgers, workspace=ws, progress=False)
    compute_indicators(ws, year=2021)
    return ws


def bench_reports(ws: Workspace, tmp: Path) -> dict:
    """Reports per minute for the demo's units of 2021 — every unit ``shegong report`` runs by
    default (levels 2–4: the league, its 6 counties and 18 stations; until 2026-11 the bench
    took 6 stations) — through ``run_reports`` (local pool of CPU-count workers, kernels forked
    from each worker's zygote, HTML and .docx included, no PDF) against a sequential loop of
    the papermill command line over the same template and parameters (notebooks only)."""
    codes = select_units(OrgUnits.read_csv(ws.org_units_file), None, None)
    units = len(codes)
    ours = _timed(
        lambda: run_reports(
            ws, year=2021, units=codes, workers=os.cpu_count(), progress=False, pdf=False
        )
    )
    papermill = str(Path(sys.executable).with_name("papermill"))
    out = tmp / "cli"
    out.mkdir()

    def cli_loop() -> None:
        for code in codes:
            subprocess.run(
                [
                    papermill,
                    str(template_path()),
                    str(out / f"{code}.ipynb"),
                    "-r",
                    "org_unit",
                    code,
                    "-p",
                    "year",
                    "2021",
                    "-r",
                    "workspace",
                    str(ws.root),
                    "-k",
                    "python3",
                    "--no-progress-bar",
                ],
                check=True,
                capture_output=True,
            )

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    base = _timed(cli_loop)
    zygote = "" if os.environ.get(ZYGOTE_ENV, "1") != "0" else f", {ZYGOTE_ENV}=0"
    return {
        "name": f"report batch ({units} demo units)",
        "value": units / ours * 60,
        "unit": "reports/min",
        "baseline": units / base * 60,
        "ratio": base / ours,
        "note": "baseline: sequential papermill CLI loop (no HTML, no .docx); load before "
        f"{load}{zygote}",
    }


def run() -> list[dict]:
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ.setdefault("SHEGONG_KEY_FILE", str(tmp / "pseudonym.key"))
        ws = _demo_workspace(tmp)
        return [bench_reports(ws, tmp)]
