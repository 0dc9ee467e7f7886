"""Report blocks as HTML: on the page (notebook, Voila, replay) and printed (offline HTML, PDF).

- :func:`block_html` — one block's HTML, every outside text escaped (names come from the
  org-unit file, narratives from the evaluator: see :func:`shegong.reports.unit.render_narrative`);
- :func:`show` — display blocks in a notebook: each output holds the block's HTML and, in its
  metadata, the block's JSON (:mod:`shegong.reports.blocks`), from which the exports are made;
- :func:`document_html` — the printable page: A4 with the margins of GB/T 9704-2012 (top 37 mm,
  bottom 35 mm, left 28 mm, right 26 mm), the official fonts named first and the free fonts from
  Debian in the same roles (Noto Serif CJK SC for 仿宋 body text, Noto Sans CJK SC bold for 黑体,
  AR PL UKai for 楷体), the unit and year in the running header, ``— 1 —`` page numbers in the
  footer (CSS paged media; Chromium 131+ draws page-margin boxes), the cover without either and
  not counted, headings kept with what follows, table rows never split, table headers repeated
  on every page, each annex on a new page;
- :func:`to_notebook` — blocks as a notebook the served viewer can replay (the live cache).
"""

from __future__ import annotations

import base64
import html
import re
from typing import Any

from shegong.reports.blocks import (
    METADATA_KEY,
    Annex,
    Block,
    Cover,
    Figure,
    Heading,
    Items,
    Narrative,
    Paragraph,
    SignOff,
    Style,
    Table,
    block_from_json,
)

esc = html.escape
BODY_FONTS = '"仿宋_GB2312", "FangSong_GB2312", "仿宋", "FangSong", "Noto Serif CJK SC", serif'
HEI_FONTS = '"黑体", "SimHei", "Noto Sans CJK SC", sans-serif'
KAI_FONTS = '"楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi", "AR PL UKai CN", serif'
TITLE_FONTS = '"方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC", serif'
SONG_FONTS = '"宋体", "SimSun", "Noto Serif CJK SC", serif'
#: an English report's Latin text (Chinese names in it fall back to the CJK faces)
LATIN_FONTS = '"Times New Roman", "Liberation Serif", "DejaVu Serif", "Noto Serif CJK SC", serif'
LATIN_SANS = '"Arial", "Liberation Sans", "DejaVu Sans", "Noto Sans CJK SC", sans-serif'

#: the report's look on a screen (notebook, Voila, the offline page before printing)
SCREEN_CSS = f"""
.shegong-report {{ font-family: {BODY_FONTS}; font-size: 15px; line-height: 1.75; color: #111;
  max-width: 60em; }}
.shegong-report h1, .shegong-report .title {{ font-family: {TITLE_FONTS}; font-weight: 700;
  text-align: center; font-size: 1.9em; margin: 0.4em 0; }}
.shegong-report h2 {{ font-family: {HEI_FONTS}; font-weight: 700; font-size: 1.2em; margin: 1.2em 0 0.4em; }}
.shegong-report h3 {{ font-family: {KAI_FONTS}; font-weight: 400; font-size: 1.12em; margin: 0.9em 0 0.3em; }}
.shegong-report h4 {{ font-family: {BODY_FONTS}; font-weight: 700; font-size: 1em; margin: 0.6em 0 0.2em; }}
.shegong-report p.body {{ text-indent: 2em; margin: 0.2em 0; text-align: justify; }}
.shegong-report p.note {{ font-size: 0.85em; color: #444; margin: 0.2em 0 0.8em; }}
.shegong-report p.caption {{ font-family: {HEI_FONTS}; font-size: 0.9em; text-align: center; margin: 0.8em 0 0.2em; }}
.shegong-report figure {{ margin: 0.6em 0 1em; text-align: center; }}
.shegong-report figure img {{ max-width: 100%; }}
.shegong-report figcaption {{ font-family: {HEI_FONTS}; font-size: 0.9em; }}
.shegong-report table {{ border-collapse: collapse; margin: 0.2em auto 0.4em; font-size: 0.88em;
  line-height: 1.45; }}
.shegong-report th, .shegong-report td {{ border: 1px solid #666; padding: 3px 8px; vertical-align: top; }}
.shegong-report th {{ font-family: {HEI_FONTS}; font-weight: 700; background: #f1f1f1;
  word-break: keep-all; text-align: center; }}
.shegong-report td:first-child {{ white-space: nowrap; }}
.shegong-report td.r {{ text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }}
.shegong-report td.c {{ text-align: center; white-space: nowrap; }}
.shegong-report table[data-wide] {{ font-size: 0.78em; }}
.shegong-report ol.items {{ margin: 0.2em 0 0.6em 0; padding-left: 2.2em; }}
.shegong-report ol.items li {{ margin: 0.25em 0; }}
.shegong-report ol.items .fields {{ display: block; color: #333; }}
.shegong-report ol.items .fields span + span::before {{ content: "；"; }}
.shegong-report .lead {{ font-weight: 700; }}
.shegong-report .cover {{ border: 1px solid #bbb; padding: 1.5em 2em; margin: 0 0 1.5em; }}
.shegong-report .cover table, .shegong-report .signoff table {{ margin: 1em auto; font-size: 1em; }}
.shegong-report .cover td, .shegong-report .signoff td {{ border: none; padding: 2px 8px; }}
.shegong-report .cover td.label, .shegong-report .signoff td.label {{ text-align: right;
  white-space: nowrap; font-family: {HEI_FONTS}; }}
.shegong-report .state {{ text-align: center; font-family: {HEI_FONTS}; letter-spacing: 0.2em;
  color: #8b1a1a; margin: 0.4em 0; }}
.shegong-report .state.issued {{ color: #111; }}
.shegong-report .revision {{ border-top: 1px solid #bbb; margin-top: 1em; padding-top: 0.5em;
  font-size: 0.9em; }}
.shegong-report .signoff {{ margin: 2em 0 1em auto; width: fit-content; }}
.shegong-report .annex-label {{ font-family: {HEI_FONTS}; margin: 2em 0 0; }}
.shegong-report .annex-title {{ text-align: center; font-family: {TITLE_FONTS}; font-size: 1.4em; }}
.shegong-report .narrative {{ border-left: 3px solid #ccc; padding-left: 1em; }}
.shegong-report .narrative.missing {{ color: #8b1a1a; }}
.shegong-report:lang(en) {{ font-family: {LATIN_FONTS}; }}
.shegong-report:lang(en) h2, .shegong-report:lang(en) th, .shegong-report:lang(en) p.caption,
.shegong-report:lang(en) figcaption, .shegong-report:lang(en) .label {{ font-family: {LATIN_SANS}; }}
.shegong-report:lang(en) h3 {{ font-family: {LATIN_FONTS}; font-style: italic; }}
.shegong-report:lang(en) .title, .shegong-report:lang(en) .annex-title {{ font-family: {LATIN_FONTS}; }}
"""

#: the printed report (PDF from Chromium): GB/T 9704-2012 page, paged-media header and footer
PRINT_CSS = f"""
@page {{ size: A4; margin: 37mm 26mm 35mm 28mm;
  @top-center {{ content: var-header; font-family: {SONG_FONTS}; font-size: 10.5pt; color: #333;
    vertical-align: bottom; padding-bottom: 6mm; }} }}
/* The cover is not counted, so the first page after it is page 1 — and, being the second sheet
   side, a left page: odd numbers sit on :left pages, to the right (单页码居右), even numbers on
   :right pages, to the left (双页码居左), each one character in from the edge. */
@page :left {{ @bottom-right {{ content: "— " counter(page) " —"; font-family: {SONG_FONTS};
  font-size: 14pt; padding-right: 1em; vertical-align: top; padding-top: 7mm; }} }}
@page :right {{ @bottom-left {{ content: "— " counter(page) " —"; font-family: {SONG_FONTS};
  font-size: 14pt; padding-left: 1em; vertical-align: top; padding-top: 7mm; }} }}
@page cover {{ counter-increment: page 0; @top-center {{ content: none; }}
  @bottom-left {{ content: none; }} @bottom-right {{ content: none; }} }}
@media print {{
  html, body {{ margin: 0; padding: 0; background: #fff; }}
  .shegong-report {{ max-width: none; font-size: 16pt; line-height: 28.9pt; }}
  .shegong-report .cover {{ page: cover; break-after: page; border: none; padding: 30mm 0 0; }}
  .shegong-report .cover .title {{ font-size: 22pt; line-height: 36pt; margin-bottom: 30mm; }}
  .shegong-report .cover table {{ font-size: 16pt; line-height: 30pt; }}
  .shegong-report h2, .shegong-report h3, .shegong-report h4, .shegong-report p.caption,
  .shegong-report .annex-label, .shegong-report .annex-title {{ break-after: avoid; break-inside: avoid; }}
  .shegong-report h2 {{ font-size: 16pt; margin: 0.5em 0 0; }}
  .shegong-report h3 {{ font-size: 16pt; margin: 0.3em 0 0; }}
  .shegong-report h4 {{ font-size: 16pt; margin: 0.2em 0 0; }}
  .shegong-report p.body {{ margin: 0; }}
  .shegong-report table {{ font-size: 10.5pt; line-height: 15pt; width: 100%; }}
  .shegong-report table[data-wide] {{ font-size: 9pt; line-height: 12pt; }}
  .shegong-report thead {{ display: table-header-group; }}
  .shegong-report tr, .shegong-report figure, .shegong-report ol.items li,
  .shegong-report .signoff {{ break-inside: avoid; }}
  .shegong-report figure img {{ max-height: 100mm; }}
  .shegong-report p.note {{ font-size: 10.5pt; line-height: 16pt; }}
  .shegong-report ol.items {{ padding-left: 2em; }}
  .shegong-report .annex {{ break-before: page; }}
  .shegong-report .keep {{ break-inside: avoid; }}
}}
"""


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal that cannot end the string or the style element."""
    out = []
    for ch in text:
        if ch in '"\\<>&' or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _cells(row: list[str], tag: str, align: list[str], colours: str = "", col: int = -1) -> str:
    parts = []
    for i, value in enumerate(row):
        cls = align[i] if i < len(align) and align[i] in ("r", "c") and tag == "td" else ""
        style = f' style="color: {esc(colours)}; font-weight: 700;"' if i == col and colours else ""
        attr = f' class="{cls}"' if cls else ""
        parts.append(f"<{tag}{attr}{style}>{esc(str(value))}</{tag}>")
    return "<tr>" + "".join(parts) + "</tr>"


def _table(t: Table) -> str:
    head = _cells(t.columns, "th", t.align)
    body = "".join(
        _cells(r, "td", t.align, t.colours[i] if i < len(t.colours) else "", t.colour_col)
        for i, r in enumerate(t.rows)
    )
    caption = f'<p class="caption">{esc(t.caption)}</p>' if t.caption else ""
    note = f'<p class="note">{esc(t.note)}</p>' if t.note else ""
    # one class only (readers match it exactly: pandas.read_html(attrs={"class": …}))
    attrs = (f' class="{esc(t.css_class)}"' if t.css_class else "") + (
        ' data-wide="1"' if t.wide else ""
    )
    return f"{caption}<table{attrs}><thead>{head}</thead><tbody>{body}</tbody></table>{note}"


def _pairs(lines: list[list[str]]) -> str:
    rows = "".join(f'<tr><td class="label">{esc(a)}</td><td>{esc(b)}</td></tr>' for a, b in lines)
    return f"<table>{rows}</table>"


def block_html(block: Block, lang: str = "zh") -> str:
    """The HTML of one block inside ``<div class="shegong-report" lang="…">`` (every text
    escaped; ``lang`` chooses the fonts: Latin text in an English report is set in a Latin face)."""
    if isinstance(block, Style):
        return f"<style>{block.css}</style>"
    if isinstance(block, Cover):
        revision = "".join(f"<p>{esc(r)}</p>" for r in block.revision)
        inner = (
            f'<div class="cover"><p class="title">{esc(block.title)}</p>'
            f'<p class="state {esc(block.state)}">{esc(block.state_label)}</p>{_pairs(block.lines)}'
            + (f'<div class="revision">{revision}</div>' if revision else "")
            + "</div>"
        )
    elif isinstance(block, Heading):
        tag = f"h{min(block.level + 1, 4)}"
        inner = f"<{tag}>{esc(block.text)}</{tag}>"
    elif isinstance(block, Paragraph):
        lead = f'<span class="lead">{esc(block.lead)}</span>' if block.lead else ""
        inner = f'<p class="{esc(block.style)}">{lead}{esc(block.text)}</p>'
    elif isinstance(block, Items):
        items = []
        for item in block.items:
            lead = f'<span class="lead">{esc(item["lead"])}</span>' if item.get("lead") else ""
            fields = "".join(f"<span>{esc(a)}：{esc(b)}</span>" for a, b in item.get("fields", []))
            fields = f'<span class="fields">{fields}</span>' if fields else ""
            items.append(f"<li>{lead}{esc(item['text'])}{fields}</li>")
        cls = f"items {block.css_class}".strip()
        inner = f'<ol class="{esc(cls)}">{"".join(items)}</ol>'
    elif isinstance(block, Table):
        inner = _table(block)
    elif isinstance(block, Figure):
        data = base64.b64encode(block.png).decode("ascii")
        caption = f"<figcaption>{esc(block.caption)}</figcaption>" if block.caption else ""
        inner = (
            f'<figure><img src="data:image/png;base64,{data}" alt="{esc(block.caption)}">'
            f"{caption}</figure>"
        )
    elif isinstance(block, Narrative):
        cls = "narrative missing" if block.missing else "narrative"
        inner = f'<div class="{cls}">{block.html}</div>'  # rendered by render_narrative
    elif isinstance(block, SignOff):
        inner = f'<div class="signoff">{_pairs(block.lines)}</div>'
    elif isinstance(block, Annex):
        inner = (
            f'<section class="annex"><p class="annex-label">{esc(block.label)}</p>'
            f'<p class="annex-title">{esc(block.title)}</p></section>'
        )
    else:  # pragma: no cover — every kind is handled above
        raise TypeError(f"unknown block {type(block).__name__}")
    return f'<div class="shegong-report" lang="{"zh-CN" if lang == "zh" else "en"}">{inner}</div>'


def bundles(block: Block, lang: str = "zh") -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The notebook outputs of a block, as (data, metadata) pairs: its HTML with the block's JSON
    in the metadata; a figure is its PNG (``image/png``, once) with the JSON, then its caption
    as HTML without block metadata (the exports take the caption from the JSON)."""
    meta = {METADATA_KEY: block.to_json()}
    if isinstance(block, Figure):
        data = {
            "image/png": base64.b64encode(block.png).decode("ascii"),
            "text/plain": block.caption,
        }
        out = [(data, {**meta, "image/png": {"width": 720}})]
        if block.caption:
            caption = (
                f'<div class="shegong-report"><p class="caption">{esc(block.caption)}</p></div>'
            )
            out.append(({"text/html": caption, "text/plain": block.caption}, {}))
        return out
    return [({"text/html": block_html(block, lang), "text/plain": block.plain()}, meta)]


def show(blocks: list[Block], emit=None, lang: str = "zh") -> None:
    """Display ``blocks`` in the current notebook, or pass each output to ``emit(data, metadata)``
    (the served page's background thread appends them to its Output widget)."""
    if emit is None:
        from IPython.display import publish_display_data

        emit = publish_display_data
    for block in blocks:
        for data, metadata in bundles(block, lang):
            emit(data, metadata)


_IMG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def figure_png(html_text: str) -> bytes | None:
    """The PNG of a figure block's HTML (the only copy of it in the notebook)."""
    m = _IMG.search(html_text)
    return base64.b64decode(m.group(1)) if m else None


def blocks_from_notebook(nb: Any) -> list[Block]:
    """The blocks of an executed report notebook, in order (outputs without block metadata —
    streams, widget views — are left out); empty for a notebook made before blocks existed.

    Raises:
        ValueError: an output holds a block of another schema version (run the report again).
    """
    found: list[Block] = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            meta = (out.get("metadata") or {}).get(METADATA_KEY)
            if not isinstance(meta, dict):
                continue
            png = None
            if meta.get("kind") == "figure":
                data = out.get("data", {})
                raw = data.get("image/png")
                raw = "".join(raw) if isinstance(raw, list) else raw
                text = data.get("text/html", "")
                text = "".join(text) if isinstance(text, list) else text
                png = base64.b64decode(raw) if raw else figure_png(text)
            found.append(block_from_json(meta, png))
    return found


def document_html(blocks: list[Block], lang: str) -> tuple[str, str]:
    """The printable report: (CSS, body HTML) for :func:`shegong.exports.html_page`."""
    cover = next((b for b in blocks if isinstance(b, Cover)), None)
    header = _css_string(cover.header if cover else "")
    page = "@media screen { body { margin: 2em auto; max-width: 62em; padding: 0 1.5em; } }\n"
    css = SCREEN_CSS + page + PRINT_CSS.replace("var-header", header)
    body = "\n".join(block_html(b, lang) for b in blocks if not isinstance(b, Style))
    return css, body


def to_notebook(
    blocks: list[Block], parameters: dict[str, Any], lang: str = "zh"
) -> dict[str, Any]:
    """A notebook (nbformat 4 JSON) whose one code cell holds ``blocks`` as display outputs —
    what :mod:`shegong.reports.archive` replays; ``parameters`` are kept in its metadata."""
    outputs = [
        {"output_type": "display_data", "data": data, "metadata": meta}
        for block in blocks
        for data, meta in bundles(block, lang)
    ]
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"shegong": {"parameters": parameters, "live": True}},
        "cells": [
            {
                "cell_type": "code",
                "id": "report",
                "execution_count": None,
                "metadata": {},
                "source": "",
                "outputs": outputs,
            }
        ],
    }
