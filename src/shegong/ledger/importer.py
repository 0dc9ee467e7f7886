"""Import service ledgers: every row read ends accepted, rejected, skipped_blank or total_row.

:func:`import_ledgers` is the library call behind ``shegong ledger import`` (DESIGN.md §2.1,
§3). For each file it reads every sheet, finds the header, normalises each row, pseudonymises
personal data, validates the accepted table with pandera (:data:`~.schema.LEDGER_SCHEMA`) and
writes, atomically:

- ``ledger/accepted/<file>.parquet`` — accepted events (columns in :mod:`.schema`);
- ``ledger/rejects/<file>.csv`` — one row per rejected row: file, sheet, row, column, reason,
  message, value (personal values are never written, only ``[已隐去]``);
- ``ledger/quality/<file>.json`` — the file's summary;
- one line in ``ledger/import_log.jsonl``.

Importing the same file again replaces its outputs with identical ones (idempotent).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pandera.errors

from .. import atomic
from ..config import Workspace
from ..errors import DatasetError, Location
from ..orgunits import OrgUnits
from .headers import PERSONAL, HeaderMap, column_letter, find_header
from .normalise import CellProblem, is_blank, parse_date, parse_label, parse_quantity
from .privacy import Pseudonymiser, id_checksum_ok, load_key
from .read import RawSheet, read_sheets
from .schema import COLUMNS, LEDGER_SCHEMA
from .vocabulary import CLIENT_CATEGORIES, EVENT_TYPES, RESOURCE_KINDS, SERVICE_AREAS

TOTAL_WORDS = ("总合计", "合计", "总计", "小计")
TOTAL_COLUMNS = ("person_times", "volunteers", "volunteer_hours", "resources_yuan")
EARLIEST = dt.date(2000, 1, 1)

#: reason code → message shown to the station (zh-CN, en).
REASONS: dict[str, tuple[str, str]] = {
    "missing_date": ("服务日期为空", "service date is empty"),
    "invalid_date": ("服务日期不是有效日期", "service date is not a valid date"),
    "ambiguous_date": ("服务日期有歧义（如 6.3），请写成 2021年6月3日", "ambiguous date (such as 6.3): write 2021-06-03"),
    "date_out_of_range": ("服务日期不在合理范围（2000年至今）", "service date outside 2000…today"),
    "missing_station": ("所属站点为空", "station is empty"),
    "unknown_station": ("所属站点不在组织单元文件中", "station is not in the org-unit file"),
    "missing_event_type": ("服务类型为空", "service type is empty"),
    "unknown_event_type": ("服务类型不在标准列表中", "service type is not in the standard list"),
    "unknown_service_area": ("服务领域不在标准列表中", "service area is not in the standard list"),
    "unknown_client_category": ("对象类别不在标准列表中", "client category is not in the standard list"),
    "unknown_resource_kind": ("资源类型应为 现金 或 物资", "resource type must be 现金 or 物资"),
    "missing_person_times": ("服务人次为空", "person-times is empty"),
    "invalid_number": ("不是数字", "not a number"),
    "not_integer": ("人数、人次须为整数", "counts must be whole numbers"),
    "negative_number": ("不能为负数", "must not be negative"),
    "money_precision": ("金额最多两位小数（分）", "money has more than two decimals"),
    "missing_household": ("入户走访须填写户编号", "a home visit needs a household number"),
    "schema_check": ("未通过台账结构校验", "failed the ledger schema check"),
}


@dataclass
class FileSummary:
    """Row accounting and totals for one imported file (the ``files`` entries of ``--json``).

    ``rows_read = accepted + rejected + skipped_blank + total_rows`` always holds.
    ``totals`` are over accepted rows: ``person_times`` (人次), ``volunteer_hours`` (h),
    ``resources_yuan`` (元).
    """

    file: str
    sha256: str
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped_blank: int = 0
    total_rows: int = 0
    totals: dict[str, float] = field(default_factory=lambda: {"person_times": 0, "volunteer_hours": 0.0, "resources_yuan": 0.0})
    reconciliation: list[dict] = field(default_factory=list)
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)
    skipped_sheets: list[dict] = field(default_factory=list)
    encoding: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportSummary:
    """The result of :func:`import_ledgers`: per-file summaries and their sums."""

    files: list[FileSummary]

    def _sum(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    def to_dict(self) -> dict:
        """The JSON object of ``ledger import --json`` (DESIGN.md §3)."""
        reasons: dict[str, int] = {}
        for f in self.files:
            for k, v in f.rejected_by_reason.items():
                reasons[k] = reasons.get(k, 0) + v
        totals = {
            "person_times": sum(f.totals["person_times"] for f in self.files),
            "volunteer_hours": round(sum(f.totals["volunteer_hours"] for f in self.files), 2),
            "resources_yuan": round(sum(f.totals["resources_yuan"] for f in self.files), 2),
        }
        return {
            "rows_read": self._sum("rows_read"),
            "accepted": self._sum("accepted"),
            "rejected": self._sum("rejected"),
            "skipped_blank": self._sum("skipped_blank"),
            "total_rows": self._sum("total_rows"),
            "totals": totals,
            "reconciliation": [r for f in self.files for r in f.reconciliation],
            "rejected_by_reason": dict(sorted(reasons.items())),
            "files": [asdict(f) for f in self.files],
        }


@dataclass
class _SheetResult:
    records: list[dict] = field(default_factory=list)
    rejects: list[dict] = field(default_factory=list)
    total_rows: list[tuple[int, dict]] = field(default_factory=list)
    skipped_blank: int = 0
    rows_read: int = 0


def _year_hint(*texts: str) -> int | None:
    for text in texts:
        m = re.search(r"(20\d{2})", text)
        if m:
            return int(m.group(1))
    return None


def _cell(row: list[object], header: HeaderMap, name: str) -> object:
    j = header.columns.get(name)
    if j is None or j >= len(row):
        return None
    value = row[j]
    return None if is_blank(value) else value


def _is_blank_row(row: list[object], header: HeaderMap) -> bool:
    """Nothing but blanks, white space or formula zeros in the mapped columns."""
    for j in header.columns.values():
        value = row[j] if j < len(row) else None
        if is_blank(value):
            continue
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
            continue
        return False
    return True


def _is_total_row(row: list[object], header: HeaderMap) -> bool:
    for name in ("seq", "date", "station", "village", "event_type"):
        value = _cell(row, header, name)
        if isinstance(value, str) and any(w in value.replace(" ", "") for w in TOTAL_WORDS):
            return True
    return False


class _RowReader:
    """Normalises one data row into a ledger record, collecting every problem."""

    def __init__(self, org_units: OrgUnits, pseudonymiser: Pseudonymiser, today: dt.date) -> None:
        self.org_units = org_units
        self.pseudo = pseudonymiser
        self.today = today

    def count(self, value: object, name: str, problems: list, *, required: bool = False) -> int:
        try:
            q = parse_quantity(value)
        except CellProblem as e:
            problems.append((name, e.reason))
            return 0
        if q is None:
            if required:
                problems.append((name, f"missing_{name}"))
            return 0
        if q.value < 0:
            problems.append((name, "negative_number"))
            return 0
        if q.value != q.value.to_integral_value():
            problems.append((name, "not_integer"))
            return 0
        return int(q.value)

    def amount(self, value: object, name: str, problems: list) -> Decimal:
        try:
            q = parse_quantity(value)
        except CellProblem as e:
            problems.append((name, e.reason))
            return Decimal(0)
        if q is None:
            return Decimal(0)
        if q.value < 0:
            problems.append((name, "negative_number"))
            return Decimal(0)
        return q.value

    def read(self, row: list[object], header: HeaderMap, year_hint: int | None) -> tuple[dict, list]:
        problems: list[tuple[str, str]] = []
        rec: dict = {}
        c = lambda name: _cell(row, header, name)  # noqa: E731

        # date
        date = None
        try:
            date = parse_date(c("date"), year_hint=year_hint)
            if date is None:
                problems.append(("date", "missing_date"))
            elif not EARLIEST <= date <= self.today:
                problems.append(("date", "date_out_of_range"))
        except CellProblem as e:
            problems.append(("date", e.reason))
        rec["date"] = date

        # station and room
        station = None
        if c("station") is None:
            problems.append(("station", "missing_station"))
        else:
            station = self.org_units.resolve(c("station"), unit_type="station")
            if station is None:
                problems.append(("station", "unknown_station"))
        room = None
        if station is not None and c("village") is not None:
            room = self.org_units.resolve(c("village"), unit_type="room", parent=station)
        rec.update(station_code=station, room_code=room, org_unit=room or station)

        # labels
        for name, vocab, reason in (
            ("event_type", EVENT_TYPES, "unknown_event_type"),
            ("service_area", SERVICE_AREAS, "unknown_service_area"),
            ("client_category", CLIENT_CATEGORIES, "unknown_client_category"),
            ("resource_kind", RESOURCE_KINDS, "unknown_resource_kind"),
        ):
            try:
                rec[name] = parse_label(c(name), vocab, reason)
            except CellProblem as e:
                problems.append((name, e.reason))
                rec[name] = None
        if rec["event_type"] is None and not any(p[0] == "event_type" for p in problems):
            problems.append(("event_type", "missing_event_type"))

        # numbers
        rec["person_times"] = self.count(c("person_times"), "person_times", problems, required=True)
        rec["volunteers"] = self.count(c("volunteers"), "volunteers", problems)
        rec["volunteer_hours"] = float(self.amount(c("volunteer_hours"), "volunteer_hours", problems))
        yuan = self.amount(c("resources_yuan"), "resources_yuan", problems)
        fen = yuan * 100
        if fen != fen.to_integral_value():
            problems.append(("resources_yuan", "money_precision"))
        rec["resources_fen"] = int(fen)

        # personal data: pseudonymised here, never kept
        raw_id, name, household = c("id_number"), c("client_name"), c("household_no")
        rec["household_pid"] = self.pseudo.pseudonym("household", household)
        rec["client_pid"] = self.pseudo.person(raw_id, name, household)
        rec["id_checksum_ok"] = None if raw_id is None else id_checksum_ok(str(raw_id))
        if rec["event_type"] == "home_visit" and rec["household_pid"] is None:
            problems.append(("household_no", "missing_household"))

        staff = c("staff")
        rec["staff_ids"] = None if staff is None else str(staff).strip()
        rec["has_note"] = c("note") is not None
        return rec, problems


def _reject(raw: RawSheet, header: HeaderMap, excel_row: int, row: list[object], problems: list) -> dict:
    column, reason = problems[0]
    j = header.columns.get(column)
    value = None if j is None or j >= len(row) else row[j]
    if column in PERSONAL:
        shown = "[已隐去]" if value is not None else ""
    else:
        shown = "" if value is None else str(value)
    label = header.labels.get(column, column)
    return {
        "file": raw.file,
        "sheet": raw.sheet,
        "row": excel_row,
        "column": f"{column_letter(j)} {label}" if j is not None else label,
        "reason": reason,
        "message": REASONS.get(reason, (reason, reason))[0],
        "value": shown,
        "all_reasons": ";".join(f"{col}:{r}" for col, r in problems),
    }


def _read_sheet(raw: RawSheet, header: HeaderMap, reader: _RowReader, year_hint: int | None) -> _SheetResult:
    out = _SheetResult()
    for offset, row in enumerate(raw.rows[header.row + 1 :]):
        excel_row = header.row + 2 + offset
        out.rows_read += 1
        if _is_blank_row(row, header):
            out.skipped_blank += 1
            continue
        if _is_total_row(row, header):
            out.total_rows.append((excel_row, row))
            continue
        rec, problems = reader.read(row, header, year_hint)
        if problems:
            out.rejects.append(_reject(raw, header, excel_row, row, problems))
            continue
        rec.update(source_sheet=raw.sheet, source_row=excel_row)
        out.records.append(rec)
    return out


def _reconcile(raw: RawSheet, header: HeaderMap, totals: list, records: list[dict]) -> list[dict]:
    """Compare each total row's stated numbers with the sums of the sheet's accepted rows."""
    computed = {
        "person_times": Decimal(sum(r["person_times"] for r in records)),
        "volunteers": Decimal(sum(r["volunteers"] for r in records)),
        "volunteer_hours": Decimal(str(round(sum(r["volunteer_hours"] for r in records), 4))),
        "resources_yuan": Decimal(sum(r["resources_fen"] for r in records)) / 100,
    }
    found = []
    for excel_row, row in totals:
        for name in TOTAL_COLUMNS:
            try:
                q = parse_quantity(_cell(row, header, name))
            except CellProblem:
                q = None
            if q is None or q.value == computed[name]:
                continue
            j = header.columns[name]
            found.append({
                "file": raw.file, "sheet": raw.sheet, "row": excel_row,
                "column": f"{column_letter(j)} {header.labels[name]}",
                "stated": float(q.value), "computed": float(computed[name]),
            })
    return found


def _frame(records: list[dict], file: str, sha: str) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records)
    if df.empty:
        df = pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    df["source_file"] = file
    df["event_id"] = [f"{sha[:12]}-{s}-{r}" for s, r in zip(df["source_sheet"], df["source_row"], strict=True)]
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ms]")
    df["year"] = df["date"].dt.year.astype("int32")
    df["month"] = df["date"].dt.month.astype("int32")
    for name in ("person_times", "volunteers", "resources_fen", "source_row"):
        df[name] = df[name].astype("int64")
    df["volunteer_hours"] = df["volunteer_hours"].astype("float64")
    df["has_note"] = df["has_note"].astype(bool)
    df["id_checksum_ok"] = df["id_checksum_ok"].astype("boolean")
    for name in ("event_id", "org_unit", "station_code", "room_code", "event_type", "service_area",
                 "client_category", "client_pid", "household_pid", "staff_ids", "resource_kind",
                 "source_file", "source_sheet"):
        df[name] = df[name].astype("str").where(df[name].notna(), None) if len(df) else df[name].astype(str)
    return df[list(COLUMNS)].reset_index(drop=True)


def _validate(df: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[dict]]:
    """Lazy pandera validation; failing rows move to rejects with reason ``schema_check``."""
    try:
        return LEDGER_SCHEMA.validate(df, lazy=True), []
    except pandera.errors.SchemaErrors as e:
        cases = e.failure_cases
        bad_index = sorted({int(i) for i in cases["index"].dropna()})
        if not bad_index:  # a failure without row index means the table itself is malformed
            raise DatasetError(f"ledger table failed its schema: {cases['check'].tolist()[:5]}", Location(file)) from e
        rejects = []
        for i in bad_index:
            row_cases = cases[cases["index"] == i]
            rejects.append({
                "file": file, "sheet": df.at[i, "source_sheet"], "row": int(df.at[i, "source_row"]),
                "column": str(row_cases["column"].iloc[0]), "reason": "schema_check",
                "message": REASONS["schema_check"][0], "value": "",
                "all_reasons": ";".join(f"{c}:{k}" for c, k in zip(row_cases["column"], row_cases["check"], strict=True)),
            })
        kept = df.drop(index=bad_index).reset_index(drop=True)
        return LEDGER_SCHEMA.validate(kept), rejects


def import_file(path: Path, *, workspace: Workspace, org_units: OrgUnits, pseudonymiser: Pseudonymiser,
                check: bool = False, today: dt.date | None = None) -> FileSummary:
    """Import one ledger file; see :func:`import_ledgers`.

    Raises:
        DatasetError: unreadable file, or a sheet whose header lacks a required column.
    """
    path = Path(path)
    sheets = read_sheets(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    summary = FileSummary(file=path.name, sha256=sha, encoding=sheets[0].encoding if sheets else None)
    reader = _RowReader(org_units, pseudonymiser, today or dt.date.today())
    records: list[dict] = []
    rejects: list[dict] = []
    for raw in sheets:
        header = find_header(raw.rows)
        if header is None:
            if any(not is_blank(v) for r in raw.rows for v in r):
                summary.skipped_sheets.append({"sheet": raw.sheet, "reason": "no_header"})
            continue
        if header.missing_required:
            raise DatasetError(
                f"the header lacks required column(s) {', '.join(header.missing_required)}; "
                "use the standard template (`shegong ledger template`) or a mapping profile",
                Location(raw.file, raw.sheet, header.row + 1),
            )
        summary.sheets.append(raw.sheet)
        result = _read_sheet(raw, header, reader, _year_hint(raw.sheet, raw.file, str(raw.rows[0][0]) if raw.rows and raw.rows[0] else ""))
        summary.rows_read += result.rows_read
        summary.skipped_blank += result.skipped_blank
        summary.total_rows += len(result.total_rows)
        summary.reconciliation += _reconcile(raw, header, result.total_rows, result.records)
        records += result.records
        rejects += result.rejects
    if not summary.sheets:
        raise DatasetError("no sheet has a ledger header (序号, 服务日期, 所属站点, 服务类型 …)", Location(path.name))

    frame, schema_rejects = _validate(_frame(records, path.name, sha), path.name)
    rejects += schema_rejects
    summary.accepted = len(frame)
    summary.rejected = len(rejects)
    for r in rejects:
        summary.rejected_by_reason[r["reason"]] = summary.rejected_by_reason.get(r["reason"], 0) + 1
    summary.rejected_by_reason = dict(sorted(summary.rejected_by_reason.items()))
    summary.totals = {
        "person_times": int(frame["person_times"].sum()),
        "volunteer_hours": round(float(frame["volunteer_hours"].sum()), 2),
        "resources_yuan": float(Decimal(int(frame["resources_fen"].sum())) / 100),
    }
    assert summary.rows_read == summary.accepted + summary.rejected + summary.skipped_blank + summary.total_rows
    _write_outputs(workspace, path.name, frame, rejects, summary, check=check)
    return summary


def _write_outputs(ws: Workspace, name: str, frame: pd.DataFrame, rejects: list[dict],
                   summary: FileSummary, *, check: bool) -> None:
    quality = ws.quality_dir / f"{name}.json"
    reject_file = ws.rejects_dir / f"{name}.csv"
    reject_cols = ["file", "sheet", "row", "column", "reason", "message", "value", "all_reasons"]
    atomic.write_with(reject_file, lambda p: pd.DataFrame(rejects, columns=reject_cols).to_csv(p, index=False, encoding="utf-8-sig"))
    summary.outputs = {"rejects": str(reject_file.relative_to(ws.root)), "quality": str(quality.relative_to(ws.root))}
    if not check:
        accepted = ws.accepted_dir / f"{name}.parquet"
        accepted.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_with(accepted, lambda p: frame.to_parquet(p, index=False))
        summary.outputs["accepted"] = str(accepted.relative_to(ws.root))
    atomic.write_text(quality, json.dumps(asdict(summary), ensure_ascii=False, indent=2))
    if not check:
        entry = {"time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "file": name, "sha256": summary.sha256,
                 "profile": "standard", "rows_read": summary.rows_read, "accepted": summary.accepted,
                 "rejected": summary.rejected, "skipped_blank": summary.skipped_blank, "total_rows": summary.total_rows}
        with ws.import_log.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def import_ledgers(files: list[Path], *, workspace: Workspace, org_units_file: Path | None = None,
                   check: bool = False, progress: bool = True, today: dt.date | None = None) -> ImportSummary:
    """Import service-ledger files into ``workspace`` (DESIGN.md §2.1).

    Args:
        files: .xlsx, .xls or .csv ledgers in the standard template (issue 2's headers).
        workspace: where outputs go (``ledger/accepted``, ``rejects``, ``quality``, the log).
        org_units_file: the org-unit CSV; default the workspace's ``inputs/org_units.csv``.
            所属站点 must resolve to a station by name or alias.
        check: validate and write only the rejects and quality report, no Parquet.
        progress: show a tqdm progress bar on stderr.

    Returns:
        The :class:`ImportSummary` (its ``to_dict()`` is the ``--json`` object).

    Raises:
        DatasetError: a file cannot be read, or has no usable header; OrgUnitError for a bad
            org-unit file. Bad rows are never errors: they are rejected with a reason.
    """
    from tqdm.auto import tqdm

    org_units = OrgUnits.read_csv(org_units_file or workspace.org_units_file)
    pseudonymiser = Pseudonymiser(load_key())
    summaries = []
    for path in tqdm(list(files), desc="导入台账 import", unit="file", disable=not progress):
        summaries.append(import_file(Path(path), workspace=workspace, org_units=org_units,
                                     pseudonymiser=pseudonymiser, check=check, today=today))
    return ImportSummary(summaries)


def load_accepted(workspace: Workspace) -> pd.DataFrame:
    """All accepted ledger rows of the workspace (columns of :mod:`.schema`)."""
    files = sorted(workspace.accepted_dir.glob("*.parquet"))
    if not files:
        return pd.DataFrame({c: [] for c in COLUMNS})
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
