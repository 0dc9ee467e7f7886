"""How report pieces reach the page: tables as styled HTML, slow sections drawn after the page.

- :func:`styled_html` — a DataFrame as an HTML table through pandas' Styler (no index, escaped
  cells, numbers right-aligned, chosen columns left-aligned, optional per-cell colours);
- :func:`in_background` — an ``ipywidgets.Output`` displayed now and filled from a thread, for the
  served viewer (:meth:`shegong.reports.unit.UnitReport.show` with ``defer=True``).
"""

from __future__ import annotations

import pandas as pd

from shegong.errors import ShegongError
from shegong.safe_html import escape_markdown


def in_background(report, sections: tuple) -> None:
    """Display an Output widget now and fill it with ``sections`` from a thread (``Output.
    append_display_data`` is the widget's thread-safe way in). A failure shows one line there:
    a ShegongError's message, otherwise only the error's type (tracebacks stay hidden)."""
    import threading

    import ipywidgets as w
    from IPython.display import Markdown, display

    out = w.Output()
    display(out)

    def emit(*objects: object) -> None:
        for obj in objects:
            out.append_display_data(obj)

    def work() -> None:
        try:
            for section in sections:
                section(report, emit)
        except ShegongError as e:
            emit(Markdown(f"**出错了 Error:** {escape_markdown(e.message())}"))
        except Exception as e:  # noqa: BLE001 — a thread's error would otherwise vanish
            emit(Markdown(f"**出错了 Error:** {type(e).__name__}"))

    threading.Thread(target=work, name="shegong-report-sections", daemon=True).start()


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
}


#: Traffic lights of the ``status`` column of indicators.parquet: label and text colour.
STATUS = {
    "zh": {
        "met": "达标",
        "near": "基本达标",
        "missed": "未达标",
        "suppressed": "已抑制（分母过小）",
        "no_target": "—",
    },
    "en": {
        "met": "met",
        "near": "near",
        "missed": "missed",
        "suppressed": "suppressed (small denominator)",
        "no_target": "—",
    },
}


STATUS_COLOURS = {"met": "#1e8449", "near": "#b9770e", "missed": "#c0392b", "suppressed": "#7f8c8d"}


SUPPRESSED = {"zh": "已抑制", "en": "suppressed"}


def unit_label(unit: str, lang: str) -> str:
    """The unit as shown: the Chinese symbol in zh (``人次``), its English name in en
    (``person-times``)."""
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
