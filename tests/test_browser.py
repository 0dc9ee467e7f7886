"""Browser test: the served index and the league report in Debian's chromium (issue 2)."""

import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest

from shegong.config import Workspace
from shegong.serving.serve import voila_command, voila_env

from .conftest import CHROMIUM_ARGS, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def server(demo_workspace):
    port = free_port()
    proc = subprocess.Popen(
        voila_command(port=port, ip="127.0.0.1", pool_size=2),
        env=voila_env(Workspace.at(demo_workspace)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "voila/static/", timeout=2)  # noqa: S310 — loopback only
                break
            except urllib.error.HTTPError:  # any HTTP answer means the server is up
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("voila did not start")
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_index_links_to_league_report(server, chromium, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(server + "?year=2021", timeout=60_000)
            link = page.get_by_role("link", name="兴安盟")
            link.wait_for(timeout=60_000)
            assert page.get_by_role("link", name="突泉县").count() == 1
            if (
                link.get_attribute("target") == "_blank"
            ):  # Jupyter's Markdown renderer opens links in a new tab
                with page.expect_popup() as popup:
                    link.click()
                page = popup.value
            else:
                link.click()
            table = page.locator("table.shegong-kpi")
            table.wait_for(timeout=60_000)
            rows = {
                r.locator("td").nth(0).inner_text(): r.locator("td").nth(2).inner_text()
                for r in table.locator("tbody tr").all()
            }
            assert rows["D1"].replace(",", "") == "1493"
            assert rows["F3"].replace(",", "") == "17000"
            img = page.locator("img[src^='data:image/png']").first
            img.wait_for(timeout=30_000)
            assert img.evaluate("i => i.naturalWidth") > 300
            assert "152200000000" in page.url
            if os.environ.get("SHEGONG_SCREENSHOTS"):
                page.screenshot(path=os.environ["SHEGONG_SCREENSHOTS"], full_page=True)
        finally:
            browser.close()


#: what makes a browser fetch an address: an attribute, a dynamic import, a CSS url() or @import
LOADS = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?|import\(\s*["']|url\(\s*["']?|@import\s+["'])https?://""",
    re.I,
)


def test_served_pages_load_nothing_from_other_hosts(server, chromium):
    for path in ("", "?unit=152200000000&year=2021"):  # the index at / and a report
        html = urllib.request.urlopen(server + path, timeout=180).read().decode("utf-8")  # noqa: S310 — loopback
        assert "rendered_cells" in html  # the page itself, not an error
        assert LOADS.findall(html) == [], path
        assert "cdn.jsdelivr" not in html and "cdnjs" not in html, path
    assert (
        LOADS.findall('<link href="https://cdn.jsdelivr.net/x.css"> import("https://h/m.js")') != []
    )  # the check bites

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            hosts: set[str] = set()
            page.on(
                "request",
                lambda r: hosts.add(urlparse(r.url).netloc) if r.url.startswith("http") else None,
            )
            page.goto(server + "?year=2021", timeout=120_000)
            link = page.get_by_role("link", name="兴安盟")
            link.wait_for(timeout=120_000)
            page.wait_for_function(
                'document.querySelector(\'a[target="_blank"][href*="unit="]\') === null'
            )
            assert link.get_attribute("target") == "_self"  # same tab: no popup
            link.click()
            page.locator("table.shegong-kpi").wait_for(timeout=120_000)
            assert "unit=152200000000" in page.url and len(page.context.pages) == 1
            page.locator("table.shegong-outcomes").wait_for(
                timeout=120_000
            )  # drawn after the page, in a widget
            assert page.locator("table.shegong-clients").count() == 1
            assert hosts == {urlparse(server).netloc}
        finally:
            browser.close()
