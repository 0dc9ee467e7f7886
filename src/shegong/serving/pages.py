"""The pages the front server renders itself, without a kernel (issue 14): the index and the
replayed reports, and the short pages around them (busy, refused, errors).

Templates live in ``serving/templates`` and are autoescaped: a value from a URL, a data file or a
person is text, never markup. The index is a plain HTML form (search, grade and county filters by
GET), so a page view costs a file read and no kernel; a report whose batch notebook is fresh
(:func:`shegong.reports.archive.archived_report`) is its executed notebook's outputs in order
(HTML and Markdown as the report wrote them, PNG charts inline, plain text escaped) — the same
outputs the Voila viewer replayed, cached per notebook file version.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
import mistune
from markupsafe import Markup

from shegong.config import Workspace
from shegong.indicators.projects import projects_file
from shegong.indicators.results import GRADE_LABELS
from shegong.orgunits import OrgUnits
from shegong.people import Person, covers, may
from shegong.reports.archive import WIDGET_MIME
from shegong.serving import portal
from shegong.training.curriculum import curricula_root, load_curricula
from shegong.training.model import text
from shegong.widgets.apps import APPS

TEMPLATES = Path(__file__).parent / "templates"
ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
_MARKDOWN = mistune.create_markdown(plugins=["table"])

TEXT = {
    "zh": {
        **portal.TEXT["zh"],
        "sign_in": "登录",
        "sign_out": "退出登录",
        "register": "注册（学员）",
        "manage": "账号管理",
        "login": "账号",
        "password": "密码",
        "password_new": "密码（至少 8 个字符）",
        "display_name": "姓名（培训师看到的名字）",
        "station": "所在社工站",
        "occupation": "身份",
        "invitation": "邀请码",
        "filter": "筛选",
        "idle_note": "为保护公用电脑上的数据，30 分钟无操作会自动退出登录。",
        "register_intro": "请填写培训师给你的邀请码。",
        "register_intro_approval": "有邀请码请填写；没有邀请码时，注册后需等培训师审核。",
        "busy": "服务器繁忙",
        "busy_text": "正在运行的应用已达上限，请 {n} 秒后重试（本页会自动刷新）。",
        "refused": "无权访问",
        "not_found": "未找到",
    },
    "en": {
        **portal.TEXT["en"],
        "sign_in": "Sign in",
        "sign_out": "Sign out",
        "register": "Register (trainees)",
        "manage": "Accounts",
        "login": "Login",
        "password": "Password",
        "password_new": "Password (8 characters or more)",
        "display_name": "Name (shown to trainers)",
        "station": "Station",
        "occupation": "Occupation",
        "invitation": "Invitation code",
        "filter": "Filter",
        "idle_note": "To protect shared office computers you are signed out after 30 idle minutes.",
        "register_intro": "Enter the invitation code your trainer gave you.",
        "register_intro_approval": "Enter an invitation code if you have one; without it a "
        "trainer approves your registration first.",
        "busy": "Server busy",
        "busy_text": "All app slots are in use: retry in {n} s (this page reloads by itself).",
        "refused": "Not allowed",
        "not_found": "Not found",
    },
}


def render(template: str, lang: str, **context: Any) -> str:
    """Render ``templates/<template>`` with the language's texts as ``t``; ``xsrf_form_html`` and
    ``person`` must be in ``context`` for pages with forms."""
    context.setdefault("person", None)
    context.setdefault("admin_link", False)
    context.setdefault("xsrf_form_html", lambda: "")
    return ENV.get_template(template).render(lang=lang, t=TEXT[lang], **context)


@dataclass(frozen=True)
class UnitRow:
    """One unit of the index: ``code``, ``name``, failed-batch reason, grade label."""

    code: str
    name: str
    failed: str
    grade: str


def unit_groups(
    ws: Workspace,
    year: int,
    lang: str,
    *,
    person: Person | None,
    search: str = "",
    grade: str | None = None,
    county: str | None = None,
    levels: tuple[int, ...] = (2, 3, 4),
) -> list[tuple[str, list[UnitRow]]]:
    """The index's units as (level label, rows) per level — the units of
    :func:`shegong.serving.portal.unit_index` with the same filters, limited to the ``person``'s
    scope (everything for an unscoped person or public reports, ``person`` ``None``)."""

    units = org_units(ws)
    frame = units.frame[units.frame["level"].isin(levels)].sort_values(["level", "code"])
    if search.strip():
        needle = search.strip()
        hit = frame["name"].str.contains(needle, regex=False) | frame["code"].str.contains(
            needle, regex=False
        )
        hit |= frame["aliases"].map(lambda a: any(needle in x for x in a))
        frame = frame[hit]
    grades = portal.unit_grades(ws, year)
    if grade:
        frame = frame[frame["code"].map(grades.get) == grade]
    if county:
        frame = frame[frame["code"].map(portal.unit_counties(units).get) == county]
    if person is not None and person.scope:
        closure = units.ancestry().groupby("code")["ancestor"].apply(tuple).to_dict()
        frame = frame[
            frame["code"].map(lambda c: covers(person.scope, c, lambda x: closure.get(x, (x,))))
        ]
    failed = portal.failed_units(ws, year)
    out = []
    for level, group in frame.groupby("level", sort=True):
        rows = [
            UnitRow(
                r.code,
                r.name,
                failed.get(r.code, ""),
                GRADE_LABELS[lang].get(grades[r.code], grades[r.code]) if r.code in grades else "",
            )
            for r in group.itertuples()
        ]
        out.append((units.level_label(int(level), lang), rows))
    return out


def project_groups(ws: Workspace, year: int, lang: str) -> list[tuple[str, list[dict[str, str]]]]:
    """The year's rounds, funders, programmes and projects as (scope label, rows with ``name``,
    ``code`` and ``href``) — the links of :func:`shegong.serving.portal.project_index`."""

    if not projects_file(ws).exists():
        return []
    import pandas as pd  # heavy: only when projects were computed

    table = pd.read_parquet(
        projects_file(ws), columns=["scope", "scope_id", "name", "year"]
    ).drop_duplicates()
    table = table[table["year"] == int(year)]
    out = []
    for scope in ("round", "funder", "programme", "project"):
        rows = table[table["scope"] == scope].sort_values("scope_id")
        if rows.empty:
            continue
        links = []
        for r in rows.itertuples():
            query = {"project": r.scope_id, "year": year, "lang": lang}
            if scope != "project":
                query["scope"] = scope
            links.append(
                {
                    "name": r.name,
                    "code": r.scope_id if scope == "project" else "",
                    "href": "/?" + urlencode(query),
                }
            )
        out.append((TEXT[lang]["scopes"][scope], links))
    return out


def index_page(
    ws: Workspace,
    lang: str,
    query: dict[str, str],
    *,
    person: Person | None,
    public: bool,
    xsrf_form_html: Any,
) -> str:
    """The index (DESIGN.md §2.4) for ``person`` (``None``: anonymous, public reports only)."""
    years = portal.available_years(ws)
    year = _year(query.get("year"), years)
    show_reports = public or may(person, "read_unit")
    grades, counties = portal.index_filters(ws, year, lang) if show_reports else ([], [])
    modules, apps = [], []
    if person is not None:
        modules = list(module_links(lang))
        apps = [
            (name, zh if lang == "zh" else en)
            for name, (zh, en) in APPS.items()
            if name not in STAFF_APPS or person.is_staff
        ]
    return render(
        "index.html",
        lang,
        person=person,
        admin_link=may(person, "invite"),
        xsrf_form_html=xsrf_form_html,
        other_lang="en" if lang == "zh" else "zh",
        year=year,
        years=years,
        show_reports=show_reports,
        search=query.get("search", ""),
        grade=query.get("grade", ""),
        county=query.get("county", ""),
        grades=grades,
        counties=counties,
        groups=unit_groups(
            ws,
            year,
            lang,
            person=None if public and person is None else person,
            search=query.get("search", ""),
            grade=query.get("grade") or None,
            county=query.get("county") or None,
        )
        if show_reports
        else [],
        projects=project_groups(ws, year, lang) if show_reports else [],
        modules=modules,
        apps=apps,
    )


@lru_cache(maxsize=4)
def _org_units(path: str, mtime: float) -> OrgUnits:
    return OrgUnits.read_csv(path)


def org_units(ws: Workspace) -> OrgUnits:
    """The workspace's org units, read once per version of ``inputs/org_units.csv``."""
    return _org_units(str(ws.org_units_file), ws.org_units_file.stat().st_mtime)


def _curricula_stamp() -> float:
    root = curricula_root()
    return max((p.stat().st_mtime for p in root.rglob("*.yaml")), default=0.0)


@lru_cache(maxsize=8)
def _module_links(lang: str, stamp: float) -> tuple[tuple[str, str], ...]:
    return tuple(
        (key, f"{m.order}. {text(m.title, lang)}（{m.stage}）")
        for key, m in load_curricula().items()
    )


def module_links(lang: str) -> tuple[tuple[str, str], ...]:
    """(module id, label) of every training module, read once per version of the curricula (the
    YAML takes ≈ 0.3 s to load: not per page view)."""
    return _module_links(lang, _curricula_stamp())


#: apps that need the trainer or admin role (checked before a kernel starts, and again inside)
STAFF_APPS = ("cohort", "grading")


def _year(value: str | None, years: list[int]) -> int:
    try:
        return int(value) if value else (years[-1] if years else 2021)
    except ValueError:
        return years[-1] if years else 2021


def year_of(value: str | None, ws: Workspace) -> int:
    """The year asked for (``year=``), else the newest year with indicators."""
    return _year(value, [] if value else portal.available_years(ws))


@lru_cache(maxsize=64)
def _outputs(path: str, mtime: float) -> tuple[Markup, ...]:
    cells = json.loads(Path(path).read_text(encoding="utf-8")).get("cells", [])
    parts: list[Markup] = []
    for cell in cells:
        for output in cell.get("outputs", ()) if cell.get("cell_type") == "code" else ():
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            data = {
                k: "".join(v) if isinstance(v, list) else v
                for k, v in output.get("data", {}).items()
                if k != WIDGET_MIME
            }
            if "text/html" in data:
                parts.append(Markup(data["text/html"]))  # the report's own HTML (DESIGN.md §2.4)
            elif "image/png" in data:
                png = base64.b64decode(data["image/png"])  # only base64 reaches the page
                parts.append(
                    Markup('<img alt="" src="data:image/png;base64,{}">').format(
                        base64.b64encode(png).decode()
                    )
                )
            elif "text/markdown" in data:
                parts.append(Markup(_MARKDOWN(data["text/markdown"])))
            elif "text/plain" in data and WIDGET_MIME not in output.get("data", {}):
                parts.append(Markup("<pre>{}</pre>").format(data["text/plain"]))
    return tuple(parts)


def report_parts(notebook: Path) -> tuple[Markup, ...]:
    """The rich outputs of an executed report notebook as HTML fragments, in order (cached per
    file version); widget views and streams are left out."""
    return _outputs(str(notebook), notebook.stat().st_mtime)


def report_page(
    name: str, notebook: Path, lang: str, year: int, *, person: Person | None, xsrf_form_html: Any
) -> str:
    """A replayed report page (no kernel)."""
    return render(
        "report.html",
        lang,
        name=name,
        year=year,
        parts=report_parts(notebook),
        person=person,
        admin_link=may(person, "invite"),
        xsrf_form_html=xsrf_form_html,
    )


def message_page(
    lang: str,
    heading: str,
    text: str,
    *,
    error: bool = True,
    refresh: int | None = None,
    person: Person | None = None,
    xsrf_form_html: Any = None,
) -> str:
    """A short page: ``heading`` and one paragraph of ``text`` (escaped)."""
    return render(
        "message.html",
        lang,
        heading=heading,
        text=text,
        error=error,
        refresh=refresh,
        person=person,
        xsrf_form_html=xsrf_form_html or (lambda: ""),
    )
