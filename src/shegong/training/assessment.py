"""Summative assessments, trainee side: definitions, submission, and the released results.

An assessment (``curricula/<module-id>/assessments.yaml``, ``schema_version: 1``) is a set of the
module's summative exercises with a time window and an attempt limit::

    assessments:
      - id: m01-final
        title: {zh: …, en: …}
        exercises: [s01, s02, s03, s04]     # mode: summative, in exercises/*.yaml
        opens: 2021-01-01T00:00:00+08:00    # ISO 8601 with a zone
        closes: 2035-12-31T23:59:59+08:00
        max_attempts: 2
        pass_share: 0.6                      # share of the points that passes (stage rules)

This module never opens a key file and never imports :mod:`shegong.training.answer_keys` or
:mod:`shegong.trainer.marking`: answers are stored ungraded in ``submissions``; the trainer's
process scores them; :func:`results` reads scores only for assessments the trainer has released
(DESIGN.md §7).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shegong.errors import AssessmentError
from shegong.training.curriculum import curricula_root, load_curricula
from shegong.training.model import SCHEMA_VERSION, Exercise, Module, text
from shegong.training.progress import ProgressStore, Trainee, TraineeRow
from shegong.training.tables import ItemScoreRow, ReleaseRow, SubmissionRow

STATUS = {
    "submitted": {
        "zh": "已提交，等待培训师评分和发布",
        "en": "submitted; waiting for the trainer to grade and release",
    },
    "released": {"zh": "成绩已发布", "en": "scores released"},
}
ASSESSMENT_KEYS = {"id", "title", "exercises", "opens", "closes", "max_attempts", "pass_share"}


@dataclass(frozen=True)
class Assessment:
    """One summative assessment: ``exercise_ids`` of module ``module_id``, open from ``opens`` to
    ``closes`` (aware datetimes), at most ``max_attempts`` submissions, passed at ``pass_share`` of
    the points."""

    id: str
    module_id: str
    title: dict[str, str]
    exercise_ids: tuple[str, ...]
    opens: datetime
    closes: datetime
    max_attempts: int
    pass_share: float
    file: Path

    def exercises(self, module: Module) -> list[Exercise]:
        """The exercises in order, from ``module`` (no keys: trainee-safe)."""
        return [module.exercise(e) for e in self.exercise_ids]

    def is_open(self, now: datetime | None = None) -> bool:
        """Whether ``now`` (default: the current UTC time) lies in the window."""
        now = now or datetime.now(UTC)
        return self.opens <= now <= self.closes


def _when(value: Any, file: Path, where: str, problems: list[str]) -> datetime:
    try:
        when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        problems.append(
            f"{file}: {where}: {value!r} is not a date-time with a zone — write "
            "2021-03-01T09:00:00+08:00"
        )
        return datetime.now(UTC)
    return when


def load_assessments(
    modules: dict[str, Module] | None = None, root: str | os.PathLike[str] | None = None
) -> dict[str, Assessment]:
    """Every assessment of every module, by id.

    Raises:
        AssessmentError: listing every problem (file, key, fix): unknown keys, exercises that are
            missing or not summative, a window without zone or closing before it opens, duplicate
            ids.
    """
    base = Path(root) if root else curricula_root()
    modules = modules if modules is not None else load_curricula(base)
    problems: list[str] = []
    found: dict[str, Assessment] = {}
    for module in modules.values():
        file = module.path / "assessments.yaml"
        if not file.exists():
            continue
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
        if (
            not isinstance(doc, dict)
            or doc.get("schema_version") != SCHEMA_VERSION
            or not isinstance(doc.get("assessments"), list)
        ):
            problems.append(
                f"{file}: schema_version: not an assessments file — write `schema_version: 1` and "
                "an `assessments:` list"
            )
            continue
        for i, raw in enumerate(doc["assessments"]):
            where = f"assessments[{i}]"
            unknown = set(raw) - ASSESSMENT_KEYS
            if unknown:
                problems.append(
                    f"{file}: {where}: unknown key(s) {', '.join(sorted(unknown))} — "
                    f"allowed: {', '.join(sorted(ASSESSMENT_KEYS))}"
                )
            a_id = str(raw.get("id", ""))
            if not a_id or a_id in found:
                problems.append(
                    f"{file}: {where}.id: missing or duplicate id {a_id!r} — give a "
                    "unique id such as m01-final"
                )
            ids = [str(e) for e in raw.get("exercises") or []]
            known = {e.id: e for e in module.exercises}
            for e in ids:
                if e not in known or known[e].mode != "summative":
                    problems.append(
                        f"{file}: {where}.exercises: {e!r} is not a summative "
                        f"exercise of {module.id} — "
                        "set `mode: summative` on it or remove it"
                    )
            if not ids:
                problems.append(
                    f"{file}: {where}.exercises: empty — list the summative exercise ids"
                )
            opens = _when(raw.get("opens"), file, f"{where}.opens", problems)
            closes = _when(raw.get("closes"), file, f"{where}.closes", problems)
            if closes <= opens:
                problems.append(f"{file}: {where}.closes: closes before it opens — fix the window")
            attempts, share = raw.get("max_attempts", 1), raw.get("pass_share", 0.6)
            if not isinstance(attempts, int) or attempts < 1:
                problems.append(
                    f"{file}: {where}.max_attempts: {attempts!r} — write a whole number ≥ 1"
                )
            if not isinstance(share, (int, float)) or not 0 < share <= 1:
                problems.append(
                    f"{file}: {where}.pass_share: {share!r} — write a share such as 0.6"
                )
            found[a_id] = Assessment(
                a_id,
                module.id,
                raw.get("title") or {"zh": a_id},
                tuple(ids),
                opens,
                closes,
                attempts if isinstance(attempts, int) else 1,
                float(share or 0.6),
                file,
            )
    if problems:
        raise AssessmentError(
            f"{len(problems)} problem(s) in assessments:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
    return found


def attempts_used(store: ProgressStore, trainee: Trainee | int, assessment_id: str) -> int:
    """How many times the trainee has submitted ``assessment_id``."""
    tid = trainee if isinstance(trainee, int) else trainee.id
    with Session(store.engine) as s:
        return int(
            s.scalar(
                select(func.count(SubmissionRow.id)).where(
                    SubmissionRow.trainee_id == tid, SubmissionRow.assessment_id == assessment_id
                )
            )
            or 0
        )


def submit(
    store: ProgressStore,
    trainee: Trainee,
    assessment: Assessment,
    module: Module,
    answers: dict[str, Any],
    *,
    seconds: float,
    now: datetime | None = None,
) -> int:
    """Store one ungraded attempt (answers by exercise id; seconds spent) and return its submission
    id.

    Nothing is scored here. Raises :class:`AssessmentError` outside the window, after the last
    attempt, or for answers to exercises not in the assessment.
    """
    now = now or datetime.now(UTC)
    if not assessment.is_open(now):
        raise AssessmentError(
            f"assessment {assessment.id} is open from {assessment.opens:%Y-%m-%d %H:%M} to "
            f"{assessment.closes:%Y-%m-%d %H:%M}: submit within that window"
        )
    extra = set(answers) - set(assessment.exercise_ids)
    if extra:
        raise AssessmentError(f"{', '.join(sorted(extra))} are not exercises of {assessment.id}")
    stored = {e: answers.get(e) for e in assessment.exercise_ids}
    json.dumps(stored)  # answers must be plain JSON values (text, option ids, numbers)
    with Session(store.engine) as s, s.begin():
        # the trainee's row locked: two submissions at once cannot both take the last attempt
        s.get(TraineeRow, trainee.id, with_for_update=True)
        used = int(
            s.scalar(
                select(func.count(SubmissionRow.id)).where(
                    SubmissionRow.trainee_id == trainee.id,
                    SubmissionRow.assessment_id == assessment.id,
                )
            )
            or 0
        )
        if used >= assessment.max_attempts:
            raise AssessmentError(
                f"all {assessment.max_attempts} attempt(s) of {assessment.id} are used: "
                "ask your trainer if you need another"
            )
        row = SubmissionRow(
            trainee_id=trainee.id,
            assessment_id=assessment.id,
            module_id=module.id,
            attempt_no=used + 1,
            answers=stored,
            seconds_spent=float(seconds),
            submitted_at=now,
        )
        s.add(row)
        s.flush()
        return row.id


@dataclass(frozen=True)
class ItemResult:
    """A released item: ``score``/``max_score`` in points and the feedback lines in the trainee's
    language."""

    exercise_id: str
    score: float
    max_score: float
    feedback: str


@dataclass(frozen=True)
class AttemptResult:
    """One attempt as the trainee sees it: ``status`` is ``submitted`` (no scores) or
    ``released``."""

    attempt_no: int
    submitted_at: datetime
    status: str
    score: float | None = None
    max_score: float | None = None
    items: list[ItemResult] = field(default_factory=list)

    def status_text(self, lang: str = "zh") -> str:
        """The status sentence in ``lang``."""
        return STATUS[self.status][lang]


def is_released(store: ProgressStore, assessment_id: str) -> bool:
    """Whether the trainer has released ``assessment_id``'s scores."""
    with Session(store.engine) as s:
        return (
            s.scalar(select(ReleaseRow.id).where(ReleaseRow.assessment_id == assessment_id))
            is not None
        )


def _feedback(comment: str, lang: str) -> str:
    try:
        value = json.loads(comment)
    except ValueError:
        return comment
    return text(value, lang) if isinstance(value, dict) else str(value)


def _criterion_line(criterion: str, rows: list[ItemScoreRow], lang: str) -> str:
    """``· name: mean/max — comments`` (the marking stores ``{"name": {zh, en}, "text":
    comment}``)."""
    name, comments = criterion, []
    for r in rows:
        try:
            value = json.loads(r.comment)
        except ValueError:
            value = {"text": r.comment}
        name = text(value.get("name"), lang) or name
        if value.get("text"):
            comments.append(str(value["text"]))
    mean = sum(r.points for r in rows) / len(rows)
    return f"· {name}: {mean:g}/{rows[0].max_points:g}" + "".join(f" — {c}" for c in comments)


def results(
    store: ProgressStore, trainee: Trainee, assessment: Assessment, lang: str = "zh"
) -> list[AttemptResult]:
    """The trainee's attempts at ``assessment``, oldest first.

    Before release each is ``submitted`` with no score (``item_scores`` is not even queried); after
    release each carries the per-item scores (open items: the graders' mean per criterion) and
    feedback.
    """
    with Session(store.engine) as s:
        subs = list(
            s.scalars(
                select(SubmissionRow)
                .where(
                    SubmissionRow.trainee_id == trainee.id,
                    SubmissionRow.assessment_id == assessment.id,
                )
                .order_by(SubmissionRow.attempt_no)
            )
        )
        released = (
            s.scalar(select(ReleaseRow.id).where(ReleaseRow.assessment_id == assessment.id))
            is not None
        )
        out = []
        for sub in subs:
            if not released:
                out.append(AttemptResult(sub.attempt_no, sub.submitted_at, "submitted"))
                continue
            rows = list(s.scalars(select(ItemScoreRow).where(ItemScoreRow.submission_id == sub.id)))
            if {r.exercise_id for r in rows} < set(
                assessment.exercise_ids
            ):  # an attempt after release, not yet scored
                out.append(AttemptResult(sub.attempt_no, sub.submitted_at, "submitted"))
                continue
            items = []
            for ex_id in assessment.exercise_ids:
                mine = [r for r in rows if r.exercise_id == ex_id]
                auto = [r for r in mine if r.grader == "auto"]
                if auto:
                    r = auto[0]
                    items.append(
                        ItemResult(ex_id, r.points, r.max_points, _feedback(r.comment, lang))
                    )
                    continue
                by_criterion: dict[str, list[ItemScoreRow]] = {}
                for r in mine:
                    by_criterion.setdefault(r.criterion, []).append(r)
                score = sum(sum(r.points for r in rs) / len(rs) for rs in by_criterion.values())
                top = sum(rs[0].max_points for rs in by_criterion.values())
                lines = [_criterion_line(c, rs, lang) for c, rs in by_criterion.items()]
                items.append(ItemResult(ex_id, score, top, "\n".join(lines)))
            out.append(
                AttemptResult(
                    sub.attempt_no,
                    sub.submitted_at,
                    "released",
                    sum(i.score for i in items),
                    sum(i.max_score for i in items),
                    items,
                )
            )
    return out
