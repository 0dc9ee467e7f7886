"""The generated corpus of messy ledgers (issue 4): one file per kind of mess, plus combinations,
each with its expected counts per class and totals."""

import datetime as dt
import json

import openpyxl
import pandas as pd
import pytest

from shegong.config import Workspace
from shegong.ledger.importer import import_ledgers

from .builders import row, with_check_digit, write_org_units
from .messy.corpus import formula_zero_row, good_rows, stray, total_row, write_messy


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.at(tmp_path / "ws")
    write_org_units(workspace.org_units_file)
    return workspace


def counts(s: dict) -> tuple:
    assert s["rows_read"] == s["accepted"] + s["rejected"] + s["skipped_blank"] + s["total_rows"]
    return s["rows_read"], s["accepted"], s["rejected"], s["skipped_blank"], s["total_rows"]


def run(ws, path, **kw) -> dict:
    return import_ledgers(
        [path], workspace=ws, progress=False, today=dt.date(2022, 1, 10), **kw
    ).to_dict()


def test_merged_two_row_header_maps_volunteers_by_path(ws, tmp_path):
    path = write_messy(tmp_path / "merged.xlsx", {"3月": good_rows(3)})
    s = run(ws, path)
    assert counts(s) == (3, 3, 0, 0, 0)
    assert s["totals"]["person_times"] == 33 and s["totals"]["volunteer_hours"] == 9.0
    df = pd.read_parquet(ws.accepted_dir / "merged.xlsx.parquet")
    assert df["volunteers"].tolist() == [2, 2, 2]
    assert df["profile"].unique().tolist() == ["standard"]


def test_totals_top_and_bottom_are_reconciled(ws, tmp_path):
    rows = [total_row("总合计", 33, 6, 9), *good_rows(3), total_row("小 计", 40, 6, 9)]
    s = run(ws, write_messy(tmp_path / "totals.xlsx", {"3月": rows}))
    assert counts(s) == (5, 3, 0, 0, 2)
    assert [
        (r["row"], r["column"], r["stated"], r["computed"], r["kind"]) for r in s["reconciliation"]
    ] == [(8, "L 服务人次", 40.0, 33.0, "stale_total")]


def test_formula_zero_and_whitespace_rows_are_blank(ws, tmp_path):
    rows = [*good_rows(2), *[formula_zero_row() for _ in range(5)], [None] * 3 + ["   "]]
    s = run(ws, write_messy(tmp_path / "zeros.xlsx", {"3月": rows}))
    assert counts(s) == (8, 2, 0, 6, 0)


def test_lookup_lists_in_spare_columns_are_ignored(ws, tmp_path):
    s = run(ws, write_messy(tmp_path / "lookup.xlsx", {"3月": good_rows(2)}, lookup=True))
    # the drop-down list (rows 3–8 of column T) runs three rows below the data: blank in the table
    assert counts(s) == (5, 2, 0, 3, 0)
    assert s["rejected"] == 0


def test_month_summary_no_activity_and_stray_numbers(ws, tmp_path):
    summary_row = row(
        None, None, None, "", "小组活动", "", times=120, volunteers=10
    )  # January, in one line
    no_activity = [None] * 12 + ["S9"] + [None] * 5  # only 参与社工 filled
    rows = [summary_row, *good_rows(2), no_activity, *[[None] * 18] * 20, stray(17)]
    s = run(ws, write_messy(tmp_path / "summary.xlsx", {"3月": rows}))
    assert counts(s) == (25, 2, 3, 20, 0)
    assert s["rejected_by_reason"] == {"month_summary": 1, "no_activity": 1, "stray_numbers": 1}


def test_values_numbers_dates_and_qualifiers(ws, tmp_path):
    d = "都林街道社工站"
    rows = [
        row(1, "2021年3月5日", d, "", "小组活动", "儿童关爱", times="１２"),
        row(2, "2021.3.6", d, "", "资源链接", "儿童关爱", times=0, yuan="1.2万元", resource="物资"),
        row(3, "3月7日", d, "", "主题活动", "社区治理", times="30余人次"),
        row(4, 44267, d, "", "主题活动", "社区治理", times="二十"),
        row(5, 6.3, d, "", "主题活动", "社区治理", times=5),
        row(6, "2021/3/9", d, "", "主题活动", "社区治理", times="约1,200", hours="12小时"),
        row(7, "2021/3/10", d, "", "主题活动", "社区治理", times="很多"),
    ]
    s = run(ws, write_messy(tmp_path / "2021年3月_values.xlsx", {"3月": rows}, merged=False))
    assert counts(s) == (7, 5, 2, 0, 0)
    assert s["rejected_by_reason"] == {"ambiguous_date": 1, "invalid_number": 1}
    assert s["totals"] == {
        "person_times": 12 + 0 + 30 + 20 + 1200,
        "volunteer_hours": 12.0,
        "resources_yuan": 12000.0,
    }
    df = pd.read_parquet(ws.accepted_dir / "2021年3月_values.xlsx.parquet")
    assert df["date"].dt.strftime("%m-%d").tolist() == ["03-05", "03-06", "03-07", "03-12", "03-09"]
    assert df["pt_qualifier"].fillna("").tolist() == ["", "", "≥", "", "≈"]
    fixes = s["files"][0]["fixes"]
    # fixes are counted on every row read, the rejected 很多 row's date too
    assert fixes["number_text"] == 6 and fixes["date_text"] == 5 and fixes["date_serial"] == 1


def test_one_sheet_per_month_and_a_notes_sheet(ws, tmp_path):
    sheets = {f"{m}月": good_rows(2, month=m) for m in (1, 2, 3)}
    path = write_messy(
        tmp_path / "months.xlsx",
        sheets,
        extra_sheets={"填表说明": [["请按月填写"], ["不要合并单元格"]]},
    )
    s = run(ws, path)
    assert counts(s) == (6, 6, 0, 0, 0)
    assert s["files"][0]["sheets"] == ["1月", "2月", "3月"]
    assert s["files"][0]["skipped_sheets"] == [{"sheet": "填表说明", "reason": "no_header"}]


def test_aliases_and_invalid_id_checksum(ws, tmp_path):
    bad_id = (
        "152201194503120029"
        if with_check_digit("15220119450312002")[-1] != "9"
        else "152201194503120028"
    )
    rows = [
        row(1, dt.date(2021, 3, 2), "和平街道", "前进村", "入户走访", "社会救助", "张桂兰", "低保")
    ]
    rows[0][7] = bad_id
    rows.append(row(2, dt.date(2021, 3, 3), "科尔沁镇", "", "建档", "社会救助", "王秀英", "特困"))
    s = run(ws, write_messy(tmp_path / "alias.xlsx", {"3月": rows}))
    assert counts(s) == (2, 2, 0, 0, 0)
    assert (
        s["files"][0]["fixes"]["station_alias"] == 2
        and s["files"][0]["fixes"]["id_checksum_invalid"] == 1
    )
    df = pd.read_parquet(ws.accepted_dir / "alias.xlsx.parquet")
    assert df["org_unit"].tolist() == ["152201100001", "152221100000"]
    assert df["id_checksum_ok"].tolist() == [False, True]


def test_everything_at_once(ws, tmp_path):
    sheets = {
        "2月": [total_row("合计", 21, 4, 6), *good_rows(2, month=2), formula_zero_row(), stray(9)],
        "3月": [
            row(None, None, None, "", "主题活动", "", times=300),
            *good_rows(3),
            row(9, "2021年3月30日", "科右前旗", "", "入户走访", "社会救助", "王秀英", "特困"),
            formula_zero_row(),
        ],
    }
    s = run(ws, write_messy(tmp_path / "all.xlsx", sheets, lookup=True))
    assert counts(s) == (11, 5, 3, 2, 1)
    assert s["rejected_by_reason"] == {"month_summary": 1, "stray_numbers": 1, "unknown_station": 1}
    assert s["totals"]["person_times"] == 21 + 33
    assert s["reconciliation"] == []


def test_replace_leaves_one_march_per_station(ws, tmp_path):
    first = write_messy(tmp_path / "都林_3月.xlsx", {"3月": good_rows(3)})
    other = write_messy(tmp_path / "都林_2月.xlsx", {"2月": good_rows(2, month=2)})
    run(ws, first)
    run(ws, other)
    corrected = write_messy(tmp_path / "都林_3月_更正.xlsx", {"3月": good_rows(4, start=1)})
    s = run(ws, corrected, replace=True)
    assert s["files"][0]["replaced"] == [
        {"file": "都林_3月.xlsx", "station_code": "152201101000", "period": "2021-03", "rows": 3}
    ]
    ledger = pd.concat(pd.read_parquet(p) for p in ws.accepted_dir.glob("*.parquet"))
    march = ledger[(ledger["station_code"] == "152201101000") & (ledger["month"] == 3)]
    assert march["source_file"].unique().tolist() == ["都林_3月_更正.xlsx"] and len(march) == 4
    assert (ledger["month"] == 2).sum() == 2
    log = [json.loads(line) for line in ws.import_log.read_text(encoding="utf-8").splitlines()]
    assert (
        log[-1]["replaced"][0]["file"] == "都林_3月.xlsx"
        and log[-1]["file"] == "都林_3月_更正.xlsx"
    )


def test_without_replace_an_overlap_is_recorded(ws, tmp_path):
    run(ws, write_messy(tmp_path / "a.xlsx", {"3月": good_rows(1)}))
    s = run(ws, write_messy(tmp_path / "b.xlsx", {"3月": good_rows(1, start=5)}))
    assert s["files"][0]["overlaps"] == [
        {"file": "a.xlsx", "station_code": "152201101000", "period": "2021-03", "rows": 1}
    ]
    assert len(list(ws.accepted_dir.glob("*.parquet"))) == 2


def test_same_content_under_another_name_changes_nothing(ws, tmp_path):
    path = write_messy(tmp_path / "x.xlsx", {"3月": good_rows(2)})
    run(ws, path)
    copy = tmp_path / "x (1).xlsx"
    copy.write_bytes(path.read_bytes())
    s = run(ws, copy)
    assert s["files"][0]["duplicate_of"] == "x.xlsx"
    assert [p.name for p in ws.accepted_dir.glob("*.parquet")] == ["x.xlsx.parquet"]


def test_check_writes_only_the_quality_report(ws, tmp_path):
    path = write_messy(tmp_path / "c.xlsx", {"3月": [*good_rows(2), stray(3)]})
    s = run(ws, path, check=True)
    assert counts(s) == (3, 2, 1, 0, 0)
    written = sorted(
        str(p.relative_to(ws.ledger_dir)) for p in ws.ledger_dir.rglob("*") if p.is_file()
    )
    assert written == ["quality/c.xlsx.html", "quality/c.xlsx.json"]
    html = (ws.quality_dir / "c.xlsx.html").read_text(encoding="utf-8")
    assert "数据质量报告" in html and "stray_numbers" in html and "2 + 1 + 0 + 0 = 3" in html


def test_annotated_rejects_workbook(ws, tmp_path):
    rows = [
        *good_rows(1),
        row(
            2,
            dt.date(2021, 3, 4),
            "都林街道社工站",
            "",
            "慰问",
            "儿童关爱",
            "李建国",
            "低保",
            note="电话 15904821234",
        ),
    ]
    run(ws, write_messy(tmp_path / "r.xlsx", {"3月": rows}))
    wb = openpyxl.load_workbook(ws.rejects_dir / "r.xlsx.xlsx")
    values = [[c.value for c in r] for r in wb.active.iter_rows()]
    assert values[0][:5] == [
        "工作表 sheet",
        "源行号 row",
        "原因 reason",
        "说明 message",
        "问题列 column",
    ]
    assert values[1][:3] == ["3月", 5, "unknown_event_type"]
    assert (
        values[1][5 + 4] == "慰问"
        and values[1][5 + 6] == "[已隐去]"
        and values[1][5 + 17] == "[已隐去]"
    )
    assert wb.active.cell(row=2, column=6 + 4).fill.fgColor.rgb.endswith("FFC7CE")


def test_a_text_file_named_xlsx_and_a_broken_workbook_are_told_apart(tmp_path):
    from shegong.errors import DatasetError
    from shegong.ledger.read import read_sheets

    text = tmp_path / "台账.xlsx"
    text.write_text("序号,服务日期\n1,2021-03-01\n", encoding="utf-8")
    with pytest.raises(DatasetError) as e:
        read_sheets(text)
    assert e.value.message() == (
        "台账.xlsx: 不是 Excel 文件 not an Excel workbook (its content is neither .xlsx nor .xls): "
        "if it is text, save it as .csv (UTF-8)"
    )
    broken = tmp_path / "坏表.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 40)  # a zip header and nothing behind it
    with pytest.raises(
        DatasetError, match="无法读取工作簿 cannot read the workbook .*re-save it in Excel or WPS"
    ):
        read_sheets(broken)


def test_an_empty_csv_is_called_empty(tmp_path):
    from shegong.errors import DatasetError
    from shegong.ledger.read import read_sheets

    empty = tmp_path / "台账.csv"
    empty.write_bytes(b"\xef\xbb\xbf\r\n")  # a BOM and an empty line, as Excel saves an empty sheet
    with pytest.raises(DatasetError) as e:
        read_sheets(empty)
    assert e.value.message() == "台账.csv: 文件为空 the file is empty: export the ledger again"
