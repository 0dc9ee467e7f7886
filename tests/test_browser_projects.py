"""Browser test (issue 8): the served index links the portfolio and project reports, in Debian's
chromium.

``SHEGONG_SCREENSHOTS_DIR=DIR`` also saves ``portfolio_report.png`` and ``project_report.png``
there (a tall viewport: Voila pages scroll inside the page, so full-page captures cut them).
"""

import os
from pathlib import Path

import pytest

from .conftest import CHROMIUM_ARGS
from .test_browser import server  # noqa: F401 — the served demo workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _open(page, name: str):
    link = page.get_by_role("link", name=name, exact=True)
    link.wait_for(timeout=60_000)
    if (
        link.get_attribute("target") == "_blank"
    ):  # Jupyter's Markdown renderer opens links in a new tab
        with page.expect_popup() as popup:
            link.click()
        return popup.value
    link.click()
    return page


def test_index_links_portfolio_and_project_reports(server, chromium):  # noqa: F811
    from playwright.sync_api import sync_playwright

    shots = os.environ.get("SHEGONG_SCREENSHOTS_DIR")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            index = browser.new_page(viewport={"width": 1280, "height": 900})
            index.goto(server + "?year=2022", timeout=60_000)
            page = _open(index, "2022年公益创投")
            if shots:
                page.set_viewport_size({"width": 1280, "height": 2400})
            table = page.locator("table.shegong-portfolio")
            table.wait_for(timeout=60_000)
            codes = sorted(
                r.locator("td").nth(1).inner_text().split(" ")[0]
                for r in table.locator("tbody tr").all()
            )
            assert codes == [f"GY2022-0{i}" for i in range(1, 7)]
            page.locator("img[src^='data:image/png']").first.wait_for(timeout=30_000)
            if shots:
                page.screenshot(path=str(Path(shots) / "portfolio_report.png"))
            page = browser.new_page(viewport={"width": 1280, "height": 2000 if shots else 900})
            page.goto(server + "?project=GY2022-03&year=2022", timeout=60_000)
            kpi = page.locator("table.shegong-project-kpi")
            kpi.wait_for(timeout=60_000)
            dims = {r.locator("td").nth(0).inner_text() for r in kpi.locator("tbody tr").all()}
            assert dims == {"目标", "投入", "管理", "产出", "成效", "满意度"}
            assert page.locator("table.shegong-project-facts td").first.inner_text() == "GY2022-03"
            page.locator("img[src^='data:image/png']").nth(1).wait_for(timeout=30_000)
            if shots:
                page.screenshot(path=str(Path(shots) / "project_report.png"))
        finally:
            browser.close()
