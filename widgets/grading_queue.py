"""The grading-queue app (trainer): score open answers against their rubric, comment, save; see
agreement.

Answers are shown under an anonymous code (:func:`shegong.trainer.marking.answer_code`), never with
the trainee's name, pseudonym, role or station: marking is blind. After scoring an answer the
trainer may reveal who wrote it (``reveal_pick`` lists the answers this trainer scored;
:func:`shegong.trainer.marking.author`). Runs in the trainer's process only: it reads the answer
keys (rubrics, model answers) through :mod:`shegong.trainer.marking`. The signed-in person must
hold the trainer or admin role; the queue holds only answers of trainees within the person's
scope, and every score and release is checked again and audited by :mod:`shegong.trainer.marking`.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as w

from shegong.errors import ShegongError
from shegong.people import Person, check
from shegong.trainer import marking
from shegong.trainer.kappa import band
from shegong.training.assessment import load_assessments
from shegong.training.curriculum import load_curricula
from shegong.training.model import text
from shegong.training.progress import ProgressStore

TEXT = {
    "title": {"zh": "开放题评分队列", "en": "Grading queue"},
    "empty": {"zh": "没有等待评分的开放题。", "en": "No open answers are waiting."},
    "waiting": {
        "zh": "待评 {n} 份（{code}，已有 {g} 位评分人）",
        "en": "{n} waiting ({code}, scored by {g} so far)",
    },
    "answer": {"zh": "学员作答", "en": "Answer"},
    "model": {"zh": "参考答案（仅培训师可见）", "en": "Model answer (trainers only)"},
    "comment": {"zh": "评语", "en": "Comment"},
    "reuse": {"zh": "常用评语", "en": "Saved comments"},
    "keep": {"zh": "存为常用评语", "en": "Save as reusable comment"},
    "save": {"zh": "保存评分", "en": "Save score"},
    "skip": {"zh": "跳过", "en": "Skip"},
    "saved": {"zh": "已保存 {code}：{s:g} / {m:g} 分", "en": "Saved {code}: {s:g} of {m:g} points"},
    "agreement": {
        "zh": "评分一致性（Cohen's κ，每个评分标准）",
        "en": "Agreement (Cohen's kappa per rubric)",
    },
    "no_pairs": {
        "zh": "尚无两位培训师共同评分的答卷。",
        "en": "No answer has been scored by two trainers yet.",
    },
    "release": {"zh": "发布成绩", "en": "Release scores"},
    "reveal": {"zh": "显示作答学员", "en": "Reveal the trainee"},
    "revealed": {"zh": "{code} 的作答学员：{who}", "en": "{code} was written by {who}"},
    "scored_list": {"zh": "我已评的答卷", "en": "Answers I scored"},
    "released": {"zh": "已发布 {a}", "en": "Released {a}"},
}


def t(key: str, lang: str, **kw: Any) -> str:
    """An app label in ``lang``."""
    return TEXT[key].get(lang, TEXT[key]["zh"]).format(**kw)


class GradingQueueApp(w.VBox):
    """The queue for the current trainer. ``ratings`` (criterion id → Dropdown), ``comment``,
    ``save_button``, ``skip_button`` drive it; ``item`` is the answer shown (``None`` when empty).

    Raises :class:`~shegong.errors.AccessError` when the user is not a trainer and
    :class:`~shegong.errors.KeyAccessError` when the keys cannot be read.
    """

    def __init__(
        self, *, person: Person | None, lang: str = "zh", store: ProgressStore | None = None
    ) -> None:
        self.lang = lang
        self.actor = check(person, "score")
        self.store = store or ProgressStore.open()
        self.grader = self.store.pseudonym(self.actor.login)
        self.modules = load_curricula()
        self.assessments = load_assessments(self.modules)
        marking.auto_score(self.store, self.assessments, self.modules)
        self.item: marking.QueueItem | None = None
        self.skipped: set[tuple[int, str]] = set()
        self.ratings: dict[str, w.Dropdown] = {}
        self.body = w.VBox()
        self.status = w.HTML()
        self.comment = w.Textarea(
            placeholder=t("comment", lang), layout=w.Layout(width="95%", height="5em")
        )
        self.comment.add_class("shegong-comment")
        self.reuse = w.Dropdown(description=t("reuse", lang), options=[("—", "")], value="")
        self.reuse.observe(self._insert, names="value")
        self.keep = w.Checkbox(value=False, description=t("keep", lang), indent=False)
        self.save_button = w.Button(
            description=t("save", lang), button_style="success", icon="check"
        )
        self.save_button.add_class("shegong-save")
        self.skip_button = w.Button(description=t("skip", lang))
        self.save_button.on_click(lambda _b: self._run(self.save))
        self.skip_button.on_click(lambda _b: self.skip())
        self.agreement_box = w.HTML()
        release_opts = [(text(a.title, lang), a.id) for a in self.assessments.values()]
        self.release_pick = w.Dropdown(options=release_opts)
        self.release_button = w.Button(description=t("release", lang), button_style="warning")
        self.release_button.on_click(lambda _b: self._run(self.release))
        self.reveal_pick = w.Dropdown(description=t("scored_list", lang))
        self.reveal_button = w.Button(description=t("reveal", lang), icon="eye")
        self.reveal_button.add_class("shegong-reveal")
        self.reveal_button.on_click(lambda _b: self._run(self.reveal))
        self.revealed = w.HTML()
        self.revealed.add_class("shegong-revealed")
        super().__init__(
            [
                w.HTML(f"<h2>{t('title', lang)}</h2>"),
                self.body,
                self.status,
                w.HBox([self.reveal_pick, self.reveal_button]),
                self.revealed,
                w.HTML(f"<h3>{t('agreement', lang)}</h3>"),
                self.agreement_box,
                w.HBox([self.release_pick, self.release_button]),
            ]
        )
        self.add_class("shegong-grading")
        self.next()

    def _run(self, action) -> None:  # noqa: ANN001
        try:
            action()
        except ShegongError as e:
            self.status.value = (
                f'<span class="shegong-error" style="color:#c33">{html.escape(e.message())}</span>'
            )

    def _insert(self, change) -> None:  # noqa: ANN001
        if change["new"]:
            self.comment.value = (self.comment.value + "\n" + change["new"]).strip()
            self.reuse.value = ""

    def next(self) -> None:
        """Show the next answer waiting for this trainer (skipped ones last), and refresh the
        agreement."""
        items = marking.queue(
            self.store, self.actor, self.assessments, self.modules, lang=self.lang
        )
        items.sort(key=lambda i: (i.submission_id, i.exercise_id) in self.skipped)
        self.item = items[0] if items else None
        scored = marking.scored_by(self.store, self.grader)  # newest first
        self.reveal_pick.options = [
            (f"{marking.answer_code(sub)} · {ex}", (sub, ex)) for sub, ex in scored
        ]
        self.reveal_pick.value = scored[0] if scored else None
        self.agreement_box.value = self.agreement_html()
        if self.item is None:
            self.body.children = [w.HTML(f"<p class='shegong-empty'>{t('empty', self.lang)}</p>")]
            return
        it, lang = self.item, self.lang
        self.ratings = {}
        rows = []
        for c in it.criteria:
            steps = [x / 2 for x in range(int(float(c["points"]) * 2) + 1)]
            dd = w.Dropdown(
                options=[(f"{s:g}", s) for s in steps], value=0.0, layout=w.Layout(width="6em")
            )
            dd.add_class(f"shegong-criterion-{c['id']}")
            self.ratings[str(c["id"])] = dd
            rows.append(
                w.HBox(
                    [
                        dd,
                        w.HTML(
                            f"<b>{html.escape(text(c.get('name'), lang))}</b> "
                            f"({float(c['points']):g}) — "
                            f"{html.escape(text(c.get('description', ''), lang))}"
                        ),
                    ]
                )
            )
        saved = marking.comments(self.store, it.exercise_key)
        self.reuse.options = [("—", "")] + [(c[:40], c) for c in saved]
        self.comment.value, self.keep.value = "", False
        model = w.Accordion(
            [w.HTML(f"<p>{html.escape(it.model_answer)}</p>")],
            titles=(t("model", lang),),
            selected_index=None,
        )
        self.body.children = [
            w.HTML(
                "<p class='shegong-waiting'>"
                f"{t('waiting', lang, n=len(items), code=it.code, g=it.graders)}</p>"
                f"<p><small>{html.escape(it.exercise_key)}</small> "
                f"<b>{html.escape(it.prompt)}</b></p>"
                "<div class='shegong-answer' style='border-left:4px solid "
                "#888;padding-left:8px;white-space:pre-wrap'>"
                f"<i>{t('answer', lang)}</i><br>{html.escape(it.answer)}</div>"
            ),
            model,
            *rows,
            self.comment,
            w.HBox([self.reuse, self.keep]),
            w.HBox([self.save_button, self.skip_button]),
        ]

    def save(self) -> float | None:
        """Store this trainer's ratings and comment for the shown answer, then show the next one."""
        if self.item is None:
            return None
        it = self.item
        total = marking.score_open(
            self.store,
            self.actor,
            it.submission_id,
            it.exercise_id,
            {k: float(d.value) for k, d in self.ratings.items()},
            it.criteria,
            comment=self.comment.value,
        )
        if self.keep.value:
            marking.add_comment(self.store, it.exercise_key, self.comment.value, self.grader)
        top = sum(float(c["points"]) for c in it.criteria)
        self.next()
        self.status.value = (
            "<span class='shegong-saved'>"
            f"{t('saved', self.lang, code=it.code, s=total, m=top)}</span>"
        )
        return total

    def reveal(self) -> str | None:
        """Show who wrote the answer chosen in ``reveal_pick`` (one this trainer has scored)."""
        if self.reveal_pick.value is None:
            return None
        sub, ex = self.reveal_pick.value
        who = marking.author(self.store, self.grader, sub, ex)
        self.revealed.value = html.escape(
            t("revealed", self.lang, code=marking.answer_code(sub), who=who)
        )
        return who

    def skip(self) -> None:
        """Put the shown answer at the end of the queue for this session."""
        if self.item is not None:
            self.skipped.add((self.item.submission_id, self.item.exercise_id))
        self.next()

    def agreement_html(self) -> str:
        """A table of Cohen's kappa per open exercise (and per criterion) where two trainers
        co-scored."""
        rows = []
        for a in self.assessments.values():
            for ex in a.exercises(self.modules[a.module_id]):
                if ex.type != "open":
                    continue
                ag = marking.agreement(self.store, a.id, ex.id)
                if ag is None:
                    continue
                per = "，".join(
                    f"{c} {k:.2f}" for c, k in ag.per_criterion.items() if not math.isnan(k)
                )
                rows.append(
                    f"<tr><td>{html.escape(a.id)}/{html.escape(ex.id)}</td><td>{ag.answers}</td>"
                    f"<td class='kappa'>{ag.kappa:.2f}</td><td>{band(ag.kappa, self.lang)}</td>"
                    f"<td>{html.escape(per)}</td></tr>"
                )
        if not rows:
            return f"<p>{t('no_pairs', self.lang)}</p>"
        head = (
            "<tr><th>题目</th><th>共评份数</th><th>κ</th><th>一致程度</th><th>各标准 κ</th></tr>"
            if self.lang == "zh"
            else "<tr><th>item</th><th>answers</th><th>κ</th><th>band</th><th>per "
            "criterion</th></tr>"
        )
        return (
            f"<table class='shegong-agreement'><thead>{head}</"
            f"thead><tbody>{''.join(rows)}</tbody></table>"
        )

    def release(self) -> None:
        """Release the chosen assessment (refused while answers are unscored)."""
        a = self.assessments[self.release_pick.value]
        marking.release(self.store, a, self.modules[a.module_id], self.actor)
        self.status.value = t("released", self.lang, a=html.escape(text(a.title, self.lang)))
