"""Every measure of the registry on a hand-built world, each expected value worked out by hand.

The world (org units of tests/builders.py): 兴安盟 L → 乌兰浩特市 CITY (和平 H with rooms 前进村 Q
and 胜利社区 S; 都林 D) and 科右前旗 QQ (科尔沁 K). 16 ledger events of 2021 are written straight to
Parquet in the canonical columns (the contract between import and indicators); every other
input goes through :func:`shegong.indicators.inputs.import_input` from CSV.

Traps: C2 is 75 % for the league (12 of 16 rows complete) while the mean of its counties'
rates is (60 % + 100 %) ÷ 2 = 80 %; households are counted again at every level (rooms 1 + 2 =
3, station 2); F1 counts organisation ORG-1 once for the city although two stations linked it;
D3b, D4b, A1 at the city and others have denominators below 5 and are suppressed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shegong.config import Workspace
from shegong.indicators.compute import compute_indicators
from shegong.indicators.evaluation import evaluate
from shegong.indicators.inputs import import_inputs
from shegong.indicators.registry import load_registry
from shegong.ledger.privacy import Pseudonymiser, load_key

from .builders import write_org_units

L, CITY, QQ = "152200000000", "152201000000", "152221000000"
H, D, K = "152201100000", "152201101000", "152221100000"
Q, S = "152201100001", "152201100002"

# unit, month, event_type, area, category, client, household, person_times, volunteers, hours, fen,
# staff
EVENTS = [
    (Q, 3, "home_visit", "social_assistance", "dibao", "p1", "h1", 2, 0, 0, 0, "S1"),
    (S, 3, "home_visit", "social_assistance", "dibao", "p1", "h1", 1, 0, 0, 0, "S1"),
    (S, 4, "home_visit", "elderly_services", "elderly_living_alone", "p2", "h2", 1, 0, 0, 0, "S2"),
    (H, 4, "file_opened", "social_assistance", "dibao", "p1", "h1", 1, 0, 0, 0, "S1"),
    (H, 5, "case_opened", "social_assistance", "dibao", "p1", "h1", 1, 0, 0, 0, "S1"),
    (H, 6, "case_closed", "social_assistance", "dibao", "p1", "h1", 1, 0, 0, 0, "S1"),
    (D, 3, "home_visit", "child_care", "left_behind_child", "p3", "h3", 3, 0, 0, 0, None),
    (D, 3, "file_opened", "child_care", "left_behind_child", "p3", "h3", 1, 0, 0, 0, "S3"),
    (D, 7, "group_session", "child_care", None, None, None, 10, 2, 4.0, 0, "S3"),
    (D, 8, "group_session", "child_care", None, None, None, 8, 0, 0, 0, "S3"),
    (K, 3, "home_visit", "social_assistance", "extreme_poverty", "p4", "h4", 1, 0, 0, 0, "S4"),
    (K, 9, "community_event", "community_governance", None, None, None, 50, 5, 10.0, 0, "S4"),
    (K, 10, "resource_linked", "social_assistance", None, None, None, 0, 0, 0, 123450, "S5"),
    (K, 11, "case_opened", "social_assistance", "extreme_poverty", "p4", "h4", 1, 0, 0, 0, "S4"),
    (K, 12, "case_closed", "social_assistance", "extreme_poverty", "p4", "h4", 1, 0, 0, 0, "S4"),
    (K, 12, "case_closed", "social_assistance", "extreme_poverty", "p5", "h5", 1, 0, 0, 0, "S4"),
]
NAMES = {H: "和平街道社工站", D: "都林街道社工站", K: "科尔沁镇社工站"}


def _ledger(ws: Workspace, pseudo: Pseudonymiser) -> None:
    rows = []
    for i, (unit, month, kind, area, cat, client, hh, pt, vol, hours, fen, staff) in enumerate(
        EVENTS, 1
    ):
        station = unit if unit in NAMES else H
        rows.append(
            {
                "event_id": f"e{i}",
                "date": pd.Timestamp(2021, month, 15),
                "year": 2021,
                "month": month,
                "org_unit": unit,
                "station_code": station,
                "room_code": None if unit == station else unit,
                "event_type": kind,
                "service_area": area,
                "client_category": cat,
                "client_pid": pseudo.pseudonym("person", client) if client else None,
                "household_pid": pseudo.pseudonym("household", hh) if hh else None,
                "person_times": pt,
                "staff_ids": staff,
                "volunteers": vol,
                "volunteer_hours": hours,
                "resources_fen": fen,
                "resource_kind": "cash" if fen else None,
            }
        )
    frame = pd.DataFrame(rows)
    frame["date"] = frame["date"].astype("datetime64[ms]")
    frame[["year", "month"]] = frame[["year", "month"]].astype("int32")
    ws.accepted_dir.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(ws.accepted_dir / "hand.parquet", index=False)


def _csv(ws: Workspace, kind: str, text: str) -> None:
    (ws.inputs / f"{kind}.csv").write_text(text.strip() + "\n", encoding="utf-8")


def _training_rows() -> str:
    lines = ["场次编号,培训日期,学时,形式,学员工号,学员,所属站点,学员角色,阶段,前测,后测"]
    lines += [
        f"T{m:02d},2021-{m:02d}-10,1,个别督导,S1,甲,{H},站长,帮,," for m in range(1, 13)
    ]  # S1 every month
    lines += [
        f"U{m},2021-{m:02d}-12,2,团体督导,S3,丙,{D},站长,帮,," for m in (3, 4)
    ]  # S3 in two months
    lines += [
        f"L1,2021-05-01,3,讲授,S1,甲,{H},站长,带,50,70",
        f"L1,2021-05-01,3,讲授,S2,乙,{H},社工,传,60,65",
        f"L2,2021-05-02,3,讲授,,赵村干部,{D},村（社区）干部,传,40,60",
    ]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> tuple[Workspace, pd.DataFrame]:
    ws = Workspace.at(tmp_path_factory.mktemp("hand") / "ws")
    write_org_units(ws.org_units_file)
    pseudo = Pseudonymiser(load_key())
    _ledger(ws, pseudo)
    _csv(
        ws,
        "divisions",
        f"""
区划代码,名称,类型,上级单元,服务单元,设立日期
{H},和平街道,乡镇,{CITY},{H},2021-01-01
{D},都林街道,乡镇,{CITY},{D},2021-01-01
{K},科尔沁镇,乡镇,{QQ},{K},2021-01-01
152201190000,新乡镇,乡镇,{CITY},,
152221190000,后建镇,乡镇,{QQ},152221190000,2022-05-01
{Q},前进村,村,{H},{Q},2021-01-01
{S},胜利社区,村,{H},{S},2021-01-01
152201100101,无室村,村,{H},,
152201101101,都林村,村,{D},,
152221100001,科尔沁村,村,{K},152221100001,2021-06-01""",
    )
    _csv(
        ws,
        "roster",
        f"""
staff_id,station_code,name,role,employment,qualification,certificate_year,start_date,end_date
S1,{H},甲,站长,专职,社会工作师,2019,2021-01-01,
S2,{H},乙,社工,兼职,无,,2021-01-01,
S3,{D},丙,站长,专职,助理社会工作师,2020,2021-01-01,
S4,{K},丁,站长,专职,无,,2021-01-01,
S5,{K},戊,社工,专职,助理社会工作师,2022,2021-01-01,
V1,{H},己,志愿者,兼职,无,,2021-01-01,
V2,{K},庚,志愿者,兼职,无,,2021-01-01,
V3,{K},辛,志愿者,兼职,无,,2021-01-01,
V4,{K},壬,志愿者,兼职,无,,2019-01-01,2020-12-31""",
    )
    _csv(ws, "training", _training_rows())
    _csv(
        ws,
        "survey",
        f"""
问卷编号,所属站点,调查日期,受访者类型,知情同意,总体满意度,知晓地址,知晓服务,知晓社工,知晓求助渠道,知晓经费来源
1,{H},2021-10-01,服务对象,是,5,是,是,是,否,否
2,{H},2021-10-01,服务对象,是,4,是,是,是,是,否
3,{H},2021-10-01,服务对象,是,3,否,否,否,否,否
4,{H},2021-10-01,服务对象,是,5,是,否,否,否,否
5,{H},2021-10-01,服务对象,是,2,是,是,否,否,否
6,{H},2021-10-01,服务对象,否,5,是,是,是,是,是
7,{K},2021-10-01,服务对象,是,4,是,是,是,否,否
8,{K},2021-10-01,服务对象,是,4,是,是,是,是,否
9,{K},2021-10-01,服务对象,是,1,是,是,是,是,是
10,{H},2021-10-01,合作方,是,4,否,否,否,否,否
11,{H},2021-10-01,合作方,是,5,否,否,否,否,否
12,{K},2021-10-01,合作方,是,3,否,否,否,否,否""",
    )
    _csv(
        ws,
        "site_visits",
        f"""
所属站点,年度,接待室,个案室,小组活动室,档案柜上锁,服务流程制度,档案管理制度,督导制度,财务制度,安全制度,隐私保护制度
{H},2021,是,是,是,是,是,是,是,是,是,是
{D},2021,是,是,否,否,是,是,是,否,否,否
{K},2021,是,是,是,否,是,是,是,是,是,否""",
    )
    receipts = ["所属站点,年度,月份,应报日期,收到日期"]
    receipts += [f"{H},2021,{m},2021-{m:02d}-28,2021-{m:02d}-20" for m in range(1, 13)]
    receipts += [f"{D},2021,{m},2021-{m:02d}-28,2021-{m:02d}-20" for m in range(1, 7)]  # on time
    receipts += [f"{D},2021,{m},2021-{m:02d}-28,2021-{m + 1:02d}-03" for m in range(7, 12)]  # late
    receipts += [f"{D},2021,12,2021-12-28,"]  # never received
    _csv(ws, "receipts", "\n".join(receipts))
    _csv(
        ws,
        "audits",
        f"""
所属站点,年度,档案编号,接案,预估,计划,介入,评估,结案
{H},2021,f1,是,是,是,是,是,是
{H},2021,f2,是,是,是,是,是,是
{H},2021,f3,是,是,否,是,是,是
{K},2021,f4,是,是,是,是,是,是
{K},2021,f5,是,是,是,是,是,是""",
    )
    _csv(
        ws,
        "service_lists",
        f"""
所属站点,年度,服务领域
{H},2021,社会救助
{H},2021,养老服务
{D},2021,社区治理
{K},2021,社会救助
{K},2021,社区治理""",
    )
    _csv(
        ws,
        "organisations",
        f"""
组织编号,所属站点,关系,日期
ORG-1,{H},链接,2021-04-01
ORG-1,{D},链接,2021-05-01
ORG-2,{K},培育,2021-06-01""",
    )
    _csv(
        ws,
        "case_outcomes",
        f"""
所属站点,个案编号,结案日期,目标达成
{H},c1,2021-06-15,是
{K},c4,2021-12-15,是
{K},c5,2021-12-15,否""",
    )
    _csv(
        ws,
        "priority_households",
        f"""
所属站点,年度,村（社区）,户编号,对象类别
{H},2021,前进村,h1,低保
{H},2021,胜利社区,h2,独居老人
{H},2021,,h6,低保
{D},2021,,h3,留守儿童
{K},2021,,h4,特困
{K},2021,,h7,特困""",
    )
    _csv(
        ws,
        "groups",
        f"""
小组编号,所属站点,服务领域,开始日期
G1,{D},儿童关爱,2021-07-01
G2,{D},儿童关爱,2021-08-01
G3,{D},儿童关爱,2020-11-01""",
    )
    summaries = import_inputs(ws)
    assert all(s.rejected == 0 for s in summaries.values()), {
        k: s.rejected_by_reason for k, s in summaries.items()
    }
    table = compute_indicators(ws, year=2021)
    return ws, table


def row(table, unit, measure, period="2021", area=None, category=None):
    sel = (
        (table["org_unit"] == unit) & (table["indicator"] == measure) & (table["period"] == period)
    )
    sel &= table["service_area"].isna() if area is None else table["service_area"] == area
    sel &= (
        table["client_category"].isna()
        if category is None
        else table["client_category"] == category
    )
    hit = table[sel]
    assert len(hit) == 1, (unit, measure, period, len(hit))
    return hit.iloc[0]


def v(table, unit, measure, **kw):
    return row(table, unit, measure, **kw)["value"]


#: (measure, unit, value or None when suppressed, numerator, denominator) — worked out by hand.
EXPECTED = [
    ("A1", L, 60.0, 3, 5),
    ("A1", CITY, None, 2, 3),
    ("A2", L, 60.0, 3, 5),
    ("A2", H, None, 2, 3),
    ("A3", L, 3.0, 9, 3),
    ("A3", CITY, 3.0, 6, 2),
    ("B1", L, 4 / 3, 4, 3),
    ("B1", K, 2.0, 2, 1),
    ("B2", L, 40.0, 2, 5),
    ("B2", CITY, None, 2, 3),
    ("B3", L, 4.4, 22, 5),
    ("B4", L, 20.0, 1, 5),
    ("B5", L, 17.0, None, None),
    ("B5", D, 3.0, None, None),
    ("C1", L, 14 / 3, 14, 3),
    ("C2", L, 75.0, 12, 16),
    ("C2", CITY, 60.0, 6, 10),
    ("C2", QQ, 100.0, 6, 6),
    ("C2", Q, None, 1, 1),
    ("C3", L, 75.0, 18, 24),
    ("C3", K, None, 0, 0),
    ("D1", L, 4.0, None, None),
    ("D1", CITY, 3.0, None, None),
    ("D1", H, 2.0, None, None),
    ("D1", Q, 1.0, None, None),
    ("D1", S, 2.0, None, None),
    ("D2", L, 400 / 6, 4, 6),
    ("D2", H, None, 2, 3),
    ("D3a", L, 2.0, None, None),
    ("D3b", L, None, 2, 4),
    ("D4a", L, 2.0, None, None),
    ("D4b", L, None, 3, 2),
    ("D5a", L, 2.0, None, None),
    ("D5b", L, 2.0, None, None),
    ("D6", L, 1.0, None, None),
    ("D7a", L, 83.0, None, None),
    ("D7b", L, 5.0, None, None),
    ("E1", L, 80.0, 4, 5),
    ("E2", L, 75.0, 12, 16),
    ("F1", L, 2.0, None, None),
    ("F1", CITY, 1.0, None, None),
    ("F1", H, 1.0, None, None),
    ("F2a", L, 3.0, None, None),
    ("F2a", K, 2.0, None, None),
    ("F2b", L, 7.0, None, None),
    ("F2c", L, 14.0, None, None),
    ("F3", L, 1234.5, None, None),
    ("G1", L, 62.5, 5, 8),
    ("G1", H, 60.0, 3, 5),
    ("G1", K, None, 2, 3),
    ("G2", L, 62.5, 5, 8),
    ("G2", H, 40.0, 2, 5),
    ("G3", L, None, 2, 3),
    ("G4", L, None, 2, 3),
]


def test_every_measure_is_covered_by_a_hand_value():
    assert {e[0] for e in EXPECTED} == {m.id for m in load_registry().measures}


@pytest.mark.parametrize(
    ("measure", "unit", "value", "numerator", "denominator"),
    EXPECTED,
    ids=[f"{e[0]}-{e[1][-6:]}" for e in EXPECTED],
)
def test_hand_values(world, measure, unit, value, numerator, denominator):
    _ws, table = world
    r = row(table, unit, measure)
    if value is None:
        assert np.isnan(r["value"]) and r["status"] == "suppressed"
    else:
        assert r["value"] == pytest.approx(value)
        assert r["status"] != "suppressed"
    if numerator is None:
        assert np.isnan(r["numerator"]) and np.isnan(r["denominator"])
    else:
        assert (r["numerator"], r["denominator"]) == (numerator, denominator)


def test_ratio_of_sums_is_not_the_mean_of_ratios(world):
    _ws, table = world
    counties = [v(table, CITY, "C2"), v(table, QQ, "C2")]
    assert sum(counties) / 2 == 80.0 and v(table, L, "C2") == 75.0


def test_distinct_counts_are_not_sums_of_children(world):
    _ws, table = world
    assert v(table, Q, "D1") + v(table, S, "D1") == 3 and v(table, H, "D1") == 2
    assert v(table, H, "F1") + v(table, D, "F1") == 2 and v(table, CITY, "F1") == 1


def test_periods_and_disaggregations(world):
    _ws, table = world
    assert v(table, L, "D7a", period="2021Q1") == 2 + 1 + 3 + 1 + 1
    assert v(table, L, "D7a", period="2021-12") == 2
    assert v(table, L, "D1", area="social_assistance") == 2  # h1 and h4
    assert v(table, L, "D1", category="dibao") == 1
    assert v(table, L, "C2", area="social_assistance") == pytest.approx(
        70.0
    )  # 10 rows, 4–6 incomplete
    assert np.isnan(v(table, L, "C2", area="child_care"))  # rows 7–10: 3 of 4, below 5 rows
    assert v(table, L, "C2", period="2021-03") == 80.0  # rows 1, 2, 7, 8, 11: row 7 has no staff
    months = table[
        (table["indicator"] == "C2")
        & table["period"].str.contains("-")
        & (table["period"] != "2021-03")
    ]
    assert (
        not months.empty and (months["status"] == "suppressed").all()
    )  # every other month has < 5 rows


def test_targets_and_status(world):
    _ws, table = world
    c2 = row(table, L, "C2")
    assert (c2["target"], c2["status"]) == (85.0, "near")  # 75 ≥ 0.8 × 85
    d1 = row(table, L, "D1")
    assert (d1["target"], d1["status"]) == (80.0 * 3, "missed")  # 80 per station × 3 stations
    assert np.isnan(row(table, Q, "D1")["target"])  # per-station targets stop at the station
    assert row(table, L, "A3")["status"] == "met"
    assert row(table, L, "E1")["status"] == "met" and row(table, L, "E1")["target"] == 60.0


def test_levels_outside_the_measure_are_absent(world):
    _ws, table = world
    assert table[(table["indicator"] == "A1") & (table["level"] > 3)].empty
    assert table[(table["indicator"] == "B2") & (table["level"] == 5)].empty


def test_findings_and_evaluation(world):
    ws, _table = world
    scores = evaluate(ws, year=2021)
    findings = pd.read_parquet(ws.indicators_dir / "findings.parquet")
    closed = findings[findings["check"] == "cases_closed_exceed_opened"]
    assert closed.set_index("org_unit")[["value", "expected"]].to_dict("index") == {
        K: {"value": 2.0, "expected": 1.0},
        QQ: {"value": 2.0, "expected": 1.0},
        L: {"value": 3.0, "expected": 2.0},
    }
    at_station = findings[
        (findings["check"] == "recorded_at_station") & (findings["indicator"] == "D7a")
    ]
    assert at_station[["org_unit", "value"]].values.tolist() == [
        [H, 3.0]
    ]  # rows 4–6 have no village
    assert findings[findings["severity"] == "error"].empty
    total = scores[(scores["org_unit"] == L) & (scores["dimension"] == "total")].iloc[0]
    assert total["grade"] in ("excellent", "good", "pass", "fail") and 0 <= total["score"] <= 100
    assert (total["rank"], total["peers"]) == (1, 1)
    outcomes = pd.read_parquet(ws.indicators_dir / "training_outcomes.parquet").set_index("station")
    assert outcomes.at[H, "trainees"] == 2 and outcomes.at[H, "scored"] == 2
    assert outcomes.at[H, "gain_mean"] == pytest.approx((20 + 5) / 2)
    assert outcomes.at[H, "stage_lead"] == 1 and outcomes.at[H, "stage_pass"] == 1
    assert outcomes.at[H, "outcome_year"] == 2022 and np.isnan(
        outcomes.at[H, "D1"]
    )  # 2022 not computed
