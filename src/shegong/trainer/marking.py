"""Marking, trainer side: score submissions with the keys, the open-answer queue, agreement,
release.

Runs only in the trainer's process (``shegong grade``, the grading-queue app), which can read the
key files (:mod:`shegong.training.answer_keys`). Scores go to ``item_scores``; trainees see them
only after
:func:`release` (:func:`shegong.training.assessment.results`).

* :func:`auto_score` scores every objective item (single, multiple, numeric, short) with
  :func:`shegong.training.grading.grade` on the keyed exercise; feedback is stored in zh and en.
* :func:`queue` lists open answers waiting for this grader, **without** the trainee's identity:
  an answer is shown by a code derived from the submission id only.
* :func:`score_open` stores one grader's points per rubric criterion (0…criterion points, in
  steps of 0.5) and a comment; two graders may score the same answer.
* :func:`author` reveals who wrote an answer, to a grader who has scored it (blind until then).
* :func:`agreement` computes Cohen's kappa per rubric (per open exercise) over the criteria ratings
  of answers two graders both scored (:mod:`shegong.trainer.kappa`).
* :func:`release` makes an assessment's scores visible; it refuses while answers are unscored.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from shegong.errors import AssessmentError, GradingError, MarkingError
from shegong.people import Person, audit, check
from shegong.trainer.kappa import cohen_kappa
from shegong.training.answer_keys import keyed_exercise, load_keys, rubric
from shegong.training.assessment import Assessment, load_assessments
from shegong.training.curriculum import load_curricula
from shegong.training.grading import grade
from shegong.training.model import Module, text
from shegong.training.progress import ProgressStore, TraineeRow, upsert
from shegong.training.roles import check_trainee, in_scope, store_owner
from shegong.training.tables import CommentRow, ItemScoreRow, ReleaseRow, SubmissionRow

OBJECTIVE = ("single", "multiple", "numeric", "short")


def answer_code(submission_id: int) -> str:
    """The anonymous code an answer is shown under in the queue, e.g. ``A-3f9c`` (no trainee
    data)."""
    return "A-" + hashlib.sha256(f"submission:{submission_id}".encode()).hexdigest()[:4]


def _keys_for(assessments: dict[str, Assessment], modules: dict[str, Module]) -> dict[str, dict]:
    return {m: load_keys(modules[m]) for m in {a.module_id for a in assessments.values()}}


def auto_score(
    store: ProgressStore, assessments: dict[str, Assessment], modules: dict[str, Module]
) -> int:
    """Score every not-yet-scored objective item of every submission; returns how many were scored.

    Raises :class:`~shegong.errors.KeyAccessError` when this process cannot read the key files.
    """
    keys = _keys_for(assessments, modules)
    done = 0
    with Session(store.engine) as s, s.begin():
        scored = {
            (r.submission_id, r.exercise_id)
            for r in s.scalars(select(ItemScoreRow).where(ItemScoreRow.grader == "auto"))
        }
        for sub in s.scalars(select(SubmissionRow).order_by(SubmissionRow.id)):
            a = assessments.get(sub.assessment_id)
            if a is None:
                continue
            for ex in a.exercises(modules[a.module_id]):
                if ex.type not in OBJECTIVE or (sub.id, ex.id) in scored:
                    continue
                keyed = keyed_exercise(ex, keys[a.module_id][ex.id])
                answer = (sub.answers or {}).get(ex.id)
                try:
                    zh, en = grade(keyed, answer, "zh"), grade(keyed, answer, "en")
                    points, feedback = zh.score, {"zh": zh.feedback, "en": en.feedback}
                except GradingError:  # no answer, or an unreadable one: 0 points, said so
                    points, feedback = (
                        0.0,
                        {
                            "zh": "未作答或无法识别的答案，得 0 分。",
                            "en": "No readable answer: 0 points.",
                        },
                    )
                # another trainer's app may be scoring the same items right now: first one wins
                done += upsert(
                    s,
                    ItemScoreRow,
                    {
                        "submission_id": sub.id,
                        "exercise_id": ex.id,
                        "grader": "auto",
                        "criterion": "",
                        "points": points,
                        "max_points": ex.points,
                        "comment": json.dumps(feedback, ensure_ascii=False),
                        "created_at": datetime.now(UTC),
                    },
                    keys=("submission_id", "exercise_id", "grader", "criterion"),
                )
    return done


@dataclass(frozen=True)
class QueueItem:
    """An open answer waiting for a score: ``code`` (anonymous), the prompt, the answer text, the
    rubric ``criteria`` (``[{id, name, points, description}]``), the model answer, and how many
    graders scored it."""

    submission_id: int
    code: str
    assessment_id: str
    exercise_id: str
    prompt: str
    answer: str
    criteria: list[dict[str, Any]]
    model_answer: str
    graders: int

    @property
    def exercise_key(self) -> str:
        """``assessment/exercise``: where reusable comments are kept."""
        return f"{self.assessment_id}/{self.exercise_id}"


def _graders(s: Session, submission_id: int, exercise_id: str) -> set[str]:
    return set(
        s.scalars(
            select(ItemScoreRow.grader).where(
                ItemScoreRow.submission_id == submission_id, ItemScoreRow.exercise_id == exercise_id
            )
        )
    )


def _station_of(s: Session, submission_id: int) -> str | None:
    return s.scalar(
        select(TraineeRow.station_code)
        .join(SubmissionRow, SubmissionRow.trainee_id == TraineeRow.id)
        .where(SubmissionRow.id == submission_id)
    )


def queue(
    store: ProgressStore,
    actor: Person,
    assessments: dict[str, Assessment],
    modules: dict[str, Module],
    *,
    lang: str = "zh",
    second_opinion: bool = True,
) -> list[QueueItem]:
    """Open answers ``actor`` has not scored, of trainees within the actor's scope: unscored answers
    first, then (with ``second_opinion``) answers one other trainer scored, for calibration. Oldest
    first within each.

    Raises:
        AccessError: ``actor`` may not score (:func:`shegong.people.check`, action ``score``).
    """
    check(actor, "score")
    grader = store.pseudonym(actor.login)
    keys = _keys_for(assessments, modules)
    first, second = [], []
    with Session(store.engine) as s:
        for sub in s.scalars(select(SubmissionRow).order_by(SubmissionRow.id)):
            a = assessments.get(sub.assessment_id)
            if a is None or not in_scope(store, actor, _station_of(s, sub.id)):
                continue
            for ex in a.exercises(modules[a.module_id]):
                if ex.type != "open":
                    continue
                who = _graders(s, sub.id, ex.id)
                if grader in who or (who and not second_opinion):
                    continue
                key = keys[a.module_id][ex.id]
                raw = (sub.answers or {}).get(ex.id)
                answer = raw.get("text", "") if isinstance(raw, dict) else str(raw or "")
                item = QueueItem(
                    sub.id,
                    answer_code(sub.id),
                    a.id,
                    ex.id,
                    text(ex.prompt, lang),
                    answer,
                    rubric(ex, key),
                    text(key.get("model_answer", ""), lang),
                    len(who),
                )
                (second if who else first).append(item)
    return first + second


def score_open(
    store: ProgressStore,
    actor: Person,
    submission_id: int,
    exercise_id: str,
    ratings: dict[str, float],
    criteria: list[dict[str, Any]],
    *,
    comment: str = "",
) -> float:
    """Store ``actor``'s rating per criterion (replacing their earlier ones) and return the total
    points. The actor needs the ``score`` action and a scope reaching the trainee's station.
    Audited.

    Raises:
        AccessError: the actor may not score this answer.
        MarkingError: a criterion is missing or unknown, or a rating is outside 0…points or not a
            multiple of 0.5.
    """
    ids = {str(c["id"]): c for c in criteria}
    if set(ratings) != set(ids):
        raise MarkingError(
            f"rate every criterion ({', '.join(ids)}); got {', '.join(map(str, ratings)) or 'none'}"
        )
    for cid, pts in ratings.items():
        top = float(ids[cid]["points"])
        if not 0 <= float(pts) <= top or (float(pts) * 2) % 1:
            raise MarkingError(
                f"rating {pts} for {cid} must be between 0 and {top:g} in steps of 0.5"
            )
    check(actor, "score")
    grader = store.pseudonym(actor.login)
    now = datetime.now(UTC)
    with Session(store.engine) as s, s.begin():
        # locked: a second save of the same answer waits, then replaces this one's scores
        if s.get(SubmissionRow, submission_id, with_for_update=True) is None:
            raise MarkingError(f"no submission {submission_id}: reload the queue")
        check_trainee(store, actor, "score", _station_of(s, submission_id))
        s.execute(
            delete(ItemScoreRow).where(
                ItemScoreRow.submission_id == submission_id,
                ItemScoreRow.exercise_id == exercise_id,
                ItemScoreRow.grader == grader,
            )
        )
        for i, (cid, pts) in enumerate(ratings.items()):
            note = {
                "name": ids[cid].get("name", cid),
                "text": comment.strip() if i == len(ratings) - 1 else "",
            }
            s.add(
                ItemScoreRow(
                    submission_id=submission_id,
                    exercise_id=exercise_id,
                    grader=grader,
                    criterion=cid,
                    points=float(pts),
                    max_points=float(ids[cid]["points"]),
                    comment=json.dumps(note, ensure_ascii=False),
                    created_at=now,
                )
            )
    audit(store.workspace, actor, "score", f"submission:{submission_id}/{exercise_id}")
    return float(sum(float(p) for p in ratings.values()))


def scored_by(store: ProgressStore, grader: str) -> list[tuple[int, str]]:
    """(submission id, exercise id) of the open answers ``grader`` has scored, newest first."""
    with Session(store.engine) as s:
        rows = s.execute(
            select(ItemScoreRow.submission_id, ItemScoreRow.exercise_id)
            .where(ItemScoreRow.grader == grader)
            .group_by(ItemScoreRow.submission_id, ItemScoreRow.exercise_id)
            .order_by(func.max(ItemScoreRow.id).desc())
        )
        return [(int(sub), str(ex)) for sub, ex in rows]


def author(store: ProgressStore, grader: str, submission_id: int, exercise_id: str) -> str:
    """Who wrote an answer ``grader`` has scored: the trainee's display name (else pseudonym) and
    station. The queue is blind; this reveal comes only after scoring.

    Raises:
        MarkingError: ``grader`` has not scored this answer (score it first).
    """
    if (submission_id, exercise_id) not in scored_by(store, grader):
        raise MarkingError(
            f"answer {answer_code(submission_id)} is shown blind until you have scored it: "
            "score it first, then reveal who wrote it"
        )
    with Session(store.engine) as s:
        t = s.scalar(
            select(TraineeRow).join(SubmissionRow).where(SubmissionRow.id == submission_id)
        )
    station = t.station or t.station_code
    return (t.display_name or t.pseudonym) + (f"（{station}）" if station else "")


def add_comment(store: ProgressStore, exercise_key: str, comment: str, by: str) -> None:
    """Keep ``comment`` as a reusable comment for ``exercise_key`` (``assessment/exercise``);
    duplicates ignored."""
    comment = comment.strip()
    if not comment:
        return
    values = {
        "exercise_key": exercise_key,
        "text": comment,
        "created_by": by,
        "created_at": datetime.now(UTC),
    }
    with Session(store.engine) as s, s.begin():
        upsert(s, CommentRow, values, keys=("exercise_key", "text"))


def comments(store: ProgressStore, exercise_key: str) -> list[str]:
    """The reusable comments of ``exercise_key``, oldest first."""
    with Session(store.engine) as s:
        return list(
            s.scalars(
                select(CommentRow.text)
                .where(CommentRow.exercise_key == exercise_key)
                .order_by(CommentRow.id)
            )
        )


@dataclass(frozen=True)
class Agreement:
    """Agreement of two graders on one rubric: ``answers`` scored by both, ``ratings`` paired
    (answers × criteria), ``kappa`` (Cohen's, nan without pairs) and ``per_criterion`` kappas."""

    assessment_id: str
    exercise_id: str
    graders: tuple[str, str]
    answers: int
    ratings: int
    kappa: float
    per_criterion: dict[str, float]


def agreement(store: ProgressStore, assessment_id: str, exercise_id: str) -> Agreement | None:
    """Cohen's kappa between the two graders who co-scored the most answers of this open exercise.

    The categories are the points awarded per criterion; each (answer, criterion) pair is one item.
    Returns ``None`` when no answer was scored by two graders.
    """
    with Session(store.engine) as s:
        rows = list(
            s.execute(
                select(
                    ItemScoreRow.submission_id,
                    ItemScoreRow.grader,
                    ItemScoreRow.criterion,
                    ItemScoreRow.points,
                )
                .join(SubmissionRow)
                .where(
                    SubmissionRow.assessment_id == assessment_id,
                    ItemScoreRow.exercise_id == exercise_id,
                    ItemScoreRow.grader != "auto",
                )
            )
        )
    by_grader: dict[str, dict[tuple[int, str], float]] = {}
    for sub_id, grader, criterion, points in rows:
        by_grader.setdefault(grader, {})[(sub_id, criterion)] = points
    best: tuple[int, tuple[str, str]] | None = None
    names = sorted(by_grader)
    for i, g1 in enumerate(names):
        for g2 in names[i + 1 :]:
            shared = len({k[0] for k in by_grader[g1].keys() & by_grader[g2].keys()})
            if shared and (best is None or shared > best[0]):
                best = (shared, (g1, g2))
    if best is None:
        return None
    g1, g2 = best[1]
    pairs = sorted(by_grader[g1].keys() & by_grader[g2].keys())
    per = {}
    for criterion in sorted({c for _, c in pairs}):
        mine = [p for p in pairs if p[1] == criterion]
        per[criterion] = cohen_kappa(
            [by_grader[g1][p] for p in mine], [by_grader[g2][p] for p in mine]
        )
    kappa = cohen_kappa([by_grader[g1][p] for p in pairs], [by_grader[g2][p] for p in pairs])
    return Agreement(assessment_id, exercise_id, (g1, g2), best[0], len(pairs), kappa, per)


def unscored(store: ProgressStore, assessment: Assessment, module: Module) -> int:
    """How many items of ``assessment``'s submissions have no score yet (objective or open)."""
    with Session(store.engine) as s:
        subs = list(
            s.scalars(select(SubmissionRow.id).where(SubmissionRow.assessment_id == assessment.id))
        )
        scored = (
            {
                (r.submission_id, r.exercise_id)
                for r in s.scalars(select(ItemScoreRow).where(ItemScoreRow.submission_id.in_(subs)))
            }
            if subs
            else set()
        )
    return sum((sub, e) not in scored for sub in subs for e in assessment.exercise_ids)


def release(store: ProgressStore, assessment: Assessment, module: Module, by: Person) -> datetime:
    """Release ``assessment``'s scores to its trainees; returns the release time (UTC). ``by``
    needs the ``release`` action and a scope reaching every trainee who submitted. Audited.

    Raises:
        AccessError: ``by`` may not release this assessment.
        MarkingError: some answers are not scored yet (run ``shegong grade`` and work the queue
        first).
    """
    check(by, "release")
    with Session(store.engine) as s:
        subs = list(
            s.scalars(select(SubmissionRow.id).where(SubmissionRow.assessment_id == assessment.id))
        )
        for sub_id in subs:
            check_trainee(store, by, "release", _station_of(s, sub_id))
    missing = unscored(store, assessment, module)
    if missing:
        raise MarkingError(
            f"{missing} answer(s) of {assessment.id} are not scored yet: score them in the grading "
            "queue (objective items: `shegong grade`) before releasing"
        )
    now = datetime.now(UTC)
    values = {
        "assessment_id": assessment.id,
        "released_by": store.pseudonym(by.login),
        "released_at": now,
    }
    with Session(store.engine) as s, s.begin():
        upsert(s, ReleaseRow, values, keys=("assessment_id",))  # released once, by the first
    audit(store.workspace, by, "release", assessment.id)
    return now


def submission_scores(store: ProgressStore, assessment: Assessment) -> list[dict[str, Any]]:
    """Trainer view, one row per submission: ``trainee_id``, ``attempt_no``, ``score`` and
    ``max_score`` (points; open items are the graders' mean per criterion; ``nan`` while an item is
    unscored)."""
    out = []
    with Session(store.engine) as s:
        for sub in s.scalars(
            select(SubmissionRow)
            .where(SubmissionRow.assessment_id == assessment.id)
            .order_by(SubmissionRow.id)
        ):
            rows = list(s.scalars(select(ItemScoreRow).where(ItemScoreRow.submission_id == sub.id)))
            total, top, complete = 0.0, 0.0, True
            for ex_id in assessment.exercise_ids:
                mine = [r for r in rows if r.exercise_id == ex_id]
                if not mine:
                    complete = False
                    continue
                crit: dict[str, list[ItemScoreRow]] = {}
                for r in mine:
                    crit.setdefault(r.criterion, []).append(r)
                total += sum(sum(r.points for r in rs) / len(rs) for rs in crit.values())
                top += sum(rs[0].max_points for rs in crit.values())
            out.append(
                {
                    "submission_id": sub.id,
                    "trainee_id": sub.trainee_id,
                    "assessment_id": assessment.id,
                    "attempt_no": sub.attempt_no,
                    "score": total if complete else math.nan,
                    "max_score": top if complete else math.nan,
                    "submitted_at": sub.submitted_at,
                }
            )
    return out


@dataclass(frozen=True)
class GradeSummary:
    """What ``shegong grade`` did: objective items ``scored``, open answers ``waiting`` per
    assessment (not yet scored by anyone), and the assessments ``released`` now."""

    scored: int
    waiting: dict[str, int]
    released: list[str]

    def lines(self) -> list[str]:
        """One line each, zh + en, for the command line."""
        out = [f"已自动评分 objective items scored: {self.scored}"]
        out += [
            f"待评开放题 open answers waiting in the queue: {a}: {n}"
            for a, n in sorted(self.waiting.items())
        ]
        out += [f"成绩已发布 released: {a}" for a in self.released]
        return out


def grade_workspace(
    *,
    workspace: str | None = None,
    release_ids: list[str] | tuple[str, ...] = (),
    store: ProgressStore | None = None,
    by: Person | None = None,
) -> GradeSummary:
    """``shegong grade``: auto-score, count open answers nobody scored, release ``release_ids``.

    Releasing is done by ``by`` (default: the command line's authority, the owner of the store —
    :func:`shegong.training.roles.store_owner`), checked and audited by :func:`release`.
    Raises :class:`~shegong.errors.KeyAccessError` (keys unreadable), :class:`MarkingError`
    (unscored
    answers at release), :class:`~shegong.errors.AssessmentError` (unknown assessment).
    """

    if store is None:
        with ProgressStore.open(workspace=workspace) as opened:
            return grade_workspace(release_ids=release_ids, store=opened, by=by)
    modules = load_curricula()
    assessments = load_assessments(modules)
    scored = auto_score(store, assessments, modules)
    waiting: dict[str, int] = {}
    with Session(store.engine) as s:
        for sub in s.scalars(select(SubmissionRow)):
            a = assessments.get(sub.assessment_id)
            for ex in a.exercises(modules[a.module_id]) if a else []:
                if ex.type == "open" and not _graders(s, sub.id, ex.id):
                    waiting[a.id] = waiting.get(a.id, 0) + 1
    released = []
    for a_id in release_ids:
        if a_id not in assessments:
            raise AssessmentError(f"no assessment {a_id!r}: use one of {', '.join(assessments)}")
        release(store, assessments[a_id], modules[assessments[a_id].module_id], by or store_owner())
        released.append(a_id)
    return GradeSummary(scored, waiting, released)
