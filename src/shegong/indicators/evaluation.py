"""The pilot-year evaluation: weighted dimension scores, grade bands, rank, change, findings, and
the training-to-outcome join (DOMAIN.md §3; issue 5).

:func:`evaluate` reads ``indicators/indicators.parquet`` and writes, replacing the year's rows:

- ``indicators/evaluation.parquet`` — one row per org unit (levels 1–4) × year × dimension
  (``A`` … ``G`` and ``total``): ``score`` and ``max_score`` (points on the 100-point scale),
  ``measures_scored``/``measures_unscored``, and on the ``total`` row ``grade`` (excellent /
  good / pass / fail at 90 / 80 / 60), ``rank`` and ``peers`` (among the graded units of the
  same level and unit type), ``previous_score`` and ``change`` (against the previous pilot
  year), and on every row ``unit_type``, ``grading`` (graded / inputs_missing / not_graded) and
  ``missing_inputs``;
- ``indicators/findings.parquet`` — consistency checks reported, not hidden: files ÷
  households above 100 %, cases closed above cases opened, children that do not sum to their
  parent for additive measures, events recorded at a station without a village, inputs never
  imported;
- ``indicators/training_outcomes.parquet`` — per station and training year: trainees (n), their
  pre/post gain and the 传帮带教 stage reached, beside the station's indicators and total score
  in the *following* year (Kirkpatrick L2–L4). Association only: no causal claim.

Scoring rule (ours, DOMAIN.md §3 gives weights only as a proposal): each measure with a weight
and a target earns its weight × :data:`CREDIT` of its traffic-light status — met (≥ target) full
marks, near (≥ the ``near`` share of the target, default 80 %) 60 %, missed nothing, as in the
达标 / 基本达标 / 未达标 scoring of published station evaluations; a suppressed or missing measure
is not scored, and its dimension is scored on the measures that are (``score × share ÷ scored
weight``); the total is the sum of the dimensions scored, rescaled to 100 when a whole
dimension has no scored measure.

No grade from missing inputs (issue 16): the evaluation scheme (``datasets/schemes/workbench.yaml``,
:mod:`shegong.indicators.scheme`) lists the inputs a grade needs for each unit type; a unit is
scored and graded only when the workspace holds every one of them for the year, otherwise its
scores stay empty and ``missing_inputs`` names what is missing. A unit type the scheme does not
grade (``centre``: a service organisation outside the station network, DOMAIN.md §4) is never
scored, graded or ranked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from shegong import atomic
from shegong.config import Workspace
from shegong.indicators.outcomes import STAGE_COLUMNS, STAGES, training_outcomes  # noqa: F401
from shegong.indicators.registry import DIMENSIONS, Registry, load_registry
from shegong.indicators.results import (
    GRADE_LABELS,  # noqa: F401 — re-exported; the labels live with the readers
    evaluation_path,
    read_indicators,
)
from shegong.indicators.results import findings_path as findings_file
from shegong.indicators.results import outcomes_path as outcomes_file
from shegong.indicators.scheme import Scheme, default_scheme, present_inputs
from shegong.indicators.sources import org_frame, unit_stages
from shegong.orgunits import OrgUnits

GRADES = ((90.0, "excellent"), (80.0, "good"), (60.0, "pass"), (0.0, "fail"))
EVALUATED_LEVELS = (1, 2, 3, 4)
#: Share of a measure's weight earned by status.
CREDIT = {"met": 1.0, "near": 0.6, "missed": 0.0}

EVALUATION_SCHEMA = pa.schema(
    [
        ("org_unit", pa.string()),
        ("level", pa.int32()),
        ("year", pa.int32()),
        ("pilot_year", pa.int32()),
        ("dimension", pa.string()),
        ("score", pa.float64()),
        ("max_score", pa.float64()),
        ("measures_scored", pa.int32()),
        ("measures_unscored", pa.int32()),
        ("grade", pa.string()),
        ("rank", pa.int32()),
        ("peers", pa.int32()),
        ("previous_score", pa.float64()),
        ("change", pa.float64()),
        ("unit_type", pa.string()),
        ("grading", pa.string()),
        ("missing_inputs", pa.string()),
    ]
)
FINDINGS_SCHEMA = pa.schema(
    [
        ("org_unit", pa.string()),
        ("level", pa.int32()),
        ("year", pa.int32()),
        ("check", pa.string()),
        ("severity", pa.string()),
        ("indicator", pa.string()),
        ("value", pa.float64()),
        ("expected", pa.float64()),
        ("message_zh", pa.string()),
        ("message_en", pa.string()),
    ]
)


def grade(total: float) -> str | None:
    """The grade band of a total on 100: ≥90 excellent, ≥80 good, ≥60 pass, else fail."""
    if total is None or pd.isna(total):
        return None
    return next(code for floor, code in GRADES if total >= floor - 1e-9)


def _yearly(table: pd.DataFrame, year: int) -> pd.DataFrame:
    return table[
        (table["period"] == str(year))
        & table["service_area"].isna()
        & table["client_category"].isna()
    ]


def score_units(
    table: pd.DataFrame,
    registry: Registry,
    year: int,
    stages: dict[str, int] | None = None,
    *,
    scheme: Scheme | None = None,
    unit_types: dict[str, str] | None = None,
    present: set[str] | None = None,
) -> pd.DataFrame:
    """Dimension and total scores of every unit for ``year`` (columns of :data:`EVALUATION_SCHEMA`
    except rank, peers, previous_score and change, which :func:`evaluate` adds).

    The scheme's rule for the unit's type (``unit_types``: code → type; default station) decides
    whether it is scored: ``grading`` is ``graded``; ``not_graded`` for a type the scheme never
    grades (a centre: its scores stay empty); ``inputs_missing`` when ``present`` (the input kinds
    the workspace holds for the year, :func:`~shegong.indicators.scheme.present_inputs`) lacks one
    the grade needs — no score, no grade, and ``missing_inputs`` names them (``;``-joined).
    ``present=None`` applies no input rule (scores from what is there, rescaled)."""
    scheme = scheme or default_scheme()
    yearly = _yearly(table, year)
    yearly = yearly[yearly["level"].isin(EVALUATED_LEVELS)]
    weights = {m.id: m for m in registry.measures if m.weight > 0}
    yearly = yearly[yearly["indicator"].isin(weights)]
    rows = []
    for code, unit in yearly.groupby("org_unit", sort=True):
        level = int(unit["level"].iloc[0])
        unit_type = (unit_types or {}).get(code, "station")
        rule = scheme.rule(unit_type)
        missing = [] if present is None else scheme.missing_inputs(unit_type, present)
        grading = "not_graded" if not rule.graded else ("inputs_missing" if missing else "graded")
        got = unit.set_index("indicator")
        dims = []
        for dim, share in DIMENSIONS.items():
            ids = [m for m in weights.values() if m.dimension == dim]
            scored, points = 0.0, 0.0
            for m in ids:
                if m.id not in got.index:
                    continue
                r = got.loc[m.id]
                if r["status"] not in CREDIT:
                    continue
                points += m.weight * CREDIT[r["status"]]
                scored += m.weight
            n = sum(1 for m in ids if m.id in got.index and got.loc[m.id, "status"] in CREDIT)
            score = points * share / scored if scored and grading == "graded" else np.nan
            dims.append(
                {
                    "dimension": dim,
                    "score": score,
                    "max_score": float(share),
                    "measures_scored": n,
                    "measures_unscored": len(ids) - n,
                }
            )
        have = [d for d in dims if pd.notna(d["score"])]
        total = (
            sum(d["score"] for d in have) * 100 / sum(d["max_score"] for d in have)
            if have
            else np.nan
        )
        dims.append(
            {
                "dimension": "total",
                "score": total,
                "max_score": 100.0,
                "measures_scored": sum(d["measures_scored"] for d in dims),
                "measures_unscored": sum(d["measures_unscored"] for d in dims),
            }
        )
        for d in dims:
            rows.append(
                {
                    "org_unit": code,
                    "level": level,
                    "year": int(year),
                    "pilot_year": int((stages or {}).get(code, 0)),
                    **d,
                    "grade": scheme.grade(d["score"]) if d["dimension"] == "total" else None,
                    "unit_type": unit_type,
                    "grading": grading,
                    "missing_inputs": ";".join(missing) or None,
                }
            )
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["score"] = frame["score"].round(2)
    return frame


def _rank_and_change(frame: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Rank each scored unit among the scored units of its level and unit type (a centre is never
    ranked against stations; an ungraded unit has no rank), and the change on ``previous``."""
    if "unit_type" not in frame.columns:
        frame["unit_type"] = "station"
    frame["unit_type"] = frame["unit_type"].fillna("station")
    total = frame["dimension"] == "total"
    groups = ["level", "unit_type"]
    ranks = frame[total].groupby(groups)["score"].rank(ascending=False, method="min")
    frame["rank"] = pd.array([pd.NA] * len(frame), dtype="Int32")
    frame.loc[ranks.index, "rank"] = ranks.astype("Int32")
    peers = frame[total & frame["score"].notna()].groupby(groups).size()
    keys = pd.MultiIndex.from_frame(frame[groups])
    counted = pd.Series(peers.reindex(keys).to_numpy(), index=frame.index)
    frame["peers"] = counted.where(total & frame["score"].notna()).astype("Int32")
    frame["previous_score"] = np.nan
    if previous is not None and not previous.empty:
        prev = previous.set_index(["org_unit", "dimension"])["score"]
        keys = list(zip(frame["org_unit"], frame["dimension"], strict=True))
        frame["previous_score"] = [prev.get(k, np.nan) for k in keys]
    frame["change"] = (frame["score"] - frame["previous_score"]).round(2)
    return frame


def _finding(
    rows: list,
    unit: str,
    level: int,
    year: int,
    check: str,
    severity: str,
    indicator: str | None,
    value: float,
    expected: float,
    zh: str,
    en: str,
) -> None:
    rows.append(
        {
            "org_unit": unit,
            "level": level,
            "year": year,
            "check": check,
            "severity": severity,
            "indicator": indicator,
            "value": float(value),
            "expected": float(expected),
            "message_zh": zh,
            "message_en": en,
        }
    )


#: registry source → the input kind it is built from (``stations`` come from the org-unit file)
SOURCE_INPUT = {
    "ledger": "ledger",
    "staff": "roster",
    "training": "training",
    "survey": "survey",
    "site_visits": "site_visits",
    "receipts": "receipts",
    "audits": "audits",
    "organisations": "organisations",
    "case_outcomes": "case_outcomes",
    "priority_households": "priority_households",
    "groups": "groups",
    "divisions": "divisions",
}


def inputs_of(registry: Registry) -> dict[str, list[str]]:
    """Input kind → the weighted measures it feeds (its sources, and ``service_lists`` for the
    measures filtering on ``in_service_list``), in registry order."""
    out: dict[str, list[str]] = {}
    for m in registry.measures:
        if not m.weight:
            continue
        for t in (m.numerator, m.denominator):
            if t is None:
                continue
            term = registry.resolve(t)
            kinds = [SOURCE_INPUT.get(term.source)]
            kinds += ["service_lists"] if "in_service_list" in term.filter else []
            for kind in kinds:
                if kind and m.id not in out.setdefault(kind, []):
                    out[kind].append(m.id)
    return out


def consistency_findings(
    table: pd.DataFrame,
    units: OrgUnits,
    registry: Registry,
    year: int,
    scheme: Scheme | None = None,
    present: set[str] | None = None,
) -> pd.DataFrame:
    """The consistency checks of the module docstring for ``year``; columns of
    :data:`FINDINGS_SCHEMA`.

    ``input_missing``: one warning per input kind the workspace lacks for the year (``present``,
    or, without it, every input whose weighted measures have no rows), naming the measures it
    feeds, at the root units of a type the scheme grades."""
    yearly = _yearly(table, year)
    wide = yearly.pivot(index="org_unit", columns="indicator", values="value")
    num = yearly.pivot(index="org_unit", columns="indicator", values="numerator")
    info = units.frame.set_index("code")
    rows: list[dict] = []
    for code in wide.index:
        lv = int(info.at[code, "level"])
        d1, d3a = (
            wide.at[code, "D1"] if "D1" in wide else np.nan,
            wide.at[code, "D3a"] if "D3a" in wide else np.nan,
        )
        if pd.notna(d1) and pd.notna(d3a) and d3a > d1:
            _finding(
                rows,
                code,
                lv,
                year,
                "files_exceed_households",
                "warning",
                "D3b",
                d3a,
                d1,
                f"建档数 {d3a:.0f} 个多于走访户数 {d1:.0f} 户：请核对是否有未走访先建档或重复建档",
                f"{d3a:.0f} files opened but only {d1:.0f} households visited: check "
                "for files without a visit or duplicates",
            )
        closed = num.at[code, "D4b"] if "D4b" in num else np.nan
        opened = wide.at[code, "D4a"] if "D4a" in wide else np.nan
        if pd.notna(closed) and pd.notna(opened) and closed > opened:
            _finding(
                rows,
                code,
                lv,
                year,
                "cases_closed_exceed_opened",
                "warning",
                "D4b",
                closed,
                opened,
                f"结案 {closed:.0f} 个多于本年开案 {opened:.0f} 个（可能含往年个案）：请核对",
                f"{closed:.0f} cases closed but {opened:.0f} opened this year "
                "(earlier cases?): check",
            )
    additive = [m for m in registry.measures if m.aggregation in ("count", "sum")]
    for m in additive:
        if m.id not in wide:
            continue
        col = wide[m.id]
        for code, kids in units.frame.groupby("parent_code"):
            if code not in col.index or pd.isna(col.get(code)):
                continue
            below = [k for k in kids["code"] if k in col.index]
            if not below:
                continue
            parent, total = float(col[code]), float(col[below].sum())
            lv, kind = int(info.at[code, "level"]), info.at[code, "unit_type"]
            if abs(parent - total) < 1e-6:
                continue
            if kind == "station" and parent > total:
                _finding(
                    rows,
                    code,
                    lv,
                    year,
                    "recorded_at_station",
                    "info",
                    m.id,
                    parent - total,
                    0.0,
                    f"{m.id} 有 {parent - total:,.0f}{m.unit} 记在社工站、未注明村（社区）",
                    f"{m.id}: {parent - total:,.0f} {m.unit} recorded at the station "
                    "without a village",
                )
            else:
                _finding(
                    rows,
                    code,
                    lv,
                    year,
                    "children_do_not_sum",
                    "error",
                    m.id,
                    parent,
                    total,
                    f"{m.id} 下级合计 {total:,.2f} 与本级 {parent:,.2f} 不一致",
                    f"{m.id}: units below sum to {total:,.2f} but this unit has {parent:,.2f}",
                )
    roots = units.frame[units.frame["parent_code"].isna()]
    uses = inputs_of(registry)
    if present is None:  # inputs whose weighted measures have no rows this year
        absent = [k for k, ids in uses.items() if not set(ids) & set(yearly["indicator"])]
    else:  # the inputs a grade needs that the workspace lacks for the year (the grading rule)
        absent = [k for k in uses if k not in present]
    missing = {k: uses[k] for k in absent}
    scheme = scheme or default_scheme()
    roots = roots[[scheme.rule(t).graded for t in roots["unit_type"]]]  # a centre is not scored
    for kind, ids in missing.items():
        zh, en = scheme.input_names([kind], "zh")[0], scheme.input_names([kind], "en")[0]
        for r in roots.itertuples():
            _finding(
                rows,
                r.code,
                int(r.level),
                year,
                "input_missing",
                "warning",
                ids[0],
                np.nan,
                np.nan,
                f"未导入{zh}：{'、'.join(ids)} 无数据，不计分",
                f"{en} not imported: {', '.join(ids)} have no data and are not scored",
            )
    return pd.DataFrame(rows, columns=FINDINGS_SCHEMA.names)


def _merge_write(
    path: Path, frame: pd.DataFrame, schema: pa.Schema, year: int, sort: list[str]
) -> pd.DataFrame:
    if path.exists():
        old = pd.read_parquet(path)
        frame = (
            pd.concat([old[old["year"] != year], frame], ignore_index=True)
            if not old.empty
            else frame
        )
    # years evaluated before a column was added (unit_type, grading …) read it as null
    frame = frame.sort_values(sort).reset_index(drop=True).reindex(columns=schema.names)
    out = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    atomic.write_with(path, lambda p: pq.write_table(out, p))
    return frame


def evaluate(
    workspace: Workspace,
    *,
    year: int,
    registry: Registry | None = None,
    scheme: Scheme | None = None,
    org_units: OrgUnits | None = None,
) -> pd.DataFrame:
    """Score every unit for ``year`` and write the three files of the module docstring.

    When the next year is already evaluated, its ``previous_score`` and ``change`` are
    recomputed against the new scores.

    Returns the year's evaluation rows (columns of :data:`EVALUATION_SCHEMA`).

    Raises:
        IndicatorError: indicators have not been computed.
    """

    registry = registry or load_registry()
    scheme = scheme or default_scheme()
    table = read_indicators(workspace, totals_only=True)
    units = org_units or OrgUnits.read_csv(workspace.org_units_file)
    stages = unit_stages(org_frame(units), registry, year)
    types = dict(zip(units.frame["code"], units.frame["unit_type"], strict=True))
    present = present_inputs(workspace, year)
    if (table["period"] == str(year)).any():  # computed indicators of the year come from its ledger
        present.add("ledger")
    frame = score_units(
        table, registry, year, stages, scheme=scheme, unit_types=types, present=present
    )
    path = evaluation_path(workspace)
    previous = None
    if path.exists():
        old = pd.read_parquet(path)
        previous = old[old["year"] == year - 1]
    frame = _rank_and_change(frame, previous) if not frame.empty else frame
    order = ["year", "level", "org_unit", "dimension"]
    result = _merge_write(path, frame, EVALUATION_SCHEMA, year, order)
    following = result[result["year"] == year + 1]
    if not following.empty and not frame.empty:  # the next year's change is against these scores
        refreshed = _rank_and_change(following.copy(), frame)
        result = _merge_write(path, refreshed, EVALUATION_SCHEMA, year + 1, order)
    findings = consistency_findings(table, units, registry, year, scheme, present)
    _merge_write(
        findings_file(workspace),
        findings,
        FINDINGS_SCHEMA,
        year,
        ["year", "level", "org_unit", "check", "indicator"],
    )
    outcomes = training_outcomes(workspace, table, result)
    if outcomes is not None:
        atomic.write_with(outcomes_file(workspace), lambda p: outcomes.to_parquet(p, index=False))
    return result[result["year"] == year].reset_index(drop=True)
