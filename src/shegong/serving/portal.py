"""The served portal: one Voila notebook (``notebooks/apps/index.ipynb``) that routes by URL.

==========================  =====================================================================
``/``                        index: org units by level (search, grade and county filters), training
                             modules, trainer apps
``/?unit=CODE&year=Y``       the pilot-year report of one org unit: the batch's executed notebook
                             replayed when fresh (:mod:`shegong.reports.archive`), else computed
                             live from precomputed Parquet
``/?project=ID&year=Y``      the report of a project (``&scope=programme|funder|round`` for a
                             programme or a portfolio; ID is then its name), issue 8
``/?module=ID``              the trainee's module player (传帮带教 training)
``/?app=NAME``               a trainer app (cohort progress, grading queue, mentoring log)
==========================  =====================================================================

Serving one notebook keeps one kernel pool whatever the number of reports (DESIGN.md §2.4).
The query string is read as Voila's ``get_query_string()`` reads it (:func:`wait_for_request`),
which also works in a preheated kernel. Before that wait a preheated kernel has imported only
what ipykernel needs (pandas, matplotlib and seaborn would add ≈ 150 MiB to every pool kernel):
a replayed report needs nothing more; the index, the apps and live reports import the rest
(ipywidgets, pandas …) after the request.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from shegong.config import Workspace, language
from shegong.errors import ShegongError

TEXT = {
    "zh": {
        "title": "社工站培训与评估工作台",
        "reports": "试点年度评估报告 · {year}",
        "intro": "点击单元名称打开其评估报告；在搜索框输入名称或代码筛选。",
        "search": "搜索单元",
        "training": "培训模块（传、帮、带、教）",
        "apps": "应用（培训师与学员）",
        "back": "← 返回首页",
        "failed": "（报告生成失败：{reason}）",
        "none": "（无匹配单元）",
        "years": "年度：",
        "grade": "等级",
        "county": "旗县",
        "all": "全部",
        "live": "*最近一次批量生成该报告失败（{reason}），以下为实时计算结果。*",
        "projects": "项目与服务计划评估 · {year}",
        "scopes": {
            "round": "公益创投批次（项目组合）",
            "funder": "资助方（项目组合）",
            "programme": "服务计划",
            "project": "项目",
        },
    },
    "en": {
        "title": "Shegong Workbench",
        "reports": "Pilot-year evaluation reports · {year}",
        "intro": "Click a unit to open its report; type a name or code to filter.",
        "search": "Search units",
        "training": "Training modules (pass on, help, lead, teach)",
        "apps": "Apps (trainers and trainees)",
        "back": "← Home",
        "failed": "(report failed: {reason})",
        "none": "(no matching unit)",
        "years": "Year:",
        "grade": "Grade",
        "county": "County",
        "all": "All",
        "live": "*The last batch run of this report failed ({reason}); computed live below.*",
        "projects": "Projects and programmes · {year}",
        "scopes": {
            "round": "Venture-philanthropy rounds (portfolios)",
            "funder": "Funders (portfolios)",
            "programme": "Programmes",
            "project": "Projects",
        },
    },
}


def wait_for_request() -> None:
    """In a preheated Voila kernel, wait for the page request and put its details (``QUERY_STRING``
    …) into ``os.environ``; elsewhere return at once.

    The same exchange as Voila 0.5's ``voila.utils.wait_for_request`` — one JSON message read
    from the websocket ``/voila/query/<kernel id>`` of the server named by the ``VOILA_*``
    environment variables Voila gives its pool kernels — without importing ``voila.utils``, which
    pulls jupyter_server and nbconvert (≈ 50 MiB) into every pool kernel. Falls back to Voila's
    own function when the connection fails.
    """
    env = os.environ
    if env.get("VOILA_PREHEAT", "False") == "False":
        return
    import json

    base = env.get("VOILA_WS_BASE_URL", env.get("VOILA_SERVER_URL", "/"))
    url = (
        f"{env.get('VOILA_WS_PROTOCOL', 'ws')}://{env.get('VOILA_APP_IP', '127.0.0.1')}:"
        f"{env.get('VOILA_APP_PORT', '8866')}{base}voila/query/{env.get('VOILA_KERNEL_ID')}"
    )
    from websockets.exceptions import WebSocketException  # a dependency of Voila's own wait
    from websockets.sync.client import connect

    try:
        with connect(url, open_timeout=5, max_size=None) as channel:
            info = channel.recv()
    except (OSError, TimeoutError, WebSocketException):
        from voila.utils import wait_for_request as voila_wait

        voila_wait()
        return
    for key, value in json.loads(info).items():
        env[key] = value


def query_parameters() -> dict[str, str]:
    """The page's query parameters (first value of each), after :func:`wait_for_request`; outside
    Voila those of ``$QUERY_STRING`` (empty when unset)."""
    wait_for_request()
    return {k: v[0] for k, v in parse_qs(os.environ.get("QUERY_STRING", "")).items()}


def link(text: str, **params: object) -> str:
    """A Markdown link to this same page with ``params`` as the query string."""
    return f"[{text}](?{urlencode({k: v for k, v in params.items() if v is not None})})"


def available_years(ws: Workspace) -> list[int]:
    """Pilot years with computed indicators (from the yearly periods of indicators.parquet)."""
    if not ws.indicators_file.exists():
        return []
    import pyarrow.parquet as pq

    periods = (
        pq.read_table(ws.indicators_file, columns=["period"]).column("period").unique().to_pylist()
    )
    return sorted({int(p) for p in periods if p and p.isdigit()})


def _failed_units(ws: Workspace, year: int) -> dict[str, str]:
    import json

    manifest = ws.reports_dir(year) / "manifest.json"
    if not manifest.exists():
        return {}
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return {
        u["org_unit"]: (u.get("error") or {}).get("ename", "error")
        for u in data["units"]
        if u["status"] == "failed"
    }


def unit_grades(ws: Workspace, year: int) -> dict[str, str]:
    """{org-unit code: grade} for ``year`` from ``indicators/evaluation.parquet`` (the ``total``
    rows; grades excellent / good / pass / fail, shegong.indicators.evaluation); empty before evaluation."""
    from shegong.indicators.results import evaluation_path

    path = evaluation_path(ws)
    if not path.exists():
        return {}
    import pandas as pd

    table = pd.read_parquet(path, columns=["org_unit", "year", "dimension", "grade"])
    rows = table[
        (table["year"] == int(year)) & (table["dimension"] == "total") & table["grade"].notna()
    ]
    return dict(zip(rows["org_unit"], rows["grade"], strict=True))


def unit_counties(units) -> dict[str, str]:
    """{code: code of its level-3 ancestor-or-self (旗县)} for the org units of ``units`` (an
    :class:`~shegong.orgunits.OrgUnits`, from its closure table); units above level 3 have none."""
    anc = units.ancestry()
    county = anc[anc["ancestor_level"] == 3]
    return dict(zip(county["code"], county["ancestor"], strict=True))


def unit_index(
    ws: Workspace,
    year: int,
    lang: str,
    *,
    search: str = "",
    grade: str | None = None,
    county: str | None = None,
    levels: tuple[int, ...] = (2, 3, 4),
) -> str:
    """Markdown: org units of ``levels`` grouped by level, each linking to its report.

    ``search`` keeps units whose name, alias or code contains it; ``grade`` (excellent / good /
    pass / fail) those with that grade in ``year``; ``county`` (a level-3 code) that county and
    the units under it. Each unit shows its grade when evaluated; units whose report failed in
    the last batch are marked with the reason (DESIGN.md §2.3).
    """
    from shegong.indicators.results import GRADE_LABELS
    from shegong.orgunits import OrgUnits

    t = TEXT[lang]
    units = OrgUnits.read_csv(ws.org_units_file)
    frame = units.frame[units.frame["level"].isin(levels)].sort_values(["level", "code"])
    if search:
        needle = search.strip()
        hit = frame["name"].str.contains(needle, regex=False) | frame["code"].str.contains(
            needle, regex=False
        )
        hit |= frame["aliases"].map(lambda a: any(needle in x for x in a))
        frame = frame[hit]
    grades = unit_grades(ws, year)
    if grade:
        frame = frame[frame["code"].map(grades.get) == grade]
    if county:
        counties = unit_counties(units)
        frame = frame[frame["code"].map(counties.get) == county]
    failed = _failed_units(ws, year)
    lines = []
    for level, group in frame.groupby("level", sort=True):
        lines += [f"### {units.level_label(int(level), lang)}", ""]
        for row in group.itertuples():
            mark = " " + t["failed"].format(reason=failed[row.code]) if row.code in failed else ""
            shown = (
                f" · {GRADE_LABELS[lang].get(grades[row.code], grades[row.code])}"
                if row.code in grades
                else ""
            )
            lines.append(
                f"- {link(row.name, unit=row.code, year=year, lang=lang)} `{row.code}`{mark}{shown}"
            )
        lines.append("")
    return "\n".join(lines) if lines else t["none"]


def index_filters(
    ws: Workspace, year: int, lang: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Choices of the index's grade and county filters as (label, value) pairs, "all" first
    (value ``""``): the grades present in ``year`` (best first) and every level-3 unit by code."""
    from shegong.indicators.results import GRADE_LABELS
    from shegong.orgunits import OrgUnits

    t = TEXT[lang]
    present = set(unit_grades(ws, year).values())
    grades = [(t["all"], "")] + [
        (label, g) for g, label in GRADE_LABELS[lang].items() if g in present
    ]
    frame = OrgUnits.read_csv(ws.org_units_file).frame
    frame = frame[frame["level"] == 3].sort_values("code")
    counties = [(t["all"], "")] + [(f"{r.name}（{r.code}）", r.code) for r in frame.itertuples()]
    return grades, counties


def project_index(ws: Workspace, year: int, lang: str) -> str:
    """Markdown: the year's venture-philanthropy rounds, funders, programmes and projects, each
    linking to its report (empty when no project indicators were computed)."""
    from shegong.indicators.projects import projects_file

    if not projects_file(ws).exists():
        return ""
    import pandas as pd

    t = TEXT[lang]
    table = pd.read_parquet(
        projects_file(ws), columns=["scope", "scope_id", "name", "year"]
    ).drop_duplicates()
    table = table[table["year"] == int(year)]
    lines = []
    for scope in ("round", "funder", "programme", "project"):
        rows = table[table["scope"] == scope].sort_values("scope_id")
        if rows.empty:
            continue
        lines += [f"### {t['scopes'][scope]}", ""]
        for r in rows.itertuples():
            label = f"{r.name} `{r.scope_id}`" if scope == "project" else r.name
            lines.append(
                f"- {link(r.name, project=r.scope_id, scope=None if scope == 'project' else scope, year=year, lang=lang)}"
                f"{label[len(r.name) :]}"
            )
        lines.append("")
    return "\n".join(lines)


def training_index(lang: str) -> str:
    """Markdown list of training modules linking to the module player (empty if none)."""
    try:
        from shegong.training.curriculum import load_curricula
        from shegong.training.model import text
    except ImportError:
        return ""
    modules = load_curricula()
    return "\n".join(
        f"- {link(f'{m.order}. ' + text(m.title, lang) + f'（{m.stage}）', module=key, lang=lang)}"
        for key, m in modules.items()
    )


def apps_index(lang: str) -> str:
    """Markdown list of the trainer apps registered in ``shegong.widgets.apps`` (empty if none)."""
    try:
        from shegong.widgets.apps import APPS
    except ImportError:
        return ""
    return "\n".join(
        f"- {link(zh if lang == 'zh' else en, app=name, lang=lang)}"
        for name, (zh, en) in APPS.items()
    )


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


def show_unit_report(ws: Workspace, org_unit: str, year: int, lang: str) -> None:
    """Display the pilot-year report of ``org_unit`` under a link back to the index.

    The batch's executed notebook is replayed when :func:`shegong.reports.archive.archived_report`
    finds it fresh for ``lang``; otherwise the report is computed live and kept, so that its next
    view is replayed too (a unit whose last batch run failed gets a one-line note above it saying
    so, with the error's name).

    Raises:
        ShegongError: from the live report (unknown unit, indicators not computed …).
    """
    from IPython.display import Markdown, display

    from shegong.reports.archive import archived_report, replay

    t = TEXT[lang]
    display(Markdown(link(t["back"], lang=lang)))
    archived = archived_report(ws, org_unit, year, lang)
    if archived.status == "fresh" and archived.path is not None:
        replay(archived.path)
        return
    if archived.status == "failed":
        display(Markdown(t["live"].format(reason=archived.reason)))
    from shegong.reports.document import show_report

    # the slow sections follow the page; the whole report is kept for the next view
    show_report(ws, org_unit, year, lang, defer=True, keep=True)


def _route(workspace: str | Path | None, *, year: int | None, lang: str) -> None:
    from IPython.display import Markdown, display

    query = (
        query_parameters()
    )  # a preheated kernel waits here for its request (light: see the module docstring)
    lang = language(query.get("lang", lang))
    ws = Workspace.at(workspace or os.environ.get("SHEGONG_WORKSPACE", "workspace"), create=False)
    years = (
        [] if query.get("year") and "unit" in query else available_years(ws)
    )  # pyarrow: not needed for a report
    year = int(
        query.get("year") or year or (years[-1] if years else 2021)
    )  # default: the latest year
    t = TEXT[lang]
    if "unit" in query:
        show_unit_report(ws, query["unit"], year, lang)
        return
    if "project" in query:
        from shegong.reports.project import show_report

        display(Markdown(link(t["back"], lang=lang, year=year)))
        show_report(ws, query.get("scope", "project"), query["project"], year, lang)
        return
    if "module" in query:
        from shegong.widgets import module_player_app

        display(Markdown(link(t["back"], lang=lang)))
        display(module_player_app(query["module"], lang))
        return
    if "app" in query:
        from shegong.widgets.apps import show_app

        display(Markdown(link(t["back"], lang=lang)))
        show_app(query["app"], lang)
        return
    other = "en" if lang == "zh" else "zh"
    switch = " · ".join(f"**{y}**" if y == year else link(str(y), year=y, lang=lang) for y in years)
    display(
        Markdown(
            f"# {t['title']}\n\n{link('English' if other == 'en' else '中文', lang=other, year=year)}"
            f"{' · ' + t['years'] + ' ' + switch if len(years) > 1 else ''}\n\n"
            f"## {t['reports'].format(year=year)}\n\n{t['intro']}"
        )
    )
    import ipywidgets as w

    grades, counties = index_filters(ws, year, lang)
    box = w.Text(placeholder=t["search"], description=t["search"], layout=w.Layout(width="320px"))
    grade = w.Dropdown(
        options=grades, value="", description=t["grade"], layout=w.Layout(width="200px")
    )
    county = w.Dropdown(
        options=counties, value="", description=t["county"], layout=w.Layout(width="320px")
    )
    out = w.Output()

    def refresh(*_: object) -> None:
        out.clear_output(wait=True)
        with out:
            display(
                Markdown(
                    unit_index(
                        ws,
                        year,
                        lang,
                        search=box.value,
                        grade=grade.value or None,
                        county=county.value or None,
                    )
                )
            )

    for control in (box, grade, county):
        control.observe(refresh, names="value")
    refresh()
    display(w.VBox([w.HBox([box, grade, county]), out]))
    projects = project_index(ws, year, lang)
    if projects:
        display(Markdown(f"## {t['projects'].format(year=year)}\n\n{projects}"))
    for title, body in ((t["training"], training_index(lang)), (t["apps"], apps_index(lang))):
        if body:
            display(Markdown(f"## {title}\n\n{body}"))
