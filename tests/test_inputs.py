"""Inputs beyond the ledger: header finding, normalisation, row accounting, rejects, privacy."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from shegong.config import Workspace
from shegong.errors import DatasetError
from shegong.indicators.inputs import import_input
from shegong.indicators.results import input_path
from shegong.ledger.privacy import Pseudonymiser, load_key

from .builders import write_org_units

H = "152201100000"


@pytest.fixture
def ws(tmp_path) -> Workspace:
    w = Workspace.at(tmp_path / "ws")
    write_org_units(w.org_units_file)
    return w


def test_workbook_with_title_row_full_width_digits_and_aliases(ws, tmp_path):
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "2021年"
    sheet.append(["重点户名册（2021年）"])
    sheet.append(["所属站点", "年度", "村（社区）", "户编号", "对象类别"])
    sheet.append(
        ["和平街道", "２０２１", "前进村", "152201100-0001", "低保"]
    )  # station alias, full-width year
    sheet.append([None, None, None, None, None])  # blank
    sheet.append(["幸福镇社工站", 2021, "", "152201100-0009", "低保"])  # unknown station
    sheet.append(["和平街道社工站", 2021, "不存在村", "152201100-0010", "特困"])  # unknown village
    sheet.append(["和平街道社工站", 2021, "", "", "特困"])  # household missing
    path = tmp_path / "重点户.xlsx"
    wb.save(path)
    s = import_input("priority_households", path, workspace=ws)
    assert (s.rows_read, s.accepted, s.rejected, s.skipped_blank) == (5, 1, 3, 1)
    assert s.rejected_by_reason == {
        "unknown_station": 1,
        "unknown_village": 1,
        "missing_household": 1,
    }
    frame = pd.read_parquet(input_path(ws, "priority_households"))
    assert frame.loc[0, ["station_code", "village", "year"]].tolist() == [H, "152201100001", 2021]
    expected = Pseudonymiser(load_key()).pseudonym("household", "152201100-0001")
    assert frame.loc[0, "household_pid"] == expected  # meets the ledger's household_pid
    written = b"".join(p.read_bytes() for p in (ws.inputs / "accepted").iterdir())
    written += (ws.inputs / "rejects" / "priority_households.csv").read_bytes()
    assert b"152201100-00" not in written  # household numbers never leave the import
    quality = json.loads(
        (ws.inputs / "quality" / "priority_households.json").read_text(encoding="utf-8")
    )
    assert (
        quality["accepted"] + quality["rejected"] + quality["skipped_blank"] == quality["rows_read"]
    )


def test_gb18030_survey_with_every_bad_cell_reported(ws, tmp_path):
    path = tmp_path / "问卷.csv"
    text = (
        "问卷编号,所属站点,调查日期,受访者类型,知情同意,总体满意度,知晓地址,知晓服务,知晓社工,知晓求助渠道,知晓经费来源\n"
        "1,和平街道社工站,2021年10月3日,服务对象,是,５,是,否,是,否,是\n"
        "2,和平街道社工站,2021.10.4,居民,否,4,否,否,否,否,否\n"
        "3,和平街道社工站,2021年2月30日,路人,也许,9,是,是,是,是,是\n"
    )
    path.write_bytes(text.encode("gb18030"))
    s = import_input("survey", path, workspace=ws)
    assert (s.accepted, s.rejected) == (2, 1)
    rejects = pd.read_csv(ws.inputs / "rejects" / "survey.csv", encoding="utf-8-sig")
    assert rejects.loc[0, "row"] == 4
    assert set(rejects.loc[0, "all_reasons"].split(";")) == {
        "date:invalid_date",
        "respondent_type:unknown_value",
        "consent:not_yes_no",
        "satisfaction:out_of_range",
    }
    frame = pd.read_parquet(input_path(ws, "survey"))
    assert frame["respondent_type"].tolist() == ["client", "resident"]
    assert frame["satisfaction"].tolist() == [5, 4] and frame["year"].tolist() == [2021, 2021]
    assert frame["consent"].tolist() == [True, False]


def test_missing_header_names_the_columns(ws, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(
        DatasetError, match=r"no header row naming the columns 所属站点 \(station\), 年度 \(year\)"
    ) as e:
        import_input("site_visits", path, workspace=ws)
    assert e.value.exit_code == 2 and e.value.message().startswith("x.csv, sheet x: no header row")
    with pytest.raises(DatasetError, match="unknown input kind 'nope'"):
        import_input("nope", path, workspace=ws)


def test_roster_names_are_pseudonymised(ws, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "staff_id,station_code,name,role,employment,qualification,certificate_year\n"
        f"S1,{H},张桂兰,站长,专职,社会工作师,2019\n",
        encoding="utf-8",
    )
    s = import_input("roster", path, workspace=ws)
    assert s.accepted == 1
    frame = pd.read_parquet(input_path(ws, "roster"))
    assert "name" not in frame.columns and frame.loc[0, "name_pid"].startswith("X-")
    assert "张桂兰".encode() not in input_path(ws, "roster").read_bytes()
