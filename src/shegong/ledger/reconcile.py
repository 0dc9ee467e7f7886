"""Reconcile 合计 / 总合计 / 小计 rows column by column (DESIGN.md §3 ``reconciliation``).

A total row is not an event. Each number it states is compared with:

- ``computed``: the same column added up over the sheet's *accepted* rows;
- ``rows_sum``: the column added up over every data row of the sheet (accepted or rejected) —
  what the station's own formula should show;
- ``parts_sum``: for a 合计 column of a merged group (成人 / 合计), the total row's own parts
  (成人 / 男性 + 成人 / 女性), when it has parts.

Every difference is reported with both numbers. ``kind`` is ``stale_total`` when the stated
figure disagrees with the rows or with its parts (a stale cached formula, a typing error), and
``rejected_rows`` when it agrees with the rows but some of them were rejected.
"""

from __future__ import annotations

from decimal import Decimal

from shegong.ledger.normalise import CellProblem, parse_quantity
from shegong.ledger.privacy import scrub
from shegong.ledger.profiles import PERSONAL
from shegong.ledger.structure import HeaderMap, column_letter, table_cells

_TOTAL_PARTS = ("合计", "总合计", "小计", "总计")
_SKIP = ("seq", "year", "month", "date", "station", "village", "staff", "note", *PERSONAL)


def _personal_number(value: Decimal) -> bool:
    """A phone or ID number (18 digits, or the old 15), never a figure to add up."""
    digits = f"{value:f}".split(".")[0]
    return scrub(digits) != digits or (len(digits) == 15 and digits.isdigit())


def _number(value: object) -> Decimal | None:
    try:
        q = parse_quantity(value)
    except CellProblem:
        return None
    return None if q is None else q.value


def _parts(paths: tuple[str, ...], j: int) -> list[int]:
    """Columns that a 合计 column adds up: same group prefix and measure suffix, no 合计 between."""
    parts = paths[j].split("/")
    at = [i for i, p in enumerate(parts) if p in _TOTAL_PARTS]
    if not at:
        return []
    prefix, suffix = parts[: at[-1]], parts[at[-1] + 1 :]
    leaves, subtotals = [], []
    for k, path in enumerate(paths):
        other = path.split("/")
        if k == j or len(other) <= len(prefix) + len(suffix) or other[: len(prefix)] != prefix:
            continue
        if suffix and other[-len(suffix) :] != suffix:
            continue
        middle = other[len(prefix) : len(other) - len(suffix)]
        if not any(p in _TOTAL_PARTS for p in middle):
            leaves.append(k)
        elif len(middle) == 2 and middle[-1] in _TOTAL_PARTS:
            subtotals.append(k)
    return leaves or subtotals


def reconcile(
    file: str,
    sheet: str,
    header: HeaderMap,
    totals: list[tuple[int, list]],
    data_rows: list[list],
    accepted_rows: list[list],
) -> list[dict]:
    """The reconciliation entries of one sheet (see the module docstring).

    ``totals`` are (Excel row, cells) of its total rows; ``data_rows`` every data row's cells;
    ``accepted_rows`` the cells of the rows that were accepted. Entries: ``file``, ``sheet``,
    ``row``, ``column`` (letter and header path), ``stated``, ``computed``, ``rows_sum``,
    ``parts_sum`` (or None) and ``kind``.
    """
    skip = {header.columns[n] for n in _SKIP if n in header.columns}
    found = []
    for excel_row, raw in totals:
        row = table_cells(raw, header)
        for j in range(header.width):
            if j in skip:
                continue
            stated = _number(row[j])
            if stated is None or _personal_number(stated):
                continue

            def col_sum(rows: list[list], j: int = j) -> Decimal:
                return sum(
                    (n for r in rows if j < len(r) and (n := _number(r[j])) is not None), Decimal(0)
                )

            computed, rows_sum = col_sum(accepted_rows), col_sum(data_rows)
            parts = _parts(header.paths, j)
            parts_sum = (
                sum(((_number(row[k]) or Decimal(0)) for k in parts), Decimal(0)) if parts else None
            )
            stale = stated != rows_sum or (parts_sum is not None and stated != parts_sum)
            if not stale and stated == computed:
                continue
            found.append(
                {
                    "file": file,
                    "sheet": sheet,
                    "row": excel_row,
                    "column": f"{column_letter(j)} {header.paths[j]}",
                    "stated": float(stated),
                    "computed": float(computed),
                    "rows_sum": float(rows_sum),
                    "parts_sum": None if parts_sum is None else float(parts_sum),
                    "kind": "stale_total" if stale else "rejected_rows",
                }
            )
    return found
