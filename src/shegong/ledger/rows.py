"""Normalise one ledger data row into a canonical record, collecting every problem with its
reason code (the rejection reasons shown to stations, zh-CN and en)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from shegong.ledger.normalise import CellProblem, fold_text, is_blank, parse_date, parse_quantity
from shegong.ledger.privacy import Pseudonymiser, id_checksum_ok, scrub
from shegong.ledger.profiles import PERSONAL, Profile
from shegong.ledger.structure import HeaderMap, column_letter
from shegong.ledger.vocabulary import CLIENT_CATEGORIES, EVENT_TYPES, RESOURCE_KINDS, SERVICE_AREAS
from shegong.orgunits import OrgUnits

EARLIEST = dt.date(2000, 1, 1)

#: reason code → message shown to the station (zh-CN, en).
REASONS: dict[str, tuple[str, str]] = {
    "missing_date": ("服务日期为空", "service date is empty"),
    "invalid_date": ("服务日期不是有效日期", "service date is not a valid date"),
    "ambiguous_date": (
        "服务日期有歧义（如 6.3），请写成 2021年6月3日",
        "ambiguous date (such as 6.3): write 2021-06-03",
    ),
    "date_out_of_range": ("服务日期不在合理范围（2000年至今）", "service date outside 2000…today"),
    "missing_station": ("所属站点为空", "station is empty"),
    "unknown_station": ("所属站点不在组织单元文件中", "station is not in the org-unit file"),
    "missing_event_type": ("服务类型为空", "service type is empty"),
    "unknown_event_type": (
        "服务类型不在标准列表中，也不在映射配置中",
        "service type is neither standard nor mapped in the profile",
    ),
    "unknown_service_area": (
        "服务领域不在标准列表中，也不在映射配置中",
        "service area is neither standard nor mapped in the profile",
    ),
    "unknown_client_category": (
        "对象类别不在标准列表中",
        "client category is not in the standard list",
    ),
    "unknown_resource_kind": ("资源类型应为 现金 或 物资", "resource type must be 现金 or 物资"),
    "missing_person_times": ("服务人次为空", "person-times is empty"),
    "invalid_number": ("不是数字", "not a number"),
    "not_integer": ("人数、人次须为整数", "counts must be whole numbers"),
    "negative_number": ("不能为负数", "must not be negative"),
    "money_precision": ("金额最多两位小数（分）", "money has more than two decimals"),
    "missing_household": ("入户走访须填写户编号", "a home visit needs a household number"),
    "month_summary": (
        "月度汇总行（无活动日期），不是单次服务记录",
        "a month-summary row (no date), not a service event",
    ),
    "no_activity": ("没有活动日期和活动类型的行", "a row with neither a date nor an activity"),
    "stray_numbers": (
        "表格外的零散数字（无日期、无活动）",
        "stray numbers outside the table (no date, no activity)",
    ),
    "schema_check": ("未通过台账结构校验", "failed the ledger schema check"),
    "too_large": (
        "数值过大，超出合理范围（多写了位数，或填入了电话、身份证号？）",
        "number too large for this column (extra digits, or a phone or ID number?)",
    ),
}

_VOCABULARIES = {
    "event_type": (EVENT_TYPES, "unknown_event_type"),
    "service_area": (SERVICE_AREAS, "unknown_service_area"),
    "client_category": (CLIENT_CATEGORIES, "unknown_client_category"),
    "resource_kind": (RESOURCE_KINDS, "unknown_resource_kind"),
}


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
        # a mapped label may name our Chinese label or our code directly
        self._folded = {
            name: {_key(k): c for k, c in {**v, **{code: code for code in v.values()}}.items()}
            for name, (v, _r) in _VOCABULARIES.items()
        }
        self._labels: dict[str, dict[object, tuple]] = {}
        self._rooms: dict[tuple[str, str], str | None] = {}
        self._stations: dict[str, str | None] = {}
        self._names: dict[str, str] = {}
        self._pids: dict[tuple, tuple[str | None, str | None]] = {}
        self.fixes: dict[str, int] = {}
        self.examples: dict[str, list[str]] = {}
        self.where = ""

    def note_fix(self, what: str, example: str | None = None) -> None:
        """Count a fix applied (kind → count) and keep up to three examples (never personal
        data)."""
        self.fixes[what] = self.fixes.get(what, 0) + 1
        shown = self.examples.setdefault(what, [])
        if len(shown) < 3:
            shown.append(scrub(f"{self.where}: {example}") if example else self.where)

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
        """The vocabulary code of the cell for column ``name`` (through the profile's value map),
        ``None`` when blank; appends ``(name, reason)`` to ``problems`` for an unknown label."""
        if is_blank(value):
            return None
        cache = self._labels.setdefault(name, {})
        hit = cache.get(value)
        if hit is None:
            _vocab, reason = _VOCABULARIES[name]
            key = _key(value)
            mapped = self.maps.get(name, {}).get(key)
            code = self._folded[name].get(_key(mapped) if mapped is not None else key)
            hit = cache[value] = (code, mapped, reason)
        code, mapped, reason = hit
        if mapped is not None:
            self.note_fix(f"value_map:{name}", f"{value} → {mapped}")
        if code is None:
            problems.append((name, reason))
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
            code = self._stations[key] = self.org_units.resolve(mapped, unit_type="station")
            self._names[key] = _key(self.org_units.name(code)) if code else ""
        return self._stations[key]

    def read(
        self, row: list[object], header: HeaderMap, year_hint: int | None
    ) -> tuple[dict, list]:
        """The canonical record of ``row`` and its problems ``[(column, reason), …]``."""
        problems: list[tuple[str, str]] = []
        rec: dict = {}
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
            date = parse_date(raw_date, year_hint=year_hint)
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
        rec.update(station_code=station, room_code=room, org_unit=room or station)

        for name in ("event_type", "service_area", "client_category", "resource_kind"):
            rec[name] = self.label(name, c(name), problems)
        if rec["event_type"] is None and not any(p[0] == "event_type" for p in problems):
            problems.append(("event_type", "missing_event_type"))

        rec["person_times"] = self.count(c("person_times"), "person_times", problems, required=True)
        q = None
        try:
            q = parse_quantity(c("person_times"))
        except CellProblem:
            pass
        rec["pt_qualifier"] = q.qualifier if q is not None else None
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
        return rec, problems


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
