import datetime as dt
import json
import subprocess

import pandas as pd
import pytest

from shegong.cli.main import main
from shegong.config import Workspace
from shegong.errors import DatasetError
from shegong.ledger.importer import import_ledgers

from .builders import HEADER, PEOPLE, row, write_org_units, write_standard_xlsx
from .conftest import SHEGONG

TOTAL = [
    "合计",
    None,
    None,
    None,
    None,
    None,
    None,
    None,
    None,
    None,
    None,
    80,
    None,
    10,
    28.5,
    12000,
    None,
    None,
]


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.at(tmp_path / "ws")
    write_org_units(workspace.org_units_file)
    return workspace


@pytest.fixture
def ledger(tmp_path):
    return write_standard_xlsx(tmp_path / "和平_2021年3月.xlsx", total=TOTAL)


def test_every_row_accounted_for(ws, ledger):
    s = import_ledgers([ledger], workspace=ws, progress=False).to_dict()
    assert (s["rows_read"], s["accepted"], s["rejected"], s["skipped_blank"], s["total_rows"]) == (
        13,
        7,
        4,
        1,
        1,
    )
    assert s["rows_read"] == s["accepted"] + s["rejected"] + s["skipped_blank"] + s["total_rows"]
    assert s["rejected_by_reason"] == {
        "ambiguous_date": 1,
        "invalid_date": 1,
        "unknown_event_type": 1,
        "unknown_station": 1,
    }
    assert s["totals"] == {"person_times": 77, "volunteer_hours": 28.5, "resources_yuan": 12000.0}
    # the 合计 row states 80 人次 but the accepted rows hold 77; volunteers 10 = 8 + 2 agree
    # (issue 4 added rows_sum, parts_sum and kind to each entry; the contract keys are unchanged)
    assert s["reconciliation"] == [
        {
            "file": ledger.name,
            "sheet": "3月",
            "row": 15,
            "column": "L 服务人次",
            "stated": 80.0,
            "computed": 77.0,
            "rows_sum": 85.0,
            "parts_sum": None,
            "kind": "stale_total",
        }
    ]


def test_rejected_rows_keep_their_reasons_and_place(ws, ledger):
    import_ledgers([ledger], workspace=ws, progress=False)
    rejects = pd.read_csv(ws.rejects_dir / f"{ledger.name}.csv", encoding="utf-8-sig", dtype=str)
    got = rejects[["sheet", "row", "column", "reason", "value"]].values.tolist()
    assert got == [
        ["3月", "6", "C 所属站点", "unknown_station", "科右前旗"],
        ["3月", "7", "B 服务日期", "invalid_date", "2021年2月30日"],
        ["3月", "8", "B 服务日期", "ambiguous_date", "6.3"],
        ["3月", "9", "E 服务类型", "unknown_event_type", "慰问"],
    ]
    assert set(rejects["file"]) == {ledger.name}
    assert rejects["message"].str.len().min() > 3


def test_accepted_rows_are_normalised_and_pseudonymised(ws, ledger):
    import_ledgers([ledger], workspace=ws, progress=False)
    df = pd.read_parquet(ws.accepted_dir / f"{ledger.name}.parquet")
    assert len(df) == 7
    assert df["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2021-03-02",
        "2021-03-09",
        "2021-03-15",
        "2021-03-25",
        "2021-03-26",
        "2021-03-28",
        "2021-03-31",
    ]
    assert df["event_type"].tolist() == ["home_visit"] * 3 + [
        "community_event",
        "resource_linked",
        "group_session",
        "file_opened",
    ]
    assert df["org_unit"].tolist()[:3] == ["152201100001", "152201100001", "152201100002"]
    assert df["resources_fen"].sum() == 1_200_000
    visits = df[df["event_type"] == "home_visit"]
    assert visits["household_pid"].nunique() == 2
    assert visits["household_pid"].str.match(r"^H-[0-9a-f]{16}$").all()
    assert df["client_pid"].dropna().nunique() == 3
    assert bool(df["has_note"].iloc[-1]) is True
    assert df["id_checksum_ok"].dropna().all()


def test_import_twice_changes_nothing(ws, ledger):
    import_ledgers([ledger], workspace=ws, progress=False)
    first = pd.read_parquet(ws.accepted_dir / f"{ledger.name}.parquet")
    import_ledgers([ledger], workspace=ws, progress=False)
    second = pd.read_parquet(ws.accepted_dir / f"{ledger.name}.parquet")
    pd.testing.assert_frame_equal(first, second)
    assert len(list(ws.accepted_dir.glob("*.parquet"))) == 1
    log = [json.loads(line) for line in ws.import_log.read_text(encoding="utf-8").splitlines()]
    assert [e["accepted"] for e in log] == [7, 7]


def test_no_personal_data_in_any_output(ws, ledger):
    import_ledgers([ledger], workspace=ws, progress=False)
    secrets = [v for name, values in PEOPLE.items() for v in (name, *values)]
    for path in ws.ledger_dir.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="ignore")
            if path.suffix == ".parquet":
                text = pd.read_parquet(path).to_csv()
            found = [s for s in secrets if s in text]
            assert not found, f"{path.name} contains personal data"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_encodings(ws, tmp_path, encoding):
    rows = [
        row(1, "2021-04-02", "都林街道社工站", "", "小组活动", "儿童关爱", times=9),
        row(2, "2021年4月9日", "都林街道", "", "主题活动", "社区治理", times=40),
    ]
    frame = pd.DataFrame(rows, columns=HEADER)
    path = tmp_path / "都林.csv"
    frame.to_csv(path, index=False, encoding=encoding)
    s = import_ledgers([path], workspace=ws, progress=False).to_dict()
    assert (s["accepted"], s["totals"]["person_times"]) == (2, 49)
    assert s["files"][0]["encoding"] == ("gb18030" if encoding == "gb18030" else "utf-8-sig")


def test_missing_required_column_is_a_dataset_error(ws, tmp_path):
    path = write_standard_xlsx(tmp_path / "bad.xlsx", rows=[])
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb.active.delete_cols(HEADER.index("服务人次") + 1)
    wb.save(path)
    with pytest.raises(DatasetError) as e:
        import_ledgers([path], workspace=ws, progress=False)
    assert (
        "bad.xlsx, sheet 3月, row 2: the header lacks required column(s) person_times"
        in e.value.message()
    )


def test_cli_json_is_the_only_stdout(ws, ledger, capsys):
    code = main(["ledger", "import", str(ledger), "--workspace", str(ws.root), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert {
        "rows_read",
        "accepted",
        "rejected",
        "skipped_blank",
        "total_rows",
        "totals",
        "reconciliation",
        "rejected_by_reason",
        "files",
    } <= set(data)
    assert data["accepted"] == 7


def test_cli_unreadable_input_exits_2(ws, tmp_path):
    bad = tmp_path / "ledger.pdf"
    bad.write_text("not a ledger", encoding="utf-8")
    proc = subprocess.run(
        [*SHEGONG, "ledger", "import", str(bad), "--workspace", str(ws.root)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr.strip().splitlines()[-1]
        == "shegong: ledger.pdf: unknown file type '.pdf': give an .xlsx, .xls or .csv ledger"
    )


def test_cli_warns_of_a_file_with_no_data_rows(ws, tmp_path, capsys):
    header_only = tmp_path / "只有表头.csv"
    header_only.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    assert main(["ledger", "import", str(header_only), "--workspace", str(ws.root)]) == 0
    captured = capsys.readouterr()
    assert "读取 0 行：接收 0" in captured.out
    assert (
        captured.err.strip().splitlines()[-1]
        == "警告 warning: 只有表头.csv 表头下没有数据行 has no data rows under its header"
    )


def test_cli_warns_when_no_row_is_accepted(ws, tmp_path, capsys):
    bad_rows = write_standard_xlsx(
        tmp_path / "全错.xlsx",
        rows=[row(1, dt.date(2021, 3, 2), "不存在的站", "", "入户走访", "社会救助")],
    )
    assert main(["ledger", "import", str(bad_rows), "--workspace", str(ws.root)]) == 0
    captured = capsys.readouterr()
    assert "接收 0，拒收 1" in captured.out
    assert (
        captured.err.strip().splitlines()[-1]
        == "警告 warning: 全错.xlsx 没有一行被接收 no row was accepted: see the rejects file"
    )
