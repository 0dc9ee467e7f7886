"""Stage progression in 传帮带教, by the rules in ``curricula/progression.yaml``
(:mod:`shegong.trainer.rules`).

A trainee follows the rules of their track (社工站兼职工作人员/社区工作者, 志愿者, 居民骨干 …; the
default track when none is stored). They have reached a stage when that stage's requirements and
those of every earlier stage are met: ``modules`` completed (module player), ``assessments`` passed
(a *released* attempt scoring at least the assessment's ``pass_share`` of its points) and the
track's mentoring ``entries`` signed off, by kind.
:func:`status` says which stage is reached and what is missing for the next — "who is stuck where".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from shegong.trainer.mentoring import signed_off_counts
from shegong.trainer.rules import Rules
from shegong.training.assessment import Assessment, results
from shegong.training.model import STAGES
from shegong.training.progress import CompletionRow, ProgressStore, Trainee, TraineeRow


@dataclass(frozen=True)
class StageStatus:
    """``reached``: the highest stage reached (``None`` before 传); ``next_stage``; ``missing``:
    what the next stage still needs, as ``(kind, item, have, need)`` with kind module / assessment /
    entry."""

    reached: str | None
    next_stage: str | None
    missing: list[tuple[str, str, int, int]] = field(default_factory=list)


def passed(store: ProgressStore, trainee: Trainee, assessment: Assessment) -> bool:
    """A released attempt scoring at least ``pass_share`` of the points."""
    return any(
        r.status == "released"
        and r.max_score
        and r.score / r.max_score >= assessment.pass_share - 1e-9
        for r in results(store, trainee, assessment)
    )


def status(
    store: ProgressStore, trainee: Trainee, assessments: dict[str, Assessment], rules: Rules
) -> StageStatus:
    """Where ``trainee`` stands on their track: the stage reached and what blocks the next one.

    Raises:
        CurriculumError: the trainee's stored track is not in the rules.
    """
    stages = rules.track(trainee.track).stages
    with Session(store.engine) as s:
        done = set(
            s.scalars(select(CompletionRow.module_id).where(CompletionRow.trainee_id == trainee.id))
        )
    counts = signed_off_counts(store, trainee)
    reached = None
    for stage in STAGES:
        req = stages.get(stage, {})
        missing = [
            ("module", m, int(m in done), 1) for m in req.get("modules") or [] if m not in done
        ]
        missing += [
            ("assessment", a, 0, 1)
            for a in req.get("assessments") or []
            if a not in assessments or not passed(store, trainee, assessments[a])
        ]
        missing += [
            ("entry", k, counts.get(k, 0), int(n))
            for k, n in (req.get("entries") or {}).items()
            if counts.get(k, 0) < int(n)
        ]
        if missing:
            return StageStatus(reached, stage, missing)
        reached = stage
    return StageStatus(reached, None, [])


def update_stage(
    store: ProgressStore, trainee: Trainee, assessments: dict[str, Assessment], rules: Rules
) -> Trainee:
    """Raise the stored ``stage_reached`` to what the rules give (never lowers it); returns the
    trainee."""
    got = status(store, trainee, assessments, rules).reached
    with Session(store.engine) as s, s.begin():
        row = s.get(TraineeRow, trainee.id, with_for_update=True)
        if got is not None and (
            row.stage_reached is None or STAGES.index(got) > STAGES.index(row.stage_reached)
        ):
            row.stage_reached = got
        return Trainee._of(row)
