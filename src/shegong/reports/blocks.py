"""The blocks an evaluation report is made of, and how they travel through a notebook.

A report is a list of blocks — :class:`Cover`, :class:`Heading`, :class:`Paragraph`,
:class:`Items`, :class:`Table`, :class:`Figure`, :class:`Narrative`, :class:`SignOff`,
:class:`Annex` — built by :mod:`shegong.reports.document` from precomputed results. Each block
is displayed in a notebook by :func:`shegong.reports.html.show` as its HTML and, in the output's
metadata under ``"shegong"``, the block itself as JSON (a figure's PNG stays in the output's
``image/png``, once). The exports read the blocks back from the executed
notebook (:func:`shegong.reports.html.blocks_from_notebook`) and write the .docx (:mod:`shegong.reports.docx`) and
the printable HTML (:mod:`shegong.reports.html`) from them, so that the Word file, the PDF and
the page show the same strings: ``+3.8`` stays ``+3.8`` and ``1,493`` stays ``1,493``.

Every text in a block is already in the report's language and formatted as shown; table cells
are strings. :data:`BLOCK_SCHEMA` versions the JSON form.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

#: version of the block JSON in a notebook output's ``metadata["shegong"]``
BLOCK_SCHEMA = 1
METADATA_KEY = "shegong"


class Block:
    """Base of the blocks: the JSON form (a figure's PNG left out) and a plain-text form."""

    kind: ClassVar[str] = ""

    def to_json(self) -> dict[str, Any]:
        data = {"kind": self.kind, "schema": BLOCK_SCHEMA}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.name != "png":
                data[f.name] = getattr(self, f.name)
        return data

    def plain(self) -> str:
        return f"<{self.kind}>"


@dataclass
class Cover(Block):
    """The cover page and what every page repeats: ``title``; ``lines`` as (label, value) pairs
    (评估对象, 区划代码 …); ``header`` the running header (unit and year); ``state`` (draft /
    reviewed / issued) and ``state_label`` as shown; ``digest`` the figures a re-issue compares
    (:func:`shegong.reports.lifecycle.changes`); ``lang``."""

    title: str
    lines: list[list[str]]
    header: str
    state: str
    state_label: str
    lang: str
    revision: list[str] = field(default_factory=list)
    digest: dict[str, Any] = field(default_factory=dict)
    kind: ClassVar[str] = "cover"

    def plain(self) -> str:
        return self.title


@dataclass
class Heading(Block):
    """A heading; ``level`` 1 一、 2 （一） 3 1. — ``text`` already numbered."""

    text: str
    level: int = 1
    kind: ClassVar[str] = "heading"

    def plain(self) -> str:
        return self.text


@dataclass
class Paragraph(Block):
    """A paragraph; ``style`` ``body`` (indented two characters), ``note`` (small, after a table
    or figure), ``lead`` (a bold lead-in ``lead`` followed by ``text``)."""

    text: str
    style: str = "body"
    lead: str = ""
    kind: ClassVar[str] = "paragraph"

    def plain(self) -> str:
        return self.lead + self.text


@dataclass
class Items(Block):
    """Numbered items (problems, recommendations): ``items`` a list of {``text``, optional
    ``lead``, ``measures`` (the measure ids an item follows from), ``fields`` [(label, value)]}."""

    items: list[dict[str, Any]]
    css_class: str = ""
    kind: ClassVar[str] = "items"

    def plain(self) -> str:
        return "\n".join(i.get("lead", "") + i["text"] for i in self.items)


@dataclass
class Table(Block):
    """A table of strings: ``columns``, ``rows``; ``caption`` (表1 …) above it; ``align`` one of
    ``l``/``r``/``c`` per column; ``css_class`` kept on the HTML table; ``colours`` a CSS colour
    per row for column ``colour_col`` (traffic lights); ``note`` under it; ``wide`` for many
    columns (smaller type)."""

    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    align: list[str] = field(default_factory=list)
    css_class: str = ""
    colours: list[str] = field(default_factory=list)
    colour_col: int = -1
    note: str = ""
    wide: bool = False
    kind: ClassVar[str] = "table"

    def plain(self) -> str:
        return self.caption or " | ".join(self.columns)


@dataclass
class Figure(Block):
    """A chart: ``png`` bytes (kept in the output's ``image/png``), ``caption`` (图1 …) under it."""

    png: bytes
    caption: str = ""
    kind: ClassVar[str] = "figure"

    def plain(self) -> str:
        return self.caption


@dataclass
class Narrative(Block):
    """The evaluator's own text: ``markdown`` as written, ``html`` as rendered
    (:func:`shegong.reports.unit.render_narrative`), ``missing`` when none was written."""

    markdown: str
    html: str
    missing: bool = False
    kind: ClassVar[str] = "narrative"

    def plain(self) -> str:
        return self.markdown


@dataclass
class SignOff(Block):
    """The sign-off (落款): (label, value) pairs — evaluating body, evaluator, reviewer, date."""

    lines: list[list[str]]
    kind: ClassVar[str] = "signoff"

    def plain(self) -> str:
        return "\n".join(f"{a}{b}" for a, b in self.lines)


@dataclass
class Annex(Block):
    """The start of an annex (a new page): ``label`` (附件1) and ``title``."""

    label: str
    title: str
    kind: ClassVar[str] = "annex"

    def plain(self) -> str:
        return f"{self.label} {self.title}"


@dataclass
class Style(Block):
    """The report's CSS for the page it is displayed in (no content of its own)."""

    css: str
    kind: ClassVar[str] = "style"


KINDS: dict[str, type[Block]] = {
    cls.kind: cls
    for cls in (Cover, Heading, Paragraph, Items, Table, Figure, Narrative, SignOff, Annex, Style)
}


def block_from_json(data: dict[str, Any], png: bytes | None = None) -> Block:
    """The block of a JSON form (:meth:`Block.to_json`); ``png`` for a figure.

    Raises:
        ValueError: an unknown kind or schema version.
    """
    if data.get("schema") != BLOCK_SCHEMA or data.get("kind") not in KINDS:
        raise ValueError(
            f"not a report block of schema {BLOCK_SCHEMA}: {data.get('kind')!r} "
            f"schema {data.get('schema')!r} — run the report again"
        )
    cls = KINDS[data["kind"]]
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values = {k: v for k, v in data.items() if k in names}
    if cls is Figure:
        values["png"] = png or b""
    return cls(**values)


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (1–99), as headings are numbered."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")


class Numbering:
    """Numbers headings (一、 （一） 1. in Chinese; 1. 1.1 (a) in English), tables (表1 / Table 1)
    and figures (图1 / Figure 1) in the order they are made; a report built in two parts (the
    served page's deferred sections) shares one numbering."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.levels = [0, 0, 0]
        self.tables = 0
        self.figures = 0

    def heading(self, text: str, level: int = 1) -> Heading:
        self.levels[level - 1] += 1
        for deeper in range(level, 3):
            self.levels[deeper] = 0
        n = self.levels[level - 1]
        if self.lang == "zh":
            mark = (f"{chinese_number(n)}、", f"（{chinese_number(n)}）", f"{n}. ")[level - 1]
        else:
            mark = (
                f"{n}. ",
                f"{self.levels[0]}.{n} ",
                f"({'abcdefghijklmnopqrstuvwxyz'[(n - 1) % 26]}) ",
            )[level - 1]
        return Heading(mark + text, level)

    def table(self, title: str) -> str:
        self.tables += 1
        return f"表{self.tables} {title}" if self.lang == "zh" else f"Table {self.tables}. {title}"

    def figure(self, title: str) -> str:
        self.figures += 1
        return (
            f"图{self.figures} {title}" if self.lang == "zh" else f"Figure {self.figures}. {title}"
        )
