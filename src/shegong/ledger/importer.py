"""Import service ledgers: every row read ends accepted, rejected, skipped_blank or total_row.

:func:`import_ledgers` is the library call behind ``shegong ledger import`` (DESIGN.md §2.1,
§3). For each file it reads every sheet the mapping profile wants (:mod:`.profiles`), finds the
header band (:mod:`.structure`: title rows, 1–3 merged header rows, the table's width), sorts
every row below into blank / total / data, rejects data rows that are not events
(month summaries, rows without an activity, stray numbers), normalises the rest
(:mod:`.rows`), pseudonymises personal data, validates the accepted table lazily with pandera
(:data:`~.schema.LEDGER_SCHEMA`), reconciles each 合计 row column by column
(:mod:`.reconcile`) and writes the outputs of :mod:`.outputs` (Parquet, rejects CSV and
annotated .xlsx, the data-quality report, the import log).

Importing the same file again replaces its outputs with identical ones (idempotent); the same
content under another name is recognised by its SHA-256 and not added twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pandera.errors

from shegong.config import Workspace
from shegong.errors import DatasetError, Location
from shegong.ledger.normalise import is_blank
from shegong.ledger.outputs import write_outputs
from shegong.ledger.privacy import Pseudonymiser, load_key
from shegong.ledger.profiles import PERSONAL, Profile, load_profile
from shegong.ledger.read import RawSheet, read_sheets
from shegong.ledger.reconcile import reconcile
from shegong.ledger.rows import REASONS, RowReader, reject_record
from shegong.ledger.schema import COLUMNS, LEDGER_SCHEMA
from shegong.ledger.structure import (
    BLANK,
    TOTAL,
    HeaderMap,
    column_letter,
    find_header,
    row_kind,
    structural_reason,
    table_cells,
)
from shegong.ledger.summary import FileSummary, ImportSummary
from shegong.orgunits import OrgUnits

__all__ = [
    "REASONS",
    "FileSummary",
    "ImportSummary",
    "import_file",
    "import_ledgers",
    "load_accepted",
]


#: the longest file name an import takes: its outputs add a suffix and a temporary part (≤ 255
#: bytes)
MAX_NAME_BYTES = 200


#: the fields that make two accepted rows the same event
_EVENT_FIELDS = [
    "date",
    "org_unit",
    "event_type",
    "service_area",
    "client_category",
    "client_pid",
    "household_pid",
    "person_times",
    "persons",
    "volunteers",
    "volunteer_hours",
    "resources_fen",
    "resource_kind",
    "staff_ids",
    "project_code",
    "programme",
]


def repeated_rows(frame: pd.DataFrame) -> list[dict]:
    """Rows of ``frame`` (accepted ledger rows) equal in every event field to an earlier row:
    ``sheet``, ``row`` and ``same_as`` (``sheet!row`` of the first)."""
    if frame.empty or not frame.duplicated(_EVENT_FIELDS).any():
        return []
    first = frame.groupby(_EVENT_FIELDS, sort=False, dropna=False).ngroup()
    seen: dict[int, str] = {}
    out = []
    for group, sheet, row in zip(first, frame["source_sheet"], frame["source_row"], strict=True):
        if group in seen:
            out.append({"sheet": sheet, "row": int(row), "same_as": seen[group]})
        else:
            seen[group] = f"{sheet}!{row}"
    return out


@dataclass
class _SheetResult:
    records: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    reconciliation: list[dict] = field(default_factory=list)
    total_rows: int = 0
    skipped_blank: int = 0
    skipped_by_profile: int = 0
    rows_read: int = 0


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


def _read_sheet(
    raw: RawSheet, header: HeaderMap, reader: RowReader, profile: Profile
) -> _SheetResult:
    """Classify and read every row under the header of one sheet."""
    out = _SheetResult()
    _fill_merged_down(raw, header, reader)
    body = raw.rows[header.data_start :]
    first_dated = _first_dated(body, header)
    title = str(raw.rows[0][0]) if raw.rows and raw.rows[0] else ""
    sheet_year = _year_hint(raw.sheet, raw.file, title)
    year_j = header.columns.get("year")
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
    out.total_rows = len(totals)
    out.reconciliation = reconcile(raw.file, raw.sheet, header, totals, data_rows, accepted_rows)
    return out


def _frame(records: list[dict], file: str, sha: str, profile: str) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records)
    if df.empty:
        df = pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    df["source_file"] = file
    df["profile"] = profile
    df["event_id"] = [
        f"{sha[:12]}-{s}-{r}" for s, r in zip(df["source_sheet"], df["source_row"], strict=True)
    ]
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ms]")
    df["year"] = df["date"].dt.year.astype("int32")
    df["month"] = df["date"].dt.month.astype("int32")
    for name in ("person_times", "volunteers", "resources_fen", "source_row"):
        df[name] = df[name].astype("int64")
    df["persons"] = pd.array(
        [None if v is None or pd.isna(v) else int(v) for v in df["persons"]], dtype="Int64"
    )
    df["volunteer_hours"] = df["volunteer_hours"].astype("float64")
    df["has_note"] = df["has_note"].astype(bool)
    df["id_checksum_ok"] = df["id_checksum_ok"].astype("boolean")
    for name in (
        "event_id",
        "org_unit",
        "station_code",
        "room_code",
        "event_type",
        "service_area",
        "client_category",
        "client_pid",
        "household_pid",
        "staff_ids",
        "resource_kind",
        "source_file",
        "source_sheet",
        "pt_qualifier",
        "profile",
        "project_code",
        "programme",
    ):
        df[name] = (
            df[name].astype("str").where(df[name].notna(), None)
            if len(df)
            else df[name].astype(str)
        )
    return df[list(COLUMNS)].reset_index(drop=True)


def _validate(df: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[dict]]:
    """Lazy pandera validation; failing rows move to rejects with reason ``schema_check``."""
    try:
        return LEDGER_SCHEMA.validate(df, lazy=True), []
    except pandera.errors.SchemaErrors as e:
        cases = e.failure_cases
        bad_index = sorted({int(i) for i in cases["index"].dropna()})
        if not bad_index:  # a failure without row index means the table itself is malformed
            raise DatasetError(
                f"ledger table failed its schema: {cases['check'].tolist()[:5]}", Location(file)
            ) from e
        rejects = []
        for i in bad_index:
            row_cases = cases[cases["index"] == i]
            rejects.append(
                {
                    "file": file,
                    "sheet": df.at[i, "source_sheet"],
                    "row": int(df.at[i, "source_row"]),
                    "column": str(row_cases["column"].iloc[0]),
                    "reason": "schema_check",
                    "message": REASONS["schema_check"][0],
                    "value": "",
                    "all_reasons": ";".join(
                        f"{c}:{k}"
                        for c, k in zip(row_cases["column"], row_cases["check"], strict=True)
                    ),
                }
            )
        kept = df.drop(index=bad_index).reset_index(drop=True)
        return LEDGER_SCHEMA.validate(kept), rejects


def import_file(
    path: Path,
    *,
    workspace: Workspace,
    org_units: OrgUnits,
    pseudonymiser: Pseudonymiser,
    profile: Profile | None = None,
    check: bool = False,
    replace: bool = False,
    today: dt.date | None = None,
) -> FileSummary:
    """Import one ledger file; see :func:`import_ledgers`.

    Raises:
        DatasetError: unreadable file, or a sheet whose header lacks a required column.
    """

    path = Path(path)
    profile = profile or load_profile()
    sheets = read_sheets(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    summary = FileSummary(
        file=path.name,
        sha256=sha,
        encoding=sheets[0].encoding if sheets else None,
        profile=profile.name,
    )
    reader = RowReader(org_units, pseudonymiser, today or dt.date.today(), profile)
    records: list[dict] = []
    rejects: list[dict] = []
    for raw in sheets:
        if not profile.wants_sheet(raw.sheet):
            summary.skipped_sheets.append({"sheet": raw.sheet, "reason": "not_in_profile"})
            continue
        if raw.hidden:  # hidden sheets hold old data or lookup lists, not this period's events
            summary.skipped_sheets.append({"sheet": raw.sheet, "reason": "hidden"})
            continue
        header = find_header(raw.rows, profile, raw.merged)
        if header is None:
            if any(not is_blank(v) for r in raw.rows for v in r):
                summary.skipped_sheets.append({"sheet": raw.sheet, "reason": "no_header"})
            continue
        if header.missing_required:
            raise DatasetError(
                f"the header lacks required column(s) {', '.join(header.missing_required)}; "
                f"use the standard template (`shegong ledger template`) or a mapping profile "
                f"(`shegong ledger profile suggest {path.name}`)",
                Location(raw.file, raw.sheet, header.row + 1),
            )
        summary.sheets.append(raw.sheet)
        result = _read_sheet(raw, header, reader, profile)
        summary.rows_read += result.rows_read
        summary.skipped_blank += result.skipped_blank
        summary.skipped_by_profile += result.skipped_by_profile
        summary.total_rows += result.total_rows
        summary.reconciliation += result.reconciliation
        records += result.records
        rejects += result.rejects
    if not summary.sheets:
        raise DatasetError(
            f"no sheet has a ledger header for profile {profile.name!r} "
            "(序号, 服务日期, 所属站点, 服务类型 …): try `shegong ledger profile suggest`",
            Location(path.name),
        )

    frame, schema_rejects = _validate(_frame(records, path.name, sha, profile.name), path.name)
    rejects += schema_rejects
    summary.accepted = len(frame)
    summary.rejected = len(rejects)
    summary.repeated_rows = repeated_rows(frame)
    for r in rejects:
        summary.rejected_by_reason[r["reason"]] = summary.rejected_by_reason.get(r["reason"], 0) + 1
    summary.rejected_by_reason = dict(sorted(summary.rejected_by_reason.items()))
    summary.fixes = dict(sorted(reader.fixes.items()))
    summary.fix_examples = {k: reader.examples[k] for k in summary.fixes}
    summary.totals = {
        "person_times": int(frame["person_times"].sum()),
        "volunteer_hours": round(float(frame["volunteer_hours"].sum()), 2),
        "resources_yuan": float(Decimal(int(frame["resources_fen"].sum())) / 100),
    }
    if (
        summary.rows_read
        != summary.accepted + summary.rejected + summary.skipped_blank + summary.total_rows
    ):
        raise DatasetError(
            "row accounting does not add up (a bug): please report it", Location(path.name)
        )
    write_outputs(workspace, path, frame, rejects, summary, sheets, check=check, replace=replace)
    return summary


def import_ledgers(
    files: list[Path],
    *,
    workspace: Workspace,
    org_units_file: Path | None = None,
    profile: str | Path | Profile | None = None,
    check: bool = False,
    replace: bool = False,
    progress: bool = True,
    today: dt.date | None = None,
) -> ImportSummary:
    """Import service-ledger files into ``workspace`` (DESIGN.md §2.1).

    Args:
        files: .xlsx, .xls or .csv ledgers.
        workspace: where outputs go (``ledger/accepted``, ``rejects``, ``quality``, the log).
        org_units_file: the org-unit CSV; default the workspace's ``inputs/org_units.csv``.
            The station column must resolve to a station by name or alias.
        profile: a mapping profile name (``datasets/profiles/<name>.yaml``), path or
            :class:`~.profiles.Profile`; default ``standard``.
        check: validate and write only the quality report (JSON + HTML): no Parquet, no log.
        replace: accepted rows of *other* files for the same station and month are removed
            (a corrected ledger replaces the earlier one); the log records what was replaced.
        progress: show a tqdm progress bar on stderr.

    Returns:
        The :class:`ImportSummary` (its ``to_dict()`` is the ``--json`` object).

    Raises:
        DatasetError: a file cannot be read, or has no usable header (the files before it stay
            imported and the message names them); ProfileError for a bad profile; OrgUnitError
            for a bad org-unit file. Bad rows are never errors: they are
            rejected with a reason.
    """
    from tqdm.auto import tqdm

    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    org_units = OrgUnits.read_csv(org_units_file or workspace.org_units_file)
    pseudonymiser = Pseudonymiser(load_key())
    files = [Path(p) for p in files]
    for path in files:  # every missing file named before any work (and before a progress bar)
        if not path.is_file():
            raise DatasetError("找不到文件 file not found", Location(path.name))
        if len(path.name.encode()) > MAX_NAME_BYTES:
            raise DatasetError(
                f"文件名过长 file name too long ({len(path.name.encode())} bytes, at "
                f"most {MAX_NAME_BYTES}): "
                "rename the file shorter",
                Location(path.name[:40] + "…"),
            )
    names = [p.name for p in files]
    if twice := sorted({n for n in names if names.count(n) > 1}):
        raise DatasetError(
            f"两个文件同名 two files share the name {twice[0]}: outputs are named "
            "after the file, so "
            "one would overwrite the other — rename one (e.g. add the station name) "
            "and import again",
            Location(twice[0]),
        )
    summaries = []
    # delay: an error in the first second is printed alone, without a half-drawn bar
    for path in tqdm(files, desc="导入台账 import", unit="file", disable=not progress, delay=1.0):
        try:
            summaries.append(
                import_file(
                    Path(path),
                    workspace=workspace,
                    org_units=org_units,
                    profile=profile,
                    pseudonymiser=pseudonymiser,
                    check=check,
                    replace=replace,
                    today=today,
                )
            )
        except DatasetError as e:
            if (
                summaries and not check
            ):  # the files before this one are imported: say so, with their counts
                done = "; ".join(f"{s.file} {s.accepted}/{s.rows_read}" for s in summaries)
                e.args = (
                    f"{e.args[0]} — 此前的文件已导入 imported before this error "
                    f"(accepted/read): {done}; "
                    "the files after it were not",
                )
            raise
    return ImportSummary(summaries)


def damaged_parquet(detail: str, location: Location | None = None) -> DatasetError:
    """The error for an accepted Parquet file that cannot be read (``detail``: its name, or the
    reader's first line); the fix is to import that ledger again."""
    return DatasetError(
        f"工作区的 Parquet 文件已损坏 a Parquet file of the workspace is damaged ({detail}): "
        "import that ledger again (ledger import --replace)",
        location,
    )


def rows_outside(workspace: Workspace, org_units: OrgUnits) -> dict[str, int]:
    """Accepted ledger rows whose org unit is no longer in the org-unit file (a station removed
    or recoded after its ledgers were imported): ``{org_unit: rows}``. Indicators cannot count
    them; the caller says so rather than let them vanish from every total.

    Raises:
        DatasetError: an accepted Parquet file cannot be read (damaged, or not Parquet).
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    known = set(org_units.frame["code"])
    out: dict[str, int] = {}
    for f in sorted(workspace.accepted_dir.glob("*.parquet")):
        try:
            table = pq.read_table(f, columns=["org_unit"])
        except (OSError, ValueError) as e:  # pyarrow's ArrowInvalid is a ValueError
            raise damaged_parquet(f.name, Location(f.name.removesuffix(".parquet"))) from e
        counts = pc.value_counts(table.column(0)).to_pylist()
        for item in counts:
            if item["values"] not in known:
                out[item["values"]] = out.get(item["values"], 0) + int(item["counts"])
    return dict(sorted(out.items()))


def load_accepted(workspace: Workspace) -> pd.DataFrame:
    """All accepted ledger rows of the workspace (columns of :mod:`.schema`)."""
    files = sorted(workspace.accepted_dir.glob("*.parquet"))
    if not files:
        return pd.DataFrame({c: [] for c in COLUMNS})
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
