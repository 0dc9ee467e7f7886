"""Seaborn theme with a CJK font, and the standard chart kinds of the reports.

matplotlib draws tofu boxes for Chinese by default. :func:`setup` registers the OFL font
Noto Sans SC shipped in the PyPI wheel ``pylopdf-fonts-zh-cn`` and passes it through
``sns.set_theme(font=…, rc={"font.sans-serif": […], "axes.unicode_minus": False})`` — a later
``sns.set_theme()`` would reset ``font.sans-serif``, so every chart function calls
:func:`setup` itself. While a chart is drawn, matplotlib's "Glyph … missing from font"
warning is raised as an error: a chart with boxes instead of characters never ships.
"""

from __future__ import annotations

import io
import warnings
from functools import cache
from importlib import resources

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

PALETTE = "crest"
FONT_FILE = "NotoSansSC-Regular.otf"


@cache
def cjk_font_name() -> str:
    """Register Noto Sans SC with matplotlib once; return its family name."""
    path = resources.files("pylopdf_fonts_zh_cn") / FONT_FILE
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def setup() -> str:
    """Apply the house theme with the CJK font; returns the font family name."""
    name = cjk_font_name()
    sns.set_theme(
        style="whitegrid",
        context="notebook",
        font=name,
        rc={
            "font.sans-serif": [name, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "figure.dpi": 100,
        },
    )
    return name


def to_png(fig: Figure) -> bytes:
    """Render ``fig`` to PNG bytes and close it.

    Raises:
        UserWarning as an error when a glyph is missing from the font (never ship tofu).
    """
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph .* missing from")
        fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


MONTHS = {
    "zh": [f"{m}月" for m in range(1, 13)],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}


def bar_by_month(
    frame: pd.DataFrame, *, title: str, ylabel: str, xlabel: str, lang: str = "zh"
) -> Figure:
    """Bars of ``value`` by ``month`` (columns ``month`` 1–12 as int, ``value`` float); month
    names in ``lang`` (zh ``1月``, en ``Jan``)."""
    setup()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    months = (
        pd.DataFrame({"month": range(1, 13)})
        .merge(frame, on="month", how="left")
        .fillna({"value": 0})
    )
    sns.barplot(data=months, x="month", y="value", color=sns.color_palette(PALETTE)[3], ax=ax)
    ax.set_xticks(range(12), MONTHS[lang])
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    for container in ax.containers:
        ax.bar_label(container, fmt="%.0f", fontsize=8, padding=2)
    return fig


def bar_by_category(frame: pd.DataFrame, *, title: str, xlabel: str, ylabel: str) -> Figure:
    """Horizontal bars of ``value`` by ``label`` (columns ``label`` str, ``value`` float)."""
    setup()
    fig, ax = plt.subplots(figsize=(8, 0.6 * max(len(frame), 2) + 1.2))
    data = frame.sort_values("value", ascending=False)
    sns.barplot(data=data, y="label", x="value", hue="label", palette=PALETTE, legend=False, ax=ax)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    for container in ax.containers:
        ax.bar_label(container, fmt="%.0f", fontsize=9, padding=3)
    return fig


def target_bars(frame: pd.DataFrame, *, title: str, xlabel: str, ylabel: str) -> Figure:
    """Horizontal bars of ``share`` (value ÷ target, %) by ``label`` in file order, with a dashed
    line at 100 %, traffic-light colours (green ≥ 100 %, amber ≥ 80 %, red below) and each bar
    labelled with its ``text`` (e.g. the value with its unit); columns ``label`` str, ``share``
    float (NaN: no bar), ``text`` str. Used for the five-society linkage against targets and a
    project's outputs against its own targets."""
    setup()
    fig, ax = plt.subplots(figsize=(8, 0.55 * max(len(frame), 2) + 1.3))
    y = list(range(len(frame)))
    colours = [
        "#1e8449" if s >= 100 else ("#b9770e" if s >= 80 else "#c0392b")
        for s in frame["share"].fillna(0)
    ]
    ax.barh(y, frame["share"].fillna(0), color=colours)
    ax.axvline(100, color="#333333", linestyle="--", linewidth=1)
    for yi, share, text in zip(y, frame["share"], frame["text"], strict=True):
        ax.text((0 if pd.isna(share) else share) + 2, yi, text, va="center", fontsize=9)
    ax.set_yticks(y, frame["label"])
    ax.invert_yaxis()
    ax.set_xlim(0, max(130, float(frame["share"].max(skipna=True) or 0) * 1.35))
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return fig


def stacked_bars(
    frame: pd.DataFrame, *, title: str, xlabel: str, ylabel: str, legend: str
) -> Figure:
    """Horizontal bars stacked by column: one bar per index label, one segment per column
    (e.g. trainee person-times by trainee role × 传帮带教 stage)."""
    setup()
    fig, ax = plt.subplots(figsize=(8, 0.55 * max(len(frame), 2) + 1.5))
    frame.plot.barh(
        stacked=True, ax=ax, color=sns.color_palette(PALETTE, len(frame.columns)), width=0.7
    )
    ax.invert_yaxis()
    ax.legend(title=legend, loc="lower right", fontsize=9)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return fig


def scatter_labelled(
    frame: pd.DataFrame, *, x: str, y: str, label: str, title: str, xlabel: str, ylabel: str
) -> Figure:
    """Points ``x`` against ``y``, each annotated with ``label`` (e.g. a station and its n)."""
    setup()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    sns.scatterplot(data=frame, x=x, y=y, color=sns.color_palette(PALETTE)[4], s=60, ax=ax)
    for row in frame.itertuples():
        if str(getattr(row, label)):
            ax.annotate(
                str(getattr(row, label)),
                (getattr(row, x), getattr(row, y)),
                fontsize=8,
                xytext=(4, 3),
                textcoords="offset points",
            )
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return fig


def bar_by_period(frame: pd.DataFrame, *, title: str, ylabel: str, xlabel: str) -> Figure:
    """Bars of ``value`` by ``period`` in order (``period`` ``YYYY-MM`` strings, ``value`` float),
    labelled ``M月`` with the year under January and under the first bar."""
    setup()
    fig, ax = plt.subplots(figsize=(max(6.0, 0.55 * len(frame) + 1.5), 3.6))
    ax.bar(range(len(frame)), frame["value"], color=sns.color_palette(PALETTE)[3])
    labels = [
        f"{int(p[5:])}月" + (f"\n{p[:4]}" if i == 0 or p.endswith("-01") else "")
        for i, p in enumerate(frame["period"])
    ]
    ax.set_xticks(range(len(frame)), labels)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    for container in ax.containers:
        ax.bar_label(container, fmt="%.0f", fontsize=8, padding=2)
    return fig
