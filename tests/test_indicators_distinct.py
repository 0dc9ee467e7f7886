"""Distinct counts (D1 households visited, D7b persons served) against a brute-force count.

``compute_indicators`` counts a value seen at one unit, or at units on one line of descent,
once at the deepest unit and its ancestors, and de-duplicates per ancestor only the values seen
on different branches. This test draws 400 seeded events over the hand-built hierarchy of
tests/builders.py — persons served in two sibling rooms, in a room and its own station, and in
two counties — and checks every unit × period × disaggregation against ``nunique`` over each
unit's subtree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shegong.config import Workspace
from shegong.indicators.compute import compute_indicators
from shegong.orgunits import OrgUnits

from .builders import write_org_units

AREAS = ["social_assistance", "elderly_services", None]
CATEGORIES = ["dibao", "disabled", None]
TYPES = ["home_visit", "home_visit", "file_opened", "case_follow_up", "group_session"]


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame, OrgUnits]:
    ws = Workspace.at(tmp_path_factory.mktemp("distinct") / "ws")
    write_org_units(ws.org_units_file)
    units = OrgUnits.read_csv(ws.org_units_file)
    leaves = units.frame[units.frame["level"] >= 4]
    station_of = {r.code: (r.code if r.level == 4 else r.parent_code) for r in leaves.itertuples()}
    rng = np.random.default_rng(20211)
    n = 400
    unit = rng.choice(leaves["code"].to_numpy(), n)
    kind = rng.choice(TYPES, n)
    person = rng.integers(0, 40, n)  # 40 persons over 400 events: most seen at several units
    individual = kind != "group_session"
    frame = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "year": np.full(n, 2021, "int32"),
            "month": rng.integers(1, 13, n).astype("int32"),
            "org_unit": unit,
            "station_code": [station_of[u] for u in unit],
            "room_code": [None if station_of[u] == u else u for u in unit],
            "event_type": kind,
            "service_area": rng.choice(np.array(AREAS, dtype=object), n),
            "client_category": np.where(
                individual, rng.choice(np.array(CATEGORIES, dtype=object), n), None
            ),
            "client_pid": np.where(individual, [f"P{p}" for p in person], None),
            "household_pid": np.where(individual, [f"H{p // 2}" for p in person], None),
            "person_times": np.ones(n, "int64"),
            "staff_ids": "S1",
            "volunteers": np.zeros(n, "int64"),
            "volunteer_hours": np.zeros(n),
            "resources_fen": np.zeros(n, "int64"),
            "resource_kind": None,
        }
    )
    frame["date"] = pd.to_datetime(
        {"year": frame["year"], "month": frame["month"], "day": 1}
    ).astype("datetime64[ms]")
    ws.accepted_dir.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(ws.accepted_dir / "drawn.parquet", index=False)
    return frame, compute_indicators(ws, year=2021), units


def _brute(frame: pd.DataFrame, units: OrgUnits, field: str) -> dict[tuple, float]:
    """nunique of ``field`` per (ancestor, period, service_area, client_category)."""
    closure = units.ancestry()
    rows = frame[frame[field].notna()].merge(closure, left_on="org_unit", right_on="code")
    rows["quarter"] = "2021Q" + ((rows["month"] + 2) // 3).astype(str)
    rows["mon"] = "2021-" + rows["month"].astype(str).str.zfill(2)
    out: dict[tuple, float] = {}
    for period_col, dis in (
        (None, None),
        ("quarter", None),
        ("mon", None),
        (None, "service_area"),
        (None, "client_category"),
    ):
        keys = ["ancestor"] + ([period_col] if period_col else []) + ([dis] if dis else [])
        data = rows.assign(**{dis: rows[dis].fillna("unspecified")}) if dis else rows
        for key, count in data.groupby(keys)[field].nunique().items():
            key = key if isinstance(key, tuple) else (key,)
            period = key[1] if period_col else "2021"
            value = key[-1] if dis else None
            out[
                (
                    key[0],
                    period,
                    value if dis == "service_area" else None,
                    value if dis == "client_category" else None,
                )
            ] = float(count)
    return out


@pytest.mark.parametrize(("measure", "field"), [("D1", "household_pid"), ("D7b", "client_pid")])
def test_distinct_counts_equal_a_brute_force_count(drawn, measure, field):
    frame, table, units = drawn
    if measure == "D1":
        frame = frame[frame["event_type"] == "home_visit"]
    expected = _brute(frame, units, field)
    got = table[table["indicator"] == measure]
    got = {
        (
            r.org_unit,
            r.period,
            None if pd.isna(r.service_area) else r.service_area,
            None if pd.isna(r.client_category) else r.client_category,
        ): r.value
        for r in got.itertuples()
    }
    nonzero = {k: v for k, v in got.items() if v}
    assert nonzero == expected
    # the league counts each person once although they were served at several units
    league = units.frame.loc[units.frame["level"] == 2, "code"].iloc[0]
    assert got[(league, "2021", None, None)] == frame[field].nunique()
    children = units.frame.loc[units.frame["parent_code"] == league, "code"]
    assert (
        sum(got.get((c, "2021", None, None), 0) for c in children)
        > got[(league, "2021", None, None)]
    )
