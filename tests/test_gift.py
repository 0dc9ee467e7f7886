"""GIFT question-bank import: every construct of Moodle's GIFT documentation converts without a
change of meaning (tests/data/gift/moodle_constructs.gift, written for these tests), or is declined
or noted by line; the station bank converts with the right answers and points."""

import shutil
from pathlib import Path

import pytest
import yaml

from shegong.cli.main import main
from shegong.errors import GiftError
from shegong.training.curriculum import check_curricula, load_module
from shegong.training.gift import import_gift, parse_gift
from shegong.training.grading import build_exercise, grade

DATA = Path(__file__).parent / "data" / "gift"
BANK = DATA / "station_bank.gift"
CONSTRUCTS = DATA / "moodle_constructs.gift"
CURRICULA = Path(__file__).resolve().parents[1] / "curricula"


@pytest.fixture
def root(tmp_path):
    """A scratch curricula folder holding a copy of module 1."""
    shutil.copy(CURRICULA / "competencies.yaml", tmp_path / "competencies.yaml")
    shutil.copytree(CURRICULA / "m01-ethics", tmp_path / "m01-ethics")
    return tmp_path


@pytest.fixture(scope="module")
def constructs():
    report = parse_gift(CONSTRUCTS.read_text(encoding="utf-8"))
    return {int(e["source"].split()[2]): e for e in report.exercises}, report.issues


def built(ex: dict):
    problems: list = []
    out = build_exercise(
        {"id": "g1", **ex}, file=Path("g.yaml"), module_id="m", where="g.", problems=problems
    )
    assert problems == [], problems
    return out


def test_multiple_choice_missing_word_and_multi_line_answers(constructs):
    ex, _ = constructs
    assert ex[5]["type"] == "single" and [o.get("correct", False) for o in ex[5]["options"]] == [
        False,
        True,
        False,
    ]
    assert ex[8]["prompt"]["zh"] == "社工站的工作人员称为＿＿＿，简称社工。"  # missing word
    assert ex[11]["prompt"]["zh"] == "五社联动中为其他四方提供平台的是＿＿＿。"
    assert [o["text"] for o in ex[11]["options"]] == [
        "社会组织",
        "社区",
        "社区志愿者",
        "社会慈善资源",
    ]
    assert grade(built(ex[11]), "b").score == 1.0


def test_true_false_in_every_spelling_with_feedback_for_wrong_and_right(constructs):
    ex, _ = constructs
    truth = {line: [o["correct"] for o in ex[line]["options"]] for line in (19, 21, 23, 25)}
    assert truth == {19: [False, True], 21: [True, False], 23: [False, True], 25: [True, False]}
    tf = built(ex[19])
    assert grade(tf, "t").feedback.splitlines()[:2] == [
        "回答不正确。",
        "f. 对：决定由服务对象本人作出。",
    ]
    assert "t. 不对：这违背案主自决。" in grade(tf, "t").feedback


def test_short_answer_keeps_every_answer_its_credit_and_its_feedback(constructs):
    ex, _ = constructs
    assert ex[28]["answers"] == [
        {"text": "接案", "feedback": "对！"},
        {"text": "接案阶段", "feedback": "也对。"},
        {"text": "接触", "weight": 50.0, "feedback": "意思接近，但术语是“接案”。"},
    ]
    short = built(ex[28])
    assert (grade(short, "接案阶段").score, grade(short, "接触").score) == (1.0, 0.5)
    assert "意思接近" in grade(short, "接触").feedback


def test_every_numeric_form(constructs):
    ex, _ = constructs
    assert (ex[38]["answer"], ex[38]["tolerance"]) == (6.0, 0.0)  # {#6}
    assert (ex[41]["answer"], ex[41]["tolerance"]) == (25.0, 0.5)  # {#25:0.5}
    assert ex[44]["answers"] == [{"min": 60.0, "max": 90.0}]  # {#60..90}
    several = built(ex[47])  # several answers, partial credit, feedback, feedback for other answers
    assert [grade(several, v).score for v in ("2021", "2022", "2019")] == [1.0, 0.5, 0.0]
    assert "差一年，给一半分" in grade(several, "2020").feedback
    assert "再查一查成立批复" in grade(several, "2019").feedback
    tolerant = built(ex[54])  # a tolerance followed by feedback for any other answer
    assert ex[54]["answers"] == [{"answer": 17000.0, "tolerance": 0.0, "feedback": "对"}]
    assert ex[54]["other_feedback"] == "先把“万”换算成元"
    assert (
        grade(tolerant, "1.7万").score == 1.0
        and "先把“万”换算成元" in grade(tolerant, "1.7").feedback
    )
    assert grade(built(ex[44]), "75").score == 1.0 and grade(built(ex[44]), "95").score == 0.0


def test_matching_essay_and_description_are_declined_by_line(constructs):
    ex, issues = constructs
    declined = {(i.line, i.feature) for i in issues}
    assert {(31, "matching"), (57, "essay"), (60, "description")} <= declined
    assert not {31, 57, 60} & set(ex)


def test_name_comments_per_option_feedback_and_general_feedback(constructs):
    ex, _ = constructs
    assert ex[64]["source"] == "GIFT line 64 (政策)" and ex[64]["answer"] == 8.0
    assert "题名" not in ex[64]["prompt"]["zh"]  # the comment line before it is dropped
    assert [o["why"] for o in ex[67]["options"]] == [
        "这是民间债务，不是例外。",
        "需要服务对象同意。",
        "对：保护生命优先。",
    ]
    assert ex[74]["explanation"].startswith("服务领域是社会救助") and "####" not in str(ex[74])


def test_format_markers_are_stripped_from_question_answers_and_feedback(constructs):
    ex, issues = constructs
    q = ex[77]
    assert q["prompt"]["zh"] == "**个案**工作的最后一个环节是？"
    assert [(o["text"], o["why"]) for o in q["options"]] == [
        ("结案", "对，结案之后还要回访。"),
        ("评估", "评估之后还有一步。"),
    ]
    assert "[" not in yaml.safe_dump(q, allow_unicode=True)
    assert {(i.line, i.feature) for i in issues} >= {(77, "[html]"), (77, "[markdown]")}


def test_single_answer_partial_credit_stays_single_choice_with_credit_per_option(constructs):
    ex, _ = constructs
    q = built(ex[83])
    assert q.type == "single" and q.points == 1.0
    assert [o.get("credit") for o in q.data["options"]] == [None, 50.0, None]
    assert [grade(q, o).score for o in "abc"] == [0.0, 0.5, 1.0]  # the full answer alone: 1 of 1


def test_multiple_answers_follow_the_exam_rule_and_say_so_by_line(constructs):
    ex, issues = constructs
    q = built(ex[86])
    assert q.type == "multiple" and q.points == 2.0
    assert (grade(q, ["a", "b"]).score, grade(q, ["a"]).score, grade(q, ["a", "c"]).score) == (
        2.0,
        0.5,
        0.0,
    )
    notes = {i.line: i.message for i in issues if i.feature == "multiple answers"}
    assert set(notes) == {86, 94}
    assert notes[94].endswith("negative weights are not kept") and "negative" not in notes[86]


def test_special_characters_and_categories(constructs):
    ex, _ = constructs
    assert ex[102]["prompt"]["zh"] == "写法 a = b 与 50\\%？"
    assert [o["text"] for o in ex[102]["options"]] == [
        "~ 是波浪号",
        "\\ 是反斜杠",
        "# 是井号",
        "{} 是大括号",
    ]
    assert ex[107]["tags"] == ["社工站/社会救助"] and "tags" not in ex[102]


def test_what_cannot_be_scored_without_a_change_of_meaning_is_declined(constructs):
    ex, issues = constructs
    got = {i.line: (i.feature, i.message) for i in issues if i.line in (110, 113)}
    assert got == {
        110: ("single answer", "0 answers give full credit; a single-answer item has exactly one"),
        113: (
            "negative weight",
            "a single-answer option with a negative weight (a penalty) cannot be scored here; "
            "question skipped",
        ),
    }
    assert 110 not in ex and 113 not in ex
    assert len(ex) == 22 and len(issues) == 9


def test_station_bank_converts_each_type_with_answers_and_points():
    report = parse_gift(BANK.read_text(encoding="utf-8"))
    ex = {e["source"].split(" (")[0]: e for e in report.exercises}
    assert len(report.exercises) == 6
    single = ex["GIFT line 6"]
    assert single["type"] == "single" and [o.get("correct", False) for o in single["options"]] == [
        True,
        False,
        False,
    ]
    assert single["options"][2]["why"] == "这会泄露服务对象信息。" and single["tags"] == [
        "社工站/入户走访"
    ]
    multi = ex["GIFT line 12"]
    assert multi["type"] == "multiple"
    assert [o["text"] for o in multi["options"] if o.get("correct")] == [
        "社会救助",
        "养老服务",
        "儿童关爱",
    ]
    tf = ex["GIFT line 20"]
    assert [(o["id"], o["correct"]) for o in tf["options"]] == [("t", False), ("f", True)]
    assert tf["options"][0]["why"] == "村干部不因合作关系自动享有知情权。"
    assert (ex["GIFT line 22"]["type"], ex["GIFT line 22"]["answer"]) == ("numeric", 15.0)
    assert ex["GIFT line 24"]["answers"] == [{"min": 6.0, "max": 12.0}]  # {#6..12}
    assert ex["GIFT line 26"]["answers"] == ["人次", {"text": "次", "weight": 50.0}]
    assert [(i.line, i.feature) for i in report.issues] == [
        (12, "multiple answers"),
        (28, "matching"),
        (33, "essay"),
        (35, "description"),
    ]


def test_comment_lines_are_ignored_and_escapes_restored():
    report = parse_gift("// 注释 {=不是题}\n::t:: 比例 50\\% 用 \\{\\} 写 {=对 ~错}\n")
    assert len(report.exercises) == 1 and report.issues == []
    assert report.exercises[0]["prompt"]["zh"] == "比例 50\\% 用 {} 写"


def _set_hours(root: Path, hours: float) -> None:
    module_file = root / "m01-ethics" / "module.yaml"
    text = module_file.read_text(encoding="utf-8").replace("hours: 3\n", f"hours: {hours:g}\n")
    module_file.write_text(text, encoding="utf-8")


def test_import_writes_valid_yaml_whose_points_follow_the_exam_rules(root):
    report = import_gift(BANK, "m01-ethics", root=root)
    assert report.out == root / "m01-ethics" / "exercises" / "gift-station-bank.yaml"
    doc = yaml.safe_load(report.out.read_text(encoding="utf-8"))
    assert doc["schema_version"] == 1 and [e["id"] for e in doc["exercises"]][:2] == [
        "g-station-bank-01",
        "g-station-bank-02",
    ]
    [note] = report.notes  # the six questions push module 1 past its declared 3 hours
    assert "declares 3 h but its content takes 3.34 h" in note and "set `hours: 3.5`" in note
    _set_hours(root, 3.5)
    modules, problems = check_curricula(root / "m01-ethics")
    assert problems == []
    m = modules[0]
    points = {e.id: e.points for e in m.exercises if e.id.startswith("g-")}
    assert points == {
        "g-station-bank-01": 1.0,
        "g-station-bank-02": 2.0,
        "g-station-bank-03": 1.0,
        "g-station-bank-04": 1.0,
        "g-station-bank-05": 1.0,
        "g-station-bank-06": 1.0,
    }
    assert grade(m.exercise("g-station-bank-02"), ["a", "b"]).score == 1.0
    assert grade(m.exercise("g-station-bank-03"), "f").score == 1.0
    assert grade(m.exercise("g-station-bank-05"), "11").score == 1.0
    assert grade(m.exercise("g-station-bank-06"), "次").score == 0.5
    again = import_gift(BANK, "m01-ethics", root=root)  # re-import replaces, never duplicates
    assert (
        len(list((root / "m01-ethics" / "exercises").glob("gift-*.yaml"))) == 1
        and again.out == report.out
    )


def test_importing_every_construct_validates_and_notes_the_hours_it_adds(root):
    report = import_gift(CONSTRUCTS, "m01-ethics", root=root)
    assert len(report.exercises) == 22
    [note] = report.notes  # 22 questions take time: module.yaml's hours no longer fit
    assert "declares 3 h but its content takes 3.78 h" in note and "set `hours: 4`" in note
    _set_hours(root, 4)
    m = load_module("m01-ethics", root)
    imported = [e for e in m.exercises if e.id.startswith("g-moodle-constructs-")]
    assert {e.type for e in imported} == {"single", "multiple", "short", "numeric"}


def test_cli_reports_declined_lines_and_hours_on_stderr(root, capsys):
    assert (
        main(
            ["curriculum", "import-gift", str(BANK), "--module", "m01-ethics", "--root", str(root)]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "line 28: matching" in err and "line 33: essay" in err and "line 35: description" in err
    assert "line 12: multiple answers: scored by the exam rule" in err
    assert (
        main(["curriculum", "import-gift", str(BANK), "--module", "m99-none", "--root", str(root)])
        == 2
    )
    assert "no module 'm99-none'" in capsys.readouterr().err


def test_nothing_convertible_is_an_error(root, tmp_path):
    bad = tmp_path / "bad.gift"
    bad.write_text("::m:: 配对 {=a -> b =c -> d}\n", encoding="utf-8")
    with pytest.raises(GiftError) as info:
        import_gift(bad, "m01-ethics", root=root)
    assert info.value.problems[0].key == "line 1"
