"""The pilot-year evaluation report of one org unit, laid out as a report a bureau files (issue 17).

Cover (title, unit, 区划代码, level, pilot year, evaluating body, date, state); 一、基本情况;
二、评估依据与方法 (basis, the data sources actually used with their counts, the methods);
三、评估结果 (score, grade, rank among peers of the same level, unit type and parent, change on
last year, dimensions, key measures, services, five-society linkage, training, units below);
四、主要成效与亮点; 五、存在问题; 六、整改建议 (one per problem, from the report rules);
七、评估结论 with the evaluators' opinion; the list of annexes; the sign-off (evaluating body,
evaluator, reviewer, date); annexes 1 measures in full (the only place with measure ids),
2 data quality, 3 definitions and sources in words.

:func:`build` makes the :class:`Context` (every figure and judgement, read from precomputed
results only); :func:`blocks` lays it out as report blocks (:mod:`shegong.reports.blocks`);
:func:`show_report` displays them — the papermill template and the served viewer call it.
"""

from __future__ import annotations

import json
from pathlib import Path

from shegong import atomic
from shegong.config import Workspace
from shegong.reports.blocks import (
    Block,
    Cover,
    Figure,
    Heading,
    Items,
    Paragraph,
    SignOff,
    Table,
)
from shegong.reports.chapters import basic, basis, children, cover, results, services
from shegong.reports.conclusions import annexes, judgement
from shegong.reports.context import Context, build
from shegong.reports.format import tidy
from shegong.reports.html import show, to_notebook

PARTS = (cover, basic, basis, results, services, children, judgement, annexes)
FIRST_PAINT = 4


def blocks(ctx: Context) -> list[Block]:
    """The whole report as blocks, in order."""
    return typeset([b for part in PARTS for b in part(ctx)], ctx.lang)


def typeset(found: list[Block], lang: str) -> list[Block]:
    """Every text of ``found`` as Chinese is typeset (:func:`shegong.reports.format.tidy`), in place."""
    if lang != "zh":
        return found
    for b in found:
        if isinstance(b, Paragraph | Heading):
            b.text = tidy(b.text, lang)
        if isinstance(b, Paragraph):
            b.lead = tidy(b.lead, lang)
        elif isinstance(b, Items):
            for item in b.items:
                for key in ("text", "lead"):
                    if key in item:
                        item[key] = tidy(item[key], lang)
                item["fields"] = [[a, tidy(v, lang)] for a, v in item.get("fields", [])]
        elif isinstance(b, Table):
            b.caption, b.note = tidy(b.caption, lang), tidy(b.note, lang)
            b.rows = [[tidy(c, lang) for c in row] for row in b.rows]
        elif isinstance(b, Cover):
            b.lines = [[a, tidy(v, lang)] for a, v in b.lines]
            b.revision = [tidy(r, lang) for r in b.revision]
            b.state_label = tidy(b.state_label, lang)
        elif isinstance(b, SignOff | Figure):
            if isinstance(b, Figure):
                b.caption = tidy(b.caption, lang)
            else:
                b.lines = [[a, tidy(v, lang)] for a, v in b.lines]
    return found


def live_path(ws: Workspace, org_unit: str, year: int, lang: str) -> Path:
    """Where the served viewer keeps a report it computed live (``reports/<year>/live/``)."""
    stem = org_unit if lang == "zh" else f"{org_unit}.{lang}"
    return ws.reports_dir(year) / "live" / f"{stem}.ipynb"


def show_report(
    workspace: str | Path | Workspace,
    org_unit: str,
    year: int,
    lang: str = "zh",
    *,
    report_date: str = "",
    defer: bool = False,
    keep: bool = False,
) -> Context:
    """Display the report of ``org_unit`` for ``year`` in the current notebook.

    ``defer=True`` (the served viewer) displays the cover and sections 一–三's tables at once and
    draws the rest — most of the charts — in a background thread into an ``ipywidgets.Output``
    below them. ``keep=True`` then also writes the whole report as a notebook to
    :func:`live_path`, which the viewer replays next time while it is fresh
    (:func:`shegong.reports.archive.archived_report`), so that a page computed live once is as
    quick as a batch report on its next view.
    """
    ctx = build(workspace, org_unit, year, lang, report_date=report_date or None)
    first = typeset([b for part in PARTS[:FIRST_PAINT] for b in part(ctx)], ctx.lang)
    if not defer:
        rest = typeset([b for part in PARTS[FIRST_PAINT:] for b in part(ctx)], ctx.lang)
        show(first + rest, lang=ctx.lang)
        return ctx
    import threading

    import ipywidgets as w
    from IPython.display import display

    show(first, lang=ctx.lang)
    out = w.Output()
    display(out)

    def emit(data: dict, metadata: dict) -> None:
        out.outputs += ({"output_type": "display_data", "data": data, "metadata": metadata},)

    def work() -> None:
        from shegong.errors import ShegongError

        try:
            rest = typeset([b for part in PARTS[FIRST_PAINT:] for b in part(ctx)], ctx.lang)
        except ShegongError as e:
            emit({"text/markdown": f"**出错了 Error:** {e.message()}"}, {})
            return
        except Exception as e:  # noqa: BLE001 — a thread's error would otherwise vanish
            emit({"text/markdown": f"**出错了 Error:** {type(e).__name__}"}, {})
            return
        show(rest, emit, ctx.lang)
        if keep:
            ws = ctx.report.workspace
            params = {"org_unit": ctx.report.org_unit, "year": int(year), "lang": ctx.lang}
            path = live_path(ws, ctx.report.org_unit, int(year), ctx.lang)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_text(
                path, json.dumps(to_notebook(first + rest, params, ctx.lang), ensure_ascii=False)
            )

    threading.Thread(target=work, name="shegong-report-sections", daemon=True).start()
    return ctx
