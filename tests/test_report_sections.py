"""Report sections: peer medians, recommendations, narrative, data-quality annex, methodology."""

import pandas as pd
import pytest

from shegong.config import Workspace
from shegong.indicators.compute import compute_indicators
from shegong.indicators.registry import load_registry
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
        "ambiguous date (such as 6.3): write 2021-06-03 (n = 1), service date is not "
        "a valid date (n = 1)"
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


def test_recommendations_from_missed_targets():
    reg = load_registry()
    table = pd.DataFrame(
        [
            {
                "org_unit": "1",
                "level": 4,
                "period": "2021",
                "indicator": "D1",
                "value": 80.0,
                "unit": "户",
                "target": 120.0,
                "status": "missed",
                "service_area": None,
                "client_category": None,
            },
            {
                "org_unit": "1",
                "level": 4,
                "period": "2021",
                "indicator": "D6",
                "value": 9.0,
                "unit": "场",
                "target": 6.0,
                "status": "met",
                "service_area": None,
                "client_category": None,
            },
        ]
    )
    lines = rs.recommendations(table, reg, "1", 2021, "zh")
    assert lines == ["D1 入户走访户数：实际 80户，目标 120户，差距 40户。" + rs.ADVICE["zh"]["D"]]


def test_a_gap_between_rates_is_in_percentage_points():
    reg = load_registry()
    table = pd.DataFrame(
        [
            {
                "org_unit": "1",
                "level": 4,
                "period": "2021",
                "indicator": "B4",
                "value": 46.6,
                "unit": "%",
                "target": 60.0,
                "status": "missed",
                "service_area": None,
                "client_category": None,
            },
        ]
    )
    name = {m.id: m.name for m in reg.measures}["B4"]
    assert rs.recommendations(table, reg, "1", 2021, "zh") == [
        f"B4 {name['zh']}：实际 46.6%，目标 60%，差距 13.4 个百分点。" + rs.ADVICE["zh"]["B"]
    ]
    assert rs.recommendations(table, reg, "1", 2021, "en") == [
        f"B4 {name['en']}: actual 46.6 %, target 60 %, gap 13.4 percentage points. "
        + rs.ADVICE["en"]["B"]
    ]


def test_results_readers_agree_with_their_writers(ws):
    from shegong.indicators import results

    # evaluation.py takes its file paths and grade labels from results.py itself
    assert results.input_path(ws, "roster") == ws.inputs / "accepted" / "roster.parquet"
    pd.testing.assert_frame_equal(results.read_indicators(ws), pd.read_parquet(ws.indicators_file))
    assert results.read_input(ws, "roster") is None  # never imported here


def test_report_kernels_import_neither_duckdb_nor_pandera():
    import subprocess
    import sys

    code = (
        "import sys, shegong.reports.unit, shegong.reports.sections, "
        "shegong.reports.services, shegong.reports.team, "
        "shegong.serving.portal; print(sorted(m for m in ('duckdb', 'pandera', "
        "'shegong.indicators.inputs', 'shegong.indicators.compute', "
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
