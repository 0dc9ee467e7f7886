"""The content of a pilot-year report for one org unit, read from precomputed results only.

Both the papermill template (``notebooks/reports/pilot_year_report.ipynb``) and the served
viewer (``notebooks/apps/index.ipynb``) call :class:`UnitReport`; neither recomputes from raw
ledgers (DESIGN.md §2.4), and reads them through :mod:`shegong.indicators.results` so that a report kernel
does not import DuckDB and the input validation stack. :mod:`shegong.reports.document` lays
the report out from these pieces. Figures are shown as integers with
thousands separators and money in 元, never only as 1.7万 (DESIGN.md §3); in English, units
are named (households, person-times, yuan) rather than shown as Chinese symbols.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mistune
import pandas as pd

from shegong.config import Workspace, language
from shegong.errors import ReportError
from shegong.indicators.registry import Registry, load_registry
from shegong.indicators.results import (
    GRADE_LABELS,
    no_indicators_message,
    read_evaluation,
    read_findings,
    read_indicators,
)
from shegong.ledger.vocabulary import LABELS_ZH, SERVICE_AREAS
from shegong.orgunits import OrgUnits
from shegong.reports import charts
from shegong.reports.format import (
    STATUS_COLOURS,
    format_value,
    signed,
    status_label,
    styled_html,
    unit_label,
)

KPI_ORDER = ("D1", "D3a", "D4a", "D5b", "D6", "D7a", "D7b", "F2a", "F2b", "F2c", "F3")
AREA_LABELS_EN = {code: code.replace("_", " ") for code in SERVICE_AREAS.values()}
#: the row of a children table holding what the unit recorded without naming a child unit
OWN_LEVEL = {
    "zh": {4: "本级/未填村", "other": "本级/未归入下级"},
    "en": {4: "station level / village not given", "other": "unit level / no child unit given"},
}
ADDITIVE = ("count", "sum")

TEXT = {
    "zh": {
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
                f"单元代码不存在 org unit {org_unit} is not in {ws.org_units_file.name}: check the code"
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
            numerator, denominator = (
                (float(mine.at[m.id, c]) if have and pd.notna(mine.at[m.id, c]) else float("nan"))
                for c in ("numerator", "denominator")
            )
            rows.append(
                {
                    "indicator": m.id,
                    "name": m.name[lang],
                    "value": value,
                    "unit": m.unit,
                    "display": status_label(status, lang, numerator, denominator)
                    if status == "suppressed"
                    else format_value(value, m.unit),
                    "target": target,
                    "status": status,
                    "additive": m.aggregation in ADDITIVE,
                    "numerator": numerator,
                    "denominator": denominator,
                    "dimension": m.dimension,
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
        labels = LABELS_ZH if lang == "zh" else AREA_LABELS_EN
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
            units.level_label(int(info["level"]), lang),
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
        )

    # -- pieces -------------------------------------------------------------------------
    @property
    def text(self) -> dict:
        return TEXT[self.lang]

    @property
    def pilot_year(self) -> int:
        """The unit's pilot year (1 coverage, 2 standardisation, 3 improvement; 0 before the
        pilot or before evaluation), from ``evaluation.parquet``."""
        if self.evaluation is None or self.evaluation.empty:
            return 0
        return int(self.evaluation["pilot_year"].iloc[0])

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
                "f": [
                    status_label(r.status, self.lang, r.numerator, r.denominator)
                    for r in self.kpis.itertuples()
                ],
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
        change = signed(total["change"])
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
        table = self.summary_table()
        return None if table is None else styled_html(table, "shegong-summary")

    def dimensions_png(self, title: str | None = None) -> bytes | None:
        """Bars of the A–G dimension scores with the full-marks target (◆) and last year (○);
        ``title`` replaces the chart's own ("" for none: the report's caption names it)."""
        if self.evaluation is None or self.evaluation.empty:
            return None
        import matplotlib.pyplot as plt

        t = self.text
        dims = self.evaluation[self.evaluation["dimension"] != "total"].sort_values("dimension")
        charts.setup()
        fig, ax = plt.subplots(figsize=(8, 3.8))
        labels = [t["dims"][d].split(" ", 1)[-1] for d in dims["dimension"]]
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
        shown = t["dims_title"].format(year=self.year) if title is None else title
        ax.set(title=shown, xlabel=t["dims_x"], ylabel=t["dims_y"])
        return charts.to_png(fig)

    def findings_table(self) -> pd.DataFrame:
        """Warnings and errors of the consistency checks (notes left out), in the report language."""
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
        colours = [
            f"color: {STATUS_COLOURS[s]}; font-weight: 600;" if s in STATUS_COLOURS else ""
            for s in self.kpis["status"]
        ]
        return styled_html(self.kpi_table(), "shegong-kpi", left=(0, 1, 3, 5), colours={5: colours})

    def children_html(self) -> str:
        return styled_html(self.children_table(), "shegong-children", left=(0,))

    def monthly_png(self, title: str | None = None) -> bytes:
        t = self.text
        fig = charts.bar_by_month(
            self.monthly,
            title=t["monthly_title"].format(year=self.year) if title is None else title,
            ylabel=t["monthly_y"],
            xlabel=t["month"],
            lang=self.lang,
        )
        return charts.to_png(fig)

    def area_png(self, title: str | None = None) -> bytes | None:
        if self.by_area.empty:
            return None
        t = self.text
        shown = t["area_title"] if title is None else title
        return charts.to_png(
            charts.bar_by_category(
                self.by_area, title=shown, xlabel=t["area_x"], ylabel=t["area_y"]
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


def render_narrative(markdown_text: str) -> str:
    """The evaluator's narrative (Markdown, ``narratives/<code>.md``) as HTML — the one place a
    narrative is rendered, for the page, the offline HTML and the PDF (the .docx takes the
    Markdown's text). Raw HTML in the narrative is escaped, not passed through, and links with a
    harmful scheme (``javascript:`` …) are disarmed (mistune's defaults with ``escape=True``)."""
    return str(mistune.create_markdown(escape=True)(markdown_text))
