"""How figures and words are shown in reports: tables as styled HTML and the one vocabulary.

- :func:`styled_html` — a DataFrame as an HTML table through pandas' Styler (no index, escaped
  cells, numbers right-aligned, chosen columns left-aligned, optional per-cell colours);
- the one vocabulary of the reports: statuses (:data:`STATUS`, :func:`status_label` with x/n),
  units (:func:`unit_label`, :func:`quantity`), signed changes (:func:`signed`), dates
  (:func:`long_date`).
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd


def styled_html(
    frame: pd.DataFrame,
    css_class: str,
    *,
    left: tuple[int, ...] = (),
    colours: dict[int, list[str]] | None = None,
) -> str:
    """A table as HTML through pandas' Styler: no index, escaped cells, numbers right-aligned,
    the columns at positions ``left`` left-aligned and never wrapped; ``colours`` gives CSS per
    row for the column at a position (traffic lights)."""
    styles = [
        {
            "selector": "",
            "props": "border-collapse: collapse; margin: 0.5em 0 1.2em 0; font-size: 14px;",
        },
        {
            "selector": "th",
            "props": "text-align: right; padding: 6px 12px; border-bottom: 1px solid #888;",
        },
        {
            "selector": "td",
            "props": "text-align: right; padding: 5px 12px; border-bottom: 1px solid #e4e4e4;",
        },
    ]
    for i in left:
        styles.append(
            {
                "selector": f"th.col_heading.col{i}, td.col{i}",
                "props": "text-align: left; white-space: nowrap;",
            }
        )
    styler = frame.style.hide(axis="index").format(escape="html")
    for i, css in (colours or {}).items():
        col = frame.columns[i]
        styler = styler.apply(lambda _s, css=css: css, subset=[col], axis=0)
    return styler.set_table_attributes(f'class="{css_class}"').set_table_styles(styles).to_html()


#: English names of the indicator units of DOMAIN.md §3 (the Chinese symbol is the stored unit).
UNIT_EN = {
    "户": "households",
    "个": "count",
    "次": "sessions",
    "场": "events",
    "人次": "person-times",
    "人": "persons",
    "元": "yuan",
    "家": "organisations",
    "项": "items",
    "%": "%",
    "h": "h",
    "元/人次": "yuan per person-time",
    "元/户": "yuan per household",
}


#: The one vocabulary of statuses (the ``status`` column of indicators.parquet and projects.parquet),
#: in station and project reports alike: 达标 / 基本达标 / 未达标 as in the scoring of published
#: station evaluations; a rate whose denominator is below its minimum is 样本不足 (shown with x/n,
#: :func:`status_label`), never 0 % or 100 %.
STATUS = {
    "zh": {
        "met": "达标",
        "near": "基本达标",
        "missed": "未达标",
        "suppressed": "样本不足",
        "no_target": "—",
    },
    "en": {
        "met": "met",
        "near": "nearly met",
        "missed": "not met",
        "suppressed": "insufficient sample",
        "no_target": "—",
    },
}


STATUS_COLOURS = {"met": "#1e8449", "near": "#b9770e", "missed": "#c0392b", "suppressed": "#7f8c8d"}


SUPPRESSED = {"zh": "样本不足", "en": "insufficient sample"}


def status_label(
    status: str, lang: str, numerator: float | None = None, denominator: float | None = None
) -> str:
    """A status as shown: ``达标`` …; ``样本不足（3/4）`` with the numerator and denominator of a
    suppressed rate when known (``insufficient sample (3/4)``)."""
    label = STATUS[lang].get(status, "—")
    if status == "suppressed" and denominator is not None and not pd.isna(denominator):
        x = 0 if numerator is None or pd.isna(numerator) else numerator
        sample = f"{x:,.0f}/{denominator:,.0f}"
        return f"{label}（{sample}）" if lang == "zh" else f"{label} ({sample})"
    return label


def signed(value: float | None, digits: int = 1) -> str:
    """A change with its sign: ``+3.8``, ``−1.2`` (U+2212 MINUS SIGN, as typeset), ``0.0``; NaN → ``—``."""
    if value is None or pd.isna(value):
        return "—"
    text = f"{abs(value):,.{digits}f}"
    if round(value, digits) == 0:
        return text
    return ("+" if value > 0 else "\u2212") + text


MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def long_date(day: dt.date, lang: str) -> str:
    """A date as written in a report: ``2023年3月1日`` (GB/T 9704-2012 7.3.5.3: Arabic numerals,
    the year in full, no leading zero) or ``1 March 2023``."""
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def unit_label(unit: str, lang: str) -> str:
    """The unit as shown: the Chinese symbol in zh (``人次``), its English name in en (``person-times``)."""
    return UNIT_EN.get(unit, unit) if lang == "en" else unit


def format_value(value: float, unit: str) -> str:
    """``1493.0, '户'`` → ``1,493``; hours, %, 项, 人 and small values (a target of 1.5 家) keep one
    decimal when they have one; NaN → ``—``."""
    if pd.isna(value):
        return "—"
    if value != round(value) and (
        unit in ("h", "%", "项", "人") or abs(value) < 100
    ):  # a target of 1.5 家 stays 1.5
        return f"{value:,.1f}"
    return f"{value:,.0f}"


def quantity(value: float, unit: str, lang: str) -> str:
    """A figure with its unit inside a sentence: ``1,493户``, ``57.5%``, ``17,000元``; in English
    ``1,493 households``, ``57.5%``, ``231`` (a bare count, 个, takes no word)."""
    shown = format_value(value, unit)
    if shown == "—":
        return shown
    if unit == "%":
        return f"{shown}%"
    if lang == "zh":
        return f"{shown}{unit}"
    word = {"个": "", "h": "hours"}.get(unit, UNIT_EN.get(unit, unit))
    return f"{shown} {word}".rstrip()


def gap(value: float, target: float, unit: str, lang: str) -> str:
    """How far ``value`` is from ``target``: percentage points for rates (``15.0个百分点`` /
    ``15.0 percentage points``), else the difference in the measure's unit."""
    diff = abs(target - value)
    if unit == "%":
        return f"{diff:,.1f}个百分点" if lang == "zh" else f"{diff:,.1f} percentage points"
    return quantity(diff, unit, lang)


_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_SPACE_AFTER_CJK = re.compile(rf"(?<=[{_CJK}]) +(?=[0-9+\u2212%])")
_SPACE_BEFORE_CJK = re.compile(rf"(?<=[0-9%{_CJK}]) +(?=[{_CJK}])")


def tidy(text: str, lang: str) -> str:
    """Chinese text as typeset: no space between a Chinese character and a number or another
    Chinese character (``读取 833 行`` → ``读取833行``); Latin words and standard numbers keep
    theirs (``MZ/T 094-2017``), as does the middle dot of a title (``兴安盟 · 2022``). English
    text is returned as it is."""
    if lang != "zh":
        return text
    return _SPACE_BEFORE_CJK.sub("", _SPACE_AFTER_CJK.sub("", text))
