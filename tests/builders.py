"""Small ledgers and org-unit files built in code for tests (seeded, deterministic)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

HEADER = [
    "序号",
    "服务日期",
    "所属站点",
    "村（社区）",
    "服务类型",
    "服务领域",
    "服务对象",
    "身份证号",
    "联系电话",
    "户编号",
    "对象类别",
    "服务人次",
    "参与社工",
    "志愿者人数",
    "志愿服务时长（小时）",
    "链接资源（元）",
    "资源类型",
    "备注",
]

ORG_UNITS = """code,name,parent_code,level,unit_type,aliases
152200000000,兴安盟,,2,admin,兴安
152201000000,乌兰浩特市,152200000000,3,admin,
152221000000,科尔沁右翼前旗,152200000000,3,admin,科右前旗
152201100000,和平街道社工站,152201000000,4,station,和平街道
152201101000,都林街道社工站,152201000000,4,station,都林街道
152221100000,科尔沁镇社工站,152221000000,4,station,科尔沁镇
152201100001,前进村社工室,152201100000,5,room,前进村
152201100002,胜利社区社工室,152201100000,5,room,胜利社区
"""


def with_check_digit(first17: str) -> str:
    """Append the GB 11643 check digit (ISO 7064 MOD 11-2) to 17 digits."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return (
        first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
    )


# Personal data of the fixtures: tests assert none of it leaves the import step.
PEOPLE = {
    "张桂兰": (with_check_digit("15220119450312002"), "13847001234", "152201100-0001"),
    "李建国": (with_check_digit("15220119600815003"), "15904821234", "152201100-0002"),
    "王秀英": (with_check_digit("15222119571102004"), "18647099876", "152221100-0007"),
}


def write_org_units(path: Path) -> Path:
    path.write_text(ORG_UNITS, encoding="utf-8")
    return path


def row(
    seq,
    date,
    station,
    village,
    kind,
    area,
    person=None,
    category=None,
    times=1,
    staff="S1",
    volunteers=None,
    hours=None,
    yuan=None,
    resource=None,
    note=None,
):
    name, idn, phone, household = (person, *PEOPLE[person]) if person else (None, None, None, None)
    return [
        seq,
        date,
        station,
        village,
        kind,
        area,
        name,
        idn,
        phone,
        household,
        category,
        times,
        staff,
        volunteers,
        hours,
        yuan,
        resource,
        note,
    ]


def standard_rows() -> list[list]:
    """12 data rows: 7 valid, 4 invalid (one per reason), 1 blank; then a 合计 row."""
    d = dt.date
    return [
        row(1, d(2021, 3, 2), "和平街道社工站", "前进村", "入户走访", "社会救助", "张桂兰", "低保"),
        row(2, "2021年3月9日", "和平街道", "前进村", "入户走访", "社会救助", "张桂兰", "低保"),
        row(
            3,
            "2021.3.15",
            "和平街道社工站",
            "胜利社区",
            "入户走访",
            "养老服务",
            "李建国",
            "独居老人",
            times=2,
        ),
        row(
            4, d(2021, 3, 20), "科右前旗", "", "入户走访", "社会救助", "王秀英", "特困"
        ),  # county, not a station
        row(5, "2021年2月30日", "科尔沁镇", "", "入户走访", "社会救助", "王秀英", "特困"),
        row(6, 6.3, "科尔沁镇社工站", "", "建档", "社会救助", "王秀英", "特困"),
        row(7, d(2021, 3, 22), "科尔沁镇社工站", "", "慰问", "社会救助", "王秀英", "特困", times=5),
        [None] * 18,
        row(
            9,
            d(2021, 3, 25),
            "科尔沁镇社工站",
            "",
            "主题活动",
            "社区治理",
            times=60,
            volunteers=8,
            hours=24,
        ),
        row(
            10,
            "3月26日",
            "都林街道社工站",
            "",
            "资源链接",
            "儿童关爱",
            times=0,
            yuan="1.2万元",
            resource="物资",
        ),
        row(
            11,
            d(2021, 3, 28),
            "都林街道社工站",
            "",
            "小组活动",
            "儿童关爱",
            times=12,
            volunteers=2,
            hours=4.5,
        ),
        row(
            12,
            44286,
            "科尔沁镇社工站",
            "",
            "建档",
            "社会救助",
            "王秀英",
            "特困",
            note="电话 13847001234",
        ),
    ]


def write_standard_xlsx(
    path: Path,
    rows: list[list] | None = None,
    *,
    title: str = "兴安盟社工站服务台账 2021年3月",
    total: list | None = None,
    sheet: str = "3月",
) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([title])
    ws.append(HEADER)
    for r in rows if rows is not None else standard_rows():
        ws.append(r)
    if total is not None:
        ws.append(total)
    wb.save(path)
    return path
