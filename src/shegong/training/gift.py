"""Import Moodle GIFT question banks into exercise YAML (``shegong curriculum import-gift``).

Supported GIFT (https://docs.moodle.org/en/GIFT_format), with the exercise type it becomes:

==============================================  ==============================================
``{=right ~wrong ~wrong}``                      ``single`` (1 point)
``{~%50%a ~%50%b ~%-100%c}`` (weights)           ``multiple`` (2 points, exam rule; options with a
                                                positive weight are the correct ones)
``{T}`` ``{TRUE}`` ``{F}`` ``{FALSE}``          ``single`` with options 对 / 错
``{#3.5:0.5}`` ``{#1..5}``                      ``numeric`` (answer, tolerance; no unit in GIFT)
``{=答案 =%50%部分答案}``                          ``short`` (accepted answers with weights)
``// comment``, ``$CATEGORY:``, ``::title::``    ignored / ``tags`` / dropped title
``#feedback`` ``####general feedback``          ``why`` per option / ``explanation``
``[markdown]`` ``[plain]`` ``[moodle]``          text kept
==============================================  ==============================================

Not supported, reported with the line number (the question is skipped, never silently):
matching (``->``), essay (``{}``), descriptions (no answer block), several numeric answers
with partial credit (the full-credit one is kept, the rest reported). ``[html]`` text is kept
as written and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shegong.atomic import write_text
from shegong.errors import CurriculumError, GiftError, Problem
from shegong.training import grading
from shegong.training.curriculum import curricula_root
from shegong.training.model import SCHEMA_VERSION

_ESCAPES = {
    "\\~": "~",
    "\\=": "=",
    "\\#": "#",
    "\\{": "{",
    "\\}": "}",
    "\\:": ":",
    "\\n": "\n",
    "\\\\": "\\",
}
_SENTINEL = {k: f"\x00{i}\x00" for i, k in enumerate(_ESCAPES)}


@dataclass(frozen=True)
class GiftIssue:
    """One unsupported feature: ``line`` (1-based) in the GIFT file, what, and what was done."""

    line: int
    feature: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.feature}: {self.message}"


@dataclass
class GiftReport:
    """What an import did: ``exercises`` (YAML mappings), ``issues`` (by line), ``out`` (file written)."""

    exercises: list[dict[str, Any]] = field(default_factory=list)
    issues: list[GiftIssue] = field(default_factory=list)
    out: Path | None = None


def _protect(s: str) -> str:
    for k, v in _SENTINEL.items():
        s = s.replace(k, v)
    return s


def _restore(s: str) -> str:
    for k, v in _SENTINEL.items():
        s = s.replace(v, _ESCAPES[k])
    return s.strip()


def _blocks(source: str) -> list[tuple[int, str, list[str]]]:
    """Questions as ``(first_line, text, categories_so_far)``; comments dropped."""
    blocks, current, start, category = [], [], 0, []
    for no, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if stripped.startswith("$CATEGORY:"):
            category = [stripped.split(":", 1)[1].strip()]
            continue
        if not stripped:
            if current:
                blocks.append((start, "\n".join(current), list(category)))
                current = []
            continue
        if not current:
            start = no
        current.append(line)
    if current:
        blocks.append((start, "\n".join(current), list(category)))
    return blocks


def _answers(body: str) -> list[dict[str, Any]]:
    parts = re.split(r"(?=[=~])", body.strip())
    out = []
    for part in parts:
        if not part.strip():
            continue
        mark, rest = part[0], part[1:]
        weight = None
        m = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", rest)
        if m:
            weight, rest = float(m.group(1)), rest[m.end() :]
        text, _, feedback = rest.partition("#")
        out.append(
            {"mark": mark, "weight": weight, "text": _restore(text), "feedback": _restore(feedback)}
        )
    return out


def _numeric(body: str, line: int, issues: list[GiftIssue]) -> dict[str, Any] | None:
    choices = (
        [c.strip() for c in re.split(r"(?==)", body) if c.strip()]
        if "=" in body
        else [body.strip()]
    )
    chosen = None
    for c in choices:
        m = re.fullmatch(
            r"=?\s*(?:%(-?\d+(?:\.\d+)?)%)?\s*(-?\d+(?:\.\d+)?)\s*(?:(:|\.\.)\s*(-?\d+(?:\.\d+)?))?\s*(#.*)?",
            c,
            re.S,
        )
        if not m:
            issues.append(GiftIssue(line, "numeric", f"cannot read {c!r}; question skipped"))
            return None
        weight = float(m.group(1)) if m.group(1) else 100.0
        if weight != 100.0:
            issues.append(
                GiftIssue(
                    line, "numeric partial credit", f"answer {c!r} with {weight:g}% not imported"
                )
            )
            continue
        a, sep, b = float(m.group(2)), m.group(3), m.group(4)
        if sep == "..":
            chosen = {"answer": (a + float(b)) / 2, "tolerance": abs(float(b) - a) / 2}
        else:
            chosen = {"answer": a, "tolerance": float(b) if b else 0.0}
    if chosen is None:
        issues.append(GiftIssue(line, "numeric", "no full-credit answer; question skipped"))
    return chosen


def _convert(
    line: int, raw: str, cats: list[str], issues: list[GiftIssue]
) -> dict[str, Any] | None:
    s = _protect(raw)
    s = re.sub(r"^\s*::.*?::", "", s, count=1, flags=re.S)
    fmt = re.match(r"\s*\[(html|markdown|plain|moodle)\]", s)
    if fmt:
        s = s[fmt.end() :]
        if fmt.group(1) == "html":
            issues.append(
                GiftIssue(line, "[html]", "HTML kept as written; check the converted text")
            )
    open_, close = s.find("{"), s.rfind("}")
    if open_ < 0 or close < open_:
        issues.append(
            GiftIssue(line, "description", "no answer block {…}; not an exercise, skipped")
        )
        return None
    body, before, after = s[open_ + 1 : close].strip(), s[:open_], s[close + 1 :]
    prompt = _restore(before + ("＿＿＿" + after if after.strip() else ""))
    general = ""
    if "####" in body:
        body, general = body.split("####", 1)
        body, general = body.strip(), _restore(general)
    ex: dict[str, Any] = {"prompt": {"zh": prompt}}
    if not body:
        issues.append(
            GiftIssue(
                line, "essay", "open questions need a rubric; write an `open` exercise by hand"
            )
        )
        return None
    if "->" in body:
        issues.append(
            GiftIssue(line, "matching", "matching questions are not supported; question skipped")
        )
        return None
    tf = re.fullmatch(r"(T|TRUE|F|FALSE)\s*((?:#[^#]*){0,2})", body)
    if tf:
        truth = tf.group(1).startswith("T")
        fb = [_restore(f) for f in tf.group(2).split("#")[1:]] + ["", ""]
        wrong_fb, right_fb = (
            fb[0],
            fb[1],
        )  # GIFT: feedback for a wrong answer first, then for a right one
        options = [
            {"id": "t", "text": "对 True", "correct": truth},
            {"id": "f", "text": "错 False", "correct": not truth},
        ]
        for opt in options:
            why = right_fb if opt["correct"] else wrong_fb
            if why:
                opt["why"] = why
        ex.update(type="single", options=options)
    elif body.startswith("#"):
        num = _numeric(body[1:], line, issues)
        if num is None:
            return None
        ex.update(type="numeric", unit="", **num)
    else:
        answers = _answers(body)
        if not answers:
            issues.append(GiftIssue(line, "answers", "empty answer block; question skipped"))
            return None
        if all(a["mark"] == "=" for a in answers):
            ex.update(
                type="short",
                answers=[
                    a["text"]
                    if a["weight"] in (None, 100.0)
                    else {"text": a["text"], "weight": a["weight"]}
                    for a in answers
                ],
            )
        else:
            correct = [a for a in answers if a["mark"] == "=" or (a["weight"] or 0) > 0]
            kind = "multiple" if len(correct) >= 2 else "single"
            if kind == "multiple":
                total = sum(a["weight"] or 0 for a in correct)
                if abs(total - 100) > 1:
                    issues.append(
                        GiftIssue(
                            line,
                            "weights",
                            f"correct weights sum to {total:g}%, not 100%: scored "
                            "by the exam rule (0.5 per correct option, 2 in all)",
                        )
                    )
            options = []
            for i, a in enumerate(answers):
                opt = {"id": "abcdefghijklmnop"[i], "text": a["text"], "correct": a in correct}
                if a["feedback"]:
                    opt["why"] = a["feedback"]
                options.append(opt)
            ex.update(type=kind, options=options)
    if general:
        ex["explanation"] = general
    if cats:
        ex["tags"] = cats
    return ex


def parse_gift(source: str) -> GiftReport:
    """Convert GIFT text to exercise mappings (without ids); unsupported features go to ``issues``."""
    report = GiftReport()
    for line, raw, cats in _blocks(source):
        ex = _convert(line, raw, cats, report.issues)
        if ex is not None:
            ex["source"] = f"GIFT line {line}"
            report.exercises.append(ex)
    return report


def import_gift(file: str | Path, module_id: str, *, root: str | Path | None = None) -> GiftReport:
    """Convert ``file`` into ``<root>/<module_id>/exercises/gift-<name>.yaml`` (replacing an earlier import).

    Exercise ids are ``g-<name>-01``…; every converted exercise is validated before anything is written.

    Raises:
        GiftError: unreadable file, unknown module, or converted exercises that do not validate.
    """

    path = Path(file)
    try:
        source = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise GiftError(f"{path}: cannot read the GIFT file ({e}); save it as UTF-8") from e
    folder = Path(root or curricula_root()) / module_id
    if not (folder / "module.yaml").is_file():
        raise GiftError(
            f"no module '{module_id}' in {folder.parent}: create it first or check --module"
        )
    report = parse_gift(source)
    name = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "bank"
    out = folder / "exercises" / f"gift-{name}.yaml"
    problems: list[Problem] = []
    for i, ex in enumerate(report.exercises, start=1):
        ex_id = f"g-{name}-{i:02d}"
        report.exercises[i - 1] = ex = {"id": ex_id, **ex}
        grading.build_exercise(
            ex, file=out, module_id=module_id, where=f"{ex['source']} ({ex_id}).", problems=problems
        )
    if problems:
        raise GiftError(f"{path}: {len(problems)} converted question(s) do not validate", problems)
    if not report.exercises:
        raise GiftError(
            f"{path}: no question could be converted",
            [
                Problem(str(path), f"line {i.line}", i.message, "see the supported GIFT features")
                for i in report.issues
            ],
        )

    header = f"# Imported from {path.name} by `shegong curriculum import-gift`; edit freely, re-import replaces it.\n"
    write_text(
        out,
        header
        + yaml.safe_dump(
            {"schema_version": SCHEMA_VERSION, "exercises": report.exercises},
            allow_unicode=True,
            sort_keys=False,
            width=100,
        ),
    )
    report.out = out
    return report


__all__ = ["GiftIssue", "GiftReport", "parse_gift", "import_gift", "CurriculumError"]
