"""The 传帮带教 mentoring-log app.

A trainer (or admin) sees the entries waiting for sign-off — trainee pseudonym, station, stage,
kind,
date and description — and signs each off or returns it with a comment. Anyone else is a trainee:
after sign-in (or as the JupyterHub user) they record entries and see their status and the mentor's
comments. Which view is shown follows the signed-in person's roles (passed down by the served
portal), never a parameter (DESIGN.md §7); a mentor sees only entries of trainees within their
scope, and each sign-off is checked again and audited by :mod:`shegong.trainer.mentoring`.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

import ipywidgets as w

from shegong.errors import ShegongError
from shegong.people import Person
from shegong.trainer import mentoring
from shegong.trainer.rules import load_rules
from shegong.training.progress import ProgressStore, Trainee
from shegong.training.roles import in_scope
from shegong.widgets.signin import SignInWidget

TEXT = {
    "mentor_title": {"zh": "传帮带教督导日志：待签认", "en": "Mentoring log: entries to sign off"},
    "trainee_title": {"zh": "我的传帮带教实践记录", "en": "My mentoring-log entries"},
    "none": {"zh": "没有待签认的记录。", "en": "No entries are waiting."},
    "sign": {"zh": "签认", "en": "Sign off"},
    "return": {"zh": "退回", "en": "Return"},
    "comment": {"zh": "督导意见", "en": "Mentor's comment"},
    "kind": {"zh": "类型", "en": "Kind"},
    "date": {"zh": "日期", "en": "Date"},
    "what": {
        "zh": "做了什么（不写服务对象姓名、证件号、电话）",
        "en": "What you did (no clients' names, ID or phone numbers)",
    },
    "record": {"zh": "提交记录", "en": "Record entry"},
    "station": {"zh": "社工站", "en": "Station"},
    "all": {"zh": "全部", "en": "all"},
}


def t(key: str, lang: str, **kw: Any) -> str:
    """An app label in ``lang``."""
    return TEXT[key].get(lang, TEXT[key]["zh"]).format(**kw)


def _error(e: ShegongError) -> str:
    return f'<span class="shegong-error" style="color:#c33">{html.escape(e.message())}</span>'


class MentorReview(w.VBox):
    """Waiting entries with a comment box and sign-off / return buttons each
    (``buttons[entry_id]``)."""

    def __init__(self, store: ProgressStore, mentor: Person, *, lang: str = "zh") -> None:
        self.store, self.mentor, self.lang = store, mentor, lang
        self.kinds = load_rules().kinds
        self.station = w.Dropdown(description=t("station", lang))
        self.station.observe(lambda _c: self.refresh(), names="value")
        self.list_box = w.VBox()
        self.status = w.HTML()
        self.buttons: dict[int, tuple[w.Button, w.Button, w.Text]] = {}
        super().__init__(
            [
                w.HTML(f"<h2>{t('mentor_title', lang)}</h2>"),
                self.station,
                self.list_box,
                self.status,
            ]
        )
        self.add_class("shegong-mentoring")
        self.refresh()

    def refresh(self) -> None:
        """Reload the waiting entries (filtered by station)."""
        codes = {p.id: p.station_code for p in self.store.profiles()}
        waiting = [
            e
            for e in mentoring.entries(self.store, status="submitted")
            if in_scope(self.store, self.mentor, codes.get(e.trainee_id))
        ]
        stations = sorted({e.station for e in waiting if e.station})
        current = self.station.value
        self.station.options = [(t("all", self.lang), "")] + [(s, s) for s in stations]
        self.station.value = current if current in ("", *stations) else ""
        shown = [e for e in waiting if not self.station.value or e.station == self.station.value]
        self.buttons, rows = {}, []
        for e in shown:
            kind = self.kinds.get(e.kind, {}).get(self.lang, e.kind)
            comment = w.Text(placeholder=t("comment", self.lang), layout=w.Layout(width="40%"))
            ok = w.Button(description=t("sign", self.lang), button_style="success")
            back = w.Button(description=t("return", self.lang), button_style="warning")
            ok.on_click(lambda _b, i=e.id, c=comment: self._act(mentoring.sign_off, i, c.value))
            back.on_click(
                lambda _b, i=e.id, c=comment: self._act(mentoring.return_entry, i, c.value)
            )
            self.buttons[e.id] = (ok, back, comment)
            rows.append(
                w.VBox(
                    [
                        w.HTML(
                            f"<p><b>{html.escape(e.stage)} · {html.escape(kind)}</b> "
                            f"· {html.escape(e.happened_on)} · "
                            f"{html.escape(e.trainee)} · "
                            f"{html.escape(e.station or '')}<br>{html.escape(e.description)}</p>"
                        ),
                        w.HBox([comment, ok, back]),
                    ],
                    layout=w.Layout(border="1px solid #ddd", padding="4px"),
                )
            )
        self.list_box.children = rows or [w.HTML(f"<p>{t('none', self.lang)}</p>")]

    def _act(self, action, entry_id: int, comment: str) -> None:  # noqa: ANN001
        try:
            action(self.store, entry_id, self.mentor, comment)
        except ShegongError as e:
            self.status.value = _error(e)
            return
        self.status.value = ""
        self.refresh()


class TraineeLog(w.VBox):
    """The trainee's form (kind, date, description) and their entries with status and mentor
    comments.

    The kinds offered are those the trainee's track asks for (``progression.yaml``)."""

    def __init__(self, store: ProgressStore, trainee: Trainee, *, lang: str = "zh") -> None:
        self.store, self.trainee, self.lang = store, trainee, lang
        rules = load_rules()
        mine = rules.track(
            trainee.track
        ).kinds()  # the practice evidence of the trainee's own track
        self.kind = w.Dropdown(
            options=[
                (f"{rules.kinds[k]['stage']} · {rules.kinds[k].get(lang, k)}", k) for k in mine
            ],
            description=t("kind", lang),
            layout=w.Layout(width="auto"),
        )
        self.date = w.Text(value=datetime.now(UTC).date().isoformat(), description=t("date", lang))
        self.description = w.Textarea(
            placeholder=t("what", lang), layout=w.Layout(width="95%", height="5em")
        )
        self.record_button = w.Button(description=t("record", lang), button_style="primary")
        self.record_button.on_click(lambda _b: self.record())
        self.status = w.HTML()
        self.table = w.HTML()
        super().__init__(
            [
                w.HTML(f"<h2>{t('trainee_title', lang)}</h2>"),
                self.kind,
                self.date,
                self.description,
                self.record_button,
                self.status,
                self.table,
            ]
        )
        self.refresh()

    def record(self) -> int | None:
        """Record the entry in the form; returns its id, or ``None`` with the reason shown."""
        try:
            entry_id = mentoring.record(
                self.store,
                self.trainee,
                self.kind.value,
                self.date.value.strip(),
                self.description.value,
            )
        except ShegongError as e:
            self.status.value = _error(e)
            return None
        self.description.value, self.status.value = "", ""
        self.refresh()
        return entry_id

    def refresh(self) -> None:
        """Redraw the trainee's entries."""
        rows = "".join(
            f"<tr><td>{html.escape(e.happened_on)}</td><td>{html.escape(e.stage)}</td><td>{html.escape(e.kind)}</td>"
            f"<td>{mentoring.STATUSES[e.status][self.lang]}</"
            f"td><td>{html.escape(e.mentor_comment or '')}</td></tr>"
            for e in mentoring.entries(self.store, trainee=self.trainee)
        )
        self.table.value = (
            f"<table class='shegong-entries'><tbody>{rows}</tbody></table>" if rows else ""
        )


class MentoringApp(w.VBox):
    """:class:`MentorReview` for trainers and admins; a trainee's :class:`TraineeLog` (after the
    profile form on a first visit, or a sign-in outside the portal) for everyone else."""

    def __init__(
        self, *, person: Person | None, lang: str = "zh", store: ProgressStore | None = None
    ) -> None:
        self.lang = lang
        self.store = store or ProgressStore.open()
        super().__init__([])
        if person is not None and person.is_staff:
            self.view: w.Widget = MentorReview(self.store, person, lang=lang)
            self.children = [self.view]
            return
        login = person.login if person is not None else None
        known = self.store.trainee(login) if login else None
        if known is not None:
            self.start(self.store, known)
        else:
            self.view = SignInWidget(lambda: self.store, self.start, lang=lang, hub_user=login)
            self.children = [self.view]

    def start(self, store: ProgressStore, trainee: Trainee) -> None:
        """Show the trainee's log."""
        self.view = TraineeLog(store, trainee, lang=self.lang)
        self.children = [self.view]
