"""The module player: a module's pages and exercises with navigation and a progress bar.

:class:`ModulePlayer` shows one item of :meth:`shegong.training.curriculum.Module.sequence` at a
time; exercise widgets are created once and kept, so answers survive navigation. Answers go through
``store.submit`` (graded and recorded); without a store (preview) they are graded only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from shegong.errors import ProgressError
from shegong.safe_html import escape, markdown_html
from shegong.training.grading import grade
from shegong.training.model import Exercise, Module, Page, text
from shegong.training.progress import ROLES, ProgressStore, Trainee
from shegong.training.study import record_page_time
from shegong.widgets.exercises import ExerciseWidget, exercise_widget

UI = {
    "prev": {"zh": "上一页", "en": "Previous"},
    "next": {"zh": "下一页", "en": "Next"},
    "finish": {"zh": "完成本模块", "en": "Finish module"},
    "module": {"zh": "模块", "en": "Module"},
    "stage": {"zh": "阶段", "en": "Stage"},
    "hours": {"zh": "约 {h:g} 小时", "en": "about {h:g} h"},
    "done": {
        "zh": "本模块已完成：得分 {s:g} / {m:g}。当前阶段：{stage}。",
        "en": "Module completed: {s:g} of {m:g} points. Stage reached: {stage}.",
    },
    "who": {"zh": "学员 {p}（{role}）", "en": "Trainee {p} ({role})"},
}


def ui(key: str, lang: str, **kw: Any) -> str:
    """A player label in ``lang``."""
    return UI[key].get(lang, UI[key]["zh"]).format(**kw)


def module_label(module: Module, lang: str) -> str:
    """A module's full name for pickers: catalogue number, whole title and stage, in ``lang``."""
    stage = f"（{module.stage}）" if lang == "zh" else f" ({module.stage})"
    return f"{module.order}. {text(module.title, lang)}{stage}"


def render_page(page: Page) -> str:
    """A Markdown page as sanitised HTML (tables supported; a page imported from outside, e.g.
    a GIFT bank, cannot carry a script: :func:`shegong.safe_html.markdown_html`)."""
    return f'<div class="shegong-page">{markdown_html(page.markdown)}</div>'


class ModulePlayer(w.VBox):
    """Pages and exercises of ``module`` for ``trainee``; ``position`` is the index in the sequence.

    ``exercise_widgets`` maps sequence index → :class:`ExerciseWidget` (created on first visit).
    ``next_button``/``prev_button``/``finish_button`` drive it headless. Time on task: each page
    view is recorded in the store when the trainee moves on or finishes
    (:func:`shegong.training.study.record_page_time`, seconds from ``clock``); time on exercises
    is recorded with each answer.
    """

    def __init__(
        self,
        module: Module,
        *,
        trainee: Trainee | None = None,
        store: ProgressStore | None = None,
        lang: str = "zh",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.module, self.trainee, self.store, self.lang = module, trainee, store, lang
        self.items = module.sequence()
        self.position = 0
        self.exercise_widgets: dict[int, ExerciseWidget] = {}
        self._clock = clock
        self._shown_since: float | None = None
        who = (
            ui("who", lang, p=trainee.label, role=ROLES[trainee.role].get(lang, trainee.role))
            if trainee
            else ""
        )
        self.header = w.HTML(
            f"<h2>{escape(text(module.title, lang))}</"
            f"h2><p>{escape(text(module.summary, lang))}</p>"
            f"<p><small>{ui('stage', lang)}: {module.stage} · {ui('hours', lang, h=module.hours)}"
            f" · <span class='shegong-who'>{escape(who)}</span></small></p>"
        )
        self.progress = w.IntProgress(
            min=0, max=len(self.items), value=1, bar_style="info", layout=w.Layout(width="60%")
        )
        self.counter = w.Label()
        self.body = w.VBox(layout=w.Layout(min_height="12em"))
        self.prev_button = w.Button(description=ui("prev", lang), icon="arrow-left")
        self.next_button = w.Button(
            description=ui("next", lang), icon="arrow-right", button_style="info"
        )
        self.finish_button = w.Button(
            description=ui("finish", lang),
            button_style="success",
            disabled=trainee is None or store is None,
        )
        self.status = w.HTML()
        self.prev_button.on_click(lambda _b: self.go(self.position - 1))
        self.next_button.on_click(lambda _b: self.go(self.position + 1))
        self.finish_button.on_click(lambda _b: self.finish())
        super().__init__(
            [
                self.header,
                w.HBox([self.progress, self.counter]),
                self.body,
                w.HBox([self.prev_button, self.next_button, self.finish_button]),
                self.status,
            ]
        )
        self.add_class("shegong-player")
        self.go(0)

    def _submit(self, exercise: Exercise, answer: Any, seconds: float):
        if self.store is not None and self.trainee is not None:
            return self.store.submit(
                self.trainee, exercise, answer, seconds=seconds, lang=self.lang
            )
        return grade(exercise, answer, self.lang)

    def _record_page(self) -> None:
        """Store the time the page shown now has been on screen (pages only; nothing in preview)."""
        since, self._shown_since = self._shown_since, self._clock()
        item = self.items[self.position]
        if since is None or not isinstance(item, Page) or self.store is None or not self.trainee:
            return
        try:
            record_page_time(
                self.store, self.trainee, self.module.id, item.id, self._shown_since - since
            )
        except ProgressError as e:  # a lost page view must not stop the trainee: said, not raised
            self.status.value = f"<small class='shegong-error'>{escape(e.message())}</small>"

    def go(self, index: int) -> None:
        """Show item ``index`` (clamped to the sequence)."""
        index = max(0, min(index, len(self.items) - 1))
        self._record_page()  # the first call (from __init__) only starts the clock
        self.position = index
        item = self.items[index]
        if isinstance(item, Page):
            self.body.children = [w.HTML(render_page(item))]
        else:
            if index not in self.exercise_widgets:
                self.exercise_widgets[index] = exercise_widget(
                    item, submit=self._submit, lang=self.lang
                )
            self.body.children = [self.exercise_widgets[index]]
        self.progress.value = index + 1
        self.counter.value = f"{index + 1} / {len(self.items)}"
        self.prev_button.disabled = index == 0
        self.next_button.disabled = index == len(self.items) - 1

    def current(self) -> Page | Exercise:
        """The item shown now."""
        return self.items[self.position]

    def goto_exercise(self, exercise_id: str) -> ExerciseWidget:
        """Jump to an exercise by id and return its widget."""
        index = next(
            i
            for i, it in enumerate(self.items)
            if isinstance(it, Exercise) and it.id == exercise_id
        )
        self.go(index)
        return self.exercise_widgets[index]

    def finish(self) -> None:
        """Record module completion and the stage reached; show the score."""
        if self.store is None or self.trainee is None:
            return
        self._record_page()
        self.trainee = self.store.complete_module(self.trainee, self.module)
        best = self.store.best_scores(self.trainee, self.module.id)
        total = sum(e.points for e in self.module.exercises if e.mode == "practice")
        self.status.value = ui(
            "done", self.lang, s=sum(best.values()), m=total, stage=self.trainee.stage_reached
        )
