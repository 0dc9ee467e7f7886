import pandas as pd
import pytest

from shegong.errors import OrgUnitError
from shegong.orgunits import OrgUnits

from .builders import write_org_units


@pytest.fixture
def units(tmp_path):
    return OrgUnits.read_csv(write_org_units(tmp_path / "org_units.csv"))


def test_resolves_names_and_aliases(units):
    assert units.resolve("和平街道社工站", unit_type="station") == "152201100000"
    assert units.resolve(" 和平街道 ", unit_type="station") == "152201100000"
    assert units.resolve("科右前旗") == "152221000000"
    assert units.resolve("科右前旗", unit_type="station") is None
    assert units.resolve("前进村", unit_type="room", parent="152201100000") == "152201100001"
    assert units.resolve("前进村", unit_type="room", parent="152221100000") is None


def test_ancestry_closure(units):
    anc = units.ancestry()
    room = anc[anc["code"] == "152201100001"].sort_values("ancestor_level")
    assert room["ancestor"].tolist() == [
        "152200000000",
        "152201000000",
        "152201100000",
        "152201100001",
    ]
    assert len(anc) == 1 + 2 * 2 + 3 * 3 + 2 * 4


def test_every_problem_reported_at_once():
    raw = pd.DataFrame(
        {
            "code": ["152200000000", "15220100000", "152201100000", "152201100000"],
            "name": ["兴安盟", "乌兰浩特市", "和平街道社工站", "重复"],
            "parent_code": ["", "152200000000", "999999999999", "152200000000"],
            "level": ["2", "3", "4", "9"],
            "unit_type": ["admin", "admin", "station", "village"],
            "aliases": ["", "", "", ""],
        }
    )
    with pytest.raises(OrgUnitError) as e:
        OrgUnits.from_frame(raw, source="units.csv")
    text = e.value.message()
    assert text.startswith("units.csv: ")
    for part in [
        "row 3, column code: '15220100000' is not a 12-digit code",
        "row 5, column code: duplicate code",
        "row 5, column level: '9' is not a level 1–5",
        "row 5, column unit_type: 'village'",
        "row 4, column parent_code: unknown parent 999999999999",
    ]:
        assert part in text


def test_missing_column_named(tmp_path):
    p = tmp_path / "u.csv"
    p.write_text("code,name,level\n152200000000,兴安盟,2\n", encoding="utf-8")
    with pytest.raises(OrgUnitError, match="missing column\\(s\\) parent_code, unit_type"):
        OrgUnits.read_csv(p)


def test_a_workspace_without_its_org_unit_file_is_named(tmp_path):
    with pytest.raises(OrgUnitError) as e:
        OrgUnits.read_csv(tmp_path / "inputs" / "org_units.csv")
    assert (
        "找不到单元文件 no org-unit file at" in e.value.message()
        and "check --workspace" in e.value.message()
    )
