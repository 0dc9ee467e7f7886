"""Pieces of the pilot-year report read from precomputed results only (issue 6); the report's
layout is :mod:`shegong.reports.document`.

- :func:`peer_comparison` — the unit's yearly values beside the median of its peers (units of
  the same level), for the output measures;
- :func:`narrative` — the evaluator's own text for the unit, read from
  ``WORKSPACE/narratives/<code>.md`` when present;
- :func:`quality_annex` — the data-quality annex: rows read, accepted, rejected (by reason),
  blank and total rows of every ledger file whose accepted rows roll up to the unit;
- :func:`methodology` — indicator definitions, units and sources from the registry.
"""

from __future__ import annotations

import json

import pandas as pd

from shegong.config import Workspace
from shegong.indicators.registry import Registry
from shegong.ledger.rows import REASONS
from shegong.orgunits import OrgUnits
from shegong.reports.format import unit_label

PEER_MEASURES = ("D1", "D3a", "D4a", "D5b", "D6", "D7a", "D7b", "F2b", "F2c", "F3")


def _yearly(table: pd.DataFrame, year: int) -> pd.DataFrame:
    return table[
        (table["period"] == str(year))
        & table["service_area"].isna()
        & table["client_category"].isna()
    ]


def peer_comparison(
    table: pd.DataFrame, registry: Registry, org_unit: str, level: int, year: int, lang: str
) -> pd.DataFrame:
    """Columns: indicator id, name, this unit, peer median, peers (n), unit. Empty without peers."""
    yearly = _yearly(table, year)
    peers = yearly[(yearly["level"] == level)]
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


def narrative(ws: Workspace, org_unit: str) -> str | None:
    """The evaluator's Markdown for the unit (``narratives/<code>.md``), or None."""
    path = ws.root / "narratives" / f"{org_unit}.md"
    return path.read_text(encoding="utf-8") if path.exists() else None


def quality_annex(
    ws: Workspace, org_units: OrgUnits, org_unit: str, lang: str, year: int | None = None
) -> pd.DataFrame:
    """Row accounting of every ledger file that contributed accepted rows to the unit (rows of
    ``year`` only, when given: a 2021 report does not list the 2022 ledgers).

    Columns (zh): 文件, 读取行数, 接收, 拒收, 空行, 合计行, 拒收原因, 合计行核对差异; reject reasons
    are named in the report's language (shegong.ledger.rows.REASONS), e.g. 服务日期不是有效日期（2 行）.
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
                len(data["reconciliation"])
                if isinstance(data.get("reconciliation"), list)
                else int(data.get("reconciliation") or 0),
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
    "satisfaction survey (Kirkpatrick L1 for services)": "服务对象满意度调查",
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
            or "The workbench's indicator system (after the Fujian 2022, Jinan and Guangdong “双百” station evaluations)"
        )
    return "；".join(kept) or "工作台指标体系（参照福建 2022、济南、广东“双百”社工站评估）"
