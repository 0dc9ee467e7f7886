"""The progression rules of 传帮带教: ``curricula/progression.yaml``, read and validated.

Format ``schema_version: 2`` (issue 19)::

    kinds:         entry kind → {stage: 帮|带|教, zh, en}       (mentoring-log entries)
    default_track: staff                                       (for trainees stored before tracks)
    tracks:        track id → {zh, en, stages: {stage → {modules, assessments, entries: {kind: n}}}}

Each track (社工站兼职工作人员/社区工作者, 志愿者, 居民骨干 …) names, per stage, the modules to
complete, the assessments to pass and its own practice evidence — mentoring-log entries signed off,
by kind. Version 1 files (one ``stages`` mapping for everyone) are read as a single track ``staff``.
The rules are applied by :mod:`shegong.trainer.progression`; :func:`check_rules` validates them
against the modules and assessments of a curricula folder (``shegong curriculum check``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shegong.errors import CurriculumError, Problem
from shegong.training.curriculum import curricula_root
from shegong.training.model import STAGES, text

RULES_VERSION = 2
STAGE_KEYS = {"modules", "assessments", "entries"}
_TRACK_ID = re.compile(r"^[a-z][a-z0-9_]{0,15}$")


@dataclass(frozen=True)
class Track:
    """One kind of trainee: ``id``, ``names`` {zh, en} and ``stages`` (stage → requirements)."""

    id: str
    names: dict[str, str]
    stages: dict[str, dict[str, Any]]

    def name(self, lang: str = "zh") -> str:
        """The track's name in ``lang``."""
        return text(self.names, lang)

    def modules(self, up_to: str | None = None) -> list[str]:
        """Module ids required by this track, stage by stage (up to and including ``up_to``)."""
        out: list[str] = []
        for stage in STAGES:
            out += [m for m in self.stages.get(stage, {}).get("modules") or [] if m not in out]
            if stage == up_to:
                break
        return out

    def kinds(self) -> list[str]:
        """The entry kinds this track's stages ask for (its own practice evidence)."""
        return [k for s in STAGES for k in (self.stages.get(s, {}).get("entries") or {})]


@dataclass(frozen=True)
class Rules:
    """``kinds``: entry kind → {stage, zh, en}; ``tracks`` by id; ``default_track`` for trainees
    without a track. ``stages`` are the default track's (the rules before tracks existed)."""

    kinds: dict[str, dict[str, str]]
    tracks: dict[str, Track] = field(default_factory=dict)
    default_track: str = "staff"

    def track(self, track_id: str | None) -> Track:
        """The track ``track_id`` (the default track for ``None``).

        Raises:
            CurriculumError: an unknown track id.
        """
        tid = track_id or self.default_track
        if tid not in self.tracks:
            raise CurriculumError(
                f"unknown track {tid!r}: use one of {', '.join(self.tracks)} "
                "(curricula/progression.yaml)"
            )
        return self.tracks[tid]

    @property
    def stages(self) -> dict[str, dict[str, Any]]:
        """The default track's stages."""
        return self.track(None).stages


def _problem(problems: list[Problem], path: Path, key: str, message: str, fix: str) -> None:
    problems.append(Problem(str(path), key, message, fix))


def _read_stages(
    stages: Any, kinds: dict, path: Path, prefix: str, problems: list[Problem]
) -> dict[str, dict[str, Any]]:
    if not isinstance(stages, dict) or not stages:
        _problem(problems, path, prefix, "needs stages", "write `stages: {传: {modules: […]}, …}`")
        return {}
    for stage, req in stages.items():
        key = f"{prefix}.{stage}"
        if stage not in STAGES:
            _problem(problems, path, key, "not a stage", "use 传, 帮, 带 or 教")
            continue
        if not isinstance(req, dict):
            _problem(problems, path, key, "must be a mapping", "write `modules: […]`")
            continue
        for bad in sorted(set(req) - STAGE_KEYS):
            _problem(
                problems, path, f"{key}.{bad}", "unknown key", "use modules, assessments, entries"
            )
        for kind, count in (req.get("entries") or {}).items():
            if kind not in kinds:
                _problem(
                    problems,
                    path,
                    f"{key}.entries.{kind}",
                    "unknown entry kind",
                    f"use one of {', '.join(kinds)}",
                )
            elif kinds[kind].get("stage") != stage:
                _problem(
                    problems,
                    path,
                    f"{key}.entries.{kind}",
                    f"a {kinds[kind].get('stage')} entry asked for at {stage}",
                    f"move it to the {kinds[kind].get('stage')} stage or change the kind's stage",
                )
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                _problem(
                    problems,
                    path,
                    f"{key}.entries.{kind}",
                    f"{count!r} is not a count",
                    "write `2`",
                )
    return {s: dict(stages.get(s) or {}) for s in STAGES if isinstance(stages.get(s), dict)}


def load_rules(root: str | os.PathLike[str] | None = None) -> Rules:
    """Read and validate ``progression.yaml`` (format 1 or 2).

    Raises:
        CurriculumError: with every problem (file, key, fix).
    """
    path = Path(root or curricula_root()) / "progression.yaml"
    problems: list[Problem] = []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise CurriculumError(f"cannot read {path}: {e}") from e
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version not in (1, RULES_VERSION):
        raise CurriculumError(
            f"{path}: schema_version: missing or unsupported — write `schema_version: "
            f"{RULES_VERSION}`"
        )
    kinds = data.get("kinds") or {}
    for kind, spec in kinds.items():
        if (
            not isinstance(spec, dict)
            or spec.get("stage") not in STAGES[1:]
            or not spec.get("zh")
            or not spec.get("en")
        ):
            _problem(
                problems,
                path,
                f"kinds.{kind}",
                "needs a stage (帮, 带 or 教) and zh/en names",
                "write `kind: {stage: 帮, zh: …, en: …}`",
            )
    if version == 1:  # one set of stages for everyone: read as the track `staff`
        raw_tracks = {
            "staff": {"zh": "全体学员", "en": "All trainees", "stages": data.get("stages")}
        }
        default = "staff"
    else:
        raw_tracks = data.get("tracks") or {}
        default = str(data.get("default_track", ""))
        for bad in sorted(set(data) - {"schema_version", "kinds", "default_track", "tracks"}):
            _problem(problems, path, bad, "unknown key", "use kinds, default_track, tracks")
        if not isinstance(raw_tracks, dict) or not raw_tracks:
            _problem(
                problems, path, "tracks", "needs at least one track", "add `tracks: {staff: …}`"
            )
            raw_tracks = {}
        if default not in raw_tracks:
            _problem(
                problems,
                path,
                "default_track",
                f"{default!r} is not a track",
                f"use one of {', '.join(raw_tracks)}",
            )
    tracks: dict[str, Track] = {}
    for tid, spec in raw_tracks.items():
        key = f"tracks.{tid}"
        if not _TRACK_ID.match(str(tid)):
            _problem(
                problems, path, key, "not a track id", "use lower-case letters, e.g. `volunteer`"
            )
        if not isinstance(spec, dict) or not spec.get("zh") or not spec.get("en"):
            _problem(problems, path, key, "needs zh/en names", "write `zh: 志愿者, en: Volunteers`")
            continue
        stages = _read_stages(spec.get("stages"), kinds, path, f"{key}.stages", problems)
        tracks[str(tid)] = Track(str(tid), {"zh": spec["zh"], "en": spec["en"]}, stages)
    if problems:
        raise CurriculumError(f"{len(problems)} problem(s) in {path}", problems)
    return Rules({k: dict(v) for k, v in kinds.items()}, tracks, default)


def check_rules(
    rules: Rules, modules: dict[str, Any], assessments: dict[str, Any], path: Path
) -> list[Problem]:
    """Problems of ``rules`` against a curricula folder: every module and assessment a track names
    exists, and every track asks for practice evidence (entries) at 帮 and 带."""
    problems: list[Problem] = []
    for track in rules.tracks.values():
        for stage, req in track.stages.items():
            key = f"tracks.{track.id}.stages.{stage}"
            for m in req.get("modules") or []:
                if m not in modules:
                    _problem(
                        problems,
                        path,
                        f"{key}.modules",
                        f"no module {m!r}",
                        "use a module folder name",
                    )
            for a in req.get("assessments") or []:
                if a not in assessments:
                    _problem(
                        problems,
                        path,
                        f"{key}.assessments",
                        f"no assessment {a!r}",
                        "use an id from a module's assessments.yaml",
                    )
        for stage in ("帮", "带"):
            if not (track.stages.get(stage, {}).get("entries")):
                _problem(
                    problems,
                    path,
                    f"tracks.{track.id}.stages.{stage}.entries",
                    "no practice evidence for this stage",
                    "name the mentoring-log entries this kind of trainee must have signed off",
                )
    return problems
