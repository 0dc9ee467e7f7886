"""Numeric exercises: quantities with units, one key or several answers with credit and feedback.

Two forms of a numeric exercise (``type: numeric``):

* one key — ``answer`` with ``tolerance`` (absolute) or ``tolerance_pct`` (% of the answer);
* several answers (as Moodle's GIFT numerical questions have them, issue 19) — ``answers``, a list
of
  ``{answer, tolerance}`` or ``{min, max}`` (an inclusive range), each with ``credit`` (% of the
  points, default 100) and ``feedback``; ``other_feedback`` is shown for any other value. At least
  one answer gives full credit; the best matching answer scores.

``unit`` (one of :data:`UNITS`, or empty) applies to every answer. A value is read by
:func:`parse_quantity` (full-width digits, 万元 → 元 × 10000, 小时 → h).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from shegong.errors import GradingError, Problem
from shegong.training.feedback import Result, msg
from shegong.training.model import Exercise, text

UNITS = ("户", "人", "人次", "个", "次", "场", "元", "h", "%", "")
UNIT_ALIASES = {
    "小时": ("h", 1.0),
    "万元": ("元", 10000.0),
    "千元": ("元", 1000.0),
    "名": ("人", 1.0),
}
ANSWER_KEYS = {"answer", "tolerance", "min", "max", "credit", "feedback"}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_quantity(answer: Any) -> tuple[float, str]:
    """``(value, unit)`` from ``{"value", "unit"}``, a number, or text like ``"２３
    户"``/``"1.7万元"``.

    Unit aliases are converted (万元 → 元 × 10000, 小时 → h). Raises :class:`GradingError`.
    """
    if isinstance(answer, dict):
        value, unit = answer.get("value"), str(answer.get("unit") or "")
    elif _number(answer):
        value, unit = answer, ""
    else:
        m = re.fullmatch(
            r"([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(万元|千元|万|小时|[^\d\s]*)",
            unicodedata.normalize("NFKC", str(answer)).strip(),
        )
        if not m:
            raise GradingError(f"cannot read {answer!r} as a number with a unit: write e.g. 23户")
        value, unit = float(m.group(1)), m.group(2)
        if unit == "万":
            value, unit = value * 10000, ""
    try:
        value = float(value)
    except (TypeError, ValueError) as e:
        raise GradingError(f"{value!r} is not a number: enter digits, e.g. 23") from e
    if unit in UNIT_ALIASES:
        unit, factor = UNIT_ALIASES[unit]
        value *= factor
    return value, unit


def check_numeric(
    raw: dict, file: Path, where: str, problems: list[Problem], *, summative: bool
) -> None:
    """Validate the numeric fields of ``raw``; append every problem (file, key, fix)."""

    def problem(key: str, message: str, fix: str) -> None:
        problems.append(Problem(str(file), where + key, message, fix))

    if raw.get("unit", "") not in UNITS:
        problem("unit", f"unknown unit {raw.get('unit')!r}", f"use one of {', '.join(UNITS[:-1])}")
    tol = raw.get("tolerance", 0)
    if not _number(tol) or tol < 0:
        problem("tolerance", "must be a number ≥ 0", "write `tolerance: 0.5`")
    if summative:
        return
    if "answers" in raw:
        if "answer" in raw:
            problem("answer", "given beside `answers`", "keep one form: `answer` or `answers`")
        answers = raw["answers"]
        if not isinstance(answers, list) or not answers:
            problem(
                "answers",
                "must be a non-empty list",
                "write `answers: [{answer: 3, tolerance: 0}]`",
            )
            return
        full = 0
        for i, a in enumerate(answers):
            key = f"answers[{i}]"
            if not isinstance(a, dict):
                problem(key, "must be a mapping", "write `{answer: 3, tolerance: 0, credit: 100}`")
                continue
            bad = sorted(set(a) - ANSWER_KEYS)
            if bad:
                problem(f"{key}.{bad[0]}", "unknown key", f"use {', '.join(sorted(ANSWER_KEYS))}")
            ranged = "min" in a or "max" in a
            if ranged and not (
                _number(a.get("min")) and _number(a.get("max")) and a["min"] <= a["max"]
            ):
                problem(
                    key, "a range needs numbers `min` ≤ `max`", "write `{min: 3.141, max: 3.142}`"
                )
            if ranged and ("answer" in a or "tolerance" in a):
                problem(key, "give either `answer` (± `tolerance`) or `min`/`max`", "keep one form")
            if not ranged and not _number(a.get("answer")):
                problem(f"{key}.answer", "missing or not a number", "write `answer: 23`")
            if not _number(a.get("tolerance", 0)) or a.get("tolerance", 0) < 0:
                problem(f"{key}.tolerance", "must be a number ≥ 0", "write `tolerance: 0.5`")
            credit = a.get("credit", 100)
            if not _number(credit) or not 0 < credit <= 100:
                problem(
                    f"{key}.credit", f"{credit!r} is not a share in (0, 100]", "write `credit: 50`"
                )
            full += credit == 100
        if not full:
            problem("answers", "no answer gives full credit", "give one answer `credit: 100`")
    elif not _number(raw.get("answer")):
        problem("answer", "missing or not a number", "write `answer: 23`")


def _answers(d: dict) -> list[dict[str, Any]]:
    if "answers" in d:
        return list(d["answers"])
    target, tol = float(d["answer"]), float(d.get("tolerance", 0))
    if d.get("tolerance_pct") is not None:
        tol = max(tol, abs(target) * float(d["tolerance_pct"]) / 100)
    return [{"answer": target, "tolerance": tol, "credit": 100}]


def _bounds(a: dict[str, Any]) -> tuple[float, float]:
    if "min" in a:
        return float(a["min"]), float(a["max"])
    mid, tol = float(a["answer"]), float(a.get("tolerance", 0))
    return mid - tol, mid + tol


def grade_numeric(ex: Exercise, answer: Any, lang: str) -> Result:
    """Score a numeric answer: ``points`` × the credit of the best answer whose range holds the
    value (unit matching); the matched answer's feedback, or ``other_feedback``, follows the
    verdict."""
    value, unit = parse_quantity(answer)
    d = ex.data
    want_unit = str(d.get("unit", ""))
    answers = _answers(d)
    unit_ok = not want_unit or unit == want_unit
    best: dict[str, Any] | None = None
    if unit_ok:
        for a in answers:
            low, high = _bounds(a)
            if low - 1e-9 <= value <= high + 1e-9 and (
                best is None or a.get("credit", 100) > best.get("credit", 100)
            ):
                best = a
    credit = float(best.get("credit", 100)) if best else 0.0
    score = ex.points * credit / 100
    verdict = "correct" if credit == 100 else ("partial" if credit else "wrong")
    lines = [msg(verdict, lang)]
    if not unit_ok:
        lines.append(msg("unit", lang, unit=want_unit, got=unit or "—"))
    if best is not None and best.get("feedback"):
        lines.append(text(best["feedback"], lang))
    elif best is None and d.get("other_feedback"):
        lines.append(text(d["other_feedback"], lang))
    if credit < 100:
        full = next(a for a in answers if a.get("credit", 100) == 100)
        low, high = _bounds(full)
        mid, tol = (low + high) / 2, (high - low) / 2
        lines.append(msg("numeric", lang, answer=mid, unit=want_unit, tol=tol))
    return Result(
        score,
        ex.points,
        credit == 100,
        "\n".join(lines + [msg("score", lang, score=score, max=ex.points)]),
        details={"value": value, "unit": unit, "credit": credit},
    )
