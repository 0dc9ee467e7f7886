"""The served portal's index and routing (shegong.portal)."""

import json

import pytest

from shegong.config import Workspace
from shegong.portal import link, query_parameters, training_index, unit_index

from .builders import write_org_units


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.at(tmp_path / "ws")
    write_org_units(workspace.org_units_file)
    return workspace


def test_index_lists_units_by_level_with_links(ws):
    text = unit_index(ws, 2021, "zh")
    assert text.index("### 盟市级") < text.index("### 旗县级") < text.index("### 乡镇（街道）社工站")
    assert "- [兴安盟](?unit=152200000000&year=2021&lang=zh) `152200000000`" in text
    assert "前进村社工室" not in text  # rooms are not reported by default


def test_index_search_by_name_alias_or_code(ws):
    assert "科尔沁右翼前旗" in unit_index(ws, 2021, "zh", search="科右前旗")
    only = unit_index(ws, 2021, "zh", search="152201101")
    assert "都林街道社工站" in only and "和平街道社工站" not in only
    assert unit_index(ws, 2021, "en", search="不存在") == "(no matching unit)"


def test_failed_units_are_marked(ws):
    out = ws.reports_dir(2021)
    out.mkdir(parents=True)
    out.joinpath("manifest.json").write_text(json.dumps({"units": [
        {"org_unit": "152201000000", "status": "failed", "error": {"cell_index": 1, "ename": "ReportError", "evalue": "x"}},
        {"org_unit": "152200000000", "status": "ok", "error": None}]}), encoding="utf-8")
    text = unit_index(ws, 2021, "zh")
    assert "`152201000000` （报告生成失败：ReportError）" in text
    assert "`152200000000` （" not in text


def test_training_modules_are_linked():
    text = training_index("zh")
    assert text.count("(?module=") == 8
    assert "(?module=m03-casework&lang=zh)" in text


def test_query_parameters_outside_voila(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "unit=152200000000&year=2022")
    assert query_parameters() == {"unit": "152200000000", "year": "2022"}
    assert link("返回", lang="zh") == "[返回](?lang=zh)"


def test_available_years_come_from_yearly_periods(ws):
    from shegong.portal import available_years

    assert available_years(ws) == []
    import pandas as pd

    pd.DataFrame({"period": ["2021", "2021-03", "2021Q1", "2022", "2022-12"]}).to_parquet(ws.indicators_file)
    assert available_years(ws) == [2021, 2022]
