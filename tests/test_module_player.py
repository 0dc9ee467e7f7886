"""The module player notebook: committed clean, runs under nbmake, served by Voila and answered in
Chromium."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from shegong.exports import CHROMIUM_ARGS
from shegong.training.progress import ProgressStore

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "training" / "module_player.ipynb"
BIN = Path(sys.executable).parent


def test_notebook_is_committed_without_outputs_and_has_one_parameters_cell():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    params = [c for c in code if "parameters" in c["metadata"].get("tags", [])]
    assert len(params) == 1
    namespace: dict = {}
    exec("".join(params[0]["source"]), namespace)
    assert (namespace["module_id"], namespace["lang"]) == ("m01-ethics", "zh")
    assert all(len("".join(c["source"]).splitlines()) <= 3 for c in code)  # thin: import and call


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHEGONG_", "JUPYTERHUB_", "PYTEST_"))
    }
    env.update(
        SHEGONG_DATABASE_URL=f"sqlite:///{tmp_path / 'progress.sqlite'}",
        SHEGONG_KEY_FILE=str(tmp_path / "pseudonym.key"),
        SHEGONG_WORKSPACE=str(tmp_path / "ws"),
        **extra,
    )
    return env


def test_player_runs_under_nbmake_as_a_hub_user(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbmake",
            str(NOTEBOOK),
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=_env(tmp_path, JUPYTERHUB_USER="jovyan"),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
    assert (tmp_path / "progress.sqlite").exists()  # the hub path opened the store from env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def voila_server(tmp_path, monkeypatch):
    """Voila serving the module player for JupyterHub user `browser-trainee` (registered
    beforehand)."""
    env = _env(tmp_path, JUPYTERHUB_USER="browser-trainee")
    port = _free_port()
    monkeypatch.setenv(
        "SHEGONG_KEY_FILE", env["SHEGONG_KEY_FILE"]
    )  # same key → same pseudonym as the kernel
    store = ProgressStore(env["SHEGONG_DATABASE_URL"])
    trainee = store.register_hub("browser-trainee", role="community_worker", station="152201101")
    log = open(tmp_path / "voila.log", "w")
    proc = subprocess.Popen(
        [
            str(BIN / "voila"),
            str(NOTEBOOK),
            f"--port={port}",
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            "--show_tracebacks=True",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError((tmp_path / "voila.log").read_text()) from None
                time.sleep(0.5)
        yield url, store, trainee
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
        store.close()


@pytest.mark.browser
def test_browser_answers_one_question_and_the_attempt_is_recorded(voila_server):
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.environ.get("SHEGONG_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required (SHEGONG_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    url, store, trainee = voila_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url, timeout=60_000)
            page.get_by_role("button", name="下一页").click(timeout=60_000)
            page.get_by_text("向赵大爷说明居家和入住敬老院各自的利弊").click()
            page.get_by_role("button", name="提交", exact=True).click()
            page.get_by_text("回答正确").wait_for(timeout=30_000)
        finally:
            browser.close()
    rows = store.attempts(trainee)
    assert [
        (r["module_id"], r["exercise_id"], r["answer"], r["score"], r["max_score"]) for r in rows
    ] == [("m01-ethics", "e01", "b", 1.0, 1.0)]
    assert rows[0]["seconds_spent"] > 0
