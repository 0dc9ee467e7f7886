"""Take the README's report screenshots from a served demo workspace (a maintainer's script).

    .venv/bin/shegong demo --workspace /tmp/demo --no-serve
    .venv/bin/python docs/take_screenshots.py /tmp/demo

Starts Voila as ``shegong serve`` does (shegong.serving.serve.voila_command), opens the 2022 reports of
the league, a county and a station in zh-CN and en in Debian's chromium, and writes
``docs/screenshots/report_<level>_<lang>.png`` (the top of each report: summary card,
dimensions, KPI table) and two views of the sections further down. Voila pages scroll inside
the page, so the viewport is made tall and regions are clipped from it.

``--exports`` instead renders the county's printed report and Word document for review (issue
17): ``report_pdf_page1.png`` (the PDF's cover and first page, ``pdftoppm`` from Debian's
poppler-utils) and ``report_docx_page.png`` (a page of the .docx converted by LibreOffice:
``apt-get install -y libreoffice-writer-nogui``; review only, not in CI). LibreOffice gets a
private fontconfig file mapping the official fonts the .docx names to the free ones in the same
roles, as an office PC would show them with its own fonts.
"""

from __future__ import annotations

import os
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
    ("report_sections_zh.png", "league", "zh", "（五）服务对象类别构成", "（八）下级单元评估结果"),
    (
        "report_station_children_zh.png",
        "station",
        "zh",
        "（八）下级单元评估结果",
        "四、主要成效与亮点",
    ),
)
#: the official fonts a .docx names → the free fonts from Debian in the same roles
FONT_ROLES = {
    "仿宋_GB2312": "Noto Serif CJK SC",
    "宋体": "Noto Serif CJK SC",
    "方正小标宋简体": "Noto Serif CJK SC",
    "黑体": "Noto Sans CJK SC",
    "楷体_GB2312": "AR PL UKai CN",
}


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


def exports(workspace: str, code: str = UNITS["county"]) -> None:
    """Render the printed report's cover and first page, and a page of the .docx (see above)."""
    import tempfile

    from PIL import Image

    reports = Workspace.at(workspace, create=False).reports_dir(YEAR)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "80",
                "-png",
                "-f",
                "1",
                "-l",
                "2",
                str(reports / f"{code}.pdf"),
                str(t / "pdf"),
            ],
            check=True,
        )
        pages = [Image.open(p) for p in sorted(t.glob("pdf-*.png"))]
        both = Image.new(
            "RGB", (sum(p.width for p in pages) + 20, max(p.height for p in pages)), "#888888"
        )
        x = 0
        for p in pages:
            both.paste(p, (x, 0))
            x += p.width + 20
        both.save(OUT / "report_pdf_page1.png")
        print(OUT / "report_pdf_page1.png")
        aliases = "".join(
            f"<alias binding='same'><family>{name}</family><prefer><family>{free}</family></prefer></alias>"
            for name, free in FONT_ROLES.items()
        )
        conf = t / "fonts.conf"
        conf.write_text(
            "<?xml version='1.0'?><!DOCTYPE fontconfig SYSTEM 'fonts.dtd'><fontconfig>"
            f"<include ignore_missing='yes'>/etc/fonts/fonts.conf</include>{aliases}</fontconfig>",
            encoding="utf-8",
        )
        env = {**os.environ, "FONTCONFIG_FILE": str(conf), "HOME": tmp}
        subprocess.run(
            [
                "soffice",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                tmp,
                str(reports / f"{code}.docx"),
            ],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "80",
                "-png",
                "-f",
                "4",
                "-l",
                "4",
                str(t / f"{code}.pdf"),
                str(t / "docx"),
            ],
            check=True,
        )
        next(t.glob("docx-*.png")).replace(OUT / "report_docx_page.png")
        print(OUT / "report_docx_page.png")


if __name__ == "__main__":
    if "--exports" in sys.argv:
        exports(next((a for a in sys.argv[1:] if a != "--exports"), "workspace"))
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "workspace")
