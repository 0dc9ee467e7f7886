"""What a report says about the unit and about the evaluation itself: 一、基本情况 and
二、评估依据与方法, from the workspace's precomputed results and accepted inputs only.

- :func:`ledger_files` — the import accounts of the ledgers whose accepted rows of the year roll
  up to the unit (rows read, accepted, rejected by reason, total-row differences, repeated rows);
- :func:`source_counts` — the data sources actually used for the unit and year, each with its
  counts (ledger records, staff in post, survey responses by respondent type, files audited,
  site visits …), for the methods;
- :func:`unit_facts` — the unit's facts as sentences: what it is and where, its pilot year, the
  units below it, staff and certificates, coverage, services and resources, project funding.

Inputs are read through :mod:`shegong.indicators.results` (no DuckDB or validation stack in a
report kernel). Counts are of the unit's own subtree (the unit and every unit below it).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from shegong.config import Workspace
from shegong.indicators.results import read_input
from shegong.orgunits import OrgUnits
from shegong.reports.format import format_value, quantity

#: what each kind of unit is called (DOMAIN.md §4 unit types)
UNIT_TYPE_WORDS = {
    "zh": {
        "admin": "行政区域",
        "hub": "区县社工总站",
        "station": "乡镇（街道）社工站",
        "room": "村（社区）社工室",
        "centre": "社会服务机构",
    },
    "en": {
        "admin": "administrative area",
        "hub": "county social work hub",
        "station": "township social work station",
        "room": "village social work room",
        "centre": "service centre",
    },
}
#: the staged plan of the pilot (一年覆盖、两年规范、三年提升), by pilot year
STAGES = {
    "zh": {1: "一年覆盖", 2: "两年规范", 3: "三年提升"},
    "en": {1: "year 1, coverage", 2: "year 2, standardisation", 3: "year 3, improvement"},
}
#: the order in which the methods list the data sources
SOURCES = (
    "ledger",
    "roster",
    "training",
    "survey",
    "audits",
    "site_visits",
    "receipts",
    "divisions",
    "priority_households",
    "service_lists",
    "organisations",
    "case_outcomes",
    "groups",
)


def subtree(units: OrgUnits, org_unit: str) -> set[str]:
    """The unit and every unit below it (codes)."""
    anc = units.ancestry()
    return set(anc.loc[anc["ancestor"] == org_unit, "code"]) | {org_unit}


def ledger_files(ws: Workspace, units: OrgUnits, org_unit: str, year: int) -> list[dict[str, Any]]:
    """One dict per ledger file with accepted rows of ``year`` under the unit, in name order:
    ``file``, ``rows_read``, ``accepted``, ``rejected``, ``skipped_blank``, ``total_rows``,
    ``rejected_by_reason`` ({reason code: rows}), ``total_differences`` and ``repeated_rows``
    (counts) from ``ledger/quality/<file>.json``, and ``unit_rows`` (accepted rows of the year
    that count for the unit). Files without a quality report are left out."""
    below = subtree(units, org_unit)
    mine: dict[str, int] = {}
    for path in sorted(ws.accepted_dir.glob("*.parquet")):
        frame = pd.read_parquet(path, columns=["org_unit", "source_file", "year"])
        keep = frame[frame["org_unit"].isin(below) & (frame["year"] == int(year))]
        for name, n in keep["source_file"].value_counts().items():
            mine[str(name)] = mine.get(str(name), 0) + int(n)
    out = []
    for name in sorted(mine):
        q = ws.quality_dir / f"{name}.json"
        if not q.exists():
            continue
        data = json.loads(q.read_text(encoding="utf-8"))

        def count(key: str, data=data) -> int:
            value = data.get(key, 0)
            return len(value) if isinstance(value, list) else int(value or 0)

        out.append(
            {
                "file": name,
                "rows_read": int(data["rows_read"]),
                "accepted": int(data["accepted"]),
                "rejected": int(data["rejected"]),
                "skipped_blank": int(data["skipped_blank"]),
                "total_rows": int(data["total_rows"]),
                "rejected_by_reason": dict(data.get("rejected_by_reason") or {}),
                "total_differences": count("reconciliation"),
                "repeated_rows": count("repeated_rows"),
                "unit_rows": mine[name],
            }
        )
    return out


def _in_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    return frame[frame["year"] == int(year)] if "year" in frame.columns else frame


def source_counts(
    ws: Workspace, units: OrgUnits, org_unit: str, year: int, files: list[dict] | None = None
) -> dict[str, dict[str, int]]:
    """The data sources used for the unit's report of ``year``, in :data:`SOURCES` order, each
    with its counts (the placeholders of the rules' ``methods`` texts): ``ledger`` files, rows;
    ``roster`` persons, volunteers (in post during the year); ``training`` rows, sessions;
    ``survey`` rows (with consent), clients, residents, partners; the other inputs rows. Sources
    without a row for the unit are left out."""
    below = subtree(units, org_unit)
    files = ledger_files(ws, units, org_unit, year) if files is None else files
    found: dict[str, dict[str, int]] = {}
    if files:
        found["ledger"] = {"files": len(files), "rows": sum(f["unit_rows"] for f in files)}
    for kind in SOURCES[1:]:
        frame = read_input(ws, kind)
        if frame is None or frame.empty:
            continue
        column = next(
            (c for c in ("station_code", "parent_unit", "served_by") if c in frame.columns), None
        )
        if column is not None:
            frame = frame[frame[column].isin(below)]
        if kind == "roster":
            start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
            frame = frame[
                (frame["start_date"].isna() | (frame["start_date"] <= end))
                & (frame["end_date"].isna() | (frame["end_date"] >= start))
            ]
            counts = {"rows": len(frame), "persons": len(frame)}
            counts["volunteers"] = int((frame["role"] == "志愿者").sum())
            counts["staff"] = len(frame) - counts["volunteers"]
        elif kind == "survey":
            frame = _in_year(frame, year)
            frame = frame[frame["consent"].fillna(False).astype(bool)]
            types = frame["respondent_type"].value_counts()
            counts = {"rows": len(frame)}
            for key, code in (
                ("clients", "client"),
                ("residents", "resident"),
                ("partners", "partner"),
            ):
                counts[key] = int(types.get(code, 0))
        elif kind == "training":
            frame = _in_year(frame, year)
            counts = {"rows": len(frame), "sessions": int(frame["session_id"].nunique())}
        else:
            counts = {"rows": len(_in_year(frame, year))}
        if counts["rows"]:
            found[kind] = counts
    return found


def _names(units: OrgUnits, codes, lang: str, limit: int = 8) -> str:
    names = [units.name(c) for c in codes][:limit]
    sep = "、" if lang == "zh" else ", "
    more = len(list(codes)) > limit
    return sep.join(names) + (("等" if lang == "zh" else " and others") if more else "")


def unit_facts(report, staff: pd.DataFrame, lang: str) -> list[str]:
    """Sentences of 一、基本情况 for a :class:`~shegong.reports.unit.UnitReport` (loaded with its
    workspace, units and table); ``staff`` is :func:`shegong.reports.team.staff_table` of the
    unit and year. Figures come from the KPI rows (A1, A2, D1, D7a, D7b, F3) and the inputs."""
    units: OrgUnits = report.units
    info = units.row(report.org_unit)
    words = UNIT_TYPE_WORDS[lang]
    kind = words.get(str(info["unit_type"]), str(info["unit_type"]))
    parent = info.get("parent_code")
    pilot = report.pilot_year
    out = []
    if lang == "zh":
        where = f"{units.name(parent)}所辖" if parent and parent in units else ""
        level = "" if report.level_label == kind else f"，层级为{report.level_label}"
        first = f"{report.name}（区划代码 {report.org_unit}）为{where}{kind}{level}。"
        if pilot in STAGES[lang]:
            first += f"{report.year}年为其试点第{pilot}年（{STAGES[lang][pilot]}）。"
    else:
        where = f" in {units.name(parent)}" if parent and parent in units else ""
        level = "" if report.level_label == kind else f", at the level of a {report.level_label}"
        first = f"{report.name} (division code {report.org_unit}) is a {kind}{where}{level}."
        if pilot in STAGES[lang]:
            first += f" {report.year} is its pilot year {pilot} ({STAGES[lang][pilot]})."
    out.append(first)
    below = units.frame[
        units.frame["code"].isin(subtree(units, report.org_unit) - {report.org_unit})
    ]
    if not below.empty:
        counts = below["unit_type"].value_counts()
        parts = []
        for code, zh, en in (
            ("admin", "个下级行政区域", "administrative areas"),
            ("hub", "个社工总站", "hubs"),
            ("station", "个社工站", "stations"),
            ("centre", "个社会服务机构", "service centres"),
            ("room", "个社工室", "rooms"),
        ):
            if counts.get(code, 0):
                parts.append(f"{counts[code]}{zh}" if lang == "zh" else f"{counts[code]} {en}")
        kids = units.children(report.org_unit)
        if lang == "zh":
            text = "下辖" + "、".join(parts)
            text += f"：{_names(units, kids['code'], lang)}。" if len(kids) <= 8 else "。"
        else:
            text = "Below it: " + ", ".join(parts)
            text += f" ({_names(units, kids['code'], lang)})." if len(kids) <= 8 else "."
        out.append(text)
    if not staff.empty:
        total = staff.sum()
        vol = int(staff.loc["志愿者", "persons"]) if "志愿者" in staff.index else 0
        paid = int(total["persons"]) - vol
        quals = [(q, int(total[q])) for q in ("助理社会工作师", "社会工作师", "高级社会工作师")]
        if lang == "zh":
            text = f"{report.year}年在岗工作人员 {paid} 人，另有登记志愿者 {vol} 人；"
            text += (
                f"持证 {int(total['certified'])} 人（"
                + "、".join(f"{q} {n} 人" for q, n in quals if n)
                + "）。"
            )
        else:
            en = {
                "助理社会工作师": "assistant",
                "社会工作师": "intermediate",
                "高级社会工作师": "senior",
            }
            text = (
                f"In {report.year}, {paid} staff were in post, besides {vol} registered volunteers; "
                f"{int(total['certified'])} held a social work certificate ("
                + ", ".join(f"{en[q]} {n}" for q, n in quals if n)
                + ")."
            )
        out.append(text)
    kpi = report.kpis.set_index("indicator")
    cover = []
    for mid, zh, en in (("A1", "乡镇（街道）", "townships"), ("A2", "村（社区）", "villages")):
        if mid in kpi.index and pd.notna(kpi.at[mid, "denominator"]) and kpi.at[mid, "denominator"]:
            num, den = kpi.at[mid, "numerator"], kpi.at[mid, "denominator"]
            rate = "" if kpi.at[mid, "status"] == "suppressed" else f"{kpi.at[mid, 'display']}%"
            if lang == "zh":
                what = "社工站" if mid == "A1" else "社工室"
                text = (
                    f"{what}覆盖 {format_value(den, '个')} 个{zh}中的 {format_value(num, '个')} 个"
                )
                cover.append(text + (f"（{rate}）" if rate else ""))
            else:
                what = "stations" if mid == "A1" else "rooms"
                text = f"{what} cover {format_value(num, '个')} of {format_value(den, '个')} {en}"
                cover.append(text + (f" ({rate})" if rate else ""))
    if cover:
        out.append(
            ("；".join(cover) + "。") if lang == "zh" else ("; ".join(cover).capitalize() + ".")
        )
    served = {m: kpi.at[m, "value"] for m in ("D7a", "D1", "D7b", "F3") if m in kpi.index}
    if served and pd.notna(served.get("D7a")):
        if lang == "zh":
            text = f"全年服务 {quantity(served['D7a'], '人次', lang)}"
            if pd.notna(served.get("D7b")):
                text += f"（{quantity(served['D7b'], '人', lang)}）"
            if pd.notna(served.get("D1")):
                text += f"，入户走访 {quantity(served['D1'], '户', lang)}"
            if pd.notna(served.get("F3")):
                text += f"，链接慈善资源 {quantity(served['F3'], '元', lang)}"
            out.append(text + "。")
        else:
            text = f"It served {quantity(served['D7a'], '人次', lang)} in the year"
            if pd.notna(served.get("D7b")):
                text += f" ({quantity(served['D7b'], '人', lang)})"
            if pd.notna(served.get("D1")):
                text += f", visited {quantity(served['D1'], '户', lang)}"
            if pd.notna(served.get("F3")):
                text += f" and linked {quantity(served['F3'], '元', lang)} of charitable resources"
            out.append(text + ".")
    funding = project_funding(report.workspace, units, report.org_unit, report.year)
    if funding["projects"]:
        budget = quantity(funding["budget_yuan"], "元", lang)
        out.append(
            f"{report.year}年有 {funding['projects']} 个政府购买、公益创投或慈善资助项目覆盖本单元，预算合计 {budget}。"
            if lang == "zh"
            else f"{funding['projects']} funded projects (government purchase, venture philanthropy or charity) "
            f"starting in {report.year} cover this unit, with budgets of {budget} in all."
        )
    return out


def project_funding(ws: Workspace, units: OrgUnits, org_unit: str, year: int) -> dict[str, Any]:
    """Projects starting in ``year`` that cover a station of the unit: ``projects`` (n) and
    ``budget_yuan`` (元, their budgets in full: a project shared with other units counts whole)."""
    projects = read_input(ws, "projects")
    if projects is None or projects.empty:
        return {"projects": 0, "budget_yuan": 0.0}
    below = subtree(units, org_unit)
    mine = _in_year(projects, year)
    hit = [bool(set(str(s).split(";")) & below) for s in mine["stations"].fillna("")]
    mine = mine.loc[hit] if len(mine) else mine
    return {"projects": len(mine), "budget_yuan": float(mine["budget_fen"].sum()) / 100}
