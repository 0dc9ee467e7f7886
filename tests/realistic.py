"""Realistic station ledgers for tests: the standard template filled the way stations fill it.

The labels are those stations write (official terms, the …户 / …对象 / …人员 forms, colloquial
forms, width and spacing variants; datasets/vocabularies/ cites where each comes from), beside the
odd labels a ledger also holds (孤寡老人, 低保、残疾人, 场地, an unknown village). Seeded, so a
given seed always builds the same workbook; :class:`Expected` is what an import must keep.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl

from .builders import HEADER, with_check_digit

#: (station as written, its villages as written: rooms of builders.ORG_UNITS and one unknown)
STATIONS = (
    ("和平街道社工站", ("前进村", "胜利社区", "胜利社区 ", "", "幸福里小区")),
    ("和平街道", ("前进村", "")),
    ("都林街道社工站", ("", "")),
    ("科尔沁镇社工站", ("", "三合村")),
    ("科尔沁镇", ("",)),
)

#: service types as stations write them (each known to datasets/vocabularies/event_types.yaml),
#: with weights; home visits need a household number
SERVICE_TYPES = (
    ("入户走访", 20),
    ("入户探访", 8),
    ("走访", 6),
    ("上门走访", 3),
    ("家访", 2),
    ("建档", 8),
    ("个案开案", 2),
    ("开案", 1),
    ("个案跟进", 3),
    ("个案服务", 2),
    ("个案结案", 1),
    ("结案", 1),
    ("小组活动", 5),
    ("小组", 2),
    ("主题活动", 5),
    ("社区活动", 3),
    ("节日活动", 2),
    ("需求调研", 2),
    ("需求评估", 1),
    ("转介", 1),
    ("资源链接", 3),
    ("链接资源", 1),
    ("志愿服务", 3),
    ("志愿活动", 1),
)
#: service types no vocabulary can place (a comfort visit with gifts? a phone call?): rejected
ODD_SERVICE_TYPES = (("慰问", 2), ("电话回访", 1), ("其他", 1))

#: 服务领域 as written; blank is common for group sessions and events
SERVICE_AREAS = (
    ("社会救助", 20),
    ("救助帮扶", 4),
    ("社会救助服务", 2),
    ("养老服务", 12),
    ("养老", 5),
    ("为老服务", 3),
    ("儿童关爱", 8),
    ("儿童服务", 3),
    ("未成年人保护", 2),
    ("社会事务", 3),
    ("残疾人服务", 2),
    ("社区治理", 5),
    ("社区建设", 2),
    ("", 10),
    ("综合服务", 2),  # no area: 未归类
    ("党建", 1),  # no area: 未归类
)

#: 对象类别 as written: official terms, …户 / …对象 / …人员 forms, colloquial forms, full-width
#: and spacing variants — and a few that name no category or several (kept as 未归类)
CATEGORIES = (
    ("低保", 8),
    ("低保户", 10),
    ("低保对象", 3),
    ("最低生活保障对象", 2),
    ("城乡低保", 1),
    ("低 保 户", 1),
    ("特困", 3),
    ("特困人员", 8),
    ("特困供养人员", 3),
    ("分散供养特困人员", 2),
    ("五保户", 3),
    ("低保边缘户", 2),
    ("留守儿童", 5),
    ("农村留守儿童", 2),
    ("困境儿童", 4),
    ("事实无人抚养儿童", 1),
    ("孤儿", 1),
    ("残疾人", 5),
    ("重度残疾人", 2),
    ("残疾人家庭", 1),
    ("独居老人", 6),
    ("空巢老人", 5),
    ("空巢老人户", 1),
    ("留守老人", 3),
    ("高龄老人", 2),
    ("失能老人", 2),
    ("一般居民", 4),
    ("居民", 3),
    ("村民", 2),
    ("特困人员 ", 1),  # a trailing space
    ("（低保户）", 1),  # full-width brackets around it
    ("孤寡老人", 2),  # names no category: 未归类, suggestion shown
    ("低保、残疾人", 2),  # names two: 未归类, both listed
    ("计划生育特殊家庭", 1),  # no category of ours: 未归类
    ("", 6),
)
#: 资源类型 as written
RESOURCES = (
    ("物资", 6),
    ("现金", 3),
    ("资金", 2),
    ("善款", 1),
    ("实物", 2),
    ("慰问品", 2),
    ("爱心物资", 2),
    ("米面油", 1),
    ("场地", 1),  # not cash, not in kind: 未归类, its 元 still counted
)

#: client pseudonyms come from these made-up people (name, 17 digits of an ID, phone)
_PEOPLE = [
    (f"测试{i:03d}", f"1522011950{i:04d}{i % 10:03d}"[:17], f"138470{i:05d}") for i in range(60)
]


@dataclass
class Expected:
    """What an import must keep of the workbook (field labels only: every event)."""

    events: int = 0
    person_times: int = 0
    volunteer_hours: Decimal = Decimal(0)
    resources_yuan: Decimal = Decimal(0)
    odd_rows: list[int] = field(default_factory=list)
    unmapped: dict[str, int] = field(default_factory=dict)  # column → rows


def _pick(rng: random.Random, table) -> str:
    labels, weights = zip(*table, strict=True)
    return rng.choices(labels, weights=weights)[0]


def realistic_ledger(
    path: Path, *, seed: int = 16, rows: int = 400, odd_types: bool = False, year: int = 2021
) -> Expected:
    """Write a standard-template workbook of ``rows`` events, one sheet per month (title row
    above the header), filled with the labels stations use; with ``odd_types`` about 4 % of the
    events carry a service type no vocabulary can place (rejected: ``Expected.odd_rows``).

    Returns the :class:`Expected` events and totals of the rows a correct import keeps.
    """
    rng = random.Random(seed)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    sheets: dict[int, openpyxl.worksheet.worksheet.Worksheet] = {}
    exp = Expected()
    types = SERVICE_TYPES + (ODD_SERVICE_TYPES if odd_types else ())
    for i in range(rows):
        month = 1 + i * 12 // rows
        ws = sheets.get(month)
        if ws is None:
            ws = sheets[month] = wb.create_sheet(f"{month}月")
            ws.append([f"社工站服务台账 {year}年{month}月"])
            ws.append(HEADER)
        day = rng.randint(1, 28)
        date = rng.choice(
            (dt.date(year, month, day), f"{year}年{month}月{day}日", f"{year}.{month}.{day}")
        )
        station, villages = rng.choice(STATIONS)
        kind = _pick(rng, types)
        area = _pick(rng, SERVICE_AREAS)
        category = _pick(rng, CATEGORIES)
        name, first17, phone = rng.choice(_PEOPLE)
        person = kind in {
            "入户走访",
            "入户探访",
            "走访",
            "上门走访",
            "家访",
            "建档",
        } or kind.startswith(("个案", "开案", "结案"))
        times = rng.randint(1, 3) if person else rng.randint(5, 60)
        times_cell: object = times
        if rng.random() < 0.1:
            times_cell = f"{times}人次"
        volunteers = rng.choice((None, None, 1, 2, 4)) if not person else None
        hours = None if volunteers is None else Decimal(volunteers) * Decimal("1.5")
        resource = _pick(rng, RESOURCES) if kind in {"资源链接", "链接资源"} else None
        yuan = Decimal(rng.choice((200, 500, 1200, 3000))) if resource else None
        written = category if person or rng.random() < 0.3 else None
        ws.append(
            [
                i + 1,
                date,
                station,
                rng.choice(villages),
                kind,
                area,
                name if person else None,
                with_check_digit(first17) if person else None,
                phone if person else None,
                f"H{first17[-6:]}" if person else None,
                written,
                times_cell,
                "S1",
                volunteers,
                None if hours is None else float(hours),
                None if yuan is None else float(yuan),
                resource,
                None,
            ]
        )
        if kind in dict(ODD_SERVICE_TYPES):
            exp.odd_rows.append(i + 1)
            continue
        exp.events += 1
        exp.person_times += times
        exp.volunteer_hours += hours or 0
        exp.resources_yuan += yuan or 0
        for column, value in (
            ("service_area", area),
            ("client_category", written),
            ("resource_kind", resource),
        ):
            if value in _UNMAPPED[column]:
                exp.unmapped[column] = exp.unmapped.get(column, 0) + 1
    wb.save(path)
    return exp


#: the labels of the tables above that no vocabulary places (kept as 未归类)
_UNMAPPED = {
    "service_area": {"综合服务", "党建"},
    "client_category": {"孤寡老人", "低保、残疾人", "计划生育特殊家庭"},
    "resource_kind": {"场地"},
}
