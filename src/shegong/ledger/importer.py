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
from decimal import Decimal
from pathlib import Path

import pandas as pd

from shegong.config import Workspace
from shegong.errors import DatasetError, Location
from shegong.ledger.normalise import is_blank
from shegong.ledger.outputs import keep_org_units, write_outputs
from shegong.ledger.privacy import Pseudonymiser, load_key
from shegong.ledger.profiles import Profile, load_profile
from shegong.ledger.read import read_sheets, uncalculated_formulas
from shegong.ledger.rows import REASONS, RowReader
from shegong.ledger.schema import COLUMNS
from shegong.ledger.sheet import read_sheet
from shegong.ledger.structure import column_letter, find_bands
from shegong.ledger.summary import FileSummary, ImportSummary
from shegong.ledger.table import frame_of, repeated_rows, validate
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
        bands = find_bands(raw.rows, profile, raw.merged)
        if not bands:
            if any(not is_blank(v) for r in raw.rows for v in r):
                summary.skipped_sheets.append({"sheet": raw.sheet, "reason": "no_header"})
            continue
        header = bands[-1]
        if header.missing_required:
            raise DatasetError(
                f"the header lacks required column(s) {', '.join(header.missing_required)}; "
                f"use the standard template (`shegong ledger template`) or a mapping profile "
                f"(`shegong ledger profile suggest {path.name}`)",
                Location(raw.file, raw.sheet, header.row + 1),
            )
        summary.sheets.append(raw.sheet)
        for canon, others in header.duplicates.items():
            for j in others:
                reader.where = raw.sheet
                reader.warn(
                    "duplicate_header",
                    f"{header.labels[canon]}: {column_letter(header.columns[canon])} "
                    f"read, {column_letter(j)} not",
                )
        result = read_sheet(raw, bands, reader, profile)
        summary.header_rows += result.header_rows
        for h in result.header_rows:
            reader.where = f"{h['sheet']}!{h['row']}"
            reader.warn("repeated_header")
        _formulas(path, raw.sheet, result.rejects)
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

    frame, schema_rejects = validate(frame_of(records, path.name, sha, profile.name), path.name)
    rejects += schema_rejects
    summary.accepted = len(frame)
    summary.rejected = len(rejects)
    summary.repeated_rows = repeated_rows(frame)
    for r in rejects:
        summary.rejected_by_reason[r["reason"]] = summary.rejected_by_reason.get(r["reason"], 0) + 1
    summary.rejected_by_reason = dict(sorted(summary.rejected_by_reason.items()))
    summary.fixes = dict(sorted(reader.fixes.items()))
    summary.fix_examples = {k: reader.examples[k] for k in summary.fixes}
    summary.warnings = dict(sorted(reader.warnings.items()))
    summary.warning_examples = {k: reader.warning_examples.get(k, []) for k in summary.warnings}
    summary.unmapped_labels = reader.unmapped_labels()
    summary.beneficiary_mismatches = reader.mismatches
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


#: reasons of a required cell read blank — a formula never calculated reads blank too
_BLANK_REASONS = {
    "missing_date": "date",
    "missing_station": "station",
    "missing_event_type": "event_type",
    "missing_person_times": "person_times",
}


def _formulas(path: Path, sheet: str, rejects: list[dict]) -> None:
    """Re-name the reason of rows rejected for a blank required cell that holds a formula whose
    value was never calculated (a workbook written by a program): ``formula_not_calculated``,
    whose message says to open and save the file in Excel or WPS."""
    wanted = {}
    for r in rejects:
        for part in r["all_reasons"].split(";"):
            column, _, reason = part.partition(":")
            j = r.get("_columns", {}).get(column)
            if reason in _BLANK_REASONS and j is not None:
                wanted.setdefault((r["row"], j), []).append(r)
    for cell in uncalculated_formulas(path, sheet, set(wanted)):
        for r in wanted[cell]:
            r["reason"] = "formula_not_calculated"
            r["message"] = REASONS["formula_not_calculated"][0]
            r["all_reasons"] = r["all_reasons"].replace(
                f":{r['all_reasons'].split(':', 1)[1].split(';')[0]}", ":formula_not_calculated", 1
            )


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
            The station column must resolve to a station (or centre) by name or alias. A file
            given here is validated and kept as the workspace's ``inputs/org_units.csv`` (not
            with ``check``), where every later command reads it.
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
    kept = None if check or org_units_file is None else keep_org_units(workspace, org_units_file)
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
    return ImportSummary(summaries, org_units=kept)


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
