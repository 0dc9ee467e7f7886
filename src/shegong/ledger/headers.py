"""Find the header row of a ledger sheet and map its Chinese headers to canonical columns.

The standard template (issue 2) has one header row under an optional title row. Synonyms
are matched after folding (NFKC, so （） ＝ (), no white space).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

#: canonical column → header labels that mean it (the first is the template's own).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号"),
    "date": ("服务日期", "日期", "活动日期", "走访日期"),
    "station": ("所属站点", "站点", "社工站", "服务中心"),
    "village": ("村（社区）", "村(社区)", "村社区", "村", "社区", "嘎查"),
    "event_type": ("服务类型", "活动类型", "服务形式"),
    "service_area": ("服务领域", "项目领域"),
    "client_name": ("服务对象", "服务对象姓名", "姓名"),
    "id_number": ("身份证号", "身份证号码", "身份证"),
    "phone": ("联系电话", "电话", "手机号", "手机号码"),
    "household_no": ("户编号", "户号"),
    "client_category": ("对象类别", "服务对象类别"),
    "person_times": ("服务人次", "受益人次"),
    "staff": ("参与社工", "服务社工", "社工"),
    "volunteers": ("志愿者人数", "志愿者"),
    "volunteer_hours": ("志愿服务时长（小时）", "志愿服务时长", "志愿时长"),
    "resources_yuan": ("链接资源（元）", "链接资源", "资源金额（元）", "资源金额"),
    "resource_kind": ("资源类型",),
    "note": ("备注",),
}

REQUIRED = ("date", "station", "event_type", "person_times")
PERSONAL = ("client_name", "id_number", "phone", "household_no")
HEADER_SCAN_ROWS = 15


def fold(text: object) -> str:
    """Fold a header or label: NFKC, no white space."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


_LOOKUP = {fold(label): canon for canon, labels in HEADER_SYNONYMS.items() for label in labels}


@dataclass(frozen=True)
class HeaderMap:
    """Where the header is and which column holds what.

    ``row`` is the 0-based index of the header row; ``columns`` maps a canonical name to a
    0-based column index; ``labels`` maps the canonical name to the header text found.
    """

    row: int
    columns: dict[str, int]
    labels: dict[str, str]

    @property
    def missing_required(self) -> list[str]:
        return [c for c in REQUIRED if c not in self.columns]


def find_header(rows: list[list[object]]) -> HeaderMap | None:
    """The row among the first 15 that names the most known columns (at least 4), or None."""
    best: HeaderMap | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        columns: dict[str, int] = {}
        labels: dict[str, str] = {}
        for j, cell in enumerate(row):
            canon = _LOOKUP.get(fold(cell)) if isinstance(cell, str) else None
            if canon and canon not in columns:
                columns[canon] = j
                labels[canon] = str(cell)
        if len(columns) >= 4 and (best is None or len(columns) > len(best.columns)):
            best = HeaderMap(i, columns, labels)
    return best


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
