"""Exports of executed reports for submission: offline HTML, Word (.docx) and the Excel 汇总表.

- :func:`notebook_html` — static HTML without code cells and without any script loaded from a
  CDN (MathJax, require.js, mermaid): it renders offline because the reports hold no widgets,
  only Markdown, HTML tables and embedded PNGs (DESIGN.md §5 note on nbconvert); a ``<meta>``
  Content Security Policy lets it run no script (DESIGN.md §7).
- :func:`notebook_docx` — a Word document built with python-docx from the notebook's outputs:
  Markdown headings and paragraphs, HTML tables as Word tables, PNG charts as pictures. East Asian
  text is set in 宋体 (SimSun) as official submissions expect; Latin text in the default font.
- :func:`summary_workbook` — one sheet, every unit × every measure for the pilot year, with unit,
  target and status, for the civil-affairs bureau.
"""

from __future__ import annotations

import base64
import io
import re
import threading
from pathlib import Path

import nbformat
import pandas as pd

from shegong import atomic
from shegong.config import setting
from shegong.safe_html import with_csp_meta

_REMOTE_SCRIPT = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.S)
_CDN_MODULE = re.compile(
    r"<script type=\"module\">(?:(?!</script>).)*?https?://(?:(?!</script>).)*</script>", re.S
)
EAST_ASIAN_FONT = "宋体"
#: an output's Markdown source kept beside its sanitised HTML (an evaluator's narrative): no front
#: end renders this type, the .docx writes it as text (shegong.reports.sections.show_sections)
MARKDOWN_SOURCE_MIME = "text/x-shegong-markdown-source"
#: flags for headless Chromium here: root needs --no-sandbox; the closed network refuses background
#: calls
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]


_EXPORTERS = threading.local()


def _html_exporter():
    """One exporter per thread (a Dask worker may run several units at once): building it —
    templates, preprocessors — costs half as much again as an export, and a batch worker exports
    many notebooks with the same settings."""
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = _EXPORTERS.html = HTMLExporter(
            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
        )
    return exporter


def notebook_html(nb: nbformat.NotebookNode) -> str:
    """Static HTML of an executed notebook: outputs only, nothing fetched from the network; the
    page's title is the report's own (its first heading) and its language the report's (a Chinese
    report is ``lang="zh-CN"``, never nbconvert's "Notebook" in English), with a ``<meta>`` Content
    Security Policy that runs no script at all (:data:`shegong.safe_html.OFFLINE_CSP`)."""
    texts = (
        "".join(m) if isinstance(m, list) else str(m) for k, m in _outputs(nb) if k == "markdown"
    )
    heads = (m for m in texts if m.startswith("# "))
    title = next(heads, "# Notebook")[2:].split("\n", 1)[0].strip()
    html, _ = _html_exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    lang = nb.metadata.get("papermill", {}).get("parameters", {}).get("lang", "zh")
    html = html.replace('<html lang="en">', f'<html lang="{"en" if lang == "en" else "zh-CN"}">', 1)
    return with_csp_meta(_CDN_MODULE.sub("", _REMOTE_SCRIPT.sub("", html)))


def _outputs(nb: nbformat.NotebookNode):
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if MARKDOWN_SOURCE_MIME in data:  # sanitised HTML beside its Markdown source
                yield "markdown", data[MARKDOWN_SOURCE_MIME]
            elif "image/png" in data:
                yield "png", base64.b64decode(data["image/png"])
            elif "text/html" in data:
                yield "html", data["text/html"]
            elif "text/markdown" in data:
                yield "markdown", data["text/markdown"]


def _set_east_asian_font(document) -> None:
    from docx.oxml.ns import qn

    for style_name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Title"):
        style = document.styles[style_name]
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)


def _markdown(document, text: str) -> None:
    for block in text.split("\n"):
        line = block.strip()
        if not line:
            continue
        m = re.match(r"^(#{1,3})\s+(.*)$", line)
        plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)  # links keep their text
        plain = re.sub(r"[*`]", "", plain)
        if m:
            document.add_heading(
                re.sub(r"[*`]", "", m.group(2)),
                level=len(m.group(1)) - 1 if len(m.group(1)) > 1 else 0,
            )
        elif plain.startswith(("- ", "* ")):
            document.add_paragraph(plain[2:], style="List Bullet")
        else:
            document.add_paragraph(plain)


def _table(document, html: str) -> None:
    try:
        frames = pd.read_html(io.StringIO(html), thousands=None)  # keep 1,493 as shown
    except ValueError:  # HTML without a table
        return
    for frame in frames:
        frame = frame.astype(str).replace({"nan": ""})
        # every row at once: the same XML as add_row() row by row, without re-reading the grid per
        # row
        table = document.add_table(
            rows=len(frame) + 1, cols=len(frame.columns), style="Light Grid Accent 1"
        )
        rows = table.rows
        for cell, name in zip(rows[0].cells, frame.columns, strict=True):
            cell.text = str(name)
        for row, values in zip(rows[1:], frame.itertuples(index=False), strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = str(value)
        document.add_paragraph()


def notebook_docx(nb: nbformat.NotebookNode, target: Path) -> None:
    """Write the executed report ``nb`` as a Word document at ``target`` (atomically)."""
    from docx import Document
    from docx.shared import Cm

    document = Document()
    _set_east_asian_font(document)
    for kind, payload in _outputs(nb):
        if kind == "png":
            document.add_picture(io.BytesIO(payload), width=Cm(15))
        elif kind == "html":
            _table(document, payload)
        else:
            _markdown(document, payload)
    atomic.write_with(target, lambda p: document.save(str(p)))


def summary_workbook(
    indicators: pd.DataFrame, org_units: pd.DataFrame, registry, year: int, target: Path
) -> pd.DataFrame:
    """Write the 汇总表: one row per org unit × measure for ``year`` (all areas and categories).

    Columns: 单元代码, 单元名称, 层级, 指标编号, 指标名称, 数值, 单位, 目标值, 状态. Returns the
    frame.
    """
    yearly = indicators[
        (indicators["period"] == str(year))
        & indicators["service_area"].isna()
        & indicators["client_category"].isna()
    ]
    names = {m.id: m.name["zh"] for m in registry.measures}
    frame = yearly.merge(
        org_units[["code", "name"]], left_on="org_unit", right_on="code", how="left"
    )
    out = (
        pd.DataFrame(
            {
                "单元代码": frame["org_unit"],
                "单元名称": frame["name"],
                "层级": frame["level"],
                "指标编号": frame["indicator"],
                "指标名称": frame["indicator"].map(names),
                "数值": frame["value"],
                "单位": frame["unit"],
                "目标值": frame["target"],
                "状态": frame["status"],
            }
        )
        .sort_values(["层级", "单元代码", "指标编号"])
        .reset_index(drop=True)
    )

    def write(path: Path) -> None:
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            out.to_excel(xl, sheet_name=f"{year}汇总表", index=False)
            sheet = xl.sheets[f"{year}汇总表"]
            for column, width in zip("ABCDEFGHI", (15, 22, 6, 9, 22, 12, 6, 10, 10), strict=True):
                sheet.column_dimensions[column].width = width
            sheet.freeze_panes = "A2"

    atomic.write_with(target, write)
    return out


def chromium_path() -> str | None:
    """Debian's chromium (``SHEGONG_CHROMIUM`` overrides), or None when it is not installed."""
    import shutil

    return (
        setting("SHEGONG_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def pdf_unavailable() -> str | None:
    """Why :func:`html_to_pdf` would write nothing on this machine (one bilingual line), or None."""
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "未生成 PDF no PDF: playwright is not installed (pip install playwright)"
    if chromium_path() is None:
        return (
            "未生成 PDF no PDF: Chromium is not installed (Debian: apt-get install "
            "chromium fonts-noto-cjk)"
        )
    return None


def html_to_pdf(pairs: list[tuple[Path, Path]], *, chromium: str | None = None) -> list[Path]:
    """Print each static HTML report to PDF (A4) in one headless Chromium session.

    Returns the PDFs written; an empty list when Chromium or playwright is missing (PDF is an
    optional export: the .docx is the document for official submission).
    """
    chromium = chromium or chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return []
    if chromium is None:
        return []
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            for html, pdf in pairs:
                page.goto(Path(html).resolve().as_uri(), wait_until="load")
                atomic.write_with(
                    pdf,
                    lambda tmp: page.pdf(
                        path=str(tmp),
                        format="A4",
                        print_background=True,
                        margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"},
                    ),
                )
                written.append(pdf)
        finally:
            browser.close()
    return written
