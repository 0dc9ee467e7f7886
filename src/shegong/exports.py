"""Exports of executed reports: offline HTML and PDF.

- :func:`notebook_html` — static HTML without code cells and without any script loaded from a
  CDN (MathJax, require.js, mermaid): it renders offline because the reports hold no widgets,
  only Markdown, HTML tables and embedded PNGs (DESIGN.md §5 note on nbconvert).
- :func:`html_page` — a whole offline page around report HTML (the evaluation report's
  printable page, :mod:`shegong.reports.html`);
- :func:`html_to_pdf` — print offline pages to PDF in headless Chromium.

The Word document and the 汇总表 are made in :mod:`shegong.reports.docx` and
:mod:`shegong.reports.summary`, which know the report's blocks and vocabulary.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import nbformat

from shegong import atomic

_REMOTE_SCRIPT = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.S)
_CDN_MODULE = re.compile(
    r"<script type=\"module\">(?:(?!</script>).)*?https?://(?:(?!</script>).)*</script>", re.S
)
#: flags for headless Chromium here: root needs --no-sandbox; the closed network refuses background calls
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
    """Static HTML of an executed notebook: outputs only, nothing fetched from the network."""
    html, _ = _html_exporter().from_notebook_node(nb)
    return _CDN_MODULE.sub("", _REMOTE_SCRIPT.sub("", html))


def html_page(body: str, *, title: str, css: str, lang: str = "zh") -> str:
    """A whole offline HTML page around ``body`` (already escaped HTML): UTF-8, the language,
    ``title`` (escaped here) and ``css``; nothing is loaded from the network. The report's print
    layout marks itself with ``<meta name="shegong-print" content="css">``: :func:`html_to_pdf`
    then takes the page size and margins from its CSS."""
    import html

    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n'
        '<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="shegong-print" content="css">\n'
        f"<title>{html.escape(title)}</title>\n<style>{css}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def chromium_path() -> str | None:
    """Debian's chromium (``SHEGONG_CHROMIUM`` overrides), or None when it is not installed."""
    import os
    import shutil

    return (
        os.environ.get("SHEGONG_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


def pdf_unavailable() -> str | None:
    """Why :func:`html_to_pdf` would write nothing on this machine (one bilingual line), or None."""
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "未生成 PDF no PDF: playwright is not installed (pip install playwright)"
    if chromium_path() is None:
        return "未生成 PDF no PDF: Chromium is not installed (Debian: apt-get install chromium fonts-noto-cjk)"
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
                own = page.locator('meta[name="shegong-print"]').count() > 0
                # a page with its own @page rules (html_page) sets size, margins, header and
                # footer; any other (nbconvert's) gets A4 with narrow margins
                margin = (
                    None
                    if own
                    else {"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"}
                )
                atomic.write_with(
                    pdf,
                    lambda tmp, margin=margin: page.pdf(
                        path=str(tmp),
                        format="A4",
                        print_background=True,
                        prefer_css_page_size=True,
                        margin=margin,
                    ),
                )
                written.append(pdf)
        finally:
            browser.close()
    return written
