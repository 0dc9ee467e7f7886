"""The structure of a ledger sheet: title rows, a merged multi-row header, the table's width,
and what kind of row each row below it is (DOMAIN.md §4, issue 4).

A header may span one to three rows with merged group cells (志愿服务 over 人数 · 时长); every
column gets its *path*, the folded labels from top to bottom joined by ``/`` (``志愿服务/人数``).
Profiles address columns by label or path (:mod:`.profiles`). The table ends at the first
column that is blank in every header row: lookup lists for drop-downs kept in spare columns to
the right are never read as data.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from shegong.ledger.normalise import is_blank
from shegong.ledger.profiles import Profile

MAX_HEADER_ROWS = 3


def fold(text: object) -> str:
    """Fold a header or label: NFKC, no white space."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def column_letter(index: int) -> str:
    """0-based column index → Excel letters (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class HeaderMap:
    """Where the header is and which column holds what.

    ``row`` is the 0-based index of the first header row and ``last_row`` of the last;
    ``columns`` maps a canonical name to a 0-based column index; ``sums`` a canonical name to
    the columns added up for it; ``labels`` the canonical name to the header path found;
    ``paths`` every table column's header path; ``width`` the number of table columns.
    """

    row: int
    columns: dict[str, int]
    labels: dict[str, str]
    last_row: int = -1
    sums: dict[str, tuple[int, ...]] = field(default_factory=dict)
    paths: tuple[str, ...] = ()
    width: int = 0
    required: tuple[str, ...] = ("date", "station", "event_type", "person_times")
    #: canonical column → the further columns whose header is the same label (the first is read)
    duplicates: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def data_start(self) -> int:
        """0-based index of the first row below the header."""
        return max(self.row, self.last_row) + 1

    @property
    def missing_required(self) -> list[str]:
        """The required canonical columns that the header maps to no column and no sum of
        columns."""
        return [c for c in self.required if c not in self.columns and c not in self.sums]

    def describe(self, name: str) -> str:
        """``L 服务人次``: the column letter and header path of a canonical column."""
        j = self.columns.get(name)
        return (
            f"{column_letter(j)} {self.labels.get(name, name)}"
            if j is not None
            else self.labels.get(name, name)
        )


def _band_paths(rows: list[list[object]], start: int, depth: int, merged: tuple) -> list[str]:
    """Header paths of every column for the header rows ``start … start+depth-1``."""
    width = max((len(rows[r]) for r in range(start, start + depth)), default=0)
    grid = [
        [
            rows[r][c] if c < len(rows[r]) and isinstance(rows[r][c], str) else ""
            for c in range(width)
        ]
        for r in range(start, start + depth)
    ]
    if merged:  # fill every merged range inside the band with its top-left value
        for (r0, c0), (r1, c1) in merged:
            if r0 >= len(rows) or c0 >= len(rows[r0]) or not isinstance(rows[r0][c0], str):
                continue
            for r in range(max(r0, start), min(r1, start + depth - 1) + 1):
                for c in range(c0, min(c1, width - 1) + 1):
                    grid[r - start][c] = rows[r0][c0]
    else:  # no merge records (CSV, some writers): a group label spans the sub-labels below it
        for i in range(depth - 1):
            carry = ""
            for c in range(width):
                if fold(grid[i][c]):
                    carry = grid[i][c]
                elif not any(fold(grid[k][c]) for k in range(depth)):
                    carry = ""
                elif carry and any(fold(grid[k][c]) for k in range(i + 1, depth)):
                    grid[i][c] = carry
    paths = []
    for c in range(width):
        parts: list[str] = []
        for i in range(depth):
            part = fold(grid[i][c])
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        paths.append("/".join(parts))
    return paths


def _match(
    paths: list[str], width: int, profile: Profile
) -> tuple[dict[str, int], dict[str, tuple[int, ...]]]:
    """Canonical column → column index: exact path matches first, then path endings; a label
    found in several columns is read from the first (:func:`_duplicates` names the others)."""
    columns: dict[str, int] = {}
    taken: set[int] = set()
    wanted = [(canon, fold(label)) for canon, labels in profile.columns.items() for label in labels]
    for exact in (True, False):
        for canon, label in wanted:
            if canon in columns:
                continue
            for j in range(width):
                path = paths[j]
                if j in taken or not path:
                    continue
                if path == label or (not exact and path.endswith("/" + label)):
                    columns[canon] = j
                    taken.add(j)
                    break
    sums: dict[str, tuple[int, ...]] = {}
    for canon, labels in profile.sum_columns.items():
        found = []
        for label in map(fold, labels):
            hit = [j for j in range(width) if paths[j] == label or paths[j].endswith("/" + label)]
            if hit:
                found.append(hit[0])
        if found and len(found) == len(labels):
            sums[canon] = tuple(found)
    return columns, sums


def _duplicates(
    paths: list[str], width: int, columns: dict[str, int]
) -> dict[str, tuple[int, ...]]:
    """Canonical column → the other table columns with exactly the header path of the one read."""
    out = {}
    for canon, j in columns.items():
        same = tuple(k for k in range(width) if k != j and paths[k] and paths[k] == paths[j])
        if same:
            out[canon] = same
    return out


def _continues(row: list[object], matched: set[int]) -> bool:
    """A row below the first header row is a header row too when it holds text only and the
    columns named by the first row (merged downwards) are blank in it."""
    if all(is_blank(v) for v in row):
        return False
    if any(not is_blank(v) and not isinstance(v, str) for v in row):
        return False
    return all(j >= len(row) or is_blank(row[j]) for j in matched)


def find_header(
    rows: list[list[object]], profile: Profile, merged: tuple = (), *, first: int = 0
) -> HeaderMap | None:
    """The header band within the profile's scan rows naming the most known columns (at least
    4, or every label the profile lists when it lists fewer), or None.

    The band starts at a row of text only with at least two labels (a title row never starts a
    header, a data row neither) and
    takes up to two more rows below that hold only text and leave the first row's columns blank
    (the sub-labels under merged group cells: 志愿服务 over 人数 · 时长).
    """
    best: tuple[int, int] | None = None  # (score, -start)
    best_map: HeaderMap | None = None
    need = min(4, len(profile.columns))
    for start in range(first, min(profile.header_scan_rows, len(rows))):
        if sum(1 for v in rows[start] if isinstance(v, str) and v.strip()) < 2:
            continue
        if any(not is_blank(v) and not isinstance(v, str) for v in rows[start]):
            continue  # a header row holds labels only: a row with a date or a number is data
        first = _band_paths(rows, start, 1, merged)
        matched = set(_match(first, len(first), profile)[0].values())
        depth = 1
        while (
            depth < MAX_HEADER_ROWS
            and start + depth < len(rows)
            and _continues(rows[start + depth], matched)
        ):
            depth += 1
        paths = _band_paths(rows, start, depth, merged)
        width = len(paths)
        for c, path in enumerate(paths):
            if not path and c > 0:
                width = c
                break
        columns, sums = _match(paths, width, profile)
        score = len(columns) + len(sums)
        if score >= need and (best is None or (score, -start) > best):
            best = (score, -start)
            best_map = HeaderMap(
                row=start,
                last_row=start + depth - 1,
                columns=columns,
                sums=sums,
                # a column mapped as such (a row's stated total) is named before the parts it sums
                labels={k: "+".join(paths[j] for j in js) for k, js in sums.items()}
                | {k: paths[j] for k, j in columns.items()},
                paths=tuple(paths[:width]),
                width=width,
                required=profile.required_from_file,
                duplicates=_duplicates(paths, width, columns),
            )
    return best_map


def find_bands(rows: list[list[object]], profile: Profile, merged: tuple = ()) -> list[HeaderMap]:
    """The header bands of a sheet, top first: the best band (:func:`find_header`) and any band
    above it within the scan rows that names enough known columns — a first table under a header
    of its own, whose rows are read under that header up to the next band. Empty when the sheet
    has no header."""
    best = find_header(rows, profile, merged)
    if best is None:
        return []
    bands: list[HeaderMap] = []
    start = 0
    while start < best.row:
        band = find_header(rows[: best.row], profile, merged, first=start)
        if band is None or band.last_row >= best.row:
            break
        bands.append(band)
        start = band.data_start
    return [*bands, best]


def header_words(header: HeaderMap) -> frozenset[str]:
    """Every label of the header band's paths (folded), for :func:`is_header_row`."""
    return frozenset(part for path in header.paths for part in path.split("/") if part)


def is_header_row(row: list[object], header: HeaderMap, words: frozenset[str]) -> bool:
    """A header row repeated inside the data (a pasted block, the next month's table): at least
    two cells, all text, every one a label of the header band, one of them a mapped column's."""
    cells = table_cells(row, header)
    j = header.columns.get("date")
    if j is not None and not (is_blank(cells[j]) or isinstance(cells[j], str)):
        return False  # a data row: its date is a date or a number
    texts = [v for v in cells if not is_blank(v)]
    if len(texts) < 2 or not all(isinstance(v, str) for v in texts):
        return False
    folded = [fold(v) for v in texts]
    mapped = {header.labels.get(c, "").split("/")[-1] for c in header.columns}
    return all(f in words for f in folded) and any(f in mapped for f in folded)


# -- rows -------------------------------------------------------------------------------------

BLANK, TOTAL, DATA = "skipped_blank", "total_row", "data"


def is_blank_cell(value: object) -> bool:
    """Blank, white space, or a formula zero (numeric 0)."""
    if is_blank(value):
        return True
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0


def table_cells(row: list[object], header: HeaderMap) -> list[object]:
    """The row's cells inside the table (spare columns to the right are dropped)."""
    cells = row[: header.width]
    return cells + [None] * (header.width - len(cells))


def row_kind(row: list[object], header: HeaderMap, profile: Profile) -> str:
    """``skipped_blank`` (only blanks, white space or formula zeros inside the table),
    ``total_row`` (a label column or the first column reads 合计 / 总合计 / 小计, alone or after a
    period such as 4月 or 本月: :func:`is_total_label`) or ``data``."""
    cells = table_cells(row, header)
    if all(is_blank_cell(v) for v in cells):
        return BLANK
    last_chars = {w[-1] for w in profile.total_words}
    for j in label_columns(header):
        value = cells[j]
        if (
            isinstance(value, str)
            and any(ch in value for ch in last_chars)
            and is_total_label(value, profile.total_words)
        ):
            return TOTAL
    return DATA


_PERIOD = re.compile(
    r"^(本月|本季度?|本年度?|全年|累计|以上|上述|共计|本页|"
    r"(20\d\d年)?[0-9一二三四五六七八九十]{0,3}(月份?|季度|年度?)?)?$"
)
_BRACKETS = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")


def is_total_label(value: str, words: tuple[str, ...]) -> bool:
    """Whether a cell names a total row: one of ``words`` alone or after a period (``合计``,
    ``总合计``, ``4月小计``, ``本月合计``, ``合计（元）``) — never a name that merely contains the
    word
    (a village called 小计村)."""
    text = _BRACKETS.sub("", fold(value)).strip(":：。.、")
    for word in sorted(map(fold, words), key=len, reverse=True):
        if text.endswith(word) and _PERIOD.match(text[: -len(word)]):
            return True
    return False


def label_columns(header: HeaderMap) -> list[int]:
    """The first column and the label columns where a 合计 row names itself."""
    return sorted(
        {0}
        | {
            header.columns[n]
            for n in ("seq", "date", "station", "village", "event_type")
            if n in header.columns
        }
    )


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and bool(
        _NUMBER_TEXT.match(unicodedata.normalize("NFKC", value).strip())
    )


_NUMBER_TEXT = re.compile(r"^-?[\d,]+(\.\d+)?$")


def structural_reason(
    row: list[object], header: HeaderMap, *, before_first_date: bool
) -> str | None:
    """A reason code for data rows that are not events, else None.

    ``stray_numbers``: no date, no activity, nothing but numbers (e.g. a figure typed far below
    the table). ``no_activity``: no date and no activity, but other cells filled (统计日期 …).
    ``month_summary``: no date but an activity or month with numbers, sitting above the first
    dated row or naming a month (the rows that summarise January–March in one line each).
    """
    cells = table_cells(row, header)
    date_j, type_j, month_j = (header.columns.get(n) for n in ("date", "event_type", "month"))
    has_date = date_j is not None and not is_blank(cells[date_j])
    if has_date or date_j is None:
        return None
    has_type = type_j is not None and not is_blank(cells[type_j])
    filled = [v for v in cells if not is_blank_cell(v)]
    numbers = [v for v in filled if _is_number(v)]
    if not has_type:
        return "stray_numbers" if len(numbers) == len(filled) else "no_activity"
    has_month = month_j is not None and not is_blank(cells[month_j])
    if numbers and (has_month or before_first_date):
        return "month_summary"
    return None
