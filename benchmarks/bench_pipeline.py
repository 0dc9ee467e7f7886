"""Benchmarks of reports and serving (DESIGN.md §8), each against its baseline, same data.

- report batch: reports per minute through ``shegong report``'s process pool (papermill's
  Python API, HTML and .docx exports included) vs a sequential loop of the papermill command
  line on the same template (notebooks only);
- report app: Voila's time to first render of a unit report (KPI table and chart visible in
  Chromium) and the slowest of 8 simultaneous views, as a user gets them — ``shegong serve``'s
  preheated pool, the batch's executed notebook of the unit replayed (the report batch has run
  for it, as ``make demo`` does) — against the cold baseline: a kernel started per view that
  computes the report live (no batch notebook), as served before the replay and the pool;
- the memory (RSS) of one preheated pool kernel.
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
from shegong.demo.generate import generate_demo_inputs
from shegong.exports import CHROMIUM_ARGS
from shegong.indicators.compute import compute_indicators
from shegong.ledger.importer import import_ledgers
from shegong.orgunits import OrgUnits
from shegong.reports.batch import run_reports, select_units, template_path
from shegong.reports.runner import ZYGOTE_ENV
from shegong.serving.serve import DEFAULT_POOL_SIZE, voila_command, voila_env

LEAGUE = "152200000000"
#: ``SHEGONG_BENCH_PIPELINE=reports`` runs the report batch bench only (not the serving ones)
ONLY_ENV = "SHEGONG_BENCH_PIPELINE"
REPORT_URL = f"/?unit={LEAGUE}&year=2021"


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
        "note": f"baseline: sequential papermill CLI loop (no HTML, no .docx); load before {load}{zygote}",
    }


def _league_batch(ws: Workspace, *, archived: bool) -> None:
    """The user's state: the report batch has run for the league (``archived``), or it has not
    (the baseline: no executed notebook, so the viewer computes the report live)."""
    manifest = ws.reports_dir(2021) / "manifest.json"
    if archived:
        run_reports(ws, year=2021, units=[LEAGUE], workers=1, progress=False, pdf=False)
    elif manifest.exists():
        manifest.unlink()


def _kernels(pid: int) -> list:
    import psutil

    kernels = []
    for child in psutil.Process(pid).children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and any(
                "ipykernel_launcher" in a for a in child.cmdline()
            ):
                kernels.append(child)
        except psutil.Error:  # ended meanwhile
            pass
    return kernels


def _start(ws: Workspace, pool_size: int) -> tuple[subprocess.Popen, int]:
    """Voila as ``shegong serve`` starts it, once it listens and its pool is full."""
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        voila_command(port=port, pool_size=pool_size),
        env=voila_env(ws),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/", timeout=2)
        except urllib.error.HTTPError:
            pass  # any answer: listening
        except OSError:
            time.sleep(0.5)
            continue
        if len(_kernels(proc.pid)) >= pool_size:
            break
        time.sleep(0.5)
    _settle(proc.pid, deadline)  # the pool kernels have run the notebook up to their wait
    return proc, port


def _settle(pid: int, deadline: float) -> None:
    """Wait until the kernels of ``pid`` use no CPU for a second (a preheated kernel is then
    waiting for its request), or until ``deadline``."""

    def cpu() -> float:
        return sum(sum(k.cpu_times()[:2]) for k in _kernels(pid))

    before = cpu()
    while time.monotonic() < deadline:
        time.sleep(1)
        now = cpu()
        if now - before < 0.02:
            return
        before = now


def _pool_kernel_rss(ws: Workspace) -> float:
    """Median RSS (MiB) of the kernels of a full default pool, waiting for requests."""
    proc, _ = _start(ws, DEFAULT_POOL_SIZE)
    try:
        return statistics.median(k.memory_info().rss / 2**20 for k in _kernels(proc.pid))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _first_render(ws: Workspace, pool_size: int, chromium: str, loads: int = 3) -> float:
    """Median seconds from navigation to the KPI table and a chart being visible."""
    from playwright.sync_api import sync_playwright

    proc, port = _start(ws, pool_size)
    try:
        samples = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page()
            for _ in range(loads):
                start = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}{REPORT_URL}", timeout=120_000)
                page.locator("table.shegong-kpi").wait_for(timeout=120_000)
                page.locator("img[src^='data:image/png']").first.wait_for(timeout=120_000)
                samples.append(time.perf_counter() - start)
                time.sleep(6 if pool_size else 0.5)  # Voila refills the pool after each use
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

    proc, port = _start(ws, pool_size)

    def view(_: int) -> float:
        start = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{REPORT_URL}", timeout=300) as r:
            body = r.read().decode("utf-8")
        if "shegong-kpi" not in body:
            raise RuntimeError("the page came without the KPI table")
        return time.perf_counter() - start

    try:
        with ThreadPoolExecutor(views) as pool:
            return sorted(pool.map(view, range(views)))
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def bench_burst(ws: Workspace) -> dict:
    _league_batch(ws, archived=False)
    cold = _burst(ws, 0)
    _league_batch(ws, archived=True)
    hot = _burst(ws, DEFAULT_POOL_SIZE)
    return {
        "name": "report app: slowest of 8 simultaneous views",
        "value": hot[-1],
        "unit": "s",
        "baseline": cold[-1],
        "ratio": cold[-1] / hot[-1],
        "note": f"shegong serve: pool of {DEFAULT_POOL_SIZE}, batch notebook replayed (median {statistics.median(hot):.2f} s)"
        f" vs cold kernels computing live (median {statistics.median(cold):.1f} s); target: none over 3 s",
    }


def bench_serving(ws: Workspace) -> dict:
    chromium = shutil.which("chromium")
    if chromium is None:
        return {
            "name": "report app first render (needs chromium)",
            "value": float("nan"),
            "unit": "s",
            "baseline": float("nan"),
            "ratio": float("nan"),
            "note": "chromium not installed",
        }
    _league_batch(ws, archived=False)
    cold = _first_render(ws, 0, chromium)
    _league_batch(ws, archived=True)
    hot = _first_render(ws, DEFAULT_POOL_SIZE, chromium)
    return {
        "name": "report app: time to first render",
        "value": hot,
        "unit": "s",
        "baseline": cold,
        "ratio": cold / hot,
        "note": f"shegong serve: pool of {DEFAULT_POOL_SIZE}, batch notebook replayed, vs a cold "
        "kernel computing live per view; median of 3; target < 1.0 s; "
        f"load average {os.getloadavg()[0]:.1f} (2 cores: figures need a quiet machine)",
    }


def bench_pool_memory(ws: Workspace) -> dict:
    rss = _pool_kernel_rss(ws)
    return {
        "name": "report app: RSS of one preheated kernel",
        "value": rss,
        "unit": "MiB",
        "baseline": float("nan"),
        "ratio": float("nan"),
        "note": f"median over a full pool of {DEFAULT_POOL_SIZE}, kernels waiting for requests",
    }


def run() -> list[dict]:
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ.setdefault("SHEGONG_KEY_FILE", str(tmp / "pseudonym.key"))
        ws = _demo_workspace(tmp)
        if os.environ.get(ONLY_ENV) == "reports":
            return [bench_reports(ws, tmp)]
        return [bench_reports(ws, tmp), bench_serving(ws), bench_burst(ws), bench_pool_memory(ws)]
