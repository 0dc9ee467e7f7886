"""Training curricula as files: load and validate ``curricula/<module-id>/`` into typed objects.

Layout of one module (format ``schema_version: 1``)::

    curricula/
      competencies.yaml          the vocabulary for ``competencies`` (exam areas, CSWE competencies)
      <module-id>/
        module.yaml              id, order, title/summary {zh, en}, stage, objectives, hours
                                 (learning hours, checked against the content by
                                 :mod:`shegong.training.hours`; ``estimated_hours`` is read as its
                                 earlier name), competencies, prerequisites, pages (ordered Markdown
                                 file names)
        pages/*.md               one page each; the first ``# `` heading is its title
        exercises/*.yaml         ``schema_version`` + ``exercises:`` list (types in
        :mod:`shegong.training.grading`) keys.yaml                answer keys of *summative*
        exercises only (trainer side, never loaded here) data/                    files exercises
        refer to (e.g. a messy ledger CSV)

:func:`check_curricula` reports every problem at once (file, key, message, fix);
:func:`load_module` and :func:`load_curricula` raise :class:`~shegong.errors.CurriculumError`
carrying that list. Text fields are ``{zh: …, en: …}`` or a plain string (taken as zh);
:func:`text` picks a language with a fallback to zh.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any

from shegong.config import project_root, setting
from shegong.errors import ConfigError, CurriculumError, Problem
from shegong.training import answer_keys, grading
from shegong.training.hours import check_hours
from shegong.training.model import (
    SCHEMA_VERSION,
    STAGES,
    Exercise,
    Module,
    Page,
    check_text,
    read_yaml,
    unknown_keys,
)

MODULE_KEYS = {
    "schema_version",
    "id",
    "order",
    "title",
    "summary",
    "stage",
    "objectives",
    "hours",
    "estimated_hours",
    "competencies",
    "prerequisites",
    "pages",
}
MIN_PAGES, MIN_EXERCISES, MIN_TYPES = 3, 6, 3
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def curricula_root() -> Path:
    """``SHEGONG_CURRICULA`` or the checkout's ``curricula/`` folder.

    Raises:
        ConfigError: no curricula folder can be found.
    """
    env = setting("SHEGONG_CURRICULA")
    root = Path(env) if env else project_root() / "curricula"
    if not root.is_dir():
        raise ConfigError(
            f"curricula folder {root} not found: set SHEGONG_CURRICULA or use the project checkout"
        )
    return root


def check_stage(stage: Any) -> bool:
    """True for ``传``/``帮``/``带``/``教`` or a transition to the next stage (``传→帮``)."""
    if stage in STAGES:
        return True
    parts = str(stage).split("→")
    return (
        len(parts) == 2
        and all(p in STAGES for p in parts)
        and STAGES.index(parts[1]) == STAGES.index(parts[0]) + 1
    )


def load_vocabulary(root: Path, problems: list[Problem]) -> set[str]:
    """Competency codes from ``competencies.yaml`` (``exam.*`` and ``cswe.*``)."""
    path = root / "competencies.yaml"
    if not path.exists():
        problems.append(
            Problem(
                str(path),
                "(file)",
                "competency vocabulary missing",
                "restore curricula/competencies.yaml",
            )
        )
        return set()
    data = read_yaml(path, problems) or {}
    codes = set()
    for group in ("exam", "cswe"):
        for code in data.get(group) or {}:
            codes.add(f"{group}.{code}")
    return codes


def _load_exercises(
    folder: Path, module_id: str, page_ids: set[str], problems: list[Problem]
) -> list[Exercise]:
    exercises: list[Exercise] = []
    seen: set[str] = set()
    for file in sorted((folder / "exercises").glob("*.yaml")):
        doc = read_yaml(file, problems)
        if doc is None:
            continue
        if not isinstance(doc, dict) or doc.get("schema_version") != SCHEMA_VERSION:
            problems.append(
                Problem(
                    str(file),
                    "schema_version",
                    "missing or unsupported",
                    f"put `schema_version: {SCHEMA_VERSION}` at the top",
                )
            )
            continue
        items = doc.get("exercises")
        if not isinstance(items, list) or not items:
            problems.append(
                Problem(
                    str(file), "exercises", "must be a non-empty list", "add `exercises:` items"
                )
            )
            continue
        for i, raw in enumerate(items):
            where = f"exercises[{i}]"
            if not isinstance(raw, dict):
                problems.append(
                    Problem(str(file), where, "must be a mapping", "start the item with `- id: …`")
                )
                continue
            ex_id = str(raw.get("id", ""))
            where = f"exercises[{i}] ({ex_id or 'no id'})."
            if not _ID.match(ex_id):
                problems.append(
                    Problem(
                        str(file),
                        where + "id",
                        "missing or not lower-case letters, digits, '-'",
                        "give the exercise an id such as `e01`",
                    )
                )
            elif ex_id in seen:
                problems.append(
                    Problem(
                        str(file),
                        where + "id",
                        f"duplicate id '{ex_id}'",
                        "make ids unique in the module",
                    )
                )
            seen.add(ex_id)
            after = raw.get("after")
            if after is not None and str(after) not in page_ids:
                problems.append(
                    Problem(
                        str(file),
                        where + "after",
                        f"no page '{after}'",
                        f"use one of: {', '.join(sorted(page_ids))}",
                    )
                )
            ex = grading.build_exercise(
                raw, file=file, module_id=module_id, where=where, problems=problems
            )
            if ex is not None:
                exercises.append(ex)
    return exercises


def _load_pages(folder: Path, names: Any, file: Path, problems: list[Problem]) -> list[Page]:
    pages: list[Page] = []
    if not isinstance(names, list) or not names:
        problems.append(
            Problem(
                str(file),
                "pages",
                "must list the Markdown pages in order",
                "add `pages: [01-intro.md, …]`",
            )
        )
        return pages
    for i, name in enumerate(names):
        path = folder / "pages" / str(name)
        if not path.is_file():
            problems.append(
                Problem(
                    str(file),
                    f"pages[{i}]",
                    f"page file pages/{name} not found",
                    "create the file or correct the name",
                )
            )
            continue
        md = path.read_text(encoding="utf-8")
        heading = next((ln[2:].strip() for ln in md.splitlines() if ln.startswith("# ")), "")
        if not heading:
            problems.append(
                Problem(
                    str(path), "(heading)", "page has no `# ` title", "start the page with `# 标题`"
                )
            )
        pages.append(Page(path.stem, heading, md, path))
    return pages


def _collect_module(
    folder: Path, vocabulary: set[str] | None, problems: list[Problem]
) -> Module | None:
    file = folder / "module.yaml"
    if not file.is_file():
        problems.append(
            Problem(
                str(file),
                "(file)",
                "module.yaml not found",
                "create module.yaml in the module folder",
            )
        )
        return None
    raw = read_yaml(file, problems)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(
            Problem(
                str(file), "(top)", "must be a mapping", "see curricula/README.md for the format"
            )
        )
        return None
    before = len(problems)
    if raw.get("schema_version") != SCHEMA_VERSION:
        problems.append(
            Problem(
                str(file),
                "schema_version",
                f"is {raw.get('schema_version')!r}",
                f"set `schema_version: {SCHEMA_VERSION}`",
            )
        )
    unknown_keys(raw, MODULE_KEYS, file, "", problems)
    if raw.get("id") != folder.name:
        problems.append(
            Problem(
                str(file),
                "id",
                f"is {raw.get('id')!r} but the folder is '{folder.name}'",
                f"set `id: {folder.name}`",
            )
        )
    if not isinstance(raw.get("order"), int):
        problems.append(
            Problem(
                str(file),
                "order",
                "missing or not an integer",
                "add `order: 1` (position in the catalogue)",
            )
        )
    check_text(raw.get("title"), file, "title", problems, need_en=True)
    check_text(raw.get("summary"), file, "summary", problems, need_en=True)
    if not check_stage(raw.get("stage")):
        problems.append(
            Problem(
                str(file),
                "stage",
                f"{raw.get('stage')!r} is not a stage",
                "use 传, 帮, 带, 教 or a step such as 传→帮",
            )
        )
    objectives = raw.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        problems.append(
            Problem(
                str(file),
                "objectives",
                "must be a non-empty list",
                "list what the trainee can do afterwards",
            )
        )
    hours_key = "hours" if "hours" in raw or "estimated_hours" not in raw else "estimated_hours"
    hours = raw.get(hours_key)
    if "hours" in raw and "estimated_hours" in raw:
        problems.append(
            Problem(
                str(file),
                "estimated_hours",
                "given beside `hours` (its earlier name)",
                "keep `hours:` only",
            )
        )
    hours_ok = isinstance(hours, (int, float)) and not isinstance(hours, bool) and hours > 0
    if not hours_ok:
        problems.append(
            Problem(
                str(file),
                hours_key,
                f"{hours!r} is not a positive number of hours",
                "write e.g. `hours: 2.5`",
            )
        )
    competencies = raw.get("competencies") or []
    if not isinstance(competencies, list) or not competencies:
        problems.append(
            Problem(
                str(file),
                "competencies",
                "must be a non-empty list",
                "add codes from curricula/competencies.yaml, e.g. exam.ethics, cswe.1",
            )
        )
        competencies = []
    for i, code in enumerate(competencies):
        if vocabulary is not None and code not in vocabulary:
            near = difflib.get_close_matches(str(code), sorted(vocabulary), n=1)
            problems.append(
                Problem(
                    str(file),
                    f"competencies[{i}]",
                    f"unknown competency '{code}'",
                    f"use '{near[0]}'" if near else "add it to curricula/competencies.yaml",
                )
            )
    prerequisites = raw.get("prerequisites") or []
    if not isinstance(prerequisites, list):
        problems.append(
            Problem(
                str(file),
                "prerequisites",
                "must be a list of module ids",
                "write `prerequisites: []`",
            )
        )
        prerequisites = []
    pages = _load_pages(folder, raw.get("pages"), file, problems)
    exercises = _load_exercises(folder, folder.name, {p.id for p in pages}, problems)
    if raw.get("pages") and len(pages) < MIN_PAGES:
        problems.append(
            Problem(
                str(file),
                "pages",
                f"{len(pages)} pages; a module needs at least {MIN_PAGES}",
                "write more pages",
            )
        )
    if hours_ok and len(problems) == before:
        check_hours(float(hours), pages, exercises, file, problems)
    types = {ex.type for ex in exercises}
    if len(exercises) < MIN_EXERCISES or len(types) < MIN_TYPES:
        problems.append(
            Problem(
                str(folder / "exercises"),
                "exercises",
                f"{len(exercises)} exercises of {len(types)} types; a module needs at least "
                f"{MIN_EXERCISES} exercises of {MIN_TYPES} types",
                "add exercises of other types",
            )
        )
    if len(problems) > before:
        return None
    return Module(
        id=folder.name,
        order=raw["order"],
        title=raw["title"],
        summary=raw["summary"],
        stage=raw["stage"],
        objectives=objectives,
        hours=float(hours),
        competencies=list(competencies),
        prerequisites=[str(p) for p in prerequisites],
        pages=pages,
        exercises=exercises,
        path=folder,
    )


def _module_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def check_keys(module: Module, problems: list[Problem]) -> None:
    """Trainer side only: the key file holds one well-formed key per summative exercise and nothing
    else.

    Never called on a trainee's code path (:func:`load_module`), so keys stay out of their kernel;
    the rules are :func:`shegong.training.answer_keys.check_module_keys`.
    """
    answer_keys.check_module_keys(module, problems)


def check_curricula(
    path: str | os.PathLike[str] | None = None, *, keys: bool = False
) -> tuple[list[Module], list[Problem]]:
    """Validate a curricula folder (or one module folder) and return ``(modules, problems)``.

    Every problem is collected; nothing is raised for content errors. A module with problems is
    left out of ``modules``. Prerequisites must name modules in the same folder. ``keys=True``
    (the trainer's ``shegong curriculum check``) also validates each module's ``keys.yaml``.
    """
    target = Path(path) if path else curricula_root()
    problems: list[Problem] = []
    if not target.exists():
        return [], [
            Problem(
                str(target),
                "(path)",
                "does not exist",
                "give a curricula folder or a module folder",
            )
        ]
    single = (target / "module.yaml").exists()
    root = target.parent if single else target
    vocabulary = load_vocabulary(root, problems)
    folders = [target] if single else _module_folders(target)
    if not folders:
        problems.append(
            Problem(
                str(target),
                "(folder)",
                "no module folders",
                "add curricula/<module-id>/module.yaml",
            )
        )
    modules = [m for f in folders if (m := _collect_module(f, vocabulary, problems)) is not None]
    known = {f.name for f in _module_folders(root)}
    for m in modules if keys else []:
        check_keys(m, problems)
    for m in modules:
        for i, pre in enumerate(m.prerequisites):
            if pre not in known or pre == m.id:
                problems.append(
                    Problem(
                        str(m.path / "module.yaml"),
                        f"prerequisites[{i}]",
                        f"no module '{pre}'",
                        f"use one of: {', '.join(sorted(known - {m.id}))}",
                    )
                )
    return modules, problems


def load_curricula(path: str | os.PathLike[str] | None = None) -> dict[str, Module]:
    """All modules by id, in catalogue order.

    Raises:
        CurriculumError: with every problem found, when any module is invalid.
    """
    modules, problems = check_curricula(path)
    if problems:
        raise CurriculumError(f"curriculum check failed with {len(problems)} problem(s)", problems)
    return {m.id: m for m in sorted(modules, key=lambda m: (m.order, m.id))}


def load_module(module_id: str, root: str | os.PathLike[str] | None = None) -> Module:
    """One module by id from ``root`` (default :func:`curricula_root`).

    Raises:
        CurriculumError: unknown id (exit code 2) or an invalid module, with every problem.
    """
    base = Path(root) if root else curricula_root()
    folder = base / module_id
    if not _ID.match(module_id) or not (folder / "module.yaml").is_file():
        known = ", ".join(f.name for f in _module_folders(base))
        raise CurriculumError(f"no module '{module_id}' in {base}: use one of {known}")
    modules, problems = check_curricula(folder)
    if problems:
        raise CurriculumError(f"module '{module_id}' has {len(problems)} problem(s)", problems)
    return modules[0]
