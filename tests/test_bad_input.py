"""Hostile but realistic input (a tester's findings): clear errors, nothing lost, nothing personal
leaked — in rejects, fix examples, total-row checks and accepted rows."""

import datetime as dt
import json

import pandas as pd
import pytest

from shegong.cli.main import main
from shegong.config import Workspace
from shegong.errors import ConfigError, DatasetError
from shegong.ledger.importer import import_ledgers
from shegong.ledger.privacy import load_key, scrub

from .builders import HEADER, PEOPLE, row, write_org_units, write_standard_xlsx

D = dt.date(2021, 3, 2)


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.at(tmp_path / "ws")
    write_org_units(workspace.org_units_file)
    return workspace


def _csv(path, rows):
    pd.DataFrame(rows, columns=HEADER).to_csv(path, index=False, encoding="utf-8")
    return path


def _outputs_text(ws: Workspace) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in ws.root.rglob("*")
        if p.is_file() and p.suffix in (".csv", ".json", ".html", ".jsonl")
    )


def test_scrub_masks_full_width_and_grouped_phone_numbers_and_ids():
    assert scrub("赵六１３８００１３８０００") == "赵六[电话]"
    assert scrub("电话 138 0013 8000，或 138-0013-8000") == "电话 [电话]，或 [电话]"
    assert scrub(f"证 {PEOPLE['张桂兰'][0]}") == "证 [身份证号]"
    assert scrub("2021年3月2日 60 人次") == "2021年3月2日 60 人次"


def test_phone_typed_into_a_count_column_is_rejected_and_never_echoed(ws, tmp_path):
    phone = PEOPLE["李建国"][1]
    ledger = _csv(
        tmp_path / "phone.csv",
        [
            row(
                1, D, "和平街道社工站", "", "主题活动", "社区治理", times=phone
            ),  # phone typed as 服务人次
            row(
                2, D, "和平街道社工站", "", "主题活动", "社区治理", times="１５９０４８２１２３４"
            ),  # full width
            row(
                3, D, f"和平街道社工站 {phone}", "", "主题活动", "社区治理", times=3
            ),  # phone after the station
            row(
                4,
                D,
                "和平街道社工站",
                "",
                "主题活动",
                "社区治理",
                times=4,
                staff=f"李社工、S2 {phone}",
            ),
        ],
    )
    s = import_ledgers([ledger], workspace=ws, progress=False).to_dict()
    assert (s["rows_read"], s["accepted"], s["rejected"]) == (4, 1, 3)
    assert s["rejected_by_reason"] == {"too_large": 2, "unknown_station": 1}
    text = _outputs_text(ws)
    assert phone not in text and "１５９０４８２１２３４" not in text and "李社工" not in text
    assert "和平街道社工站 [电话]" in (ws.rejects_dir / "phone.csv.csv").read_text(
        encoding="utf-8-sig"
    )
    staff = pd.read_parquet(ws.accepted_dir / "phone.csv.parquet")["staff_ids"].iloc[0].split("、")
    assert (
        staff[1] == "S2"
        and staff[0].startswith("X-")
        and staff[2].startswith("X-")
        and len(staff) == 3
    )


def test_a_total_row_never_adds_up_personal_columns(ws, tmp_path):
    total = ["合计", None, None, None, None, None, None, None, PEOPLE["张桂兰"][1], None, None, 9]
    ledger = write_standard_xlsx(
        tmp_path / "total.xlsx",
        rows=[
            row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times=4, person="李建国"),
            row(2, D, "和平街道社工站", "", "主题活动", "社区治理", times=4),
        ],
        total=total,
    )
    s = import_ledgers([ledger], workspace=ws, progress=False).to_dict()
    assert [(r["column"], r["stated"], r["computed"]) for r in s["reconciliation"]] == [
        ("L 服务人次", 9.0, 8.0)
    ]
    assert PEOPLE["张桂兰"][1] not in _outputs_text(ws) and PEOPLE["李建国"][
        1
    ] not in _outputs_text(ws)


def test_huge_numbers_are_rejected_rows_not_tracebacks(ws, tmp_path):
    ledger = _csv(
        tmp_path / "huge.csv",
        [
            row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times="99999999999999999999"),
            row(
                2,
                D,
                "和平街道社工站",
                "",
                "资源链接",
                "社区治理",
                times=1,
                yuan="1e20",
                resource="现金",
            ),
            row(3, D, "和平街道社工站", "", "主题活动", "社区治理", times=2, volunteers="9" * 20),
            row(
                4,
                D,
                "和平街道社工站",
                "",
                "资源链接",
                "社区治理",
                times=1,
                yuan="5万元",
                resource="现金",
            ),
        ],
    )
    s = import_ledgers([ledger], workspace=ws, progress=False).to_dict()
    assert (s["accepted"], s["rejected"], s["rejected_by_reason"]) == (1, 3, {"too_large": 3})
    assert s["totals"]["resources_yuan"] == 50000.0


def test_two_files_of_one_name_are_refused_before_any_import(ws, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    first = _csv(
        a / "服务台账.csv", [row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times=5)]
    )
    second = _csv(
        b / "服务台账.csv", [row(1, D, "都林街道社工站", "", "主题活动", "社区治理", times=3)]
    )
    with pytest.raises(DatasetError, match="两个文件同名 two files share the name 服务台账.csv"):
        import_ledgers([first, second], workspace=ws, progress=False)
    assert not list(ws.accepted_dir.glob("*.parquet"))
    import_ledgers([first], workspace=ws, progress=False)
    with pytest.raises(
        DatasetError, match="lacks: rename this file"
    ) as e:  # another station's ledger, same name
        import_ledgers([second], workspace=ws, progress=False)
    assert e.value.exit_code == 2 and "152201100000" in e.value.message()
    kept = pd.read_parquet(ws.accepted_dir / "服务台账.csv.parquet")
    assert kept["person_times"].tolist() == [5]  # station A's rows are kept
    import_ledgers([second], workspace=ws, progress=False, replace=True)  # a correction says so
    assert pd.read_parquet(ws.accepted_dir / "服务台账.csv.parquet")["person_times"].tolist() == [3]


def test_a_file_name_too_long_for_its_outputs_is_refused(ws, tmp_path):
    path = _csv(
        tmp_path / ("和平街道社工站" * 10 + ".csv"),
        [row(1, D, "和平街道社工站", "", "主题活动", "社区治理")],
    )
    with pytest.raises(
        DatasetError, match=r"文件名过长 file name too long \(214 bytes, at most 200\)"
    ):
        import_ledgers([path], workspace=ws, progress=False)


def test_a_workspace_that_is_a_file_and_a_key_that_is_a_folder(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "ledger.csv"
    not_a_folder.write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="is a file, not a folder"):
        Workspace.at(not_a_folder)
    with pytest.raises(ConfigError, match="is a directory, not a key file"):
        load_key(tmp_path)


def test_cli_import_says_what_the_summary_line_hides(ws, tmp_path, capsys):
    first = _csv(
        tmp_path / "原版.csv",
        [
            row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times=5),
            row(2, "2021年2月30日", "和平街道社工站", "", "主题活动", "社区治理"),
        ],
    )
    assert main(["ledger", "import", str(first), "--workspace", str(ws.root)]) == 0
    out = capsys.readouterr().out
    assert (
        "拒收 rejected 1: 服务日期不是有效日期 service date is not a valid date (invalid_date)"
        in out
    )
    assert "原版.csv: 拒收行已写入 rejected rows written to ledger/rejects/原版.csv.xlsx" in out
    copy = tmp_path / "副本.csv"
    copy.write_bytes(first.read_bytes())
    assert main(["ledger", "import", str(copy), "--workspace", str(ws.root)]) == 0
    assert "副本.csv: 与已导入的 原版.csv 内容相同，未重复存储" in capsys.readouterr().out
    fixed = _csv(
        tmp_path / "更正.csv", [row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times=6)]
    )
    assert main(["ledger", "import", str(fixed), "--workspace", str(ws.root)]) == 0
    assert (
        "更正.csv: 重叠 原版.csv 的 1 行（1 个站点月份） overlaps 1 rows of 原版.csv"
        in capsys.readouterr().out
    )
    assert main(["ledger", "import", str(fixed), "--workspace", str(ws.root), "--replace"]) == 0
    assert (
        "更正.csv: 已替换 原版.csv 的 1 行（1 个站点月份） replaced 1 rows of 原版.csv"
        in capsys.readouterr().out
    )


def test_cli_workers_must_be_positive(capsys):
    with pytest.raises(SystemExit) as e:
        main(["report", "--year", "2021", "--all", "--workers", "-3"])
    assert e.value.code == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "shegong report: 参数错误 须为 1 或更大的整数 — error: argument --workers: must be 1 or more, not -3"
    )


def test_inputs_of_one_kind_given_twice_are_refused_and_a_replacement_is_said(ws, tmp_path, capsys):
    header = "问卷编号,所属站点,调查日期,受访者类型,方式,知情同意,总体满意度,知晓地址,知晓服务,知晓社工,知晓求助渠道,知晓经费来源\n"
    survey = tmp_path / "问卷.csv"
    survey.write_text(
        header + "Q1,和平街道社工站,2021-10-02,服务对象,入户,是,5,是,是,是,是,是\n"
        "Q2,和平街道社工站,2021-10-03,服务对象,入户,是,4,是,否,是,是,是\n",
        encoding="utf-8",
    )
    argv = ["indicators", "inputs", "--workspace", str(ws.root)]
    assert main([*argv, f"survey={survey}", f"survey={survey}"]) == 2
    assert "survey 给了两个文件 given twice" in capsys.readouterr().err
    assert not (ws.inputs / "accepted").exists() or not list(
        (ws.inputs / "accepted").glob("survey*")
    )
    assert main([*argv, f"survey={survey}"]) == 0
    assert "已替换" not in capsys.readouterr().out
    assert main([*argv, f"survey={survey}"]) == 0
    assert (
        "已替换先前导入的 2 行（问卷.csv） replaced the 2 rows imported earlier from 问卷.csv"
        in capsys.readouterr().out
    )
    assert json.loads((ws.inputs / "quality" / "survey.json").read_text(encoding="utf-8"))[
        "replaced"
    ] == {"file": "问卷.csv", "accepted": 2}


def test_org_unit_file_saved_as_gbk_is_read_and_a_workbook_is_named(tmp_path):
    from shegong.errors import OrgUnitError
    from shegong.orgunits import OrgUnits

    from .builders import ORG_UNITS

    gbk = tmp_path / "单元_gbk.csv"
    gbk.write_bytes(ORG_UNITS.encode("gb18030"))
    assert OrgUnits.read_csv(gbk).resolve("和平街道", unit_type="station") == "152201100000"
    book = write_standard_xlsx(tmp_path / "单元.csv", rows=[])
    with pytest.raises(
        OrgUnitError, match="单元文件应为 CSV the org-unit file is an Excel workbook"
    ):
        OrgUnits.read_csv(book)


def test_hidden_sheets_are_skipped_and_repeated_rows_are_warned_of(ws, tmp_path, capsys):
    import openpyxl

    path = write_standard_xlsx(
        tmp_path / "全年.xlsx",
        sheet="1月",
        rows=[
            row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times=5),
            row(2, D, "和平街道社工站", "", "主题活动", "社区治理", times=5),  # pasted twice
            row(3, D, "和平街道社工站", "", "小组活动", "社区治理", times=7),
        ],
    )
    wb = openpyxl.load_workbook(path)
    old = wb.create_sheet("旧数据")
    old.append(HEADER)
    old.append(row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times=100))
    old.sheet_state = "hidden"
    wb.save(path)
    assert main(["ledger", "import", str(path), "--workspace", str(ws.root)]) == 0
    out = capsys.readouterr().out
    assert "读取 3 行：接收 3" in out
    assert "全年.xlsx: 跳过工作表 skipped sheet 旧数据（隐藏的工作表 hidden sheet）" in out
    assert (
        "全年.xlsx: 警告 1 行与前面的行完全相同，可能重复录入 warning: rows repeat earlier rows in every field "
        "(double entry?): 1月!4 = 1月!3" in out
    )
    summary = json.loads((ws.quality_dir / "全年.xlsx.json").read_text(encoding="utf-8"))
    assert summary["repeated_rows"] == [{"sheet": "1月", "row": 4, "same_as": "1月!3"}]
    assert summary["totals"]["person_times"] == 17
    assert "可能重复录入" in (ws.quality_dir / "全年.xlsx.html").read_text(encoding="utf-8")


def test_compute_warns_of_rows_whose_station_left_the_org_unit_file(ws, tmp_path, capsys):
    ledger = _csv(
        tmp_path / "两站.csv",
        [
            row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times=5),
            row(2, D, "都林街道社工站", "", "主题活动", "社区治理", times=3),
            row(3, D, "都林街道社工站", "", "小组活动", "社区治理", times=4),
        ],
    )
    import_ledgers([ledger], workspace=ws, progress=False)
    lines = ws.org_units_file.read_text(encoding="utf-8").splitlines()
    ws.org_units_file.write_text(
        "\n".join(x for x in lines if not x.startswith("152201101000")) + "\n", encoding="utf-8"
    )
    assert main(["indicators", "compute", "--workspace", str(ws.root), "--year", "2021"]) == 0
    err = capsys.readouterr().err
    assert (
        "警告 warning: 2 行已接收的台账不在单元文件中，不计入指标" in err
        and "152201101000（2 行）" in err
    )


def test_compute_over_a_damaged_parquet_is_one_line(ws, tmp_path, capsys):
    ledger = _csv(
        tmp_path / "好.csv", [row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times=5)]
    )
    import_ledgers([ledger], workspace=ws, progress=False)
    (ws.accepted_dir / "坏.csv.parquet").write_bytes(b"not parquet at all")
    assert main(["indicators", "compute", "--workspace", str(ws.root), "--year", "2021"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(
        "shegong: 坏.csv: 工作区的 Parquet 文件已损坏 a Parquet file of the workspace is damaged (坏.csv.parquet)"
    )
    assert err.endswith("import that ledger again (ledger import --replace)")


def test_a_station_merged_down_its_rows_counts_for_every_row(ws, tmp_path):
    import openpyxl

    path = write_standard_xlsx(
        tmp_path / "合并.xlsx",
        rows=[
            row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times=5),
            row(2, D, None, "", "主题活动", "社区治理", times=6),
            row(3, D, None, "", "小组活动", "社区治理", times=7),
            row(4, D, "都林街道社工站", "", "小组活动", "社区治理", times=8),
        ],
    )
    wb = openpyxl.load_workbook(path)
    wb.active.merge_cells("C3:C5")  # 所属站点 over the first three data rows
    wb.save(path)
    s = import_ledgers([path], workspace=ws, progress=False).to_dict()
    assert (s["accepted"], s["rejected"]) == (4, 0)
    kept = pd.read_parquet(ws.accepted_dir / "合并.xlsx.parquet")
    assert kept.groupby("station_code")["person_times"].sum().to_dict() == {
        "152201100000": 18,
        "152201101000": 8,
    }
    assert s["files"][0]["fixes"]["merged_fill"] == 1


def test_a_bad_file_in_a_batch_says_which_files_were_imported_before_it(ws, tmp_path):
    good = _csv(
        tmp_path / "好.csv", [row(1, D, "和平街道社工站", "", "主题活动", "社区治理", times=5)]
    )
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    later = _csv(
        tmp_path / "后.csv", [row(1, D, "都林街道社工站", "", "主题活动", "社区治理", times=3)]
    )
    with pytest.raises(DatasetError) as e:
        import_ledgers([good, empty, later], workspace=ws, progress=False)
    assert e.value.message() == (
        "空.csv: 文件为空 the file is empty: export the ledger again — 此前的文件已导入 imported "
        "before this error (accepted/read): 好.csv 1/1; the files after it were not"
    )
    assert sorted(p.name for p in ws.accepted_dir.glob("*.parquet")) == ["好.csv.parquet"]


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    from shegong.errors import ReportError
    from shegong.reports.runner import _dask_results

    with pytest.raises(
        ReportError, match=r"无法连接 Dask 调度器 cannot reach the Dask scheduler tcp://127.0.0.1:9"
    ):
        list(_dask_results({"x": ()}, "tcp://127.0.0.1:9"))
