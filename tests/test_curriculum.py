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
    seq = [i.id for i in m.sequence()]
    assert seq.index("e01") == seq.index("01-values") + 1
    assert seq.index("e02") > seq.index("02-confidentiality")


def test_check_cli_passes_on_a_valid_folder(root, capsys):
    assert main(["curriculum", "check", str(root)]) == 0
    assert "1 modules, 3 pages, 11 exercises, 3 h" in capsys.readouterr().out  # 7 + 4 summative


def test_broken_module_yaml_names_file_key_and_fix_and_lists_every_problem(root, capsys):
    module_file = root / "m01-ethics" / "module.yaml"

    def breakit(d):
        d["stage"] = "学"
        d["hours"] = "两小时"
        d["titel"] = d.pop("title")
        d["competencies"].append("exam.valus")

    edit_yaml(module_file, breakit)
    modules, problems = check_curricula(root)
    assert modules == []
    found = {(Path(p.file).name, p.key): p for p in problems}
    assert found[("module.yaml", "stage")].fix == "use 传, 帮, 带, 教 or a step such as 传→帮"
    assert found[("module.yaml", "hours")].fix == "write e.g. `hours: 2.5`"
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


def test_the_twelve_shipped_modules_pass_check_and_meet_the_content_standard(capsys):
    assert main(["curriculum", "check"]) == 0
    assert "12 modules, 40 pages" in capsys.readouterr().out
    modules = load_curricula()
    assert list(modules) == [  # catalogue order (issue 19): policy basics before the first visit
        "m01-ethics",
        "m09-local-ethics",
        "m06-assistance",
        "m02-home-visits",
        "m07-ledger",
        "m11-records",
        "m10-assistance-procedure",
        "m12-needs-survey",
        "m03-casework",
        "m04-groupwork",
        "m05-community",
        "m08-supervision",
    ]
    assert [m.stage for m in modules.values()] == [
        "传",
        "传",
        "传",
        "传→帮",
        "传→帮",
        "帮",
        "帮",
        "帮→带",
        "帮→带",
        "帮→带",
        "带",
        "教",
    ]
    assert sum(m.hours for m in modules.values()) == 40.5  # 40 learning hours or more
    for m in modules.values():
        assert (
            len(m.pages) >= 3 and len(m.exercises) >= 6 and len({e.type for e in m.exercises}) >= 3
        ), m.id
        assert m.title["en"] and m.summary["en"] and m.title["zh"] != m.title["en"]
        practice = [ex for ex in m.exercises if ex.mode == "practice"]
        assert len(practice) >= 6 and all(
            ex.mode == "practice" for ex in m.sequence() if hasattr(ex, "mode")
        )
        assert all("## 来源" in page.markdown for page in m.pages), m.id  # sources on every page
    assert {m.id for m in modules.values() if any(e.mode == "summative" for e in m.exercises)} == {
        "m01-ethics",
        "m03-casework",
        "m09-local-ethics",
        "m10-assistance-procedure",
        "m11-records",
        "m12-needs-survey",
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
    groups = modules["m04-groupwork"].exercise("e01")  # the exam textbook's names (issue 19, #3)
    assert [i["text"] for i in groups.data["items"]] == [
        "准备阶段",
        "开始阶段",
        "中期转折阶段",
        "后期成熟阶段",
        "结束阶段",
    ]
    assert "ledger_cleaning" in {e.type for e in modules["m07-ledger"].exercises}
    single = [e for m in modules.values() for e in m.exercises if e.type == "single"]
    assert all(len(e.data["options"]) == 4 for e in single), [
        (e.module_id, e.id) for e in single if len(e.data["options"]) != 4
    ]  # single-answer items have four options, as in the exam


def test_hours_are_checked_against_the_content(root):
    from shegong.training.hours import content_hours

    module = load_module("m01-ethics", root)
    got = content_hours(module.pages, module.exercises)
    # 3 pages of reading, 3 classroom activities (40 + 45 + 40 min), 11 exercises by type
    assert (got.activities, got.exercises) == (125, 48.0) and got.reading == 17
    assert module.hours == 3.0 and abs(got.minutes - 180) <= 15
    module_file = root / "m01-ethics" / "module.yaml"
    edit_yaml(module_file, lambda d: d.update(hours=6))
    _, problems = check_curricula(root)
    [p] = problems
    assert (p.key, p.message) == (
        "hours",
        "declares 6 h but its content takes 3.17 h (reading 17 min + classroom activities "
        "125 min + exercises 48 min)",
    )
    assert p.fix.startswith("set `hours: 3`")
    edit_yaml(module_file, lambda d: d.update(estimated_hours=d.pop("hours") / 2))
    assert check_curricula(root)[1] == []  # the earlier key name is still read
    edit_yaml(module_file, lambda d: d.update(hours=3))
    assert [p.key for p in check_curricula(root)[1]] == ["estimated_hours"]  # not both
    edit_yaml(module_file, lambda d: d.pop("estimated_hours"))
    page = root / "m01-ethics" / "pages" / "01-values.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace("（40 分钟）", "(40 min)"), encoding="utf-8"
    )
    [p, hours] = check_curricula(root)[1]
    assert p.key == "## 课堂活动：我的“为他好”时刻(40 min)" and "（40 分钟）" in p.fix
    assert hours.key == "hours"  # … and the 40 minutes no longer count


def test_sources_name_a_page_and_its_passage_or_say_general_knowledge(root):
    ex_file = root / "m01-ethics" / "exercises" / "exercises.yaml"

    def breakit(d):
        d["exercises"][0]["source"] = [{"ref": "某文件", "url": "https://example.org/a"}]
        d["exercises"][1]["source"] = [{"ref": "某书"}, {"url": "ftp://x", "passage": "…"}]
        d["exercises"][2]["source"] = [{"ref": "某法", "general": "一般知识", "page": 3}]

    edit_yaml(ex_file, breakit)
    _, problems = check_curricula(root)
    got = {(p.key, p.message) for p in problems}
    assert got == {
        ("exercises[0] (e01).source[0]", "a URL without the passage relied on"),
        ("exercises[1] (e02).source[0]", "neither a page (url + passage) nor general knowledge"),
        ("exercises[1] (e02).source[1]", "needs `ref` (what is relied on)"),
        ("exercises[2] (e03).source[0].page", "unknown key"),
    }


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
