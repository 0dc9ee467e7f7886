"""Further sections of the pilot-year report, from precomputed results only (issue 6).

- :func:`peer_comparison` — the unit's yearly values beside the median of its peers (units of
  the same level), for the output measures;
- :func:`recommendations` — 整改建议 generated from measures that missed their target, one line
  each, with the gap, in the report language;
- :func:`narrative` — the evaluator's own text for the unit, read from
  ``WORKSPACE/narratives/<code>.md`` when present (shown as sanitised HTML,
  :func:`shegong.safe_html.markdown_html`: it is outside text);
- :func:`quality_annex` — the data-quality annex: rows read, accepted, rejected (by reason),
  blank and total rows of every ledger file whose accepted rows roll up to the unit;
- :func:`methodology` — indicator definitions, units and sources from the registry.
"""

from __future__ import annotations

import json

import pandas as pd

from shegong.config import Workspace
from shegong.exports import MARKDOWN_SOURCE_MIME
from shegong.indicators.registry import Registry, load_registry
from shegong.indicators.results import read_indicators
from shegong.indicators.scheme import default_scheme
from shegong.ledger.rows import REASONS
from shegong.orgunits import OrgUnits
from shegong.reports.format import format_value, styled_html, unit_label
from shegong.safe_html import markdown_html

PEER_MEASURES = ("D1", "D3a", "D4a", "D5b", "D6", "D7a", "D7b", "F2b", "F2c", "F3")

ADVICE = {
    "zh": {
        "A": "完善站点基础设施与覆盖，补齐未建站乡镇和未设社工室的村（社区）。",
        "B": "加强社工队伍建设：落实专职人员，组织持证培训与每月督导。",
        "C": "规范台账与制度管理：按月按时报送，补全台账必填字段。",
        "D": "加大服务力度：增加入户走访与建档，重点覆盖低保、特困、留守儿童等重点对象。",
        "E": "提升服务质量：个案档案完整记录六个环节，服务内容对照服务清单开展。",
        "F": "深化五社联动：培育链接社会组织，扩大志愿者队伍，拓展慈善资源。",
        "G": "关注服务成效：开展满意度与知晓度调查，跟踪个案目标达成。",
        "line": "{id} {name}：实际 {value}{unit}，目标 {target}{unit}，差距 "
        "{gap}{gap_unit}。{advice}",
        "points": " 个百分点",
    },
    "en": {
        "A": "Complete station facilities and coverage: open stations and rooms where none exist.",
        "B": "Build the team: full-time staff, certification training and monthly supervision.",
        "C": "Standardise management: monthly ledgers on time, all required fields filled.",
        "D": "Serve more: more home visits and case files, priority households first.",
        "E": "Raise quality: case files documenting all six phases; services within the "
        "service list.",
        "F": "Deepen five-society linkage: social organisations, volunteers, charitable resources.",
        "G": "Track results: satisfaction and awareness surveys; case goal attainment.",
        "line": "{id} {name}: actual {value} {unit}, target {target} {unit}, gap "
        "{gap}{gap_unit}. {advice}",
        "points": " percentage points",
    },
}


def _yearly(table: pd.DataFrame, year: int) -> pd.DataFrame:
    return table[
        (table["period"] == str(year))
        & table["service_area"].isna()
        & table["client_category"].isna()
    ]


def peer_comparison(
    table: pd.DataFrame,
    registry: Registry,
    org_unit: str,
    level: int,
    year: int,
    lang: str,
    among: set[str] | None = None,
) -> pd.DataFrame:
    """Columns: indicator id, name, this unit, peer median, peers (n), unit. Empty without peers.
    Peers are the units of the same level, and of ``among`` when given (units of the same type:
    a centre is not compared with stations)."""
    yearly = _yearly(table, year)
    peers = yearly[(yearly["level"] == level)]
    if among is not None:
        peers = peers[peers["org_unit"].isin(among)]
    n = peers["org_unit"].nunique()
    if n < 2:
        return pd.DataFrame()
    names = {m.id: m.name[lang] for m in registry.measures}
    rows = []
    for mid in PEER_MEASURES:
        sel = peers[peers["indicator"] == mid]
        if sel.empty:
            continue
        mine = sel.loc[sel["org_unit"] == org_unit, "value"]
        rows.append(
            {
                "id": mid,
                "name": names.get(mid, mid),
                "unit_value": float(mine.iloc[0]) if len(mine) else float("nan"),
                "median": float(sel["value"].median()),
                "n": int(sel["value"].notna().sum()),
                "unit": sel["unit"].iloc[0],
            }
        )
    return pd.DataFrame(rows)


def recommendations(
    table: pd.DataFrame, registry: Registry, org_unit: str, year: int, lang: str
) -> list[str]:
    """One 整改建议 line per measure whose ``status`` is ``missed`` for this unit and year."""

    mine = _yearly(table, year)
    mine = mine[(mine["org_unit"] == org_unit) & (mine["status"] == "missed")]
    text = ADVICE[lang]
    dims = {m.id: (m.dimension, m.name[lang]) for m in registry.measures}
    lines = []
    for row in mine.sort_values("indicator").itertuples():
        dim, name = dims.get(row.indicator, ("", row.indicator))
        lines.append(
            text["line"].format(
                id=row.indicator,
                name=name,
                value=format_value(row.value, row.unit),
                target=format_value(row.target, row.unit),
                gap=format_value(abs(row.target - row.value), row.unit),
                unit=unit_label(row.unit, lang),
                # a gap between two rates is in percentage points (个百分点), not per cent
                gap_unit=text["points"]
                if row.unit == "%"
                else ("" if lang == "zh" else " ") + unit_label(row.unit, lang),
                advice=text.get(dim, ""),
            )
        )
    return lines


def narrative(ws: Workspace, org_unit: str) -> str | None:
    """The evaluator's Markdown for the unit (``narratives/<code>.md``), or None."""
    path = ws.root / "narratives" / f"{org_unit}.md"
    return path.read_text(encoding="utf-8") if path.exists() else None


def narrative_output(text: str) -> dict[str, str]:
    """The narrative as a display bundle: ``text/html`` sanitised
    (:func:`shegong.safe_html.markdown_html`, in ``<div class="shegong-narrative">``) and the
    Markdown source under :data:`shegong.exports.MARKDOWN_SOURCE_MIME` for the .docx."""
    return {
        "text/html": f'<div class="shegong-narrative">{markdown_html(text)}</div>',
        MARKDOWN_SOURCE_MIME: text,
    }


def quality_annex(
    ws: Workspace, org_units: OrgUnits, org_unit: str, lang: str, year: int | None = None
) -> pd.DataFrame:
    """Row accounting of every ledger file that contributed accepted rows to the unit (rows of
    ``year`` only, when given: a 2021 report does not list the 2022 ledgers).

    Columns (zh): 文件, 读取行数, 接收, 拒收, 空行, 合计行, 拒收原因, 合计行核对差异; reject reasons
    are named in the report's language (shegong.ledger.rows.REASONS), e.g. 服务日期不是有效日期（2
    行）.
    """

    accepted = sorted(ws.accepted_dir.glob("*.parquet"))
    if not accepted:
        return pd.DataFrame()
    anc = org_units.ancestry()
    below = set(anc.loc[anc["ancestor"] == org_unit, "code"])
    files = set()
    for path in accepted:
        frame = pd.read_parquet(path, columns=["org_unit", "source_file", "year"])
        keep = frame["org_unit"].isin(below) & (frame["year"] == year if year is not None else True)
        files |= set(frame.loc[keep, "source_file"])
    rows = []
    for name in sorted(files):
        q = ws.quality_dir / f"{name}.json"
        if not q.exists():
            continue
        data = json.loads(q.read_text(encoding="utf-8"))
        reasons = ("、" if lang == "zh" else ", ").join(
            f"{REASONS.get(k, (k, k))[0]}（{v} 行）"
            if lang == "zh"
            else f"{REASONS.get(k, (k, k))[1]} (n = {v})"
            for k, v in sorted(data.get("rejected_by_reason", {}).items())
        )
        rows.append(
            [
                name,
                data["rows_read"],
                data["accepted"],
                data["rejected"],
                data["skipped_blank"],
                data["total_rows"],
                reasons or "—",
                len(data.get("reconciliation", [])),
            ]
        )
    cols = (
        ["文件", "读取行数", "接收", "拒收", "空行", "合计行", "拒收原因", "合计行核对差异"]
        if lang == "zh"
        else [
            "File",
            "Rows read",
            "Accepted",
            "Rejected",
            "Blank",
            "Total rows",
            "Rejected by reason",
            "Total-row differences",
        ]
    )
    return pd.DataFrame(rows, columns=cols)


def methodology(registry: Registry, lang: str) -> pd.DataFrame:
    """Indicator id, name, unit, definition and source of every measure in the registry."""

    cols = (
        ["编号", "指标", "单位", "定义", "来源"]
        if lang == "zh"
        else ["Id", "Indicator", "Unit", "Definition", "Source"]
    )
    return pd.DataFrame(
        [
            [
                m.id,
                m.name[lang],
                unit_label(m.unit, lang),
                m.definition[lang],
                public_reference(m.reference, lang),
            ]
            for m in registry.measures
        ],
        columns=cols,
    )


#: the registry's references (written in English) as a Chinese report names them (the standards
#: MZ/T 094-2017 case work and MZ/T 095-2017 group work keep their numbers)
REFERENCES_ZH = {
    "MZ/T 094-2017 (termination)": "MZ/T 094-2017（结案）",
    "MZ/T 094-2017 phases": "MZ/T 094-2017 个案服务环节",
    "case-file audit sheets": "个案档案抽查表",
    "goal attainment at case closure": "结案时的目标达成情况",
    "individual and group supervision in the training records": "培训记录中的个别督导与团体督导",
    "priority-household roster": "重点户名册",
    "receipt dates": "台账报送日期",
    "register of social organisations": "社会组织登记册",
    "satisfaction survey (Kirkpatrick L1 for services)": "满意度调查（服务的柯氏一级评估）",
    "site-visit checklist": "实地查看清单",
    "staff roster": "工作人员花名册",
    "station service lists": "站点服务清单",
    "training records": "培训记录",
}


def public_reference(reference: str, lang: str = "zh") -> str:
    """A registry ``reference`` as shown in a report: standards and input files kept (named in
    Chinese in a Chinese report, :data:`REFERENCES_ZH`), the project's internal document pointers
    and demo calibration notes dropped."""
    parts = [p.strip() for p in reference.split(";")]
    kept = [p for p in parts if p and "DOMAIN.md" not in p and "兴安盟" not in p]
    if lang == "zh":
        kept = [REFERENCES_ZH.get(p, p) for p in kept]
    if lang == "en":
        return (
            "; ".join(kept)
            or "The workbench's indicator system (after the Fujian 2022, Jinan and "
            "Guangdong “双百” station evaluations)"
        )
    return "；".join(kept) or "工作台指标体系（参照福建 2022、济南、广东“双百”社工站评估）"


TITLES = {
    "zh": {
        "peers": "与同级单元比较（中位数）",
        "peer_cols": ["编号", "指标", "本单元", "同级中位数", "单元数", "单位"],
        "advice": "整改建议",
        "no_advice": "本年度各项有目标的指标均已达标或接近目标。",
        "no_targets": "{label}不按社工站的目标评判，不生成整改建议。",
        "narrative": "评估意见",
        "annex": "附件一 数据质量",
        "method": "附件二 指标说明与来源",
    },
    "en": {
        "peers": "Compared with peers (median)",
        "peer_cols": ["Id", "Indicator", "This unit", "Peer median", "Units", "Unit"],
        "advice": "Rectification recommendations",
        "no_advice": "Every measure with a target met it or came near.",
        "no_targets": "A {label} is not judged against station targets: no rectification advice.",
        "narrative": "Evaluator's opinion",
        "annex": "Annex 1 Data quality",
        "method": "Annex 2 Indicator definitions and sources",
    },
}


def show_sections(report, workspace: str | Workspace) -> None:
    """Display the sections of this module after ``report.show()`` (a
    :class:`~shegong.reports.unit.UnitReport`)."""
    from IPython.display import HTML, Markdown, display

    ws = workspace if isinstance(workspace, Workspace) else Workspace.at(workspace, create=False)
    t = TITLES[report.lang]
    registry = report.registry or load_registry()
    table = report.table if report.table is not None else read_indicators(ws)
    lines = recommendations(table, registry, report.org_unit, report.year, report.lang)
    rule = default_scheme().rule(getattr(report, "unit_type", "station"))
    if rule.advice == "none":  # advice follows the unit type (issue 16)
        lines, t = [], {**t, "no_advice": t["no_targets"].format(label=report.level_label)}
    display(
        Markdown(
            f"## {t['advice']}\n\n"
            + ("\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1)) or t["no_advice"])
        )
    )
    text = narrative(ws, report.org_unit)
    if text:  # the evaluator's Markdown is outside text: sanitised HTML, its source for the .docx
        display(Markdown(f"## {t['narrative']}"))
        display(narrative_output(text), raw=True)
    units = report.units or OrgUnits.read_csv(ws.org_units_file)
    same = units.frame.loc[units.frame["unit_type"] == getattr(report, "unit_type", "station")]
    peers = peer_comparison(
        table, registry, report.org_unit, report.level, report.year, report.lang, set(same["code"])
    )
    if not peers.empty:
        shown = pd.DataFrame(
            {
                0: peers["id"],
                1: peers["name"],
                2: [
                    format_value(v, u)
                    for v, u in zip(peers["unit_value"], peers["unit"], strict=True)
                ],
                3: [
                    format_value(v, u) for v, u in zip(peers["median"], peers["unit"], strict=True)
                ],
                4: peers["n"],
                5: [unit_label(u, report.lang) for u in peers["unit"]],
            }
        )
        shown.columns = t["peer_cols"]
        display(
            Markdown(f"## {t['peers']}"), HTML(styled_html(shown, "shegong-peers", left=(0, 1, 5)))
        )
    annex = quality_annex(
        ws,
        report.units or OrgUnits.read_csv(ws.org_units_file),
        report.org_unit,
        report.lang,
        report.year,
    )
    if not annex.empty:
        display(
            Markdown(f"## {t['annex']}"), HTML(styled_html(annex, "shegong-quality", left=(0, 6)))
        )
    method = (
        methodology(registry, report.lang)
        .style.hide(axis="index")
        .format(escape="html")
        .set_table_attributes('class="shegong-method"')
        .set_table_styles(
            [
                {
                    "selector": "",
                    "props": "border-collapse: collapse; font-size: 13px; max-width: 1000px;",
                },
                {
                    "selector": "th, td",
                    "props": "text-align: left; padding: 4px 10px; vertical-align: top;"
                    " border-bottom: 1px solid #e4e4e4;",
                },
            ]
        )
        .to_html()
    )
    display(Markdown(f"## {t['method']}"), HTML(method))
