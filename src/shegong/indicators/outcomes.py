"""Training beside the next year's results (Kirkpatrick L2–L4, issue 5): per station and training
year, the trainees, their pre/post gain and the 传帮带教 stage reached, beside the station's
indicators and total score in the *following* year. Association only: no causal claim."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shegong.config import Workspace
from shegong.indicators.results import read_input

STAGES = ("传", "帮", "带", "教")
STAGE_COLUMNS = ("stage_pass", "stage_help", "stage_lead", "stage_teach")
OUTCOME_MEASURES = ("D1", "D3b", "D4b", "E1", "G1", "G4")


def training_outcomes(
    ws: Workspace, table: pd.DataFrame, evaluation: pd.DataFrame
) -> pd.DataFrame | None:
    """Per station × training year: trainees, pre/post gain, stage reached, and the station's
    indicators (:data:`OUTCOME_MEASURES`) and total score in the following year.

    Columns: ``station``, ``training_year``, ``outcome_year``, ``trainees`` (distinct, n),
    ``scored`` (n with both scores), ``pre_mean``, ``post_mean``, ``gain_mean`` (points),
    ``stage_pass`` … ``stage_teach`` (trainees whose highest stage is 传 … 教), one column per
    outcome measure (its value in ``outcome_year``, null when not computed), ``total_score``.
    None when no training records were imported.
    """
    training = read_input(ws, "training")
    if training is None or training.empty:
        return None
    t = training.assign(rank=training["stage"].map({s: i for i, s in enumerate(STAGES)}))
    per = (
        t.groupby(["station_code", "year", "trainee_pid"])
        .agg(rank=("rank", "max"), pre=("pre_score", "mean"), post=("post_score", "mean"))
        .reset_index()
    )
    per["gain"] = per["post"] - per["pre"]
    rows = []
    for (station, year), g in per.groupby(["station_code", "year"]):
        scored = g.dropna(subset=["pre", "post"])
        row = {
            "station": station,
            "training_year": int(year),
            "outcome_year": int(year) + 1,
            "trainees": len(g),
            "scored": len(scored),
            "pre_mean": scored["pre"].mean(),
            "post_mean": scored["post"].mean(),
            "gain_mean": scored["gain"].mean(),
        }
        row.update({c: int((g["rank"] == i).sum()) for i, c in enumerate(STAGE_COLUMNS)})
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("pre_mean", "post_mean", "gain_mean"):
        out[col] = out[col].astype("float64").round(2)
    yearly = table[
        table["service_area"].isna()
        & table["client_category"].isna()
        & table["indicator"].isin(OUTCOME_MEASURES)
    ]
    values = yearly.set_index(["org_unit", "period", "indicator"])["value"]
    for m in OUTCOME_MEASURES:
        out[m] = [
            values.get((s, str(y), m), np.nan)
            for s, y in zip(out["station"], out["outcome_year"], strict=True)
        ]
    totals = (
        evaluation[evaluation["dimension"] == "total"].set_index(["org_unit", "year"])["score"]
        if not evaluation.empty
        else pd.Series(dtype=float)
    )
    out["total_score"] = [
        totals.get((s, y), np.nan) for s, y in zip(out["station"], out["outcome_year"], strict=True)
    ]
    return out.sort_values(["training_year", "station"]).reset_index(drop=True)
