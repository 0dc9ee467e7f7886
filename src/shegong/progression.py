"""Stage progression in 传帮带教, by the rules in ``curricula/progression.yaml`` (``schema_version: 1``).

A trainee has reached a stage when that stage's requirements and those of every earlier stage are
met: ``modules`` completed (module player), ``assessments`` passed (a *released* attempt scoring at
least the assessment's ``pass_share`` of its points) and mentoring ``entries`` signed off, by kind.
:func:`status` says which stage is reached and what is missing for the next — "who is stuck where".
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from .assessment import Assessment, results
from .curriculum import SCHEMA_VERSION, STAGES, curricula_root
from .errors import CurriculumError, Problem
from .mentoring import signed_off_counts
from .progress import CompletionRow, ProgressStore, Trainee, TraineeRow


@dataclass(frozen=True)
class Rules:
    """``kinds``: entry kind → {stage, zh, en}; ``stages``: stage → {modules, assessments, entries}."""

    kinds: dict[str, dict[str, str]]
    stages: dict[str, dict[str, Any]]


def load_rules(root: str | os.PathLike[str] | None = None) -> Rules:
    """Read and validate ``progression.yaml``.

    Raises:
        CurriculumError: with every problem (file, key, fix).
    """
    path = Path(root or curricula_root()) / "progression.yaml"
    problems: list[Problem] = []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise CurriculumError(f"cannot read {path}: {e}") from e
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise CurriculumError(
            f"{path}: schema_version: missing or unsupported — write `schema_version: 1`"
        )
    kinds = data.get("kinds") or {}
    stages = data.get("stages") or {}
    for kind, spec in kinds.items():
        if (
            not isinstance(spec, dict)
            or spec.get("stage") not in STAGES[1:]
            or not spec.get("zh")
            or not spec.get("en")
        ):
            problems.append(
                Problem(
                    str(path),
                    f"kinds.{kind}",
                    "needs a stage (帮, 带 or 教) and zh/en names",
                    "write `kind: {stage: 帮, zh: …, en: …}`",
                )
            )
    for stage in stages:
        if stage not in STAGES:
            problems.append(
                Problem(str(path), f"stages.{stage}", "not a stage", "use 传, 帮, 带 or 教")
            )
    for stage, req in stages.items():
        for kind in (req or {}).get("entries") or {}:
            if kind not in kinds:
                problems.append(
                    Problem(
                        str(path),
                        f"stages.{stage}.entries.{kind}",
                        "unknown entry kind",
                        f"use one of {', '.join(kinds)}",
                    )
                )
    if problems:
        raise CurriculumError(f"{len(problems)} problem(s) in {path}", problems)
    return Rules(
        {k: dict(v) for k, v in kinds.items()},
        {s: dict(stages.get(s) or {}) for s in STAGES if s in stages},
    )


@dataclass(frozen=True)
class StageStatus:
    """``reached``: the highest stage reached (``None`` before 传); ``next_stage``; ``missing``: what the
    next stage still needs, as ``(kind, item, have, need)`` with kind module / assessment / entry."""

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
    """Where ``trainee`` stands: the stage reached and what blocks the next one."""
    with Session(store.engine) as s:
        done = set(
            s.scalars(select(CompletionRow.module_id).where(CompletionRow.trainee_id == trainee.id))
        )
    counts = signed_off_counts(store, trainee)
    reached = None
    for stage in STAGES:
        req = rules.stages.get(stage, {})
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
    """Raise the stored ``stage_reached`` to what the rules give (never lowers it); returns the trainee."""
    got = status(store, trainee, assessments, rules).reached
    with Session(store.engine) as s, s.begin():
        row = s.get(TraineeRow, trainee.id)
        if got is not None and (
            row.stage_reached is None or STAGES.index(got) > STAGES.index(row.stage_reached)
        ):
            row.stage_reached = got
        return Trainee._of(row)
