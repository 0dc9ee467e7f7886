"""Seeded demo inputs: the org units, staff roster and 2021 service ledgers of 兴安盟.

:func:`generate_demo_inputs` writes synthetic but realistic input files whose *valid* ledger
rows reproduce exactly the figures the 2022 newspaper page reports for Xing'an League
(DOMAIN.md §5): 1493 households visited (D1), 231 case files (D3a), 20 cases (D4a), 43 group
sessions (D5b), 57 themed events (D6), 17,000 元 of charitable resources (F3) and 13,600 人次
(D7a). The same seed gives the same cell contents on every run and machine (``random.Random``,
never ``hash()``; workbook timestamps are fixed).

Every person, ID number, phone number, household and code below the county is synthetic; see
``datasets/demo/README.md`` for the data sheet.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.writer.excel import ExcelWriter

from shegong.atomic import write_with
from shegong.errors import ShegongError
from shegong.ledger.template import TEMPLATE_HEADER

PILOT_YEAR = 2021

#: Published Xing'an League figures the valid ledger rows reproduce (DOMAIN.md §5).
PUBLISHED_FIGURES: dict[str, float] = {
    "D1": 1493.0,
    "D3a": 231.0,
    "D4a": 20.0,
    "D5b": 43.0,
    "D6": 57.0,
    "F3": 17000.0,
    "D7a": 13600.0,
}

#: Header of the standard service-ledger template, in column order (the template's own).
LEDGER_HEADER: tuple[str, ...] = TEMPLATE_HEADER
ORG_UNIT_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "parent_code",
    "level",
    "unit_type",
    "aliases",
    "opening_date",
    "pilot_batch",
)
ROSTER_COLUMNS: tuple[str, ...] = (
    "staff_id",
    "station_code",
    "name",
    "role",
    "employment",
    "qualification",
    "certificate_year",
    "start_date",
    "end_date",
)

#: Rows written on purpose that an importer must reject, by defect (each row has one defect).
REJECTED_ROWS: dict[str, int] = {"unknown_service_type": 9, "invalid_date": 9, "unknown_station": 9}

_FIXED_TIME = datetime(2022, 1, 10, 9, 0, 0)
_NO_CATEGORY = ("小组活动", "主题活动", "需求调研", "志愿服务")
# (code, name, alias, townships, size factor)
COUNTIES: tuple[tuple[str, str, str, tuple[str, str, str], float], ...] = (
    ("152201000000", "乌兰浩特市", "", ("和平街道", "都林街道", "义勒力特镇"), 1.4),
    ("152202000000", "阿尔山市", "", ("温泉街道", "白狼镇", "五岔沟镇"), 0.5),
    ("152221000000", "科尔沁右翼前旗", "科右前旗", ("科尔沁镇", "索伦镇", "居力很镇"), 1.2),
    ("152222000000", "科尔沁右翼中旗", "科右中旗", ("巴彦呼舒镇", "高力板镇", "吐列毛杜镇"), 1.0),
    ("152223000000", "扎赉特旗", "", ("音德尔镇", "新林镇", "好力保镇"), 1.1),
    ("152224000000", "突泉县", "", ("突泉镇", "六户镇", "东杜尔基镇"), 0.9),
)
_CSV_COUNTY = "突泉县"
_COMMUNITY_STEMS = (
    "和顺",
    "兴安",
    "五一",
    "团结",
    "新城",
    "铁西",
    "花园",
    "民主",
    "友谊",
    "罕山",
    "向阳",
    "康宁",
    "文化",
    "振兴",
    "泉城",
    "雪原",
)
VILLAGE_STEMS = (
    "前进",
    "新民",
    "永安",
    "太平",
    "东升",
    "富民",
    "兴隆",
    "长山",
    "同兴",
    "双河",
    "德胜",
    "新立",
    "红光",
    "丰收",
    "平安",
    "集贤",
    "福兴",
    "保安",
)
_GACHA_STEMS = (
    "白音",
    "巴彦",
    "乌兰",
    "哈达",
    "宝力高",
    "查干",
    "额尔敦",
    "阿拉坦",
    "赛罕",
    "那仁",
    "呼和",
    "图门",
    "温都尔",
    "乌力吉",
    "巴音",
    "格日勒",
)
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹于董田"
_MONGOL_SURNAMES = "包白吴韩宝敖佟金"
_GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂芝玉凤华建国志红春梅海林"
_MONGOL_GIVEN = (
    "巴特尔",
    "其其格",
    "乌力吉",
    "额尔敦",
    "斯琴",
    "萨仁",
    "图雅",
    "苏和",
    "格日勒",
    "娜仁",
    "宝音",
    "乌云",
    "孟和",
    "朝鲁",
    "阿拉坦仓",
    "白乙拉",
)
_CATEGORY_WEIGHTS = {
    "低保": 20,
    "特困": 8,
    "留守儿童": 12,
    "困境儿童": 6,
    "残疾人": 12,
    "独居老人": 12,
    "空巢老人": 15,
    "一般居民": 15,
}
_AREA_OF = {
    "低保": "社会救助",
    "特困": "社会救助",
    "留守儿童": "儿童关爱",
    "困境儿童": "儿童关爱",
    "残疾人": "社会事务",
    "独居老人": "养老服务",
    "空巢老人": "养老服务",
    "一般居民": "社区治理",
}
_AREAS = ("社会救助", "养老服务", "儿童关爱", "社会事务", "社区治理")
_MONTH_WEIGHTS = (0.6, 0.5, 1.0, 1.0, 1.1, 1.0, 0.9, 0.9, 1.1, 1.0, 1.1, 0.8)
_NOTES = {
    "入户走访": ("电话预约后上门", "与网格员同行", "已告知救助政策", "与村委会干部同行"),
    "建档": ("已签署知情同意书", "纸质档案已归档"),
    "个案开案": ("已完成预估",),
    "个案跟进": ("按计划推进", "督导后调整计划"),
    "个案结案": ("目标达成",),
    "主题活动": ("与村委会联合开展", "节日主题活动"),
    "需求调研": ("问卷调研", "座谈会"),
    "志愿服务": ("环境整治", "助老服务"),
    "资源链接": ("爱心企业捐赠", "慈善超市物资", "公益项目资金"),
    "转介": ("转介至乡镇卫生院", "转介至民政所"),
}
# Invalid rows: (defect, bad value, service type written). Dates are (month, day, style).
_BAD_TYPES = (
    "慰问",
    "走访慰问",
    "其他活动",
    "节日慰问",
    "送温暖",
    "走访慰问",
    "其他活动",
    "探访",
    "慰问",
)
_BAD_TYPE_AS = (
    "入户走访",
    "入户走访",
    "主题活动",
    "入户走访",
    "入户走访",
    "入户走访",
    "小组活动",
    "入户走访",
    "主题活动",
)
_BAD_DATES = (
    (2, 30, "cn"),
    (13, 5, "dot"),
    (4, 31, "cn"),
    (6, 31, "slash"),
    (2, 29, "iso"),
    (9, 31, "cn"),
    (11, 31, "dot"),
    (13, 2, "cn"),
    (6, 31, "cn"),
)
_BAD_DATE_AS = (
    "入户走访",
    "主题活动",
    "建档",
    "资源链接",
    "小组活动",
    "个案开案",
    "入户走访",
    "入户走访",
    "入户走访",
)
BAD_STATIONS = (
    "幸福镇社工站",
    "红旗街道社工站",
    "胜利镇社工站",
    "新华街道社工站",
    "永丰镇社工站",
    "幸福镇社工站",
    "红旗街道社工站",
    "光明镇社工站",
    "东风镇社工站",
)
_BAD_STATION_AS = (
    "入户走访",
    "主题活动",
    "入户走访",
    "小组活动",
    "资源链接",
    "建档",
    "入户走访",
    "个案开案",
    "需求调研",
)
# 服务人次 bounds of the rows whose size is tuned so that Σ 服务人次 is exact.
_PT_BOUNDS = {"主题活动": (30, 150), "需求调研": (10, 80), "志愿服务": (5, 60)}


@dataclass
class _Station:
    code: str
    name: str
    alias: str
    county: int
    villages: list[str]
    staff: list[str] = field(default_factory=list)


@dataclass
class _Person:
    name: str
    id_number: str
    phone: str
    category: str


@dataclass
class _Household:
    hid: str
    station: _Station
    village: str
    members: list[_Person]
    primary: int = 0


@dataclass
class _Row:
    county: int
    day: date  # sort key (and the date written, unless ``bad_date``)
    service_type: str
    area: str
    station_label: str
    village: str = ""
    person: _Person | None = None
    household: str = ""
    category: str = ""
    person_times: int = 1
    staff: str = ""
    volunteers: int | None = None
    volunteer_half_hours: int | None = None
    resource_halves: int | None = None
    resource_kind: str = ""
    note: str = ""
    bad_date: tuple[int, int, str] | None = None


def write_ledgers(rng: random.Random, dest: Path, rows: list[_Row], year: int) -> list[Path]:
    """Write one pilot year's ledgers: five county workbooks and the GB18030 CSV of 突泉县."""
    ledgers: list[Path] = []
    for index, (_code, county, *_rest) in enumerate(COUNTIES):
        mine = sorted((r for r in rows if r.county == index), key=lambda r: r.day)
        if county == _CSV_COUNTY:
            path = dest / "ledger" / f"{county}_{year}台账.csv"
            body = [_cells(rng, r, i, csv_style=True, year=year) for i, r in enumerate(mine, 1)]
            write_with(path, lambda p, b=body: write_csv(p, LEDGER_HEADER, b, "gb18030"))
        else:
            path = dest / "ledger" / f"{county}_{year}台账.xlsx"
            write_with(path, lambda p, c=county, m=mine: _write_workbook(rng, p, c, m, year))
        ledgers.append(path)
    return ledgers


# -- org units and roster --------------------------------------------------------------------
def make_stations(rng: random.Random) -> list[_Station]:
    """The demo's stations, one per township of :data:`COUNTIES`, each with 3–5 seeded villages."""
    stations = []
    for index, (code, _person_name, _alias, townships, _f) in enumerate(COUNTIES):
        for seq, township in enumerate(townships):
            if township.endswith("街道"):
                pool = [s + "社区" for s in _COMMUNITY_STEMS]
            else:
                pool = (
                    [s + "村" for s in VILLAGE_STEMS]
                    + [s + "嘎查" for s in _GACHA_STEMS]
                    + [rng.choice(_COMMUNITY_STEMS) + "社区"]
                )
            villages = rng.sample(pool, rng.randint(3, 5))
            stations.append(
                _Station(
                    f"{code[:6]}{100 + seq}000", f"{township}社工站", township, index, villages
                )
            )
    return stations


def org_unit_rows(stations: list[_Station]) -> list[list[str]]:
    """Rows of the demo's org-unit file: the league, its counties, the stations and their rooms."""
    batch = str(PILOT_YEAR)  # every unit of the demo joined the pilot in 2021 (pilot year 1)
    rows = [["152200000000", "兴安盟", "", "2", "admin", "兴安", "", batch]]
    rows += [[c, n, "152200000000", "3", "admin", a, "", batch] for c, n, a, _t, _f in COUNTIES]
    for k, s in enumerate(stations):
        opened = f"{PILOT_YEAR}-{1 + k % 3:02d}-{1 + 7 * (k % 4):02d}"
        rows.append([s.code, s.name, COUNTIES[s.county][0], "4", "station", s.alias, opened, batch])
        rows += [
            [f"{s.code[:9]}{i:03d}", f"{v}社工室", s.code, "5", "room", v, opened, batch]
            for i, v in enumerate(s.villages, 1)
        ]
    return rows


def roster_rows(rng: random.Random, stations: list[_Station]) -> list[list[str]]:
    """Rows of the demo's staff roster (2–4 staff per station); appends the staff ids to
    the stations' ``staff`` lists."""
    quals = ("助理社会工作师", "社会工作师", "高级社会工作师", "无")
    rows = []
    for s in stations:
        for i in range(1, rng.randint(2, 4) + 1):
            staff_id = f"S{s.code[:9]}-{i:02d}"
            s.staff.append(staff_id)
            qual = rng.choices(quals, weights=(45, 20, 3, 32))[0]
            year = "" if qual == "无" else str(rng.randint(2012, 2021))
            rows.append(
                [
                    staff_id,
                    s.code,
                    person_name(rng),
                    "站长" if i == 1 else "社工",
                    "专职" if i == 1 or rng.random() < 0.6 else "兼职",
                    qual,
                    year,
                    "2021-01-04",
                    "",
                ]
            )
        for i in range(1, rng.randint(3, 8) + 1):
            rows.append(
                [
                    f"V{s.code[:9]}-{i:02d}",
                    s.code,
                    person_name(rng),
                    "志愿者",
                    "兼职",
                    "无",
                    "",
                    "2021-01-04",
                    "",
                ]
            )
    return rows


# -- people ------------------------------------------------------------------------------
def person_name(rng: random.Random) -> str:
    """A seeded fictitious personal name, Han or Mongolian (about one in five)."""
    if rng.random() < 0.22:
        return rng.choice(_MONGOL_SURNAMES) + rng.choice(_MONGOL_GIVEN)
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) of an ID number's first 17 digits."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def _id_number(rng: random.Random, county6: str, born: tuple[int, int], used: set[str]) -> str:
    while True:  # only all-digit numbers (no check character X), never twice
        span = (date(born[1], 12, 31) - date(born[0], 1, 1)).days
        day = date(born[0], 1, 1) + timedelta(days=rng.randint(0, span))
        first17 = f"{county6}{day:%Y%m%d}{rng.randint(1, 999):03d}"
        number = first17 + id_check_digit(first17)
        if number[-1] != "X" and number not in used:
            used.add(number)
            return number


def _household(rng: random.Random, st: _Station, hid: str, used: set[str]) -> _Household:
    county6 = st.code[:6]
    head = rng.choices(list(_CATEGORY_WEIGHTS), weights=list(_CATEGORY_WEIGHTS.values()))[0]
    child = head in ("留守儿童", "困境儿童")
    if head == "独居老人":
        plan = [(head, (1932, 1961))]
    elif head == "空巢老人":
        plan = [(head, (1932, 1961))] * rng.randint(1, 2)
    elif child:
        plan = [(rng.choice(("空巢老人", "一般居民")), (1945, 1975)), (head, (2006, 2017))]
        plan += [(head, (2006, 2017))] * rng.randint(0, 1)
    else:
        years = {"特困": (1935, 1975), "残疾人": (1950, 2003)}.get(head, (1945, 1995))
        plan = [(head, years)] + [("一般居民", (1950, 2012))] * rng.randint(0, 2)
    members = []
    for category, born in plan:
        number = _id_number(rng, county6, born, used)
        adult = int(number[6:10]) < 2004
        phone = (
            f"1{rng.randint(3, 9)}{rng.randint(0, 999_999_999):09d}"
            if adult or not members
            else members[0].phone
        )
        members.append(_Person(person_name(rng), number, phone, category))
    village = rng.choice(st.villages)
    return _Household(hid, st, village, members, primary=1 if child else 0)


# -- valid rows ----------------------------------------------------------------------------
def _figure(indicator: str, figures: dict[str, float] | None = None) -> int:
    return int((figures or PUBLISHED_FIGURES)[indicator])


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    shares = [total * w / sum(weights) for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(shares)), key=lambda i: (counts[i] - shares[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _random_day(rng: random.Random) -> date:
    """A day of the pilot year; fewer in January and February (Spring Festival)."""
    month = rng.choices(range(1, 13), weights=_MONTH_WEIGHTS)[0]
    first = date(PILOT_YEAR, month, 1)
    end = date(PILOT_YEAR + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return first + timedelta(days=rng.randint(0, (end - first).days))


def _after(d: date, rng: random.Random, lo: int, hi: int) -> date:
    return min(d + timedelta(days=rng.randint(lo, hi)), date(PILOT_YEAR, 12, 31))


def _label(rng: random.Random, st: _Station) -> str:
    return st.alias if rng.random() < 0.12 else st.name


def _staff(rng: random.Random, st: _Station) -> str:
    return "、".join(sorted(rng.sample(st.staff, rng.randint(1, min(2, len(st.staff))))))


def _note(rng: random.Random, service_type: str, p: float = 0.08) -> str:
    notes = _NOTES.get(service_type)
    return rng.choice(notes) if notes and rng.random() < p else ""


def _visit_row(rng: random.Random, hh: _Household, service_type: str, day: date) -> _Row:
    """An individual-service row for one member of ``hh`` (mostly the primary member)."""
    person = hh.members[hh.primary] if rng.random() < 0.7 else rng.choice(hh.members)
    return _Row(
        hh.station.county,
        day,
        service_type,
        _AREA_OF[person.category],
        _label(rng, hh.station),
        "" if rng.random() < 0.08 else hh.village,
        person,
        hh.hid,
        person.category,
        rng.randint(1, len(hh.members)) if service_type == "入户走访" else 1,
        _staff(rng, hh.station),
        note=_note(rng, service_type),
    )


def _event_row(
    rng: random.Random, st: _Station, service_type: str, day: date, pt: int, p_volunteers: float
) -> _Row:
    row = _Row(
        st.county,
        day,
        service_type,
        rng.choice(_AREAS),
        _label(rng, st),
        "" if rng.random() < 0.3 else rng.choice(st.villages),
        person_times=pt,
        staff=_staff(rng, st),
        note=_note(rng, service_type, 0.12),
    )
    if rng.random() < p_volunteers:
        row.volunteers = rng.randint(2, 10)
        row.volunteer_half_hours = row.volunteers * rng.randint(1, 8)
    return row


def valid_rows(
    rng: random.Random,
    stations: list[_Station],
    used: set[str],
    figures: dict[str, float] | None = None,
    sink: dict | None = None,
) -> list[_Row]:
    """The valid rows of one pilot year (dates in the 2021 calendar; shifted when written).

    ``figures`` (default :data:`PUBLISHED_FIGURES`) are reproduced exactly; ``sink`` receives
    ``households`` and ``groups`` for the other demo inputs."""
    sink = {} if sink is None else sink
    weights = [COUNTIES[s.county][4] * rng.uniform(0.5, 1.5) for s in stations]
    rows: list[_Row] = []
    households: list[_Household] = []
    for st, n in zip(stations, _apportion(_figure("D1", figures), weights), strict=True):
        seq = 0
        for _ in range(n):
            seq += rng.randint(1, 3)
            households.append(_household(rng, st, f"{st.code[:9]}-{seq:04d}", used))
    # Home visits: every household at least once, ~700 repeat visits to priority households.
    visits = [1] * len(households)
    priority = [1 if hh.members[hh.primary].category == "一般居民" else 3 for hh in households]
    for i in rng.choices(range(len(households)), weights=priority, k=rng.randint(620, 780)):
        visits[i] += 1
    first: dict[str, date] = {}
    for hh, k in zip(households, visits, strict=True):
        days = sorted(_random_day(rng) for _ in range(k))
        first[hh.hid] = days[0]
        rows += [_visit_row(rng, hh, "入户走访", d) for d in days]
    # Files (建档) for 231 distinct visited households; cases for 20 of them.
    filed: dict[str, list[tuple[date, _Household]]] = {st.code: [] for st in stations}
    files = _apportion(_figure("D3a", figures), weights)
    for st, n in zip(stations, files, strict=True):
        mine = [hh for hh in households if hh.station is st]
        for hh in rng.sample(mine, n):
            day = _after(first[hh.hid], rng, 0, 14)
            filed[st.code].append((day, hh))
            rows.append(_visit_row(rng, hh, "建档", day))
    case_weights = [f * rng.uniform(0.3, 1.7) for f in files]  # never more cases than files
    for st, n in zip(stations, _apportion(_figure("D4a", figures), case_weights), strict=True):
        early = sorted(filed[st.code], key=lambda t: (t[0], t[1].hid))[: max(n, 6)]
        for day, hh in rng.sample(early, n):
            opened = _after(day, rng, 3, 20)
            case = _visit_row(rng, hh, "个案开案", opened)
            rows.append(case)
            follow = sorted(_after(opened, rng, 7, 150) for _ in range(rng.randint(2, 5)))
            for d in follow:
                rows.append(_case_row(rng, case, "个案跟进", d))
            if follow[-1] <= date(PILOT_YEAR, 12, 10) and rng.random() < 0.75:
                rows.append(_case_row(rng, case, "个案结案", _after(follow[-1], rng, 5, 20)))
    sink["households"] = households
    rows += _community_rows(rng, stations, weights, households, figures, sink)
    _calibrate_person_times(rng, rows, _figure("D7a", figures))
    return rows


def _case_row(rng: random.Random, case: _Row, service_type: str, day: date) -> _Row:
    return _Row(
        case.county,
        day,
        service_type,
        case.area,
        case.station_label,
        case.village,
        case.person,
        case.household,
        case.category,
        1,
        case.staff,
        note=_note(rng, service_type, 0.15),
    )


def _community_rows(
    rng: random.Random,
    stations: list[_Station],
    weights: list[float],
    households: list[_Household],
    figures: dict[str, float] | None = None,
    sink: dict | None = None,
) -> list[_Row]:
    groups = (sink if sink is not None else {}).setdefault("groups", [])

    def split(total: int) -> list[int]:
        return _apportion(total, [w * rng.uniform(0.2, 1.8) for w in weights])

    rows: list[_Row] = []
    for st, n in zip(
        stations, split(_figure("D5b", figures)), strict=True
    ):  # groups of 3–6 weekly sessions
        while n > 0:
            size, sessions = rng.randint(6, 15), min(n, rng.randint(3, 6))
            start = date(PILOT_YEAR, rng.randint(2, 10), rng.randint(1, 28))
            area = rng.choice(_AREAS)
            groups.append((st, start, area, sessions))
            for k in range(sessions):
                row = _event_row(
                    rng,
                    st,
                    "小组活动",
                    start + timedelta(weeks=k),
                    max(6, size - rng.randint(0, 2)),
                    0.4,
                )
                row.area, row.note = area, (f"第{k + 1}节" if rng.random() < 0.3 else "")
                rows.append(row)
            n -= sessions
    for kind, total, p_vol in (
        ("主题活动", _figure("D6", figures), 0.7),
        ("需求调研", 40, 0.0),
        ("志愿服务", 70, 1.0),
    ):
        lo, hi = _PT_BOUNDS[kind]
        for st, n in zip(stations, split(total), strict=True):
            rows += [
                _event_row(rng, st, kind, _random_day(rng), rng.randint(lo, hi), p_vol)
                for _ in range(n)
            ]
    by_station = {st.code: [hh for hh in households if hh.station is st] for st in stations}
    for st, n in zip(stations, split(36), strict=True):
        pool = by_station[st.code]
        rows += [_visit_row(rng, rng.choice(pool), "转介", _random_day(rng)) for _ in range(n)]
    resources: list[_Row] = []
    for st, n in zip(stations, split(44), strict=True):
        for _ in range(n):
            if rng.random() < 0.5:
                row = _visit_row(rng, rng.choice(by_station[st.code]), "资源链接", _random_day(rng))
                row.person_times = rng.randint(1, 2)
            else:
                row = _event_row(rng, st, "资源链接", _random_day(rng), rng.randint(10, 50), 0.0)
            row.note = _note(rng, "资源链接", 0.2)
            resources.append(row)
    _set_resources(rng, resources, _figure("F3", figures))
    return rows + resources


def _set_resources(rng: random.Random, rows: list[_Row], total_yuan: int) -> None:
    """Give every resource row an amount so that they sum to exactly ``total_yuan`` 元."""
    weights = [rng.uniform(0.3, 1.0) if r.household else rng.uniform(0.8, 2.5) for r in rows]
    shares = [total_yuan * w / sum(weights) for w in weights]
    last = max(range(len(rows)), key=lambda i: (shares[i], -i))  # in kind; absorbs the remainder
    for i, (row, share) in enumerate(zip(rows, shares, strict=True)):
        row.resource_kind = "物资" if i == last or rng.random() < 0.55 else "现金"
        if row.resource_kind == "现金":
            row.resource_halves = max(100, round(share / 50) * 100)
        else:
            row.resource_halves = max(2, round(share) * 2 + (rng.random() < 0.3))
    rest = total_yuan * 2 - sum(r.resource_halves or 0 for i, r in enumerate(rows) if i != last)
    others = [r for i, r in enumerate(rows) if i != last]
    while rest < 200:  # keep the absorbing row at ≥ 100 元
        big = max(others, key=lambda r: r.resource_halves or 0)
        big.resource_halves = (big.resource_halves or 0) - 100
        rest += 100
    rows[last].resource_halves = rest


def _calibrate_person_times(rng: random.Random, rows: list[_Row], target: int) -> None:
    """Scale the sizes of themed events, needs surveys and volunteer services so Σ 人次 = target."""
    tunable = [r for r in rows if r.service_type in _PT_BOUNDS]
    fixed = sum(r.person_times for r in rows) - sum(r.person_times for r in tunable)
    factor = (target - fixed) / sum(r.person_times for r in tunable)
    for r in tunable:
        lo, hi = _PT_BOUNDS[r.service_type]
        r.person_times = min(hi, max(lo, round(r.person_times * factor)))
    rng.shuffle(tunable)
    gap = target - sum(r.person_times for r in rows)
    while gap:
        step, moved = (1 if gap > 0 else -1), False
        for r in tunable:
            lo, hi = _PT_BOUNDS[r.service_type]
            if gap and lo <= r.person_times + step <= hi:
                r.person_times += step
                gap -= step
                moved = True
        if not moved:  # cannot happen with the bounds above; a bug if it does
            raise ShegongError(
                f"demo calibration failed: Σ 服务人次 cannot reach {target}; "
                "please report this with the seed"
            )


# -- invalid rows --------------------------------------------------------------------------
def invalid_rows(rng: random.Random, stations: list[_Station], used: set[str]) -> list[_Row]:
    """Rows with one defect each, full-looking otherwise, spread over all six ledgers."""
    specs: list[tuple[str, str, tuple[int, int, str] | None, str]] = (
        [("type", v, None, t) for v, t in zip(_BAD_TYPES, _BAD_TYPE_AS, strict=True)]
        + [("date", "", v, t) for v, t in zip(_BAD_DATES, _BAD_DATE_AS, strict=True)]
        + [("station", v, None, t) for v, t in zip(BAD_STATIONS, _BAD_STATION_AS, strict=True)]
    )
    rows = []
    for n, (defect, label, bad_date, service_type) in enumerate(specs):
        county = n % len(COUNTIES)
        st = rng.choice([s for s in stations if s.county == county])
        prefix = f"{st.code[:6]}{190 + n}" if defect == "station" else st.code[:9]
        hh = _household(rng, st, f"{prefix}-{900 + n:04d}", used)  # a household seen nowhere else
        day = _random_day(rng)
        if service_type in _NO_CATEGORY:
            pt = rng.randint(30, 120) if service_type == "主题活动" else rng.randint(6, 40)
            row = _event_row(rng, st, service_type, day, pt, 0.6)
        else:
            row = _visit_row(rng, hh, service_type, day)
        if service_type == "资源链接":
            row.resource_halves, row.resource_kind = rng.randint(2, 15) * 100, "现金"
        if defect == "type":
            row.service_type = label
        elif defect == "station":
            row.station_label = label
        elif bad_date is not None:
            month, dom, _style = bad_date
            row.bad_date = bad_date  # sorted to the end of the month its text names
            last_day = 28 if month == 2 else 30 if month <= 12 else 31
            row.day = date(PILOT_YEAR, min(month, 12), last_day)
        rows.append(row)
    return rows


# -- writing -----------------------------------------------------------------------------------
def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _date_text(month: int, dom: int, style: str, year: int = PILOT_YEAR) -> str:
    y = year
    return {
        "cn": f"{y}年{month}月{dom}日",
        "dot": f"{y}.{month}.{dom}",
        "slash": f"{y}/{month}/{dom}",
        "iso": f"{y}-{month:02d}-{dom:02d}",
    }[style]


def _written_date(rng: random.Random, row: _Row, csv_style: bool, year: int = PILOT_YEAR) -> object:
    """服务日期 as written: a date cell (xlsx, ~90 %) or text in one of the common forms."""
    if row.bad_date:
        month, dom, style = row.bad_date
        return _date_text(
            month, dom, ("cn" if style == "cn" else "iso") if csv_style else style, year
        )
    if csv_style:
        return _date_text(row.day.month, row.day.day, "cn" if rng.random() < 0.2 else "iso", year)
    if rng.random() < 0.1:
        return _date_text(row.day.month, row.day.day, rng.choice(("cn", "dot", "slash")), year)
    return row.day.replace(year=year)  # 2021 and 2022 are both common years


def _cells(
    rng: random.Random, row: _Row, seq: int, *, csv_style: bool, year: int = PILOT_YEAR
) -> list[object]:
    """One ledger line in :data:`LEDGER_HEADER` order; CSV cells are all strings."""
    person = row.person
    values: list[object] = [
        seq,
        _written_date(rng, row, csv_style, year),
        row.station_label,
        row.village,
        row.service_type,
        row.area,
        person.name if person else None,
        person.id_number if person else None,
        person.phone if person else None,
        row.household or None,
        row.category or None,
        row.person_times,
        row.staff,
        row.volunteers,
        None if row.volunteer_half_hours is None else _number(row.volunteer_half_hours / 2),
        None if row.resource_halves is None else _number(row.resource_halves / 2),
        row.resource_kind or None,
        row.note or None,
    ]
    if csv_style:
        return ["" if v is None else str(v) for v in values]
    return [None if v == "" else v for v in values]


def write_csv(path: Path, header: Sequence[str], rows: list[list[object]], encoding: str) -> None:
    """Write ``header`` and ``rows`` to the CSV file ``path`` in ``encoding`` (replacing it)."""
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def _write_workbook(
    rng: random.Random, path: Path, county: str, rows: list[_Row], year: int = PILOT_YEAR
) -> None:
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    for month in range(1, 13):
        ws = wb.create_sheet(f"{month}月")
        ws.append([f"{county}社工站服务台账 {year}年{month}月"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(LEDGER_HEADER))
        ws["A1"].font, ws["A1"].alignment = Font(bold=True, size=14), Alignment(horizontal="center")
        ws.append(list(LEDGER_HEADER))
        for seq, row in enumerate((r for r in rows if r.day.month == month), 1):
            ws.append(_cells(rng, row, seq, csv_style=False, year=year))
        for letter, width in zip("BCDGHIJM", (12, 16, 12, 8, 20, 13, 16, 22), strict=True):
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = "A3"
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    wb.properties.creator = "shegong demo"
    # ExcelWriter directly: Workbook.save() would stamp the current time as "modified".
    with ZipFile(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
