"""Seeded demo inputs beyond the 2021 ledger: pilot year 2022 and every input of DOMAIN.md §4.

:func:`write_other_inputs` is called by :func:`shegong.demo.generate.generate_demo_inputs` after the
2021 files are written (their random stream is untouched, so the 2021 ledgers stay calibrated to the
published figures). It writes the 2022 ledgers (calibrated to :data:`FIGURES_2022`, a proposal:
the league's second pilot year, 两年规范) and, for both pilot years, the staff roster, training
records, survey responses and the evaluation inputs — all UTF-8 CSV with Chinese headers, the
column specs of :data:`shegong.indicators.inputs.SPECS`. A few rows in the survey file are defective
on purpose (satisfaction 6, unknown station) and must be rejected at import.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from shegong.atomic import write_with
from shegong.demo import ledgers as d
from shegong.ledger.vocabulary import EVENT_TYPES, SERVICE_AREAS

YEARS = (2021, 2022)
#: The 2022 figures the valid 2022 ledger rows reproduce (a proposal: growth in year 2).
FIGURES_2022: dict[str, float] = {
    "D1": 1720.0,
    "D3a": 300.0,
    "D4a": 36.0,
    "D5b": 70.0,
    "D6": 80.0,
    "F3": 26000.0,
    "D7a": 16800.0,
}
#: Per pilot year: chance a staff member is supervised every month, facility / rule present,
#: ledger on time, audited file complete, client satisfied, awareness item known, case goals met.
_QUALITY = {
    2021: {
        "sup": 0.45,
        "fac": 0.72,
        "rule": 0.62,
        "on_time": 0.78,
        "file": 0.58,
        "sat": 0.84,
        "aware": 0.5,
        "goals": 0.64,
        "lectures": 4,
        "gain": 8.0,
        "areas": (4, 5),
        "orgs": (0, 2),
        "unvisited": 0.3,
    },
    2022: {
        "sup": 0.8,
        "fac": 0.9,
        "rule": 0.85,
        "on_time": 0.93,
        "file": 0.8,
        "sat": 0.92,
        "aware": 0.62,
        "goals": 0.78,
        "lectures": 6,
        "gain": 12.0,
        "areas": (5, 5),
        "orgs": (1, 3),
        "unvisited": 0.12,
    },
}
_AREA_ZH = {v: k for k, v in SERVICE_AREAS.items()}
_PRIORITY = ("低保", "特困", "留守儿童", "困境儿童", "残疾人", "独居老人")


@dataclass
class OtherInputs:
    """Paths written: ``ledgers`` {2022: [...]}, ``expected`` {2022: figures}, ``files`` {kind:
    path}."""

    ledgers: dict[int, list[Path]] = field(default_factory=dict)
    expected: dict[int, dict[str, float]] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)


def _csv(
    dest: Path, kind: str, header: list[str], rows: list[list[object]], out: OtherInputs
) -> None:
    path = dest / f"{kind}.csv"
    body = [["" if v is None else str(v) for v in r] for r in rows]
    write_with(path, lambda p: d.write_csv(p, header, body, "utf-8"))
    out.files[kind] = path


def write_other_inputs(
    dest: Path,
    stations: list,
    years: dict[int, tuple[list, dict]],
    roster: list[list[str]],
    *,
    seed: int,
    used: set[str],
) -> OtherInputs:
    """Generate pilot year 2022 and write every non-ledger input for 2021 and 2022 into ``dest``.

    ``years`` maps 2021 to its (rows, sink) from the ledger generator; ``roster`` holds the 2021
    roster rows (extended here with 2022 hires and certificates, then written).
    """
    rng = random.Random(seed * 7919 + 2022)
    out = OtherInputs()
    _grow_roster(rng, stations, roster)
    write_with(dest / "roster.csv", lambda p: d.write_csv(p, d.ROSTER_COLUMNS, roster, "utf-8"))
    sink22: dict = {}
    rows22 = d.valid_rows(rng, stations, used, FIGURES_2022, sink22) + d.invalid_rows(
        rng, stations, used
    )
    out.ledgers[2022] = d.write_ledgers(rng, dest, rows22, 2022)
    out.expected[2022] = dict(FIGURES_2022)
    data = {**years, 2022: (rows22, sink22)}
    by_code = {s.code: s for s in stations}
    _divisions(rng, dest, stations, out)
    training, survey, visits, receipts, audits, lists, orgs, outcomes, priority, groups = (
        [] for _ in range(10)
    )
    for year in YEARS:
        q = _QUALITY[year]
        rows, sink = data[year]
        valid = [
            r
            for r in rows
            if r.bad_date is None
            and r.station_label not in d.BAD_STATIONS
            and r.service_type in EVENT_TYPES
        ]
        for st in stations:
            training += _training(rng, st, roster, year, q)
            survey += _survey(rng, st, year, q)
            visits.append(
                [
                    st.name,
                    year,
                    f"{year}-11-{rng.randint(1, 28):02d}",
                    *(_yn(rng, q["fac"]) for _ in range(4)),
                    *(_yn(rng, q["rule"]) for _ in range(6)),
                ]
            )
            for month in range(1, 13):
                due = date(year + (month == 12), month % 12 + 1, 5)
                late = 0 if rng.random() < q["on_time"] else rng.randint(1, 12)
                received = (
                    ""
                    if rng.random() < 0.01
                    else (due + timedelta(days=late - rng.randint(0, 3) * (late == 0))).isoformat()
                )
                receipts.append([st.name, year, month, due.isoformat(), received])
            filed = sorted(
                {
                    r.household
                    for r in valid
                    if r.service_type == "建档" and r.household[:9] == st.code[:9]
                }
            )
            for hid in rng.sample(filed, min(5, len(filed))):
                phases = ["是"] * 6
                if rng.random() >= q["file"]:
                    for k in rng.sample(range(6), rng.randint(1, 2)):
                        phases[k] = "否"
                audits.append([st.name, year, hid, *phases])
            areas = rng.sample(list(SERVICE_AREAS), rng.randint(*q["areas"]))
            lists += [[st.name, year, a] for a in sorted(areas)]
            for _k in range(rng.randint(*q["orgs"])):
                # shared within a county: counted once above
                org = f"ORG-{st.code[:6]}-{rng.randint(1, 6):02d}"
                orgs.append(
                    [
                        org,
                        f"社会组织{org[-6:]}",
                        st.name,
                        rng.choice(("链接", "培育")),
                        f"{year}-{rng.randint(2, 11):02d}-15",
                    ]
                )
        for r in valid:
            if r.service_type == "个案结案":
                outcomes.append(
                    [
                        by_code[r.household[:9] + "000"].name,
                        r.household,
                        r.day.replace(year=year).isoformat(),
                        _yn(rng, q["goals"]),
                    ]
                )
        seen: set[str] = set()
        for hh in sink["households"]:
            category = hh.members[hh.primary].category
            if category in _PRIORITY and hh.hid not in seen:
                seen.add(hh.hid)
                priority.append([hh.station.name, year, hh.village, hh.hid, category])
        for st in stations:
            extra = round(
                sum(1 for h in sink["households"] if h.station is st) * q["unvisited"] / 2
            )
            priority += [
                [
                    st.name,
                    year,
                    rng.choice(st.villages),
                    f"{st.code[:9]}-{8000 + k:04d}",
                    rng.choice(_PRIORITY),
                ]
                for k in range(extra)
            ]
        for n, (st, start, area, sessions) in enumerate(sink["groups"], 1):
            groups.append(
                [
                    f"G{year}-{st.code[:9]}-{n:03d}",
                    st.name,
                    f"{area}小组",
                    area,
                    start.replace(year=year).isoformat(),
                    sessions,
                ]
            )
    survey += [
        [
            "Q-bad-1",
            "幸福镇社工站",
            "2021-06-01",
            "服务对象",
            "入户",
            "是",
            4,
            "是",
            "是",
            "否",
            "否",
            "是",
        ],
        [
            "Q-bad-2",
            stations[0].name,
            "2022-06-01",
            "服务对象",
            "入户",
            "是",
            6,
            "是",
            "是",
            "是",
            "否",
            "否",
        ],
    ]
    _csv(
        dest,
        "training",
        [
            "场次编号",
            "培训日期",
            "学时",
            "模块",
            "形式",
            "培训师",
            "学员工号",
            "学员",
            "所属站点",
            "学员角色",
            "阶段",
            "前测",
            "后测",
        ],
        training,
        out,
    )
    _csv(
        dest,
        "survey",
        [
            "问卷编号",
            "所属站点",
            "调查日期",
            "受访者类型",
            "方式",
            "知情同意",
            "总体满意度",
            "知晓地址",
            "知晓服务",
            "知晓社工",
            "知晓求助渠道",
            "知晓经费来源",
        ],
        survey,
        out,
    )
    _csv(
        dest,
        "site_visits",
        [
            "所属站点",
            "年度",
            "查看日期",
            "接待室",
            "个案室",
            "小组活动室",
            "档案柜上锁",
            "服务流程制度",
            "档案管理制度",
            "督导制度",
            "财务制度",
            "安全制度",
            "隐私保护制度",
        ],
        visits,
        out,
    )
    _csv(dest, "receipts", ["所属站点", "年度", "月份", "应报日期", "收到日期"], receipts, out)
    _csv(
        dest,
        "audits",
        ["所属站点", "年度", "档案编号", "接案", "预估", "计划", "介入", "评估", "结案"],
        audits,
        out,
    )
    _csv(dest, "service_lists", ["所属站点", "年度", "服务领域"], lists, out)
    _csv(dest, "organisations", ["组织编号", "组织名称", "所属站点", "关系", "日期"], orgs, out)
    _csv(dest, "case_outcomes", ["所属站点", "个案编号", "结案日期", "目标达成"], outcomes, out)
    _csv(
        dest,
        "priority_households",
        ["所属站点", "年度", "村（社区）", "户编号", "对象类别"],
        priority,
        out,
    )
    _csv(
        dest,
        "groups",
        ["小组编号", "所属站点", "小组名称", "服务领域", "开始日期", "计划节数"],
        groups,
        out,
    )
    return out


def _yn(rng: random.Random, p: float) -> str:
    return "是" if rng.random() < p else "否"


def _grow_roster(rng: random.Random, stations: list, roster: list[list[str]]) -> None:
    """2022: about half the stations hire a certified social worker; some staff certify in 2022."""
    for row in roster:
        if row[3] != "志愿者" and row[5] == "无" and rng.random() < 0.4:
            row[5], row[6] = "助理社会工作师", "2022"
    for st in stations:
        if rng.random() < 0.5:
            staff_id = f"S{st.code[:9]}-{len(st.staff) + 1:02d}"
            st.staff.append(staff_id)
            roster.append(
                [
                    staff_id,
                    st.code,
                    d.person_name(rng),
                    "社工",
                    "专职",
                    "助理社会工作师",
                    "2020",
                    "2022-03-01",
                    "",
                ]
            )
        roster.append(
            [
                f"V{st.code[:9]}-{50:02d}",
                st.code,
                d.person_name(rng),
                "志愿者",
                "兼职",
                "无",
                "",
                "2022-04-01",
                "",
            ]
        )


def _training(
    rng: random.Random, st, roster: list[list[str]], year: int, q: dict
) -> list[list[object]]:
    staff = [r for r in roster if r[1] == st.code and r[3] != "志愿者" and r[7][:4] <= str(year)]
    volunteers = [
        r for r in roster if r[1] == st.code and r[3] == "志愿者" and r[7][:4] <= str(year)
    ]
    rows: list[list[object]] = []
    n = 0
    for s in staff:  # monthly supervision (帮, 带)
        months = (
            range(1, 13)
            if rng.random() < q["sup"]
            else sorted(rng.sample(range(1, 13), rng.randint(5, 11)))
        )
        if s[7][:4] == str(year) and year > 2021:
            months = range(4, 13)
        for m in months:
            n += 1
            rows.append(
                [
                    f"T{year}-{st.code[:9]}-{n:03d}",
                    f"{year}-{m:02d}-{rng.randint(8, 25):02d}",
                    rng.choice((1.5, 2)),
                    "督导",
                    rng.choice(("个别督导", "团体督导")),
                    "督导甲",
                    s[0],
                    s[2],
                    st.name,
                    s[3],
                    rng.choice(("帮", "带")),
                    "",
                    "",
                ]
            )
    cadres = [d.person_name(rng) for _ in range(rng.randint(2, 4))]
    for k in range(
        q["lectures"]
    ):  # lectures (传) for staff, volunteers and village cadres, with pre/post tests
        n += 1
        sid, day = (
            f"T{year}-{st.code[:9]}-{n:03d}",
            f"{year}-{2 + k * 10 // q['lectures']:02d}-{rng.randint(1, 28):02d}",
        )
        module = rng.choice(
            (
                "M1 伦理与保密",
                "M2 入户走访与建档",
                "M3 个案工作",
                "M5 五社联动",
                "M7 台账与数据质量",
            )
        )
        people = [(s[0], s[2], s[3]) for s in staff] + [
            ("", v[2], "志愿者") for v in rng.sample(volunteers, min(3, len(volunteers)))
        ]
        people += [("", c, rng.choice(("村（社区）干部", "居民骨干"))) for c in cadres]
        for pid, name, role in people:
            pre = min(95.0, max(20.0, round(rng.gauss(60, 10))))
            post = min(100.0, max(0.0, pre + round(rng.gauss(q["gain"], 6))))
            stage = (
                "教"
                if role == "站长" and year > 2021 and k == 0
                else "带"
                if role == "社工" and k == q["lectures"] - 1
                else "传"
            )
            rows.append(
                [
                    sid,
                    day,
                    rng.choice((3, 3.5, 4)),
                    module,
                    "讲授",
                    "培训师乙",
                    pid,
                    name,
                    st.name,
                    role,
                    stage,
                    pre,
                    post,
                ]
            )
    return rows


def _survey(rng: random.Random, st, year: int, q: dict) -> list[list[object]]:
    rows = []
    for kind, n in (("服务对象", 25), ("居民", 15), ("合作方", 4)):
        for k in range(n):
            p_sat = q["sat"] if kind != "合作方" else q["sat"] - 0.04
            sat = rng.choice((4, 5)) if rng.random() < p_sat else rng.choice((1, 2, 3))
            rows.append(
                [
                    f"Q{year}-{st.code[:9]}-{kind[:1]}{k:02d}",
                    st.name,
                    f"{year}-{rng.randint(9, 12):02d}-{rng.randint(1, 28):02d}",
                    kind,
                    rng.choice(("入户", "电话", "现场")),
                    "否" if rng.random() < 0.03 else "是",
                    sat,
                    *(_yn(rng, q["aware"]) for _ in range(5)),
                ]
            )
    return rows


def _divisions(rng: random.Random, dest: Path, stations: list, out: OtherInputs) -> None:
    rows = []
    for st in stations:
        opened = f"{d.PILOT_YEAR}-01-01"
        rows.append([st.code, st.alias, "乡镇", d.COUNTIES[st.county][0], st.code, opened])
        for i, v in enumerate(st.villages, 1):
            rows.append(
                [f"{st.code[:9]}{i:03d}", v, "村", st.code, f"{st.code[:9]}{i:03d}", opened]
            )
        for i in range(rng.randint(2, 3)):  # villages without a room yet; some open one in 2022
            code = f"{st.code[:9]}{100 + i:03d}"
            later = rng.random() < 0.35
            rows.append(
                [
                    code,
                    f"{rng.choice(d.VILLAGE_STEMS)}{i + 1}村",
                    "村",
                    st.code,
                    code if later else "",
                    f"2022-{rng.randint(3, 10):02d}-01" if later else "",
                ]
            )
    for k, (county, *_rest) in enumerate(d.COUNTIES[:2]):  # two townships without a station in 2021
        code = f"{county[:6]}190000"
        rows.append(
            [
                code,
                f"新建乡镇{k + 1}",
                "乡镇",
                county,
                code if k == 0 else "",
                "2022-05-01" if k == 0 else "",
            ]
        )
    _csv(
        dest,
        "divisions",
        ["区划代码", "名称", "类型", "上级单元", "服务单元", "设立日期"],
        rows,
        out,
    )
