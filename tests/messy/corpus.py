"""Builders of messy ledger workbooks as stations keep them (DOMAIN.md §4), seeded and
deterministic.

Each builder returns the path written; tests assert the expected counts per class and totals.
Cells that Excel would hold as cached formula values are written as plain values (python-calamine
reads cached values, so a formula zero and a literal 0 look the same to the importer).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from ..builders import HEADER, row

#: a two-row merged header: 志愿服务 over 人数 · 时长（小时）, every other label merged downwards.
TOP = [*HEADER[:13], "志愿服务", None, *HEADER[15:]]
SUB = [None] * 13 + ["人数", "时长（小时）"] + [None] * 3
LOOKUP = ["入户走访", "建档", "小组活动", "主题活动", "资源链接", "志愿服务"]


def good_rows(n: int = 3, *, start: int = 1, month: int = 3) -> list[list]:
    """``n`` valid rows for 都林街道社工站 (no personal data), person_times 10, 11, 12 …"""
    return [
        row(
            start + i,
            dt.date(2021, month, 2 + i),
            "都林街道社工站",
            "",
            "小组活动",
            "儿童关爱",
            times=10 + i,
            volunteers=2,
            hours=3,
        )
        for i in range(n)
    ]


def formula_zero_row() -> list:
    """A row holding nothing but the cached zeros of its formulas (and a space)."""
    cells: list = [None] * len(HEADER)
    cells[11], cells[13], cells[14], cells[15] = 0, 0, 0.0, 0
    cells[12] = " "
    return cells


def total_row(label: str, person_times, volunteers=None, hours=None) -> list:
    cells: list = [None] * len(HEADER)
    cells[0], cells[11], cells[13], cells[14] = label, person_times, volunteers, hours
    return cells


def stray(value) -> list:
    cells: list = [None] * len(HEADER)
    cells[15] = value
    return cells


def write_messy(
    path: Path,
    sheets: dict[str, list[list]],
    *,
    merged: bool = True,
    title: str | None = "兴安盟社工站服务台账 2021年",
    lookup: bool = False,
    extra_sheets: dict[str, list[list]] | None = None,
) -> Path:
    """A workbook with one ledger sheet per entry of ``sheets`` (title row, a merged two-row
    header or the flat one, the rows given), optional drop-down lookup lists in spare columns
    (T, after a blank column S) and extra non-ledger sheets."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        if title:
            ws.append([title])
        first = ws.max_row + 1 if title else 1
        if merged:
            ws.append(TOP)
            ws.append(SUB)
            ws.merge_cells(start_row=first, start_column=14, end_row=first, end_column=15)
            for j, label in enumerate(TOP, start=1):
                if label is not None and j not in (14, 15):
                    ws.merge_cells(start_row=first, start_column=j, end_row=first + 1, end_column=j)
        else:
            ws.append(list(HEADER))
        for r in rows:
            ws.append(r)
        if lookup:
            ws.cell(row=first, column=20, value="服务类型")
            for i, label in enumerate(LOOKUP, start=1):
                ws.cell(row=first + i, column=20, value=label)
    for name, rows in (extra_sheets or {}).items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path
