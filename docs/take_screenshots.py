"""Take the README's report screenshots from a served demo workspace (a maintainer's script).

    .venv/bin/shegong demo --workspace /tmp/demo --no-serve
    .venv/bin/python docs/take_screenshots.py /tmp/demo

Starts Voila as ``shegong serve`` does (shegong.serving.serve.voila_command), opens the 2022 reports
of the league, a county and a station in zh-CN and en in Debian's chromium, and writes
``docs/screenshots/report_<level>_<lang>.png`` (the top of each report: summary card,
dimensions, KPI table) and two views of the sections further down. Voila pages scroll inside
the page, so the viewport is made tall and regions are clipped from it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from shegong.config import Workspace
from shegong.exports import CHROMIUM_ARGS, chromium_path
from shegong.serving.serve import voila_command, voila_env

OUT = Path(__file__).parent / "screenshots"
UNITS = {"league": "152200000000", "county": "152201000000", "station": "152201100000"}
YEAR = 2022
WIDTH, TOP = 1100, 2600
#: (file, level, lang, first heading, heading after the region)
SECTIONS = (
    ("report_sections_zh.png", "league", "zh", "服务对象类别构成", "下级单元"),
    ("report_station_children_zh.png", "station", "zh", "下级单元", "整改建议"),
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            urllib.request.urlopen(url + "voila/static/", timeout=2)  # noqa: S310 — loopback only
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("voila did not start")


def _heading_y(page, text: str) -> float:
    return page.get_by_role("heading", name=text, exact=True).bounding_box()["y"]


def main(workspace: str) -> None:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(
        voila_command(port=port, pool_size=1),
        env=voila_env(Workspace.at(workspace, create=False)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(url, proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": WIDTH, "height": 12000})
            for level, code in UNITS.items():
                for lang in ("zh", "en"):
                    page.goto(f"{url}?unit={code}&year={YEAR}&lang={lang}", timeout=180_000)
                    page.locator("table.shegong-method").wait_for(timeout=180_000)
                    page.locator("table.shegong-outcomes").wait_for(
                        timeout=180_000
                    )  # drawn after the page
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
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "workspace")
