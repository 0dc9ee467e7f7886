"""Report sections on whom the unit served and with whom: the client-category mix and the
five-society linkage (五社联动), from ``indicators/indicators.parquet`` only (issue 6).

- :func:`client_mix` — the yearly households visited (D1, 户), persons (D7b, 人), person-times
  (D7a, 人次) and case files (D3a, 个) of the unit by client category (the rows of
  indicators.parquet with ``client_category`` set). Person-times and files add up over the
  categories to the unit's total; households and persons are distinct counts per category (a
  household can hold a dibao member and a left-behind child), so their sum may exceed the total.
- :func:`linkage` — the five societies of DOMAIN.md §1 with their measures: the community (A2
  room coverage), social workers (B1), social organisations (F1), volunteers (F2a–F2c) and
  charitable resources (F3, 元), each with its target, the share of the target reached and the
  traffic light.
"""

from __future__ import annotations

import pandas as pd

from shegong.ledger.vocabulary import CLIENT_CATEGORIES, LABELS_ZH
from shegong.reports import charts
from shegong.reports.blocks import Block, Figure, Numbering, Table
from shegong.reports.format import (
    STATUS,
    STATUS_COLOURS,
    SUPPRESSED,
    format_value,
    unit_label,
)

MIX_MEASURES = ("D1", "D7b", "D7a", "D3a")
#: client categories in the ledger's order, then events recorded without one (group sessions,
#: community events)
CATEGORY_ORDER = (*CLIENT_CATEGORIES.values(), "unspecified")
CATEGORY_LABELS = {
    "zh": {**{c: LABELS_ZH[c] for c in CLIENT_CATEGORIES.values()}, "unspecified": "未标注类别"},
    "en": {
        "dibao": "Dibao (minimum living guarantee)",
        "extreme_poverty": "Extreme poverty",
        "left_behind_child": "Left-behind children",
        "child_in_difficulty": "Children in difficulty",
        "disabled": "Persons with disabilities",
        "elderly_living_alone": "Elderly living alone",
        "empty_nest_elderly": "Empty-nest elderly",
        "general": "General residents",
        "unspecified": "Category not recorded",
    },
}
#: (society code, measure id) in the order of DOMAIN.md §1
SOCIETIES = (
    ("community", "A2"),
    ("social_workers", "B1"),
    ("organisations", "F1"),
    ("volunteers", "F2a"),
    ("volunteers", "F2b"),
    ("volunteers", "F2c"),
    ("charity", "F3"),
)
TEXT = {
    "zh": {
        "mix": "服务对象类别构成",
        "category": "对象类别",
        "mix_note": "同一户、同一人可属多个类别：户数、人数按类别分别去重，相加可大于总数；服务人次、建档数按类别相加等于总数。"
        "“未标注类别”主要是小组活动和社区活动的参与人次。",
        "mix_title": "{year}年各类服务对象服务人次（另有未标注类别 {rest}人次）",
        "mix_x": "服务人次（人次）",
        "linkage": "五社联动",
        "linkage_cols": ["联动主体", "指标", "数值", "单位", "目标", "目标完成率", "状态"],
        "linkage_table": "{year}年五社联动指标",
        "mix_table": "{year}年各类服务对象服务情况",
        "societies": {
            "community": "社区",
            "social_workers": "社会工作者",
            "organisations": "社会组织",
            "volunteers": "社区志愿者",
            "charity": "社会慈善资源",
        },
        "linkage_title": "{year}年五社联动指标目标完成率",
        "linkage_x": "目标完成率（%，实际 ÷ 目标）",
        "linkage_y": "指标",
        "of_target": "{value} {unit} / 目标 {target}",
    },
    "en": {
        "mix": "Client categories",
        "category": "Client category",
        "mix_note": "A household or person can belong to several categories: households and persons are counted once per "
        "category and may add up to more than the total; person-times and case files add up to the total. "
        "“Category not recorded” is mostly group sessions and community events.",
        "mix_title": "Person-times by client category, {year} (besides {rest} not recorded)",
        "mix_x": "Person-times",
        "linkage": "Five-society linkage",
        "linkage_table": "Five-society linkage measures, {year}",
        "mix_table": "Services by client category, {year}",
        "linkage_cols": [
            "Society",
            "Measure",
            "Value",
            "Unit",
            "Target",
            "Of target",
            "Status",
        ],
        "societies": {
            "community": "Community",
            "social_workers": "Social workers",
            "organisations": "Social organisations",
            "volunteers": "Community volunteers",
            "charity": "Charitable resources",
        },
        "linkage_title": "Five-society linkage: share of target reached, {year}",
        "linkage_x": "Share of target (%, actual ÷ target)",
        "linkage_y": "Measure",
        "of_target": "{value} {unit} / target {target}",
    },
}


def _yearly(table: pd.DataFrame, org_unit: str, year: int) -> pd.DataFrame:
    return table[
        (table["org_unit"] == org_unit)
        & (table["period"] == str(year))
        & table["service_area"].isna()
    ]


def client_mix(table: pd.DataFrame, org_unit: str, year: int) -> pd.DataFrame:
    """Columns ``client_category`` (code) and one float column per :data:`MIX_MEASURES` id, one row
    per category present for the unit and year (in :data:`CATEGORY_ORDER`); empty when the
    ledger recorded no categories."""
    rows = _yearly(table, org_unit, year)
    rows = rows[rows["client_category"].notna() & rows["indicator"].isin(MIX_MEASURES)]
    if rows.empty:
        return pd.DataFrame(columns=["client_category", *MIX_MEASURES])
    wide = rows.pivot(index="client_category", columns="indicator", values="value")
    order = [c for c in CATEGORY_ORDER if c in wide.index] + sorted(
        set(wide.index) - set(CATEGORY_ORDER)
    )
    wide = wide.reindex(index=order, columns=list(MIX_MEASURES))
    return wide.rename_axis(index="client_category", columns=None).reset_index()


def linkage(table: pd.DataFrame, org_unit: str, year: int) -> pd.DataFrame:
    """Columns ``society`` (code), ``indicator``, ``value``, ``unit``, ``target`` (floats, NaN when
    not computed for the unit's level), ``status`` and ``share`` (value ÷ target × 100, %)."""
    mine = _yearly(table, org_unit, year)
    mine = mine[mine["client_category"].isna()].set_index("indicator")
    rows = []
    for society, mid in SOCIETIES:
        have = mid in mine.index
        value = float(mine.at[mid, "value"]) if have else float("nan")
        target = (
            float(mine.at[mid, "target"])
            if have and pd.notna(mine.at[mid, "target"])
            else float("nan")
        )
        rows.append(
            {
                "society": society,
                "indicator": mid,
                "value": value,
                "unit": mine.at[mid, "unit"] if have else "",
                "target": target,
                "status": str(mine.at[mid, "status"]) if have else "no_target",
                "share": value / target * 100
                if target and pd.notna(target) and pd.notna(value)
                else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def service_blocks(report, number: Numbering) -> list[Block]:
    """Both sections as report blocks for a :class:`~shegong.reports.unit.UnitReport` (loaded
    with its table): headings at level 2, tables and charts numbered by ``number``."""
    t, lang = TEXT[report.lang], report.lang
    names = {m.id: m.name[lang] for m in report.registry.measures}
    units = {m.id: m.unit for m in report.registry.measures}
    out: list[Block] = []
    mix = client_mix(report.table, report.org_unit, report.year)
    if not mix.empty:
        columns = [t["category"]]
        for mid in MIX_MEASURES:
            unit = unit_label(units[mid], lang)
            columns.append(f"{names[mid]}（{unit}）" if lang == "zh" else f"{names[mid]} ({unit})")
        rows = [
            [CATEGORY_LABELS[lang].get(r.client_category, r.client_category)]
            + [format_value(getattr(r, mid), units[mid]) for mid in MIX_MEASURES]
            for r in mix.itertuples()
        ]
        out += [
            number.heading(t["mix"], 2),
            Table(
                columns,
                rows,
                caption=number.table(t["mix_table"].format(year=report.year)),
                align=["l"] + ["r"] * len(MIX_MEASURES),
                css_class="shegong-clients",
                note=t["mix_note"],
            ),
        ]
        named = mix[mix["client_category"] != "unspecified"]
        rest = mix.loc[mix["client_category"] == "unspecified", "D7a"].sum()
        if named["D7a"].notna().any():
            frame = pd.DataFrame(
                {
                    "label": [CATEGORY_LABELS[lang].get(c, c) for c in named["client_category"]],
                    "value": named["D7a"].fillna(0),
                }
            )
            fig = charts.bar_by_category(frame, title="", xlabel=t["mix_x"], ylabel=t["category"])
            caption = t["mix_title"].format(year=report.year, rest=format_value(rest, "人次"))
            out.append(Figure(charts.to_png(fig), number.figure(caption)))
    link = linkage(report.table, report.org_unit, report.year)
    if link["value"].notna().any():

        def value(r) -> str:
            return SUPPRESSED[lang] if r.status == "suppressed" else format_value(r.value, r.unit)

        rows = [
            [
                t["societies"][r.society],
                names[r.indicator],
                value(r),
                unit_label(r.unit, lang),
                format_value(r.target, r.unit),
                "—" if pd.isna(r.share) else f"{r.share:.0f}%",
                STATUS[lang].get(r.status, "—"),
            ]
            for r in link.itertuples()
        ]
        out += [
            number.heading(t["linkage"], 2),
            Table(
                t["linkage_cols"],
                rows,
                caption=number.table(t["linkage_table"].format(year=report.year)),
                align=["l", "l", "r", "c", "r", "r", "c"],
                css_class="shegong-linkage",
                colours=[STATUS_COLOURS.get(s, "") for s in link["status"]],
                colour_col=6,
            ),
        ]
        bars = link[link["share"].notna()]
        if not bars.empty:
            frame = pd.DataFrame(
                {
                    "label": [names[r.indicator] for r in bars.itertuples()],
                    "share": bars["share"],
                    "text": [
                        t["of_target"].format(
                            value=format_value(r.value, r.unit),
                            unit=unit_label(r.unit, lang),
                            target=format_value(r.target, r.unit),
                        )
                        for r in bars.itertuples()
                    ],
                }
            )
            fig = charts.target_bars(frame, title="", xlabel=t["linkage_x"], ylabel=t["linkage_y"])
            caption = t["linkage_title"].format(year=report.year)
            out.append(Figure(charts.to_png(fig), number.figure(caption)))
    return out
