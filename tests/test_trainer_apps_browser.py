"""Browser tests in Chromium: a trainer scores an open answer in the grading queue and the score is stored;
the cohort app shows the heat map. Each starts Voila on 127.0.0.1 itself and stops it afterwards."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text

from shegong.training import assessment as A
from shegong.training.curriculum import load_curricula, load_module
from shegong.training.progress import ProgressStore
from shegong.training.roles import current_login, grant

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
from shegong.exports import CHROMIUM_ARGS as ARGS

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("SHEGONG_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "chromium is required (SHEGONG_REQUIRE_BROWSER=1): apt-get install -y chromium"
            )
        pytest.skip("chromium not installed")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One Voila (tree mode over notebooks/apps) on a prepared store: one trainee with a submitted assessment
    and a practice answer, the OS login as trainer. Yields ``(base_url, store, trainee)``; stopped afterwards."""
    tmp = tmp_path_factory.mktemp("trainer-apps")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHEGONG_", "JUPYTERHUB_", "PYTEST_"))
    }
    env.update(
        SHEGONG_DATABASE_URL=f"sqlite:///{tmp / 'ws' / 'progress.sqlite'}",
        SHEGONG_KEY_FILE=str(tmp / "pseudonym.key"),
        SHEGONG_WORKSPACE=str(tmp / "ws"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(
            "SHEGONG_KEY_FILE", env["SHEGONG_KEY_FILE"]
        )  # same key → same pseudonyms as the kernel
        mp.delenv("SHEGONG_KEYS_DIR", raising=False)
        store = ProgressStore(env["SHEGONG_DATABASE_URL"])
        modules = load_curricula()
        a = A.load_assessments(modules)["m01-final"]
        t = store.add_trainee("browser-trainee", role="volunteer", station="152201101")
        A.submit(
            store,
            t,
            a,
            modules["m01-ethics"],
            {"s01": "b", "s04": {"text": "不能告诉网格员。"}},
            seconds=30,
        )
        store.submit(t, load_module("m01-ethics").exercise("e01"), "b", seconds=60)
        grant(store, current_login(), "trainer")
    port = _free_port()
    log = open(tmp / "voila.log", "w")
    proc = subprocess.Popen(
        [
            str(BIN / "voila"),
            str(ROOT / "notebooks" / "apps"),
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
        for _ in range(240):
            try:
                urllib.request.urlopen(url + "voila/static/", timeout=2).close()  # noqa: S310 — loopback only
                break
            except urllib.error.HTTPError:  # any HTTP answer: the server is up
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail((tmp / "voila.log").read_text())
                time.sleep(0.25)
        yield url, store, t
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
        store.close()


def _page(p, chromium_path):
    browser = p.chromium.launch(executable_path=chromium_path, args=ARGS)
    return browser, browser.new_page(viewport={"width": 1200, "height": 1000})


def test_trainer_scores_an_open_answer_in_the_grading_queue(served, chromium_path):
    from playwright.sync_api import sync_playwright

    base, store, trainee = served
    url = base + "voila/render/grading_queue.ipynb"
    with sync_playwright() as p:
        browser, page = _page(p, chromium_path)
        try:
            page.goto(url, timeout=60_000)
            page.locator(".shegong-answer").wait_for(timeout=60_000)
            assert "不能告诉网格员" in page.locator(".shegong-answer").inner_text()
            assert trainee.pseudonym not in page.content()
            page.locator(".shegong-criterion-refuse select").select_option(label="2")
            page.locator(".shegong-criterion-reason select").select_option(label="1.5")
            page.locator(".shegong-criterion-alternative select").select_option(label="0.5")
            page.locator(".shegong-comment textarea").fill("可补充安全计划")
            page.locator("button.shegong-save").click()
            page.locator(".shegong-saved").wait_for(timeout=30_000)
            assert "4 / 5" in page.locator(".shegong-saved").inner_text()
        finally:
            browser.close()
    with store.engine.connect() as c:
        rows = c.execute(
            text(
                "select criterion, points from item_scores where exercise_id = 's04' "
                "order by criterion"
            )
        ).all()
    assert [tuple(r) for r in rows] == [("alternative", 0.5), ("reason", 1.5), ("refuse", 2.0)]


def test_cohort_app_shows_the_heat_map(served, chromium_path):
    from playwright.sync_api import sync_playwright

    base, store, trainee = served
    url = base + "voila/render/cohort.ipynb"
    with sync_playwright() as p:
        browser, page = _page(p, chromium_path)
        try:
            page.goto(url, timeout=60_000)
            table = page.locator("table.shegong-heatmap")
            table.wait_for(timeout=60_000)
            assert table.locator("thead th").count() == 9  # corner + 8 modules
            row = table.locator("tbody tr")
            assert row.count() == 1 and row.locator("th").inner_text() == trainee.pseudonym
            cell = row.locator("td[data-module='m01-ethics']")
            assert cell.get_attribute("data-share") == "0.0625" and cell.inner_text() == "6%"
            assert page.locator("table.shegong-stages").count() == 1
            if os.environ.get("SHEGONG_SCREENSHOTS"):
                page.screenshot(
                    path=os.environ["SHEGONG_SCREENSHOTS"].replace(".png", "_cohort.png"),
                    full_page=True,
                )
        finally:
            browser.close()
