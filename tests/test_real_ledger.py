"""The real ledger ../shared/real/2024.xls (WPS .xls, read in place, never copied) through the
shipped profile datasets/profiles/activity_beneficiaries.yaml (issue 4)."""

import json
import os
import subprocess

import pandas as pd
import pytest

from shegong.config import Workspace
from shegong.errors import DatasetError
from shegong.ledger.importer import import_ledgers
from shegong.ledger.profiles import load_profile
from shegong.ledger.read import read_sheets
from shegong.ledger.structure import find_header

from .conftest import REAL, SHEGONG

pytestmark = pytest.mark.skipif(
    not REAL.is_dir(), reason="../shared/real/ is not present on this machine"
)

FILE = REAL / "2024.xls"
UNIT = "990000001000"


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    workspace = Workspace.at(tmp_path_factory.mktemp("real") / "ws")
    workspace.org_units_file.write_text(
        f"code,name,parent_code,level,unit_type,aliases\n{UNIT},同心源小家,,4,centre,\n",
        encoding="utf-8",
    )
    return workspace


@pytest.fixture(scope="module")
def summary(ws):
    return import_ledgers(
        [FILE], workspace=ws, profile="activity_beneficiaries", progress=False
    ).to_dict()


def test_header_band_and_table_width():
    sheet = read_sheets(FILE)[0]
    header = find_header(sheet.rows, load_profile("activity_beneficiaries"), sheet.merged)
    assert (header.row, header.last_row, header.width) == (
        1,
        3,
        34,
    )  # rows 2–4; AJ–AK lookups left out
    assert header.labels["volunteers"] == "志愿者服务人数及时长统计/合计/人数"
    # the row's stated total of beneficiaries (R, a stale formula) and its four parts (L M O P)
    assert header.columns["person_times"] == 17
    assert header.sums["person_times"] == header.sums["persons"] == (11, 12, 14, 15)


def test_every_row_ends_in_one_class(summary):
    assert (
        summary["rows_read"],
        summary["accepted"],
        summary["rejected"],
        summary["skipped_blank"],
        summary["total_rows"],
    ) == (397, 19, 8, 369, 1)
    assert summary["rejected_by_reason"] == {
        "month_summary": 4,
        "no_activity": 1,
        "stray_numbers": 3,
    }
    # person-times are the beneficiaries the sheet lists by group (成人 男性 · 女性, 儿童 男童 ·
    # 女童) over the 19 events — not 活动受益人次统计 / 总合计, which repeats the volunteers' count
    # (28)
    assert summary["totals"] == {
        "person_times": 145,
        "volunteer_hours": 60.0,
        "resources_yuan": 0.0,
    }
    # 18 rows state 0 in R (a stale formula) beside parts of 3–9; row 34 lists no beneficiaries
    assert summary["warnings"] == {"beneficiaries_disagree": 18, "no_beneficiaries": 1}
    mismatches = summary["files"][0]["beneficiary_mismatches"]
    assert [(m["row"], m["stated"], m["parts_sum"]) for m in mismatches[:3]] == [
        (15, 0.0, 7.0),
        (16, 0.0, 7.0),
        (17, 0.0, 7.0),
    ]
    assert [m["row"] for m in mismatches] == [*range(15, 32), 35]
    assert mismatches[0]["column"] == "R 本次活动受益人数统计/总合计"
    assert summary["files"][0]["skipped_sheets"] == [
        {"sheet": "Sheet2", "reason": "not_in_profile"},
        {"sheet": "Sheet3", "reason": "not_in_profile"},
    ]


def test_rejected_rows_and_their_reasons(ws, summary):
    rejects = pd.read_csv(ws.rejects_dir / "2024.xls.csv", encoding="utf-8-sig")
    assert rejects[["row", "reason"]].values.tolist() == [
        [6, "month_summary"],
        [9, "month_summary"],
        [12, "month_summary"],
        [13, "month_summary"],
        [36, "no_activity"],
        [278, "stray_numbers"],
        [363, "stray_numbers"],
        [364, "stray_numbers"],
    ]


def test_every_dated_activity_is_an_event(ws, summary):
    df = pd.read_parquet(ws.accepted_dir / "2024.xls.parquet")
    assert df["source_row"].tolist() == [*range(15, 32), 34, 35]
    assert (
        df["date"].min().date().isoformat() == "2024-04-08"
        and df["date"].max().date().isoformat() == "2024-05-06"
    )
    assert set(df["event_type"]) == {"volunteer_service"} and set(df["org_unit"]) == {UNIT}
    assert df["service_area"].fillna("").tolist() == ["child_care"] * 18 + [
        ""
    ]  # row 35 leaves 项目领域 blank
    assert (int(df["volunteers"].sum()), int(df["persons"].sum())) == (28, 145)
    assert df["person_times"].tolist() == [*[7] * 8, 6, 9, 9, 9, 9, 10, 9, 9, 8, 0, 11]
    assert df["profile"].unique().tolist() == ["activity_beneficiaries"]


def test_the_total_row_is_reconciled_column_by_column(summary):
    stale = {
        r["column"].split()[0]: (r["stated"], r["rows_sum"], r["parts_sum"])
        for r in summary["reconciliation"]
        if r["kind"] == "stale_total"
    }
    assert stale == {
        "N": (0.0, 0.0, 86.0),
        "Q": (0.0, 0.0, 74.0),
        "R": (0.0, 0.0, 160.0),
        "AD": (158.0, 158.0, 146.0),
    }
    rest = {
        r["column"].split()[0] for r in summary["reconciliation"] if r["kind"] == "rejected_rows"
    }
    assert {"AG", "AC"} <= rest and all(r["row"] == 5 for r in summary["reconciliation"])


def test_quality_report_and_rejects_workbook(ws, summary):
    html = (ws.quality_dir / "2024.xls.html").read_text(encoding="utf-8")
    assert html.index("数据质量报告") < html.index("data-quality report")  # Chinese first
    assert html.count("stale_total") >= 4 and "19 + 8 + 369 + 1 = 397" in html
    assert "志愿者日常陪伴 → 志愿服务" in html
    import openpyxl

    sheet = openpyxl.load_workbook(ws.rejects_dir / "2024.xls.xlsx").active
    assert [c.value for c in sheet["B"]][1:] == [6, 9, 12, 13, 36, 278, 363, 364]


def test_the_standard_profile_says_what_to_do(ws):
    with pytest.raises(DatasetError) as e:
        import_ledgers([FILE], workspace=ws, profile="standard", progress=False)
    assert "lacks required column(s) person_times" in e.value.message()
    assert "shegong ledger profile suggest 2024.xls" in e.value.message()


@pytest.mark.slow
def test_indicators_and_report_for_its_org_unit(ws, summary):
    env = dict(os.environ)
    for args in (
        ["indicators", "compute", "--year", "2024"],
        ["report", "--year", "2024", "--unit", UNIT, "--workers", "1"],
    ):
        proc = subprocess.run(
            [*SHEGONG, *args, "--workspace", str(ws.root)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert (
        "报告 reports: 1 ok, 0 skipped (unchanged), 0 failed → "
        f"{ws.reports_dir(2024)}/ (manifest.json)" in proc.stdout
    )
    table = pd.read_parquet(ws.indicators_file)
    mine = table[
        (table["org_unit"] == UNIT)
        & (table["period"] == "2024")
        & table["service_area"].isna()
        & table["client_category"].isna()
    ].set_index("indicator")
    assert (
        mine.at["D7a", "value"] == 145
        and mine.at["F2b", "value"] == 28
        and mine.at["F2c", "value"] == 60
    )
    manifest = json.loads((ws.reports_dir(2024) / "manifest.json").read_text(encoding="utf-8"))
    assert [u["status"] for u in manifest["units"]] == ["ok"]
