"""The progress store: trainees, attempts, completion, migrations, gradebook, concurrent writers.

Every store test runs twice, on a SQLite file and on the session's throwaway PostgreSQL server
(the ``store_url`` fixture of conftest.py; the PostgreSQL cases carry the ``postgres`` marker).
"""

import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import inspect, text

from shegong.cli.main import main
from shegong.errors import GradingError, ProgressError
from shegong.training.curriculum import load_module
from shegong.training.progress import ProgressStore


@pytest.fixture(autouse=True)
def _key(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEGONG_KEY_FILE", str(tmp_path / "pseudonym.key"))
    monkeypatch.delenv("SHEGONG_DATABASE_URL", raising=False)


@pytest.fixture
def store(store_url):
    s = ProgressStore(store_url)
    yield s
    s.close()


EXERCISE = SimpleNamespace(
    module_id="m01-ethics", id="e01", type="single", mode="practice", points=1.0
)


def test_schema_is_migrated_to_head(store):
    names = set(inspect(store.engine).get_table_names())
    assert {"trainees", "attempts", "completions", "alembic_version"} <= names
    with store.engine.connect() as conn:
        if store.engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "p14people01"
        )  # 0002: assessment, marking, mentoring (issue 7); 0003: the trainee's track (issue 19);
        # h14_trainee_profile (after 0003): display name, station code, time on pages (issue 14);
        # 0004 (after h14_trainee_profile): role grants (issue 15); p14people01 (after 0004):
        # accounts with roles and scope, sessions (issue 14)
    assert {"account_roles", "account_scopes", "web_sessions", "signin_attempts"} <= names
    assert "role_grants" not in names


def test_migrations_form_one_chain():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import shegong.training.progress as progress

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(progress.__file__).with_name("migrations")))
    scripts = ScriptDirectory.from_config(cfg)
    assert scripts.get_heads() == ["p14people01"]  # one head: no branch left unmerged
    chain = [r.revision for r in scripts.walk_revisions()]  # head first
    assert chain == ["p14people01", "0004", "h14_trainee_profile", "0003", "0002", "0001"]


def test_trainees_are_pseudonymous_and_sign_in_checks_the_password(store):
    from shegong.training import accounts, sessions

    code = accounts.invite(store, grant_person(store))
    t, status = accounts.register(
        store,
        "WangFang",
        "station-1-pass",
        display_name="王芳",
        role="community_worker",
        station="义勒力特镇社工站",
        station_code="152201100000",
        invitation=code,
    )
    assert status == "active" and (t.display_name, t.station_code) == ("王芳", "152201100000")
    assert t.pseudonym.startswith("T") and len(t.pseudonym) == 17 and "wangfang" not in t.pseudonym
    assert (
        sessions.sign_in(store, "ｗａｎｇｆａｎｇ", "station-1-pass", address="1.2.3.4")
        == "wangfang"
    )
    assert store.trainee("wangfang") == t
    with pytest.raises(accounts.SignInError, match="wrong"):
        sessions.sign_in(store, "wangfang", "nope", address="1.2.3.4")
    with pytest.raises(ProgressError, match="already registered"):
        store.add_trainee("wangfang", role="volunteer")
    with pytest.raises(ProgressError, match="unknown role"):
        store.add_trainee("li", role="mayor")
    with store.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM trainees")) for v in row)
    assert "wangfang" not in dump and "station-1" not in dump


def grant_person(store):
    from shegong.training.roles import grant

    return grant(store, "trainer-li", "trainer")


def test_profile_of_an_authenticated_login_has_no_password(store):
    from shegong.training import accounts, sessions

    assert store.trainee("jovyan") is None
    t = store.register_hub("jovyan", role="resident_backbone", station="152201101")
    assert store.trainee("jovyan") == t
    with pytest.raises(accounts.SignInError):
        sessions.sign_in(store, "jovyan", "", address="127.0.0.1")


def test_submit_grades_and_records_an_attempt(store):
    module = load_module("m01-ethics")
    t = store.add_trainee("a", role="volunteer")
    result = store.submit(t, module.exercise("e02"), ["a", "b", "d"], seconds=12.5)
    assert result.score == 2.0
    with pytest.raises(GradingError):
        store.submit(t, module.exercise("e02"), ["zz"], seconds=1)
    rows = store.attempts(t)
    assert len(rows) == 1
    row = rows[0]
    assert (
        row["module_id"],
        row["exercise_id"],
        row["exercise_type"],
        row["answer"],
        row["score"],
        row["max_score"],
        row["graded_by"],
        row["seconds_spent"],
    ) == ("m01-ethics", "e02", "multiple", ["a", "b", "d"], 2.0, 2.0, "auto", 12.5)


def test_times_are_utc_on_either_database(store):
    """The test server's own timezone is Asia/Shanghai; SQLite stores naive UTC."""
    t = store.add_trainee("a", role="volunteer")
    store.record_attempt(t, EXERCISE, answer="b", score=1.0, graded_by="auto", seconds=2)
    created = store.attempts(t)[0]["created_at"]
    assert created.utcoffset() in (None, timedelta(0))
    assert abs(created.replace(tzinfo=UTC) - datetime.now(UTC)) < timedelta(minutes=5)
    [row] = store.tables()["trainees"]
    assert row["created_at"].utcoffset() in (None, timedelta(0))


def test_blank_cells_of_an_answer_are_stored_as_null_on_either_database(store):
    import numpy as np

    t = store.add_trainee("a", role="volunteer")
    answer = [{"户数": float("nan"), "金额": float("inf"), "人次": np.int64(3), "备注": "空"}]
    store.record_attempt(t, EXERCISE, answer=answer, score=0.0, graded_by="auto", seconds=1)
    [row] = store.attempts(t)
    assert row["answer"] == [{"户数": None, "金额": None, "人次": 3, "备注": "空"}]


def test_completion_records_score_and_stage(store):
    module = load_module("m01-ethics")
    t = store.add_trainee("a", role="volunteer")
    store.submit(t, module.exercise("e01"), "b", seconds=3)
    store.submit(
        t, module.exercise("e01"), "a", seconds=3
    )  # a worse retry does not lower the best score
    t2 = store.complete_module(t, module)
    assert t2.stage_reached == "传"
    done = store.tables()["completions"]
    assert len(done) == 1 and done[0]["score"] == 1.0
    assert (
        done[0]["max_score"]
        == sum(e.points for e in module.exercises if e.mode == "practice")
        == 15.0  # e01 1 + e02 2 + e03 1 + e04 4 + e05 1 + e06 1 + e07 5
    )


def test_gradebook_export_via_cli(store_url, tmp_path, monkeypatch, capsys):
    ws = tmp_path / "ws"
    if not store_url.startswith("sqlite"):  # SQLite: the workspace's own progress.sqlite
        monkeypatch.setenv("SHEGONG_DATABASE_URL", store_url)
    s = ProgressStore.open(workspace=ws)
    module = load_module("m01-ethics")
    t = s.add_trainee("a", role="volunteer", station="152201101")
    s.submit(t, module.exercise("e01"), "b", seconds=3)
    s.submit(
        t, module.exercise("e07"), {"text": "孙奶奶的秘密……", "ratings": {"promise": 1}}, seconds=60
    )
    s.close()
    out = tmp_path / "gb.xlsx"
    assert (
        main(["progress", "export", "--format", "xlsx", "--workspace", str(ws), "--out", str(out)])
        == 0
    )
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "成绩册 Gradebook",
        "作答 Attempts",
        "学员 Trainees",
        "完成 Completions",
    ]
    rows = list(wb["成绩册 Gradebook"].values)
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert (
        "m01-ethics 得分" in header
        and first["m01-ethics 得分"] == 2.0
        and first["m01-ethics 满分"] == 15.0
    )
    assert first["角色 role"] == "志愿者" and first["培训路径 track"] == "volunteer"
    assert (
        first["m08-supervision 得分"] == 0.0 and "m08-supervision 满分" in header
    )  # every module has a column
    attempts = list(wb["作答 Attempts"].values)
    assert len(attempts) == 3
    assert not any(
        "孙奶奶" in str(v) for row in attempts for v in row
    )  # open answers' text stays out


def _writer(url: str, key_file: str, worker: int, n: int) -> None:
    import os

    os.environ["SHEGONG_KEY_FILE"] = key_file
    store = ProgressStore(url)
    t = store.add_trainee(f"trainee-{worker}", role="volunteer")
    for i in range(n):
        store.record_attempt(
            t, EXERCISE, answer=str(i), score=float(i % 2), graded_by="auto", seconds=0.1
        )
    store.close()


def test_eight_processes_record_1600_attempts(store_url, tmp_path):
    url = store_url  # nobody has opened it yet: the eight processes race to migrate it too
    ctx = multiprocessing.get_context("fork")
    procs = [
        ctx.Process(target=_writer, args=(url, str(tmp_path / "pseudonym.key"), w, 200))
        for w in range(8)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * 8
    store = ProgressStore(url)
    rows = store.attempts()
    assert len(rows) == 1600
    by_trainee = {}
    for r in rows:
        by_trainee.setdefault(r["trainee_id"], set()).add(r["answer"])
    assert len(by_trainee) == 8 and all(
        v == {str(i) for i in range(200)} for v in by_trainee.values()
    )
    store.close()


def test_database_url_from_env_and_workspace(tmp_path, monkeypatch):
    from shegong.config import database_url

    assert (
        database_url(tmp_path / "w")
        == f"sqlite:///{(tmp_path / 'w').resolve() / 'progress.sqlite'}"
    )
    monkeypatch.setenv("SHEGONG_DATABASE_URL", "sqlite:///:memory:")
    assert database_url(tmp_path / "w") == "sqlite:///:memory:"
    assert Path(tmp_path / "w").is_dir()


@pytest.mark.postgres
def test_a_refused_or_driverless_url_is_one_progress_error(postgres_server):
    with pytest.raises(ProgressError, match="password authentication failed") as refused:
        ProgressStore(postgres_server.url(password="not-the-password"))
    assert "not-the-password" not in str(refused.value) and "***" in str(refused.value)
    with pytest.raises(ProgressError, match=r"driver 'pg8000'.*shegong\[postgres\]"):
        ProgressStore("postgresql+pg8000://someone:secret@/nowhere")
