"""The evaluation scheme as data (datasets/schemes/workbench.yaml, issue 16): no grade from
missing inputs, and a unit judged as what it is — a centre has no station targets, grade or rank."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import yaml

from shegong.config import Workspace
from shegong.errors import RegistryError
from shegong.indicators.compute import compute_indicators
from shegong.indicators.evaluation import SOURCE_INPUT, _rank_and_change, evaluate, score_units
from shegong.indicators.registry import load_registry
from shegong.indicators.scheme import (
    grading_note,
    load_scheme,
    present_inputs,
    schemes_dir,
    sources_line,
)
from shegong.ledger.importer import import_ledgers

from .builders import ORG_UNITS, row, write_standard_xlsx
from .test_evaluation import table

REG = load_registry()
SCHEME = load_scheme()
CENTRE = "152201900000"
STATION = "152201100000"


def test_the_default_scheme_judges_each_unit_type_as_what_it_is():
    station, centre = SCHEME.rule("station"), SCHEME.rule("centre")
    assert (station.targets, station.graded, station.advice) == ("registry", True, "station")
    assert (centre.targets, centre.graded, centre.advice) == ("none", False, "none")
    assert centre.label == {
        "zh": "社会服务机构（服务中心）",
        "en": "service centre outside the township station network",
    }
    assert len(station.requires_inputs) == 13 and station.requires_inputs[0] == "ledger"
    assert SCHEME.rule("no-such-type") is station
    assert [SCHEME.grade(x) for x in (95, 80, 60, 59.9, float("nan"))] == [
        "excellent",
        "good",
        "pass",
        "fail",
        None,
    ]


def test_a_stations_grade_needs_every_input_its_weighted_measures_use():
    """The scheme's list is data; it agrees with the registry: the sources of the measures that
    carry weight at level 4, and the service lists E2's ledger filter reads."""
    used = set()
    for m in REG.measures:
        if m.weight and 4 in m.levels:
            for t in (m.numerator, m.denominator):
                if t is not None and (src := REG.resolve(t).source) in SOURCE_INPUT:
                    used.add(SOURCE_INPUT[src])
    assert set(SCHEME.rule("station").requires_inputs) == used | {"service_lists"}


def test_a_scheme_is_validated_with_file_key_and_fix(tmp_path):
    data = yaml.safe_load((schemes_dir() / "workbench.yaml").read_text(encoding="utf-8"))
    data["unit_types"]["centre"]["graded"] = True
    data["unit_types"]["room"].pop("note")
    data["unit_types"]["station"]["requires_inputs"].append("horoscope")
    data["grades"].reverse()
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RegistryError) as e:
        load_scheme(path)
    message = e.value.message()
    assert message.startswith("mine.yaml: ")
    assert "key grades: list the bands from the highest min down to min: 0" in message
    assert "key unit_types.centre: graded without targets — set graded: false or give targets" in (
        message
    )
    assert "key unit_types.room.note: a type that is not graded says why" in message
    assert "key unit_types.station.requires_inputs: ['horoscope'] not in key inputs" in message
    with pytest.raises(RegistryError, match="unknown scheme 'nope': use one of workbench"):
        load_scheme("nope")


def test_no_score_or_grade_from_missing_inputs():
    frame = table({}, unit="S", level=4)
    every = set(SCHEME.rule("station").requires_inputs)
    graded = score_units(frame, REG, 2021, scheme=SCHEME, present=every)
    total = graded[graded["dimension"] == "total"].iloc[0]
    assert (total["score"], total["grade"], total["grading"]) == (100.0, "excellent", "graded")
    missing = score_units(frame, REG, 2021, scheme=SCHEME, present=every - {"roster", "survey"})
    total = missing[missing["dimension"] == "total"].iloc[0]
    assert total["grading"] == "inputs_missing" and total["missing_inputs"] == "roster;survey"
    assert total["grade"] is None and missing["score"].isna().all()
    assert total["measures_scored"] == 33  # what the data says is still counted


def test_a_centre_is_never_scored_graded_or_ranked_against_stations():
    frames = [
        score_units(table({}, unit=u, level=4), REG, 2021, scheme=SCHEME, unit_types=types)
        for u, types in (("S1", {}), ("S2", {}), ("C", {"C": "centre"}))
    ]
    out = _rank_and_change(pd.concat(frames, ignore_index=True), None)
    total = out[out["dimension"] == "total"].set_index("org_unit")
    assert total["grading"].to_dict() == {"S1": "graded", "S2": "graded", "C": "not_graded"}
    assert (total.at["S1", "peers"], total.at["S2", "peers"]) == (2, 2)
    assert pd.isna(total.at["C", "peers"])
    assert pd.isna(total.at["C", "rank"]) and np.isnan(total.at["C", "score"])


@pytest.fixture
def centre_ws(tmp_path):
    ws = Workspace.at(tmp_path / "ws")
    ws.org_units_file.write_text(
        ORG_UNITS + f"{CENTRE},同心小家,152201000000,4,centre,\n", encoding="utf-8"
    )
    d = dt.date(2021, 3, 2)
    path = write_standard_xlsx(
        tmp_path / "台账.xlsx",
        [
            row(1, d, "和平街道社工站", "", "主题活动", "社区治理", times=40),
            row(2, d, "同心小家", "", "志愿服务", "儿童关爱", times=12, volunteers=3, hours=6),
        ],
    )
    import_ledgers([path], workspace=ws, progress=False)
    return ws


def test_a_centre_has_no_station_targets_and_the_report_says_why(centre_ws):
    table_ = compute_indicators(centre_ws, year=2021)
    yearly = table_[
        (table_["period"] == "2021")
        & table_["service_area"].isna()
        & table_["client_category"].isna()
    ]
    centre = yearly[yearly["org_unit"] == CENTRE].set_index("indicator")
    station = yearly[yearly["org_unit"] == STATION].set_index("indicator")
    assert centre.at["D7a", "value"] == 12 and pd.isna(centre.at["D7a", "target"])
    assert centre["target"].isna().all() and set(centre["status"]) <= {"no_target", "suppressed"}
    assert station.at["D7a", "target"] == 700.0 and station.at["D7a", "status"] == "missed"
    scores = evaluate(centre_ws, year=2021)
    total = scores[scores["dimension"] == "total"].set_index("org_unit")
    assert total.at[CENTRE, "grading"] == "not_graded"
    assert total.at[STATION, "grading"] == "inputs_missing"  # only a ledger was imported
    assert total.at[STATION, "missing_inputs"].split(";")[:3] == ["roster", "training", "survey"]
    assert scores["score"].isna().all() and scores["grade"].isna().all()
    findings = pd.read_parquet(centre_ws.indicators_dir / "findings.parquet")
    missing = findings[findings["check"] == "input_missing"]
    assert len(missing) == 12  # one per input kind not imported, for the league, not per measure
    assert "未导入站点服务清单：E2 无数据，不计分" in set(missing["message_zh"])
    assert "未导入工作人员花名册：B1、B2、B3、B4、F2a 无数据，不计分" in set(missing["message_zh"])
    assert present_inputs(centre_ws, 2021) == {"ledger"}
    assert present_inputs(centre_ws, 2022) == set()
    note = grading_note(
        SCHEME, "station", "inputs_missing", total.at[STATION, "missing_inputs"], "zh"
    )
    assert note.startswith(
        "未评分、未定等级：按评估方案“工作台评估方案（社工站试点年度评估）”（workbench.yaml）"
    )
    assert "本年度缺少：工作人员花名册、培训记录、满意度与知晓度调查" in note
    assert grading_note(SCHEME, "centre", "not_graded", None, "en").startswith(
        "This unit is a service organisation outside the township station network"
    )
    assert grading_note(SCHEME, "station", "graded", None, "zh") is None
    assert sources_line(SCHEME, {"ledger"}, "zh").startswith("数据来源：服务台账（已导入")
