"""The trainee's Kirkpatrick L1 reaction survey after a training session (``?app=survey``).

After sign-in (or as the JupyterHub user) the trainee sees the sessions they attended and have not
yet rated, and rates each item of :data:`shegong.trainer.cohort.REACTION_ITEMS` from 1 to 5, with an
optional comment.
"""

from __future__ import annotations

import html

import ipywidgets as w
from sqlalchemy import select
from sqlalchemy.orm import Session

from shegong.errors import ShegongError
from shegong.trainer import cohort
from shegong.training.progress import ProgressStore, Trainee
from shegong.training.tables import AttendanceRow, ReactionRow, TrainingSessionRow
from shegong.widgets.signin import SignInWidget

TEXT = {
    "title": {"zh": "培训反馈（反应层评估）", "en": "Session feedback (Kirkpatrick level 1)"},
    "none": {"zh": "没有待评价的培训场次。", "en": "No sessions are waiting for your feedback."},
    "session": {"zh": "场次", "en": "Session"},
    "comment": {"zh": "意见和建议（选填）", "en": "Comments (optional)"},
    "send": {"zh": "提交反馈", "en": "Send feedback"},
    "thanks": {"zh": "谢谢你的反馈！", "en": "Thank you for your feedback!"},
    "scale": {"zh": "1 非常不同意 … 5 非常同意", "en": "1 strongly disagree … 5 strongly agree"},
}


def t(key: str, lang: str) -> str:
    """The survey label ``key`` in ``lang`` (Chinese when missing)."""
    return TEXT[key].get(lang, TEXT[key]["zh"])


def pending_sessions(store: ProgressStore, trainee: Trainee) -> list[tuple[int, str]]:
    """``(session id, label)`` of sessions the trainee attended and has not rated yet."""
    with Session(store.engine) as s:
        attended = set(
            s.scalars(
                select(AttendanceRow.session_id).where(
                    AttendanceRow.trainee_id == trainee.id, AttendanceRow.present
                )
            )
        )
        rated = set(
            s.scalars(select(ReactionRow.session_id).where(ReactionRow.trainee_id == trainee.id))
        )
        rows = list(
            s.scalars(
                select(TrainingSessionRow)
                .where(TrainingSessionRow.id.in_(attended - rated))
                .order_by(TrainingSessionRow.held_on)
            )
        )
    return [(r.id, f"{r.held_on} · {r.module_id} · {r.hours:g} h") for r in rows]


class ReactionSurvey(w.VBox):
    """Sign-in, then one form: session, a 1–5 slider per item (``sliders``), comment,
    ``send_button``."""

    def __init__(
        self, *, lang: str = "zh", store: ProgressStore | None = None, login: str | None = None
    ) -> None:
        self.lang = lang
        self.store = store or ProgressStore.open()
        self.trainee: Trainee | None = None
        self.session = w.Dropdown(description=t("session", lang))
        self.sliders = {
            k: w.IntSlider(value=4, min=1, max=5, description="", layout=w.Layout(width="16em"))
            for k in cohort.REACTION_ITEMS
        }
        self.comment = w.Textarea(placeholder=t("comment", lang), layout=w.Layout(width="95%"))
        self.send_button = w.Button(description=t("send", lang), button_style="primary")
        self.send_button.on_click(lambda _b: self.send())
        self.status = w.HTML()
        super().__init__([])
        known = self.store.trainee(login) if login else None
        if known is not None:
            self.start(self.store, known)
        else:
            self.children = [
                SignInWidget(lambda: self.store, self.start, lang=lang, hub_user=login)
            ]

    def start(self, store: ProgressStore, trainee: Trainee) -> None:
        """Show the form for ``trainee``."""
        self.trainee = trainee
        rows = [
            w.HBox([s, w.HTML(html.escape(cohort.REACTION_ITEMS[k][self.lang]))])
            for k, s in self.sliders.items()
        ]
        self.children = [
            w.HTML(
                f"<h2>{t('title', self.lang)}</h2><p><small>{t('scale', self.lang)}</small></p>"
            ),
            self.session,
            *rows,
            self.comment,
            self.send_button,
            self.status,
        ]
        self.refresh()

    def refresh(self) -> None:
        """Reload the sessions waiting for feedback."""
        options = pending_sessions(self.store, self.trainee)
        self.session.options = [(label, sid) for sid, label in options]
        self.session.value = options[0][0] if options else None
        self.send_button.disabled = not options
        if not options:
            self.status.value = f"<p>{t('none', self.lang)}</p>"

    def send(self) -> None:
        """Store the ratings for the chosen session."""
        try:
            cohort.record_reaction(
                self.store,
                self.session.value,
                self.trainee,
                {k: int(s.value) for k, s in self.sliders.items()},
                self.comment.value,
            )
        except ShegongError as e:
            self.status.value = f'<span style="color:#c33">{html.escape(e.message())}</span>'
            return
        self.comment.value = ""
        self.refresh()
        self.status.value = f"<p>{t('thanks', self.lang)}</p>"
