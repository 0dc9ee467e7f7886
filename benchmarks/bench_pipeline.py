"""Benchmarks of reports and serving (DESIGN.md §8), each against its baseline, same data.

- report batch: reports per minute through ``shegong report``'s process pool (papermill's
  Python API, HTML and .docx exports included) vs a sequential loop of the papermill command
  line on the same template (notebooks only);
- report app: Voila's time to first render of a unit report (KPI table and chart visible in
  Chromium), preheated kernel pool vs cold kernels.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shegong.config import Workspace
from shegong.demo import generate_demo_inputs
from shegong.exports import CHROMIUM_ARGS
from shegong.indicators import compute_indicators
from shegong.ledger.importer import import_ledgers
from shegong.orgunits import OrgUnits
from shegong.reports import run_reports, template_path
from shegong.serve import voila_command, voila_env


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


def bench_reports(ws: Workspace, tmp: Path, units: int = 6) -> dict:
    codes = OrgUnits.read_csv(ws.org_units_file).frame.query("level == 4")["code"].tolist()[:units]
    ours = _timed(lambda: run_reports(ws, year=2021, units=codes, workers=os.cpu_count(), progress=False, pdf=False))
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


def _first_render(ws: Workspace, pool_size: int, chromium: str, loads: int = 3) -> float:
    """Median seconds from navigation to the KPI table and a chart being visible."""
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(voila_command(port=port, pool_size=pool_size), env=voila_env(ws),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        samples = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:  # wait for the server (and the pool) to come up
                try:
                    page.goto(f"http://127.0.0.1:{port}/voila/static/", timeout=2000)
                    break
                except Exception:  # noqa: BLE001 — not listening yet
                    time.sleep(0.5)
            time.sleep(8 if pool_size else 1)  # let the pool fill
            for i in range(loads):
                start = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}/?unit=152200000000&year=2021", timeout=120_000)
                page.locator("table.shegong-kpi").wait_for(timeout=120_000)
                page.locator("img[src^='data:image/png']").first.wait_for(timeout=120_000)
                samples.append(time.perf_counter() - start)
                time.sleep(4 if pool_size else 0.5)  # Voila refills the pool after each use
            browser.close()
        return statistics.median(samples)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _burst(ws: Workspace, pool_size: int, views: int = 8) -> list[float]:
    """Seconds for each of ``views`` simultaneous requests of the league report page (the whole
    HTTP response: Voila sends the page once the notebook has run, KPI table included)."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(voila_command(port=port, pool_size=pool_size), env=voila_env(ws),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def view(_: int) -> float:
        start = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/?unit=152200000000&year=2021", timeout=300) as r:
            body = r.read().decode("utf-8")
        if "shegong-kpi" not in body:
            raise RuntimeError("the page came without the KPI table")
        return time.perf_counter() - start

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait for the server (and the pool) to come up
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        time.sleep(8 if pool_size else 1)
        with ThreadPoolExecutor(views) as pool:
            return sorted(pool.map(view, range(views)))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def bench_burst(ws: Workspace) -> dict:
    hot, cold = _burst(ws, 1), _burst(ws, 0)
    return {"name": "report app: slowest of 8 simultaneous views", "value": hot[-1], "unit": "s", "baseline": cold[-1],
            "ratio": cold[-1] / hot[-1],
            "note": f"preheated pool of 1 (median {statistics.median(hot):.1f} s) vs cold kernels "
                    f"(median {statistics.median(cold):.1f} s); target: none over 3 s"}


def bench_serving(ws: Workspace) -> dict:
    chromium = shutil.which("chromium")
    if chromium is None:
        return {"name": "report app first render (needs chromium)", "value": float("nan"), "unit": "s",
                "baseline": float("nan"), "ratio": float("nan"), "note": "chromium not installed"}
    hot = _first_render(ws, 1, chromium)
    cold = _first_render(ws, 0, chromium)
    return {"name": "report app: time to first render", "value": hot, "unit": "s", "baseline": cold,
            "ratio": cold / hot, "note": "preheated pool of 1 vs cold kernel per view; median of 3"}


def run() -> list[dict]:
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ.setdefault("SHEGONG_KEY_FILE", str(tmp / "pseudonym.key"))
        ws = _demo_workspace(tmp)
        return [bench_reports(ws, tmp), bench_serving(ws), bench_burst(ws)]
