"""Report sections on the team and its training (传帮带教), and training beside outcomes (issue 6).

- :func:`staff_table` — staff in post during the year at the stations below the unit (the staff
  roster, ``inputs/accepted/roster.parquet``) by role: persons, full-time, part-time, certified
  (assistant level or above, certificate obtained by the year, as in indicator B2), by
  qualification, and their training hours in the year (h, the training records joined by staff
  id, as in B3);
- :func:`stage_table` — trainee person-times of the year by trainee role × 传帮带教 stage (the
  training records, ``inputs/accepted/training.parquet``); its total is indicator B5;
- :func:`outcome_table` — Kirkpatrick L2–L4 from ``indicators/training_outcomes.parquet``: per
  station, trainees (n), pre/post test means and gain (points), the highest stage reached, beside
  the station's indicators and total score in the following year. An association only: no
  causal claim is made (stations differ in size, starting point and staff turnover).

The inputs are read through :mod:`shegong.indicators.results`, so that a report kernel does not import the
import-time validation stack.
"""

from __future__ import annotations

import pandas as pd

from shegong.indicators.results import read_input, read_outcomes
from shegong.reports import charts
from shegong.reports.blocks import Block, Figure, Numbering, Table
from shegong.reports.format import format_value, signed, unit_label

ROLES = ("站长", "社工", "督导", "志愿者")
QUALIFICATIONS = ("助理社会工作师", "社会工作师", "高级社会工作师")
STAGES = ("传", "帮", "带", "教")
STAGE_COLUMNS = ("stage_pass", "stage_help", "stage_lead", "stage_teach")
OUTCOME_MEASURES = ("D1", "D3b", "E1", "G1", "G4")
EN = {
    "站长": "Station head",
    "社工": "Social worker",
    "督导": "Supervisor",
    "志愿者": "Volunteer",
    "村（社区）干部": "Village cadre",
    "居民骨干": "Resident backbone",
    "社会组织人员": "Social-organisation staff",
    "助理社会工作师": "Assistant SW",
    "社会工作师": "Intermediate SW",
    "高级社会工作师": "Senior SW",
    "传": "pass on (传)",
    "帮": "help (帮)",
    "带": "lead (带)",
    "教": "teach (教)",
}
TEXT = {
    "zh": {
        "staff": "传帮带教培训",
        "staff_table": "{year}年在岗工作人员构成",
        "stage_table": "{year}年传帮带教培养人次",
        "outcome_table": "各站点学员学习增益与次年服务成效",
        "role": "角色",
        "staff_cols": [
            "人数（人）",
            "专职（人）",
            "兼职（人）",
            "持证（人）",
            *(f"{q}（人）" for q in QUALIFICATIONS),
            "培训学时（h）",
            "人均学时（h）",
        ],
        "staff_note": "在岗人员（年内任职）。持证：助理社会工作师及以上且取证年份不晚于本年度；站均专职社工、持证率、人均培训时长和督导覆盖率只计站长和社工。",
        "total": "合计",
        "stage_role": "学员角色",
        "stage_total": "合计（人次）",
        "stage_note": "传帮带教培养人次按学员角色与阶段统计：每条培训记录计1人次。",
        "stage_title": "{year}年传帮带教培养人次（按学员角色与阶段）",
        "stage_x": "培养人次（人次）",
        "stage_legend": "阶段",
        "outcome": "培训与次年服务成效对照",
        "outcome_cols": [
            "站点",
            "培训年度",
            "学员（人）",
            "有前后测（人）",
            "前测均分（分）",
            "后测均分（分）",
            "增益（分）",
            "最高阶段 传/帮/带/教（人）",
            "成效年度",
        ],
        "total_score": "总分（分）",
        "causal": "不作因果推断：本表仅并列呈现各站点学员的学习增益、所达阶段与该站次年的服务指标，站点之间的差异"
        "还受规模、基础和人员变动等因素影响，不能据此认定培训导致了指标变化。n 为学员人数。",
        "no_outcome": "成效年度的指标尚未计算（“—”）。",
        "scatter_title": "学员平均增益与站点次年总分（仅示关联，不作因果推断）",
        "scatter_x": "学员前后测平均增益（分）",
        "scatter_y": "成效年度总分（分）",
    },
    "en": {
        "staff": "Pass-help-lead-teach training",
        "staff_table": "Staff in post, {year}",
        "stage_table": "Trainee person-times by stage, {year}",
        "outcome_table": "Trainees' learning gain beside their station's results a year later",
        "role": "Role",
        "staff_cols": [
            "Persons",
            "Full-time (persons)",
            "Part-time (persons)",
            "Certified (persons)",
            *(f"{EN[q]} (persons)" for q in QUALIFICATIONS),
            "Training (h)",
            "Training per person (h)",
        ],
        "staff_note": "Staff in post during the year. Certified: assistant social worker or above, certificate obtained by "
        "the year; full-time staff per station, certification, training hours and supervision count station heads and social workers only.",
        "total": "Total",
        "stage_role": "Trainee role",
        "stage_total": "Total (person-times)",
        "stage_note": "Trainee person-times by trainee role and stage: each training record counts once.",
        "stage_title": "Trainee person-times by role and stage (pass on, help, lead, teach), {year}",
        "stage_x": "Person-times",
        "stage_legend": "Stage",
        "outcome": "Training beside next year's results",
        "outcome_cols": [
            "Station",
            "Training year",
            "Trainees (n)",
            "Pre and post tested (n)",
            "Pre-test mean (points)",
            "Post-test mean (points)",
            "Gain (points)",
            "Highest stage 传/帮/带/教 (n)",
            "Outcome year",
        ],
        "total_score": "Total score (points)",
        "causal": "No causal claim: the table only sets the trainees' learning gain and stage reached beside their "
        "station's indicators of the following year; stations also differ in size, starting point and staff "
        "turnover, so the table cannot show that training caused a change. n is the number of trainees.",
        "no_outcome": "Indicators of the outcome year are not computed yet (—).",
        "scatter_title": "Trainees' mean gain and the station's total score a year later (association, not cause)",
        "scatter_x": "Mean pre/post gain (points)",
        "scatter_y": "Total score in the outcome year (points)",
    },
}


def _stations_below(units, org_unit: str) -> set[str]:
    anc = units.ancestry()
    return set(anc.loc[anc["ancestor"] == org_unit, "code"]) | {org_unit}


def staff_table(ws, units, org_unit: str, year: int) -> pd.DataFrame:
    """One row per role present (:data:`ROLES` order), index ``role``; columns ``persons``,
    ``full_time``, ``part_time``, ``certified``, one per qualification of
    :data:`QUALIFICATIONS` (persons), ``training_hours`` (h). Empty without a roster."""
    roster = read_input(ws, "roster")
    if roster is None:
        return pd.DataFrame()
    below = _stations_below(units, org_unit)
    start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
    staff = roster[
        roster["station_code"].isin(below)
        & (roster["start_date"].isna() | (roster["start_date"] <= end))
        & (roster["end_date"].isna() | (roster["end_date"] >= start))
    ].copy()
    if staff.empty:
        return pd.DataFrame()
    staff["certified"] = (staff["qualification"] != "无") & (
        staff["certificate_year"].isna() | (staff["certificate_year"] <= year)
    ).fillna(False)
    training = read_input(ws, "training")
    hours = (
        training[training["year"] == year].groupby("trainee_id")["hours"].sum()
        if training is not None
        else pd.Series(dtype=float)
    )
    staff["training_hours"] = staff["staff_id"].map(hours).astype("float64").fillna(0.0)
    out = staff.groupby("role").agg(
        persons=("staff_id", "count"),
        full_time=("employment", lambda s: int((s == "专职").sum())),
        part_time=("employment", lambda s: int((s == "兼职").sum())),
        certified=("certified", "sum"),
        training_hours=("training_hours", "sum"),
    )
    for q in QUALIFICATIONS:
        out[q] = staff.groupby("role")["qualification"].apply(lambda s, q=q: int((s == q).sum()))
    order = [r for r in ROLES if r in out.index] + sorted(set(out.index) - set(ROLES))
    out = out.loc[
        order, ["persons", "full_time", "part_time", "certified", *QUALIFICATIONS, "training_hours"]
    ]
    return out.astype({"certified": "int64"})


def stage_table(ws, units, org_unit: str, year: int) -> pd.DataFrame:
    """Trainee person-times of ``year``: index trainee role, columns the stages present (传 帮 带 教
    order), integers; empty without training records."""
    training = read_input(ws, "training")
    if training is None:
        return pd.DataFrame()
    rows = training[
        (training["year"] == year) & training["station_code"].isin(_stations_below(units, org_unit))
    ]
    if rows.empty:
        return pd.DataFrame()
    wide = rows.pivot_table(
        index="trainee_role", columns="stage", values="session_id", aggfunc="count", fill_value=0
    )
    wide = wide.reindex(columns=[s for s in STAGES if s in wide.columns])
    return (
        wide.loc[wide.sum(axis=1).sort_values(ascending=False).index]
        .astype("int64")
        .rename_axis(index=None, columns=None)
    )


def outcome_table(ws, units, org_unit: str, year: int) -> pd.DataFrame:
    """Rows of ``indicators/training_outcomes.parquet`` for the stations below the unit whose
    training year is ``year - 1`` (outcomes in ``year``), or ``year`` when there are none
    (outcomes in the next year, shown when computed). Columns as in the file."""
    outcomes = read_outcomes(ws)
    if outcomes is None:
        return pd.DataFrame()
    mine = outcomes[outcomes["station"].isin(_stations_below(units, org_unit))]
    for training_year in (year - 1, year):
        rows = mine[mine["training_year"] == training_year]
        if not rows.empty:
            return rows.reset_index(drop=True)
    return pd.DataFrame()


def staff_block(report, number: Numbering, staff: pd.DataFrame) -> list[Block]:
    """The staff table (``staff`` = :func:`staff_table` of the unit and year) as a numbered table
    with its total row; empty without a roster."""
    if staff.empty:
        return []
    t, lang = TEXT[report.lang], report.lang
    name = (lambda x: EN.get(x, x)) if lang == "en" else (lambda x: x)
    shown = pd.concat([staff, staff.sum().to_frame(t["total"]).T])
    per = shown["training_hours"] / shown["persons"]
    rows = []
    for i, role in enumerate(shown.index):
        cells = [name(role) if role != t["total"] else role]
        for col in [*staff.columns, "per"]:
            values = per if col == "per" else shown[col]
            cells.append(
                format_value(values.iloc[i], "h" if col in ("training_hours", "per") else "人")
            )
        rows.append(cells)
    return [
        Table(
            [t["role"], *t["staff_cols"]],
            rows,
            caption=number.table(t["staff_table"].format(year=report.year)),
            align=["l"] + ["r"] * len(t["staff_cols"]),
            css_class="shegong-staff",
            note=t["staff_note"],
            wide=True,
        )
    ]


def training_blocks(report, number: Numbering) -> list[Block]:
    """传帮带教 training (stage table and chart) and training beside next year's results, as
    report blocks: a level-2 heading, then tables and charts numbered by ``number``."""
    ws, units, lang, year = report.workspace, report.units, report.lang, report.year
    t = TEXT[lang]
    name = (lambda x: EN.get(x, x)) if lang == "en" else (lambda x: x)
    stages = stage_table(ws, units, report.org_unit, year)
    outcomes = outcome_table(ws, units, report.org_unit, year)
    if stages.empty and outcomes.empty:
        return []
    out: list[Block] = [number.heading(t["staff"], 2)]
    if not stages.empty:
        shown = stages.copy()
        shown.index = [name(r) for r in shown.index]
        shown.columns = [name(c) for c in shown.columns]
        table = shown.assign(**{t["stage_total"]: shown.sum(axis=1)})
        table = pd.concat([table, table.sum().to_frame(t["total"]).T]).astype("int64")
        out.append(
            Table(
                [t["stage_role"], *map(str, table.columns)],
                [
                    [str(i), *(f"{v:,}" for v in r)]
                    for i, r in zip(table.index, table.values, strict=True)
                ],
                caption=number.table(t["stage_table"].format(year=year)),
                align=["l"] + ["r"] * len(table.columns),
                css_class="shegong-stages",
                note=t["stage_note"],
            )
        )
        fig = charts.stacked_bars(
            shown, title="", xlabel=t["stage_x"], ylabel=t["stage_role"], legend=t["stage_legend"]
        )
        out.append(Figure(charts.to_png(fig), number.figure(t["stage_title"].format(year=year))))
    if not outcomes.empty:
        out += _outcome_blocks(report, outcomes, t, number)
    return out


def _points(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.1f}"


def _outcome_blocks(report, outcomes: pd.DataFrame, t: dict, number: Numbering) -> list[Block]:
    lang = report.lang
    measures = {m.id: m for m in report.registry.measures}
    station = [report.units.name(s) if s in report.units else s for s in outcomes["station"]]
    columns = list(t["outcome_cols"])
    rows = [
        [
            station[i],
            str(r.training_year),
            f"{r.trainees:,}",
            f"{r.scored:,}",
            _points(r.pre_mean),
            _points(r.post_mean),
            signed(r.gain_mean),
            "/".join(str(int(getattr(r, c))) for c in STAGE_COLUMNS),
            str(r.outcome_year),
        ]
        for i, r in enumerate(outcomes.itertuples())
    ]
    for mid in OUTCOME_MEASURES:
        if mid in outcomes.columns and mid in measures:
            m = measures[mid]
            unit = unit_label(m.unit, lang)
            columns.append(
                f"{m.name[lang]}（{unit}）" if lang == "zh" else f"{m.name[lang]} ({unit})"
            )
            for row, v in zip(rows, outcomes[mid], strict=True):
                row.append(format_value(v, m.unit))
    columns.append(t["total_score"])
    for row, v in zip(rows, outcomes["total_score"], strict=True):
        row.append(_points(v))
    note = t["causal"] + (" " + t["no_outcome"] if outcomes["total_score"].isna().any() else "")
    out: list[Block] = [
        number.heading(t["outcome"], 3),
        Table(
            columns,
            rows,
            caption=number.table(t["outcome_table"]),
            align=["l"] + ["r"] * (len(columns) - 1),
            css_class="shegong-outcomes",
            note=note,
            wide=True,
        ),
    ]
    pts = outcomes.assign(
        label=[f"{s} n={n}" for s, n in zip(station, outcomes["scored"], strict=True)]
    )
    if len(pts) > 8:  # labels of many points overlap: the table names them
        pts["label"] = ""
    pts = pts.dropna(subset=["gain_mean", "total_score"])
    if len(pts) >= 3:
        fig = charts.scatter_labelled(
            pts,
            x="gain_mean",
            y="total_score",
            label="label",
            title="",
            xlabel=t["scatter_x"],
            ylabel=t["scatter_y"],
        )
        out.append(Figure(charts.to_png(fig), number.figure(t["scatter_title"])))
    return out
