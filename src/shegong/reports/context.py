"""One report's figures and judgements, read once: the :class:`Context` the chapters lay out.

:func:`build` reads the unit's results (:class:`~shegong.reports.unit.UnitReport`), the report
rules, the report's state (:mod:`shegong.reports.lifecycle`), the rank among peers, the ledgers'
import accounts, the problems and the recommendations; :func:`digest` gives the figures a
re-issue compares. ``WORKSPACE/report_settings.yaml`` names the evaluating body.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from shegong.config import Workspace, language
from shegong.indicators.results import GRADE_LABELS, read_evaluation
from shegong.reports import assessment as judge
from shegong.reports import facts, lifecycle
from shegong.reports.blocks import (
    Numbering,
)
from shegong.reports.format import (
    status_label,
)
from shegong.reports.rules import Rules, load_rules, settings
from shegong.reports.team import staff_table
from shegong.reports.texts import TEXT
from shegong.reports.unit import UnitReport

CHILD_MEASURES = ("D1", "D3a", "D7a", "F2c", "F3")


@dataclass
class Context:
    """Everything the layout needs for one unit, year and language."""

    report: UnitReport
    rules: Rules
    record: dict
    report_date: dt.date
    rows: pd.DataFrame
    previous: pd.DataFrame
    total: dict
    files: list[dict]
    problems: list[judge.Problem]
    advice: list[judge.Advice]
    staff: pd.DataFrame
    body: str
    number: Numbering = field(init=False)

    def __post_init__(self) -> None:
        self.number = Numbering(self.report.lang)

    @property
    def lang(self) -> str:
        return self.report.lang

    @property
    def t(self) -> dict:
        return TEXT[self.report.lang]


def _yearly(table: pd.DataFrame, org_unit: str, year: int) -> pd.DataFrame:
    return table[
        (table["org_unit"] == org_unit)
        & (table["period"] == str(year))
        & table["service_area"].isna()
        & table["client_category"].isna()
    ]


def build(
    workspace: str | Path | Workspace,
    org_unit: str,
    year: int,
    lang: str = "zh",
    *,
    report_date: str | dt.date | None = None,
) -> Context:
    """Read and judge one unit's report. ``report_date`` (ISO date) dates a draft; an issued
    report carries its issue date. Raises what :meth:`UnitReport.load` and :func:`load_rules`
    raise (unknown unit, no indicators, invalid rules)."""
    ws = workspace if isinstance(workspace, Workspace) else Workspace.at(workspace, create=False)
    report = UnitReport.load(ws, str(org_unit), int(year), language(lang))
    rules = load_rules(workspace=ws, measure_ids=[m.id for m in report.registry.measures])
    record = lifecycle.record(ws, year, report.org_unit)
    if record.get("state") == "issued" and record.get("issued_at"):
        day = dt.date.fromisoformat(record["issued_at"])
    elif isinstance(report_date, dt.date):
        day = report_date
    else:
        day = dt.date.fromisoformat(report_date) if report_date else dt.date.today()
    rows = _yearly(report.table, report.org_unit, year)
    previous = _yearly(report.table, report.org_unit, year - 1)
    evaluation = read_evaluation(ws)
    total: dict = {}
    if evaluation is not None:
        ranks = judge.peer_ranks(evaluation, report.units, year)
        hit = ranks[ranks["org_unit"] == report.org_unit]
        total = hit.iloc[0].to_dict() if not hit.empty else {}
    files = facts.ledger_files(ws, report.units, report.org_unit, year)
    info = report.units.row(report.org_unit)
    problems = judge.find_problems(
        rows,
        report.registry,
        rules,
        report.lang,
        pilot_year=report.pilot_year,
        findings=report.findings,
        files=files,
        year=year,
    )
    scope = judge.scope_of(rules, report.level, str(info["unit_type"]))
    advice = judge.advise(problems, rules, scope, report.lang, day)
    staff = staff_table(ws, report.units, report.org_unit, year)
    body = (settings(ws).get("evaluating_body") or {}).get(report.lang, "")
    return Context(
        report, rules, record, day, rows, previous, total, files, problems, advice, staff, body
    )


def grade_label(ctx: Context) -> str:
    g = ctx.total.get("grade")
    return (
        GRADE_LABELS[ctx.lang].get(g, ctx.t["grade_none"])
        if isinstance(g, str)
        else ctx.t["grade_none"]
    )


def rank_label(ctx: Context) -> str:
    n = ctx.total.get("peer_count")
    if n is None or pd.isna(n) or int(n) < 2:
        return ctx.t["no_rank"]
    return ctx.t["rank"].format(rank=int(ctx.total["peer_rank"]), peers=int(n))


def digest(ctx: Context) -> dict[str, Any]:
    """The figures a re-issue compares (:func:`shegong.reports.lifecycle.changes`)."""
    kpis = ctx.report.kpis
    score = ctx.total.get("score")
    return {
        "score": None if score is None or pd.isna(score) else f"{score:.1f}",
        "grade": grade_label(ctx),
        "rank": rank_label(ctx),
        "statuses": {
            r.indicator: status_label(r.status, ctx.lang, r.numerator, r.denominator)
            for r in kpis.itertuples()
        },
        "values": dict(zip(kpis["indicator"], kpis["display"], strict=True)),
        "names": dict(zip(kpis["indicator"], kpis["name"], strict=True)),
        "problems": [p.key for p in ctx.problems],
    }
