"""The hands-on ledger-cleaning exercise of module 7: load the messy ledger, grade a cleaned one.

Exercise fields: ``data`` (a CSV in the module's ``data/`` folder with a ``row`` column of row ids),
``fields`` (the columns the trainee corrects) and ``expect``, per row id either ``drop`` /
``{drop: reason}`` (a total row, a blank row) or ``{field: clean value, …, why: …}``; and
``duplicates``, groups of rows that record the same event (``[[r3, r4]]``): any one row of a group
may be kept, with its clean values, and the others dropped (issue 19: keeping r4 instead of r3 is as
right).

The answer is ``{row_id: {"action": "keep" | "drop", field: value, …}}`` from the widget, or a
:class:`pandas.DataFrame` the trainee cleaned in the notebook (rows present = kept; columns ``row``
plus ``fields``). One point per row handled like the key.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from shegong.errors import GradingError
from shegong.training.feedback import Result, msg, normalise_text
from shegong.training.model import Exercise, text


def load_ledger_data(ex: Exercise) -> pd.DataFrame:
    """The messy ledger as strings (no type guessing, blanks kept as ``""``); columns as in the
    CSV."""
    path = ex.file.parent.parent / "data" / str(ex.data["data"])
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _same(got: Any, want: Any) -> bool:

    try:
        return abs(float(normalise_text(got)) - float(want)) < 1e-9
    except (TypeError, ValueError):
        return normalise_text(got) == normalise_text(want)


def _answer_from_frame(frame: pd.DataFrame, ex: Exercise) -> dict[str, dict[str, Any]]:
    if "row" not in frame.columns:
        raise GradingError("the cleaned table needs its `row` column: keep it while cleaning")
    kept = {
        str(r["row"]): {"action": "keep", **{f: r.get(f, "") for f in ex.data.get("fields", [])}}
        for r in frame.to_dict("records")
    }
    return {str(row): kept.get(str(row), {"action": "drop"}) for row in ex.data["expect"]}


def grade_ledger_cleaning(ex: Exercise, answer: Any, lang: str = "zh"):
    """Score a cleaned ledger: 1 point per row kept/dropped and corrected as in ``expect``.

    Returns a :class:`shegong.training.grading.Result` whose ``details["wrong_rows"]`` lists row
    ids. Raises :class:`GradingError` for an answer of the wrong shape.
    """

    if isinstance(answer, pd.DataFrame):
        answer = _answer_from_frame(answer, ex)
    if not isinstance(answer, dict):
        raise GradingError(
            "the answer must map row ids to {action, values} or be a cleaned DataFrame"
        )
    score, lines, wrong = 0.0, [], []
    groups = [[str(r) for r in g] for g in ex.data.get("duplicates") or []]
    grouped = {r for g in groups for r in g}
    for group in groups:
        got = {r: answer.get(r) or {"action": "keep"} for r in group}
        kept = [r for r in group if got[r].get("action", "keep") == "keep"]
        ok = len(kept) == 1 and all(
            _same(got[kept[0]].get(f, ""), v)
            for f, v in ex.data["expect"][kept[0]].items()
            if f != "why"
        )
        if ok:
            score += len(group)
        else:
            wrong.extend(group)
            lines.append(
                msg("duplicates", lang, rows="、".join(group) if lang == "zh" else ", ".join(group))
            )
    for row, want in ex.data["expect"].items():
        if str(row) in grouped:
            continue
        got = answer.get(str(row)) or {"action": "keep"}
        if want == "drop" or (isinstance(want, dict) and "drop" in want):
            ok = got.get("action") == "drop"
            why = (
                want.get("drop")
                if isinstance(want, dict)
                else {"zh": "这一行应删除", "en": "this row should be dropped"}
            )
        else:
            ok = got.get("action", "keep") == "keep" and all(
                _same(got.get(f, ""), v) for f, v in want.items() if f != "why"
            )
            values = "，".join(f"{f}={v}" for f, v in want.items() if f != "why")
            why = want.get("why") or values
            if not ok:
                why = f"{text(why, lang)}（{values}）"
        if ok:
            score += 1
        else:
            wrong.append(str(row))
            lines.append(msg("row", lang, row=row, why=text(why, lang)))
    head = msg("correct" if not wrong else ("partial" if score else "wrong"), lang)
    feedback = "\n".join([head, *lines, msg("score", lang, score=score, max=ex.points)])
    return Result(score, ex.points, not wrong, feedback, details={"wrong_rows": wrong})
