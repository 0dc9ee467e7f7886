"""Shared fixtures: a private pseudonym key, the demo workspace built once, a browser."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real"
SHEGONG = [sys.executable, "-m", "shegong.cli.main"]


@pytest.fixture(scope="session", autouse=True)
def pseudonym_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test session gets its own key, never the user's."""
    key = tmp_path_factory.mktemp("key") / "pseudonym.key"
    os.environ["SHEGONG_KEY_FILE"] = str(key)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return key


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory, pseudonym_key: Path) -> Path:
    """``shegong demo --workspace DIR --no-serve`` run once, as a subprocess.

    For quicker local runs, ``SHEGONG_TEST_DEMO_WORKSPACE=DIR`` reuses a demo workspace built
    before (copied, never modified); CI always builds afresh.
    """
    ws = tmp_path_factory.mktemp("demo") / "workspace"
    prebuilt = os.environ.get("SHEGONG_TEST_DEMO_WORKSPACE")
    if prebuilt and not os.environ.get("CI"):
        shutil.copytree(prebuilt, ws)
        (ws / "demo_stderr.log").touch()
        return ws
    proc = subprocess.run(
        [*SHEGONG, "demo", "--workspace", str(ws), "--no-serve"],
        capture_output=True,
        text=True,
        timeout=900,
        env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (ws / "demo_stderr.log").write_text(proc.stderr, encoding="utf-8")
    return ws


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; a missing browser skips, or fails when SHEGONG_REQUIRE_BROWSER=1."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("SHEGONG_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "chromium is required (SHEGONG_REQUIRE_BROWSER=1): apt-get install -y chromium"
            )
        pytest.skip("chromium not installed: apt-get install -y chromium")
    return path


from shegong.exports import CHROMIUM_ARGS  # noqa: E402,F401 — one set of flags for every browser test


@pytest.fixture(scope="session")
def report_workspace(tmp_path_factory: pytest.TempPathFactory, pseudonym_key: Path) -> Path:
    """A small demo-like workspace for the evaluation report (issue 17), built in this process:
    the demo's inputs of 2021 and 2022 imported, computed and evaluated, with the demo's
    evaluating body and evaluators' opinions — no report batch, no projects (≈ 20 s). Tests copy
    it before they change it."""
    from shegong.config import Workspace
    from shegong.demo.generate import generate_demo_inputs
    from shegong.demo.narratives import write_demo_report_settings
    from shegong.indicators.compute import compute_indicators
    from shegong.indicators.evaluation import evaluate
    from shegong.indicators.inputs import import_inputs
    from shegong.ledger.importer import import_ledgers

    ws = Workspace.at(tmp_path_factory.mktemp("report") / "workspace")
    inputs = generate_demo_inputs(ws.inputs)
    for year in (2021, 2022):
        import_ledgers(inputs.ledgers_by_year[year], workspace=ws, progress=False)
    import_inputs(ws)
    write_demo_report_settings(ws)
    for year in (2021, 2022):
        compute_indicators(ws, year=year)
        evaluate(ws, year=year)
    return ws.root
