"""Mapping profiles, `ledger profile suggest` and `ledger template` (issue 4)."""

import datetime as dt

import openpyxl
import pytest
import yaml

from shegong.cli.main import main
from shegong.config import Workspace
from shegong.errors import ProfileError
from shegong.ledger.importer import import_ledgers
from shegong.ledger.profiles import available, load_profile, profile_from_dict
from shegong.ledger.suggest import suggest_profile
from shegong.ledger.template import TEMPLATE_HEADER

from .builders import write_org_units
from .conftest import REAL


def test_shipped_profiles_load():
    assert {"standard", "activity_beneficiaries"} <= set(available())
    std = load_profile()
    assert std.name == "standard" and "志愿服务/人数" in std.columns["volunteers"]
    real = load_profile("activity_beneficiaries")
    assert (
        real.include_sheets == ("Sheet1",)
        and real.value_maps["service_area"]["大病儿童"] == "儿童关爱"
    )


def test_profile_errors_name_file_key_and_fix(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "schema_version": 2,
                "columns": {"datum": ["日期"]},
                "colour": 1,
                "value_maps": {"event_type": {"陪伴": ""}},
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as e:
        load_profile(path)
    text = e.value.message()
    for part in (
        "bad.yaml: key schema_version",
        "set schema_version: 1",
        "key colour: unknown key",
        "key columns.datum: unknown canonical column",
        "key value_maps.event_type: no target for 陪伴",
    ):
        assert part in text
    with pytest.raises(ProfileError, match="unknown profile 'nope'"):
        load_profile("nope")


def test_a_profile_with_fixed_values_and_value_maps(tmp_path):
    ws = Workspace.at(tmp_path / "ws")
    write_org_units(ws.org_units_file)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["日期", "活动", "人次", "备注"])
    sheet.append([dt.date(2021, 5, 2), "读书会", 12, None])
    sheet.append([dt.date(2021, 5, 3), "慰问", 3, None])
    path = tmp_path / "own.xlsx"
    book.save(path)
    profile = profile_from_dict(
        {
            "schema_version": 1,
            "name": "own",
            "columns": {
                "date": ["日期"],
                "event_type": ["活动"],
                "person_times": ["人次"],
                "note": ["备注"],
            },
            "value_maps": {"event_type": {"读书会": "小组活动"}},
            "fixed": {"station": "都林街道社工站"},
        }
    )
    s = import_ledgers([path], workspace=ws, profile=profile, progress=False).to_dict()
    assert (s["accepted"], s["rejected"], s["rejected_by_reason"]) == (
        1,
        1,
        {"unknown_event_type": 1},
    )
    skipping = profile_from_dict(
        {
            "schema_version": 1,
            "name": "own",
            "columns": {"date": ["日期"], "event_type": ["活动"], "person_times": ["人次"]},
            "value_maps": {"event_type": {"读书会": "小组活动"}},
            "fixed": {"station": "都林街道"},
            "skip_rows": [3],
        }
    )
    s = import_ledgers([path], workspace=ws, profile=skipping, progress=False).to_dict()
    assert (s["rows_read"], s["accepted"], s["rejected"], s["skipped_blank"]) == (2, 1, 0, 1)
    assert s["files"][0]["skipped_by_profile"] == 1 and s["files"][0]["fixes"]["station_alias"] == 1


def test_cli_unknown_profile_exits_2(tmp_path, capsys):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n", encoding="utf-8")
    assert (
        main(
            [
                "ledger",
                "import",
                str(path),
                "--workspace",
                str(tmp_path / "ws"),
                "--profile",
                "nope",
            ]
        )
        == 2
    )
    assert "unknown profile 'nope': use one of" in capsys.readouterr().err


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real/ is not present on this machine")
def test_suggest_drafts_the_shipped_mapping_for_the_real_file():
    text = suggest_profile(REAL / "2024.xls", name="draft")
    draft = yaml.safe_load(text)
    shipped = load_profile("activity_beneficiaries")
    for canon in (
        "date",
        "station",
        "event_type",
        "service_area",
        "person_times",
        "volunteers",
        "volunteer_hours",
    ):
        assert tuple(draft["columns"][canon]) == shipped.columns[canon], canon
    assert tuple(draft["sum_columns"]["persons"]) == shipped.sum_columns["persons"]
    assert draft["value_maps"]["event_type"] == {
        "志愿者日常陪伴": "",
        "志愿者陪伴及清洁服务": "",
        "空调清洗": "",
    }
    with pytest.raises(ProfileError, match="no target"):  # a draft must be reviewed before use
        profile_from_dict(draft)


def test_template_has_drop_downs_and_imports(tmp_path, capsys):
    org = write_org_units(tmp_path / "org_units.csv")
    out = tmp_path / "模板.xlsx"
    assert main(["ledger", "template", str(out), "--org-units", str(org)]) == 0
    book = openpyxl.load_workbook(out)
    sheet = book["台账"]
    assert [c.value for c in sheet[2]] == list(TEMPLATE_HEADER)
    lists = {
        str(dv.sqref).split(":")[0][:-1]: dv.formula1
        for dv in sheet.data_validations.dataValidation
        if dv.type == "list"
    }
    assert set(lists) == {"C", "E", "F", "K", "Q"}
    assert [c.value for c in book["列表"]["E"] if c.value][1:] == [
        "和平街道社工站",
        "都林街道社工站",
        "科尔沁镇社工站",
    ]
    assert book["列表"].sheet_state == "hidden"
    sheet.append(
        [
            1,
            dt.date(2021, 6, 1),
            "都林街道社工站",
            None,
            "小组活动",
            "儿童关爱",
            None,
            None,
            None,
            None,
            None,
            9,
        ]
    )
    book.save(out)
    ws = Workspace.at(tmp_path / "ws")
    s = import_ledgers([out], workspace=ws, org_units_file=org, progress=False).to_dict()
    assert (s["accepted"], s["rejected"]) == (1, 0)
    assert main(["ledger", "template", str(tmp_path / "t.csv")]) == 2
    assert "ending in .xlsx" in capsys.readouterr().err


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real/ is not present on this machine")
def test_cli_profile_suggest_prints_yaml(capsys):
    assert main(["ledger", "profile", "suggest", str(REAL / "2024.xls"), "--name", "draft"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# draft profile suggested by") and yaml.safe_load(out)["name"] == "draft"
