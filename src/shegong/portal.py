"""The served portal: one Voila notebook (``notebooks/apps/index.ipynb``) that routes by URL.

==========================  =====================================================================
``/``                        index: org units by level (with search), training modules, trainer apps
``/?unit=CODE&year=Y``       the pilot-year report of one org unit, from precomputed Parquet
``/?project=ID&year=Y``      the report of a project (``&scope=programme|funder|round`` for a
                             programme or a portfolio; ID is then its name), issue 8
``/?module=ID``              the trainee's module player (传帮带教 training)
``/?app=NAME``               a trainer app (cohort progress, grading queue, mentoring log)
==========================  =====================================================================

Serving one notebook keeps one kernel pool whatever the number of reports (DESIGN.md §2.4).
The query string is read with Voila's ``get_query_string()``, which also works in a preheated
kernel.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from .config import Workspace, language
from .errors import ShegongError
from .orgunits import OrgUnits

TEXT = {
    "zh": {"title": "社工站培训与评估工作台", "reports": "试点年度评估报告 · {year}",
           "intro": "点击单元名称打开其评估报告；在搜索框输入名称或代码筛选。", "search": "搜索单元",
           "training": "培训模块（传、帮、带、教）", "apps": "应用（培训师与学员）", "back": "← 返回首页",
           "failed": "（报告生成失败：{reason}）", "none": "（无匹配单元）", "years": "年度：",
           "projects": "项目与服务计划评估 · {year}",
           "scopes": {"round": "公益创投批次（项目组合）", "funder": "资助方（项目组合）", "programme": "服务计划", "project": "项目"}},
    "en": {"title": "Shegong Workbench", "reports": "Pilot-year evaluation reports · {year}",
           "intro": "Click a unit to open its report; type a name or code to filter.", "search": "Search units",
           "training": "Training modules (pass on, help, lead, teach)", "apps": "Apps (trainers and trainees)", "back": "← Home",
           "failed": "(report failed: {reason})", "none": "(no matching unit)", "years": "Year:",
           "projects": "Projects and programmes · {year}",
           "scopes": {"round": "Venture-philanthropy rounds (portfolios)", "funder": "Funders (portfolios)",
                      "programme": "Programmes", "project": "Projects"}},
}


def query_parameters() -> dict[str, str]:
    """The page's query parameters (first value of each); empty outside Voila."""
    try:
        from voila.utils import get_query_string

        query = get_query_string() or ""
    except ImportError:
        query = os.environ.get("QUERY_STRING", "")
    return {k: v[0] for k, v in parse_qs(query).items()}


def link(text: str, **params: object) -> str:
    """A Markdown link to this same page with ``params`` as the query string."""
    return f"[{text}](?{urlencode({k: v for k, v in params.items() if v is not None})})"


def available_years(ws: Workspace) -> list[int]:
    """Pilot years with computed indicators (from the yearly periods of indicators.parquet)."""
    if not ws.indicators_file.exists():
        return []
    import pyarrow.parquet as pq

    periods = pq.read_table(ws.indicators_file, columns=["period"]).column("period").unique().to_pylist()
    return sorted({int(p) for p in periods if p and p.isdigit()})


def _failed_units(ws: Workspace, year: int) -> dict[str, str]:
    import json

    manifest = ws.reports_dir(year) / "manifest.json"
    if not manifest.exists():
        return {}
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return {u["org_unit"]: (u.get("error") or {}).get("ename", "error") for u in data["units"] if u["status"] == "failed"}


def unit_index(ws: Workspace, year: int, lang: str, *, search: str = "", levels: tuple[int, ...] = (2, 3, 4)) -> str:
    """Markdown: org units of ``levels`` grouped by level, each linking to its report.

    ``search`` keeps units whose name, alias or code contains it. Units whose report failed in
    the last batch are marked with the reason (DESIGN.md §2.3).
    """
    t = TEXT[lang]
    units = OrgUnits.read_csv(ws.org_units_file)
    frame = units.frame[units.frame["level"].isin(levels)].sort_values(["level", "code"])
    if search:
        needle = search.strip()
        hit = frame["name"].str.contains(needle, regex=False) | frame["code"].str.contains(needle, regex=False)
        hit |= frame["aliases"].map(lambda a: any(needle in x for x in a))
        frame = frame[hit]
    failed = _failed_units(ws, year)
    lines = []
    for level, group in frame.groupby("level", sort=True):
        lines += [f"### {units.level_label(int(level), lang)}", ""]
        for row in group.itertuples():
            mark = " " + t["failed"].format(reason=failed[row.code]) if row.code in failed else ""
            lines.append(f"- {link(row.name, unit=row.code, year=year, lang=lang)} `{row.code}`{mark}")
        lines.append("")
    return "\n".join(lines) if lines else t["none"]


def project_index(ws: Workspace, year: int, lang: str) -> str:
    """Markdown: the year's venture-philanthropy rounds, funders, programmes and projects, each
    linking to its report (empty when no project indicators were computed)."""
    from .projects import projects_file

    if not projects_file(ws).exists():
        return ""
    import pandas as pd

    t = TEXT[lang]
    table = pd.read_parquet(projects_file(ws), columns=["scope", "scope_id", "name", "year"]).drop_duplicates()
    table = table[table["year"] == int(year)]
    lines = []
    for scope in ("round", "funder", "programme", "project"):
        rows = table[table["scope"] == scope].sort_values("scope_id")
        if rows.empty:
            continue
        lines += [f"### {t['scopes'][scope]}", ""]
        for r in rows.itertuples():
            label = f"{r.name} `{r.scope_id}`" if scope == "project" else r.name
            lines.append(f"- {link(r.name, project=r.scope_id, scope=None if scope == 'project' else scope, year=year, lang=lang)}"
                         f"{label[len(r.name):]}")
        lines.append("")
    return "\n".join(lines)


def training_index(lang: str) -> str:
    """Markdown list of training modules linking to the module player (empty if none)."""
    try:
        from .curriculum import load_curricula, text
    except ImportError:
        return ""
    modules = load_curricula()
    return "\n".join(f"- {link(f'{m.order}. ' + text(m.title, lang) + f'（{m.stage}）', module=key, lang=lang)}"
                     for key, m in modules.items())


def apps_index(lang: str) -> str:
    """Markdown list of the trainer apps registered in ``shegong.widgets.apps`` (empty if none)."""
    try:
        from .widgets.apps import APPS
    except ImportError:
        return ""
    return "\n".join(f"- {link(zh if lang == 'zh' else en, app=name, lang=lang)}" for name, (zh, en) in APPS.items())


def show(workspace: str | Path | None = None, *, year: int | None = None, lang: str = "zh") -> None:
    """Route the current request (see the module docstring) and display the page.

    A :class:`~shegong.errors.ShegongError` is shown as its one-line message (tracebacks are
    hidden by Voila); anything else propagates.
    """
    from IPython.display import Markdown, display

    try:
        _route(workspace, year=year, lang=lang)
    except ShegongError as e:
        display(Markdown(f"**出错了 Error:** {e.message()}"))


def _route(workspace: str | Path | None, *, year: int | None, lang: str) -> None:
    import ipywidgets as w
    from IPython.display import Markdown, display

    from . import charts, reporting  # noqa: F401 — imported before waiting, so a preheated kernel is warm

    charts.setup()
    query = query_parameters()  # a preheated kernel waits here for its request
    lang = language(query.get("lang", lang))
    ws = Workspace.at(workspace or os.environ.get("SHEGONG_WORKSPACE", "workspace"), create=False)
    years = available_years(ws)
    year = int(query.get("year") or year or (years[-1] if years else 2021))  # default: the latest year
    t = TEXT[lang]
    if "unit" in query:
        from .reporting import UnitReport

        from .report_sections import show_sections

        display(Markdown(link(t["back"], lang=lang)))
        report = UnitReport.load(ws, query["unit"], year, lang)
        report.show(defer=True)  # the slow sections follow the page (shegong.report_display.in_background)
        show_sections(report, ws)
        return
    if "project" in query:
        from .project_report import show_report

        display(Markdown(link(t["back"], lang=lang, year=year)))
        show_report(ws, query.get("scope", "project"), query["project"], year, lang)
        return
    if "module" in query:
        from .widgets import module_player_app

        display(Markdown(link(t["back"], lang=lang)))
        display(module_player_app(query["module"], lang))
        return
    if "app" in query:
        from .widgets.apps import show_app

        display(Markdown(link(t["back"], lang=lang)))
        show_app(query["app"], lang)
        return
    other = "en" if lang == "zh" else "zh"
    switch = " · ".join(f"**{y}**" if y == year else link(str(y), year=y, lang=lang) for y in years)
    display(Markdown(f"# {t['title']}\n\n{link('English' if other == 'en' else '中文', lang=other, year=year)}"
                     f"{' · ' + t['years'] + ' ' + switch if len(years) > 1 else ''}\n\n"
                     f"## {t['reports'].format(year=year)}\n\n{t['intro']}"))
    box = w.Text(placeholder=t["search"], description=t["search"], layout=w.Layout(width="360px"))
    out = w.Output()

    def refresh(*_: object) -> None:
        out.clear_output(wait=True)
        with out:
            display(Markdown(unit_index(ws, year, lang, search=box.value)))

    box.observe(refresh, names="value")
    refresh()
    display(w.VBox([box, out]))
    projects = project_index(ws, year, lang)
    if projects:
        display(Markdown(f"## {t['projects'].format(year=year)}\n\n{projects}"))
    for title, body in ((t["training"], training_index(lang)), (t["apps"], apps_index(lang))):
        if body:
            display(Markdown(f"## {title}\n\n{body}"))

