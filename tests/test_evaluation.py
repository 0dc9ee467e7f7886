"""Scoring: credit by status, dimensions rescaled over scored measures, grades, rank, change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shegong.indicators.evaluation import _rank_and_change, grade, score_units
from shegong.indicators.registry import load_registry

REG = load_registry()


def table(
    statuses: dict[str, str],
    unit: str = "152200000000",
    level: int = 2,
    missing: set[str] = frozenset(),
    year: int = 2021,
) -> pd.DataFrame:
    rows = []
    for m in REG.measures:
        if m.dimension in missing or m.id in missing:
            continue
        status = statuses.get(m.id, "met")
        rows.append(
            {
                "org_unit": unit,
                "level": level,
                "period": str(year),
                "indicator": m.id,
                "value": np.nan if status == "suppressed" else 1.0,
                "target": 1.0,
                "status": status,
                "service_area": None,
                "client_category": None,
            }
        )
    return pd.DataFrame(rows)


def scores(frame: pd.DataFrame) -> dict[str, float]:
    out = score_units(frame, REG, 2021)
    return dict(zip(out["dimension"], out["score"], strict=True))


def test_all_met_scores_100_and_excellent():
    s = score_units(table({}), REG, 2021)
    total = s[s["dimension"] == "total"].iloc[0]
    assert (
        total["score"] == 100 and total["grade"] == "excellent" and total["measures_scored"] == 33
    )


def test_credit_by_status_and_rescaling():
    # A1 near: 4 × 0.6; B4 missed: 0 of 3; C2 suppressed: C is scored on C1 + C3 (10 points) ×
    # 15/10; G never imported: the total is rescaled from 85 points to 100.
    s = scores(table({"A1": "near", "B4": "missed", "C2": "suppressed"}, missing={"G"}))
    assert s["A"] == pytest.approx(3 + 3 + 2.4)
    assert s["B"] == pytest.approx(12)
    assert s["C"] == pytest.approx(15)
    assert np.isnan(s["G"])
    assert s["total"] == pytest.approx(round((8.4 + 12 + 15 + 25 + 10 + 10) / 85 * 100, 2))


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (100, "excellent"),
        (90, "excellent"),
        (89.99, "good"),
        (80, "good"),
        (79.9, "pass"),
        (60, "pass"),
        (59.99, "fail"),
        (0, "fail"),
    ],
)
def test_grade_bands(total, band):
    assert grade(total) == band


def test_rank_among_peers_and_change_on_last_year():
    now = pd.concat(
        [score_units(table({}, unit=u, level=4, year=2022), REG, 2022) for u in ("A", "B")]
        + [
            score_units(
                table({"D1": "missed", "D2": "missed"}, unit="C", level=4, year=2022), REG, 2022
            )
        ]
        + [score_units(table({"D1": "missed"}, unit="L", level=2, year=2022), REG, 2022)],
        ignore_index=True,
    )
    before = score_units(
        table({"D1": "missed", "D2": "missed", "E1": "missed"}, unit="C", level=4), REG, 2021
    )
    out = _rank_and_change(now, before)
    total = out[out["dimension"] == "total"].set_index("org_unit")
    assert total["rank"].to_dict() == {"A": 1, "B": 1, "C": 3, "L": 1}
    assert total["peers"].to_dict() == {"A": 3, "B": 3, "C": 3, "L": 1}
    assert total.at["C", "change"] == pytest.approx(5.0)  # E1 (5 points) met this year
    assert np.isnan(total.at["A", "change"])


def test_re_evaluating_a_year_refreshes_the_next_years_change(demo_workspace, tmp_path):
    """Evaluating 2022 before 2021 leaves 2022's change empty; evaluating 2021 then fills it in."""
    import shutil

    from shegong.config import Workspace
    from shegong.indicators.evaluation import evaluate
    from shegong.indicators.results import evaluation_path

    root = tmp_path / "ws"
    shutil.copytree(demo_workspace / "inputs", root / "inputs")
    shutil.copytree(demo_workspace / "indicators", root / "indicators")
    ws = Workspace.at(root, create=False)
    evaluation_path(ws).unlink()
    first = evaluate(ws, year=2022)
    assert first["change"].isna().all()
    earlier = evaluate(ws, year=2021).set_index(["org_unit", "dimension"])["score"]
    after = pd.read_parquet(evaluation_path(ws))
    later = after[after["year"] == 2022].set_index(["org_unit", "dimension"])
    league = ("152200000000", "total")
    assert later.at[league, "previous_score"] == earlier[league]
    assert later.at[league, "change"] == round(later.at[league, "score"] - earlier[league], 2)
    assert later["change"].notna().sum() == later["score"].notna().sum()
