"""Exercise widgets, one per exercise type. They display and collect; scoring is
:mod:`shegong.training.grading`.

Every widget takes ``submit(exercise, answer, seconds) -> Result | None`` (the player passes
:meth:`shegong.training.progress.ProgressStore.submit` bound to the trainee) and shows the returned
feedback in ``feedback``. ``seconds`` is the time since the widget was created (or reset), from
``clock`` (default :func:`time.monotonic`). Drive them headless by setting the input widgets'
``value`` and calling ``submit_button.click()``.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from shegong.errors import GradingError
from shegong.training.feedback import Result
from shegong.training.grading import UNITS, scenario_step, shuffled
from shegong.training.ledger_exercise import load_ledger_data
from shegong.training.model import Exercise, text

Submit = Callable[[Exercise, Any, float], "Result | None"]

LABELS = {
    "submit": {"zh": "提交", "en": "Submit"},
    "self_check": {"zh": "提交自评", "en": "Submit self-check"},
    "restart": {"zh": "重新开始", "en": "Start again"},
    "submitted": {"zh": "已提交，由培训师评分。", "en": "Submitted; your trainer will grade it."},
    "value": {"zh": "数值", "en": "Value"},
    "unit": {"zh": "单位", "en": "Unit"},
    "step": {"zh": "第 {n} 步", "en": "Step {n}"},
    "answer": {"zh": "你的回答", "en": "Your answer"},
    "keep": {"zh": "保留", "en": "keep"},
    "drop": {"zh": "删除", "en": "drop"},
    "row": {"zh": "行", "en": "row"},
    "action": {"zh": "处理", "en": "action"},
    "points": {"zh": "（{n:g} 分）", "en": "({n:g} point{s})"},
    "option": {"zh": "{id}. {text}", "en": "{id}. {text}"},
}


def label(key: str, lang: str, **kw: Any) -> str:
    """An interface label in ``lang``."""
    return LABELS[key].get(lang, LABELS[key]["zh"]).format(**kw)


def option_label(option: dict, lang: str) -> str:
    """An option as shown: its letter (the id feedback names, e.g. “选了错误选项 c”) and its
    text."""
    return label("option", lang, id=option["id"], text=text(option["text"], lang))


def points_label(points: float, lang: str) -> str:
    """The item's points in one language: “（2 分）” or “(2 points)”."""
    return label("points", lang, n=points, s="" if points == 1 else "s")


def as_html(message: str) -> str:
    """Plain feedback text as escaped HTML with line breaks."""
    return "<br>".join(html.escape(line) for line in message.splitlines())


class ExerciseWidget(w.VBox):
    """Base of the exercise widgets: prompt, inputs, submit button, feedback; ``result`` after
    submit."""

    button_label = "submit"

    def __init__(
        self,
        exercise: Exercise,
        *,
        submit: Submit,
        lang: str = "zh",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.exercise, self.lang, self._submit, self._clock = exercise, lang, submit, clock
        self.started = clock()
        self.result: Result | None = None
        self.prompt = w.HTML(
            f"<p><b>{html.escape(text(exercise.prompt, lang))}</b> "
            f"<small>{html.escape(points_label(exercise.points, lang))}</small></p>"
        )
        self.submit_button = w.Button(
            description=label(self.button_label, lang), button_style="primary"
        )
        self.submit_button.on_click(lambda _b: self.send(self.answer()))
        self.feedback = w.HTML()
        super().__init__([self.prompt, *self.build(), self.submit_button, self.feedback])
        self.add_class("shegong-exercise")

    def build(self) -> list[w.Widget]:
        """The input widgets (overridden per type)."""
        raise NotImplementedError

    def answer(self) -> Any:
        """The answer as :func:`shegong.training.grading.grade` expects it for this type."""
        raise NotImplementedError

    def send(self, answer: Any) -> Result | None:
        """Submit ``answer`` with the seconds spent; show feedback or the error message."""
        seconds = self._clock() - self.started
        try:
            result = self._submit(self.exercise, answer, seconds)
        except GradingError as e:
            self.feedback.value = (
                f'<div class="shegong-error" style="color:#a40">{html.escape(e.message())}</div>'
            )
            return None
        self.result = result
        self.started = self._clock()  # the next attempt's time counts from here
        if result is None:
            self.feedback.value = f"<div>{label('submitted', self.lang)}</div>"
        else:
            colour = "#2a7" if result.correct else ("#b80" if result.score else "#c33")
            self.feedback.value = (
                f'<div class="shegong-feedback" style="border-left:4px solid {colour};'
                f'padding-left:8px">{as_html(result.feedback)}</div>'
            )
        return result


class SingleChoiceWidget(ExerciseWidget):
    """Radio buttons; answer is the chosen option id (``None`` until one is chosen)."""

    def build(self) -> list[w.Widget]:
        """The radio buttons of the options."""
        opts = [(option_label(o, self.lang), str(o["id"])) for o in self.exercise.data["options"]]
        self.choice = w.RadioButtons(options=opts, value=None, layout=w.Layout(width="auto"))
        return [self.choice]

    def answer(self) -> Any:
        """The chosen option id, ``None`` before a choice."""
        return self.choice.value


class MultipleChoiceWidget(ExerciseWidget):
    """One checkbox per option (``boxes`` by option id); answer is the list of checked ids."""

    def build(self) -> list[w.Widget]:
        """One checkbox per option."""
        self.boxes = {
            str(o["id"]): w.Checkbox(
                value=False,
                description=option_label(o, self.lang),
                indent=False,
                layout=w.Layout(width="auto"),
            )
            for o in self.exercise.data["options"]
        }
        return list(self.boxes.values())

    def answer(self) -> Any:
        """The ids of the checked options, in option order."""
        return [k for k, box in self.boxes.items() if box.value]


class NumericWidget(ExerciseWidget):
    """A value field (full-width digits accepted) and a unit drop-down; answer ``{"value",
    "unit"}``."""

    def build(self) -> list[w.Widget]:
        """The value field, with a unit drop-down when the exercise has a unit."""
        self.value = w.Text(description=label("value", self.lang), placeholder="0")
        self.unit = w.Dropdown(
            options=[u for u in UNITS if u], value=None, description=label("unit", self.lang)
        )
        return [w.HBox([self.value, self.unit])] if self.exercise.data.get("unit") else [self.value]

    def answer(self) -> Any:
        """``{"value": text or None, "unit": unit or ""}``."""
        return {"value": self.value.value.strip() or None, "unit": self.unit.value or ""}


class OrderingWidget(ExerciseWidget):
    """One drop-down per position (``positions``), starting in a fixed shuffled order; answer: item
    ids."""

    def build(self) -> list[w.Widget]:
        """One drop-down per position, starting in the shuffled order."""
        items = shuffled(self.exercise)
        opts = [(text(i["text"], self.lang), str(i["id"])) for i in items]
        self.positions = [
            w.Dropdown(
                options=opts,
                value=str(item["id"]),
                description=label("step", self.lang, n=n + 1),
                layout=w.Layout(width="95%"),
            )
            for n, item in enumerate(items)
        ]
        return self.positions

    def answer(self) -> Any:
        """The item ids in the chosen order."""
        return [d.value for d in self.positions]


class ShortAnswerWidget(ExerciseWidget):
    """A one-line text field; answer is its text."""

    def build(self) -> list[w.Widget]:
        """The one-line answer field."""
        self.text = w.Text(description=label("answer", self.lang))
        return [self.text]

    def answer(self) -> Any:
        """The text as typed."""
        return self.text.value


class OpenAnswerWidget(ExerciseWidget):
    """Text area plus a self-rating per rubric criterion (``ratings`` by criterion id, 0…points in
    0.5)."""

    button_label = "self_check"

    def build(self) -> list[w.Widget]:
        """The text area and a rating drop-down (0…points in half points) per rubric criterion."""
        self.text = w.Textarea(layout=w.Layout(width="95%", height="8em"))
        self.ratings: dict[str, w.Dropdown] = {}
        rows = []
        for c in self.exercise.data["rubric"]["criteria"]:
            steps = [x / 2 for x in range(int(c["points"] * 2) + 1)]
            self.ratings[c["id"]] = dd = w.Dropdown(
                options=steps, value=0.0, layout=w.Layout(width="6em")
            )
            rows.append(
                w.HBox(
                    [
                        dd,
                        w.HTML(
                            f"<b>{html.escape(text(c.get('name'), self.lang))}</b> "
                            f"({c['points']:g}) — "
                            f"{html.escape(text(c.get('description', ''), self.lang))}"
                        ),
                    ]
                )
            )
        return [self.text, *rows]

    def answer(self) -> Any:
        """``{"text": …, "ratings": {criterion id: points}}``."""
        return {
            "text": self.text.value,
            "ratings": {k: float(d.value) for k, d in self.ratings.items()},
        }


class ScenarioWidget(ExerciseWidget):
    """A branching case: one button per choice (``choice_buttons`` by id); submits itself at an
    ending.

    ``path`` holds the choice ids taken; each step shows its feedback in ``steps``.
    """

    def build(self) -> list[w.Widget]:
        """The path display, the situation, the choice buttons and a restart button."""
        self.path: list[str] = []
        self.node = str(self.exercise.data["start"])
        self.steps = w.HTML()
        self.situation = w.HTML()
        self.choices_box = w.VBox()
        self.restart = w.Button(
            description=label("restart", self.lang), layout=w.Layout(display="none")
        )
        self.restart.on_click(lambda _b: self.reset())
        self._show()
        return [self.steps, self.situation, self.choices_box, self.restart]

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.submit_button.layout.display = "none"

    def _show(self) -> None:
        node = self.exercise.data["nodes"][self.node]
        self.situation.value = f"<p>{html.escape(text(node.get('text'), self.lang))}</p>"
        self.choice_buttons = {}
        for c in node.get("choices") or []:
            b = w.Button(
                description=text(c["text"], self.lang)[:80],
                tooltip=text(c["text"], self.lang),
                layout=w.Layout(width="95%", height="auto"),
            )
            b.on_click(lambda _b, cid=str(c["id"]): self.choose(cid))
            self.choice_buttons[str(c["id"])] = b
        self.choices_box.children = list(self.choice_buttons.values())

    def choose(self, choice_id: str) -> None:
        """Take ``choice_id`` at the current step; at an ending the whole path is submitted."""
        nxt, feedback, _pts = scenario_step(self.exercise, self.node, choice_id, self.lang)
        self.path.append(choice_id)
        chosen = text(
            next(
                c["text"]
                for c in self.exercise.data["nodes"][self.node]["choices"]
                if str(c["id"]) == choice_id
            ),
            self.lang,
        )
        self.steps.value += f"<p>▶ {html.escape(chosen)}<br><i>{html.escape(feedback)}</i></p>"
        self.node = nxt
        self._show()
        if self.exercise.data["nodes"][nxt].get("end"):
            self.send(list(self.path))
            self.restart.layout.display = None

    def reset(self) -> None:
        """Start the case again (a new attempt)."""
        self.path, self.node, self.started = [], str(self.exercise.data["start"]), self._clock()
        self.steps.value, self.feedback.value = "", ""
        self.restart.layout.display = "none"
        self._show()

    def answer(self) -> Any:
        """The ids of the choices taken so far, in order."""
        return list(self.path)


class LedgerCleaningWidget(ExerciseWidget):
    """Module 7's messy ledger as a grid: per row an action drop-down (``actions``) and a text field
    per corrected column (``fields[row][column]``), pre-filled with the messy value."""

    def build(self) -> list[w.Widget]:
        """The ledger grid: per row an action drop-down and a text field per field to fix."""
        frame = load_ledger_data(self.exercise)
        columns = [c for c in frame.columns if c != "row"]
        fix = list(self.exercise.data.get("fields", []))
        self.actions: dict[str, w.Dropdown] = {}
        self.fields: dict[str, dict[str, w.Text]] = {}
        cells = [
            w.HTML(f"<b>{label('row', self.lang)}</b>"),
            w.HTML(f"<b>{label('action', self.lang)}</b>"),
        ]
        cells += [w.HTML(f"<b>{html.escape(c)}</b>") for c in columns]
        for rec in frame.to_dict("records"):
            row = str(rec["row"])
            self.actions[row] = w.Dropdown(
                options=[(label("keep", self.lang), "keep"), (label("drop", self.lang), "drop")],
                value="keep",
                layout=w.Layout(width="7em"),
            )
            self.fields[row] = {c: w.Text(value=rec[c], layout=w.Layout(width="auto")) for c in fix}
            cells += [w.HTML(row), self.actions[row]]
            cells += [
                self.fields[row][c] if c in fix else w.HTML(html.escape(rec[c])) for c in columns
            ]
        grid = w.GridBox(
            cells, layout=w.Layout(grid_template_columns=f"3em 8em repeat({len(columns)}, auto)")
        )
        return [grid]

    def answer(self) -> Any:
        """``{row: {"action": …, field: value, …}}`` for every row."""
        return {
            row: {
                "action": self.actions[row].value,
                **{c: t.value for c, t in self.fields[row].items()},
            }
            for row in self.actions
        }


WIDGETS: dict[str, type[ExerciseWidget]] = {
    "single": SingleChoiceWidget,
    "multiple": MultipleChoiceWidget,
    "numeric": NumericWidget,
    "ordering": OrderingWidget,
    "scenario": ScenarioWidget,
    "open": OpenAnswerWidget,
    "short": ShortAnswerWidget,
    "ledger_cleaning": LedgerCleaningWidget,
}


def exercise_widget(
    exercise: Exercise,
    *,
    submit: Submit,
    lang: str = "zh",
    clock: Callable[[], float] = time.monotonic,
) -> ExerciseWidget:
    """The widget for ``exercise``'s type."""
    return WIDGETS[exercise.type](exercise, submit=submit, lang=lang, clock=clock)
