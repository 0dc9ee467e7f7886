"""Take the README's screenshots from a served demo workspace (a maintainer's script).

    .venv/bin/shegong demo --workspace /tmp/demo --no-serve
    .venv/bin/python docs/take_screenshots.py /tmp/demo

Starts the front server as ``shegong serve`` does and signs in as the demo's admin — the same
helpers as the browser tests and benchmarks (tests/portal.py: one way to start the portal, sign in
and open Chromium) — then opens the 2022 reports of the league, a county and a station in zh-CN
and en, and writes ``docs/screenshots/report_<level>_<lang>.png`` (the top of each report: summary
card, dimensions, KPI table), two views of the sections further down, and the sign-in page
(``signin.png``). The viewport is made tall and regions are clipped from it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/portal.py

from shegong.demo.accounts import ADMIN, DEFAULT_PASSWORD  # noqa: E402
from tests.portal import chromium_browser, running_portal, sign_in_page  # noqa: E402

OUT = Path(__file__).parent / "screenshots"
UNITS = {"league": "152200000000", "county": "152201000000", "station": "152201100000"}
YEAR = 2022
WIDTH, TOP = 1100, 2600
#: (file, level, lang, first heading, heading after the region)
SECTIONS = (
    ("report_sections_zh.png", "league", "zh", "服务对象类别构成", "下级单元"),
    ("report_station_children_zh.png", "station", "zh", "下级单元", "整改建议"),
)


def _heading_y(page, text: str) -> float:
    return page.get_by_role("heading", name=text, exact=True).bounding_box()["y"]


def main(workspace: str) -> None:
    import os

    password = os.environ.get("SHEGONG_DEMO_PASSWORD") or DEFAULT_PASSWORD
    with running_portal(workspace) as portal, chromium_browser() as browser:
        url = portal.url
        page = browser.new_page()
        page.set_viewport_size({"width": WIDTH, "height": 700})
        page.goto(url + "signin", timeout=60_000)
        page.screenshot(path=str(OUT / "signin.png"))
        print(OUT / "signin.png")
        sign_in_page(page, url, ADMIN, password)
        page.set_viewport_size({"width": WIDTH, "height": 12000})
        for level, code in UNITS.items():
            for lang in ("zh", "en"):
                page.goto(f"{url}?unit={code}&year={YEAR}&lang={lang}", timeout=180_000)
                page.locator("table.shegong-method").wait_for(timeout=180_000)
                page.locator("table.shegong-outcomes").wait_for(timeout=180_000)
                page.wait_for_timeout(500)
                path = OUT / f"report_{level}_{lang}.png"
                page.screenshot(
                    path=str(path), clip={"x": 0, "y": 0, "width": WIDTH, "height": TOP}
                )
                print(path)
                for name, s_level, s_lang, first, after in SECTIONS:
                    if (s_level, s_lang) == (level, lang):
                        top, bottom = _heading_y(page, first) - 10, _heading_y(page, after) - 10
                        page.screenshot(
                            path=str(OUT / name),
                            clip={"x": 0, "y": top, "width": WIDTH, "height": bottom - top},
                        )
                        print(OUT / name)
        if browser.csp_violations:
            raise SystemExit(f"CSP violations: {browser.csp_violations}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "workspace")
