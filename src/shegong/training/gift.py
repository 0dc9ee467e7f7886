"""Import Moodle GIFT question banks into exercise YAML (``shegong curriculum import-gift``).

GIFT (https://docs.moodle.org/en/GIFT_format) questions become exercises without a change of
meaning; what our formats cannot hold is declined or noted, by line (:class:`GiftIssue`), never
dropped
silently:

=================================================  =================================================
GIFT                                               exercise
=================================================  =================================================
``{=right ~wrong}`` (one ``=``)                    ``single`` (1 point)
``{~wrong ~%50%half =right}``                      ``single`` with ``credit: 50`` on the half-credit
                                                   option; a negative weight is declined (a penalty
                                                   cannot be scored)
``{~%50%a ~%50%b ~c}`` (weights, no ``=``)          ``multiple`` (2 points, the exam rule: 0.5 per
                                                   correct option, 0 with any wrong option) — noted
                                                   by line, with negative or unequal weights named
``{T}`` ``{TRUE}`` ``{F}`` ``{FALSE}`` (``#wrong#right``)  ``single`` with options 对 / 错
``{=答案 =%50%部分答案#反馈}``                        ``short`` (answers with weight and feedback)
``{#3}`` ``{#3.14:0.01}`` ``{#3.141..3.142}``      ``numeric``; several answers ``{#=1822:0
                                                   =%50%1822:2}``
``{#=4#反馈 ~#其他答案的反馈}``                       keep their credit, ranges and feedback
``// comment``, ``$CATEGORY:``, ``::title::``       ignored / ``tags`` / kept in ``source``
``#feedback`` ``####general feedback``             ``why`` per option, feedback per answer /
                                                   ``explanation``
``[markdown]`` ``[plain]`` ``[moodle]`` ``[html]`` markers stripped from question, answer and
                                                   feedback texts; HTML converted to text (noted)
answers inside a sentence (missing word)           the blank shown as ＿＿＿
=================================================  =================================================

Declined, by line: matching (``->``), essay (``{}``), descriptions (no answer block), questions with
no full-credit answer, two full-credit answers in a single-answer question.
"""

from __future__ import annotations

import html as html_lib
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shegong.atomic import write_text
from shegong.errors import CurriculumError, GiftError, Problem
from shegong.training import grading
from shegong.training.curriculum import check_curricula, curricula_root
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
_FORMAT = re.compile(r"^\s*\[(html|markdown|plain|moodle)\]", re.IGNORECASE)
_NUMBER = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_NUMERIC_ANSWER = re.compile(
    rf"\s*(?:%(?P<w>-?\d+(?:\.\d+)?)%)?\s*(?P<a>{_NUMBER})\s*(?:(?P<sep>:|\.\.)\s*(?P<b>{_NUMBER}))?\s*",
    re.DOTALL,
)
LETTERS = string.ascii_lowercase


@dataclass(frozen=True)
class GiftIssue:
    """A question declined or changed in form: ``line`` (1-based) in the GIFT file, what, and what
    was done."""

    line: int
    feature: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.feature}: {self.message}"


@dataclass
class GiftReport:
    """What an import did: ``exercises`` (YAML mappings), ``issues`` (by line), ``out`` (file
    written), ``notes`` about the module as a whole (its declared learning hours no longer
    fitting)."""

    exercises: list[dict[str, Any]] = field(default_factory=list)
    issues: list[GiftIssue] = field(default_factory=list)
    out: Path | None = None
    notes: list[str] = field(default_factory=list)


class _Declined(Exception):
    """The question cannot be imported without a change of meaning (message says why)."""

    def __init__(self, feature: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.feature, self.line = feature, line


def _protect(s: str) -> str:
    for k, v in _SENTINEL.items():
        s = s.replace(k, v)
    return s


def _restore(s: str) -> str:
    for k, v in _SENTINEL.items():
        s = s.replace(v, _ESCAPES[k])
    return s.strip()


def _html_to_text(s: str) -> str:
    s = re.sub(r"(?i)<br\s*/?>|</p\s*>|</li\s*>|</div\s*>", "\n", s)
    s = re.sub(r"<[^>]+>", "", s)
    return "\n".join(line.strip() for line in html_lib.unescape(s).splitlines() if line.strip())


class _Question:
    """One question being converted: its first line, raw text, and the notes made on the way."""

    def __init__(self, line: int, raw: str, issues: list[GiftIssue]) -> None:
        self.line, self.raw, self.issues = line, raw, issues
        self.noted: set[str] = set()

    def line_of(self, fragment: str) -> int:
        """The line of ``fragment`` inside the question (its first line if not found)."""
        at = self.raw.find(fragment.strip()[:20]) if fragment.strip() else -1
        return self.line + (self.raw[:at].count("\n") if at >= 0 else 0)

    def note(self, feature: str, message: str, line: int | None = None) -> None:
        if feature not in self.noted:
            self.noted.add(feature)
            self.issues.append(GiftIssue(line or self.line, feature, message))

    def text(self, s: str) -> str:
        """``s`` with its format marker stripped (HTML as text), escapes restored."""
        m = _FORMAT.match(s)
        if m:
            s = s[m.end() :]
            kind = m.group(1).lower()
            if kind == "html":
                s = _html_to_text(_restore(s))
                self.note("[html]", "HTML converted to plain text: check line breaks and emphasis")
                return s
            if kind == "markdown":
                self.note(
                    "[markdown]", "Markdown kept as written; the player shows it as plain text"
                )
        return _restore(s)


def _blocks(source: str) -> list[tuple[int, str, list[str]]]:
    """Questions as ``(first_line, text, categories_so_far)``; comment lines dropped."""
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


def _split_answers(body: str) -> list[tuple[str, float | None, str, str]]:
    """``(mark, weight %, text, feedback)`` per ``=``/``~`` answer of a choice or short-answer
    body."""
    out = []
    for part in re.split(r"(?=[=~])", body.strip()):
        if not part.strip():
            continue
        mark, rest = part[0], part[1:]
        m = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", rest)
        weight = None
        if m:
            weight, rest = float(m.group(1)), rest[m.end() :]
        answer, _, feedback = rest.partition("#")
        out.append((mark, weight, answer, feedback))
    return out


def _true_false(q: _Question, body: str) -> dict[str, Any] | None:
    m = re.fullmatch(r"(T|TRUE|F|FALSE)\s*((?:#[^#]*){0,2})", body, re.DOTALL)
    if not m:
        return None
    truth = m.group(1).startswith("T")
    fb = [q.text(f) for f in m.group(2).split("#")[1:]] + ["", ""]
    wrong_fb, right_fb = fb[0], fb[1]  # GIFT: feedback for a wrong answer first, then a right one
    options = [
        {"id": "t", "text": "对 True", "correct": truth},
        {"id": "f", "text": "错 False", "correct": not truth},
    ]
    for opt in options:
        why = right_fb if opt["correct"] else wrong_fb
        if why:
            opt["why"] = why
    return {"type": "single", "options": options}


def _numeric(q: _Question, body: str) -> dict[str, Any]:
    other = ""
    if "~" in body:  # feedback for any other answer: ``~#…``
        body, tail = body.split("~", 1)
        other = q.text(tail.partition("#")[2])
    parts = [p for p in re.split(r"(?==)", body) if p.strip()] if "=" in body else [body]
    answers = []
    for part in parts:
        value, _, feedback = part.lstrip("=").partition("#")
        m = _NUMERIC_ANSWER.fullmatch(value)
        if not m:
            raise _Declined(
                "numeric", f"cannot read {_restore(part)!r} as a number", q.line_of(part)
            )
        weight = float(m.group("w")) if m.group("w") else 100.0
        if weight <= 0:
            q.note(
                "numeric weight",
                f"answer {_restore(value)} with {weight:g}% left out: a penalty or a zero-credit "
                "answer cannot be scored here",
                q.line_of(part),
            )
            continue
        a, b = float(m.group("a")), m.group("b")
        entry: dict[str, Any] = (
            {"min": min(a, float(b)), "max": max(a, float(b))}
            if m.group("sep") == ".."
            else {"answer": a, "tolerance": abs(float(b)) if b else 0.0}
        )
        if weight != 100.0:
            entry["credit"] = weight
        if feedback.strip():
            entry["feedback"] = q.text(feedback)
        answers.append(entry)
    if not any(a.get("credit", 100.0) == 100.0 for a in answers):
        raise _Declined("numeric", "no answer gives full credit; question skipped")
    if len(answers) == 1 and "answer" in answers[0] and not other and "feedback" not in answers[0]:
        return {"type": "numeric", "unit": "", **answers[0]}
    ex: dict[str, Any] = {"type": "numeric", "unit": "", "answers": answers}
    if other:
        ex["other_feedback"] = other
    return ex


def _short(q: _Question, answers: list[tuple[str, float | None, str, str]]) -> dict[str, Any]:
    out: list[Any] = []
    for _mark, weight, text, feedback in answers:
        w = 100.0 if weight is None else weight
        if w <= 0:
            q.note(
                "short-answer weight",
                f"answer {_restore(text)!r} with {w:g}% left out: a penalty or a zero-credit "
                "answer cannot be scored here",
                q.line_of(text),
            )
            continue
        entry: dict[str, Any] = {"text": q.text(text)}
        if w != 100.0:
            entry["weight"] = w
        if feedback.strip():
            entry["feedback"] = q.text(feedback)
        out.append(entry if len(entry) > 1 else entry["text"])
    if not any((a if isinstance(a, dict) else {}).get("weight", 100.0) == 100.0 for a in out):
        raise _Declined("short answer", "no answer gives full credit; question skipped")
    return {"type": "short", "answers": out}


def _choice(q: _Question, answers: list[tuple[str, float | None, str, str]]) -> dict[str, Any]:
    if len(answers) > len(LETTERS):
        raise _Declined(
            "answers", f"{len(answers)} options: at most {len(LETTERS)} can be lettered"
        )
    options = []
    for i, (_mark, _w, text, feedback) in enumerate(answers):
        opt: dict[str, Any] = {"id": LETTERS[i], "text": q.text(text)}
        if feedback.strip():
            opt["why"] = q.text(feedback)
        options.append(opt)
    weights = [(100.0 if mark == "=" and w is None else (w or 0.0)) for mark, w, _t, _f in answers]
    if any(
        mark == "=" for mark, *_ in answers
    ):  # one right answer (radio buttons), maybe partial credit
        full = [i for i, w in enumerate(weights) if w == 100.0]
        if len(full) != 1:
            raise _Declined(
                "single answer",
                f"{len(full)} answers give full credit; a single-answer item has exactly one",
            )
        if any(w < 0 for w in weights):
            raise _Declined(
                "negative weight",
                "a single-answer option with a negative weight (a penalty) cannot be scored here; "
                "question skipped",
            )
        for i, (opt, w) in enumerate(zip(options, weights, strict=True)):
            if i == full[0]:
                opt["correct"] = True
            elif w > 0:
                opt["credit"] = w
        return {"type": "single", "options": options}
    positive = [i for i, w in enumerate(weights) if w > 0]
    if len(positive) == 1 and weights[positive[0]] == 100.0:
        options[positive[0]]["correct"] = True
        return {"type": "single", "options": options}
    if len(positive) < 2:
        raise _Declined("answers", "no answer gives full credit; question skipped")
    if len(options) < 3:
        raise _Declined(
            "multiple answers", "two options only: a multiple-answer item needs three or more"
        )
    if len(positive) == len(options):
        raise _Declined(
            "multiple answers", "every option carries credit: the exam rule needs a wrong option"
        )
    for i in positive:
        options[i]["correct"] = True
    named = []
    if any(w < 0 for w in weights):
        named.append("negative weights")
    if len({weights[i] for i in positive}) > 1 or abs(sum(weights[i] for i in positive) - 100) > 1:
        named.append("unequal weights")
    q.note(
        "multiple answers",
        "scored by the exam rule (2 points, 0.5 per correct option, 0 with any wrong "
        "option), not by "
        f"Moodle's weights{': ' + ' and '.join(named) + ' are not kept' if named else ''}",
    )
    return {"type": "multiple", "options": options}


def _convert(q: _Question, cats: list[str]) -> dict[str, Any]:
    s = _protect(q.raw)
    title = ""
    m = re.match(r"^\s*::(.*?)::", s, re.DOTALL)
    if m:
        title, s = _restore(m.group(1)), s[m.end() :]
    open_, close = s.find("{"), s.rfind("}")
    if open_ < 0 or close < open_:
        raise _Declined("description", "no answer block {…}; not an exercise, skipped")
    body, before, after = s[open_ + 1 : close].strip(), s[:open_], s[close + 1 :]
    prompt = q.text(before) + ("＿＿＿" + _restore(after) if after.strip() else "")
    general = ""
    if "####" in body:
        body, general = body.split("####", 1)
        body, general = body.strip(), q.text(general)
    if not body:
        raise _Declined("essay", "open questions need a rubric; write an `open` exercise by hand")
    if "->" in body:
        raise _Declined("matching", "matching questions are not supported; question skipped")
    ex = _true_false(q, body)
    if ex is None and body.startswith("#"):
        ex = _numeric(q, body[1:])
    if ex is None:
        answers = _split_answers(body)
        if not answers:
            raise _Declined("answers", "empty answer block; question skipped")
        ex = _short(q, answers) if all(a[0] == "=" for a in answers) else _choice(q, answers)
    out: dict[str, Any] = {"prompt": {"zh": prompt}, **ex}
    if general:
        out["explanation"] = general
    if cats:
        out["tags"] = cats
    out["source"] = f"GIFT line {q.line}" + (f" ({title})" if title else "")
    return out


def parse_gift(source: str) -> GiftReport:
    """Convert GIFT text to exercise mappings (without ids); what is declined or changed in form
    goes to ``issues`` with its line."""
    report = GiftReport()
    for line, raw, cats in _blocks(source):
        q = _Question(line, raw, report.issues)
        try:
            report.exercises.append(_convert(q, cats))
        except _Declined as e:
            report.issues.append(GiftIssue(e.line or line, e.feature, str(e)))
    return report


def import_gift(file: str | Path, module_id: str, *, root: str | Path | None = None) -> GiftReport:
    """Convert ``file`` into ``<root>/<module_id>/exercises/gift-<name>.yaml`` (replacing an earlier
    import).

    Exercise ids are ``g-<name>-01``…; every converted exercise is validated before anything is
    written.

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
    header = (
        f"# Imported from {path.name} by `shegong curriculum import-gift`; edit freely, "
        "re-import replaces it.\n"
    )
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
    _, problems = check_curricula(folder)
    for p in problems:
        if p.key == "hours":  # the new questions take time too: say so, module.yaml stays as it is
            report.notes.append(f"{p.file}: {p.message}; {p.fix}")
    return report


__all__ = ["CurriculumError", "GiftIssue", "GiftReport", "import_gift", "parse_gift"]
