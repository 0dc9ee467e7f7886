"""Browser test: the served index and the league report in Debian's chromium, through the portal
(issues 2, 14): the index and a fresh report are the front server's HTML, no kernel."""

import os
import re
from urllib.parse import urlparse

import pytest

from .portal import signed_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_index_links_to_league_report(demo_portal, demo_page):
    page = demo_page
    page.goto(demo_portal.url + "?year=2021", timeout=60_000)
    link = page.get_by_role("link", name="兴安盟")
    link.wait_for(timeout=60_000)
    assert page.get_by_role("link", name="突泉县").count() == 1
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
    assert "152200000000" in page.url and len(page.context.pages) == 1
    if os.environ.get("SHEGONG_SCREENSHOTS"):
        page.screenshot(path=os.environ["SHEGONG_SCREENSHOTS"], full_page=True)


#: what makes a browser fetch an address: an attribute, a dynamic import, a CSS url() or @import
LOADS = re.compile(
    r"""(?:\b(?:src|href)\s*=\s*["']?|import\(\s*["']|url\(\s*["']?|@import\s+["'])https?://""",
    re.I,
)


def test_served_pages_load_nothing_from_other_hosts(demo_portal, demo_page):
    from .conftest import DEMO_PASSWORD

    s = signed_in(demo_portal.url, "browser-admin", DEMO_PASSWORD)
    for path in ("", "?unit=152200000000&year=2021", "?unit=152200000000&year=2021&lang=en"):
        html = s.get(demo_portal.url + path, timeout=180).text
        assert "rendered_cells" in html or "shegong-units" in html, path  # the page, not an error
        assert LOADS.findall(html) == [], path
        assert "cdn.jsdelivr" not in html and "cdnjs" not in html, path
    assert (
        LOADS.findall('<link href="https://cdn.jsdelivr.net/x.css"> import("https://h/m.js")') != []
    )  # the check bites

    page = demo_page
    hosts: set[str] = set()
    page.on(
        "request", lambda r: hosts.add(urlparse(r.url).netloc) if r.url.startswith("http") else None
    )
    page.goto(demo_portal.url + "?year=2021&lang=en", timeout=120_000)
    page.get_by_role("link", name="兴安盟").click()
    page.locator("table.shegong-kpi").wait_for(timeout=120_000)  # live in English: a kernel
    page.locator("table.shegong-outcomes").wait_for(timeout=120_000)  # drawn later, in a widget
    assert page.locator("table.shegong-clients").count() == 1
    assert hosts == {urlparse(demo_portal.url).netloc}
