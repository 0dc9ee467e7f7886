"""Normalise one ledger data row into a canonical record, collecting every problem with its
reason code (:data:`REASONS`, shown to stations in zh-CN and en) and every warning about a row
kept (:data:`WARNINGS`)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from shegong.ledger.normalise import CellProblem, fold_text, is_blank, parse_date, parse_quantity
from shegong.ledger.privacy import Pseudonymiser, id_checksum_ok, scrub
from shegong.ledger.profiles import PERSONAL, Profile
from shegong.ledger.reasons import REASONS, WARNINGS
from shegong.ledger.structure import HeaderMap, column_letter
from shegong.ledger.vocabulary import (
    BREAKDOWNS,
    LABELS_ZH,
    UNMAPPED,
    VOCABULARIES,
    fold_label,
)
from shegong.orgunits import LEDGER_UNIT_TYPES, OrgUnits

__all__ = ["LIMITS", "REASONS", "WARNINGS", "RowReader", "reject_record"]

EARLIEST = dt.date(2000, 1, 1)

#: words in 村（社区） that mean the station itself: no warning
_OWN_LEVEL_WORDS = {"本级", "站本级", "本站", "全镇", "全乡", "全街道", "全苏木", "辖区", "无"}


#: the largest value a count or amount column may hold (as in the ledger schema, :mod:`.schema`)
LIMITS = {
    "person_times": 100_000,
    "persons": 100_000,
    "volunteers": 10_000,
    "volunteer_hours": 100_000,
    "resources_yuan": 10_000_000_000,
}


_STAFF_SPLIT = re.compile(r"[、,，;；/\s]+")
_STAFF_CODE = re.compile(r"[A-Za-z]{1,4}-?\d{1,6}")


def _key(text: object) -> str:
    return "".join(fold_text(text).split())


class RowReader:
    """Normalises data rows of one sheet under one profile into ledger records."""

    def __init__(
        self, org_units: OrgUnits, pseudonymiser: Pseudonymiser, today: dt.date, profile: Profile
    ) -> None:
        self.org_units = org_units
        self.pseudo = pseudonymiser
        self.today = today
        self.profile = profile
        self.maps = {
            name: {_key(k): v for k, v in m.items()} for name, m in profile.value_maps.items()
        }
        # the vocabularies of datasets/vocabularies/, extended by the profile's value_maps
        self.vocabs = {
            name: vocab.extended(profile.value_maps.get(name, {}))
            for name, vocab in VOCABULARIES.items()
        }
        self._own = {
            name: {fold_label(k) for k in profile.value_maps.get(name, {})} for name in VOCABULARIES
        }
        self._labels: dict[str, dict[object, tuple]] = {}
        self._rooms: dict[tuple[str, str], str | None] = {}
        self._stations: dict[str, str | None] = {}
        self._names: dict[str, str] = {}
        self._pids: dict[tuple, tuple[str | None, str | None]] = {}
        self.fixes: dict[str, int] = {}
        self.examples: dict[str, list[str]] = {}
        self.warnings: dict[str, int] = {}
        self.warning_examples: dict[str, list[str]] = {}
        #: (column, label as written) → [rows, first places]
        self.unmapped: dict[tuple[str, str], list] = {}
        #: rows whose stated total disagrees with its parts (accepted rows only)
        self.mismatches: list[dict] = []
        self.sheet, self.row = "", 0
        #: the sheet's workbook counts serial dates from 1904 (set per sheet by the importer)
        self.epoch_1904 = False
        self._pending: list[tuple[str, str | None]] | None = None
        self.where = ""

    def note_fix(self, what: str, example: str | None = None) -> None:
        """Count a fix applied (kind → count) and keep up to three examples (never personal
        data)."""
        self.fixes[what] = self.fixes.get(what, 0) + 1
        shown = self.examples.setdefault(what, [])
        if len(shown) < 3:
            shown.append(scrub(f"{self.where}: {example}") if example else self.where)

    def warn(self, what: str, example: str | None = None) -> None:
        """Count a warning (code of :data:`WARNINGS`) with up to three examples (never personal).
        Inside :meth:`read` it counts only when the row is accepted."""
        if self._pending is not None:
            self._pending.append((what, example))
            return
        self.warnings[what] = self.warnings.get(what, 0) + 1
        shown = self.warning_examples.setdefault(what, [])
        if len(shown) < 3:
            shown.append(scrub(f"{self.where}: {example}") if example else self.where)

    def _commit(self, accepted: bool) -> None:
        pending, self._pending = self._pending or [], None
        if not accepted:
            return
        for what, example in pending:
            if what.startswith("unmapped:"):
                entry = self.unmapped.setdefault((what[9:], example or ""), [0, []])
                entry[0] += 1
                if len(entry[1]) < 5:
                    entry[1].append(self.where)
                what = "unmapped_label"
            self.warn(what, example)

    def unmapped_labels(self) -> list[dict]:
        """Every breakdown label that mapped to nothing: ``column``, ``label`` (as written, phone
        and ID numbers masked), ``rows`` (n), ``where`` (up to five ``sheet!row``), ``suggestion``
        (a code or None), ``suggestion_label`` (its zh label) and ``candidates`` (codes it names
        when it names several), most frequent first."""
        out = []
        for (column, label), (rows, where) in self.unmapped.items():
            code, candidates = self.vocabs[column].suggest(label)
            out.append(
                {
                    "column": column,
                    "label": label,
                    "rows": rows,
                    "where": where,
                    "suggestion": code,
                    "suggestion_label": LABELS_ZH.get(code) if code else None,
                    "candidates": list(candidates),
                }
            )
        return sorted(out, key=lambda u: (-u["rows"], u["column"], u["label"]))

    def count(self, value: object, name: str, problems: list, *, required: bool = False) -> int:
        """The cell as a non-negative whole count (0 when blank or bad); appends ``(name, reason)``
        to ``problems`` for a bad, negative, fractional or too large value (or a missing required
        one)."""
        try:
            q = parse_quantity(value)
        except CellProblem as e:
            problems.append((name, e.reason))
            return 0
        if q is None:
            if required:
                problems.append((name, f"missing_{name}"))
            return 0
        if not isinstance(value, (int, float)):
            self.note_fix(
                "number_text",
                f"{value} → {q.value.normalize():f}{' ' + q.qualifier if q.qualifier else ''}",
            )
        if q.value < 0:
            problems.append((name, "negative_number"))
            return 0
        if q.value != q.value.to_integral_value():
            problems.append((name, "not_integer"))
            return 0
        if q.value > LIMITS[name]:
            problems.append((name, "too_large"))
            return 0
        return int(q.value)

    def amount(self, value: object, name: str, problems: list) -> Decimal:
        """The cell as a non-negative exact amount (``Decimal``, 0 when blank or bad); appends
        ``(name, reason)`` to ``problems`` for a bad, negative or too large value."""
        try:
            q = parse_quantity(value)
        except CellProblem as e:
            problems.append((name, e.reason))
            return Decimal(0)
        if q is None:
            return Decimal(0)
        if not isinstance(value, (int, float)):
            self.note_fix("number_text", f"{value} → {q.value.normalize():f}")
        if q.value < 0:
            problems.append((name, "negative_number"))
            return Decimal(0)
        if q.value > LIMITS[name]:
            problems.append((name, "too_large"))
            return Decimal(0)
        return q.value

    def label(self, name: str, value: object, problems: list) -> str | None:
        """The code of a vocabulary label (None for blank). An unknown service type is a problem
        (it decides how the event counts); an unknown breakdown label is :data:`UNMAPPED`, kept
        with the label as written and counted in a warning."""
        if is_blank(value):
            return None
        cache = self._labels.setdefault(name, {})
        hit = cache.get(value)
        if hit is None:
            key = fold_label(value)
            code = self.vocabs[name].lookup(value)
            own = key in self._own[name]
            standard = code is not None and key == fold_label(LABELS_ZH.get(code, ""))
            hit = cache[value] = (code, own, standard)
        code, own, standard = hit
        if own:
            self.note_fix(f"value_map:{name}", f"{value} → {LABELS_ZH.get(code, code)}")
        elif code is not None and not standard and code != fold_label(value):
            self.note_fix(f"synonym:{name}", f"{value} → {LABELS_ZH.get(code, code)}")
        if code is None:
            if name not in BREAKDOWNS:
                problems.append((name, f"unknown_{name}"))
                return None
            self.warn(f"unmapped:{name}", scrub(fold_text(value))[:60])
            return UNMAPPED
        return code

    def staff_ids(self, value: object) -> str | None:
        """The 参与社工 cell as staff codes joined by 、: a code such as ``S1`` or ``GZ-012`` is
        kept; anything else (a name, a phone number) becomes its keyed pseudonym ``X-…``, the same
        as the roster's ``name_pid`` of that name."""
        if value is None:
            return None
        tokens = [t for t in _STAFF_SPLIT.split(fold_text(value)) if t]
        return (
            "、".join(
                t if _STAFF_CODE.fullmatch(t) else self.pseudo.pseudonym("staff", t) for t in tokens
            )
            or None
        )

    def station(self, value: object) -> str | None:
        """The org-unit code of the station the cell names (through the profile's value map and
        the station's aliases), ``None`` when it names none; cached per cell text."""
        key = _key(value)
        if key not in self._stations:
            mapped = self.maps.get("station", {}).get(key, value)
            code = self._stations[key] = self.org_units.resolve(mapped, unit_type=LEDGER_UNIT_TYPES)
            self._names[key] = _key(self.org_units.name(code)) if code else ""
        return self._stations[key]

    def read(
        self, row: list[object], header: HeaderMap, year_hint: int | None
    ) -> tuple[dict, list]:
        """The canonical record of ``row`` and its problems ``[(column, reason), …]``."""
        problems: list[tuple[str, str]] = []
        rec: dict = {}
        self._pending = []
        values = dict(
            self.profile.fixed
        )  # every mapped cell once; blanks fall back to fixed values
        n = len(row)
        for name, j in header.columns.items():
            if j < n:
                v = row[j]
                if v is not None and not (isinstance(v, str) and not v.strip()):
                    values[name] = v
        c = values.get

        date = None
        raw_date = c("date")
        try:
            date = parse_date(raw_date, year_hint=year_hint, epoch_1904=self.epoch_1904)
            if date is None:
                problems.append(("date", "missing_date"))
            elif not EARLIEST <= date <= self.today:
                problems.append(("date", "date_out_of_range"))
            elif not isinstance(raw_date, dt.date):
                self.note_fix(
                    "date_text" if isinstance(raw_date, str) else "date_serial",
                    f"{raw_date} → {date.isoformat()}",
                )
        except CellProblem as e:
            problems.append(("date", e.reason))
        rec["date"] = date

        station = None
        if c("station") is None:
            problems.append(("station", "missing_station"))
        else:
            station = self.station(c("station"))
            if station is not None and self._names[_key(c("station"))] != _key(c("station")):
                self.note_fix("station_alias", f"{c('station')} → {station}")
            if station is None:
                problems.append(("station", "unknown_station"))
        room = None
        if station is not None and c("village") is not None:
            key = (station, _key(c("village")))
            if key not in self._rooms:
                self._rooms[key] = self.org_units.resolve(
                    c("village"), unit_type="room", parent=station
                )
            room = self._rooms[key]
            village = _key(c("village"))
            if room is None and village not in _OWN_LEVEL_WORDS:
                self.warn("unknown_village", village[:40])
        rec.update(station_code=station, room_code=room, org_unit=room or station)

        for name in ("event_type", "service_area", "client_category", "resource_kind"):
            rec[name] = self.label(name, c(name), problems)
            if name in BREAKDOWNS:
                rec[f"{name}_label"] = (
                    scrub(fold_text(c(name)))[:60] if rec[name] == UNMAPPED else None
                )
        if rec["event_type"] is None and not any(p[0] == "event_type" for p in problems):
            problems.append(("event_type", "missing_event_type"))

        mismatch = self.person_times(row, header, c("person_times"), rec, problems)
        if "persons" in header.sums:
            parts = [row[j] if j < len(row) else None for j in header.sums["persons"]]
            given = [p for p in parts if not is_blank(p)]
            rec["persons"] = (
                sum(self.count(p, "persons", problems) for p in given) if given else None
            )
        else:
            persons = c("persons")
            rec["persons"] = None if persons is None else self.count(persons, "persons", problems)
        rec["volunteers"] = self.count(c("volunteers"), "volunteers", problems)
        rec["volunteer_hours"] = float(
            self.amount(c("volunteer_hours"), "volunteer_hours", problems)
        )
        yuan = self.amount(c("resources_yuan"), "resources_yuan", problems)
        fen = yuan * 100
        if fen != fen.to_integral_value():
            problems.append(("resources_yuan", "money_precision"))
        rec["resources_fen"] = int(fen)

        raw_id, name, household = c("id_number"), c("client_name"), c("household_no")
        key = (raw_id, name, household)
        if key not in self._pids:  # the same person recurs: hash once (kept in memory only)
            self._pids[key] = (
                self.pseudo.pseudonym("household", household),
                self.pseudo.person(raw_id, name, household),
            )
        rec["household_pid"], rec["client_pid"] = self._pids[key]
        rec["id_checksum_ok"] = None if raw_id is None else id_checksum_ok(str(raw_id))
        if rec["id_checksum_ok"] is False:
            self.note_fix("id_checksum_invalid")
        if rec["event_type"] == "home_visit" and rec["household_pid"] is None:
            problems.append(("household_no", "missing_household"))

        rec["staff_ids"] = self.staff_ids(c("staff"))
        rec["has_note"] = c("note") is not None
        for name in (
            "project_code",
            "programme",
        ):  # issue 8: optional, as written (codes, not personal data)
            value = c(name)
            rec[name] = None if value is None else fold_text(value) or None
        if mismatch is not None and not problems:
            self.mismatches.append(mismatch)
            self.warn(
                "beneficiaries_disagree", f"{mismatch['stated']:g} ≠ {mismatch['parts_sum']:g}"
            )
        self._commit(not problems)
        return rec, problems

    def person_times(
        self, row: list[object], header: HeaderMap, stated: object, rec: dict, problems: list
    ) -> dict | None:
        """Fill ``person_times`` and ``pt_qualifier`` of ``rec``.

        Where the profile lists beneficiary parts (``sum_columns.person_times``: 男性, 女性, 男童,
        女童 …) and the row fills any, person-times are their sum, and a stated total (the
        ``columns.person_times`` cell) that differs is returned as a disagreement (``sheet``,
        ``row``, ``stated``, ``parts_sum``). A row without parts counts its stated total; a stated
        total of 0 without parts (a formula zero) is kept as 0 person-times with a warning."""
        parts_j = header.sums.get("person_times")
        given = [] if parts_j is None else [row[j] for j in parts_j if j < len(row)]
        given = [p for p in given if not is_blank(p)]
        if given:
            before = len(problems)
            total = sum(self.count(p, "person_times", problems) for p in given)
            rec["pt_qualifier"] = None
            if total > LIMITS["person_times"]:
                problems.append(("person_times", "too_large"))
            rec["person_times"] = total
            if len(problems) > before or stated is None:
                return None
            try:
                q = parse_quantity(stated)
            except CellProblem:
                q = None
            if q is not None and q.value != total:
                return {
                    "sheet": self.sheet,
                    "row": self.row,
                    "column": header.describe("person_times"),
                    "stated": float(q.value),
                    "parts_sum": float(total),
                }
            return None
        rec["person_times"] = self.count(stated, "person_times", problems, required=True)
        if parts_j is not None and rec["person_times"] == 0 and stated is not None:
            self.warn("no_beneficiaries")
        q = None
        try:
            q = parse_quantity(stated)
        except CellProblem:
            pass
        rec["pt_qualifier"] = q.qualifier if q is not None else None
        return None


def reject_record(
    file: str, sheet: str, header: HeaderMap, excel_row: int, row: list[object], problems: list
) -> dict:
    """One line of the rejects file; personal values are replaced by ``[已隐去]``."""
    column, reason = problems[0]
    j = header.columns.get(column)
    value = None if j is None or j >= len(row) else row[j]
    if column in PERSONAL:
        shown = "[已隐去]" if value is not None else ""
    else:
        shown = "" if value is None else scrub(str(value))
    label = header.labels.get(column, column)
    return {
        "file": file,
        "sheet": sheet,
        "row": excel_row,
        "column": f"{column_letter(j)} {label}" if j is not None else label,
        "reason": reason,
        "message": REASONS.get(reason, (reason, reason))[0],
        "value": shown,
        "all_reasons": ";".join(f"{col}:{r}" for col, r in problems),
    }
