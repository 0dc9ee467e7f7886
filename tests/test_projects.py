"""Projects and programmes (issue 8): import, attribution by rule and by column, project indicators.

The fixture: two venture-philanthropy projects of one round share 和平街道社工站 (H).

- P-A 和平助老 (乐龄): H, 2021-03-01 … 2021-06-30, service area 养老服务; budget 12,000 元.
- P-B 胜利童行 (雏鹰): H's village 胜利社区 and the whole of 都林街道 (D), 2021-05-01 … 2021-12-31;
  budget 8,000 元.

Ledger events (人次) and where each goes, worked out by hand:

====  ==========  ==================  ==============  ====  ===================================
 seq  date        place               type / area     人次  attributed to
====  ==========  ==================  ==============  ====  ===================================
  1   2021-02-20  H 胜利社区           visit 养老        1   none (before both periods)
  2   2021-03-10  H 前进村             visit 养老        1   P-A
  3   2021-04-12  H 前进村             group 养老       10   P-A
  4   2021-05-20  H 胜利社区           visit 养老        2   P-A (both match; P-A's period is shorter)
  5   2021-06-05  H 胜利社区           event 儿童       30   P-B (P-A is 养老 only)
  6   2021-07-15  H 前进村             visit 养老        1   none (after P-A; 前进村 is not P-B's)
  7   2021-08-03  D                    group 儿童       12   P-B (D counts whole)
  8   2021-09-10  K 科尔沁镇            visit 救助        1   none (K is in neither project)
  9   2021-10-10  H 胜利社区           visit 儿童        1   P-B
 10   2021-11-11  K 科尔沁镇            visit 救助        7   P-B (its 项目编号 column says so)
 11   2022-01-05  H 胜利社区           visit 养老        1   none (after both periods)
====  ==========  ==================  ==============  ====  ===================================

P-A: 13 人次 (1+10+2), households 张桂兰 and 李建国 = 2, 3 activities; spent 3,000 + 900 = 3,900 元
→ 300 元/人次, 1,950 元/户, budget execution 3,900 ÷ 12,000 = 32.5 %.
P-B: 50 人次 (30+12+1+7), households 李建国 and 王秀英 = 2, 4 activities; spent 5,000 元 → 100 元/人次,
2,500 元/户, execution 62.5 %.
The round: 63 人次, 8,900 元 → 141.27 元/人次; households 张桂兰, 李建国, 王秀英 = 3 (李建国 once,
although both projects served him) → 2,966.67 元/户; execution 8,900 ÷ 20,000 = 44.5 %.
"""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pandas as pd
import pytest

from shegong.config import Workspace
from shegong.errors import DatasetError, RegistryError
from shegong.indicators.inputs import import_input
from shegong.indicators.projects import compute_projects, load_project_registry, project_events_file
from shegong.ledger.importer import import_ledgers

from .builders import HEADER, row, write_org_units

H, D, K = "152201100000", "152201101000", "152221100000"
PROJECTS = (
    "项目编号,项目名称,资助方,资助类型,批次,所属计划,预算（元）,开始日期,结束日期,覆盖站点,覆盖村（社区）,服务类型,服务领域,"
    "目标服务人次,目标服务户数,目标活动次数\n"
    "P-A,和平助老,兴安盟慈善总会,公益创投,2021公益创投,乐龄,12000,2021-03-01,2021-06-30,和平街道社工站,,,养老服务,20,2,4\n"
    'P-B,胜利童行,兴安盟慈善总会,公益创投,2021公益创投,雏鹰,"8,000",2021年5月1日,2021.12.31,和平街道；都林街道,胜利社区,,,40,2,4\n'
)
SPENDING = (
    "项目编号,支出日期,金额（元）,支出类别\n"
    "P-A,2021-04-01,3000,活动\nP-A,2021-05-01,900,物资\nP-B,2021-06-01,5000,人员\n"
    "P-B,2022-02-01,100,其他\n"  # after P-B's end: rejected
    "P-Z,2021-06-01,100,其他\n"
)  # no such project: rejected


def _ledger(path):
    d = dt.date
    rows = [
        row(
            1,
            d(2021, 2, 20),
            "和平街道社工站",
            "胜利社区",
            "入户走访",
            "养老服务",
            "李建国",
            "独居老人",
        ),
        row(
            2,
            d(2021, 3, 10),
            "和平街道社工站",
            "前进村",
            "入户走访",
            "养老服务",
            "张桂兰",
            "独居老人",
        ),
        row(3, d(2021, 4, 12), "和平街道社工站", "前进村", "小组活动", "养老服务", times=10),
        row(
            4,
            d(2021, 5, 20),
            "和平街道社工站",
            "胜利社区",
            "入户走访",
            "养老服务",
            "李建国",
            "独居老人",
            times=2,
        ),
        row(5, d(2021, 6, 5), "和平街道社工站", "胜利社区", "主题活动", "儿童关爱", times=30),
        row(
            6,
            d(2021, 7, 15),
            "和平街道社工站",
            "前进村",
            "入户走访",
            "养老服务",
            "张桂兰",
            "独居老人",
        ),
        row(7, d(2021, 8, 3), "都林街道社工站", "", "小组活动", "儿童关爱", times=12),
        row(8, d(2021, 9, 10), "科尔沁镇社工站", "", "入户走访", "社会救助", "王秀英", "特困"),
        row(
            9,
            d(2021, 10, 10),
            "和平街道社工站",
            "胜利社区",
            "入户走访",
            "儿童关爱",
            "李建国",
            "独居老人",
        ),
        row(
            10,
            d(2021, 11, 11),
            "科尔沁镇社工站",
            "",
            "入户走访",
            "社会救助",
            "王秀英",
            "特困",
            times=7,
        ),
        row(
            11,
            d(2022, 1, 5),
            "和平街道社工站",
            "胜利社区",
            "入户走访",
            "养老服务",
            "李建国",
            "独居老人",
        ),
    ]
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.append([*HEADER, "项目编号"])
    for r in rows:
        sheet.append([*r, "P-B" if r[0] == 10 else None])
    wb.save(path)
    return path


@pytest.fixture
def ws(tmp_path) -> Workspace:
    w = Workspace.at(tmp_path / "ws")
    write_org_units(w.org_units_file)
    summary = import_ledgers(
        [_ledger(tmp_path / "台账.xlsx")], workspace=w, progress=False
    ).to_dict()
    assert (summary["accepted"], summary["rejected"]) == (11, 0)
    (tmp_path / "projects.csv").write_text(PROJECTS, encoding="utf-8")
    (tmp_path / "spending.csv").write_text(SPENDING, encoding="utf-8")
    assert import_input("projects", tmp_path / "projects.csv", workspace=w).accepted == 2
    s = import_input("project_spending", tmp_path / "spending.csv", workspace=w)
    assert (s.accepted, s.rejected, s.rejected_by_reason) == (
        3,
        2,
        {"date_outside_project": 1, "unknown_project": 1},
    )
    return w


def _values(table: pd.DataFrame, scope: str, scope_id: str) -> dict[str, float]:
    rows = table[(table["scope"] == scope) & (table["scope_id"] == scope_id)]
    return dict(zip(rows["indicator"], rows["value"], strict=True))


def test_events_outside_a_projects_period_or_area_are_not_attributed(ws):
    compute_projects(ws)
    events = pd.read_parquet(project_events_file(ws))
    seq = {
        int(r.split("-")[-1]) - 1: code
        for r, code in zip(events["event_id"], events["project_code"], strict=True)
    }
    assert seq == {
        2: "P-A",
        3: "P-A",
        4: "P-A",
        5: "P-B",
        7: "P-B",
        9: "P-B",
        10: "P-B",
    }  # Excel rows 3… = seq 2…
    by_seq = dict(zip(seq, events["attribution"], strict=True))
    assert by_seq[10] == "explicit" and by_seq[4] == "rule"
    assert dict(zip(seq, events["candidates"], strict=True))[4] == 2  # both rules matched event 4
    assert dict(zip(events["project_code"], events["programme"], strict=True)) == {
        "P-A": "乐龄",
        "P-B": "雏鹰",
    }
    summary = json.loads(
        (ws.indicators_dir / "project_attribution.json").read_text(encoding="utf-8")
    )
    assert summary == {
        "ledger_events": 11,
        "attributed": {"explicit": 1, "rule": 6},
        "matched_several_rules": 1,
        "unknown_project_codes": {},
    }


def test_cost_per_person_time_and_household_by_hand(ws):
    table = compute_projects(ws)
    a, b = _values(table, "project", "P-A"), _values(table, "project", "P-B")
    assert (a["P4c"], a["P4d"], a["P4a"], a["P2b"], a["P2a"]) == (13, 2, 3, 3900, 12000)
    assert (a["P2c"], a["P2d"], a["P3a"]) == (300, 1950, 32.5)
    assert (b["P4c"], b["P4d"], b["P4a"], b["P2b"]) == (50, 2, 4, 5000)
    assert (b["P2c"], b["P2d"], b["P3a"]) == (100, 2500, 62.5)
    rnd = _values(table, "round", "2021公益创投")
    assert (rnd["P4c"], rnd["P4d"], rnd["P2b"], rnd["P4b"]) == (
        63,
        3,
        8900,
        3.5,
    )  # 李建国 counted once
    assert rnd["P2c"] == pytest.approx(8900 / 63) and rnd["P2d"] == pytest.approx(8900 / 3)
    assert rnd["P3a"] == pytest.approx(44.5)
    assert _values(table, "funder", "兴安盟慈善总会")["P4c"] == 63
    assert _values(table, "programme", "乐龄")["P4c"] == 13


def test_targets_shares_and_status(ws):
    table = compute_projects(ws).set_index(["scope_id", "indicator"])
    assert table.loc[("P-A", "P1a"), ["value", "status"]].tolist() == [65.0, "missed"]  # 13 ÷ 20
    assert table.loc[("P-A", "P1b"), ["value", "status"]].tolist() == [100.0, "met"]  # 2 ÷ 2
    assert table.loc[("P-A", "P1c"), ["value", "status"]].tolist() == [
        75.0,
        "missed",
    ]  # 3 ÷ 4 (near is 80 %)
    assert table.loc[("P-A", "P4c"), ["target", "status"]].tolist() == [20.0, "missed"]
    assert table.loc[("P-B", "P1c"), ["value", "status"]].tolist() == [100.0, "met"]
    # share of the ledger: P-A's area is H in March–June (events 2–5: 43 人次), P-B's is 胜利社区 and D
    # in May–December plus its explicit event (4, 5, 7, 9, 10: 52 人次)
    assert table.loc[("P-A", "P3c"), "value"] == pytest.approx(100 * 13 / 43)
    assert table.loc[("P-B", "P3c"), "value"] == pytest.approx(100 * 50 / 52)
    assert table.loc[("P-A", "P3c"), "dimension"] == "management"
    assert (
        "P6a" not in table.loc["P-A"].index
    )  # no survey imported: no rows rather than false zeros


def test_attributed_person_times_never_exceed_the_ledger(ws):
    compute_projects(ws)
    events = pd.read_parquet(project_events_file(ws))
    ledger = pd.concat(pd.read_parquet(p) for p in ws.accepted_dir.glob("*.parquet"))
    assert events["event_id"].is_unique
    assert events["person_times"].sum() == 63 <= ledger["person_times"].sum() == 67


def test_satisfaction_restricted_to_the_projects_clients(ws, tmp_path):
    head = "问卷编号,所属站点,调查日期,受访者类型,知情同意,总体满意度,知晓地址,知晓服务,知晓社工,知晓求助渠道,知晓经费来源,项目编号\n"
    lines = [
        f"{i},和平街道社工站,2021-06-20,服务对象,是,{s},是,是,是,是,是,{p}"
        for i, (s, p) in enumerate(
            [(5, "P-A"), (4, "P-A"), (4, "P-A"), (5, "P-A"), (2, "P-A"), (1, ""), (1, "")]
        )
    ]
    lines.append(
        "9,和平街道社工站,2021-06-20,服务对象,是,5,是,是,是,是,是,P-Q"
    )  # unknown project: rejected
    (tmp_path / "survey.csv").write_text(head + "\n".join(lines) + "\n", encoding="utf-8")
    s = import_input("survey", tmp_path / "survey.csv", workspace=ws)
    assert (s.accepted, s.rejected_by_reason) == (7, {"unknown_project": 1})
    table = compute_projects(ws).set_index(["scope_id", "indicator"])
    assert table.loc[("P-A", "P6a"), ["numerator", "denominator", "value"]].tolist() == [
        4.0,
        5.0,
        80.0,
    ]
    assert table.loc[("P-B", "P6a"), "status"] == "suppressed"  # no responses of P-B's clients


BAD = (
    "项目编号,项目名称,资助方,资助类型,预算（元）,开始日期,结束日期,覆盖站点,覆盖村（社区）\n"
    "P-1,好项目,民政局,政府购买,50000,2021-01-01,2021-12-31,和平街道社工站,\n"
    "P-2,倒置日期,民政局,政府购买,50000,2021-12-01,2021-01-31,和平街道社工站,\n"
    "P-3,无此站点,民政局,政府购买,50000,2021-01-01,2021-12-31,幸福镇社工站,\n"
    "P-4,类型不明,民政局,众筹,50000,2021-01-01,2021-12-31,和平街道社工站,\n"
    "P-1,重复编号,民政局,政府购买,50000,2021-01-01,2021-12-31,和平街道社工站,\n"
    "P-6,村不在站点下,民政局,政府购买,50000,2021-01-01,2021-12-31,都林街道社工站,胜利社区\n"
    "P-7,预算为负,民政局,政府购买,-5,2021-01-01,2021-12-31,和平街道社工站,\n"
    "P 8!,编号不规范,民政局,政府购买,50000,2021-01-01,2021-12-31,和平街道社工站,\n"
    "P-9,分,民政局,政府购买,100.005,2021-01-01,2021-12-31,和平街道社工站,\n"
)


def test_bad_project_files_rejected_with_file_row_column_reasons(tmp_path):
    w = Workspace.at(tmp_path / "ws")
    write_org_units(w.org_units_file)
    (tmp_path / "项目.csv").write_text(BAD, encoding="utf-8")
    s = import_input("projects", tmp_path / "项目.csv", workspace=w)
    assert (s.rows_read, s.accepted, s.rejected) == (9, 1, 8)
    rejects = pd.read_csv(w.inputs / "rejects" / "projects.csv", dtype=str, keep_default_na=False)
    got = {(r.file, int(r.row), r.column, r.reason) for r in rejects.itertuples()}
    assert got == {
        ("项目.csv", 3, "end_date", "end_before_start"),
        ("项目.csv", 4, "stations", "unknown_station"),
        ("项目.csv", 5, "funding_type", "unknown_value"),
        ("项目.csv", 6, "project_code", "duplicate_project_code"),
        ("项目.csv", 7, "villages", "village_outside_stations"),
        ("项目.csv", 8, "budget_fen", "negative_amount"),
        ("项目.csv", 9, "project_code", "bad_project_code"),
        ("项目.csv", 10, "budget_fen", "money_precision"),
    }
    (tmp_path / "无表头.csv").write_text("编号,名字\nP-1,x\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="项目编号 .project_code.*预算（元）"):
        import_input("projects", tmp_path / "无表头.csv", workspace=w)
    (tmp_path / "支出.csv").write_text(SPENDING, encoding="utf-8")
    fresh = Workspace.at(tmp_path / "fresh")
    write_org_units(fresh.org_units_file)
    with pytest.raises(DatasetError, match="projects imported first"):
        import_input("project_spending", tmp_path / "支出.csv", workspace=fresh)


def test_project_registry_is_validated_like_the_station_registry(tmp_path):
    registry = load_project_registry()
    assert {m.dimension for m in registry.measures} == {
        "objectives",
        "inputs",
        "management",
        "outputs",
        "outcomes",
        "satisfaction",
    }
    assert all("MZ/T 059-2014" in m.reference or "ours" in m.reference for m in registry.measures)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        """schema_version: 1
measures:
  - id: X1
    dimension: impact
    name: {zh: 甲, en: a}
    definition: {zh: 甲, en: a}
    unit: 元/人次
    aggregation: ratio_of_sums
    numerator: {source: spending, aggregation: sum, field: amount}
    denominator: {source: ledger, aggregation: count}
    target_field: budget
    reference: x
""",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError) as e:
        load_project_registry(bad)
    text = str(e.value)
    for fragment in (
        "key dimension 'impact'",
        "numerator.field 'amount' is not a column of spending",
        "denominator.source 'ledger'",
        "key target_field 'budget'",
    ):
        assert fragment in text


def test_cli_report_projects_needs_computed_projects(tmp_path, capsys):
    from shegong.cli.main import main

    w = Workspace.at(tmp_path / "ws")
    write_org_units(w.org_units_file)
    assert main(["report", "--workspace", str(w.root), "--year", "2021", "--projects"]) == 1
    assert "project indicators have not been computed" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:  # --projects is exclusive with --all
        main(["report", "--workspace", str(w.root), "--year", "2021", "--projects", "--all"])
    assert e.value.code == 2
    assert main(["indicators", "check"]) == 0
    assert "project registry OK: 19 measures" in capsys.readouterr().out


def test_project_report_pieces(ws):
    from shegong.reports.project import ProjectReport

    compute_projects(ws)
    report = ProjectReport.load(ws, "round", "2021公益创投", 2021)
    ranking = report.ranking_table()
    assert ranking["项目"].tolist() == [
        "P-B 胜利童行",
        "P-A 和平助老",
    ]  # P1a 125 % (50 ÷ 40) before 65 %
    assert ranking["每人次服务成本（元/人次）"].tolist() == ["100.0", "300.0"]
    assert report.cost_table().iloc[0].tolist() == ["20,000", "8,900", "44.5", "141.3", "2,966.7"]
    assert set(report.dimensions_table()["维度"]) == {
        "目标",
        "投入",
        "管理",
        "产出",
    }  # no survey, no case outcomes
    # March (P-A starts) to December (P-B ends): events 2, 3, 4, 5, 7, 9, 10
    assert report.monthly.set_index("period")["value"].to_dict() == {
        "2021-03": 1,
        "2021-04": 1,
        "2021-05": 1,
        "2021-06": 1,
        "2021-07": 0,
        "2021-08": 1,
        "2021-09": 0,
        "2021-10": 1,
        "2021-11": 1,
        "2021-12": 0,
    }
    assert report.timeline_png()[:4] == b"\x89PNG"
    assert report.targets_png()[:4] == b"\x89PNG" and report.cost_png()[:4] == b"\x89PNG"
    with pytest.raises(Exception, match="no project 'P-Z' in 2021"):
        ProjectReport.load(ws, "project", "P-Z", 2021)


@pytest.mark.slow
def test_project_report_batch_writes_a_manifest_and_resumes(ws):
    import json

    from shegong.reports.project_batch import project_reports_dir, run_project_reports

    compute_projects(ws)
    first = run_project_reports(ws, year=2021, workers=2, progress=False, pdf=False)
    keys = [u["key"] for u in first["units"]]
    assert keys == [
        "project-P-A",
        "project-P-B",
        "programme-乐龄",
        "programme-雏鹰",
        "funder-兴安盟慈善总会",
        "round-2021公益创投",
    ]
    assert {u["status"] for u in first["units"]} == {"ok"}
    out = project_reports_dir(ws, 2021)
    assert (out / "round-2021公益创投.html").exists() and (out / "project-P-A.docx").exists()
    assert first["units"][0]["parameters"] == {
        "scope": "project",
        "scope_id": "P-A",
        "year": 2021,
        "workspace": str(ws.root),
        "lang": "zh",
    }
    again = run_project_reports(ws, year=2021, workers=2, progress=False, pdf=False, resume=True)
    assert {u["status"] for u in again["units"]} == {"skipped"}
    assert (
        json.loads((out / "manifest.json").read_text(encoding="utf-8"))["template"]
        == "notebooks/reports/project_report.ipynb"
    )


def test_index_links_rounds_funders_programmes_and_projects(ws):
    from shegong.serving.portal import project_index

    assert project_index(ws, 2021, "zh") == ""  # nothing computed yet
    compute_projects(ws)
    text = project_index(ws, 2021, "zh")
    assert (
        text.index("### 公益创投批次")
        < text.index("### 资助方")
        < text.index("### 服务计划")
        < text.index("### 项目")
    )
    assert "[和平助老](?project=P-A&year=2021&lang=zh) `P-A`" in text
    assert "(?project=%E9%9B%8F%E9%B9%B0&scope=programme&year=2021&lang=zh)" in text  # 雏鹰
    assert project_index(ws, 2022, "en") == ""  # no project starts in 2022


def test_timeline_of_a_project_crossing_the_new_year():
    from shegong.reports.project import _monthly

    projects = pd.DataFrame(
        {"start_date": [pd.Timestamp(2021, 11, 15)], "end_date": [pd.Timestamp(2022, 2, 10)]}
    )
    events = pd.DataFrame({"date": pd.to_datetime(["2021-11-20", "2021-11-30", "2022-02-01"])})
    got = _monthly(events, projects, 2021)
    assert got.to_dict("list") == {
        "period": ["2021-11", "2021-12", "2022-01", "2022-02"],
        "value": [2, 0, 0, 1],
    }


def test_a_ledger_code_naming_no_project_is_reported_not_attributed(ws, tmp_path):
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.append([*HEADER, "项目编号", "所属计划"])
    sheet.append(
        [
            *row(
                1,
                dt.date(2021, 5, 6),
                "和平街道社工站",
                "前进村",
                "入户走访",
                "养老服务",
                "张桂兰",
                "独居老人",
                times=4,
            ),
            "P-X",
            None,
        ]
    )
    sheet.append(
        [
            *row(2, dt.date(2021, 9, 9), "科尔沁镇社工站", "", "主题活动", "社区治理", times=25),
            None,
            "乐居",
        ]
    )
    wb.save(tmp_path / "另一台账.xlsx")
    assert (
        import_ledgers([tmp_path / "另一台账.xlsx"], workspace=ws, progress=False).to_dict()[
            "accepted"
        ]
        == 2
    )
    table = compute_projects(ws)
    summary = json.loads(
        (ws.indicators_dir / "project_attribution.json").read_text(encoding="utf-8")
    )
    assert summary["unknown_project_codes"] == {"P-X": 1}
    assert summary["attributed"] == {
        "explicit": 1,
        "programme": 1,
        "rule": 6,
    }  # P-X's event is not P-A's by rule either
    assert _values(table, "project", "P-A")["P4c"] == 13
    assert _values(table, "programme", "乐居")["P4c"] == 25  # a programme-only event (no project)
