"""Serving benchmark of issue 14 (DESIGN.md §8): the portal as people use it, side by side with the
serving before it, on the same workspace.

- 30 signed-in HTTP clients fetch the index and a report at once: the peak memory of the server's
  process tree (target < 2 GB) and the slowest complete response (target < 3 s);
- 5 Chromium pages open a report at once: the slowest first render (KPI table and a chart
  visible; target < 3 s).

The portal (``shegong serve``: the front server renders the index and fresh reports without a
kernel) is compared with the serving before issue 14 — Voila with a pool of 8 preheated kernels,
every page view a kernel, no sign-in — started here from that commit's files
(:func:`baseline_checkout`,
:data:`BASELINE_REV`) with its command line (:func:`baseline_command`). Both serve the demo's 2021
league and county reports, run by the
report batch beforehand. The portal's clients sign in through the form first (tests/portal.py),
outside the measured burst.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from shegong.config import Workspace, project_root
from shegong.demo.generate import generate_demo_inputs
from shegong.indicators.compute import compute_indicators
from shegong.ledger.importer import import_ledgers
from shegong.reports.batch import run_reports
from shegong.serving.serve import INDEX_NOTEBOOK, TEMPLATE, voila_env
from shegong.training.accounts import create_account
from shegong.training.progress import ProgressStore
from shegong.training.roles import grant

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.portal import (  # noqa: E402 - one way to start the portal, sign in and open Chromium
    chromium_browser,
    free_port,
    running_portal,
    sign_in_page,
    signed_in,
)

UNITS = ("152200000000", "152201000000", "152202000000", "152221000000")
CLIENTS, PAGES = 30, 5
PASSWORD = "bench-admin-2021"


#: the commit whose serving is the baseline (the last before issue 14)
BASELINE_REV = os.environ.get("SHEGONG_BENCH_SERVING_BASELINE", "7828429")


def baseline_checkout(dest: Path) -> Path:
    """The baseline commit's ``src``, ``notebooks`` and ``datasets`` (``git archive``) in "
    "``dest``."""
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", BASELINE_REV, "src", "widgets", "notebooks", "datasets"],
        cwd=project_root(),
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    (dest / "widgets").rename(dest / "src" / "shegong" / "widgets")  # its shegong.widgets
    return dest


def baseline_command(port: int, root: Path) -> list[str]:
    """``shegong serve`` before issue 14 (the checkout ``root``): Voila on the viewer notebook,
    8 preheated kernels, every page view a kernel, no sign-in."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(root / INDEX_NOTEBOOK),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
        f"--template={TEMPLATE}",
        "--MappingKernelManager.cull_idle_timeout=120",
        "--MappingKernelManager.cull_interval=30",
        "--VoilaConfiguration.file_denylist=.*",
        "--preheat_kernel=True",
        "--VoilaConfiguration.default_pool_size=8",
        "--VoilaKernelManager.fill_delay=3",
    ]


def _workspace(tmp: Path) -> Workspace:
    ws = Workspace.at(tmp / "serve")
    inputs = generate_demo_inputs(ws.inputs)
    import_ledgers(inputs.ledgers_by_year.get(2021, []), workspace=ws, progress=False)
    compute_indicators(ws, year=2021)
    run_reports(ws, year=2021, levels=[2, 3], workers=2, progress=False, pdf=False)
    store = ProgressStore.open(workspace=ws.root)
    create_account(store, "bench-admin", PASSWORD)
    grant(store, "bench-admin", "admin")
    store.close()
    return ws


class _Peak:
    """Samples the RSS of a process and its descendants every 0.1 s; ``peak`` in MiB."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.proc, self.peak, self._stop = psutil.Process(pid), 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            for p in [self.proc, *self.proc.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total / 2**20)
            time.sleep(0.1)

    def __enter__(self) -> "_Peak":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _burst(url: str, sessions: list[requests.Session], pid: int) -> tuple[float, float]:
    """(slowest seconds, peak MiB) for each client fetching the index and one report at once."""

    def client(i: int) -> float:
        start = time.perf_counter()
        s = sessions[i]
        index = s.get(url + "?year=2021", timeout=600)
        report = s.get(url + f"?unit={UNITS[i % len(UNITS)]}&year=2021", timeout=600)
        if index.status_code != 200 or "shegong-kpi" not in report.text:
            raise RuntimeError(f"client {i}: {index.status_code} / {report.status_code}")
        return time.perf_counter() - start

    with _Peak(pid) as peak, ThreadPoolExecutor(CLIENTS) as pool:
        times = list(pool.map(client, range(CLIENTS)))
    return max(times), peak.peak


def _first_renders(url: str, signed: bool) -> float:
    """The slowest of :data:`PAGES` pages opening a report at once (KPI table and chart visible)."""
    with chromium_browser() as browser:
        pages = []
        for _ in range(PAGES):
            page = browser.new_page()
            if signed:
                sign_in_page(page, url, "bench-admin", PASSWORD)
            pages.append(page)
        start = time.perf_counter()
        for i, page in enumerate(pages):
            page.goto(url + f"?unit={UNITS[i % len(UNITS)]}&year=2021", wait_until="commit")
        slowest = 0.0
        for page in pages:
            page.locator("table.shegong-kpi").wait_for(timeout=300_000)
            page.locator("img[src^='data:image/png']").first.wait_for(timeout=300_000)
            slowest = max(slowest, time.perf_counter() - start)
        return slowest


def _baseline(ws: Workspace, tmp: Path) -> tuple[float, float, float]:
    root = baseline_checkout(tmp / "baseline")
    env = voila_env(ws)
    env.update(
        PYTHONPATH=str(root / "src"),  # the baseline's package, before the editable install
        SHEGONG_ROOT=str(root),
        JUPYTER_PATH=str(root / "src" / "shegong" / "serving" / "share"),
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(
        baseline_command(port, root),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                requests.get(url + "voila/static/", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.5)
        time.sleep(20)  # the pool of 8 fills
        slowest, peak = _burst(url, [requests.Session() for _ in range(CLIENTS)], proc.pid)
        time.sleep(30)
        render = _first_renders(url, signed=False) if shutil.which("chromium") else float("nan")
        return slowest, peak, render
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _portal(ws: Workspace) -> tuple[float, float, float]:
    with running_portal(ws.root) as portal:
        sessions = [signed_in(portal.url, "bench-admin", PASSWORD) for _ in range(CLIENTS)]
        slowest, peak = _burst(portal.url, sessions, portal.proc.pid)
        render = (
            _first_renders(portal.url, signed=True) if shutil.which("chromium") else float("nan")
        )
        return slowest, peak, render


def run() -> list[dict]:
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ.setdefault("SHEGONG_KEY_FILE", str(tmp / "pseudonym.key"))
        os.environ.setdefault("SHEGONG_SESSION_KEY_FILE", str(tmp / "session.key"))
        ws = _workspace(tmp)
        ours = _portal(ws)
        base = _baseline(ws, tmp)
    load = f"load average {os.getloadavg()[0]:.1f} (2 cores: figures need a quiet machine)"
    return [
        {
            "name": f"serving: {CLIENTS} clients, slowest response",
            "value": ours[0],
            "unit": "s",
            "baseline": base[0],
            "ratio": base[0] / ours[0],
            "note": f"index + a report each, at once; portal (signed in) vs Voila with 8 preheated "
            f"kernels; target < 3 s; {load}",
        },
        {
            "name": f"serving: {CLIENTS} clients, process-tree peak",
            "value": ours[1],
            "unit": "MiB",
            "baseline": base[1],
            "ratio": base[1] / ours[1],
            "note": "server and its kernels, sampled every 0.1 s; target < 2 GB",
        },
        {
            "name": f"serving: {PAGES} Chromium pages, slowest first render",
            "value": ours[2],
            "unit": "s",
            "baseline": base[2],
            "ratio": base[2] / ours[2] if ours[2] == ours[2] else float("nan"),
            "note": "a report each, at once (KPI table and chart visible); target < 3 s",
        },
    ]
