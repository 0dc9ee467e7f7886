"""Report sections: peer medians, problems and advice, narrative, data-quality annex, methodology."""

import pandas as pd
import pytest

from shegong.config import Workspace
from shegong.indicators.compute import compute_indicators, load_registry
from shegong.ledger.importer import import_ledgers
from shegong.orgunits import OrgUnits
from shegong.reports import sections as rs

from .builders import write_org_units, write_standard_xlsx


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    workspace = Workspace.at(tmp_path_factory.mktemp("sections") / "ws")
    write_org_units(workspace.org_units_file)
    path = write_standard_xlsx(workspace.inputs / "和平_2021年3月.xlsx")
    import_ledgers([path], workspace=workspace, progress=False)
    compute_indicators(workspace, year=2021)
    return workspace


def test_quality_annex_lists_contributing_files(ws):
    units = OrgUnits.read_csv(ws.org_units_file)
    annex = rs.quality_annex(ws, units, "152200000000", "zh")
    assert annex.values.tolist() == [
        [
            "和平_2021年3月.xlsx",
            12,
            7,
            4,
            1,
            0,
            "服务日期有歧义（如 6.3），请写成 2021年6月3日（1 行）、服务日期不是有效日期（1 行）、"
            "服务类型不在标准列表中，也不在映射配置中（1 行）、所属站点不在组织单元文件中（1 行）",
            0,
        ]
    ]
    assert (
        rs.quality_annex(ws, units, "152200000000", "zh", 2021).values.tolist()
        == annex.values.tolist()
    )
    assert rs.quality_annex(
        ws, units, "152200000000", "zh", 2022
    ).empty  # a 2022 report lists no 2021 ledger
    en = rs.quality_annex(ws, units, "152200000000", "en")
    assert en.iat[0, 6].startswith(
        "ambiguous date (such as 6.3): write 2021-06-03 (n = 1), service date is not a valid date (n = 1)"
    )
    assert (
        len(rs.quality_annex(ws, units, "152221000000", "zh")) == 1
    )  # 科尔沁镇's accepted rows come from it
    assert list(rs.quality_annex(ws, units, "152201000000", "en").columns)[:3] == [
        "File",
        "Rows read",
        "Accepted",
    ]


def test_peer_comparison_uses_median_of_same_level(ws):
    table = pd.read_parquet(ws.indicators_file)
    peers = rs.peer_comparison(table, load_registry(), "152201100000", 4, 2021, "zh").set_index(
        "id"
    )
    # stations: 和平 D7a = 1+1+2 = 4, 都林 = 0+12 = 12, 科尔沁镇 = 60+1 = 61 → median 12
    assert peers.at["D7a", "unit_value"] == 4
    assert peers.at["D7a", "median"] == 12
    assert peers.at["D7a", "n"] == 3
    assert rs.peer_comparison(
        table, load_registry(), "152200000000", 2, 2021, "zh"
    ).empty  # no peers


def test_narrative_read_when_present(ws):
    assert rs.narrative(ws, "152200000000") is None
    (ws.root / "narratives").mkdir(exist_ok=True)
    (ws.root / "narratives" / "152200000000.md").write_text(
        "## 评估意见\n\n总体运行良好。", encoding="utf-8"
    )
    assert rs.narrative(ws, "152200000000").endswith("总体运行良好。")


def test_methodology_lists_every_measure():
    reg = load_registry()
    table = rs.methodology(reg, "zh")
    assert len(table) == len(reg.measures)
    assert table.set_index("编号").at["D1", "单位"] == "户"
    sources = table.set_index("编号")["来源"]
    assert sources["E1"] == "MZ/T 094-2017 个案服务环节；个案档案抽查表"
    assert not sources.str.contains(
        "[a-z]{4}", regex=True
    ).any()  # no English words left in a Chinese report


def _yearly_rows(*rows):
    return pd.DataFrame([{"numerator": None, "denominator": None, **r} for r in rows])


def test_problems_and_advice_from_the_rules_not_from_a_dimension():
    from shegong.reports.assessment import advise, find_problems
    from shegong.reports.rules import load_rules

    reg, rules = load_registry(), load_rules()
    rows = _yearly_rows(
        {"indicator": "D1", "value": 80.0, "unit": "户", "target": 120.0, "status": "missed"},
        {"indicator": "D6", "value": 9.0, "unit": "场", "target": 6.0, "status": "met"},
        {"indicator": "D4b", "value": 40.0, "unit": "%", "target": 60.0, "status": "missed"},
    )
    found = find_problems(rows, reg, rules, "zh", pilot_year=1)
    assert [p.text for p in found] == [
        "入户走访户数未达标：80户，目标120户，差40户。",
        "个案结案率未达标：40%，目标60%，差20.0个百分点。",
    ]
    advice = advise(found, rules, "station", "zh", __import__("datetime").date(2023, 3, 1))
    assert [a.measures for a in advice] == [("D1",), ("D4b",)]
    assert advice[0].what == rules.measures["D1"].what["zh"] + "。"
    assert advice[1].what == rules.measures["D4b"].what["zh"] + "。"
    assert advice[0].what != advice[1].what  # same dimension D, different advice
    assert (
        advice[0].check == "下一年度按台账核查入户走访户数，目标135户。"
    )  # 120 × 90/80: next pilot year
    assert advice[1].who == "社工站负责，承接运营的社会工作服务机构配合"
    assert advice[1].by == "自报告印发之日起6个月内（2023年9月1日前）"


def test_a_gap_between_rates_is_in_percentage_points():
    from shegong.reports.format import gap, quantity

    assert gap(46.6, 60.0, "%", "zh") == "13.4个百分点"
    assert gap(46.6, 60.0, "%", "en") == "13.4 percentage points"
    assert gap(80.0, 120.0, "户", "en") == "40 households"
    assert quantity(17000.0, "元", "zh") == "17,000元" and quantity(231.0, "个", "en") == "231"


def test_results_readers_agree_with_their_writers(ws):
    from shegong.indicators import inputs, results

    # evaluation.py takes its file paths and grade labels from results.py itself
    assert results.input_path(ws, "roster") == inputs.accepted_file(ws, "roster")
    pd.testing.assert_frame_equal(results.read_indicators(ws), pd.read_parquet(ws.indicators_file))
    assert results.read_input(ws, "roster") is None  # never imported here


def test_report_kernels_import_neither_duckdb_nor_pandera():
    import subprocess
    import sys

    code = (
        "import sys, shegong.reports.unit, shegong.reports.sections, shegong.reports.services, shegong.reports.team, "
        "shegong.reports.document, "
        "shegong.serving.portal; print(sorted(m for m in ('duckdb', 'pandera', 'shegong.indicators.inputs', 'shegong.indicators.compute', "
        "'shegong.indicators.evaluation') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.strip() == "[]"


def test_own_level_row_holds_what_no_child_recorded():
    from shegong.reports.unit import _with_own_level

    kpis = pd.DataFrame(
        {"indicator": ["D7a", "D1"], "value": [100.0, 30.0], "additive": [True, False]}
    )
    children = pd.DataFrame(
        {"code": ["a", "b"], "name": ["甲村", "乙村"], "D7a": [40.0, None], "D1": [12.0, 9.0]}
    )
    out = _with_own_level(children, kpis, 4, "zh")
    assert out["name"].tolist() == ["甲村", "乙村", "本级/未填村"]
    assert out["D7a"].tolist()[2] == 60.0 and pd.isna(
        out["D1"].iloc[2]
    )  # 100 − 40; distinct counts do not add
    assert _with_own_level(children.fillna({"D7a": 60.0}), kpis, 4, "zh").equals(
        children.fillna({"D7a": 60.0})
    )
    assert (
        _with_own_level(children, kpis, 3, "en")["name"].iloc[2]
        == "unit level / no child unit given"
    )


def test_units_and_small_targets_as_shown():
    from shegong.reports.format import format_value, unit_label

    assert (unit_label("人次", "en"), unit_label("户", "en"), unit_label("元", "en")) == (
        "person-times",
        "households",
        "yuan",
    )
    assert unit_label("人次", "zh") == "人次"
    assert (format_value(1.5, "家"), format_value(1493.0, "户"), format_value(17000.0, "元")) == (
        "1.5",
        "1,493",
        "17,000",
    )
