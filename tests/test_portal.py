"""The served portal's index and routing (shegong.serving.portal)."""

import json

import pytest

from shegong.config import Workspace
from shegong.serving.portal import link, query_parameters, training_index, unit_index

from .builders import write_org_units


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.at(tmp_path / "ws")
    write_org_units(workspace.org_units_file)
    return workspace


def test_index_lists_units_by_level_with_links(ws):
    text = unit_index(ws, 2021, "zh")
    assert (
        text.index("### 盟市级") < text.index("### 旗县级") < text.index("### 乡镇（街道）社工站")
    )
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
    out.joinpath("manifest.json").write_text(
        json.dumps(
            {
                "units": [
                    {
                        "org_unit": "152201000000",
                        "status": "failed",
                        "error": {"cell_index": 1, "ename": "ReportError", "evalue": "x"},
                    },
                    {"org_unit": "152200000000", "status": "ok", "error": None},
                ]
            }
        ),
        encoding="utf-8",
    )
    text = unit_index(ws, 2021, "zh")
    assert "`152201000000` （报告生成失败：ReportError）" in text
    assert "`152200000000` （" not in text


def test_training_modules_are_linked():
    text = training_index("zh")
    assert text.count("(?module=") == 12  # the twelve modules of issue 19
    assert "(?module=m03-casework&lang=zh)" in text


def test_query_parameters_outside_voila(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "unit=152200000000&year=2022")
    assert query_parameters() == {"unit": "152200000000", "year": "2022"}
    assert link("返回", lang="zh") == "[返回](?lang=zh)"


def test_available_years_come_from_yearly_periods(ws):
    from shegong.serving.portal import available_years

    assert available_years(ws) == []
    import pandas as pd

    pd.DataFrame({"period": ["2021", "2021-03", "2021Q1", "2022", "2022-12"]}).to_parquet(
        ws.indicators_file
    )
    assert available_years(ws) == [2021, 2022]


def _grades(ws, year=2021):
    import pandas as pd

    rows = [
        ("152200000000", "total", "good"),
        ("152200000000", "A", None),
        ("152201000000", "total", "excellent"),
        ("152201100000", "total", "good"),
        ("152201101000", "total", "fail"),
        ("152221100000", "total", "good"),
    ]
    pd.DataFrame(
        [{"org_unit": u, "year": year, "dimension": d, "grade": g} for u, d, g in rows]
    ).to_parquet(ws.indicators_dir / "evaluation.parquet")


def test_index_shows_grades_and_filters_by_grade(ws):
    _grades(ws)
    text = unit_index(ws, 2021, "zh")
    assert "- [兴安盟](?unit=152200000000&year=2021&lang=zh) `152200000000` · 良好" in text
    assert "`152201101000` · 不合格" in text
    assert "`152221000000`\n" in text  # 科右前旗 has no grade: nothing shown
    good = unit_index(ws, 2021, "en", grade="good")
    assert [line.split("`")[1] for line in good.splitlines() if line.startswith("- ")] == [
        "152200000000",
        "152201100000",
        "152221100000",
    ]
    assert "`152200000000` · good" in good
    assert unit_index(ws, 2021, "zh", grade="pass") == "（无匹配单元）"
    assert "· 良好" not in unit_index(ws, 2022, "zh")  # grades of another year


def test_index_filters_by_county_and_combines_filters(ws):
    _grades(ws)
    county = unit_index(ws, 2021, "zh", county="152201000000")
    assert [line.split("`")[1] for line in county.splitlines() if line.startswith("- ")] == [
        "152201000000",
        "152201100000",
        "152201101000",
    ]  # the county and its stations, not the league
    both = unit_index(ws, 2021, "zh", county="152201000000", grade="good", search="和平")
    assert [line.split("`")[1] for line in both.splitlines() if line.startswith("- ")] == [
        "152201100000"
    ]


def test_index_filter_choices(ws):
    from shegong.serving.portal import index_filters

    assert index_filters(ws, 2021, "zh") == (
        [("全部", "")],
        [
            ("全部", ""),
            ("乌兰浩特市（152201000000）", "152201000000"),
            ("科尔沁右翼前旗（152221000000）", "152221000000"),
        ],
    )
    _grades(ws)
    grades, _ = index_filters(ws, 2021, "en")
    assert grades == [("All", ""), ("excellent", "excellent"), ("good", "good"), ("fail", "fail")]


def test_viewer_modules_import_no_heavy_library_before_the_request():
    """The portal modules the front server and kernels import stay light (no pandas, no widgets)."""
    import subprocess
    import sys

    code = (
        "import sys, shegong.serving.portal, shegong.reports.archive; "
        "print(sorted(m for m in ('pandas', 'matplotlib', 'seaborn', 'pyarrow', "
        "'ipywidgets', 'voila', 'nbconvert',"
        " 'jupyter_server') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
