"""The curriculum's objects and the checks every file format of a module shares.

A module (:class:`Module`) holds pages (:class:`Page`) and exercises (:class:`Exercise`), loaded by
:mod:`shegong.training.curriculum`; exercise types (:mod:`shegong.training.grading`) and answer keys
(:mod:`shegong.training.answer_keys`) validate their own fields with :func:`check_text` and
:func:`unknown_keys`. Texts are ``{"zh": ..., "en": ...}`` mappings or plain strings (:func:`text`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shegong.errors import Problem

SCHEMA_VERSION = 1


STAGES = ("传", "帮", "带", "教")


STAGE_NAMES = {"传": "pass on", "帮": "help", "带": "lead", "教": "teach"}


def text(value: Any, lang: str = "zh") -> str:
    """The ``lang`` text of a ``{zh, en}`` mapping (falling back to zh), or ``value`` as a
    string."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("zh") or value.get("en") or "")
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Page:
    """One Markdown page: ``id`` is the file stem, ``title`` its first ``# `` heading."""

    id: str
    title: str
    markdown: str
    file: Path


@dataclass(frozen=True)
class Exercise:
    """One exercise. ``data`` holds the type-specific fields (see :mod:`shegong.training.grading`).

    ``points`` is the maximum score (points); ``mode`` is ``practice`` (auto or self scored,
    feedback shown) or ``summative`` (submitted; its key lives in ``keys.yaml``).
    """

    id: str
    type: str
    mode: str
    prompt: dict[str, str]
    points: float
    after: str | None
    data: dict[str, Any]
    file: Path
    module_id: str = ""


@dataclass(frozen=True)
class Module:
    """A training module (DOMAIN.md §6): stage such as ``传`` or ``传→帮``; ``hours`` the learning
    hours it declares, checked against its content by :mod:`shegong.training.hours`."""

    id: str
    order: int
    title: dict[str, str]
    summary: dict[str, str]
    stage: str
    objectives: list[Any]
    hours: float
    competencies: list[str]
    prerequisites: list[str]
    pages: list[Page]
    exercises: list[Exercise]
    path: Path
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def first_stage(self) -> str:
        """The stage this module's training completes (``传→帮`` → ``传``)."""
        return self.stage.split("→")[0]

    def exercise(self, exercise_id: str) -> Exercise:
        """The exercise with that id; raises :class:`KeyError`."""
        for ex in self.exercises:
            if ex.id == exercise_id:
                return ex
        raise KeyError(exercise_id)

    def sequence(self) -> list[Page | Exercise]:
        """Pages in order, each followed by the practice exercises placed ``after`` it; the rest at
        the end.

        Summative exercises are left out: they are taken in an assessment
        (:mod:`shegong.training.assessment`).
        """
        items: list[Page | Exercise] = []
        practice = [
            ex for ex in self.exercises if ex.mode == "practice"
        ]  # summative items: assessments only
        for page in self.pages:
            items.append(page)
            items.extend(ex for ex in practice if ex.after == page.id)
        items.extend(ex for ex in practice if ex.after is None)
        return items


def read_yaml(path: Path, problems: list[Problem]) -> Any:
    """The parsed YAML of ``path``, or ``None`` after appending a problem for a file that cannot be
    read or parsed."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        problems.append(
            Problem(
                str(path),
                where,
                f"not valid YAML: {getattr(e, 'problem', e)}",
                "fix the indentation or quoting at that line",
            )
        )
    except (OSError, UnicodeDecodeError) as e:
        problems.append(Problem(str(path), "(file)", f"cannot read: {e}", "save the file as UTF-8"))
    return None


def unknown_keys(
    data: dict, allowed: set[str], file: Path, prefix: str, problems: list[Problem]
) -> None:
    """Append an ``unknown key`` problem (with the closest allowed key) for each key of ``data``
    not in ``allowed``."""
    for key in data:
        if key not in allowed:
            near = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            fix = (
                f"rename it to '{near[0]}'"
                if near
                else f"remove it (allowed: {', '.join(sorted(allowed))})"
            )
            problems.append(Problem(str(file), f"{prefix}{key}", "unknown key", fix))


def check_text(value: Any, file: Path, key: str, problems: list[Problem], *, need_en: bool) -> None:
    """Append a problem when ``value`` is not bilingual text ``{zh, en}`` (plain text allowed when
    ``need_en`` is false)."""
    if isinstance(value, str) and value.strip() and not need_en:
        return
    if not isinstance(value, dict) or not str(value.get("zh", "")).strip():
        problems.append(
            Problem(
                str(file),
                key,
                "missing or empty Chinese text",
                f"write it as `{key.split('.')[-1]}: {{zh: 中文, en: English}}`",
            )
        )
    elif need_en and not str(value.get("en", "")).strip():
        problems.append(
            Problem(str(file), f"{key}.en", "missing English text", "add an `en:` translation")
        )


SOURCE_KEYS = {"ref", "url", "passage", "general", "note"}


def check_source(value: Any, file: Path, key: str, problems: list[Problem]) -> None:
    """Validate an exercise's ``source``: a short string (e.g. ``GIFT line 12``) or a list of
    entries ``{ref, url, passage}`` (a page consulted and the passage relied on) or ``{ref,
    general}`` (said honestly to rest on general knowledge), each with an optional ``note`` (why an
    item changed)."""
    if value is None or (isinstance(value, str) and value.strip()):
        return
    if not isinstance(value, list) or not value:
        problems.append(
            Problem(
                str(file),
                key,
                "must be a string or a list of sources",
                "write `source: [{ref: …, url: …, passage: …}]` or `[{ref: …, general: …}]`",
            )
        )
        return
    for i, entry in enumerate(value):
        where = f"{key}[{i}]"
        if not isinstance(entry, dict) or not str(entry.get("ref", "")).strip():
            problems.append(
                Problem(
                    str(file), where, "needs `ref` (what is relied on)", "add `ref: 文件名、条款`"
                )
            )
            continue
        unknown_keys(entry, SOURCE_KEYS, file, where + ".", problems)
        has_page = bool(str(entry.get("url", "")).strip())
        if has_page and not str(entry.get("passage", "")).strip():
            problems.append(
                Problem(str(file), where, "a URL without the passage relied on", "add `passage: …`")
            )
        if has_page and not str(entry["url"]).startswith(("http://", "https://")):
            problems.append(
                Problem(str(file), where + ".url", "not an http(s) address", "give the page's URL")
            )
        if not has_page and not str(entry.get("general", "")).strip():
            problems.append(
                Problem(
                    str(file),
                    where,
                    "neither a page (url + passage) nor general knowledge",
                    "add `url:` and `passage:`, or say `general: 一般知识：…` honestly",
                )
            )
