"""Browser test (issue 8): the served index links the portfolio and project reports, in Debian's
chromium.

``SHEGONG_SCREENSHOTS_DIR=DIR`` also saves ``portfolio_report.png`` and ``project_report.png``
there (a tall viewport: Voila pages scroll inside the page, so full-page captures cut them).
"""

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_index_links_portfolio_and_project_reports(demo_portal, demo_page):
    shots = os.environ.get("SHEGONG_SCREENSHOTS_DIR")
    server = demo_portal.url
    page = demo_page
    page.goto(server + "?year=2022", timeout=60_000)
    page.get_by_role("link", name="2022年公益创投", exact=True).click(timeout=60_000)
    if shots:
        page.set_viewport_size({"width": 1280, "height": 2400})
    table = page.locator("table.shegong-portfolio")
    table.wait_for(timeout=60_000)
    codes = sorted(
        r.locator("td").nth(1).inner_text().split(" ")[0] for r in table.locator("tbody tr").all()
    )
    assert codes == [f"GY2022-0{i}" for i in range(1, 7)]
    page.locator("img[src^='data:image/png']").first.wait_for(timeout=30_000)
    if shots:
        page.screenshot(path=str(Path(shots) / "portfolio_report.png"))
    page.set_viewport_size({"width": 1280, "height": 2000 if shots else 900})
    page.goto(server + "?project=GY2022-03&year=2022", timeout=60_000)
    kpi = page.locator("table.shegong-project-kpi")
    kpi.wait_for(timeout=60_000)
    dims = {r.locator("td").nth(0).inner_text() for r in kpi.locator("tbody tr").all()}
    assert dims == {"目标", "投入", "管理", "产出", "成效", "满意度"}
    assert page.locator("table.shegong-project-facts td").first.inner_text() == "GY2022-03"
    page.locator("img[src^='data:image/png']").nth(1).wait_for(timeout=30_000)
    if shots:
        page.screenshot(path=str(Path(shots) / "project_report.png"))
