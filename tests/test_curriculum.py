"""The curriculum format: the shipped modules pass `shegong curriculum check`; broken files get
errors that name the file, the key and the fix."""

import shutil
from pathlib import Path

import pytest
import yaml

from shegong.cli.main import main
from shegong.errors import CurriculumError
from shegong.training.curriculum import check_curricula, load_curricula, load_module

CURRICULA = Path(__file__).resolve().parents[1] / "curricula"


@pytest.fixture
def root(tmp_path):
    shutil.copy(CURRICULA / "competencies.yaml", tmp_path / "competencies.yaml")
    shutil.copytree(CURRICULA / "m01-ethics", tmp_path / "m01-ethics")
    return tmp_path


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_module_one_loads_with_pages_in_order_and_exercises_after_them():
    m = load_module("m01-ethics")
    assert m.stage == "传" and m.first_stage == "传" and m.title["en"]
    assert [p.id for p in m.pages] == ["01-values", "02-confidentiality", "03-minors-and-data"]
    seq = [getattr(i, "id") for i in m.sequence()]
    assert seq.index("e01") == seq.index("01-values") + 1
    assert seq.index("e02") > seq.index("02-confidentiality")


def test_check_cli_passes_on_a_valid_folder(root, capsys):
    assert main(["curriculum", "check", str(root)]) == 0
    assert "1 modules, 3 pages, 11 exercises" in capsys.readouterr().out  # 7 practice + 4 summative


def test_broken_module_yaml_names_file_key_and_fix_and_lists_every_problem(root, capsys):
    module_file = root / "m01-ethics" / "module.yaml"

    def breakit(d):
        d["stage"] = "学"
        d["estimated_hours"] = "两小时"
        d["titel"] = d.pop("title")
        d["competencies"].append("exam.valus")

    edit_yaml(module_file, breakit)
    modules, problems = check_curricula(root)
    assert modules == []
    found = {(Path(p.file).name, p.key): p for p in problems}
    assert found[("module.yaml", "stage")].fix == "use 传, 帮, 带, 教 or a step such as 传→帮"
    assert "estimated_hours" in found[("module.yaml", "estimated_hours")].fix
    assert found[("module.yaml", "titel")].fix == "rename it to 'title'"
    assert ("module.yaml", "title") in found  # the missing title is reported too
    assert "exam.values" in found[("module.yaml", "competencies[5]")].fix
    assert main(["curriculum", "check", str(root)]) == 2
    err = capsys.readouterr().err
    assert "module.yaml: stage:" in err and "fix:" in err and err.count("\n  - ") == len(problems)


def test_broken_exercise_names_the_exercise_and_the_fix(root):
    ex_file = root / "m01-ethics" / "exercises" / "exercises.yaml"

    def breakit(d):
        d["exercises"][0]["options"][0]["correct"] = True  # two correct options in a single choice
        d["exercises"][1]["type"] = "essay"
        d["exercises"][2]["after"] = "99-nowhere"

    edit_yaml(ex_file, breakit)
    with pytest.raises(CurriculumError) as info:
        load_curricula(root)
    keys = {p.key: p for p in info.value.problems}
    assert keys["exercises[0] (e01).options"].fix == "mark exactly one `correct: true`"
    assert "use one of single" in keys["exercises[1] (e02).type"].fix
    assert "01-values" in keys["exercises[2] (e03).after"].fix
    assert all(
        p.file == str(ex_file) for p in info.value.problems if p.key.startswith("exercises[")
    )


def test_invalid_yaml_and_missing_page_are_located(root):
    (root / "m01-ethics" / "pages" / "02-confidentiality.md").unlink()
    (root / "m01-ethics" / "exercises" / "extra.yaml").write_text(
        "schema_version: 1\nexercises: [\n", encoding="utf-8"
    )
    _, problems = check_curricula(root)
    assert any(p.key == "pages[1]" and "not found" in p.message for p in problems)
    assert any(p.file.endswith("extra.yaml") and p.key.startswith("line ") for p in problems)


def test_unknown_module_and_missing_path():
    with pytest.raises(CurriculumError, match="no module 'nope'"):
        load_module("nope")
    _, problems = check_curricula("/nonexistent/curricula")
    assert problems[0].message == "does not exist"


def test_the_eight_shipped_modules_pass_check_and_meet_the_content_standard(capsys):
    assert main(["curriculum", "check"]) == 0
    assert "8 modules, 24 pages" in capsys.readouterr().out
    modules = load_curricula()
    assert list(modules) == [
        "m01-ethics",
        "m02-home-visits",
        "m03-casework",
        "m04-groupwork",
        "m05-community",
        "m06-assistance",
        "m07-ledger",
        "m08-supervision",
    ]
    assert [m.stage for m in modules.values()] == [
        "传",
        "传→帮",
        "帮→带",
        "帮→带",
        "带",
        "带",
        "传→帮",
        "教",
    ]
    for m in modules.values():
        assert (
            len(m.pages) >= 3 and len(m.exercises) >= 6 and len({e.type for e in m.exercises}) >= 3
        ), m.id
        assert m.title["en"] and m.summary["en"] and m.title["zh"] != m.title["en"]
        practice = [ex for ex in m.exercises if ex.mode == "practice"]
        assert len(practice) >= 6 and all(
            ex.mode == "practice" for ex in m.sequence() if hasattr(ex, "mode")
        )
    assert {m.id for m in modules.values() if any(e.mode == "summative" for e in m.exercises)} == {
        "m01-ethics",
        "m03-casework",
    }
    casework = modules["m03-casework"].exercise("e01")
    assert [i["text"] for i in casework.data["items"]] == [
        "接案",
        "预估",
        "计划",
        "介入",
        "评估",
        "结案",
    ]
    groups = modules["m04-groupwork"].exercise("e01")
    assert [i["id"] for i in groups.data["items"]] == [
        "preparation",
        "formation",
        "transition",
        "maturity",
        "ending",
    ]
    assert "ledger_cleaning" in {e.type for e in modules["m07-ledger"].exercises}


def test_summative_keys_live_in_keys_yaml_and_stay_out_of_the_trainee_path(root, capsys):
    import sys

    (
        root / "m01-ethics" / "exercises" / "summative.yaml"
    ).unlink()  # start from a module without summative items
    (root / "m01-ethics" / "keys.yaml").unlink()
    (root / "m01-ethics" / "assessments.yaml").unlink()
    ex_file = root / "m01-ethics" / "exercises" / "final.yaml"
    ex_file.write_text(
        yaml.safe_dump(
            {
                "schema_version": 1,
                "exercises": [
                    {
                        "id": "s01",
                        "type": "single",
                        "mode": "summative",
                        "prompt": "总结性题目",
                        "options": [{"id": "a", "text": "甲"}, {"id": "b", "text": "乙"}],
                    }
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    assert main(["curriculum", "check", str(root)]) == 2
    assert "keys.yaml: keys.s01: summative exercise has no key" in capsys.readouterr().err
    keys = root / "m01-ethics" / "keys.yaml"
    keys.write_text("schema_version: 1\nkeys:\n  s01: {correct: b}\n", encoding="utf-8")
    assert main(["curriculum", "check", str(root)]) == 0
    opened: list[str] = []
    hook_active = [True]

    def audit(event, args):
        if hook_active[0] and event == "open" and args and isinstance(args[0], (str, Path)):
            opened.append(str(args[0]))

    sys.addaudithook(audit)
    try:
        module = load_module("m01-ethics", root)
    finally:
        hook_active[0] = False
    assert module.exercise("s01").mode == "summative"
    assert any(p.endswith("final.yaml") for p in opened)  # the tracer sees the files read
    assert not any(p.endswith("keys.yaml") for p in opened)  # … and the key file is not among them
