"""What the last hostile-input trial left (issue 16, item 6): each finding with the value it must
have now."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from shegong.cli.main import build_parser, main
from shegong.config import Workspace
from shegong.indicators.inputs import import_input
from shegong.ledger.importer import import_ledgers

from .builders import HEADER, ORG_UNITS, row, write_org_units, write_standard_xlsx

D = dt.date(2021, 3, 2)
STATION = "152201100000"


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.at(tmp_path / "ws")
    write_org_units(workspace.org_units_file)
    return workspace


def _import(ws, path):
    return import_ledgers([path], workspace=ws, progress=False).to_dict()


def _accepted(ws, name):
    return pd.read_parquet(ws.accepted_dir / f"{name}.parquet")


def _rejects(ws, name):
    return pd.read_csv(ws.rejects_dir / f"{name}.csv", encoding="utf-8-sig")


def test_a_formula_never_calculated_says_open_and_save_it(ws, tmp_path):
    """openpyxl writes formulas without their values, as any script does: every reader sees the
    cell blank. The reason says what to do rather than "服务人次为空"."""
    path = write_standard_xlsx(
        tmp_path / "脚本.xlsx",
        [
            row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times="=20+10"),
            row(2, D, "和平街道社工站", "", "主题活动", "社区治理", times=None),
            row(3, D, "和平街道社工站", "", "主题活动", "社区治理", times=12),
        ],
    )
    summary = _import(ws, path)
    assert summary["rejected_by_reason"] == {
        "formula_not_calculated": 1,
        "missing_person_times": 1,
    }
    rejects = _rejects(ws, "脚本.xlsx").set_index("row")
    assert rejects.at[3, "reason"] == "formula_not_calculated"
    assert "请用 Excel 或 WPS 打开并保存后重新导入" in rejects.at[3, "message"]
    assert rejects.at[3, "all_reasons"] == "person_times:formula_not_calculated"
    assert rejects.at[4, "reason"] == "missing_person_times"  # truly empty: as before


def test_a_1904_workbook_reads_general_serial_dates_in_its_own_epoch(ws, tmp_path):
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = wb.active
    sheet.title = "3月"
    sheet.append(HEADER)
    # 42824 days after 1904-01-01 is 2021-03-31 (in the 1900 system the same number is 2017-03-30)
    sheet.append(row(1, 42824, "和平街道社工站", "", "主题活动", "社区治理", times=9))
    sheet.append(row(2, D, "和平街道社工站", "", "主题活动", "社区治理", times=9))
    wb.save(tmp_path / "mac.xlsx")
    summary = _import(ws, tmp_path / "mac.xlsx")
    assert summary["accepted"] == 2
    dates = [d.date() for d in _accepted(ws, "mac.xlsx")["date"]]
    assert dates == [dt.date(2021, 3, 31), D]  # a date-formatted cell is right in either system


def test_a_comma_that_is_no_thousands_separator_is_ambiguous(ws, tmp_path):
    path = write_standard_xlsx(
        tmp_path / "c.xlsx",
        [
            row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times="1,5"),
            row(2, D, "和平街道社工站", "", "主题活动", "社区治理", times="1,493"),
            row(3, D, "和平街道社工站", "", "资源链接", "社区治理", times=0, yuan="2,50元"),
        ],
    )
    summary = _import(ws, path)
    assert summary["rejected_by_reason"] == {"ambiguous_number": 2}  # never read as 15 or 250
    assert _accepted(ws, "c.xlsx")["person_times"].tolist() == [1493]
    message = _rejects(ws, "c.xlsx")["message"].iloc[0]
    assert message.startswith("数字中的逗号有歧义（如 1,5 是 1.5 还是 15？）")


def test_a_header_row_repeated_in_the_data_is_skipped_not_a_bad_date(ws, tmp_path):
    rows = [
        row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times=10),
        list(HEADER),  # a second month pasted with its header
        row(2, D, "和平街道社工站", "", "主题活动", "社区治理", times=20),
    ]
    summary = _import(ws, write_standard_xlsx(tmp_path / "h.xlsx", rows))
    assert (summary["rows_read"], summary["accepted"], summary["rejected"]) == (3, 2, 0)
    assert summary["skipped_blank"] == 1 and summary["warnings"] == {"repeated_header": 1}
    assert summary["files"][0]["header_rows"] == [{"sheet": "3月", "row": 4}]


def test_a_header_label_given_twice_is_named_in_a_warning(ws, tmp_path):
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "3月"
    sheet.append([*HEADER, "服务人次"])  # 服务人次 in L and again in S
    sheet.append([*row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times=10), 99])
    wb.save(tmp_path / "d.xlsx")
    summary = _import(ws, tmp_path / "d.xlsx")
    assert _accepted(ws, "d.xlsx")["person_times"].tolist() == [10]  # the first is read
    assert summary["warnings"] == {"duplicate_header": 1}
    assert summary["files"][0]["warning_examples"]["duplicate_header"] == [
        "3月: 服务人次: L read, S not"
    ]


def test_a_village_named_with_a_total_word_is_data(tmp_path):
    ws = Workspace.at(tmp_path / "ws")
    ws.org_units_file.write_text(
        ORG_UNITS + "152201100003,小计村社工室,152201100000,5,room,小计村\n", encoding="utf-8"
    )
    rows = [
        row(1, D, "和平街道社工站", "小计村", "主题活动", "社区治理", times=25),
        row(None, None, "小计", "", "", "", times=25),  # a real 小计 row
    ]
    summary = _import(ws, write_standard_xlsx(tmp_path / "v.xlsx", rows))
    assert (summary["accepted"], summary["total_rows"]) == (1, 1)
    assert _accepted(ws, "v.xlsx")["org_unit"].tolist() == ["152201100003"]


def test_rows_above_a_second_header_are_read(ws, tmp_path):
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "3月"
    sheet.append(["服务台账"])
    sheet.append(["序号", "服务日期", "所属站点", "服务类型", "备注"])  # a first table: no 服务人次
    sheet.append([1, D, "和平街道社工站", "主题活动", "补录"])
    sheet.append([2, D, "和平街道社工站", "小组活动", None])
    sheet.append([None] * 5)
    sheet.append(HEADER)
    sheet.append(row(3, D, "和平街道社工站", "", "主题活动", "社区治理", times=10))
    sheet.append(row(4, D, "都林街道社工站", "", "主题活动", "社区治理", times=20))
    wb.save(tmp_path / "two.xlsx")
    summary = _import(ws, tmp_path / "two.xlsx")
    assert (
        summary["rows_read"],
        summary["accepted"],
        summary["rejected"],
        summary["skipped_blank"],
    ) == (6, 2, 2, 2)  # rows 3–4 rejected, row 5 blank, row 6 the second header, rows 7–8 kept
    rejects = _rejects(ws, "two.xlsx")
    assert rejects[["row", "reason"]].values.tolist() == [[3, "above_header"], [4, "above_header"]]
    assert summary["files"][0]["header_rows"] == [{"sheet": "3月", "row": 6}]


def test_rows_under_an_earlier_complete_header_are_read_under_it(ws, tmp_path):
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.title = "3月"
    sheet.append(["序号", "服务日期", "所属站点", "服务类型", "服务人次"])  # five known columns
    sheet.append([1, D, "和平街道社工站", "主题活动", 7])
    sheet.append(HEADER)  # the full template below it names more
    sheet.append(row(2, D, "和平街道社工站", "", "主题活动", "社区治理", times=10))
    wb.save(tmp_path / "b.xlsx")
    summary = _import(ws, tmp_path / "b.xlsx")
    assert (summary["rows_read"], summary["accepted"], summary["skipped_blank"]) == (3, 2, 1)
    assert _accepted(ws, "b.xlsx")["person_times"].tolist() == [7, 10]


def test_the_roster_refuses_a_duplicate_staff_id_and_an_end_before_the_start(ws, tmp_path):
    path = tmp_path / "名册.csv"
    path.write_text(
        "工号,所属站点,姓名,角色,用工形式,职业资格,入职日期,离职日期\n"
        "S1,和平街道社工站,甲,社工,专职,社会工作师,2020-01-01,\n"
        "S1,都林街道社工站,乙,社工,专职,无,2020-01-01,\n"
        "S2,和平街道社工站,丙,站长,专职,无,2021-06-01,2021-03-01\n",
        encoding="utf-8",
    )
    s = import_input("roster", path, workspace=ws)
    assert (s.accepted, s.rejected) == (1, 2)
    rejects = pd.read_csv(ws.inputs / "rejects" / "roster.csv", encoding="utf-8-sig")
    assert list(rejects.columns) == [
        "file",
        "sheet",
        "row",
        "column",
        "reason",
        "message",
        "value",
        "all_reasons",
    ]
    assert rejects[["row", "column", "reason"]].values.tolist() == [
        [3, "A 工号", "duplicate_staff_id"],
        [4, "H 离职日期", "end_before_start"],
    ]
    assert rejects["message"].tolist() == [
        "工号重复：同一工号已在前面的行出现",
        "结束（离职）日期早于开始（入职）日期",
    ]


def test_report_levels_outside_1_to_5_or_without_units_are_refused(ws, capsys):
    with pytest.raises(SystemExit) as e:
        main(["report", "--workspace", str(ws.root), "--year", "2021", "--all", "--levels", "9"])
    assert e.value.code == 2
    assert "invalid choice: 9" in capsys.readouterr().err
    code = main(["report", "--workspace", str(ws.root), "--year", "2021", "--all", "--levels", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "no org unit at level(s) 1: the org-unit file has levels 2, 3, 4, 5" in err


def test_the_template_is_not_written_into_a_folder_that_does_not_exist(tmp_path, capsys):
    target = tmp_path / "没有的文件夹" / "模板.xlsx"
    assert main(["ledger", "template", str(target)]) == 2
    assert "the folder" in capsys.readouterr().err and not target.parent.exists()
    assert main(["ledger", "template", str(tmp_path / "模板.xlsx")]) == 0


def test_unit_takes_several_codes_after_one_flag_and_repeated_flags():
    parser = build_parser()
    base = ["report", "--year", "2021"]
    assert parser.parse_args([*base, "--unit", "A", "B"]).unit == ["A", "B"]
    assert parser.parse_args([*base, "--unit", "A", "--unit", "B"]).unit == ["A", "B"]
    assert parser.parse_args([*base, "--unit", "A", "B", "--unit", "C"]).unit == ["A", "B", "C"]
