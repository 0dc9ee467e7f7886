"""Read one sheet's rows under its header band(s): every row below the first header ends
accepted (a record), rejected (with a reason), blank, or a total row (DESIGN.md §2.1).

A sheet may hold more than one header band (:func:`~.structure.find_bands`): a first table
under a header of its own above the main one is read under its own header (or, when that header
lacks a required column, rejected row by row with the reason ``above_header``); a header row
repeated inside the data is skipped and listed (``header_rows``), never rejected as a bad date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shegong.ledger.normalise import is_blank
from shegong.ledger.profiles import PERSONAL, Profile
from shegong.ledger.read import RawSheet
from shegong.ledger.reconcile import reconcile
from shegong.ledger.rows import RowReader, reject_record
from shegong.ledger.structure import (
    BLANK,
    TOTAL,
    HeaderMap,
    column_letter,
    header_words,
    is_header_row,
    row_kind,
    structural_reason,
    table_cells,
)


@dataclass
class SheetResult:
    """What the rows of one sheet became (their counts add up as in :mod:`.summary`)."""

    records: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    reconciliation: list[dict] = field(default_factory=list)
    total_rows: int = 0
    skipped_blank: int = 0
    skipped_by_profile: int = 0
    rows_read: int = 0
    #: header rows repeated inside the data: ``sheet``, ``row`` (counted in ``skipped_blank``)
    header_rows: list[dict] = field(default_factory=list)


def _year_hint(*texts: str) -> int | None:
    for text in texts:
        m = re.search(r"(20\d{2})", text)
        if m:
            return int(m.group(1))
    return None


def _first_dated(rows: list[list[object]], header: HeaderMap) -> int:
    j = header.columns.get("date")
    if j is None:
        return 0
    for i, row in enumerate(rows):
        if j < len(row) and not is_blank(row[j]):
            return i
    return len(rows)


#: header words of columns that may hold personal data even when no profile maps them
_PERSONAL_WORDS = (
    "姓名",
    "身份证",
    "证件",
    "电话",
    "手机",
    "住址",
    "地址",
    "对象",
    "备注",
    "联系人",
)


def _annotate(reject: dict, row: list[object], header: HeaderMap) -> dict:
    """Keep the row's table cells for the annotated rejects workbook (never written to CSV/JSON)."""
    bad = reject["all_reasons"].split(":", 1)[0]
    reject["_cells"] = table_cells(row, header)
    reject["_paths"] = header.paths
    reject["_masked"] = {
        header.columns[n] for n in (*PERSONAL, "note", "staff") if n in header.columns
    } | {j for j, path in enumerate(header.paths) if any(w in path for w in _PERSONAL_WORDS)}
    reject["_bad"] = header.columns.get(bad)
    reject["_columns"] = header.columns
    return reject


def _fill_merged_down(raw: RawSheet, header: HeaderMap, reader: RowReader) -> None:
    """Give every row of a cell merged down one column (所属站点 over four rows) the merged value,
    as the reader of the sheet sees it; Excel keeps it in the first row only. Merges across
    columns (a 合计 label) are left alone."""
    for (r0, c0), (r1, c1) in raw.merged:
        if (
            c0 != c1
            or r1 <= r0
            or r0 < header.data_start
            or r0 >= len(raw.rows)
            or c0 >= len(raw.rows[r0])
        ):
            continue
        value = raw.rows[r0][c0]
        if is_blank(value):
            continue
        for r in range(r0 + 1, min(r1, len(raw.rows) - 1) + 1):
            cells = raw.rows[r]
            if c0 < len(cells) and is_blank(cells[c0]):
                cells[c0] = value
        reader.where = f"{raw.sheet}!{column_letter(c0)}{r0 + 1}:{column_letter(c0)}{r1 + 1}"
        reader.note_fix("merged_fill")


def read_sheet(
    raw: RawSheet, bands: list[HeaderMap], reader: RowReader, profile: Profile
) -> SheetResult:
    """Classify and read every row of ``raw`` below its first header band; each band's rows run
    to the next band (the rows of a later band's header count as read and blank)."""
    out = SheetResult()
    reader.epoch_1904 = raw.epoch_1904
    main = bands[-1]
    for k, header in enumerate(bands):
        end = bands[k + 1].row if k + 1 < len(bands) else len(raw.rows)
        if header is not main and header.missing_required:
            _above(raw, header, end, main, out)
        else:
            _read_band(raw, header, end, reader, profile, out)
        if k + 1 < len(bands):  # the next band's own header rows: read, not data
            nxt = bands[k + 1]
            for r in range(nxt.row, nxt.data_start):
                out.rows_read += 1
                out.skipped_blank += 1
                out.header_rows.append({"sheet": raw.sheet, "row": r + 1})
    return out


def _above(raw: RawSheet, header: HeaderMap, end: int, main: HeaderMap, out: SheetResult) -> None:
    """Rows under a header band that lacks a required column, above the main one: blank rows are
    blank, the others rejected (``above_header``) so that the station moves them under the table."""
    for r in range(header.data_start, end):
        row = raw.rows[r]
        out.rows_read += 1
        if all(is_blank(v) or v == 0 for v in table_cells(row, main)):
            out.skipped_blank += 1
            continue
        problem = [("date", "above_header")]
        out.rejects.append(
            _annotate(reject_record(raw.file, raw.sheet, main, r + 1, row, problem), row, main)
        )


def _read_band(
    raw: RawSheet,
    header: HeaderMap,
    end: int,
    reader: RowReader,
    profile: Profile,
    out: SheetResult,
) -> None:
    """Classify and read the rows of one header band (``header.data_start`` up to ``end``)."""
    _fill_merged_down(raw, header, reader)
    body = raw.rows[header.data_start : end]
    first_dated = _first_dated(body, header)
    title = str(raw.rows[0][0]) if raw.rows and raw.rows[0] else ""
    sheet_year = _year_hint(raw.sheet, raw.file, title)
    year_j = header.columns.get("year")
    words = header_words(header)
    carried_year: int | None = None
    totals: list[tuple[int, list]] = []
    data_rows: list[list] = []
    accepted_rows: list[list] = []
    for offset, row in enumerate(body):
        excel_row = header.data_start + 1 + offset
        out.rows_read += 1
        if excel_row in profile.skip_rows:
            out.skipped_blank += 1
            out.skipped_by_profile += 1
            continue
        kind = row_kind(row, header, profile)
        if kind == BLANK:
            out.skipped_blank += 1
            continue
        if is_header_row(row, header, words):
            out.skipped_blank += 1
            out.header_rows.append({"sheet": raw.sheet, "row": excel_row})
            continue
        if kind == TOTAL:
            totals.append((excel_row, row))
            continue
        if year_j is not None and year_j < len(row) and not is_blank(row[year_j]):
            carried_year = _year_hint(
                str(int(row[year_j])) if isinstance(row[year_j], float) else str(row[year_j])
            )
        reason = structural_reason(row, header, before_first_date=offset < first_dated)
        if reason != "stray_numbers":  # figures typed outside the table are no part of its totals
            data_rows.append(row)
        if reason is not None:
            column = "event_type" if reason == "month_summary" else "date"
            out.rejects.append(
                _annotate(
                    reject_record(raw.file, raw.sheet, header, excel_row, row, [(column, reason)]),
                    row,
                    header,
                )
            )
            continue
        reader.where = f"{raw.sheet}!{excel_row}"
        reader.sheet, reader.row = raw.sheet, excel_row
        rec, problems = reader.read(row, header, carried_year or sheet_year)
        if problems:
            out.rejects.append(
                _annotate(
                    reject_record(raw.file, raw.sheet, header, excel_row, row, problems),
                    row,
                    header,
                )
            )
            continue
        rec.update(source_sheet=raw.sheet, source_row=excel_row)
        out.records.append(rec)
        accepted_rows.append(row)
    out.total_rows += len(totals)
    out.reconciliation += reconcile(raw.file, raw.sheet, header, totals, data_rows, accepted_rows)
