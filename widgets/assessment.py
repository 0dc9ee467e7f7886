"""The trainee's assessment app: answer a summative assessment, submit once, see scores after
release.

Trainee side only: it loads exercises without keys
(:func:`shegong.training.curriculum.load_curricula`), stores answers ungraded
(:func:`shegong.training.assessment.submit`) and shows
:func:`shegong.training.assessment.results` — "submitted" until the trainer releases the scores. It
never imports
:mod:`shegong.training.answer_keys`. The trainee is the JupyterHub user or whoever signs in (never a
notebook parameter, DESIGN.md §7).
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from shegong.config import language
from shegong.errors import AssessmentError, ShegongError
from shegong.training.assessment import Assessment, attempts_used, load_assessments, results, submit
from shegong.training.curriculum import load_curricula
from shegong.training.model import Exercise, text
from shegong.training.progress import ProgressStore, Trainee
from shegong.widgets.exercises import WIDGETS, ExerciseWidget, as_html
from shegong.widgets.signin import resume_or_sign_in

TEXT = {
    "window": {
        "zh": "开放时间：{o} 至 {c}；可提交 {n} 次，已提交 {u} 次。",
        "en": "Open {o} to {c}; {n} attempt(s) allowed, {u} used.",
    },
    "submit": {"zh": "提交答卷", "en": "Submit answers"},
    "done": {
        "zh": "答卷已提交（第 {n} 次）。培训师评分并发布后可在下方查看成绩。",
        "en": "Submitted (attempt {n}). Scores appear below once your trainer releases them.",
    },
    "attempt": {"zh": "第 {n} 次提交（{t}）：{status}", "en": "Attempt {n} ({t}): {status}"},
    "score": {"zh": "得分 {s:g} / {m:g}", "en": "Score {s:g} of {m:g}"},
    "results": {"zh": "我的成绩", "en": "My results"},
    "answer": {"zh": "作答（可写 150–200 字）", "en": "Your answer"},
}


def t(key: str, lang: str, **kw: Any) -> str:
    """An app label in ``lang``."""
    return TEXT[key].get(lang, TEXT[key]["zh"]).format(**kw)


class OpenTextWidget(ExerciseWidget):
    """A summative open answer: a text area only (the rubric is the trainer's); answer ``{"text":
    …}``."""

    def build(self) -> list[w.Widget]:
        """The answer's text area."""
        self.text = w.Textarea(
            placeholder=t("answer", self.lang), layout=w.Layout(width="95%", height="8em")
        )
        return [self.text]

    def answer(self) -> Any:
        """``{"text": …}``, the text as typed."""
        return {"text": self.text.value}


def _item_widget(ex: Exercise, lang: str) -> ExerciseWidget:
    cls = OpenTextWidget if ex.type == "open" else WIDGETS[ex.type]
    widget = cls(ex, submit=lambda *_a: None, lang=lang)
    widget.submit_button.layout.display = "none"  # one submit for the whole assessment
    return widget


class AssessmentApp(w.VBox):
    """Sign-in (or hub user) → the assessment's items, one submit button, and the trainee's results.

    ``items`` maps exercise id → input widget; ``submit_button`` sends them all;
    ``results_box`` shows each attempt as "submitted" or, after release, its scores and feedback.
    Raises :class:`~shegong.errors.AssessmentError` for an unknown ``assessment_id``.
    """

    def __init__(
        self,
        assessment_id: str,
        *,
        lang: str = "zh",
        store_url: str | None = None,
        curricula_path: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        login: str | None = None,
    ) -> None:
        self.modules = load_curricula(curricula_path)
        assessments = load_assessments(self.modules, curricula_path)
        if assessment_id not in assessments:
            raise AssessmentError(
                f"no assessment {assessment_id!r}: use one of {', '.join(assessments)}"
            )
        self.assessment: Assessment = assessments[assessment_id]
        self.lang, self._url, self._clock = lang, store_url, clock
        self.store: ProgressStore | None = None
        self.trainee: Trainee | None = None
        self.items: dict[str, ExerciseWidget] = {}
        self.submit_button = w.Button(
            description=t("submit", lang), button_style="primary", icon="paper-plane"
        )
        self.submit_button.on_click(lambda _b: self.send())
        self.message = w.HTML()
        self.results_box = w.HTML()
        self.header = w.HTML(f"<h2>{html.escape(text(self.assessment.title, lang))}</h2>")
        self.window = w.HTML()
        super().__init__([])
        self.add_class("shegong-assessment")
        self.signin, resumed = resume_or_sign_in(
            self._open_store, self.start, lang=lang, login=login
        )
        if resumed:
            return
        self.children = [self.header, self.signin]

    def _open_store(self) -> ProgressStore:
        if self.store is None:
            self.store = ProgressStore.open(self._url)
        return self.store

    def start(self, store: ProgressStore, trainee: Trainee) -> None:
        """Show the items and results for ``trainee``."""
        self.store, self.trainee = store, trainee
        module = self.modules[self.assessment.module_id]
        self.items = {
            ex.id: _item_widget(ex, self.lang) for ex in self.assessment.exercises(module)
        }
        self.started = self._clock()
        self.refresh()
        self.children = [
            self.header,
            self.window,
            *self.items.values(),
            self.submit_button,
            self.message,
            w.HTML(f"<h3>{t('results', self.lang)}</h3>"),
            self.results_box,
        ]

    def refresh(self) -> None:
        """Redraw the window line and the results (e.g. after the trainer released scores)."""
        a, lang = self.assessment, self.lang
        used = attempts_used(self.store, self.trainee, a.id)
        self.window.value = (
            "<p>"
            + t(
                "window",
                lang,
                o=f"{a.opens:%Y-%m-%d}",
                c=f"{a.closes:%Y-%m-%d}",
                n=a.max_attempts,
                u=used,
            )
            + "</p>"
        )
        self.submit_button.disabled = used >= a.max_attempts or not a.is_open()
        parts = []
        for r in results(self.store, self.trainee, a, lang):
            line = t(
                "attempt",
                lang,
                n=r.attempt_no,
                t=f"{r.submitted_at:%Y-%m-%d %H:%M}",
                status=r.status_text(lang),
            )
            if r.status == "released":
                line += " · " + t("score", lang, s=r.score, m=r.max_score)
                line += "".join(
                    f"<div class='shegong-feedback'><b>{html.escape(i.exercise_id)}</b> "
                    f"{i.score:g}/{i.max_score:g}<br>{as_html(i.feedback)}</div>"
                    for i in r.items
                )
            parts.append(f"<div class='shegong-attempt shegong-{r.status}'>{line}</div>")
        self.results_box.value = "".join(parts)

    def answers(self) -> dict[str, Any]:
        """The current answers by exercise id."""
        return {ex_id: widget.answer() for ex_id, widget in self.items.items()}

    def send(self) -> int | None:
        """Submit every answer as one attempt; returns the submission id (``None`` on a refusal
        shown in ``message``)."""
        try:
            sub_id = submit(
                self.store,
                self.trainee,
                self.assessment,
                self.modules[self.assessment.module_id],
                self.answers(),
                seconds=self._clock() - self.started,
            )
        except ShegongError as e:
            self.message.value = f'<span style="color:#c33">{html.escape(e.message())}</span>'
            return None
        used = attempts_used(self.store, self.trainee, self.assessment.id)
        self.message.value = f"<p>{t('done', self.lang, n=used)}</p>"
        self.started = self._clock()
        self.refresh()
        return sub_id


def assessment_app(assessment_id: str, lang: str = "zh", **kw: Any) -> AssessmentApp:
    """The app for ``notebooks/evaluation/assessment.ipynb``:
    ``display(assessment_app("m01-final"))``."""

    return AssessmentApp(assessment_id, lang=language(lang), **kw)
