"""Serving targets on the demo workspace (issues 6, 14): fresh batch reports are the front server's
HTML without a kernel, page views of the index and reports start no kernel, the index filters by
form, SIGTERM stops the server (error pages: tests/test_serve_templates.py)."""

import json
import subprocess
import time

import pytest
import requests

from .conftest import DEMO_PASSWORD, SHEGONG, free_port
from .portal import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LEAGUE = "?unit=152200000000&year=2021"


def test_fresh_batch_report_is_sent_as_html_and_other_language_computed_live(
    demo_portal, demo_workspace
):
    executed = json.loads(
        (demo_workspace / "reports" / "2021" / "152200000000.ipynb").read_text(encoding="utf-8")
    )
    charts = sum(
        "image/png" in o.get("data", {}) for c in executed["cells"] for o in c.get("outputs", [])
    )
    s = signed_in(demo_portal.url, "browser-admin", DEMO_PASSWORD)
    before = demo_portal.kernels()
    replayed = s.get(demo_portal.url + LEAGUE, timeout=180).text
    for table in ("shegong-kpi", "shegong-clients", "shegong-outcomes", "shegong-method"):
        assert table in replayed, table  # every section in the page: nothing left for a widget
    assert charts == 7 and replayed.count("data:image/png") == charts
    assert 'href="/?lang=zh&amp;year=2021"' in replayed  # the back link
    assert "<script" not in replayed  # the front server's page: no script at all
    assert demo_portal.kernels() <= before  # no kernel for a fresh report
    live = s.get(demo_portal.url + LEAGUE + "&lang=en", timeout=180).text
    assert "shegong-kpi" in live and "shegong-clients" not in live  # slow sections follow later
    for html in (replayed, live):
        assert "Traceback" not in html and "from shegong.serving.portal import show" not in html


def test_report_is_visible_without_any_script(demo_portal, demo_page):
    """A fresh report is readable at once: the KPI table and charts are plain HTML."""
    page = demo_page
    page.goto(demo_portal.url + LEAGUE, timeout=120_000)
    kpi = page.locator("table.shegong-kpi")
    kpi.wait_for(state="visible", timeout=60_000)
    rows = {
        r.locator("td").nth(0).inner_text(): r.locator("td").nth(2).inner_text()
        for r in kpi.locator("tbody tr").all()
    }
    assert rows["D1"].replace(",", "") == "1493"
    charts = page.locator("#rendered_cells img[src^='data:image/png']")
    assert charts.count() == 7 and charts.first.evaluate("i => i.naturalWidth") > 300
    assert page.locator("script").count() == 0


def test_page_views_of_the_index_and_reports_start_no_kernel(demo_portal):
    s = signed_in(demo_portal.url, "browser-admin", DEMO_PASSWORD)
    time.sleep(1)
    before = demo_portal.kernels()
    for i in range(30):
        reply = s.get(demo_portal.url + (LEAGUE if i % 2 else "?year=2021"), timeout=60)
        assert reply.status_code == 200
    assert demo_portal.kernels() <= before


def test_index_filters_by_county_and_grade_beside_the_search_box(demo_portal, demo_page):
    from playwright.sync_api import expect

    page = demo_page
    page.goto(demo_portal.url + "?year=2021", timeout=120_000)
    expect(page.get_by_role("link", name="突泉镇社工站")).to_have_count(1, timeout=60_000)
    page.locator("#county").select_option(label="突泉县（152224000000）")
    page.locator("form.shegong-filters button").click()
    expect(page.get_by_role("link", name="和平街道社工站")).to_have_count(0, timeout=30_000)
    expect(page.get_by_role("link", name="突泉镇社工站")).to_have_count(1)
    page.locator("#grade").select_option(label="不合格")
    page.locator("form.shegong-filters button").click()
    expect(page.get_by_role("link", name="突泉镇社工站")).to_have_count(0, timeout=30_000)
    links = page.locator("a[href*='unit=']")
    expect(links).to_have_count(1)
    assert links.first.inner_text() == "六户镇社工站"  # the demo's one failing station, in 突泉县


def test_sigterm_stops_shegong_serve_and_its_front_server(demo_workspace):
    """`kill PID` (a service manager's stop) of `shegong serve` stops the server it started."""
    import signal

    import psutil

    port = free_port()
    proc = subprocess.Popen(
        [*SHEGONG, "serve", "--workspace", str(demo_workspace), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def up() -> bool:
        try:
            requests.get(f"http://127.0.0.1:{port}/signin", timeout=2)
        except requests.RequestException:
            return False
        return True

    try:
        deadline = time.monotonic() + 120
        while not up():
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("shegong serve did not start")
            time.sleep(0.5)
        front = [
            c
            for c in psutil.Process(proc.pid).children(recursive=True)
            if "shegong.serving.front" in " ".join(c.cmdline())
        ]
        assert len(front) == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        gone, alive = psutil.wait_procs(front, timeout=15)
        assert alive == [] and not up()
    finally:
        if proc.poll() is None:
            proc.kill()
