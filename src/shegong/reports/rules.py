"""The report rules: how problems are stated and what is advised, kept as data an evaluator edits.

``datasets/report_rules.yaml`` (its header documents every key), or ``WORKSPACE/report_rules.yaml``
when a workspace has its own copy, gives for each measure what to do when it is not met, who does
it (the station, the township, the county bureau … by the scope of the report), within how many
months of the report, and how next year's evaluation checks it; the same for the consistency
checks and the data-quality problems; the sentences that state a problem; the thresholds of the
highlights; the conclusion by grade; the basis and methods of the evaluation.

:func:`load_rules` validates the whole file at once (DESIGN.md §4): every problem is named with
the file, the key and the fix, and :class:`RulesError` carries them all.

:func:`settings` reads ``WORKSPACE/report_settings.yaml``: the evaluating body named on every
report of the workspace.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from shegong.config import Workspace, project_root
from shegong.errors import ShegongError

SCHEMA_VERSION = 1
LANGS = ("zh", "en")
SCOPES = ("station", "county", "prefecture", "province")
#: placeholders a text may use (filled by shegong.reports.assessment)
PLACEHOLDERS = frozenset(
    {
        "name",
        "value",
        "target",
        "gap",
        "share",
        "x",
        "n",
        "min",
        "sample",
        "next_target",
        "unit",
        "year",
        "expected",
        "rows",
        "rejected",
        "reasons",
        "count",
        "what",
        "months",
        "date",
        "first",
        "others",
        "score",
        "rank",
        "change",
        "counts",
        "area",
        "files",
        "persons",
        "staff",
        "volunteers",
        "sessions",
        "clients",
        "residents",
        "partners",
    }
)
SENTENCES = ("missed", "near", "suppressed", "what_near", "what_suppressed", "deadline", "lead")
GRADES = ("excellent", "good", "pass", "fail", "none")


class RulesError(ShegongError, ValueError):
    """The report rules file is invalid (exit code 2); the message names file, key and fix."""

    exit_code = 2


@dataclass(frozen=True)
class Action:
    """What is advised for one problem kind: ``what`` and ``check`` ({zh, en} texts), ``who``
    (scope → party codes, the first leads), ``months`` (period from the report's date), and for a
    measure the optional ``what_near``/``what_suppressed`` and ``sample`` (what its denominator
    counts); for a check or quality problem the ``problem`` sentence."""

    what: dict[str, str]
    check: dict[str, str]
    who: dict[str, tuple[str, ...]]
    months: int
    problem: dict[str, str] | None = None
    what_near: dict[str, str] | None = None
    what_suppressed: dict[str, str] | None = None
    sample: dict[str, str] | None = None


@dataclass(frozen=True)
class Rules:
    """The validated rules (see the module docstring); ``source`` the file read."""

    source: str
    parties: dict[str, dict[str, str]]
    scopes: dict[int, str]
    sentences: dict[str, dict[str, str]]
    measures: dict[str, Action]
    checks: dict[str, Action]
    quality: dict[str, Action]
    highlights: dict[str, float]
    conclusion: dict[str, dict[str, str]]
    basis: tuple[dict[str, str], ...]
    methods: dict[str, dict[str, str]]

    def party(self, code: str, lang: str) -> str:
        return self.parties[code][lang]


def rules_path(workspace: Workspace | None = None) -> Path:
    """``WORKSPACE/report_rules.yaml`` when the workspace has one, else ``datasets/report_rules.yaml``."""
    if workspace is not None and (workspace.root / "report_rules.yaml").exists():
        return workspace.root / "report_rules.yaml"
    return project_root() / "datasets" / "report_rules.yaml"


def _text(raw: Any, where: str, problems: list[str]) -> dict[str, str]:
    if not (isinstance(raw, dict) and all(isinstance(raw.get(k), str) and raw[k] for k in LANGS)):
        problems.append(f"{where}: needs both zh and en texts — write {{zh: …, en: …}}")
        return {k: "" for k in LANGS}
    for lang in LANGS:
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(raw[lang]) if f}
        except ValueError as e:
            problems.append(f"{where}.{lang}: {e} — write a placeholder as {{name}}")
            continue
        unknown = sorted(fields - PLACEHOLDERS)
        if unknown:
            problems.append(
                f"{where}.{lang}: unknown placeholder {', '.join(unknown)} — use one of "
                f"{', '.join(sorted(PLACEHOLDERS))}"
            )
    return {k: raw[k] for k in LANGS}


def _who(raw: Any, where: str, parties: dict, default: dict, problems: list[str]) -> dict:
    who = dict(default)
    if raw is None:
        return who
    if not isinstance(raw, dict):
        problems.append(f"{where}: must map scopes ({', '.join(SCOPES)}) to lists of parties")
        return who
    for scope, codes in raw.items():
        if scope not in SCOPES:
            problems.append(f"{where}.{scope}: unknown scope — use one of {', '.join(SCOPES)}")
            continue
        codes = codes if isinstance(codes, list) else [codes]
        bad = [c for c in codes if c not in parties]
        if bad or not codes:
            problems.append(
                f"{where}.{scope}: unknown party {', '.join(map(str, bad)) or '(none)'} — use "
                f"codes of key parties: {', '.join(parties)}"
            )
            continue
        who[scope] = tuple(codes)
    return who


def _months(raw: Any, where: str, default: int, problems: list[str]) -> int:
    if raw is None:
        return default
    if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= 36:
        problems.append(f"{where}: must be a whole number of months, 1–36")
        return default
    return raw


def _action(raw: Any, where: str, ctx: dict, problems: list[str], *, problem: bool) -> Action:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be a mapping with what, check (and who, months)")
        raw = {}
    keys = {"what", "check", "who", "months", "what_near", "what_suppressed", "sample"}
    keys |= {"problem"} if problem else set()
    for key in sorted(set(raw) - keys):
        problems.append(f"{where}: unknown key {key} — use one of {', '.join(sorted(keys))}")
    opt = {
        k: _text(raw[k], f"{where}.{k}", problems) if k in raw else None
        for k in ("what_near", "what_suppressed", "sample")
    }
    return Action(
        what=_text(raw.get("what"), f"{where}.what", problems),
        check=_text(raw.get("check"), f"{where}.check", problems),
        who=_who(raw.get("who"), f"{where}.who", ctx["parties"], ctx["who"], problems),
        months=_months(raw.get("months"), f"{where}.months", ctx["months"], problems),
        problem=_text(raw.get("problem"), f"{where}.problem", problems) if problem else None,
        **opt,
    )


def load_rules(
    path: Path | str | None = None, *, workspace: Workspace | None = None, measure_ids=None
) -> Rules:
    """Load and validate the report rules (``path``, else :func:`rules_path`).

    ``measure_ids`` (the registry's) lets the check name rules for measures that do not exist
    and measures without a rule.

    Raises:
        RulesError: unreadable YAML, a wrong ``schema_version``, a text without zh or en, an
            unknown placeholder, party, scope or key, a period outside 1–36 months — all at once.
    """
    path = Path(path) if path else rules_path(workspace)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise RulesError(f"{path.name}: cannot read the report rules: {e}") from e
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        found = data.get("schema_version") if isinstance(data, dict) else None
        raise RulesError(
            f"{path.name}: key schema_version must be {SCHEMA_VERSION} (found {found!r})"
        )
    problems: list[str] = []
    parties = {
        str(k): _text(v, f"parties.{k}", problems) for k, v in (data.get("parties") or {}).items()
    }
    if not parties:
        problems.append("parties: list at least one responsible party")
    scopes = {}
    for level, scope in (data.get("scopes") or {}).items():
        if scope not in SCOPES or not str(level).isdigit():
            problems.append(f"scopes.{level}: map a level 1–5 to one of {', '.join(SCOPES)}")
        else:
            scopes[int(level)] = scope
    who = _who(data.get("who"), "who", parties, {}, problems)
    for scope in SCOPES:
        if scope not in who:
            problems.append(f"who.{scope}: missing — give the default parties of a {scope} report")
    ctx = {"parties": parties, "who": who, "months": _months(data.get("months"), "months", 6, [])}
    sentences = {
        k: _text((data.get("sentences") or {}).get(k), f"sentences.{k}", problems)
        for k in SENTENCES
    }
    support = (data.get("sentences") or {}).get("support")
    sentences["support"] = _text(support, "sentences.support", problems)
    measures = {
        str(k): _action(v, f"measures.{k}", ctx, problems, problem=False)
        for k, v in (data.get("measures") or {}).items()
    }
    if measure_ids is not None:
        for k in sorted(set(measures) - set(measure_ids)):
            problems.append(f"measures.{k}: not a measure of the indicator registry — remove it")
        for k in [m for m in measure_ids if m not in measures]:
            problems.append(f"measures.{k}: no rule — add what, check for it")
    checks = {
        str(k): _action(v, f"checks.{k}", ctx, problems, problem=True)
        for k, v in (data.get("checks") or {}).items()
    }
    quality = {
        str(k): _action(v, f"quality.{k}", ctx, problems, problem=True)
        for k, v in (data.get("quality") or {}).items()
    }
    highlights = data.get("highlights") or {}
    for key, default in (
        ("exceed", 1.2),
        ("improvement_points", 5),
        ("improvement_share", 0.2),
        ("max_items", 5),
    ):
        value = highlights.get(key, default)
        if not isinstance(value, int | float) or value <= 0:
            problems.append(f"highlights.{key}: must be a positive number")
        highlights[key] = float(value) if isinstance(value, int | float) else default
    conclusion = {
        g: _text((data.get("conclusion") or {}).get(g), f"conclusion.{g}", problems) for g in GRADES
    }
    basis = tuple(_text(b, f"basis[{i}]", problems) for i, b in enumerate(data.get("basis") or []))
    methods = {
        str(k): _text(v, f"methods.{k}", problems) for k, v in (data.get("methods") or {}).items()
    }
    if problems:
        raise RulesError(f"{path.name}: " + "; ".join(problems))
    return Rules(
        str(path),
        parties,
        scopes,
        sentences,
        measures,
        checks,
        quality,
        highlights,
        conclusion,
        basis,
        methods,
    )


SETTINGS_FILE = "report_settings.yaml"


def settings(ws: Workspace) -> dict[str, Any]:
    """``WORKSPACE/report_settings.yaml`` — ``schema_version: 1`` and ``evaluating_body: {zh,
    en}`` (the body named on the cover and in the sign-off); {} when the file is absent.

    Raises:
        RulesError: unreadable YAML, another schema version, a body without both texts.
    """
    path = ws.root / SETTINGS_FILE
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise RulesError(f"{SETTINGS_FILE}: cannot read the report settings: {e}") from e
    if not isinstance(data, dict) or data.get("schema_version") != 1:
        raise RulesError(f"{SETTINGS_FILE}: key schema_version must be 1 — add `schema_version: 1`")
    problems: list[str] = []
    if "evaluating_body" in data:
        data["evaluating_body"] = _text(data["evaluating_body"], "evaluating_body", problems)
    if problems:
        raise RulesError(f"{SETTINGS_FILE}: " + "; ".join(problems))
    return data
