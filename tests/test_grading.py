"""Every scoring rule on concrete answers with the points expected (DOMAIN.md §6 exam rules)."""

from pathlib import Path

import pandas as pd
import pytest

from shegong.errors import GradingError, Problem
from shegong.training.grading import build_exercise, grade, parse_quantity, shuffled

FILE = Path("inline.yaml")


def make(raw: dict):
    problems: list[Problem] = []
    ex = build_exercise(
        {"id": "x1", "prompt": "题目", **raw},
        file=FILE,
        module_id="m",
        where="x.",
        problems=problems,
    )
    assert problems == [], problems
    return ex


SINGLE = {
    "type": "single",
    "options": [
        {"id": "a", "text": "甲"},
        {"id": "b", "text": "乙", "correct": True, "why": "乙是对的"},
    ],
}
MULTI = {
    "type": "multiple",
    "options": [
        {"id": "a", "text": "社会救助", "correct": True},
        {"id": "b", "text": "养老服务", "correct": True},
        {"id": "c", "text": "儿童关爱", "correct": True},
        {"id": "d", "text": "社区治理", "correct": True},
        {"id": "e", "text": "房产中介"},
    ],
}


def test_single_choice_scores_one_point_for_the_key_only():
    ex = make(SINGLE)
    assert ex.points == 1
    right, wrong = grade(ex, "b"), grade(ex, "a")
    assert (right.score, right.max_score, right.correct) == (1.0, 1.0, True)
    assert (wrong.score, wrong.correct) == (0.0, False)
    assert "乙是对的" in wrong.feedback and "回答不正确" in wrong.feedback
    assert "Not correct." in grade(ex, "a", "en").feedback


@pytest.mark.parametrize(
    ("chosen", "points"),
    [
        (["a", "b", "c", "d"], 2.0),  # all four correct options
        (["a", "b", "c"], 1.5),  # three of four, no wrong option: 0.5 each
        (["a", "b"], 1.0),
        (["d"], 0.5),
        (["a", "b", "c", "e"], 0.0),  # any wrong option scores 0
        (["e"], 0.0),
        ([], 0.0),
    ],
)
def test_multiple_choice_follows_the_national_exam_rule(chosen, points):
    result = grade(make(MULTI), chosen)
    assert result.score == points
    assert result.max_score == 2.0


def test_multiple_choice_with_two_keys_gives_full_marks_for_both_and_names_the_wrong_option():
    ex = make(
        {
            "type": "multiple",
            "options": [
                {"id": "a", "text": "1", "correct": True},
                {"id": "b", "text": "2", "correct": True},
                {"id": "c", "text": "3"},
            ],
        }
    )
    assert grade(ex, ["a", "b"]).score == 2.0
    assert grade(ex, ["a"]).score == 0.5
    bad = grade(ex, ["a", "c"])
    assert bad.score == 0 and "c" in bad.feedback and "0 分" in bad.feedback


NUMERIC = {"type": "numeric", "answer": 37, "unit": "人次", "tolerance": 0}


@pytest.mark.parametrize(
    ("answer", "points"),
    [
        ({"value": 37, "unit": "人次"}, 1.0),
        ("37人次", 1.0),
        ("３７ 人次", 1.0),  # full-width digits
        (
            {"value": "37", "unit": "人"},
            0.0,
        ),  # right number, wrong unit: persons are not person-times
        ({"value": 36, "unit": "人次"}, 0.0),
    ],
)
def test_numeric_needs_the_right_unit_and_value(answer, points):
    assert grade(make(NUMERIC), answer).score == points


def test_numeric_unit_feedback_and_tolerances():
    wrong_unit = grade(make(NUMERIC), {"value": 37, "unit": "人"})
    assert "单位应为“人次”" in wrong_unit.feedback
    money = make({"type": "numeric", "answer": 17000, "unit": "元", "tolerance": 500})
    assert grade(money, "1.7万元").score == 1.0  # 万元 converted to 元
    assert grade(money, {"value": 16400, "unit": "元"}).score == 0.0
    assert grade(money, {"value": 16500, "unit": "元"}).score == 1.0  # at the edge of ±500
    pct = make({"type": "numeric", "answer": 80, "unit": "%", "tolerance_pct": 5})
    assert grade(pct, {"value": 83.9, "unit": "%"}).score == 1.0
    assert grade(pct, {"value": 84.1, "unit": "%"}).score == 0.0
    with pytest.raises(GradingError, match="not a number"):
        grade(money, {"value": "很多", "unit": "元"})
    assert parse_quantity("2小时") == (2.0, "h")


PHASES = ["intake", "assessment", "planning", "intervention", "evaluation", "termination"]
ORDERING = {"type": "ordering", "items": [{"id": p, "text": p} for p in PHASES]}


def test_ordering_exact_and_positions():
    exact = make(ORDERING)
    assert grade(exact, PHASES).score == 2.0
    swapped = ["intake", "planning", "assessment", "intervention", "evaluation", "termination"]
    assert grade(exact, swapped).score == 0.0
    partial = make({**ORDERING, "partial": "positions"})
    assert grade(partial, swapped).score == 1.0  # 4 of 6 in place → 1.33, rounded down to 1.0
    assert "第 2 步应为“assessment”" in grade(partial, swapped).feedback
    with pytest.raises(GradingError, match="each of"):
        grade(exact, PHASES[:-1] + ["intake"])
    assert [i["id"] for i in shuffled(exact)] != PHASES and sorted(
        i["id"] for i in shuffled(exact)
    ) == sorted(PHASES)


SCENARIO = {
    "type": "scenario",
    "start": "s1",
    "nodes": {
        "s1": {
            "text": "开始",
            "choices": [
                {"id": "a", "text": "好", "next": "s2", "points": 1, "feedback": "好的开始"},
                {"id": "b", "text": "差", "next": "bad", "points": 0, "feedback": "太急了"},
            ],
        },
        "s2": {
            "text": "第二步",
            "choices": [{"id": "c", "text": "报告", "next": "good", "points": 2}],
        },
        "good": {"end": True, "text": "结局好"},
        "bad": {"end": True, "text": "结局差"},
    },
}


def test_scenario_scores_the_path_and_records_it():
    ex = make(SCENARIO)
    assert ex.points == 3.0  # the best path: 1 + 2
    best = grade(ex, ["a", "c"])
    assert best.score == 3.0 and best.details["end"] == "good"
    assert [s["node"] for s in best.details["path"]] == ["s1", "s2"]
    assert "好的开始" in best.feedback and "结局好" in best.feedback
    poor = grade(ex, ["b"])
    assert (poor.score, poor.details["end"]) == (0.0, "bad")
    with pytest.raises(GradingError, match="before an ending"):
        grade(ex, ["a"])
    with pytest.raises(GradingError, match="not offered"):
        grade(ex, ["c"])


def test_scenario_with_a_loop_is_a_format_problem():
    problems: list[Problem] = []
    loop = {
        "type": "scenario",
        "id": "x",
        "prompt": "p",
        "start": "s1",
        "nodes": {"s1": {"text": "t", "choices": [{"id": "a", "text": "t", "next": "s1"}]}},
    }
    assert build_exercise(loop, file=FILE, module_id="m", where="x.", problems=problems) is None
    assert any("loops" in p.message for p in problems)


OPEN = {
    "type": "open",
    "rubric": {
        "criteria": [
            {"id": "promise", "name": "保密承诺", "points": 1, "description": "说明保密"},
            {"id": "limits", "name": "保密例外", "points": 2, "description": "说明例外"},
        ]
    },
    "model_answer": "参考",
}


def test_open_answer_self_check_sums_ratings_within_criteria():
    ex = make(OPEN)
    assert ex.points == 3.0
    result = grade(ex, {"text": "我会说明……", "ratings": {"promise": 1, "limits": 1.5}})
    assert (result.score, result.graded_by) == (2.5, "self")
    assert "保密例外：1.5/2" in result.feedback and "参考" in result.feedback
    with pytest.raises(GradingError, match="between 0 and 2"):
        grade(ex, {"text": "x", "ratings": {"limits": 3}})
    with pytest.raises(GradingError, match="write your answer"):
        grade(ex, {"text": "  ", "ratings": {}})


def test_short_answer_normalises_and_weights():
    ex = make({"type": "short", "answers": ["人次", {"text": "次", "weight": 50}]})
    assert grade(ex, " 人次 ").score == 1.0
    assert grade(ex, "次").score == 0.5
    assert grade(ex, "户").score == 0.0


def test_summative_items_are_never_scored_in_the_trainee_kernel():
    ex = make(
        {
            "type": "single",
            "mode": "summative",
            "options": [{"id": "a", "text": "1"}, {"id": "b", "text": "2"}],
        }
    )
    with pytest.raises(GradingError, match="graded by the trainer"):
        grade(ex, "a")
    problems: list[Problem] = []
    leaked = {**SINGLE, "id": "s", "prompt": "p", "mode": "summative"}
    build_exercise(leaked, file=FILE, module_id="m", where="s.", problems=problems)
    assert any("keys.yaml" in p.fix for p in problems)


def test_ledger_cleaning_from_widget_answer_and_from_a_frame(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "l.csv").write_text("row,日期,人次\nr1,2021年5月18日,３\nr2,合计,3\n", encoding="utf-8")
    raw = {
        "id": "l1",
        "prompt": "清洗",
        "type": "ledger_cleaning",
        "data": "l.csv",
        "fields": ["日期", "人次"],
        "expect": {"r1": {"日期": "2021-05-18", "人次": 3}, "r2": {"drop": "合计行"}},
    }
    problems: list[Problem] = []
    ex = build_exercise(
        raw, file=tmp_path / "exercises" / "e.yaml", module_id="m", where="l.", problems=problems
    )
    assert problems == [] and ex.points == 2.0
    good = grade(
        ex, {"r1": {"action": "keep", "日期": "2021-05-18", "人次": "3"}, "r2": {"action": "drop"}}
    )
    assert good.score == 2.0
    half = grade(
        ex,
        {"r1": {"action": "keep", "日期": "2021年5月18日", "人次": "３"}, "r2": {"action": "drop"}},
    )
    assert half.score == 1.0 and half.details["wrong_rows"] == ["r1"]
    frame = pd.DataFrame({"row": ["r1"], "日期": ["2021-05-18"], "人次": [3]})
    assert grade(ex, frame).score == 2.0
    assert (
        grade(
            ex, pd.DataFrame({"row": ["r1", "r2"], "日期": ["2021-05-18", "合计"], "人次": [3, 3]})
        ).score
        == 1.0
    )


def test_wrong_answer_shapes_raise_grading_errors():
    with pytest.raises(GradingError, match="does not name options"):
        grade(make(SINGLE), "z")
    with pytest.raises(GradingError):
        grade(make(MULTI), ["a", "zz"])


def test_feedback_names_each_option_by_the_letter_the_player_shows():
    ex = make(
        MULTI
        | {
            "options": [
                *MULTI["options"][:4],
                {"id": "e", "text": "房产中介", "why": "不是服务领域"},
            ]
        }
    )
    got = grade(ex, ["a", "e"])
    assert got.feedback.splitlines()[:2] == [
        "选了错误选项 e：多选题有错选即得 0 分。",
        "e. 不是服务领域",
    ]
    assert grade(ex, ["a", "e"], "en").feedback.startswith("Wrong option(s) e chosen")
    assert grade(make(SINGLE), "a").feedback.splitlines()[1] == "b. 乙是对的"


CREDIT = {
    "type": "single",
    "options": [
        {"id": "a", "text": "耶路撒冷", "why": "重要，但不是这里"},
        {"id": "b", "text": "伯利恒", "credit": 25, "why": "出生在这里"},
        {"id": "c", "text": "加利利", "credit": 50},
        {"id": "d", "text": "拿撒勒", "correct": True},
    ],
}


def test_single_choice_keeps_credit_per_option():
    ex = make(CREDIT)
    assert ex.points == 1.0
    assert [(o, grade(ex, o).score) for o in "abcd"] == [
        ("a", 0.0),
        ("b", 0.25),
        ("c", 0.5),
        ("d", 1.0),
    ]
    partial = grade(ex, "b")
    assert partial.feedback.splitlines()[0] == "部分正确。" and not partial.correct
    assert "b. 出生在这里" in partial.feedback


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (
            lambda o: o[3].update(credit=50),
            "options[3].credit",
            "the correct option has full credit",
        ),
        (lambda o: o[1].update(credit=100), "options[1].credit", "100 is not a share in (0, 100)"),
        (lambda o: o[1].update(credit=-25), "options[1].credit", "-25 is not a share in (0, 100)"),
        (lambda o: o[1].update(weight=25), "options[1].weight", "unknown key"),
    ],
)
def test_option_credit_is_checked(change, key, message):
    raw = {"id": "x1", "prompt": "p", **CREDIT, "options": [dict(o) for o in CREDIT["options"]]}
    change(raw["options"])
    problems: list[Problem] = []
    assert build_exercise(raw, file=FILE, module_id="m", where="x.", problems=problems) is None
    assert [(p.key, p.message) for p in problems] == [("x." + key, message)]


def test_multiple_choice_keeps_the_exam_rule_and_refuses_credit():
    raw = {"id": "x1", "prompt": "p", **MULTI, "options": [dict(o) for o in MULTI["options"]]}
    raw["options"][4]["credit"] = 10
    problems: list[Problem] = []
    build_exercise(raw, file=FILE, module_id="m", where="x.", problems=problems)
    assert [p.key for p in problems] == ["x.options[4].credit"] and "exam rule" in problems[0].fix


def test_numeric_with_several_answers_credit_ranges_and_feedback():
    ex = make(
        {
            "type": "numeric",
            "answers": [
                {"answer": 1822, "tolerance": 0, "feedback": "完全正确"},
                {"answer": 1822, "tolerance": 2, "credit": 50, "feedback": "接近了"},
                {"min": 1800, "max": 1810, "credit": 10},
            ],
            "other_feedback": "差得远",
        }
    )
    cases = {
        "1822": (1.0, "完全正确"),
        "1823.5": (0.5, "接近了"),
        "1805": (0.1, None),
        "1700": (0.0, "差得远"),
    }
    for value, (score, note) in cases.items():
        got = grade(ex, value)
        assert got.score == pytest.approx(score), value
        assert (note in got.feedback) if note else got.feedback.count("\n") == 2
    assert grade(ex, "1700").feedback.splitlines()[:3] == [
        "回答不正确。",
        "差得远",
        "正确答案为 1822（允许误差 ±0）。",
    ]
    pi = make({"type": "numeric", "answers": [{"min": 3.141, "max": 3.142}]})
    assert grade(pi, "3.1415").score == 1.0 and grade(pi, "3.1405").score == 0.0


@pytest.mark.parametrize(
    ("raw", "key", "message"),
    [
        ({"answers": [{"answer": 3, "credit": 50}]}, "answers", "no answer gives full credit"),
        ({"answers": [{"min": 5, "max": 1}]}, "answers[0]", "a range needs numbers `min` ≤ `max`"),
        ({"answers": [{"answer": 3}], "answer": 3}, "answer", "given beside `answers`"),
        ({"answers": [{"answer": "三"}]}, "answers[0].answer", "missing or not a number"),
        (
            {"answers": [{"answer": 3, "credit": 120}]},
            "answers[0].credit",
            "120 is not a share in (0, 100]",
        ),
    ],
)
def test_numeric_answers_are_checked(raw, key, message):
    problems: list[Problem] = []
    build_exercise(
        {"id": "x1", "prompt": "p", "type": "numeric", **raw},
        file=FILE,
        module_id="m",
        where="x.",
        problems=problems,
    )
    assert (f"x.{key}", message) in [(p.key, p.message) for p in problems]


def test_short_answer_shows_the_feedback_of_the_matched_answer():
    ex = make(
        {
            "type": "short",
            "answers": [
                {"text": "拿撒勒", "feedback": "对！"},
                {"text": "拿撒烈", "weight": 75, "feedback": "对，但写错了字"},
            ],
        }
    )
    assert grade(ex, "拿撒勒").feedback.splitlines()[:2] == ["回答正确。", "对！"]
    misspelt = grade(ex, "拿撒烈")
    assert misspelt.score == 0.75 and "对，但写错了字" in misspelt.feedback


def test_ledger_duplicates_accept_either_copy(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "l.csv").write_text(
        "row,日期,人次\nr1,5月20日,十二\nr2,2021/5/20,12\nr3,合计,12\n", encoding="utf-8"
    )
    clean = {"日期": "2021-05-20", "人次": 12}
    raw = {
        "id": "l1",
        "prompt": "清洗",
        "type": "ledger_cleaning",
        "data": "l.csv",
        "fields": ["日期", "人次"],
        "expect": {"r1": clean, "r2": clean, "r3": {"drop": "合计行"}},
        "duplicates": [["r1", "r2"]],
    }
    problems: list[Problem] = []
    ex = build_exercise(
        raw, file=tmp_path / "exercises" / "e.yaml", module_id="m", where="l.", problems=problems
    )
    assert problems == [] and ex.points == 3.0
    keep = {"action": "keep", "日期": "2021-05-20", "人次": "12"}
    drop = {"action": "drop"}
    assert grade(ex, {"r1": keep, "r2": drop, "r3": drop}).score == 3.0
    assert grade(ex, {"r1": drop, "r2": keep, "r3": drop}).score == 3.0  # the other copy: as right
    both = grade(ex, {"r1": keep, "r2": keep, "r3": drop})
    assert both.score == 1.0 and both.details["wrong_rows"] == ["r1", "r2"]
    assert "r1、r2 是同一件事的重复录入" in both.feedback
    assert (
        grade(ex, pd.DataFrame({"row": ["r2"], "日期": ["2021-05-20"], "人次": [12]})).score == 3.0
    )
    raw["duplicates"] = [["r1", "r3"]]  # a dropped row cannot be a kept copy
    build_exercise(
        raw, file=tmp_path / "exercises" / "e.yaml", module_id="m", where="l.", problems=problems
    )
    assert [p.key for p in problems] == ["l.duplicates[0]"]
