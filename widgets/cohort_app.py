"""The cohort app (trainer): module × trainee heat map, stages and who is stuck where, sessions with
attendance and L1 reactions, the gradebook export and stage certificates.

Trainees appear by their display name (the pseudonym only for one registered without a name);
filters by station, trainee role and track. Each trainee's stage follows the rules of their track; a
trainer confirms or changes the track a trainee chose at registration (issue 19) before certificates
are issued. Needs the trainer or admin role (action ``read_answers``); only trainees within the
person's scope are shown, and certificates are checked again and audited by
:mod:`shegong.trainer.certificates`.
"""

from __future__ import annotations

import html
import math
import os
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from shegong.config import Workspace
from shegong.errors import ShegongError
from shegong.people import Person, check
from shegong.trainer import certificates, cohort, tracks
from shegong.trainer.progression import update_stage
from shegong.trainer.rules import load_rules
from shegong.training.assessment import load_assessments
from shegong.training.curriculum import load_curricula
from shegong.training.model import text
from shegong.training.progress import ROLES, ProgressStore
from shegong.training.roles import in_scope
from shegong.widgets.player import module_label

TEXT = {
    "title": {"zh": "学员进度总览", "en": "Cohort progress"},
    "station": {"zh": "社工站", "en": "Station"},
    "role": {"zh": "学员角色", "en": "Trainee role"},
    "track": {"zh": "培训路径", "en": "Track"},
    "confirm_track": {"zh": "确认或更改培训路径", "en": "Confirm or change track"},
    "track_set": {"zh": "{p} 的培训路径已确认为：{t}", "en": "{p}'s track is now confirmed: {t}"},
    "confirmed": {"zh": "已确认", "en": "confirmed"},
    "unconfirmed": {"zh": "待确认", "en": "to confirm"},
    "all": {"zh": "全部", "en": "all"},
    "heatmap": {"zh": "模块得分热力图（得分率）", "en": "Module scores (share of points)"},
    "stages": {"zh": "阶段与卡点", "en": "Stages and where trainees are stuck"},
    "sessions": {
        "zh": "培训场次、出勤与反应评估（柯氏一级）",
        "en": "Sessions, attendance and L1 reaction",
    },
    "export": {"zh": "导出成绩册 Excel", "en": "Export gradebook (Excel)"},
    "exported": {"zh": "成绩册已导出：{p}", "en": "Gradebook written: {p}"},
    "certificate": {"zh": "生成阶段证书", "en": "Issue stage certificate"},
    "issued": {"zh": "证书 {s} 已生成：{p}", "en": "Certificate {s} written: {p}"},
    "none": {"zh": "没有符合条件的学员。", "en": "No trainees match."},
    "add_session": {"zh": "新增场次", "en": "Add session"},
    "module": {"zh": "模块", "en": "Module"},
    "date": {"zh": "日期", "en": "Date"},
    "hours": {"zh": "学时(h)", "en": "Hours (h)"},
    "format": {"zh": "形式", "en": "Format"},
    "session": {"zh": "场次", "en": "Session"},
    "present": {"zh": "出勤", "en": "Present"},
    "record_attendance": {"zh": "记录出勤", "en": "Record attendance"},
    "columns": {
        "zh": [
            "学员",
            "角色",
            "社工站",
            "培训路径",
            "路径确认",
            "已达阶段",
            "下一阶段",
            "卡在",
            "学习时长(分钟)",
            "完成模块",
            "出勤场次",
        ],
        "en": [
            "trainee",
            "role",
            "station",
            "track",
            "track check",
            "stage",
            "next",
            "stuck on",
            "time (min)",
            "modules done",
            "sessions",
        ],
    },
}


def t(key: str, lang: str, **kw: Any) -> Any:
    """An app label in ``lang``."""
    value = TEXT[key].get(lang, TEXT[key]["zh"])
    return value.format(**kw) if isinstance(value, str) else value


FORMAT_NAMES = {
    "lecture": {"zh": "集中授课", "en": "lecture"},
    "individual_supervision": {"zh": "个别督导", "en": "individual supervision"},
    "group_supervision": {"zh": "团体督导", "en": "group supervision"},
    "shadowing": {"zh": "跟岗", "en": "shadowing"},
    "site_visit": {"zh": "实地观摩", "en": "site visit"},
}


def _colour(share: float) -> str:
    if math.isnan(share):
        return "#f2f2f2"
    # white → green (#2a7a3a) by share
    r, g, b = (int(255 + (c - 255) * share) for c in (0x2A, 0x7A, 0x3A))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap_html(frame: pd.DataFrame, titles: dict[str, str]) -> str:
    """The heat map as an HTML table (class ``shegong-heatmap``): one row per trainee, one cell per
    module with the share in % (``data-share`` holds 0…1, empty when not started)."""
    head = "".join(
        f"<th title='{html.escape(titles.get(c, c))}'>{html.escape(c.split('-')[0])}</th>"
        for c in frame.columns
    )
    rows = []
    for trainee, rec in frame.iterrows():
        cells = "".join(
            f"<td data-module='{html.escape(c)}' "
            f"data-share='{'' if math.isnan(v) else f'{v:.4f}'}' "
            f"style='background:{_colour(v)};text-align:center;min-width:"
            f"3em'>{'' if math.isnan(v) else f'{v:.0%}'}</td>"
            for c, v in rec.items()
        )
        rows.append(f"<tr><th class='trainee'>{html.escape(str(trainee))}</th>{cells}</tr>")
    return (
        f"<table class='shegong-heatmap'><thead><tr><th></th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def session_columns(lang: str) -> list[str]:
    """Headers of :func:`shegong.trainer.cohort.sessions` in ``lang``: the L1 items by their
    question (同意率 = share of ratings 4–5, %)."""
    base = (
        ["场次", "模块", "日期", "学时(h)", "形式", "出勤(人次)", "反馈份数"]
        if lang == "zh"
        else [
            "Session",
            "Module",
            "Date",
            "Hours (h)",
            "Format",
            "Present (person-times)",
            "Responses",
        ]
    )
    items = [
        f"{q[lang]}（同意率 %）" if lang == "zh" else f"{q[lang]} (agree %)"
        for q in cohort.REACTION_ITEMS.values()
    ]
    return [*base, *items, "平均分" if lang == "zh" else "Mean rating"]


def frame_html(frame: pd.DataFrame, css: str, columns: list[str] | None = None) -> str:
    """An escaped HTML table of ``frame`` (class ``css``, headers ``columns`` when given) whose
    every header sits over its column: numbers right-aligned in header and cells alike, text
    left-aligned; missing values as ``—``."""
    shown = frame.copy()
    if columns:
        shown.columns = columns
    numeric = [pd.api.types.is_numeric_dtype(shown[c]) for c in shown.columns]

    def cell(tag: str, value: object, number: bool) -> str:
        align = ("right" if number else "left") + (
            ";vertical-align:bottom;min-width:3.5em;max-width:10em"
            if tag == "th"
            else ";white-space:nowrap"
        )
        value = "—" if value is None or (not isinstance(value, str) and pd.isna(value)) else value
        return (
            f"<{tag} style='text-align:{align};padding:3px 8px'>{html.escape(str(value))}</{tag}>"
        )

    head = "".join(cell("th", c, n) for c, n in zip(shown.columns, numeric, strict=True))
    rows = "".join(
        "<tr>" + "".join(cell("td", v, n) for v, n in zip(r, numeric, strict=True)) + "</tr>"
        for r in shown.itertuples(index=False)
    )
    return (
        f"<table class='{html.escape(css)}' style='border-collapse:collapse'>"
        "<thead><tr style='border-bottom:1px solid "
        f"#888'>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


class CohortApp(w.VBox):
    """Filters (``station``, ``role``, ``track``), the heat map, the stage table, track
    confirmation, sessions, export and certificates.

    Raises :class:`~shegong.errors.AccessError` when the user is not a trainer.
    """

    def __init__(
        self,
        *,
        person: Person | None,
        lang: str = "zh",
        store: ProgressStore | None = None,
        workspace: str | os.PathLike[str] | None = None,
    ) -> None:
        self.lang = lang
        self.actor = check(person, "read_answers")
        self.store = store or ProgressStore.open(workspace=workspace)
        self.trainer = self.store.pseudonym(self.actor.login)
        self.workspace = Path(workspace) if workspace else Workspace.at(None).root
        self.modules = load_curricula()
        self.assessments = load_assessments(self.modules)
        self.rules = load_rules()
        people = self._people()
        stations = sorted({p["station"] for p in people if p["station"]})
        self.station = w.Dropdown(
            options=[(t("all", lang), "")] + [(s, s) for s in stations],
            description=t("station", lang),
        )
        self.role = w.Dropdown(
            options=[(t("all", lang), "")] + [(v[lang], k) for k, v in ROLES.items()],
            description=t("role", lang),
        )
        self.track = w.Dropdown(
            options=[(t("all", lang), "")]
            + [(tr.name(lang), k) for k, tr in self.rules.tracks.items()],
            description=t("track", lang),
        )
        for control in (self.station, self.role, self.track):
            control.observe(lambda _c: self.refresh(), names="value")
        self.track_trainee = w.Dropdown(layout=w.Layout(width="auto"))
        self.track_choice = w.Dropdown(
            options=[(tr.name(lang), k) for k, tr in self.rules.tracks.items()],
            layout=w.Layout(width="auto"),
        )
        self.track_button = w.Button(description=t("confirm_track", lang), icon="check-circle")
        self.track_button.on_click(lambda _b: self._run(self.confirm_track))
        self.heat = w.HTML()
        self.stages = w.HTML()
        self.sessions = w.HTML()
        self.status = w.HTML()
        self.export_button = w.Button(description=t("export", lang), icon="download")
        self.export_button.on_click(lambda _b: self._run(self.export))
        named = {
            "style": {"description_width": "initial"}
        }  # each input labelled, none under a column
        self.new_module = w.Dropdown(
            options=[(module_label(m, lang), k) for k, m in self.modules.items()],
            description=t("module", lang),
            layout=w.Layout(width="auto", max_width="100%"),  # whole module names
            **named,
        )
        self.new_date = w.Text(
            placeholder="2021-04-10",
            description=t("date", lang),
            layout=w.Layout(width="14em"),
            **named,
        )
        self.new_hours = w.BoundedFloatText(
            value=2.0,
            min=0.5,
            max=40,
            step=0.5,
            description=t("hours", lang),
            layout=w.Layout(width="11em"),
            **named,
        )
        self.new_format = w.Dropdown(
            options=[(v[lang], k) for k, v in FORMAT_NAMES.items()],
            description=t("format", lang),
            layout=w.Layout(width="15em"),
            **named,
        )
        self.add_button = w.Button(description=t("add_session", lang), icon="plus")
        self.add_button.on_click(lambda _b: self._run(self.add_session))
        self.attend_session = w.Dropdown(description=t("session", lang))
        self.attend_people = w.SelectMultiple(rows=6, description=t("present", lang))
        self.attend_button = w.Button(description=t("record_attendance", lang), icon="check")
        self.attend_button.on_click(lambda _b: self._run(self.record_attendance))
        self.cert_pick = w.Dropdown()
        self.cert_button = w.Button(description=t("certificate", lang), icon="certificate")
        self.cert_button.on_click(lambda _b: self._run(self.issue_certificate))
        super().__init__(
            [
                w.HTML(f"<h2>{t('title', lang)}</h2>"),
                w.HBox([self.station, self.role, self.track]),
                w.HTML(f"<h3>{t('heatmap', lang)}</h3>"),
                self.heat,
                w.HTML(f"<h3>{t('stages', lang)}</h3>"),
                self.stages,
                w.HBox([self.track_trainee, self.track_choice, self.track_button]),
                w.HBox([self.cert_pick, self.cert_button]),
                w.HTML(f"<h3>{t('sessions', lang)}</h3>"),
                self.sessions,
                w.HBox(
                    [
                        self.new_module,
                        self.new_date,
                        self.new_hours,
                        self.new_format,
                        self.add_button,
                    ]
                ),
                w.HBox([self.attend_session, self.attend_people, self.attend_button]),
                self.export_button,
                self.status,
            ]
        )
        self.add_class("shegong-cohort")
        self.refresh()

    def _people(self, **filters: str | None) -> list[dict[str, Any]]:
        """The trainees (rows of :func:`shegong.trainer.cohort.trainees`) within the actor's "
        "scope."""
        codes = {p.id: p.station_code for p in self.store.profiles()}
        return [
            p
            for p in cohort.trainees(self.store, **filters)
            if in_scope(self.store, self.actor, codes.get(p["id"]))
        ]

    def _filters(self) -> dict[str, str | None]:
        return {
            "station": self.station.value or None,
            "role": self.role.value or None,
            "track": self.track.value or None,
        }

    def _run(self, action) -> None:  # noqa: ANN001
        try:
            action()
        except ShegongError as e:
            self.status.value = (
                f'<span class="shegong-error" style="color:#c33">{html.escape(e.message())}</span>'
            )

    def refresh(self) -> None:
        """Recompute the tables for the current filters (stages are updated by the rules first)."""
        people = self._people(**self._filters())
        for p in people:
            update_stage(self.store, cohort.as_trainee(p), self.assessments, self.rules)
        shown = {p["label"] for p in people}  # the actor's scope
        listed = (  # a track's own modules when one track is chosen
            {m: self.modules[m] for m in self.rules.track(self.track.value).modules()}
            if self.track.value
            else self.modules
        )
        frame = cohort.heatmap(self.store, listed, **self._filters())
        frame = frame[frame.index.isin(shown)]
        titles = {k: text(m.title, self.lang) for k, m in self.modules.items()}
        self.heat.value = (
            heatmap_html(frame, titles) if len(frame) else f"<p>{t('none', self.lang)}</p>"
        )
        over = cohort.overview(
            self.store,
            self.modules,
            self.assessments,
            self.rules,
            lang=self.lang,
            **self._filters(),
        )
        over = over[over["trainee"].isin(shown)]
        over["track_confirmed"] = [
            t("confirmed" if ok else "unconfirmed", self.lang) for ok in over["track_confirmed"]
        ]
        self.stages.value = (
            frame_html(over.drop(columns="hours"), "shegong-stages", t("columns", self.lang))
            if len(over)
            else ""
        )
        chosen = self.track_trainee.value
        self.track_trainee.options = [
            (
                f"{p['label']} · {self.rules.track(p['track']).name(self.lang)}"
                f"（{t('confirmed' if p['track_confirmed_by'] else 'unconfirmed', self.lang)}）",
                p["id"],
            )
            for p in people
        ]
        ids = [p["id"] for p in people]
        self.track_trainee.value = chosen if chosen in ids else (ids[0] if ids else None)
        shown = cohort.sessions(self.store)
        shown["format"] = [FORMAT_NAMES.get(f, {}).get(self.lang, f) for f in shown["format"]]
        self.sessions.value = frame_html(shown, "shegong-sessions", session_columns(self.lang))
        table = cohort.sessions(self.store)
        current = self.attend_session.value
        self.attend_session.options = [
            (f"{r['held_on']} · {r['module_id']}", int(r["session"]))
            for r in table.to_dict("records")
        ]
        ids = [int(r) for r in table["session"]]
        self.attend_session.value = current if current in ids else (ids[-1] if ids else None)
        self.attend_people.options = [(p["label"], p["id"]) for p in people]
        done = {r["trainee"]: r["stage"] for r in over.to_dict("records") if r["stage"] != "—"}
        reached = [(p, done[p["label"]]) for p in people if p["label"] in done]
        self.cert_pick.options = [
            (f"{p['label']} · {stage}", (p["id"], stage)) for p, stage in reached
        ]
        self.cert_pick.value = (reached[0][0]["id"], reached[0][1]) if reached else None

    def confirm_track(self) -> None:
        """Confirm (or change to) the chosen track for the chosen trainee, as this trainer."""
        if self.track_trainee.value is None:
            return
        trainee = tracks.confirm_track(
            self.store,
            self.track_trainee.value,
            self.track_choice.value,
            by=self.trainer,
            rules=self.rules,
        )
        self.refresh()
        self.status.value = t(
            "track_set",
            self.lang,
            p=html.escape(trainee.label),
            t=html.escape(self.rules.track(trainee.track).name(self.lang)),
        )

    def add_session(self) -> int:
        """Record a training session from the form (module, date, hours, format); returns its id."""
        sid = cohort.add_session(
            self.store,
            module_id=self.new_module.value,
            held_on=self.new_date.value.strip(),
            hours=float(self.new_hours.value),
            format=self.new_format.value,
            trainer=self.trainer,
        )
        self.refresh()
        self.attend_session.value = sid
        return sid

    def record_attendance(self) -> None:
        """Mark the selected trainees present at the chosen session (the others shown: absent)."""
        if self.attend_session.value is None:
            return
        chosen = set(self.attend_people.value)
        for _label, tid in self.attend_people.options:
            cohort.record_attendance(
                self.store, self.attend_session.value, tid, present=tid in chosen
            )
        self.refresh()

    def export(self) -> Path:
        """Write ``<workspace>/gradebook.xlsx`` (gradebook + assessments, stages, sessions)."""
        path = cohort.export(
            self.store,
            self.workspace / "gradebook.xlsx",
            self.modules,
            self.assessments,
            self.rules,
        )
        self.status.value = t("exported", self.lang, p=html.escape(str(path)))
        return path

    def issue_certificate(self) -> certificates.Certificate | None:
        """Issue the certificate of the chosen trainee's completed stage into
        ``<workspace>/certificates/``."""
        if self.cert_pick.value is None:
            return None
        trainee_id, stage = self.cert_pick.value
        p = next(r for r in cohort.trainees(self.store) if r["id"] == trainee_id)
        trainee = cohort.as_trainee(p)
        cert = certificates.issue(
            self.store,
            trainee,
            stage,
            by=self.actor,
            out_dir=self.workspace / "certificates",
            modules=self.modules,
        )
        shown = cert.pdf or cert.html
        self.status.value = t("issued", self.lang, s=cert.serial, p=html.escape(str(shown)))
        return cert
