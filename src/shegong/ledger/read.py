"""Read workbooks and CSV files into raw cell grids, keeping sheet names and row numbers.

.xlsx and old .xls (WPS) are read with python-calamine; CSV is tried as UTF-8 (with or without
BOM) first and GB18030 second — decoding UTF-8 as GB18030 silently garbles it (DOMAIN.md §4).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from shegong.errors import DatasetError, Location

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class RawSheet:
    """One sheet as a grid of cell values.

    ``rows[i]`` is Excel row ``i + 1``; values are ``str`` (possibly empty), ``float``,
    ``int``, ``bool``, ``datetime.date``/``datetime.datetime``/``datetime.timedelta`` as
    python-calamine gives them (CSV cells are always ``str``). ``encoding`` is set for CSV.
    """

    file: str
    sheet: str
    rows: list[list[object]]
    encoding: str | None = None
    #: merged ranges as ((first_row, first_col), (last_row, last_col)), 0-based, inclusive
    merged: tuple[tuple[tuple[int, int], tuple[int, int]], ...] = ()
    #: hidden in Excel (old data, lookup lists): the importer skips it and says so
    hidden: bool = False


def read_sheets(path: Path) -> list[RawSheet]:
    """Every sheet of ``path`` (a CSV file counts as one sheet named after the file).

    Raises:
        DatasetError: the file is missing, empty (a CSV), of an unknown kind, corrupt, not an
            Excel workbook despite its name, or a CSV in neither UTF-8 nor GB18030.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError("找不到文件 file not found", Location(path.name))
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path)
    if suffix in {".csv", ".txt"}:
        return [_read_csv(path)]
    raise DatasetError(
        f"unknown file type {suffix!r}: give an .xlsx, .xls or .csv ledger", Location(path.name)
    )


def _read_excel(path: Path) -> list[RawSheet]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = []
        hidden = {m.name for m in workbook.sheets_metadata if m.visible != SheetVisibleEnum.Visible}
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            grid = sheet.to_python(skip_empty_area=False)
            try:
                merged = tuple(sheet.merged_cell_ranges or ())
            except Exception:  # older formats without merge records
                merged = ()
            sheets.append(
                RawSheet(
                    path.name, name, [list(r) for r in grid], merged=merged, hidden=name in hidden
                )
            )
        return sheets
    except Exception as e:  # calamine raises its own error types for corrupt files
        head = path.read_bytes()[:8]
        if not (
            head.startswith(b"PK") or head.startswith(b"\xd0\xcf\x11\xe0")
        ):  # .xlsx is a zip, .xls an OLE file
            raise DatasetError(
                "不是 Excel 文件 not an Excel workbook (its content is neither .xlsx nor .xls): "
                "if it is text, save it as .csv (UTF-8)",
                Location(path.name),
            ) from e
        raise DatasetError(
            f"无法读取工作簿 cannot read the workbook ({type(e).__name__}); open and re-save it in Excel or WPS",
            Location(path.name),
        ) from e


def _read_csv(path: Path) -> RawSheet:
    data = path.read_bytes()
    if not data.lstrip(b"\xef\xbb\xbf").strip():
        raise DatasetError(
            "文件为空 the file is empty: export the ledger again", Location(path.name)
        )
    for encoding in CSV_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
        return RawSheet(path.name, path.stem, rows, encoding=encoding)
    raise DatasetError(
        "编码无法识别 the CSV is neither UTF-8 nor GB18030: save it again as “CSV UTF-8”",
        Location(path.name),
    )
