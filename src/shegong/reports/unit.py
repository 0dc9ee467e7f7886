"""The content of a pilot-year report for one org unit, read from precomputed results only.

Both the papermill template (``notebooks/reports/pilot_year_report.ipynb``) and the served
viewer (``notebooks/apps/index.ipynb``) call :class:`UnitReport`; neither recomputes from raw
ledgers (DESIGN.md §2.4), and reads them through :mod:`shegong.indicators.results` so that a report
kernel does not import DuckDB and the input validation stack. Figures are shown as integers with
thousands separators and money in 元, never only as 1.7万 (DESIGN.md §3); in English, units
are named (households, person-times, yuan) rather than shown as Chinese symbols.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from shegong.config import Workspace, language
from shegong.errors import ReportError
from shegong.indicators import scheme as evaluation_scheme
from shegong.indicators.registry import Registry, load_registry
from shegong.indicators.results import (
    GRADE_LABELS,
    no_indicators_message,
    read_evaluation,
    read_findings,
    read_indicators,
)
from shegong.ledger.vocabulary import LABELS_EN, LABELS_ZH
from shegong.orgunits import OrgUnits
from shegong.reports import charts
from shegong.reports.format import (
    STATUS,
    STATUS_COLOURS,
    SUPPRESSED,
    format_value,
    in_background,
    styled_html,
    unit_label,
)
from shegong.reports.services import show_services
from shegong.reports.team import show_training
from shegong.safe_html import escape_markdown

KPI_ORDER = ("D1", "D3a", "D4a", "D5b", "D6", "D7a", "D7b", "F2a", "F2b", "F2c", "F3")
#: the row of a children table holding what the unit recorded without naming a child unit
OWN_LEVEL = {
    "zh": {4: "本级/未填村", "other": "本级/未归入下级"},
    "en": {4: "station level / village not given", "other": "unit level / no child unit given"},
}
ADDITIVE = ("count", "sum")

TEXT = {
    "zh": {
        "title": "{name} · {year} 试点年度评估报告",
        "meta": "组织单元代码 {code} · 层级：{level}",
        "kpi": "主要指标",
        "cols": ["编号", "指标", "数值", "单位", "目标", "状态"],
        "monthly_title": "{year} 年各月服务人次",
        "monthly_y": "服务人次（人次）",
        "month": "月份",
        "area_title": "各服务领域服务人次",
        "area_x": "服务人次（人次）",
        "area_y": "服务领域",
        "children": "下级单元",
        "unit_col": "单元",
        "no_data": "本年度暂无服务记录。",
        "note": "数据来源：导入的服务台账（已化名处理）与人员名册；指标定义见 "
        "datasets/indicators.yaml。",
        "summary": "评估结果",
        "summary_cols": ["总分", "等级", "同级排名", "较上年"],
        "rank": "第 {rank} / {peers} 名",
        "dims_title": "{year} 年各维度得分（◆ 满分，○ 上年）",
        "dims_x": "得分（分）",
        "dims_y": "维度",
        "dims": {
            "A": "A 基础建设",
            "B": "B 队伍建设",
            "C": "C 规范管理",
            "D": "D 服务产出",
            "E": "E 服务质量",
            "F": "F 五社联动",
            "G": "G 服务成效",
        },
        "findings": "数据一致性核查",
        "findings_cols": ["级别", "指标", "说明"],
        "severity": {"error": "错误", "warning": "提示", "info": "说明"},
    },
    "en": {
        "title": "{name} · pilot-year {year} evaluation report",
        "meta": "Org unit {code} · level: {level}",
        "kpi": "Key indicators",
        "cols": ["Id", "Indicator", "Value", "Unit", "Target", "Status"],
        "monthly_title": "Person-times served by month, {year}",
        "monthly_y": "Person-times",
        "month": "Month",
        "area_title": "Person-times by service area",
        "area_x": "Person-times",
        "area_y": "Service area",
        "children": "Units below",
        "unit_col": "Unit",
        "no_data": "No service events this year.",
        "note": "Source: imported service ledgers (pseudonymised) and the staff roster; "
        "definitions in datasets/indicators.yaml.",
        "summary": "Evaluation result",
        "summary_cols": ["Total", "Grade", "Rank at level", "Change on last year"],
        "rank": "{rank} of {peers}",
        "dims_title": "Dimension scores, {year} (◆ full marks, ○ last year)",
        "dims_x": "Score (points)",
        "dims_y": "Dimension",
        "dims": {
            "A": "A Foundation",
            "B": "B Staff",
            "C": "C Management",
            "D": "D Outputs",
            "E": "E Quality",
            "F": "F Five-society linkage",
            "G": "G Results",
        },
        "findings": "Consistency checks",
        "findings_cols": ["Severity", "Indicator", "Finding"],
        "severity": {"error": "error", "warning": "warning", "info": "note"},
    },
}


def _with_own_level(
    children: pd.DataFrame, kpis: pd.DataFrame, level: int, lang: str
) -> pd.DataFrame:
    """Append the 本级 row (unit's value − Σ children) when an additive measure does not add up."""
    own = {"code": "", "name": OWN_LEVEL[lang].get(level, OWN_LEVEL[lang]["other"])}
    gap = False
    for k in kpis.itertuples():
        if k.indicator not in children.columns:
            continue
        if not k.additive or pd.isna(k.value):
            own[k.indicator] = float("nan")
            continue
        rest = k.value - children[k.indicator].fillna(0).sum()
        own[k.indicator] = rest
        gap = gap or abs(rest) > 1e-9
    return pd.concat([children, pd.DataFrame([own])], ignore_index=True) if gap else children


@dataclass
class UnitReport:
    """Everything a report shows for one unit and pilot year.

    ``kpis`` columns: ``indicator``, ``name``, ``value`` (float), ``unit``, ``display`` (str).
    ``monthly``: ``month`` (int 1–12), ``value`` (人次). ``by_area``: ``label``, ``value`` (人次).
    ``children``: ``code``, ``name`` and one column per KPI id (floats); when the unit recorded
    something without naming a child unit (a station's events without a village), a last row
    with an empty ``code`` holds the difference for additive measures (count, sum) so that the
    rows add up to the unit, and NaN for the others (distinct counts and ratios do not add up).
    ``kpis`` also holds ``target`` (float), ``status`` (met / near / missed / suppressed /
    no_target) and ``additive`` (bool).
    """

    org_unit: str
    name: str
    level: int
    level_label: str
    year: int
    lang: str
    kpis: pd.DataFrame
    monthly: pd.DataFrame
    by_area: pd.DataFrame
    children: pd.DataFrame
    #: ``indicators/evaluation.parquet`` rows of this unit and year (dimension A–G and total),
    #: with ``previous_score``/``change``; None before the first evaluation.
    evaluation: pd.DataFrame | None = None
    #: ``indicators/findings.parquet`` rows of this unit and year.
    findings: pd.DataFrame | None = None
    #: where the results were read, for the further sections (shegong.reports.sections …)
    workspace: Workspace | None = None
    #: the whole of ``indicators/indicators.parquet`` (every unit, period and breakdown)
    table: pd.DataFrame | None = None
    units: OrgUnits | None = None
    registry: Registry | None = None
    #: the unit's type (``station``, ``centre`` …): labels, targets and advice follow it (issue 16)
    unit_type: str = "station"

    @classmethod
    def load(
        cls,
        workspace: str | Path | Workspace,
        org_unit: str,
        year: int,
        lang: str = "zh",
        registry: Registry | None = None,
    ) -> "UnitReport":
        """Read the unit's results from ``indicators/indicators.parquet``.

        Raises:
            ReportError: the org unit is not in the workspace's org-unit file, or there are no
                indicators for ``year``.
            IndicatorError: indicators have not been computed.
        """
        ws = (
            workspace if isinstance(workspace, Workspace) else Workspace.at(workspace, create=False)
        )
        lang = language(lang)
        org_unit = str(org_unit)
        units = OrgUnits.read_csv(ws.org_units_file)
        if org_unit not in units:
            raise ReportError(
                f"单元代码不存在 org unit {org_unit} is not in "
                f"{ws.org_units_file.name}: check the code"
            )
        registry = registry or load_registry()
        table = read_indicators(ws)
        info = units.row(org_unit)
        totals = table[
            (table["period"] == str(year))
            & table["service_area"].isna()
            & table["client_category"].isna()
        ]
        if totals.empty:
            raise ReportError(no_indicators_message(year))
        mine = totals[totals["org_unit"] == org_unit].set_index("indicator")
        rows = []
        for m in registry.measures:
            have = m.id in mine.index
            value = float(mine.at[m.id, "value"]) if have else float("nan")
            status = (
                str(mine.at[m.id, "status"])
                if have and pd.notna(mine.at[m.id, "status"])
                else "no_target"
            )
            target = (
                float(mine.at[m.id, "target"])
                if have and pd.notna(mine.at[m.id, "target"])
                else float("nan")
            )
            rows.append(
                {
                    "indicator": m.id,
                    "name": m.name[lang],
                    "value": value,
                    "unit": m.unit,
                    "display": SUPPRESSED[lang]
                    if status == "suppressed"
                    else format_value(value, m.unit),
                    "target": target,
                    "status": status,
                    "additive": m.aggregation in ADDITIVE,
                }
            )
        kpis = pd.DataFrame(rows)
        kpis["order"] = kpis["indicator"].map({k: i for i, k in enumerate(KPI_ORDER)}).fillna(99)
        kpis = kpis.sort_values("order", kind="stable").drop(columns="order").reset_index(drop=True)

        d7a = table[(table["org_unit"] == org_unit) & (table["indicator"] == "D7a")]
        monthly = d7a[
            d7a["period"].str.startswith(f"{year}-")
            & d7a["service_area"].isna()
            & d7a["client_category"].isna()
        ]
        monthly = pd.DataFrame(
            {"month": monthly["period"].str[5:].astype(int), "value": monthly["value"]}
        )
        area = d7a[(d7a["period"] == str(year)) & d7a["service_area"].notna()]
        labels = LABELS_ZH if lang == "zh" else LABELS_EN  # 未填 / 未归类 named too (issue 16)
        by_area = pd.DataFrame(
            {"label": area["service_area"].map(lambda c: labels.get(c, c)), "value": area["value"]}
        )

        kids = units.children(org_unit)
        children = pd.DataFrame({"code": kids["code"], "name": kids["name"]})
        if not children.empty:
            wide = totals[totals["org_unit"].isin(children["code"])].pivot(
                index="org_unit", columns="indicator", values="value"
            )
            children = children.merge(wide, left_on="code", right_index=True, how="left")
            children = _with_own_level(children, kpis, int(info["level"]), lang)
        evaluation = read_evaluation(ws)
        if evaluation is not None:
            evaluation = evaluation[
                (evaluation["org_unit"] == org_unit) & (evaluation["year"] == int(year))
            ]
        findings = read_findings(ws)
        if findings is not None:
            findings = findings[
                (findings["org_unit"] == org_unit) & (findings["year"] == int(year))
            ]
        return cls(
            org_unit,
            str(info["name"]),
            int(info["level"]),
            evaluation_scheme.unit_label(str(info["unit_type"]), lang)
            or units.level_label(int(info["level"]), lang),
            int(year),
            lang,
            kpis,
            monthly.reset_index(drop=True),
            by_area.reset_index(drop=True),
            children.reset_index(drop=True),
            evaluation,
            findings,
            ws,
            table,
            units,
            registry,
            str(info["unit_type"]),
        )

    # -- pieces -------------------------------------------------------------------------
    @property
    def text(self) -> dict:
        """The report's texts in its language (:data:`TEXT`)."""
        return TEXT[self.lang]

    def header_markdown(self) -> str:
        """The report's heading: title with the unit's name and year, then its code and level."""
        t = self.text
        return (
            f"# {t['title'].format(name=escape_markdown(self.name), year=self.year)}\n\n"
            f"{t['meta'].format(code=self.org_unit, level=self.level_label)}"
        )

    def kpi_table(self) -> pd.DataFrame:
        """The KPI table as shown: id, name, formatted value (or 已抑制), unit, target and the
        traffic light (达标 / 基本达标 / 未达标, DOMAIN.md §3 status)."""
        shown = pd.DataFrame(
            {
                "a": self.kpis["indicator"],
                "b": self.kpis["name"],
                "c": self.kpis["display"],
                "d": [unit_label(u, self.lang) for u in self.kpis["unit"]],
                "e": [
                    format_value(v, u)
                    for v, u in zip(self.kpis["target"], self.kpis["unit"], strict=True)
                ],
                "f": self.kpis["status"].map(STATUS[self.lang]),
            }
        )
        shown.columns = self.text["cols"]
        return shown

    def summary_table(self) -> pd.DataFrame | None:
        """The summary card: total on 100, grade band, rank among units of the same level, and
        the change on the previous pilot year (``—`` when there is none). None before evaluation."""
        if self.evaluation is None or self.evaluation.empty:
            return None
        total = self.evaluation[self.evaluation["dimension"] == "total"].iloc[0]
        t = self.text
        if (mark := evaluation_scheme.not_graded(total, self.lang)) is not None:  # issue 16
            return pd.DataFrame([["—", mark, "—", "—"]], columns=t["summary_cols"])
        change = "—" if pd.isna(total["change"]) else f"{total['change']:+.1f}"
        rank = (
            "—"
            if pd.isna(total["rank"])
            else t["rank"].format(rank=int(total["rank"]), peers=int(total["peers"]))
        )
        grade = (
            GRADE_LABELS[self.lang].get(total["grade"], "—")
            if isinstance(total["grade"], str)
            else "—"
        )
        score = "—" if pd.isna(total["score"]) else f"{total['score']:.1f}"
        return pd.DataFrame([[score, grade, rank, change]], columns=t["summary_cols"])

    def summary_html(self) -> str | None:
        """The summary table as styled HTML, ``None`` when there is none."""
        table = self.summary_table()
        return None if table is None else styled_html(table, "shegong-summary")

    def dimensions_png(self) -> bytes | None:
        """Bars of the A–G dimension scores with the full-marks target (◆) and last year (○)."""
        if self.evaluation is None or self.evaluation.empty:
            return None
        import matplotlib.pyplot as plt

        t = self.text
        dims = self.evaluation[self.evaluation["dimension"] != "total"].sort_values("dimension")
        charts.setup()
        fig, ax = plt.subplots(figsize=(8, 3.8))
        labels = [t["dims"][d] for d in dims["dimension"]]
        y = list(range(len(labels)))
        ax.barh(y, dims["score"].fillna(0), color=charts.sns.color_palette(charts.PALETTE)[3])
        ax.scatter(dims["max_score"], y, marker="D", color="#333333", zorder=3)
        prev = dims["previous_score"]
        if prev.notna().any():
            ax.scatter(prev, y, marker="o", facecolors="none", edgecolors="#c0392b", zorder=3)
        for yi, v in zip(y, dims["score"], strict=True):
            if pd.notna(v) and v > 0:
                ax.text(v / 2, yi, f"{v:.1f}", va="center", ha="center", fontsize=9, color="white")
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set(title=t["dims_title"].format(year=self.year), xlabel=t["dims_x"], ylabel=t["dims_y"])
        return charts.to_png(fig)

    def findings_table(self) -> pd.DataFrame:
        """Warnings and errors of the consistency checks (notes left out), in the report
        language."""
        if self.findings is None or self.findings.empty:
            return pd.DataFrame(columns=self.text["findings_cols"])
        shown = self.findings[self.findings["severity"] != "info"]
        msg = shown["message_zh" if self.lang == "zh" else "message_en"]
        out = pd.DataFrame(
            {"a": shown["severity"].map(self.text["severity"]), "b": shown["indicator"], "c": msg}
        )
        out.columns = self.text["findings_cols"]
        return out.reset_index(drop=True)

    def kpi_html(self) -> str:
        """The key-indicator table as styled HTML, the status column coloured."""
        colours = [
            f"color: {STATUS_COLOURS[s]}; font-weight: 600;" if s in STATUS_COLOURS else ""
            for s in self.kpis["status"]
        ]
        return styled_html(self.kpi_table(), "shegong-kpi", left=(0, 1, 3, 5), colours={5: colours})

    def children_html(self) -> str:
        """The table of the unit's child units as styled HTML."""
        return styled_html(self.children_table(), "shegong-children", left=(0,))

    def monthly_png(self) -> bytes:
        """PNG bar chart of the unit's D7a figure per month of the year (``monthly``)."""
        t = self.text
        fig = charts.bar_by_month(
            self.monthly,
            title=t["monthly_title"].format(year=self.year),
            ylabel=t["monthly_y"],
            xlabel=t["month"],
            lang=self.lang,
        )
        return charts.to_png(fig)

    def area_png(self) -> bytes | None:
        """PNG bar chart of the year's D7a figure by service area, ``None`` when there are none."""
        if self.by_area.empty:
            return None
        t = self.text
        return charts.to_png(
            charts.bar_by_category(
                self.by_area, title=t["area_title"], xlabel=t["area_x"], ylabel=t["area_y"]
            )
        )

    def children_table(self) -> pd.DataFrame:
        """Children with formatted KPI columns (headers ``D1 户`` …)."""
        if self.children.empty:
            return self.children
        units = dict(zip(self.kpis["indicator"], self.kpis["unit"], strict=True))
        names = dict(zip(self.kpis["indicator"], self.kpis["name"], strict=True))
        out = pd.DataFrame({self.text["unit_col"]: self.children["name"]})
        for kpi in KPI_ORDER:
            if kpi in self.children.columns:
                unit = unit_label(units[kpi], self.lang)
                head = f"{names[kpi]}（{unit}）" if self.lang == "zh" else f"{names[kpi]} ({unit})"
                out[head] = [format_value(v, units[kpi]) for v in self.children[kpi]]
        return out

    def show(self, *, defer: bool = False) -> None:
        """Display the whole report in a notebook (papermill, JupyterLab or Voila).

        ``defer=True`` (the served viewer) draws the client-category, linkage and training
        sections — four charts, about half the rendering time — in a background thread into an
        ``ipywidgets.Output`` placed where they belong, so that the page with the summary, KPI
        table and first charts is sent without waiting for them. Batch reports keep the default:
        every section inline in the executed notebook and its exports.
        """
        from IPython.display import HTML, Image, Markdown, display

        display(Markdown(self.header_markdown()))
        summary = self.summary_html()
        if summary is not None:
            display(Markdown(f"## {self.text['summary']}"))
            display(HTML(summary))
            note = evaluation_scheme.report_note(self.evaluation, self.unit_type, self.lang)
            display(Markdown(note) if note else Image(self.dimensions_png(), format="png"))
        display(Markdown(f"## {self.text['kpi']}"))
        display(HTML(self.kpi_html()))
        if self.monthly["value"].sum() == 0:
            display(Markdown(self.text["no_data"]))
        display(Image(self.monthly_png(), format="png"))
        area = self.area_png()
        if area is not None:
            display(Image(area, format="png"))
        if self.table is not None and self.registry is not None:
            if defer:
                in_background(self, (show_services, show_training))
            else:
                show_services(self)
                show_training(self)
        kids = self.children_table()
        if not kids.empty:
            display(Markdown(f"## {self.text['children']}"))
            display(HTML(self.children_html()))
        found = self.findings_table()
        if not found.empty:
            display(Markdown(f"## {self.text['findings']}"))
            display(HTML(styled_html(found, "shegong-findings", left=(0, 1, 2))))
        line = evaluation_scheme.report_sources(self.workspace, self.year, self.lang)
        display(Markdown(f"*{line or self.text['note']}*"))  # the inputs imported, no other
