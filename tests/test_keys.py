"""Answer keys: validated on the trainer's side, kept out of exercise files, movable to
SHEGONG_KEYS_DIR."""

import shutil

import pytest
import yaml

from shegong.cli.main import main
from shegong.errors import KeyAccessError
from shegong.training.answer_keys import keyed_exercise, keys_path, load_keys
from shegong.training.curriculum import check_curricula, load_curricula
from shegong.training.grading import grade


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.delenv("SHEGONG_KEYS_DIR", raising=False)
    src = load_curricula()["m01-ethics"].path
    shutil.copy(src.parent / "competencies.yaml", tmp_path / "competencies.yaml")
    shutil.copytree(src, tmp_path / "m01-ethics")
    return tmp_path


def test_shipped_keys_pass_the_trainer_check(capsys, monkeypatch):
    monkeypatch.delenv("SHEGONG_KEYS_DIR", raising=False)
    assert main(["curriculum", "check"]) == 0
    _, problems = check_curricula(keys=True)
    assert problems == []


def test_broken_keys_are_listed_all_at_once(root, capsys):
    keys = root / "m01-ethics" / "keys.yaml"
    data = yaml.safe_load(keys.read_text(encoding="utf-8"))
    data["keys"]["s01"]["correct"] = ["b"]  # single answer given as a list
    data["keys"]["s02"]["correct"] = ["a", "z"]  # no option z
    data["keys"]["s04"]["rubric"]["criteria"][0]["points"] = (
        3  # rubric sums to 6, the exercise has 5
    )
    del data["keys"]["s03"]
    data["keys"]["e01"] = {"correct": "b"}  # a practice exercise
    keys.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["curriculum", "check", str(root)]) == 2
    err = capsys.readouterr().err
    assert "keys.s01.correct: a single-answer item has one correct option" in err
    assert "keys.s02.correct: must name option ids of s02" in err
    assert "keys.s04.rubric: criteria sum to 6 but the exercise has 5 points" in err
    assert "keys.s03: summative exercise has no key" in err
    assert "keys.e01: no summative exercise with this id" in err


def test_inline_keys_in_a_summative_exercise_are_refused(root):
    f = root / "m01-ethics" / "exercises" / "summative.yaml"
    data = yaml.safe_load(f.read_text(encoding="utf-8"))
    data["exercises"][0]["options"][1]["correct"] = True
    data["exercises"][3]["model_answer"] = "泄露的参考答案"
    f.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _, problems = check_curricula(root)
    found = {(p.key, p.message) for p in problems}
    assert ("exercises[0] (s01).options", "a summative exercise carries its key inline") in found
    assert (
        "exercises[3] (s04).model_answer",
        "a summative exercise carries its rubric inline",
    ) in found


def test_keys_dir_moves_the_keys_out_of_the_checkout(root, tmp_path, monkeypatch):
    module = load_curricula(root)["m01-ethics"]
    keys_dir = tmp_path / "trainer-keys"
    keys_dir.mkdir()
    shutil.move(root / "m01-ethics" / "keys.yaml", keys_dir / "m01-ethics.yaml")
    with pytest.raises(KeyAccessError, match="SHEGONG_KEYS_DIR"):
        load_keys(module)
    monkeypatch.setenv("SHEGONG_KEYS_DIR", str(keys_dir))
    assert keys_path(module) == keys_dir / "m01-ethics.yaml"
    keys = load_keys(module)
    assert keys["s01"]["correct"] == "b"
    s02 = keyed_exercise(module.exercise("s02"), keys["s02"])
    assert module.exercise("s02").mode == "summative" and s02.mode == "practice"
    assert grade(s02, ["a", "b"]).score == 1.0 and grade(s02, ["a", "b", "d"]).score == 2.0
    with pytest.raises(Exception, match="summative"):
        grade(module.exercise("s02"), ["a"])  # never scored without the trainer's key


def test_jupyterhub_config_gives_keys_and_trainer_db_only_to_trainers(tmp_path, monkeypatch):
    from pathlib import Path
    from types import SimpleNamespace

    from traitlets.config import Config

    url_file = tmp_path / "trainer_db_url"
    url_file.write_text(
        "postgresql+psycopg://shegong_trainer:secret@db/shegong\n", encoding="utf-8"
    )
    monkeypatch.setenv("SHEGONG_HUB_TRAINERS", "li")
    monkeypatch.setenv("SHEGONG_HUB_ADMINS", "zhou")
    monkeypatch.setenv("SHEGONG_TRAINER_DB_URL_FILE", str(url_file))
    monkeypatch.setenv("SHEGONG_KEYS_DIR", "/srv/shegong/keys")
    config = Config()
    namespace = {"get_config": lambda: config}
    source = Path(__file__).resolve().parents[1] / "binder" / "jupyterhub_config.py"
    exec(compile(source.read_text(encoding="utf-8"), str(source), "exec"), namespace)  # noqa: S102
    assert config.JupyterHub.load_groups == {"trainers": {"users": ["li", "zhou"]}}
    assert config.LocalAuthenticator.create_system_users is True
    hook = config.Spawner.pre_spawn_hook

    def spawn(name, groups=()):
        spawner = SimpleNamespace(
            user=SimpleNamespace(name=name, groups=[SimpleNamespace(name=g) for g in groups]),
            environment=dict(config.Spawner.environment),
            args=[],
        )
        hook(spawner)
        return spawner

    trainer, admin, trainee = spawn("li", ["trainers"]), spawn("zhou"), spawn("xiaoming")
    assert trainer.environment["SHEGONG_KEYS_DIR"] == "/srv/shegong/keys"
    assert trainer.environment["SHEGONG_DATABASE_URL"].startswith(
        "postgresql+psycopg://shegong_trainer:"
    )
    assert admin.environment["SHEGONG_KEYS_DIR"] == "/srv/shegong/keys"
    assert "SHEGONG_KEYS_DIR" not in trainee.environment
    assert "shegong_trainer" not in trainee.environment["SHEGONG_DATABASE_URL"]
    assert trainee.args == ["--ServerApp.terminals_enabled=False"] and trainer.args == []
