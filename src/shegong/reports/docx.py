"""Report blocks as a Word document laid out as GB/T 9704-2012 asks where it applies.

- Paper A4 (210 × 297 mm); margins: top 37 mm, bottom 35 mm, left (binding) 28 mm, right 26 mm,
  leaving the 156 × 225 mm type area of GB/T 9704-2012 §5.2.
- Fonts named as an office PC has them, with the East Asian font attribute set (``w:eastAsia``;
  Latin text in Times New Roman): body 仿宋_GB2312 3号 (16 pt) on a fixed 28.95 pt line (22 lines a
  page), first-level headings 黑体, second-level 楷体_GB2312, third-level 仿宋_GB2312 bold, the
  title 方正小标宋简体 2号 (22 pt); tables 五号 (10.5 pt). Naming a font does not ship it: Word
  substitutes a font it lacks.
- The cover is its own section without header or footer; numbering starts at 1 on the first page
  after it. Header: unit and year (and the report's state). Footer: the page number as a PAGE
  field between dashes, ``— 1 —``, 宋体 4号, odd pages right and even pages left, one character in
  (GB/T 9704-2012 §7.5).
- Tables: the header row repeats on every page (``w:tblHeader``), rows never split across pages
  (``w:cantSplit``), numbers right-aligned; captions above tables, below figures; headings and
  captions kept with what follows.

:func:`blocks_docx` writes the evaluation report from its blocks (the strings as shown: ``+3.8``,
``−1.2``, ``1,493``); :func:`notebook_docx` writes any other executed report notebook (the
project reports) from its Markdown, HTML tables and images with the same page.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from shegong import atomic
from shegong.reports.blocks import (
    Annex,
    Block,
    Cover,
    Figure,
    Heading,
    Items,
    Narrative,
    Paragraph,
    SignOff,
    Table,
)

LATIN = "Times New Roman"
BODY, HEI, KAI, TITLE, SONG = "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体", "宋体"
LINE = Pt(28.95)
#: paragraph styles: (font, size pt, bold, alignment, fixed line)
STYLES = {
    "Normal": (BODY, 16, False, WD_ALIGN_PARAGRAPH.JUSTIFY, True),
    "Title": (TITLE, 22, False, WD_ALIGN_PARAGRAPH.CENTER, False),
    "Heading 1": (HEI, 16, False, WD_ALIGN_PARAGRAPH.LEFT, True),
    "Heading 2": (KAI, 16, False, WD_ALIGN_PARAGRAPH.LEFT, True),
    "Heading 3": (BODY, 16, True, WD_ALIGN_PARAGRAPH.LEFT, True),
    "Caption": (HEI, 10.5, False, WD_ALIGN_PARAGRAPH.CENTER, False),
    "Header": (SONG, 10.5, False, WD_ALIGN_PARAGRAPH.CENTER, False),
    "Footer": (SONG, 14, False, WD_ALIGN_PARAGRAPH.RIGHT, False),
}
TABLE_TEXT, NOTE_TEXT = "Table Text", "Table Note"


def set_fonts(element, east_asia: str, latin: str = LATIN) -> None:
    """Set a run's or style's fonts: ``east_asia`` as the East Asian font, ``latin`` for Latin
    text; theme font attributes are removed (they would override the names)."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for key in list(fonts.attrib):
        del fonts.attrib[key]
    for attr, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:cs", latin)):
        fonts.set(qn(attr), name)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def _style(document, name: str, spec: tuple) -> None:
    font, size, bold, align, fixed = spec
    style = document.styles[name]
    set_fonts(style.element, font)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = None
    color = style.element.rPr.find(qn("w:color"))
    if color is not None:
        style.element.rPr.remove(color)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if fixed:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
    if name.startswith("Heading") or name == "Caption":
        fmt.keep_with_next = True
    if name == "Caption":
        fmt.space_before = Pt(6)
    ppr = style.element.find(qn("w:pPr"))
    border = ppr.find(qn("w:pBdr")) if ppr is not None else None
    if border is not None:  # the default Title is underlined by a border: an official title is not
        ppr.remove(border)


def _para_style(document, name: str, size: float) -> None:
    from docx.enum.style import WD_STYLE_TYPE

    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.font.size = Pt(size)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.first_line_indent = Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT


def new_document():
    """A document with the styles of the module docstring (one section, A4, the margins)."""
    document = Document()
    styles_el = document.styles.element
    defaults = styles_el.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is not None and rpr_default.find(qn("w:rPr")) is not None:
            fonts = rpr_default.find(qn("w:rPr")).find(qn("w:rFonts"))
            if fonts is not None:
                for key in list(fonts.attrib):
                    del fonts.attrib[key]
                fonts.set(qn("w:ascii"), LATIN)
                fonts.set(qn("w:hAnsi"), LATIN)
                fonts.set(qn("w:eastAsia"), BODY)
    for name, spec in STYLES.items():
        _style(document, name, spec)
    normal = document.styles["Normal"].paragraph_format
    normal.first_line_indent = Pt(32)  # two characters of 16 pt
    _para_style(document, TABLE_TEXT, 10.5)
    _para_style(document, NOTE_TEXT, 10.5)
    page(document.sections[0])
    document.settings.odd_and_even_pages_header_footer = True
    return document


def page(section) -> None:
    """A4 and the GB/T 9704-2012 margins for ``section``."""
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(20), Mm(23)


def _page_field(paragraph) -> None:
    """``— PAGE —``: the page number as a field Word and LibreOffice update."""
    paragraph.add_run("— ")
    for kind, text in (
        ("begin", None),
        ("instr", " PAGE "),
        ("separate", None),
        ("text", "1"),
        ("end", None),
    ):
        run = paragraph.add_run()
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        elif kind == "text":
            run.text = text
        else:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
    paragraph.add_run(" —")


def body_section(document, header: str) -> None:
    """Start the body's section on a new page: numbering restarts at 1, the header holds
    ``header``, odd footers right and even footers left, one character in."""
    decorate(document, document.add_section(WD_SECTION.NEW_PAGE), header)


def decorate(document, section, header: str) -> None:
    """Page, numbering from 1, header and odd/even page-number footers of a body section."""
    page(section)
    pg = OxmlElement("w:pgNumType")
    pg.set(qn("w:start"), "1")
    section._sectPr.append(pg)
    for head in (section.header, section.even_page_header):
        head.is_linked_to_previous = False
        p = head.paragraphs[0]
        p.text = header
        p.style = document.styles["Header"]
    for foot, align, indent in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left"),
    ):
        foot.is_linked_to_previous = False
        p = foot.paragraphs[0]
        p.style = document.styles["Footer"]
        p.alignment = align
        setattr(p.paragraph_format, f"{indent}_indent", Pt(14))
        _page_field(p)


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    for tag in ("w:cantSplit", "w:tblHeader"):
        el = OxmlElement(tag)
        trpr.append(el)


def _no_split(row) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def add_table(
    document, columns: list[str], rows: list[list[str]], align: list[str], *, wide: bool = False
) -> None:
    """A grid table of strings: header row repeated and shaded, rows kept whole."""
    table = document.add_table(rows=len(rows) + 1, cols=len(columns), style="Table Grid")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    size = Pt(9 if wide else 10.5)
    aligned = {"r": WD_ALIGN_PARAGRAPH.RIGHT, "c": WD_ALIGN_PARAGRAPH.CENTER}
    for i, row in enumerate(table.rows):
        values = columns if i == 0 else rows[i - 1]
        (_repeat_header if i == 0 else _no_split)(row)
        for j, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            p = cell.paragraphs[0]
            p.style = document.styles[TABLE_TEXT]
            run = p.add_run(str(value))
            run.font.size = size
            if i == 0:
                set_fonts(run._r, HEI)
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _shade(cell, "F1F1F1")
            else:
                p.alignment = aligned.get(
                    align[j] if j < len(align) else "l", WD_ALIGN_PARAGRAPH.LEFT
                )


def _paragraph(document, text: str, *, style: str = "Normal", lead: str = "", align=None):
    p = document.add_paragraph(style=style)
    if lead:
        run = p.add_run(lead)
        run.bold = True
    if text:
        p.add_run(text)
    if align is not None:
        p.alignment = align
    return p


def _cover(document, c: Cover) -> None:
    for _ in range(3):
        document.add_paragraph(style="Title")
    _paragraph(document, c.title, style="Title")
    state = _paragraph(document, c.state_label, style="Normal", align=WD_ALIGN_PARAGRAPH.CENTER)
    state.paragraph_format.first_line_indent = Pt(0)
    set_fonts(state.runs[0]._r, HEI)
    for _ in range(3):
        document.add_paragraph()
    table = document.add_table(rows=len(c.lines), cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row, (label, value) in zip(table.rows, c.lines, strict=True):
        for cell, text, align, font in (
            (row.cells[0], label, WD_ALIGN_PARAGRAPH.RIGHT, HEI),
            (row.cells[1], value, WD_ALIGN_PARAGRAPH.LEFT, BODY),
        ):
            p = cell.paragraphs[0]
            p.paragraph_format.first_line_indent = Pt(0)
            p.alignment = align
            set_fonts(p.add_run(text)._r, font)
    for line in c.revision:
        document.add_paragraph()
        _paragraph(document, line, style=NOTE_TEXT)


def _narrative(document, markdown: str) -> None:
    for block in markdown.split("\n"):
        line = block.strip()
        if not line:
            continue
        plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)  # links keep their text
        plain = re.sub(r"[*`_]", "", plain)
        if m := re.match(r"^#{1,6}\s+(.*)$", plain):
            _paragraph(document, "", lead=m.group(1))
        elif plain.startswith(("- ", "+ ")):
            _paragraph(document, "· " + plain[2:])
        else:
            _paragraph(document, re.sub(r"^>\s*", "", plain))


def write_blocks(document, blocks: list[Block]) -> None:
    """Append ``blocks`` to ``document`` (see the module docstring)."""
    header = ""
    for block in blocks:
        if isinstance(block, Cover):
            _cover(document, block)
            header = block.header
            body_section(document, header)
        elif isinstance(block, Heading):
            document.add_paragraph(block.text, style=f"Heading {min(block.level, 3)}")
        elif isinstance(block, Paragraph):
            style = NOTE_TEXT if block.style == "note" else "Normal"
            _paragraph(document, block.text, style=style, lead=block.lead)
        elif isinstance(block, Items):
            for n, item in enumerate(block.items, 1):
                text = item["text"] + "".join(
                    f"{'；' if i else ' '}{a}：{b}"
                    for i, (a, b) in enumerate(item.get("fields", []))
                )
                _paragraph(document, text, lead=f"{n}. {item.get('lead', '')}")
        elif isinstance(block, Table):
            if block.caption:
                document.add_paragraph(block.caption, style="Caption")
            add_table(document, block.columns, block.rows, block.align, wide=block.wide)
            if block.note:
                _paragraph(document, block.note, style=NOTE_TEXT)
            else:
                document.add_paragraph(style=NOTE_TEXT)
        elif isinstance(block, Figure):
            p = document.add_paragraph(style=TABLE_TEXT)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.keep_with_next = True
            p.add_run().add_picture(io.BytesIO(block.png), width=Mm(150))
            if block.caption:
                document.add_paragraph(block.caption, style="Caption")
        elif isinstance(block, Narrative):
            _narrative(document, block.markdown)
        elif isinstance(block, SignOff):
            document.add_paragraph()
            for label, value in block.lines:
                p = _paragraph(document, f"{label}{value}", align=WD_ALIGN_PARAGRAPH.RIGHT)
                p.paragraph_format.right_indent = Pt(64)  # 成文日期右空四字
        elif isinstance(block, Annex):
            p = document.add_paragraph()
            p.add_run().add_break(WD_BREAK.PAGE)
            label = document.add_paragraph(style="Heading 1")
            label.add_run(block.label)
            document.add_paragraph(block.title, style="Title")
    if not header:
        body_section(document, "")


def blocks_docx(blocks: list[Block], target: Path) -> None:
    """Write the evaluation report ``blocks`` as a .docx at ``target`` (atomically)."""
    document = new_document()
    write_blocks(document, blocks)
    atomic.write_with(target, lambda p: document.save(str(p)))


class _Tables(HTMLParser):
    """The cells of every table of an HTML fragment, as shown (no number parsing: ``+3.8`` stays)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def notebook_docx(nb, target: Path, *, header: str = "") -> None:
    """Write an executed report notebook without blocks (a project report) as a .docx: Markdown
    headings and paragraphs, HTML tables as tables (cells as shown), PNG charts as pictures,
    on the page of :func:`new_document` with ``header`` and the page-number footer."""
    import base64

    document = new_document()
    decorate(document, document.sections[0], header)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data:
                p = document.add_paragraph(style=TABLE_TEXT)
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                p.add_run().add_picture(
                    io.BytesIO(base64.b64decode(data["image/png"])), width=Mm(150)
                )
            elif "text/html" in data:
                parser = _Tables()
                parser.feed(data["text/html"])
                for rows in parser.tables:
                    rows = [r for r in rows if r]
                    if rows:
                        width = max(len(r) for r in rows)
                        rows = [r + [""] * (width - len(r)) for r in rows]
                        add_table(document, rows[0], rows[1:], ["l"] + ["r"] * (width - 1))
                        document.add_paragraph(style=NOTE_TEXT)
            elif "text/markdown" in data:
                for line in data["text/markdown"].split("\n"):
                    line = re.sub(r"[*`]", "", line.strip())
                    if m := re.match(r"^(#{1,3})\s+(.*)$", line):
                        level = len(m.group(1))
                        document.add_paragraph(
                            m.group(2), style="Title" if level == 1 else f"Heading {level - 1}"
                        )
                    elif line.startswith("- "):
                        _paragraph(
                            document, "· " + re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line[2:])
                        )
                    elif line:
                        _paragraph(document, re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line))
    atomic.write_with(target, lambda p: document.save(str(p)))
