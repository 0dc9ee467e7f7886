"""The progression rules of 传帮带教: ``curricula/progression.yaml`` (``schema_version: 1``), read and validated.

The rules name, per stage, the modules to complete, the assessments to pass and the mentoring-log
entries to have signed off, by kind (:class:`Rules`); they are applied by
:mod:`shegong.trainer.progression` and name the entry kinds of :mod:`shegong.trainer.mentoring`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shegong.errors import CurriculumError, Problem
from shegong.training.curriculum import curricula_root
from shegong.training.model import SCHEMA_VERSION, STAGES


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
