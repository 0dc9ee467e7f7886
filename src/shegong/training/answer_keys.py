"""Answer keys and rubrics of summative exercises: trainer side only (DESIGN.md §7).

Keys live in ``keys.yaml`` beside a module (``curricula/<module-id>/keys.yaml``), or in
``$SHEGONG_KEYS_DIR/<module-id>.yaml`` when the trainer keeps them outside the checkout (the
JupyterHub set-up mounts that folder for trainers only, docs/jupyterhub.md). Format
``schema_version: 1``::

    keys:
      s01: {correct: b}                       # single: the correct option id
      s02: {correct: [a, b, d]}               # multiple: the correct option ids
      s03: {answers: [服务对象, 案主]}          # short: accepted answers (optionally {text,
      weight}) s04: {answer: 6, unit: 人次, tolerance: 0}  # numeric
      s05: {rubric: {criteria: [{id, name, points, description}]}, model_answer: …}  # open
    # any key may add `why:` (feedback shown after release)

No trainee-side module imports this one (:mod:`shegong.training.assessment`, the widgets of the
assessment notebook); ``tests/test_keys_trace.py`` traces file opens to prove it, and
``tests/test_keys_osuser.py`` shows a second OS user gets :class:`~shegong.errors.KeyAccessError` on
a 0600 key file.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import yaml

from shegong.config import setting
from shegong.errors import KeyAccessError, Problem
from shegong.training.model import SCHEMA_VERSION, Exercise, Module


def keys_path(module: Module) -> Path:
    """Where ``module``'s key file is: ``$SHEGONG_KEYS_DIR/<id>.yaml`` if set, else
    ``<module>/keys.yaml``."""
    env = setting("SHEGONG_KEYS_DIR")
    return Path(env) / f"{module.id}.yaml" if env else module.path / "keys.yaml"


def protect_keys(modules: dict[str, Module]) -> list[Path]:
    """Make the key file of every module owner-only (0600) where this process owns it (a checkout
    gives them 0644); returns the files changed. Called by ``shegong init``, ``shegong demo`` and
    ``shegong serve`` (DESIGN.md §7)."""
    changed = []
    for module in modules.values():
        path = keys_path(module)
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        if st.st_uid == os.getuid() and st.st_mode & 0o077:
            path.chmod(0o600)
            changed.append(path)
    return changed


def load_keys(module: Module) -> dict[str, dict[str, Any]]:
    """The keys of ``module``'s summative exercises, by exercise id.

    Raises:
        KeyAccessError: the file is not readable by this process (a trainee's, under separate OS
            users), missing, or not a keys file; the message names the file and the fix.
    """
    path = keys_path(module)
    try:
        raw = path.read_text(encoding="utf-8")
    except PermissionError as e:
        raise KeyAccessError(
            f"answer keys {path} are not readable by this user: only the trainer's "
            "process grades summative exercises (run `shegong grade` as the trainer)",
            str(path),
        ) from e
    except FileNotFoundError as e:
        raise KeyAccessError(
            f"answer keys {path} not found: create it or set SHEGONG_KEYS_DIR to the "
            "trainer's key folder",
            str(path),
        ) from e
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as e:
        raise KeyAccessError(f"answer keys {path} are not valid YAML: {e}", str(path)) from e
    if (
        not isinstance(data, dict)
        or data.get("schema_version") != SCHEMA_VERSION
        or not isinstance(data.get("keys"), dict)
    ):
        raise KeyAccessError(
            f"{path} is not a keys file: write `schema_version: {SCHEMA_VERSION}` and "
            "a `keys:` mapping",
            str(path),
        )
    return {str(k): dict(v or {}) for k, v in data["keys"].items()}


def keyed_exercise(ex: Exercise, key: dict[str, Any]) -> Exercise:
    """A practice copy of summative ``ex`` with its key merged in, for
    :func:`shegong.training.grading.grade`.

    Open exercises get their rubric and model answer; choice items get ``correct: true`` on their
    options.
    """
    data = dict(ex.data)
    if ex.type in ("single", "multiple"):
        right = {
            str(c)
            for c in (key["correct"] if isinstance(key["correct"], list) else [key["correct"]])
        }
        data["options"] = [{**o, "correct": str(o["id"]) in right} for o in ex.data["options"]]
    else:
        data.update({k: v for k, v in key.items() if k != "why"})
    if key.get("why"):
        data["explanation"] = key["why"]
    return dataclasses.replace(ex, mode="practice", data=data)


def rubric(ex: Exercise, key: dict[str, Any]) -> list[dict[str, Any]]:
    """The rubric criteria of an open exercise: ``[{id, name, points, description}]`` (points)."""
    return list((key.get("rubric") or {}).get("criteria") or [])


def _check_key(ex: Exercise, key: Any, file: str, problems: list[Problem]) -> None:
    where = f"keys.{ex.id}"
    if not isinstance(key, dict):
        problems.append(Problem(file, where, "must be a mapping", "write e.g. `s01: {correct: b}`"))
        return
    if ex.type in ("single", "multiple"):
        ids = {str(o["id"]) for o in ex.data["options"]}
        got = key.get("correct")
        chosen = (
            {str(c) for c in (got if isinstance(got, list) else [got])}
            if got is not None
            else set()
        )
        if not chosen or not chosen <= ids:
            problems.append(
                Problem(
                    file,
                    where + ".correct",
                    f"must name option ids of {ex.id}",
                    f"use {', '.join(sorted(ids))}",
                )
            )
        elif ex.type == "single" and (isinstance(got, list) or len(chosen) != 1):
            problems.append(
                Problem(
                    file,
                    where + ".correct",
                    "a single-answer item has one correct option",
                    "write `correct: b`",
                )
            )
        elif ex.type == "multiple" and not (2 <= len(chosen) < len(ids)):
            problems.append(
                Problem(
                    file,
                    where + ".correct",
                    f"{len(chosen)} of {len(ids)} options correct",
                    "at least 2 correct and 1 wrong option (exam rule)",
                )
            )
    elif ex.type == "numeric" and not isinstance(key.get("answer"), (int, float)):
        problems.append(
            Problem(file, where + ".answer", "missing or not a number", "write `answer: 6`")
        )
    elif ex.type == "short" and not (isinstance(key.get("answers"), list) and key["answers"]):
        problems.append(
            Problem(file, where + ".answers", "needs accepted answers", "write `answers: [答案]`")
        )
    elif ex.type == "open":
        criteria = rubric(ex, key)
        if not criteria or not all(
            isinstance(c, dict)
            and c.get("id")
            and isinstance(c.get("points"), (int, float))
            and c["points"] > 0
            for c in criteria
        ):
            problems.append(
                Problem(
                    file,
                    where + ".rubric.criteria",
                    "needs named criteria with positive points",
                    "write `rubric: {criteria: [{id: c1, name: …, points: 2, description: …}]}`",
                )
            )
        elif abs(sum(c["points"] for c in criteria) - ex.points) > 1e-9:
            problems.append(
                Problem(
                    file,
                    where + ".rubric",
                    f"criteria sum to {sum(c['points'] for c in criteria):g} "
                    f"but the exercise has {ex.points:g} points",
                    "make `points:` equal the rubric's sum",
                )
            )


def check_module_keys(module: Module, problems: list[Problem]) -> None:
    """Append every problem of ``module``'s key file: a key per summative exercise, of the right
    shape."""
    summative = {e.id: e for e in module.exercises if e.mode == "summative"}
    path = keys_path(module)
    if not path.exists():
        for ex_id in sorted(summative):
            problems.append(
                Problem(
                    str(path),
                    f"keys.{ex_id}",
                    "summative exercise has no key",
                    f"create keys.yaml with `schema_version: 1` and `keys: {{{ex_id}: …}}`",
                )
            )
        return
    try:
        keys = load_keys(module)
    except KeyAccessError as e:
        problems.append(
            Problem(
                str(path), "schema_version", str(e), "see shegong/answer_keys.py for the format"
            )
        )
        return
    for ex_id in sorted(summative.keys() - keys.keys()):
        problems.append(
            Problem(str(path), f"keys.{ex_id}", "summative exercise has no key", "add its key")
        )
    for ex_id in sorted(keys.keys() - summative.keys()):
        problems.append(
            Problem(
                str(path),
                f"keys.{ex_id}",
                "no summative exercise with this id",
                "remove the key, or set `mode: summative` on the exercise",
            )
        )
    for ex_id in sorted(keys.keys() & summative.keys()):
        _check_key(summative[ex_id], keys[ex_id], str(path), problems)
