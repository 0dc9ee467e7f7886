"""Hostile text in Chromium (issue 14): an evaluator's narrative holding ``<script>``, an
``onerror`` attribute and a ``javascript:`` link, and a ledger with tags in its cells. For the
offline report HTML, the quality report and the served (replayed) report: no dialog opens, the
payload is dropped or shows as text, and the page's main content rendered. Servers listen on
127.0.0.1 and stop."""

import json

import nbformat
import pytest

from shegong.config import Workspace
from shegong.exports import notebook_html
from shegong.ledger.importer import import_ledgers

from .builders import write_org_units
from .conftest import CHROMIUM_ARGS
from .portal import running_portal
from .test_hostile_text import HOSTILE_KIND, HOSTILE_STATION, hostile_ledger, narrative_notebook

pytestmark = pytest.mark.browser
LEAGUE = "152200000000"


class Watched:
    """A Chromium page that records every dialog (and dismisses it) and every CSP report."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1200, "height": 900})
        self.dialogs: list[str] = []
        self.csp: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on(
            "console",
            lambda m: self.csp.append(m.text) if "Content Security Policy" in m.text else None,
        )


@pytest.fixture
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def test_offline_report_html_runs_no_narrative_payload(browser, tmp_path):
    path = tmp_path / f"{LEAGUE}.html"
    path.write_text(notebook_html(narrative_notebook()), encoding="utf-8")
    w = Watched(browser)
    w.page.goto(path.as_uri(), wait_until="load")
    w.page.wait_for_timeout(500)  # an onerror fires after the failed image load
    assert w.page.locator("table.shegong-kpi td").nth(1).inner_text() == "1,493"  # content shown
    narrative = w.page.locator(".shegong-narrative")
    assert "台账规范" in narrative.inner_text() and "加粗" in narrative.inner_text()
    assert narrative.locator("img, script, svg").count() == 0
    assert narrative.locator("a[href^='javascript']").count() == 0
    assert narrative.locator("a[href='https://www.mca.gov.cn/']").count() == 1
    assert w.dialogs == [] and w.csp == []


def test_quality_report_shows_ledger_tags_as_text(browser, tmp_path):
    ws = Workspace.at(tmp_path / "ws")
    write_org_units(ws.org_units_file)
    ledger = hostile_ledger(tmp_path / "和平_2021年3月.xlsx")
    import_ledgers([ledger], workspace=ws, progress=False)
    w = Watched(browser)
    w.page.goto((ws.quality_dir / f"{ledger.name}.html").as_uri(), wait_until="load")
    w.page.wait_for_timeout(500)
    assert "数据质量报告" in w.page.locator("h1").inner_text()
    cells = w.page.locator("td").all_inner_texts()
    assert HOSTILE_KIND in cells and HOSTILE_STATION in cells  # the tags as text
    assert w.page.locator("td img, td script").count() == 0
    assert w.dialogs == [] and w.csp == []


@pytest.fixture
def served(tmp_path):
    """A workspace whose league report of 2021 is an executed batch notebook holding the hostile
    narrative (as shegong.reports.sections emits it), served by the front server as shegong serve
    starts it (public reports: no sign-in)."""
    ws = Workspace.at(tmp_path / "ws")
    write_org_units(ws.org_units_file)
    (ws.root / "narratives").mkdir()
    (ws.root / "narratives" / f"{LEAGUE}.md").write_text("见报告。", encoding="utf-8")
    out = ws.reports_dir(2021)
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(narrative_notebook(), out / f"{LEAGUE}.ipynb")
    unit = {"org_unit": LEAGUE, "name": "兴安盟", "level": 2, "parameters": {"lang": "zh"}}
    manifest = {"schema_version": 1, "year": 2021, "units": [{**unit, "status": "ok"}]}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with running_portal(ws.root, public_reports=True) as portal:  # reports without sign-in
        yield portal.url


def test_served_report_replays_the_narrative_without_its_payload(browser, served):
    w = Watched(browser)
    w.page.goto(f"{served}?unit={LEAGUE}&year=2021", timeout=120_000)
    narrative = w.page.locator(".shegong-narrative")
    narrative.wait_for(timeout=120_000)
    w.page.wait_for_timeout(1000)
    assert w.page.locator("table.shegong-kpi td").nth(1).inner_text() == "1,493"
    assert "台账规范" in narrative.inner_text()
    assert narrative.locator("img, script, svg, a[href^='javascript']").count() == 0
    assert w.dialogs == []
