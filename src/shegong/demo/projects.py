"""Demo projects and programmes (issue 8): a venture-philanthropy round and the Bee Plan.

Written into the demo workspace's ``inputs/`` after the ledgers are imported (the targets are
proposal-time figures drawn around what the stations' 2022 ledgers hold), all for 2022:

- the four **Bee Plan** programmes (the source's 暖阳 households in special hardship, 乐龄 older
  people, 雏鹰 children and youth, 乐居 empowerment), each run as one government-purchased
  project (政府购买, funder 兴安盟民政局) for the whole year across a share of the demo stations,
  restricted to its service area;
- the round **2022年公益创投** (venture philanthropy, funder 兴安盟慈善总会): six micro-projects of
  a few months at one or two stations (two of them at named villages only), most under a Bee
  Plan programme — shorter than the Bee Plan projects, so they win the events both match;
- one charity-funded project (慈善资助).

``project_spending.csv`` holds monthly spending of each project (元, whole yuan), and the
client responses of ``survey.csv`` and the closed cases of ``case_outcomes.csv`` gain a
项目编号 column for clients of a project (by station and date). Nothing here changes a ledger,
so the stations' indicators — and the published 2021 figures — are untouched.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from shegong.atomic import write_with
from shegong.config import Workspace
from shegong.ledger.vocabulary import EVENT_TYPES, SERVICE_AREAS

YEAR = 2022
ROUND = "2022年公益创投"
PROGRAMMES = {"暖阳": "社会救助", "乐龄": "养老服务", "雏鹰": "儿童关爱", "乐居": "社区治理"}
PROJECT_HEADER = [
    "项目编号",
    "项目名称",
    "资助方",
    "资助类型",
    "批次",
    "所属计划",
    "预算（元）",
    "开始日期",
    "结束日期",
    "覆盖站点",
    "覆盖村（社区）",
    "服务类型",
    "服务领域",
    "目标服务人次",
    "目标服务户数",
    "目标活动次数",
]
SPENDING_HEADER = ["项目编号", "支出日期", "金额（元）", "支出类别"]


@dataclass
class _Project:
    code: str
    name: str
    funder: str
    funding: str
    round: str
    programme: str
    budget: int
    start: date
    end: date
    stations: list[str]
    villages: list[str]
    types: list[str]
    area: str


def _plan(stations: list[str], rooms: dict[str, list[str]]) -> list[_Project]:
    s = stations
    bee = [
        ("XA2022-NY", "暖阳·困难家庭关爱", "暖阳", s[::2], 260_000),
        ("XA2022-LL", "乐龄·老年人关爱", "乐龄", s[1::2], 240_000),
        ("XA2022-CY", "雏鹰·儿童青少年成长", "雏鹰", s[:12], 220_000),
        ("XA2022-LJ", "乐居·社区赋能", "乐居", s[6:], 180_000),
    ]
    out = [
        _Project(
            code,
            name,
            "兴安盟民政局",
            "政府购买",
            "",
            prog,
            budget,
            date(YEAR, 1, 1),
            date(YEAR, 12, 31),
            sts,
            [],
            [],
            PROGRAMMES[prog],
        )
        for code, name, prog, sts, budget in bee
    ]
    # code, name, programme, stations, villages of the first station, event types, area, start, end,
    # budget
    micro = [
        (
            "GY2022-01",
            "银龄互助小组",
            "乐龄",
            [s[1]],
            rooms[s[1]][:2],
            [],
            "养老服务",
            (4, 1),
            (9, 30),
            36_000,
        ),
        (
            "GY2022-02",
            "童心课堂",
            "雏鹰",
            [s[2], s[4]],
            [],
            [],
            "儿童关爱",
            (3, 1),
            (10, 31),
            42_000,
        ),
        (
            "GY2022-03",
            "暖心助困",
            "暖阳",
            [s[6]],
            [],
            ["入户走访", "建档", "个案开案", "个案跟进", "个案结案"],
            "社会救助",
            (5, 1),
            (11, 30),
            30_000,
        ),
        (
            "GY2022-04",
            "邻里议事厅",
            "乐居",
            [s[9], s[10]],
            [],
            [],
            "社区治理",
            (4, 15),
            (10, 31),
            28_000,
        ),
        (
            "GY2022-05",
            "志愿先锋",
            "",
            [s[12], s[13]],
            [],
            ["志愿服务"],
            "",
            (6, 1),
            (12, 15),
            20_000,
        ),
        (
            "GY2022-06",
            "护苗行动",
            "雏鹰",
            [s[8]],
            rooms[s[8]][:3],
            [],
            "儿童关爱",
            (7, 1),
            (12, 31),
            25_000,
        ),
    ]
    for code, name, prog, sts, vill, types, area, (m1, d1), (m2, d2), budget in micro:
        out.append(
            _Project(
                code,
                name,
                "兴安盟慈善总会",
                "公益创投",
                ROUND,
                prog,
                budget,
                date(YEAR, m1, d1),
                date(YEAR, m2, d2),
                sts,
                vill,
                types,
                area,
            )
        )
    out.append(
        _Project(
            "CS2022-01",
            "康复助行",
            "兴安盟残疾人福利基金会",
            "慈善资助",
            "",
            "",
            50_000,
            date(YEAR, 3, 1),
            date(YEAR, 12, 31),
            [s[15], s[16]],
            [],
            [],
            "社会事务",
        )
    )
    return out


def _matches(ledger: pd.DataFrame, p: _Project) -> pd.DataFrame:
    """The 2022 ledger rows a project's rule matches (ignoring overlaps with other projects)."""
    days = ledger["date"].dt.date
    hit = ledger["station_code"].isin(p.stations) & (days >= p.start) & (days <= p.end)
    if p.villages:
        hit &= ledger["room_code"].isin(p.villages) | (ledger["station_code"] != p.stations[0])
    if p.types:
        hit &= ledger["event_type"].isin([EVENT_TYPES[t] for t in p.types])
    if p.area:
        hit &= ledger["service_area"] == SERVICE_AREAS[p.area]
    return ledger[hit]


def _target(x: float) -> int | str:
    """A proposal-time target near ``x``: blank when the rule matches nothing, whole numbers
    below 50, tens above."""
    if x <= 0:
        return ""
    return max(1, round(x)) if x < 50 else int(round(x / 10.0)) * 10


def write_demo_projects(ws: Workspace, *, seed: int = 2022) -> dict[str, Path]:
    """Write ``projects.csv`` and ``project_spending.csv`` and add 项目编号 to ``survey.csv`` and
    ``case_outcomes.csv`` in ``ws.inputs`` (see the module docstring). Needs the 2022 ledgers
    imported and the org units written. Returns ``{kind: path}``."""
    rng = random.Random(seed)
    org = pd.read_csv(ws.org_units_file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    stations = sorted(org.loc[org["unit_type"] == "station", "code"])
    rooms = {
        st: sorted(org.loc[(org["unit_type"] == "room") & (org["parent_code"] == st), "code"])
        for st in stations
    }
    name = dict(zip(org["code"], org["name"], strict=True))
    ledger = pd.concat(
        pd.read_parquet(
            p,
            columns=[
                "date",
                "year",
                "station_code",
                "room_code",
                "event_type",
                "service_area",
                "person_times",
                "household_pid",
            ],
        )
        for p in sorted(ws.accepted_dir.glob("*.parquet"))
    )
    ledger = ledger[ledger["year"] == YEAR]
    plan = _plan(stations, rooms)
    project_rows, spending_rows = [], []
    for p in plan:
        hit = _matches(ledger, p)
        f = rng.uniform(0.85, 1.25)
        targets = [
            _target(hit["person_times"].sum() * f),
            _target(hit["household_pid"].nunique() * rng.uniform(0.85, 1.2)),
            _target(len(hit) * rng.uniform(0.85, 1.2)),
        ]
        project_rows.append(
            [
                p.code,
                p.name,
                p.funder,
                p.funding,
                p.round,
                p.programme,
                f"{p.budget:,}",
                p.start.isoformat(),
                p.end.isoformat(),
                "；".join(name[s] for s in p.stations),
                "；".join(name[v] for v in p.villages),
                "、".join(p.types),
                p.area,
                *targets,
            ]
        )
        spent = p.budget * rng.uniform(0.62, 0.99)
        months = pd.date_range(p.start, p.end, freq="MS").date.tolist() or [p.start]
        weights = [rng.uniform(0.6, 1.4) for _ in months]
        for first, w in zip(months, weights, strict=True):
            day = max(first, p.start) + timedelta(days=rng.randint(0, 20))
            amount = spent * w / sum(weights)
            for cat, share in (("人员", 0.55), ("活动", 0.3), ("物资", 0.15)):
                spending_rows.append(
                    [p.code, min(day, p.end).isoformat(), f"{round(amount * share):.0f}", cat]
                )
    out = {
        "projects": ws.inputs / "projects.csv",
        "project_spending": ws.inputs / "project_spending.csv",
    }
    _write(out["projects"], PROJECT_HEADER, project_rows)
    _write(out["project_spending"], SPENDING_HEADER, spending_rows)
    by_priority = sorted(plan, key=lambda p: ((p.end - p.start).days, p.code))
    code_of = {v: k for k, v in name.items() if k in stations}
    for kind, date_col, only_clients in (
        ("survey", "调查日期", True),
        ("case_outcomes", "结案日期", False),
    ):
        path = ws.inputs / f"{kind}.csv"
        if path.exists():
            _tag(path, date_col, only_clients, by_priority, code_of, rng)
            out[kind] = path
    return out


def _tag(
    path: Path,
    date_col: str,
    only_clients: bool,
    plan: list[_Project],
    code_of: dict[str, str],
    rng: random.Random,
) -> None:
    """Add 项目编号 to rows at a project's station within its period (most rows of such clients)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    if "项目编号" in header:  # an earlier run: start again from the rows without it
        i = header.index("项目编号")
        header, body = header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in body]
    at, station_at = header.index(date_col), header.index("所属站点")
    for r in body:
        day, station = date.fromisoformat(r[at]), code_of.get(r[station_at])
        client = not only_clients or r[header.index("受访者类型")] == "服务对象"
        hit = next((p.code for p in plan if station in p.stations and p.start <= day <= p.end), "")
        r.append(hit if client and hit and rng.random() < 0.8 else "")
    _write(path, [*header, "项目编号"], body)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    def write(p: Path) -> None:
        with p.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(rows)

    write_with(path, write)
