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

The inputs are read through :mod:`shegong.indicators.results`, so that a report kernel does not
import the import-time validation stack.
"""

from __future__ import annotations

import pandas as pd

from shegong.indicators.results import read_input, read_outcomes
from shegong.reports import charts
from shegong.reports.format import format_value, styled_html, unit_label

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
        "staff": "队伍建设与传帮带教培训",
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
        "staff_note": "在岗人员（年内任职）。持证：助理社会工作师及以上且取证年份不晚于本年度；"
        "B1–B4 只计站长和社工。",
        "total": "合计",
        "stage_role": "学员角色",
        "stage_total": "合计（人次）",
        "stage_note": "传帮带教培养人次（B5）按学员角色与阶段：每条培训记录计 1 人次。",
        "stage_title": "{year} 年传帮带教培养人次（按学员角色与阶段）",
        "stage_x": "培养人次（人次）",
        "stage_legend": "阶段",
        "outcome": "培训与次年成效（柯氏评估 L2–L4）",
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
        "causal": "**不作因果推断**：本表仅并列呈现各站点学员的学习增益、"
        "所达阶段与该站次年的服务指标，站点之间的差异"
        "还受规模、基础和人员变动等因素影响，不能据此认定培训导致了指标变化。n 为学员人数。",
        "no_outcome": "成效年度的指标尚未计算（“—”）。",
        "scatter_title": "学员平均增益与站点次年总分（仅示关联，不作因果推断）",
        "scatter_x": "学员前后测平均增益（分）",
        "scatter_y": "成效年度总分（分）",
    },
    "en": {
        "staff": "Staff and 传帮带教 training",
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
        "staff_note": "Staff in post during the year. Certified: assistant social worker or above, "
        "certificate obtained by "
        "the year; B1–B4 count station heads and social workers only.",
        "total": "Total",
        "stage_role": "Trainee role",
        "stage_total": "Total (person-times)",
        "stage_note": "Trainee person-times (B5) by trainee role and stage: each training record "
        "counts once.",
        "stage_title": "Trainee person-times by role and 传帮带教 stage, {year}",
        "stage_x": "Person-times",
        "stage_legend": "Stage",
        "outcome": "Training and next year's results (Kirkpatrick L2–L4)",
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
        "causal": "**No causal claim**: the table only sets the trainees' learning gain and "
        "stage reached beside their "
        "station's indicators of the following year; stations also differ in size, "
        "starting point and staff "
        "turnover, so the table cannot show that training caused a change. n is the "
        "number of trainees.",
        "no_outcome": "Indicators of the outcome year are not computed yet (—).",
        "scatter_title": (
            "Trainees' mean gain and the station's total score a year later "
            "(association, not cause)"
        ),
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


def show_training(report, emit=None) -> None:
    """Display the three tables, the stage chart and (with three stations or more) the gain ×
    score chart for a :class:`~shegong.reports.unit.UnitReport` through ``emit(*objects)`` (default:
    IPython's ``display``)."""
    from IPython.display import HTML, Image, Markdown, display

    emit = emit or display

    ws, units, lang, year = report.workspace, report.units, report.lang, report.year
    t = TEXT[lang]
    name = (lambda x: EN.get(x, x)) if lang == "en" else (lambda x: x)
    staff = staff_table(ws, units, report.org_unit, year)
    stages = stage_table(ws, units, report.org_unit, year)
    outcomes = outcome_table(ws, units, report.org_unit, year)
    if staff.empty and stages.empty and outcomes.empty:
        return
    emit(Markdown(f"## {t['staff']}"))
    if not staff.empty:
        total = staff.sum()
        shown = pd.concat([staff, total.to_frame(t["total"]).T])
        per = shown["training_hours"] / shown["persons"]
        table = pd.DataFrame({t["role"]: [name(r) if r != t["total"] else r for r in shown.index]})
        for col, head in zip(
            [*staff.columns, "per"], t["staff_cols"][0:1] + t["staff_cols"][1:], strict=True
        ):
            values = per if col == "per" else shown[col]
            table[head] = [
                format_value(v, "h" if col in ("training_hours", "per") else "人") for v in values
            ]
        emit(HTML(styled_html(table, "shegong-staff", left=(0,))), Markdown(f"*{t['staff_note']}*"))
    if not stages.empty:
        shown = stages.copy()
        shown.index = [name(r) for r in shown.index]
        shown.columns = [name(c) for c in shown.columns]
        table = shown.assign(**{t["stage_total"]: shown.sum(axis=1)})
        table = pd.concat([table, table.sum().to_frame(t["total"]).T]).astype("int64")
        table = table.rename_axis(t["stage_role"]).reset_index()
        emit(
            HTML(styled_html(table, "shegong-stages", left=(0,))), Markdown(f"*{t['stage_note']}*")
        )
        fig = charts.stacked_bars(
            shown,
            title=t["stage_title"].format(year=year),
            xlabel=t["stage_x"],
            ylabel=t["stage_role"],
            legend=t["stage_legend"],
        )
        emit(Image(charts.to_png(fig), format="png"))
    if not outcomes.empty:
        _show_outcomes(report, outcomes, t, emit)


def _points(value: float) -> str:
    return "—" if pd.isna(value) else f"{value:.1f}"


def _show_outcomes(report, outcomes: pd.DataFrame, t: dict, emit) -> None:
    from IPython.display import HTML, Image, Markdown

    lang = report.lang
    measures = {m.id: m for m in report.registry.measures}
    station = [report.units.name(s) if s in report.units else s for s in outcomes["station"]]
    table = pd.DataFrame(
        {
            0: station,
            1: outcomes["training_year"].astype(str),
            2: outcomes["trainees"],
            3: outcomes["scored"],
            4: [_points(v) for v in outcomes["pre_mean"]],
            5: [_points(v) for v in outcomes["post_mean"]],
            6: [f"{v:+.1f}" if pd.notna(v) else "—" for v in outcomes["gain_mean"]],
            7: ["/".join(str(int(r[c])) for c in STAGE_COLUMNS) for _, r in outcomes.iterrows()],
            8: outcomes["outcome_year"].astype(str),
        }
    )
    table.columns = t["outcome_cols"]
    for mid in OUTCOME_MEASURES:
        if mid in outcomes.columns and mid in measures:
            m = measures[mid]
            unit = unit_label(m.unit, lang)
            table[
                f"{mid} {m.name[lang]}（{unit}）"
                if lang == "zh"
                else f"{mid} {m.name[lang]} ({unit})"
            ] = [format_value(v, m.unit) for v in outcomes[mid]]
    table[t["total_score"]] = [_points(v) for v in outcomes["total_score"]]
    emit(Markdown(f"### {t['outcome']}"), HTML(styled_html(table, "shegong-outcomes", left=(0,))))
    note = t["causal"] + (" " + t["no_outcome"] if outcomes["total_score"].isna().any() else "")
    emit(Markdown(note))
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
            title=t["scatter_title"],
            xlabel=t["scatter_x"],
            ylabel=t["scatter_y"],
        )
        emit(Image(charts.to_png(fig), format="png"))
