"""GIFT question-bank import: every supported type converts with the right answers and points;
unsupported features are reported by line."""

import shutil
from pathlib import Path

import pytest
import yaml

from shegong.cli.main import main
from shegong.errors import GiftError
from shegong.training.curriculum import check_curricula
from shegong.training.gift import import_gift, parse_gift
from shegong.training.grading import grade

BANK = Path(__file__).parent / "data" / "gift" / "station_bank.gift"
CURRICULA = Path(__file__).resolve().parents[1] / "curricula"


@pytest.fixture
def root(tmp_path):
    """A scratch curricula folder holding a copy of module 1."""
    shutil.copy(CURRICULA / "competencies.yaml", tmp_path / "competencies.yaml")
    shutil.copytree(CURRICULA / "m01-ethics", tmp_path / "m01-ethics")
    return tmp_path


def test_parse_converts_each_type_with_answers_and_points():
    report = parse_gift(BANK.read_text(encoding="utf-8"))
    ex = {e["source"]: e for e in report.exercises}
    assert len(report.exercises) == 6
    single = ex["GIFT line 6"]
    assert single["type"] == "single" and [o["correct"] for o in single["options"]] == [
        True,
        False,
        False,
    ]
    assert single["options"][2]["why"] == "这会泄露服务对象信息。" and single["tags"] == [
        "社工站/入户走访"
    ]
    multi = ex["GIFT line 12"]
    assert multi["type"] == "multiple"
    assert [o["text"] for o in multi["options"] if o["correct"]] == [
        "社会救助",
        "养老服务",
        "儿童关爱",
    ]
    tf = ex["GIFT line 20"]
    assert [(o["id"], o["correct"]) for o in tf["options"]] == [("t", False), ("f", True)]
    assert tf["options"][0]["why"] == "村干部不因合作关系自动享有知情权。"
    assert (
        ex["GIFT line 22"]["type"],
        ex["GIFT line 22"]["answer"],
        ex["GIFT line 22"]["tolerance"],
    ) == ("numeric", 15.0, 0.0)
    assert (ex["GIFT line 24"]["answer"], ex["GIFT line 24"]["tolerance"]) == (9.0, 3.0)  # {#6..12}
    assert ex["GIFT line 26"] == {
        **ex["GIFT line 26"],
        "type": "short",
        "answers": ["人次", {"text": "次", "weight": 50.0}],
    }
    assert [(i.line, i.feature) for i in report.issues] == [
        (28, "matching"),
        (33, "essay"),
        (35, "description"),
    ]


def test_comment_lines_are_ignored_and_escapes_restored():
    report = parse_gift("// 注释 {=不是题}\n::t:: 比例 50\\% 用 \\{\\} 写 {=对 ~错}\n")
    assert len(report.exercises) == 1 and report.issues == []
    assert report.exercises[0]["prompt"]["zh"] == "比例 50\\% 用 {} 写"


def test_import_writes_valid_yaml_whose_points_follow_the_exam_rules(root):
    report = import_gift(BANK, "m01-ethics", root=root)
    assert report.out == root / "m01-ethics" / "exercises" / "gift-station-bank.yaml"
    doc = yaml.safe_load(report.out.read_text(encoding="utf-8"))
    assert doc["schema_version"] == 1 and [e["id"] for e in doc["exercises"]][:2] == [
        "g-station-bank-01",
        "g-station-bank-02",
    ]
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


def test_cli_reports_unsupported_lines_on_stderr(root, capsys):
    assert (
        main(
            ["curriculum", "import-gift", str(BANK), "--module", "m01-ethics", "--root", str(root)]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "line 28: matching" in err and "line 33: essay" in err and "line 35: description" in err
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
