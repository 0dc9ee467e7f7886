import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from shegong.config import Workspace
from shegong.errors import IndicatorError, RegistryError
from shegong.indicators.compute import OUTPUT_COLUMNS, compute_indicators
from shegong.indicators.inputs import import_inputs
from shegong.indicators.registry import load_registry
from shegong.ledger.importer import import_ledgers

from .builders import row, standard_rows, write_org_units, write_standard_xlsx

LEAGUE, CITY, HEPING, QIANJIN, SHENGLI = (
    "152200000000",
    "152201000000",
    "152201100000",
    "152201100001",
    "152201100002",
)


@pytest.fixture
def table(tmp_path):
    ws = Workspace.at(tmp_path / "ws")
    write_org_units(ws.org_units_file)
    rows = standard_rows() + [
        # 张桂兰's household visited again, this time recorded under the other room
        row(
            13,
            dt.date(2021, 5, 6),
            "和平街道社工站",
            "胜利社区",
            "入户走访",
            "社会救助",
            "张桂兰",
            "低保",
        ),
        row(
            14, dt.date(2021, 5, 7), "和平街道社工站", "", "个案开案", "社会救助", "张桂兰", "低保"
        ),
        row(
            15,
            dt.date(2022, 1, 7),
            "和平街道社工站",
            "",
            "入户走访",
            "社会救助",
            "李建国",
            "独居老人",
        ),
    ]
    import_ledgers([write_standard_xlsx(tmp_path / "l.xlsx", rows)], workspace=ws, progress=False)
    (ws.roster_file).write_text(
        "staff_id,station_code,name,role,employment,qualification,certificate_year\n"
        "S1,152201100000,甲,社工,专职,社会工作师,2019\nV1,152201100000,乙,志愿者,兼职,无,\n"
        "V2,152221100000,丙,志愿者,兼职,无,\n",
        encoding="utf-8",
    )
    import_inputs(ws, ["roster"])
    compute_indicators(ws, year=2021)
    return pq.read_table(ws.indicators_file).to_pandas()


def value(table, unit, measure, period="2021", service_area=None, client_category=None):
    sel = (
        (table["org_unit"] == unit) & (table["indicator"] == measure) & (table["period"] == period)
    )
    sel &= (
        table["service_area"].isna()
        if service_area is None
        else table["service_area"] == service_area
    )
    sel &= (
        table["client_category"].isna()
        if client_category is None
        else table["client_category"] == client_category
    )
    hit = table[sel]
    assert len(hit) == 1, (unit, measure, period, len(hit))
    return hit["value"].iloc[0]


def test_columns_follow_the_contract(table):
    assert tuple(table.columns) == OUTPUT_COLUMNS
    assert table["org_unit"].str.fullmatch(r"\d{12}").all()
    assert set(table["status"]) <= {"met", "near", "missed", "suppressed", "no_target"}
    assert table.loc[table["indicator"] == "D7a", "unit"].unique().tolist() == ["人次"]


def test_distinct_households_are_recounted_at_each_level(table):
    # rooms: 前进村 {张}, 胜利社区 {李, 张}; their sum is 3 but the station visited 2 households
    assert value(table, QIANJIN, "D1") == 1
    assert value(table, SHENGLI, "D1") == 2
    assert value(table, HEPING, "D1") == 2
    assert value(table, LEAGUE, "D1") == 2
    assert value(table, LEAGUE, "D7b") == 3  # 张, 李, 王 (王 only through the accepted 建档)


def test_additive_measures_roll_up(table):
    assert value(table, LEAGUE, "D7a") == 1 + 1 + 2 + 60 + 0 + 12 + 1 + 1 + 1
    assert value(table, LEAGUE, "F3") == 12000
    assert value(table, LEAGUE, "F2b") == 10
    assert value(table, LEAGUE, "F2c") == 28.5
    assert value(table, LEAGUE, "D4a") == 1
    assert value(table, "152221100000", "D6") == 1
    assert value(table, CITY, "D6") == 0  # a real zero for a unit with no such events
    assert value(table, LEAGUE, "F2a") == 2 and value(table, HEPING, "F2a") == 1


def test_periods_and_disaggregations(table):
    assert value(table, LEAGUE, "D7a", "2021-03") == 77
    assert value(table, LEAGUE, "D7a", "2021-05") == 2
    assert not (
        table["period"].str.startswith("2022")
    ).any()  # the 2022 visit is outside the pilot year
    assert value(table, LEAGUE, "D7a", service_area="social_assistance") == 5
    assert value(table, LEAGUE, "D7a", client_category="unspecified") == 72
    assert value(table, LEAGUE, "D1", client_category="dibao") == 1


def test_registry_errors_name_file_key_and_fix(tmp_path):
    bad = tmp_path / "reg.yaml"
    bad.write_text(
        "schema_version: 2\nmeasures:\n"
        "  - {id: X1, indicator: X1, dimension: D, name: {zh: 甲}, definition: {zh: "
        "甲, en: a}, unit: 件,\n"
        "     source: ledger, aggregation: mean, reference: r}\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError) as e:
        load_registry(bad)
    text = str(e.value)
    assert text.startswith(str(bad))
    assert "measures[0] (X1): key name needs both zh and en texts" in text
    assert "key unit '件' — use one of" in text
    assert (
        "key aggregation 'mean' — use one of count, sum, distinct_count, "
        "ratio_of_sums (never a mean of ratios)" in text
    )


def test_shipped_registry_is_valid():
    reg = load_registry()
    assert [m.id for m in reg.measures] == [
        "A1",
        "A2",
        "A3",
        "B1",
        "B2",
        "B3",
        "B4",
        "B5",
        "C1",
        "C2",
        "C3",
        "D1",
        "D2",
        "D3a",
        "D3b",
        "D4a",
        "D4b",
        "D5a",
        "D5b",
        "D6",
        "D7a",
        "D7b",
        "E1",
        "E2",
        "F1",
        "F2a",
        "F2b",
        "F2c",
        "F3",
        "G1",
        "G2",
        "G3",
        "G4",
    ]
    assert sum(m.weight for m in reg.measures) == 100


def test_compute_without_ledger_says_what_to_do(tmp_path):
    ws = Workspace.at(tmp_path / "empty")
    write_org_units(ws.org_units_file)
    with pytest.raises(IndicatorError, match="run `shegong ledger import` first"):
        compute_indicators(ws, year=2021)


def _registry_with(tmp_path, change) -> "Path":
    import yaml

    from shegong.indicators.registry import default_registry_path

    data = yaml.safe_load(default_registry_path().read_text(encoding="utf-8"))
    change({m["id"]: m for m in data["measures"]})
    path = tmp_path / "changed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_check_rejects_an_unknown_column(tmp_path, capsys):
    from shegong.cli.main import main

    path = _registry_with(tmp_path, lambda m: m["D1"]["numerator"].update(field="household_no"))
    assert main(["indicators", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "(D1): key numerator.field 'household_no' is not a column of ledger" in err


def test_check_rejects_a_ratio_without_denominator(tmp_path):
    path = _registry_with(tmp_path, lambda m: m["G1"].pop("denominator"))
    with pytest.raises(
        RegistryError, match=r"\(G1\): aggregation ratio_of_sums needs a denominator"
    ):
        load_registry(path)


def test_check_rejects_weights_not_totalling_100(tmp_path):
    path = _registry_with(tmp_path, lambda m: m["E1"].update(weight=7))
    with pytest.raises(RegistryError) as e:
        load_registry(path)
    assert "measure weights total 102, not 100" in str(e.value) and "E1 7" in str(e.value)
    assert "dimension E weights total 12, not 10 — adjust key weight of E1, E2" in str(e.value)


def test_check_accepts_the_shipped_registry(capsys):
    from shegong.cli.main import main

    assert main(["indicators", "check"]) == 0
    assert "33 measures" in capsys.readouterr().out
