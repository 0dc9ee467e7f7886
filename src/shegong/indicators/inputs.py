"""Inputs beyond the ledger (DOMAIN.md §4): roster, training, surveys and the evaluation inputs.

Each input kind has a column spec (:data:`SPECS`): the columns' codes, the header labels that
name them (Chinese or English), a type, whether it is required, allowed values and ranges, and
whether it holds personal data. :func:`import_input` reads a file with the ledger's reader
(:func:`shegong.ledger.read.read_sheets`: .xlsx/.xls/.csv, UTF-8 or GB18030), finds the header,
normalises every cell (full-width digits, dates in their Chinese forms, 是/否), resolves stations
and villages through the org-unit file, pseudonymises personal columns with the ledger's keyed
hash (so priority-household numbers meet the ledger's ``household_pid``), validates the whole
table with pandera (lazy) and writes:

- ``inputs/accepted/<kind>.parquet`` — accepted rows, columns of the spec plus ``org_unit``,
  ``station_code`` and ``year`` where the kind has a station;
- ``inputs/rejects/<kind>.csv`` — ``file, sheet, row, column, reason, message, value,
  all_reasons``: ``column`` as the file names it (letter and header, e.g. ``B 所属站点``),
  ``message`` the reason in Chinese (:data:`shegong.indicators.input_specs.REASONS`);
- ``inputs/quality/<kind>.json`` — the row accounting.

Every data row read ends in exactly one class: accepted, rejected or skipped_blank
(accepted + rejected + skipped_blank = rows_read). Personal values never reach Parquet,
reject files or messages (DESIGN.md §7): the rejects show ``[personal]`` instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from shegong import atomic
from shegong.config import Workspace
from shegong.errors import DatasetError, Location
from shegong.indicators.input_specs import (
    _MAP,
    FALSE,
    FILES,
    FUNDING_TYPES,
    SPECS,
    SPENDING_CATEGORIES,
    TRUE,
    Col,
    column_label,
    reason_message,
    table_schema,
    typed_frame,
)
from shegong.indicators.results import input_path, read_input
from shegong.ledger.normalise import CellProblem, fold_text, is_blank, parse_date, parse_quantity
from shegong.ledger.privacy import Pseudonymiser, load_key, scrub
from shegong.ledger.read import read_sheets
from shegong.ledger.structure import column_letter
from shegong.ledger.vocabulary import VOCABULARIES
from shegong.orgunits import LEDGER_UNIT_TYPES, OrgUnits

__all__ = [
    "FILES",
    "FUNDING_TYPES",
    "SPECS",
    "SPENDING_CATEGORIES",
    "Col",
    "InputSummary",
    "import_input",
    "import_inputs",
]

_LIST_SPLIT = re.compile(r"[;；,，、/\s]+")


@dataclass
class InputSummary:
    """Row accounting of one input file: ``rows_read = accepted + rejected + skipped_blank``."""

    kind: str
    file: str
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped_blank: int = 0
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    #: the earlier import of this kind that this one replaced: ``file`` and its ``accepted`` rows
    replaced: dict | None = None


def accepted_dir(ws: Workspace) -> Path:
    return ws.inputs / "accepted"


def _find_header(
    rows: list[list[object]], spec: tuple[Col, ...]
) -> tuple[int, dict[str, int]] | None:
    for r, row in enumerate(rows[:6]):
        texts = [fold_text(v) for v in row]
        found = {}
        for col in spec:
            for j, t in enumerate(texts):
                if t and t in {fold_text(lb) for lb in col.labels}:
                    found[col.name] = j
                    break
        if all(c.name in found for c in spec if c.required):
            return r, found
    return None


class _Resolver:
    """Cached look-ups of stations (by code, name or alias) and rooms under a station."""

    def __init__(self, units: OrgUnits, workspace: Workspace | None = None) -> None:
        self.units = units
        self.stations = set(
            units.frame.loc[units.frame["unit_type"].isin(LEDGER_UNIT_TYPES), "code"]
        )
        self.cache: dict[tuple, str | None] = {}
        self.workspace = workspace
        self._projects: dict[str, tuple[pd.Timestamp, pd.Timestamp]] | None = None

    @property
    def projects(self) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
        """Imported project codes → (start_date, end_date); read once from ``projects.parquet``.

        Raises:
            DatasetError: when projects were never imported (import them first).
        """
        if self._projects is None:
            frame = read_input(self.workspace, "projects") if self.workspace is not None else None
            if frame is None:
                raise DatasetError(
                    "a project code needs the projects imported first: "
                    "`shegong indicators inputs projects=项目.xlsx`",
                    Location("projects"),
                )
            self._projects = {
                r.project_code: (r.start_date, r.end_date) for r in frame.itertuples()
            }
        return self._projects

    def __call__(
        self, text: str, value: object, unit_type: str, parent: str | None = None
    ) -> str | None:
        if unit_type == "station" and text in self.stations:
            return text
        key = (text, unit_type, parent)
        types = LEDGER_UNIT_TYPES if unit_type == "station" else unit_type  # a centre too
        if key not in self.cache:
            self.cache[key] = self.units.resolve(value, unit_type=types, parent=parent)
        return self.cache[key]


def _list(col: Col, value: object, units: _Resolver, rec: dict) -> str:
    """A ``;``-joined list of codes: stations, rooms under the listed stations, event types,
    areas."""
    out = []
    for item in (t for t in _LIST_SPLIT.split(fold_text(value)) if t):
        if col.type == "stations":
            code = units(item, item, "station")
            reason = "unknown_station"
        elif col.type == "rooms":
            parents = (rec.get("stations") or "").split(";")
            code = next((c for c in (units(item, item, "room", p) for p in parents) if c), None)
            if code is None and item in set(units.units.frame["code"]):
                code = item if units.units.row(item)["parent_code"] in parents else None
            reason = "village_outside_stations"
        elif col.type == "event_types":
            code = VOCABULARIES["event_type"].lookup(item)
            reason = "unknown_event_type"
        else:
            code = VOCABULARIES["service_area"].lookup(item)
            reason = "unknown_service_area"
        if code is None:
            raise CellProblem(reason, item)
        if code not in out:
            out.append(code)
    if not out:
        raise CellProblem(f"missing_{col.name}")
    return ";".join(out)


#: the largest amount (10 亿元, in fen) and number an input cell may hold; beyond is a typing error
MAX_FEN = 100_000_000_000
MAX_NUMBER = 10**12


def _parse(col: Col, value: object, units: _Resolver, rec: dict, year_hint: int | None) -> object:
    text = fold_text(value)
    if col.type in ("stations", "rooms", "event_types", "areas"):
        return _list(col, value, units, rec)
    if col.type == "code_text":
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}", text):
            raise CellProblem("bad_project_code")
        return text
    if col.type == "project":
        if text not in units.projects:
            raise CellProblem("unknown_project")
        return text
    if col.type == "money":
        q = parse_quantity(value)
        if q is None:
            raise CellProblem(f"missing_{col.name}")
        fen = q.value * 100
        if fen != fen.to_integral_value():
            raise CellProblem("money_precision")
        if fen < 0:
            raise CellProblem("negative_amount")
        if fen > MAX_FEN:
            raise CellProblem("too_large")
        return int(fen)
    if col.type == "station":
        code = units(text, value, "station")
        if code is None:
            raise CellProblem("unknown_station")
        return code
    if col.type == "room":
        code = units(text, value, "room", rec.get("station"))
        if code is None:
            raise CellProblem("unknown_village")
        return code
    if col.type == "code":
        if not (len(text) == 12 and text.isdigit()):
            raise CellProblem("not_a_12_digit_code")
        return text
    if col.type in ("int", "float"):
        q = parse_quantity(value)
        if q is None:
            raise CellProblem(f"missing_{col.name}")
        if abs(q.value) > MAX_NUMBER:
            raise CellProblem("too_large")
        number = float(q.value)
        if col.type == "int" and not number.is_integer():
            raise CellProblem("not_integer")
        if col.range and not col.range[0] <= number <= col.range[1]:
            raise CellProblem("out_of_range")
        return int(number) if col.type == "int" else number
    if col.type == "date":
        day = parse_date(value, year_hint=year_hint)
        if day is None:
            raise CellProblem(f"missing_{col.name}")
        return pd.Timestamp(day)
    if col.type == "bool":
        low = text.lower()
        if low in TRUE:
            return True
        if low in FALSE:
            return False
        raise CellProblem("not_yes_no")
    if col.allowed:
        folded = {fold_text(a): a for a in col.allowed}
        if text not in folded:
            raise CellProblem("unknown_value")
        text = folded[text]
    return _MAP.get(text, text)


def import_input(
    kind: str,
    path: Path,
    *,
    workspace: Workspace,
    org_units: OrgUnits | None = None,
    pseudonymiser: Pseudonymiser | None = None,
) -> InputSummary:
    """Import one input file of ``kind`` (a key of :data:`SPECS`); see the module docstring.

    Returns:
        The :class:`InputSummary` (also written to ``inputs/quality/<kind>.json``).

    Raises:
        DatasetError: unknown kind, unreadable file, or no header naming the required columns
            (the message lists them). Bad rows are rejected with a reason, never raised.
    """
    if kind not in SPECS:
        raise DatasetError(
            f"unknown input kind {kind!r}: use one of {', '.join(SPECS)}", Location(Path(path).name)
        )
    spec = SPECS[kind]
    units = _Resolver(org_units or OrgUnits.read_csv(workspace.org_units_file), workspace)
    pseudo = pseudonymiser or Pseudonymiser(load_key())
    summary = InputSummary(kind, Path(path).name)
    records: list[dict] = []
    rejects: list[dict] = []
    seen: set[str] = set()
    for sheet in read_sheets(Path(path)):
        found = _find_header(sheet.rows, spec)
        if found is None:
            if any(not is_blank(v) for r in sheet.rows for v in r):
                need = ", ".join(f"{c.labels[1]} ({c.name})" for c in spec if c.required)
                raise DatasetError(
                    f"no header row naming the columns {need}", Location(sheet.file, sheet.sheet)
                )
            continue
        header_row, where = found
        head = sheet.rows[header_row]

        def shown(name: str, where=where, head=head) -> str:  # the column as the file names it
            j = where.get(name)
            if j is None:
                return column_label(spec, name)
            text = head[j] if j < len(head) and not is_blank(head[j]) else column_label(spec, name)
            return f"{column_letter(j)} {str(text).strip()}"

        hint = next((int(t) for t in re.findall(r"20\d\d", f"{sheet.file} {sheet.sheet}")), None)
        for r in range(header_row + 1, len(sheet.rows)):
            row = sheet.rows[r]
            cells = {
                c.name: (
                    row[where[c.name]] if c.name in where and where[c.name] < len(row) else None
                )
                for c in spec
            }
            summary.rows_read += 1
            if all(is_blank(v) for v in cells.values()):
                summary.skipped_blank += 1
                continue
            rec: dict = {}
            problems: list[tuple[str, str, object]] = []
            for c in spec:
                value = cells[c.name]
                try:
                    parsed = None if is_blank(value) else _parse(c, value, units, rec, hint)
                except CellProblem as e:
                    problems.append((c.name, e.reason, "[personal]" if c.personal else value))
                    parsed = None
                if parsed is None and c.required and not any(p[0] == c.name for p in problems):
                    problems.append((c.name, f"missing_{c.name}", ""))
                rec[c.name] = parsed
            if not problems:
                problems = _row_problems(kind, rec, units, seen)
            if problems:
                for name, reason, value in problems[:1]:
                    rejects.append(
                        {
                            "file": sheet.file,
                            "sheet": sheet.sheet,
                            "row": r + 1,
                            "column": shown(name),
                            "reason": reason,
                            "message": reason_message(reason),
                            "value": "" if value is None else scrub(str(value)),
                            "all_reasons": ";".join(f"{p[0]}:{p[1]}" for p in problems),
                        }
                    )
                continue
            for c in spec:
                if c.personal:
                    rec[f"{c.name}_pid"] = pseudo.pseudonym(c.personal, rec.pop(c.name))
                elif c.type == "station":
                    rec["station_code"] = rec.pop(c.name)
            rec["_row"] = (sheet.sheet, r + 1)
            records.append(rec)
    frame = pd.DataFrame.from_records(records, columns=[*(table_schema(spec).columns), "_row"])
    frame = typed_frame(frame, spec)
    try:
        frame = table_schema(spec).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as e:
        bad = sorted({int(i) for i in e.failure_cases["index"].dropna()})
        for i in bad:
            case = e.failure_cases[e.failure_cases["index"] == i].iloc[0]
            sheet_name, row_no = frame.at[i, "_row"]
            rejects.append(
                {
                    "file": summary.file,
                    "sheet": sheet_name,
                    "row": row_no,
                    "column": column_label(spec, str(case["column"])),
                    "reason": "schema_check",
                    "message": reason_message("schema_check"),
                    "value": "",
                    "all_reasons": str(case["check"]),
                }
            )
        frame = frame.drop(index=bad).reset_index(drop=True)
    frame = _derive(frame.drop(columns="_row"), kind)
    summary.accepted, summary.rejected = len(frame), len(rejects)
    for rj in rejects:
        summary.rejected_by_reason[rj["reason"]] = (
            summary.rejected_by_reason.get(rj["reason"], 0) + 1
        )
    assert summary.rows_read == summary.accepted + summary.rejected + summary.skipped_blank
    _write(workspace, kind, frame, rejects, summary)
    return summary


def _row_problems(
    kind: str, rec: dict, units: _Resolver, seen: set[str]
) -> list[tuple[str, str, object]]:
    """Checks across the columns of one row: a project's dates in order and its code unique in the
    file, a spending dated within its project's period (issue 8); a staff member's id unique in
    the roster and the end date not before the start (issue 16)."""
    if kind == "roster":
        start, end = rec.get("start_date"), rec.get("end_date")
        if start is not None and end is not None and end < start:
            return [("end_date", "end_before_start", end.date())]
        if rec["staff_id"] in seen:
            return [("staff_id", "duplicate_staff_id", rec["staff_id"])]
        seen.add(rec["staff_id"])
    if kind == "projects":
        if rec["end_date"] < rec["start_date"]:
            return [("end_date", "end_before_start", rec["end_date"].date())]
        if rec["project_code"] in seen:
            return [("project_code", "duplicate_project_code", rec["project_code"])]
        seen.add(rec["project_code"])
    if kind == "project_spending":
        start, end = units.projects[rec["project_code"]]
        if not start <= rec["date"] <= end:
            return [("date", "date_outside_project", rec["date"].date())]
    return []


def _derive(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Add ``year`` (from the kind's date) where the file has no year column."""
    date_col = {
        "training": "date",
        "survey": "date",
        "organisations": "date",
        "case_outcomes": "closed_date",
        "groups": "start_date",
        "projects": "start_date",
        "project_spending": "date",
    }.get(kind)
    if date_col and "year" not in frame.columns:
        frame["year"] = frame[date_col].dt.year.astype("Int64")
    return frame


def _write(
    ws: Workspace, kind: str, frame: pd.DataFrame, rejects: list[dict], summary: InputSummary
) -> None:
    out, rej, qual = (
        input_path(ws, kind),
        ws.inputs / "rejects" / f"{kind}.csv",
        ws.inputs / "quality" / f"{kind}.json",
    )
    for p in (out, rej, qual):
        p.parent.mkdir(parents=True, exist_ok=True)
    if qual.is_file() and out.is_file():  # one file per kind: this import replaces the earlier one
        try:
            earlier = json.loads(qual.read_text(encoding="utf-8"))
            summary.replaced = {"file": earlier["file"], "accepted": int(earlier["accepted"])}
        except (ValueError, KeyError, TypeError):
            summary.replaced = {"file": None, "accepted": None}
    atomic.write_with(out, lambda p: frame.to_parquet(p, index=False))
    cols = ["file", "sheet", "row", "column", "reason", "message", "value", "all_reasons"]
    atomic.write_with(
        rej,
        lambda p: pd.DataFrame(rejects, columns=cols).to_csv(p, index=False, encoding="utf-8-sig"),
    )
    summary.outputs = {
        k: str(v.relative_to(ws.root))
        for k, v in (("accepted", out), ("rejects", rej), ("quality", qual))
    }
    atomic.write_text(qual, json.dumps(asdict(summary), ensure_ascii=False, indent=2))


def import_inputs(workspace: Workspace, kinds: list[str] | None = None) -> dict[str, InputSummary]:
    """Import every input file present in ``inputs/`` (:data:`FILES`); missing ones are skipped.

    Returns ``{kind: InputSummary}``. Raises what :func:`import_input` raises.
    """
    units = OrgUnits.read_csv(workspace.org_units_file)
    pseudo = Pseudonymiser(load_key())
    done = {}
    for kind in kinds or list(SPECS):
        path = workspace.inputs / FILES[kind]
        if path.exists():
            done[kind] = import_input(
                kind, path, workspace=workspace, org_units=units, pseudonymiser=pseudo
            )
    return done
