"""The project report and the portfolio report (issue 8), read from precomputed results only.

:class:`ProjectReport` serves a project or a programme: its facts (funder, funding type,
period, stations, budget), its measures grouped by the six dimensions of MZ/T 059-2014
(目标 objectives, 投入 inputs, 管理 management, 产出 outputs, 成效 outcomes, 满意度
satisfaction), targets against actuals, cost-effectiveness and the timeline of its activities.
For a funder or a venture-philanthropy round, and inside a programme's report, the portfolio
table lists every project with its figures, ranked by person-time target attainment (P1a, high
first), ties by cost per person-time (P2c, low first); projects without a target come last.

Sources: ``indicators/projects.parquet``, ``indicators/project_events.parquet`` and
``inputs/accepted/projects.parquet`` (see :mod:`shegong.indicators.projects`). Both the papermill template
``notebooks/reports/project_report.ipynb`` and the served index call :func:`show_report`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from shegong.config import Workspace, language
from shegong.errors import ReportError
from shegong.indicators.inputs import FUNDING_TYPES, load_input
from shegong.indicators.projects import (
    SCOPES,
    load_project_indicators,
    load_project_registry,
    project_events_file,
)
from shegong.orgunits import OrgUnits
from shegong.reports import charts
from shegong.reports.format import STATUS, format_value, status_label, styled_html, unit_label

PORTFOLIO_SCOPES = ("funder", "round")
#: Measures of the portfolio table, in order.
PORTFOLIO_MEASURES = ("P2a", "P2b", "P3a", "P4a", "P4c", "P4d", "P2c", "P2d", "P1a", "P6a")
DIMENSION_LABELS = {
    "zh": {
        "objectives": "目标",
        "inputs": "投入",
        "management": "管理",
        "outputs": "产出",
        "outcomes": "成效",
        "satisfaction": "满意度",
    },
    "en": {
        "objectives": "Objectives",
        "inputs": "Inputs",
        "management": "Management",
        "outputs": "Outputs",
        "outcomes": "Outcomes",
        "satisfaction": "Satisfaction",
    },
}
FUNDING_LABELS = {
    "zh": {v: k for k, v in FUNDING_TYPES.items()},
    "en": {
        "purchase": "government purchase",
        "venture_philanthropy": "venture philanthropy",
        "charity": "charity",
    },
}
TEXT = {
    "zh": {
        "title": {
            "project": "{name} · {year} 项目绩效评估报告",
            "programme": "{name}计划 · {year} 服务计划评估报告",
            "funder": "{name} · {year} 资助项目组合报告",
            "round": "{name} · 项目组合报告",
        },
        "scope": {"project": "项目", "programme": "服务计划", "funder": "资助方", "round": "批次"},
        "facts": "项目概况",
        "facts_cols": [
            "项目编号",
            "资助方",
            "资助类型",
            "批次",
            "所属计划",
            "项目期",
            "覆盖站点",
            "预算（元）",
        ],
        "dims": "绩效指标（按 MZ/T 059-2014 的六个维度）",
        "dims_cols": ["维度", "编号", "指标", "数值", "单位", "目标", "状态"],
        "status": STATUS["zh"],
        "targets": "目标与实际",
        "targets_title": "目标完成率（%，虚线为 100%）",
        "targets_x": "完成率（%）",
        "targets_y": "目标",
        "cost": "成本效益",
        "timeline": "活动时间线",
        "timeline_title": "各月项目活动次数（项目期内）",
        "timeline_y": "活动次数（次）",
        "month": "月份",
        "portfolio": "项目排名",
        "rank": "排名",
        "project": "项目",
        "programme_col": "所属计划",
        "rank_title": "各项目每人次服务成本（元/人次）",
        "rank_x": "每人次成本（元/人次）",
        "none": "（无）",
        "no_events": "项目期内没有归属本项目的服务记录。",
        "note": (
            "*数据来源：项目文件、项目支出记录与服务台账（已化名处理）。服务记录按项目编号列或项目规则（项目期 × 覆盖站点/村 × "
            "服务类型/领域）归属，一条记录只归属一个项目；指标按《社会工作服务项目绩效评估指南》（MZ/T 059-2014）的六个维度设置。"
            "排名按服务人次目标完成率（高者在前），相同时按每人次成本（低者在前）。*"
        ),
    },
    "en": {
        "title": {
            "project": "{name} · project performance report {year}",
            "programme": "{name} programme · report {year}",
            "funder": "{name} · portfolio report {year}",
            "round": "{name} · portfolio report",
        },
        "scope": {
            "project": "Project",
            "programme": "Programme",
            "funder": "Funder",
            "round": "Round",
        },
        "facts": "The project",
        "facts_cols": [
            "Code",
            "Funder",
            "Funding",
            "Round",
            "Programme",
            "Period",
            "Stations",
            "Budget (yuan)",
        ],
        "dims": "Performance measures (the six dimensions of MZ/T 059-2014)",
        "dims_cols": ["Dimension", "Id", "Measure", "Value", "Unit", "Target", "Status"],
        "status": STATUS["en"],
        "targets": "Targets and actuals",
        "targets_title": "Target attained (%, dashed line 100 %)",
        "targets_x": "Attained (%)",
        "targets_y": "Target",
        "cost": "Cost-effectiveness",
        "timeline": "Timeline of activities",
        "timeline_title": "Project activities by month (project period)",
        "timeline_y": "Activities",
        "month": "Month",
        "portfolio": "Projects ranked",
        "rank": "Rank",
        "project": "Project",
        "programme_col": "Programme",
        "rank_title": "Cost per person-time by project (yuan per person-time)",
        "rank_x": "Cost per person-time (yuan per person-time)",
        "none": "(none)",
        "no_events": "No service events attributed to the project within its period.",
        "note": (
            "*Sources: the project file, project spending and the service ledgers (pseudonymised). Events belong to a "
            "project by its project code column or its rule (period × stations/villages × event types/areas), each to one "
            "project only; measures in the six dimensions of the project performance evaluation guide MZ/T 059-2014. Ranked by "
            "person-time target attainment (high first), ties by cost per person-time (low first).*"
        ),
    },
}


@dataclass
class ProjectReport:
    """One project, programme, funder or round in one year.

    ``measures``: ``dimension``, ``indicator``, ``name``, ``value`` (float), ``unit``, ``target``,
    ``status``. ``projects``: the accepted project rows of the scope. ``ranking``: one row per
    project (``project_code``, ``name``, ``programme``, one column per :data:`PORTFOLIO_MEASURES`
    id, ``rank``). ``monthly``: ``period`` (``YYYY-MM``, every month from the earliest start to the
    latest end of the scope's projects, so a project crossing the new year shows both years),
    ``value`` (events attributed, 次).
    """

    scope: str
    scope_id: str
    name: str
    year: int
    lang: str
    measures: pd.DataFrame
    projects: pd.DataFrame
    ranking: pd.DataFrame
    monthly: pd.DataFrame
    station_names: dict[str, str]

    @classmethod
    def load(
        cls,
        workspace: str | Path | Workspace,
        scope: str,
        scope_id: str,
        year: int,
        lang: str = "zh",
    ) -> "ProjectReport":
        """Read one scope's results.

        Raises:
            ReportError: an unknown scope, or no results for ``scope_id`` in ``year``.
            ProjectError: project indicators not computed yet.
        """
        ws = (
            workspace if isinstance(workspace, Workspace) else Workspace.at(workspace, create=False)
        )
        lang = language(lang)
        if scope not in SCOPES:
            raise ReportError(f"unknown scope {scope!r}: use one of {', '.join(SCOPES)}")
        table = load_project_indicators(ws)
        mine = table[
            (table["scope"] == scope)
            & (table["scope_id"] == str(scope_id))
            & (table["year"] == int(year))
        ]
        if mine.empty:
            raise ReportError(
                f"no {scope} {scope_id!r} in {year}: check the code and year (indicators/projects.parquet)"
            )
        registry = load_project_registry()
        names = {m.id: m.name[lang] for m in registry.measures}
        order = {m.id: i for i, m in enumerate(registry.measures)}
        measures = mine.assign(
            name=mine["indicator"].map(names), order=mine["indicator"].map(order)
        ).sort_values("order")
        projects = load_input(ws, "projects")
        projects = projects[projects["start_date"].dt.year == int(year)]
        column = {
            "project": "project_code",
            "programme": "programme",
            "funder": "funder",
            "round": "round",
        }[scope]
        projects = projects[projects[column] == str(scope_id)].reset_index(drop=True)
        events = pd.read_parquet(project_events_file(ws))
        own = events["project_code"].isin(projects["project_code"])
        if (
            scope == "programme"
        ):  # events of the programme's projects, and those marked with the programme only
            own |= (
                (events["programme"] == str(scope_id))
                & events["project_code"].isna()
                & (events["date"].dt.year == int(year))
            )
        monthly = _monthly(events[own], projects, int(year))
        members = table[
            (table["scope"] == "project")
            & table["scope_id"].isin(projects["project_code"])
            & (table["year"] == int(year))
        ]
        units = OrgUnits.read_csv(ws.org_units_file)
        return cls(
            scope,
            str(scope_id),
            str(mine["name"].iloc[0]),
            int(year),
            lang,
            measures.drop(columns="order").reset_index(drop=True),
            projects,
            _ranking(members, projects),
            monthly,
            dict(zip(units.frame["code"], units.frame["name"], strict=True)),
        )

    @property
    def text(self) -> dict:
        return TEXT[self.lang]

    def value(self, indicator: str) -> float:
        row = self.measures[self.measures["indicator"] == indicator]
        return (
            float(row["value"].iloc[0])
            if len(row) and pd.notna(row["value"].iloc[0])
            else float("nan")
        )

    # -- tables ---------------------------------------------------------------------------
    def facts_table(self) -> pd.DataFrame:
        """One row per project of the scope: code, funder, funding type, round, programme,
        period, stations (names), budget (元)."""
        t = self.text
        rows = []
        for p in self.projects.itertuples():
            stations = "、".join(self.station_names.get(c, c) for c in p.stations.split(";"))
            rows.append(
                [
                    p.project_code,
                    p.funder,
                    FUNDING_LABELS[self.lang].get(p.funding_type, p.funding_type),
                    _text(p.round),
                    _text(p.programme),
                    f"{p.start_date:%Y-%m-%d} – {p.end_date:%Y-%m-%d}",
                    stations,
                    format_value(p.budget_fen / 100, "元"),
                ]
            )
        return pd.DataFrame(rows, columns=t["facts_cols"])

    def dimensions_table(self) -> pd.DataFrame:
        """Every measure under its MZ/T 059-2014 dimension: value, unit, target and status."""
        t, labels = self.text, DIMENSION_LABELS[self.lang]
        m = self.measures
        out = pd.DataFrame(
            {
                "a": m["dimension"].map(labels),
                "b": m["indicator"],
                "c": m["name"],
                "d": [_fmt(v, u) for v, u in zip(m["value"], m["unit"], strict=True)],
                "e": [unit_label(u, self.lang) for u in m["unit"]],
                "f": [_fmt(v, u) for v, u in zip(m["target"], m["unit"], strict=True)],
                "g": [
                    status_label(r.status, self.lang, r.numerator, r.denominator)
                    for r in m.itertuples()
                ],
            }
        )
        out.columns = t["dims_cols"]
        return out

    def cost_table(self) -> pd.DataFrame:
        """Budget, spent, execution rate, cost per person-time and per household (元)."""
        ids = ("P2a", "P2b", "P3a", "P2c", "P2d")
        m = self.measures.set_index("indicator")
        return pd.DataFrame(
            [[_fmt(m.at[i, "value"], m.at[i, "unit"]) if i in m.index else "—" for i in ids]],
            columns=[
                f"{m.at[i, 'name']}（{unit_label(m.at[i, 'unit'], self.lang)}）"
                if self.lang == "zh"
                else f"{m.at[i, 'name']} ({unit_label(m.at[i, 'unit'], self.lang)})"
                for i in ids
                if i in m.index
            ],
        )

    def ranking_table(self) -> pd.DataFrame:
        """The portfolio table as shown (rank, project, programme, then the measures' values)."""
        t = self.text
        if self.ranking.empty:
            return pd.DataFrame()
        units = dict(zip(self.measures["indicator"], self.measures["unit"], strict=True))
        names = dict(zip(self.measures["indicator"], self.measures["name"], strict=True))
        out = pd.DataFrame(
            {
                t["rank"]: self.ranking["rank"].astype(str),
                t["project"]: self.ranking["project_code"] + " " + self.ranking["name"],
                t["programme_col"]: self.ranking["programme"].fillna("—"),
            }
        )
        for i in PORTFOLIO_MEASURES:
            if i in self.ranking.columns and i in units:
                out[f"{names[i]}（{units[i]}）"] = [_fmt(v, units[i]) for v in self.ranking[i]]
        return out

    # -- charts ---------------------------------------------------------------------------
    def targets_png(self) -> bytes | None:
        t = self.text
        m = self.measures[
            (self.measures["dimension"] == "objectives") & self.measures["value"].notna()
        ]
        if m.empty:
            return None
        frame = pd.DataFrame(
            {"label": m["name"], "share": m["value"], "text": m["value"].map(lambda v: f"{v:.1f}%")}
        )
        return charts.to_png(
            charts.target_bars(
                frame, title=t["targets_title"], xlabel=t["targets_x"], ylabel=t["targets_y"]
            )
        )

    def timeline_png(self) -> bytes:
        t = self.text
        return charts.to_png(
            charts.bar_by_period(
                self.monthly,
                title=t["timeline_title"].format(year=self.year),
                ylabel=t["timeline_y"],
                xlabel=t["month"],
            )
        )

    def cost_png(self) -> bytes | None:
        if (
            self.ranking.empty
            or "P2c" not in self.ranking
            or self.ranking["P2c"].notna().sum() == 0
        ):
            return None
        t = self.text
        frame = pd.DataFrame(
            {
                "label": self.ranking["project_code"] + " " + self.ranking["name"],
                "value": self.ranking["P2c"],
            }
        )
        return charts.to_png(
            charts.bar_by_category(
                frame.dropna(), title=t["rank_title"], xlabel=t["rank_x"], ylabel=t["project"]
            )
        )

    def show(self) -> None:
        """Display the report in a notebook (papermill, JupyterLab or Voila)."""
        from IPython.display import HTML, Image, Markdown, display

        t = self.text
        display(
            Markdown(
                f"# {t['title'][self.scope].format(name=self.name, year=self.year)}\n\n"
                f"{t['scope'][self.scope]} `{self.scope_id}`"
            )
        )
        display(Markdown(f"## {t['facts']}"))
        display(
            HTML(
                styled_html(self.facts_table(), "shegong-project-facts", left=(0, 1, 2, 3, 4, 5, 6))
            )
        )
        if self.scope in PORTFOLIO_SCOPES:  # a portfolio leads with the ranking
            self._show_ranking()
        display(Markdown(f"## {t['dims']}"))
        display(
            HTML(styled_html(self.dimensions_table(), "shegong-project-kpi", left=(0, 1, 2, 4, 6)))
        )
        targets = self.targets_png()
        if targets is not None:
            display(Markdown(f"## {t['targets']}"))
            display(Image(targets, format="png"))
        display(Markdown(f"## {t['cost']}"))
        display(HTML(styled_html(self.cost_table(), "shegong-cost")))
        if self.scope == "programme":
            self._show_ranking()
        display(Markdown(f"## {t['timeline']}"))
        if self.monthly["value"].sum() == 0:
            display(Markdown(t["no_events"]))
        display(Image(self.timeline_png(), format="png"))
        display(Markdown(t["note"]))

    def _show_ranking(self) -> None:
        from IPython.display import HTML, Image, Markdown, display

        display(Markdown(f"## {self.text['portfolio']}"))
        display(HTML(styled_html(self.ranking_table(), "shegong-portfolio", left=(1, 2))))
        cost = self.cost_png()
        if cost is not None:
            display(Image(cost, format="png"))


def _text(value: object) -> str:
    return value if isinstance(value, str) and value else "—"


def _fmt(value: float, unit: str) -> str:
    if pd.isna(value):
        return "—"
    if unit in ("%", "元/人次", "元/户"):
        return f"{value:,.1f}"
    return format_value(value, unit)


def _monthly(events: pd.DataFrame, projects: pd.DataFrame, year: int) -> pd.DataFrame:
    """Events per month (``period`` YYYY-MM, ``value``) over the projects' span (else the year)."""
    first = projects["start_date"].min() if not projects.empty else pd.Timestamp(year, 1, 1)
    last = projects["end_date"].max() if not projects.empty else pd.Timestamp(year, 12, 31)
    if not events.empty:
        first, last = min(first, events["date"].min()), max(last, events["date"].max())
    months = pd.period_range(first.to_period("M"), last.to_period("M"), freq="M").astype(str)
    counts = events["date"].dt.to_period("M").astype(str).value_counts()
    return pd.DataFrame({"period": months, "value": [int(counts.get(m, 0)) for m in months]})


def _ranking(members: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """One row per project with the portfolio measures, ranked (see the module docstring)."""
    if projects.empty:
        return pd.DataFrame()
    wide = members.pivot_table(
        index="scope_id", columns="indicator", values="value", aggfunc="first", dropna=False
    )
    out = projects[["project_code", "project_name", "programme"]].rename(
        columns={"project_name": "name"}
    )
    out = out.merge(wide, left_on="project_code", right_index=True, how="left")
    for i in ("P1a", "P2c"):
        if i not in out:
            out[i] = float("nan")
    out = out.sort_values(
        ["P1a", "P2c", "project_code"], ascending=[False, True, True], na_position="last"
    )
    out["rank"] = range(1, len(out) + 1)
    return out.reset_index(drop=True)


def show_report(
    workspace: str | Path | Workspace, scope: str, scope_id: str, year: int, lang: str = "zh"
) -> ProjectReport:
    """Load and display the report of one scope; returns it."""
    report = ProjectReport.load(workspace, scope, str(scope_id), int(year), lang)
    report.show()
    return report
