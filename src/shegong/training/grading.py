"""Exercise types: their file format (validated by :func:`build_exercise`) and their scoring
(:func:`grade`).

Scoring follows the national social-work qualification exam (DOMAIN.md §6):

=================  ===============================================  ============================
type               answer passed to :func:`grade`                   points
=================  ===============================================  ============================
``single``         option id, e.g. ``"b"``                          1 (``points``) for the one
                                                                    correct option; × ``credit`` %
                                                                    for an option that has one
``multiple``       list of option ids                               2; 0.5 per correct option chosen
                                                                    when no wrong option is chosen,
                                                                    0 with any wrong option, 2 for
                                                                    all
``numeric``        ``{"value": 23, "unit": "户"}`` or ``"23户"``      ``points`` (1) when the unit
                                                                    matches and ``|value − answer| ≤
                                                                    tolerance`` (or
                                                                    ``tolerance_pct`` %); several
                                                                    ``answers`` with credit:
                                                                    :mod:`.numeric`
``ordering``       list of item ids in the chosen order             ``points`` (2) for the exact
                                                                    order; with ``partial:
                                                                    positions`` a share per item in
                                                                    place
``scenario``       list of choice ids from ``start`` to an end      sum of the chosen choices'
                                                                    ``points``; max = best path
``open``           ``{"text": str, "ratings": {criterion: pts}}``   self-check: sum of the ratings
                                                                    (0…criterion points)
``short``          text                                             ``points`` × weight of the
                                                                    matching accepted answer (its
                                                                    ``feedback`` shown)
``ledger_cleaning``  ``{row: {"action": "keep"|"drop", field: v}}`` 1 per row handled like the key
                                                                    (module 7)
                   or a cleaned :class:`pandas.DataFrame`
=================  ===============================================  ============================

Summative exercises carry no key here and are never scored in the trainee's kernel:
:func:`grade` raises :class:`~shegong.errors.GradingError` for them (the trainer grades them, issue
7).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from shegong.errors import GradingError, Problem
from shegong.training.feedback import Result, msg, normalise_text
from shegong.training.ledger_exercise import grade_ledger_cleaning
from shegong.training.model import Exercise, check_source, check_text, text, unknown_keys
from shegong.training.numeric import UNITS, check_numeric, grade_numeric, parse_quantity

__all__ = ["UNITS", "build_exercise", "grade", "parse_quantity", "scenario_step", "shuffled"]
DEFAULT_POINTS = {"single": 1.0, "multiple": 2.0, "numeric": 1.0, "ordering": 2.0, "short": 1.0}
MULTIPLE_PARTIAL = 0.5
COMMON_KEYS = {
    "id",
    "type",
    "mode",
    "prompt",
    "points",
    "after",
    "explanation",
    "hint",
    "source",
    "tags",
}
TYPE_KEYS = {
    "single": {"options"},
    "multiple": {"options", "partial_per_option"},
    "numeric": {"answer", "answers", "other_feedback", "unit", "tolerance", "tolerance_pct"},
    "ordering": {"items", "partial"},
    "scenario": {"start", "nodes"},
    "open": {"rubric", "model_answer"},
    "short": {"answers"},
    "ledger_cleaning": {"data", "fields", "expect", "duplicates"},
}
OPTION_KEYS = {"id", "text", "correct", "why", "credit"}
KEY_FIELDS = {"answer", "answers", "expect"}


# ---------------------------------------------------------------- format


def _problem(problems: list[Problem], file: Path, key: str, message: str, fix: str) -> None:
    problems.append(Problem(str(file), key, message, fix))


def _check_options(
    data: dict, kind: str, file: Path, w: str, problems: list[Problem], summative: bool
) -> None:
    options = data.get("options")
    if not isinstance(options, list) or len(options) < (3 if kind == "multiple" else 2):
        _problem(
            problems,
            file,
            w + "options",
            "too few options",
            "give at least 2 (single) or 3 (multiple) options",
        )
        return
    ids = [str(o.get("id", "")) if isinstance(o, dict) else "" for o in options]
    if "" in ids or len(set(ids)) != len(ids):
        _problem(
            problems, file, w + "options", "every option needs a unique `id`", "use ids a, b, c, …"
        )
    for i, o in enumerate(options):
        if isinstance(o, dict):
            check_text(o.get("text"), file, f"{w}options[{i}].text", problems, need_en=False)
            unknown_keys(o, OPTION_KEYS, file, f"{w}options[{i}].", problems)
            _check_credit(o, kind, file, f"{w}options[{i}].credit", problems, summative)
    n_correct = sum(1 for o in options if isinstance(o, dict) and o.get("correct") is True)
    if summative:
        if n_correct:
            _problem(
                problems,
                file,
                w + "options",
                "a summative exercise carries its key inline",
                "move `correct:` to the module's keys.yaml",
            )
    elif kind == "single" and n_correct != 1:
        _problem(
            problems,
            file,
            w + "options",
            f"{n_correct} options marked correct",
            "mark exactly one `correct: true`",
        )
    elif kind == "multiple" and not (2 <= n_correct < len(options)):
        _problem(
            problems,
            file,
            w + "options",
            f"{n_correct} of {len(options)} options correct",
            "a multiple-answer item has at least 2 correct and at least 1 wrong option (exam rule)",
        )


def _check_credit(
    option: dict, kind: str, file: Path, key: str, problems: list[Problem], summative: bool
) -> None:
    """``credit`` (% of the points) is for a wrong option of a practice single-answer item only."""
    if "credit" not in option:
        return
    credit = option["credit"]
    if kind != "single" or summative:
        _problem(
            problems,
            file,
            key,
            "credit per option is for practice single-answer items",
            "multiple-answer items follow the exam rule (0.5 per correct option): remove `credit`",
        )
    elif option.get("correct") is True:
        _problem(problems, file, key, "the correct option has full credit", "remove `credit`")
    elif not isinstance(credit, (int, float)) or isinstance(credit, bool) or not 0 < credit < 100:
        _problem(
            problems, file, key, f"{credit!r} is not a share in (0, 100)", "write `credit: 50`"
        )


def _scenario_max(nodes: dict, start: str, file: Path, w: str, problems: list[Problem]) -> float:
    best: dict[str, float] = {}

    def visit(node_id: str, trail: tuple[str, ...]) -> float:
        if node_id in trail:
            _problem(
                problems,
                file,
                f"{w}nodes.{node_id}",
                "the scenario loops back",
                "make every path end at an `end: true` node",
            )
            return 0.0
        if node_id in best:
            return best[node_id]
        node = nodes.get(node_id)
        if not isinstance(node, dict):
            _problem(
                problems,
                file,
                f"{w}nodes.{node_id}",
                "no such node",
                "add the node or fix the `next:`",
            )
            return 0.0
        check_text(node.get("text"), file, f"{w}nodes.{node_id}.text", problems, need_en=False)
        choices = node.get("choices") or []
        if node.get("end"):
            best[node_id] = 0.0
            return 0.0
        if not choices:
            _problem(
                problems,
                file,
                f"{w}nodes.{node_id}",
                "a node with no choices must say `end: true`",
                "add choices or `end: true`",
            )
            return 0.0
        values = []
        for i, c in enumerate(choices):
            if not isinstance(c, dict) or not c.get("id") or not c.get("next"):
                _problem(
                    problems,
                    file,
                    f"{w}nodes.{node_id}.choices[{i}]",
                    "a choice needs `id`, `text` and `next`",
                    "write `- {id: a, text: …, next: node, points: 1, feedback: …}`",
                )
                continue
            values.append(float(c.get("points", 0)) + visit(str(c["next"]), trail + (node_id,)))
        best[node_id] = max(values, default=0.0)
        return best[node_id]

    total = visit(start, ())
    for node_id in nodes:
        if node_id not in best and not any(node_id in p.key for p in problems):
            _problem(
                problems,
                file,
                f"{w}nodes.{node_id}",
                "unreachable from `start`",
                "link it from a choice or remove it",
            )
    return total


def _check_short_answer(answer: Any, file: Path, key: str, problems: list[Problem]) -> None:
    """An accepted answer: text, or ``{text, weight (% of the points, 0–100], feedback}``."""
    if not isinstance(answer, dict):
        if not str(answer).strip():
            _problem(problems, file, key, "an empty accepted answer", "remove it")
        return
    unknown_keys(answer, {"text", "weight", "feedback"}, file, key + ".", problems)
    weight = answer.get("weight", 100)
    if not str(answer.get("text", "")).strip():
        _problem(problems, file, key + ".text", "missing", "write `{text: 答案, weight: 50}`")
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not 0 < weight <= 100:
        _problem(
            problems, file, key + ".weight", f"{weight!r} is not in (0, 100]", "write `weight: 50`"
        )


def build_exercise(
    raw: dict, *, file: Path, module_id: str, where: str, problems: list[Problem]
) -> Exercise | None:
    """Validate one exercise mapping; append problems (file, key, fix) and return it, or
    ``None``."""
    kind, mode = raw.get("type"), raw.get("mode", "practice")
    before = len(problems)
    if kind not in TYPE_KEYS:
        _problem(
            problems,
            file,
            where + "type",
            f"unknown type {kind!r}",
            f"use one of {', '.join(TYPE_KEYS)}",
        )
        return None
    if mode not in ("practice", "summative"):
        _problem(
            problems, file, where + "mode", f"unknown mode {mode!r}", "use practice or summative"
        )
    unknown_keys(raw, COMMON_KEYS | TYPE_KEYS[kind], file, where, problems)
    check_text(raw.get("prompt"), file, where + "prompt", problems, need_en=False)
    check_source(raw.get("source"), file, where + "source", problems)
    summative = mode == "summative"
    if summative and (KEY_FIELDS & raw.keys()):
        _problem(
            problems,
            file,
            where + sorted(KEY_FIELDS & raw.keys())[0],
            "a summative exercise carries its key inline",
            "move the key to the module's keys.yaml",
        )
    if summative and kind in ("ordering", "scenario", "ledger_cleaning"):
        _problem(
            problems,
            file,
            where + "mode",
            f"{kind} exercises are practice only",
            "set `mode: practice`",
        )
    points = raw.get("points", DEFAULT_POINTS.get(kind))
    data = {
        k: v for k, v in raw.items() if k not in ("id", "type", "mode", "prompt", "points", "after")
    }
    if kind in ("single", "multiple"):
        _check_options(raw, kind, file, where, problems, summative)
    elif kind == "numeric":
        check_numeric(raw, file, where, problems, summative=summative)
    elif kind == "ordering":
        items = raw.get("items")
        if (
            not isinstance(items, list)
            or len(items) < 3
            or not all(isinstance(i, dict) and i.get("id") for i in items)
        ):
            _problem(
                problems,
                file,
                where + "items",
                "needs at least 3 items with `id` and `text`, in the right order",
                "write `items: [{id: intake, text: 接案}, …]`",
            )
        if raw.get("partial", "exact") not in ("exact", "positions"):
            _problem(problems, file, where + "partial", "unknown rule", "use exact or positions")
    elif kind == "scenario":
        nodes, start = raw.get("nodes"), raw.get("start")
        if not isinstance(nodes, dict) or start not in (nodes or {}):
            _problem(
                problems,
                file,
                where + "start",
                "`start` must name one of `nodes`",
                "add `start: s1` and `nodes: {s1: …}`",
            )
        else:
            points = _scenario_max(nodes, str(start), file, where, problems)
    elif kind == "open" and summative:
        if "rubric" in raw or "model_answer" in raw:
            _problem(
                problems,
                file,
                where + ("rubric" if "rubric" in raw else "model_answer"),
                "a summative exercise carries its rubric inline",
                "move the rubric and model answer to keys.yaml",
            )
        if "points" not in raw:
            _problem(
                problems,
                file,
                where + "points",
                "a summative open exercise needs its points",
                "write `points: 5` (the sum of its rubric criteria in keys.yaml)",
            )
    elif kind == "open":
        criteria = (
            (raw.get("rubric") or {}).get("criteria")
            if isinstance(raw.get("rubric"), dict)
            else None
        )
        if (
            not isinstance(criteria, list)
            or not criteria
            or not all(
                isinstance(c, dict)
                and c.get("id")
                and isinstance(c.get("points"), (int, float))
                and c["points"] > 0
                for c in criteria
            )
        ):
            _problem(
                problems,
                file,
                where + "rubric.criteria",
                "needs named criteria with positive points",
                "write `rubric: {criteria: [{id: c1, name: …, points: 2, description: …}]}`",
            )
        else:
            points = float(sum(c["points"] for c in criteria))
    elif kind == "short":
        if not summative and (not isinstance(raw.get("answers"), list) or not raw["answers"]):
            _problem(
                problems,
                file,
                where + "answers",
                "needs accepted answers",
                "write `answers: [答案一, 答案二]`",
            )
        for i, a in enumerate(raw.get("answers") or [] if not summative else []):
            _check_short_answer(a, file, f"{where}answers[{i}]", problems)
    elif kind == "ledger_cleaning":
        expect, path = raw.get("expect"), file.parent.parent / "data" / str(raw.get("data", ""))
        if not raw.get("data") or not path.is_file():
            _problem(
                problems,
                file,
                where + "data",
                f"data file data/{raw.get('data')} not found",
                "put the CSV in the module's data/",
            )
        if not isinstance(expect, dict) or not expect:
            _problem(
                problems,
                file,
                where + "expect",
                "needs the expected outcome per row",
                "write `expect: {r1: drop, r2: {…}}`",
            )
        else:
            points = float(len(expect))
            for i, group in enumerate(raw.get("duplicates") or []):
                rows = [str(r) for r in group] if isinstance(group, list) else []
                if len(rows) < 2 or not all(
                    isinstance(expect.get(r), dict) and "drop" not in expect[r] for r in rows
                ):
                    _problem(
                        problems,
                        file,
                        f"{where}duplicates[{i}]",
                        "a group of duplicated rows names two or more rows whose "
                        "clean values are in `expect`",
                        "write `duplicates: [[r3, r4]]` and give both rows their clean values",
                    )
    if not isinstance(points, (int, float)) or points <= 0:
        _problem(
            problems,
            file,
            where + "points",
            f"{points!r} is not a positive number",
            "write e.g. `points: 2`",
        )
    if len(problems) > before:
        return None
    return Exercise(
        id=str(raw["id"]),
        type=kind,
        mode=mode,
        prompt=raw["prompt"] if isinstance(raw["prompt"], dict) else {"zh": raw["prompt"]},
        points=float(points),
        after=None if raw.get("after") is None else str(raw["after"]),
        data=data,
        file=file,
        module_id=module_id,
    )


# ---------------------------------------------------------------- scoring


def shuffled(ex: Exercise) -> list[dict]:
    """The ordering items in a fixed shuffled order for display (seeded by the exercise id, not
    ``hash``)."""
    items = list(ex.data["items"])
    return sorted(items, key=lambda i: hashlib.sha256(f"{ex.id}:{i['id']}".encode()).hexdigest())


def scenario_step(
    ex: Exercise, node_id: str, choice_id: str, lang: str = "zh"
) -> tuple[str, str, float]:
    """One step of a branching scenario: ``(next_node_id, feedback, points)``. Raises
    :class:`GradingError`."""
    node = ex.data["nodes"].get(node_id) or {}
    for c in node.get("choices") or []:
        if str(c["id"]) == str(choice_id):
            return str(c["next"]), text(c.get("feedback", ""), lang), float(c.get("points", 0))
    raise GradingError(f"choice {choice_id!r} is not offered at step {node_id!r} of {ex.id}")


def _grade_choice(ex: Exercise, answer: Any, lang: str) -> Result:
    options = {str(o["id"]): o for o in ex.data["options"]}
    if answer is None and ex.type == "single":
        raise GradingError(msg("choose_first", lang))
    chosen = [answer] if ex.type == "single" else list(answer or [])
    if (
        ex.type == "single"
        and not isinstance(answer, str)
        or not set(map(str, chosen)) <= options.keys()
    ):
        raise GradingError(
            f"answer {answer!r} does not name options of {ex.id}: use {', '.join(options)}"
        )
    chosen_set = set(map(str, chosen))
    correct = {k for k, o in options.items() if o.get("correct")}
    wrong = sorted(chosen_set - correct)
    sep = "、" if lang == "zh" else ", "
    whys = [
        msg("why", lang, opt=k, why=text(options[k].get("why", ""), lang))
        for k in sorted(chosen_set | correct)
        if options[k].get("why")
    ]
    if ex.type == "single":
        credit = 100.0 if chosen_set == correct else float(options[str(answer)].get("credit", 0))
        score = ex.points * credit / 100
        lines = [msg("correct" if credit == 100 else ("partial" if credit else "wrong"), lang)]
    elif wrong:
        score, lines = 0.0, [msg("multi_wrong", lang, opts=sep.join(wrong))]
    elif chosen_set == correct:
        score, lines = ex.points, [msg("correct", lang)]
    else:
        per = float(ex.data.get("partial_per_option", MULTIPLE_PARTIAL))
        score = min(ex.points, per * len(chosen_set))
        lines = [msg("multi_missing", lang, opts=sep.join(sorted(correct - chosen_set)))]
    return Result(
        score,
        ex.points,
        score == ex.points,
        "\n".join(lines + whys + [msg("score", lang, score=score, max=ex.points)]),
    )


def _grade_ordering(ex: Exercise, answer: Any, lang: str) -> Result:
    key = [str(i["id"]) for i in ex.data["items"]]
    names = {str(i["id"]): text(i.get("text"), lang) for i in ex.data["items"]}
    got = [str(a) for a in (answer or [])]
    if sorted(got) != sorted(key):
        raise GradingError(f"an ordering answer must use each of {', '.join(key)} once")
    in_place = [g == k for g, k in zip(got, key, strict=True)]
    if all(in_place):
        score = ex.points
    elif ex.data.get("partial") == "positions":
        score = int(ex.points * sum(in_place) / len(key) * 2) / 2  # rounded down to 0.5 points
    else:
        score = 0.0
    lines = [msg("correct" if score == ex.points else ("partial" if score else "wrong"), lang)]
    lines += [
        msg("order", lang, pos=i + 1, item=names[k]) for i, k in enumerate(key) if not in_place[i]
    ]
    return Result(
        score,
        ex.points,
        score == ex.points,
        "\n".join(lines + [msg("score", lang, score=score, max=ex.points)]),
        details={"in_place": sum(in_place)},
    )


def _grade_scenario(ex: Exercise, answer: Any, lang: str) -> Result:
    node, score, lines, path = str(ex.data["start"]), 0.0, [], []
    for choice in answer or []:
        nxt, feedback, pts = scenario_step(ex, node, str(choice), lang)
        path.append({"node": node, "choice": str(choice), "points": pts})
        score, node = score + pts, nxt
        if feedback:
            lines.append(feedback)
    end = ex.data["nodes"][node]
    if not end.get("end"):
        raise GradingError(
            f"the scenario path stops at step {node!r} before an ending: choose until the end"
        )
    lines.append(text(end.get("text"), lang))
    return Result(
        score,
        ex.points,
        score == ex.points,
        "\n".join(lines + [msg("score", lang, score=score, max=ex.points)]),
        details={"path": path, "end": node},
    )


def _grade_open(ex: Exercise, answer: Any, lang: str) -> Result:
    if not isinstance(answer, dict) or not str(answer.get("text", "")).strip():
        raise GradingError("write your answer before the self-check")
    ratings = answer.get("ratings") or {}
    lines, score = [msg("self", lang)], 0.0
    for c in ex.data["rubric"]["criteria"]:
        got = float(ratings.get(c["id"], 0))
        if not 0 <= got <= c["points"]:
            raise GradingError(
                f"rating {got:g} for {c['id']} must be between 0 and {c['points']:g}"
            )
        score += got
        lines.append(
            msg(
                "criterion",
                lang,
                name=text(c.get("name"), lang),
                got=got,
                pts=c["points"],
                desc=text(c.get("description", ""), lang),
            )
        )
    if ex.data.get("model_answer"):
        lines += [msg("model", lang), text(ex.data["model_answer"], lang)]
    return Result(
        score,
        ex.points,
        score == ex.points,
        "\n".join(lines + [msg("score", lang, score=score, max=ex.points)]),
        graded_by="self",
        details={"ratings": {k: float(v) for k, v in ratings.items()}},
    )


def _grade_short(ex: Exercise, answer: Any, lang: str) -> Result:
    given, best, feedback = normalise_text(answer or ""), 0.0, ""
    for a in ex.data["answers"]:
        accepted, weight = (
            (a.get("text"), float(a.get("weight", 100))) if isinstance(a, dict) else (a, 100.0)
        )
        if normalise_text(accepted) == given and weight > best:
            best = weight
            feedback = text(a.get("feedback", ""), lang) if isinstance(a, dict) else ""
    score = ex.points * best / 100
    lines = [msg("correct" if score == ex.points else ("partial" if score else "wrong"), lang)]
    if feedback:
        lines.append(feedback)
    return Result(
        score,
        ex.points,
        score == ex.points,
        "\n".join(lines + [msg("score", lang, score=score, max=ex.points)]),
    )


def grade(ex: Exercise, answer: Any, lang: str = "zh") -> Result:
    """Score ``answer`` to a practice exercise (shapes in the module docstring) with feedback in
    ``lang``.

    Raises:
        GradingError: the answer has the wrong shape, or the exercise is summative.
    """
    if ex.mode == "summative":
        raise GradingError(
            f"{ex.id} is summative: it is submitted and graded by the trainer, not here"
        )
    if ex.type in ("single", "multiple"):
        result = _grade_choice(ex, answer, lang)
    elif ex.type == "numeric":
        result = grade_numeric(ex, answer, lang)
    elif ex.type == "ordering":
        result = _grade_ordering(ex, answer, lang)
    elif ex.type == "scenario":
        result = _grade_scenario(ex, answer, lang)
    elif ex.type == "open":
        result = _grade_open(ex, answer, lang)
    elif ex.type == "short":
        result = _grade_short(ex, answer, lang)
    else:
        result = grade_ledger_cleaning(ex, answer, lang)
    explanation = text(ex.data.get("explanation", ""), lang)
    if explanation:
        result = Result(
            result.score,
            result.max_score,
            result.correct,
            result.feedback + "\n" + explanation,
            result.graded_by,
            result.details,
        )
    return result
