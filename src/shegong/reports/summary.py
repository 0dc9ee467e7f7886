"""The 汇总表 a civil-affairs bureau files and sorts: ``reports/<year>/汇总表_<year>.xlsx``
(and ``summary_<year>.en.xlsx`` when English reports are made).

Sheets, in order:

1. 单位汇总 — one row per unit of station level and above (rooms left out): 区划代码, 名称,
   层级 (in words), 上级单元, 总分, 等级, 排名 and 参评单元数 (among peers of the same level, unit type
   and parent, as in the reports), the A–G dimension scores, 较上年, the key measures, the number
   of measures 未达标, and the report's state (草稿 / 审核稿 / 正式印发);
2. 指标明细 — the long table for analysts: one row per unit × measure (every unit, rooms too),
   value, unit, target and status (达标 / 基本达标 / 未达标 / 样本不足 with x/n);
3. 社工室 — one row per village room with its parent station and the key measures valid there.

Values are numbers (not text), rounded as the reports show them (scores and rates one decimal,
counts whole) with number formats that add thousands separators and signs (+3.8 / −1.2). Every
sheet has a frozen header row (and frozen names), filters and its header row repeated on every
printed page, in landscape A4 fitted to the page width.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from shegong import atomic
from shegong.config import Workspace
from shegong.indicators.registry import load_registry
from shegong.indicators.results import GRADE_LABELS, read_evaluation, read_indicators
from shegong.orgunits import OrgUnits
from shegong.reports import lifecycle
from shegong.reports.assessment import peer_ranks
from shegong.reports.facts import UNIT_TYPE_WORDS
from shegong.reports.format import UNIT_EN, status_label

KEY_MEASURES = ("D1", "D7a", "D7b", "D4b", "F2c", "F3", "G1")
ROOM_MEASURES = ("D1", "D3a", "D7a", "D7b", "F2b", "F2c", "F3", "C2")
DIMENSIONS = ("A", "B", "C", "D", "E", "F", "G")
DIM_NAMES = {
    "zh": {
        "A": "基础建设",
        "B": "队伍建设",
        "C": "规范管理",
        "D": "服务产出",
        "E": "服务质量",
        "F": "五社联动",
        "G": "服务成效",
    },
    "en": {
        "A": "Foundation",
        "B": "Staff",
        "C": "Management",
        "D": "Outputs",
        "E": "Quality",
        "F": "Five-society linkage",
        "G": "Results",
    },
}
WORDS = {
    "zh": {
        "file": "汇总表_{year}.xlsx",
        "sheets": ("单位汇总", "指标明细", "社工室"),
        "code": "区划代码",
        "name": "名称",
        "level": "层级",
        "type": "类型",
        "parent": "上级单元",
        "score": "总分",
        "grade": "等级",
        "rank": "排名",
        "peers": "参评单元数",
        "change": "较上年",
        "missed": "未达标指标数",
        "state": "报告状态",
        "station": "所属社工站",
        "measure_id": "指标编号",
        "measure": "指标名称",
        "value": "数值",
        "unit": "单位",
        "target": "目标值",
        "status": "状态",
    },
    "en": {
        "file": "summary_{year}.en.xlsx",
        "sheets": ("Units", "Measures", "Rooms"),
        "code": "Division code",
        "name": "Name",
        "level": "Level",
        "type": "Type",
        "parent": "Parent unit",
        "score": "Total score",
        "grade": "Grade",
        "rank": "Rank",
        "peers": "Peers",
        "change": "Change on last year",
        "missed": "Measures not met",
        "state": "Report state",
        "station": "Station",
        "measure_id": "Measure id",
        "measure": "Measure",
        "value": "Value",
        "unit": "Unit",
        "target": "Target",
        "status": "Status",
    },
}
STATE_WORDS = {
    "zh": {"draft": "草稿", "reviewed": "审核稿", "issued": "正式印发"},
    "en": {"draft": "draft", "reviewed": "reviewed", "issued": "issued"},
}
SIGNED = '+0.0;"\u2212"0.0;0.0'


def shown(value: float, unit: str) -> float | None:
    """A value rounded as a report shows it (:func:`shegong.reports.format.format_value`): one
    decimal for hours, rates, checklist items, persons and small non-whole values, else whole."""
    if value is None or pd.isna(value):
        return None
    if value != round(value) and (unit in ("h", "%", "项", "人") or abs(value) < 100):
        return round(float(value), 1)
    return float(round(value))


def _unit(unit: str, lang: str) -> str:
    return UNIT_EN.get(unit, unit) if lang == "en" else unit


def _head(name: str, unit: str, lang: str) -> str:
    u = _unit(unit, lang)
    return f"{name}（{u}）" if lang == "zh" else f"{name} ({u})"


def frames(ws: Workspace, year: int, units: OrgUnits, lang: str) -> dict[str, pd.DataFrame]:
    """The three sheets as frames (columns in the report's language), before formatting."""
    w = WORDS[lang]
    registry = load_registry()
    measures = {m.id: m for m in registry.measures}
    table = read_indicators(ws)
    yearly = table[
        (table["period"] == str(year))
        & table["service_area"].isna()
        & table["client_category"].isna()
    ]
    value = yearly.pivot(index="org_unit", columns="indicator", values="value")
    info = units.frame.set_index("code")
    names = info["name"]
    evaluation = read_evaluation(ws)
    ranks = (
        peer_ranks(evaluation, units, year).set_index("org_unit")
        if evaluation is not None
        else pd.DataFrame(columns=["score", "grade", "change", "peer_rank", "peer_count"])
    )
    dims = (
        evaluation[(evaluation["year"] == int(year)) & (evaluation["dimension"] != "total")].pivot(
            index="org_unit", columns="dimension", values="score"
        )
        if evaluation is not None
        else pd.DataFrame()
    )
    register = lifecycle.read_register(ws, year)["units"]
    missed = yearly[yearly["status"] == "missed"].groupby("org_unit").size()
    levels = units.frame[(units.frame["level"] <= 4) & (units.frame["unit_type"] != "room")]
    levels = levels.sort_values(["level", "code"])
    rows = []
    for u in levels.itertuples():
        have = u.code in ranks.index
        row = {
            w["code"]: u.code,
            w["name"]: u.name,
            w["level"]: units.level_label(int(u.level), lang),
            w["type"]: UNIT_TYPE_WORDS[lang].get(u.unit_type, u.unit_type),
            w["parent"]: names.get(u.parent_code, "") if u.parent_code else "",
            w["score"]: shown(ranks.at[u.code, "score"], "%") if have else None,
            w["grade"]: GRADE_LABELS[lang].get(ranks.at[u.code, "grade"], "")
            if have and isinstance(ranks.at[u.code, "grade"], str)
            else "",
            w["rank"]: _int(ranks.at[u.code, "peer_rank"]) if have else None,
            w["peers"]: _int(ranks.at[u.code, "peer_count"]) if have else None,
        }
        for d in DIMENSIONS:
            score = dims.at[u.code, d] if u.code in dims.index and d in dims.columns else None
            row[f"{d} {DIM_NAMES[lang][d]}"] = shown(score, "%")
        row[w["change"]] = shown(ranks.at[u.code, "change"], "%") if have else None
        for mid in KEY_MEASURES:
            m = measures[mid]
            v = value.at[u.code, mid] if u.code in value.index and mid in value.columns else None
            row[_head(m.name[lang], m.unit, lang)] = shown(v, m.unit)
        row[w["missed"]] = int(missed.get(u.code, 0))
        row[w["state"]] = STATE_WORDS[lang][register.get(u.code, {}).get("state", "draft")]
        rows.append(row)
    summary = pd.DataFrame(rows)
    long = yearly.merge(units.frame[["code", "name"]], left_on="org_unit", right_on="code")
    long = long.sort_values(["level", "org_unit", "indicator"])
    detail = pd.DataFrame(
        {
            w["code"]: long["org_unit"],
            w["name"]: long["name"],
            w["level"]: [units.level_label(int(v), lang) for v in long["level"]],
            w["measure_id"]: long["indicator"],
            w["measure"]: [
                measures[i].name[lang] if i in measures else i for i in long["indicator"]
            ],
            w["value"]: [shown(v, u) for v, u in zip(long["value"], long["unit"], strict=True)],
            w["unit"]: [_unit(u, lang) for u in long["unit"]],
            w["target"]: [shown(v, u) for v, u in zip(long["target"], long["unit"], strict=True)],
            w["status"]: [
                status_label(s, lang, n, d) if isinstance(s, str) else "—"
                for s, n, d in zip(
                    long["status"], long["numerator"], long["denominator"], strict=True
                )
            ],
        }
    )
    rooms = units.frame[units.frame["unit_type"] == "room"].sort_values("code")
    room_rows = []
    for u in rooms.itertuples():
        row = {w["code"]: u.code, w["name"]: u.name, w["station"]: names.get(u.parent_code, "")}
        for mid in ROOM_MEASURES:
            m = measures[mid]
            v = value.at[u.code, mid] if u.code in value.index and mid in value.columns else None
            row[_head(m.name[lang], m.unit, lang)] = shown(v, m.unit)
        room_rows.append(row)
    room_frame = pd.DataFrame(
        room_rows,
        columns=[w["code"], w["name"], w["station"]]
        + [_head(measures[m].name[lang], measures[m].unit, lang) for m in ROOM_MEASURES],
    )
    s1, s2, s3 = w["sheets"]
    return {s1: summary, s2: detail, s3: room_frame}


def _int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _format(sheet, frame: pd.DataFrame, lang: str, freeze: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    w = WORDS[lang]
    sheet.freeze_panes = freeze
    sheet.auto_filter.ref = sheet.dimensions
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    head = Font(bold=True)
    fill = PatternFill("solid", fgColor="F1F1F1")
    for i, column in enumerate(frame.columns, 1):
        cell = sheet.cell(row=1, column=i)
        cell.font, cell.fill = head, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        letter = get_column_letter(i)
        width = max(len(str(column)) * (2 if lang == "zh" else 1.1), 8)
        if column in (w["code"],):
            width = 15
        elif column in (w["name"], w["parent"], w["station"], w["measure"]):
            width = 22
        sheet.column_dimensions[letter].width = min(width, 26)
        if column == w["code"] or not pd.api.types.is_numeric_dtype(frame[column]):
            continue
        if column == w["change"]:
            fmt = SIGNED
        elif column in (w["rank"], w["peers"], w["missed"]):
            fmt = "0"
        else:
            decimals = frame[column].dropna().map(lambda v: v != round(v)).any()
            fmt = (
                "#,##0.0"
                if decimals or column == w["score"] or column[:2] in {f"{d} " for d in DIMENSIONS}
                else "#,##0"
            )
        for row in range(2, len(frame) + 2):
            sheet.cell(row=row, column=i).number_format = fmt
    sheet.row_dimensions[1].height = 32


def write_summary(ws: Workspace, year: int, units: OrgUnits, lang: str = "zh") -> Path:
    """Write the 汇总表 of ``year`` in ``lang`` into ``reports/<year>/``; returns its path."""
    sheets = frames(ws, year, units, lang)
    target = ws.reports_dir(year) / WORDS[lang]["file"].format(year=year)
    freezes = ("C2", "C2", "C2")

    def write(path: Path) -> None:
        with pd.ExcelWriter(path, engine="openpyxl") as xl:
            for (name, frame), freeze in zip(sheets.items(), freezes, strict=True):
                frame.to_excel(xl, sheet_name=name, index=False)
                _format(xl.sheets[name], frame, lang, freeze)

    atomic.write_with(target, write)
    return target


def write_summaries(ws: Workspace, year: int, units: OrgUnits, langs) -> list[Path]:
    """:func:`write_summary` for each language of a batch."""
    return [write_summary(ws, year, units, lang) for lang in langs]
