"""Summative assessments, trainee side: definitions, window and attempt limit, ungraded submission.

The fixtures here (``store``, ``modules``, ``assessments``, ``trainee_factory``) are imported by the
other issue-7 test files; ``store`` is a SQLite file or a fresh PostgreSQL database (``store_url``).
"""

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, select

from shegong.errors import AssessmentError
from shegong.training import assessment as A
from shegong.training.curriculum import load_curricula
from shegong.training.progress import ProgressStore, migrate
from shegong.training.tables import SubmissionRow as S


@pytest.fixture
def store(store_url, tmp_path, monkeypatch):
    """An empty store on SQLite and on PostgreSQL (each test using it runs on both)."""
    monkeypatch.setenv("SHEGONG_KEY_FILE", str(tmp_path / "pseudonym.key"))
    monkeypatch.delenv("SHEGONG_DATABASE_URL", raising=False)
    monkeypatch.delenv("SHEGONG_KEYS_DIR", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    s = ProgressStore(store_url)
    yield s
    s.close()


@pytest.fixture(scope="session")
def modules():
    return load_curricula()


@pytest.fixture(scope="session")
def assessments(modules):
    return A.load_assessments(modules)


@pytest.fixture
def trainee_factory(store):
    def make(login: str, *, role: str = "community_worker", station: str | None = "152201101"):
        return store.add_trainee(login, role=role, station=station)

    return make


def test_shipped_assessments_list_summative_items_with_a_window(assessments):
    assert sorted(assessments) == [
        "m01-final",
        "m03-final",
        "m09-final",
        "m10-final",
        "m11-final",
        "m12-final",
    ]
    a = assessments["m01-final"]
    assert (a.module_id, a.exercise_ids, a.max_attempts, a.pass_share) == (
        "m01-ethics",
        ("s01", "s02", "s03", "s04"),
        2,
        0.6,
    )
    assert a.is_open(datetime(2026, 6, 1, tzinfo=UTC)) and not a.is_open(
        datetime(2020, 6, 1, tzinfo=UTC)
    )


def test_migrations_add_the_tables_up_to_head(store):
    names = set(inspect(store.engine).get_table_names())
    assert {
        "accounts",
        "account_roles",
        "submissions",
        "item_scores",
        "releases",
        "comment_bank",
        "practice_entries",
        "training_sessions",
        "attendance",
        "reactions",
        "certificates",
    } <= names
    head = migrate(store.engine)  # the newest revision (later revisions build on 0002)
    assert head != "0002"
    with store.engine.connect() as c:
        assert c.exec_driver_sql("select version_num from alembic_version").scalar() == head


def test_submission_is_stored_ungraded_and_limited(store, modules, assessments, trainee_factory):
    a, m = assessments["m01-final"], modules["m01-ethics"]
    t = trainee_factory("zhao")
    sub = A.submit(store, t, a, m, {"s01": "b", "s04": {"text": "不能告诉网格员"}}, seconds=61.5)
    with store.engine.connect() as c:
        row = c.execute(
            select(S.attempt_no, S.answers, S.seconds_spent).where(S.id == sub)
        ).one()  # answers: JSON text in SQLite, json in PostgreSQL; decoded alike
        assert (
            c.exec_driver_sql("select count(*) from item_scores").scalar() == 0
        )  # nothing scored trainee-side
    assert tuple(row) == (
        1,
        {"s01": "b", "s02": None, "s03": None, "s04": {"text": "不能告诉网格员"}},
        61.5,
    )
    A.submit(store, t, a, m, {"s01": "a"}, seconds=10)
    with pytest.raises(AssessmentError, match="all 2 attempt"):
        A.submit(store, t, a, m, {"s01": "c"}, seconds=10)
    assert A.attempts_used(store, t, a.id) == 2
    [r1, r2] = A.results(store, t, a)
    assert (r1.status, r1.score, r2.attempt_no) == ("submitted", None, 2)
    assert r1.status_text("en").startswith("submitted")


def test_window_and_unknown_items_are_refused(store, modules, assessments, trainee_factory):
    a, m = assessments["m01-final"], modules["m01-ethics"]
    t = trainee_factory("qian")
    with pytest.raises(AssessmentError, match="open from 2021-01-01"):
        A.submit(store, t, a, m, {"s01": "b"}, seconds=1, now=datetime(2040, 1, 1, tzinfo=UTC))
    with pytest.raises(AssessmentError, match="e01 are not exercises of m01-final"):
        A.submit(store, t, a, m, {"e01": "b"}, seconds=1)
    assert A.attempts_used(store, t, a.id) == 0


def test_a_broken_assessment_file_lists_every_problem(tmp_path, modules):
    import shutil

    root = tmp_path / "curricula"
    shutil.copy(
        modules["m01-ethics"].path.parent / "competencies.yaml", tmp_path / "competencies.yaml"
    )
    shutil.copytree(modules["m01-ethics"].path, root / "m01-ethics")
    shutil.copy(tmp_path / "competencies.yaml", root / "competencies.yaml")
    (root / "m01-ethics" / "assessments.yaml").write_text(
        "schema_version: 1\nassessments:\n  - id: x\n    exercises: [e01, s09]\n    "
        "opens: 2021-01-01\n"
        "    closes: 2030-01-01T00:00:00+08:00\n    max_attempt: 2\n",
        encoding="utf-8",
    )
    with pytest.raises(AssessmentError) as info:
        A.load_assessments(load_curricula(root), root)
    msg = info.value.message()
    assert "4 problem(s)" in msg
    assert "unknown key(s) max_attempt" in msg and "'e01' is not a summative exercise" in msg
    assert "'s09' is not a summative exercise" in msg and "is not a date-time with a zone" in msg


def test_the_module_player_leaves_summative_items_out(modules):
    seq_ids = {i.id for i in modules["m01-ethics"].sequence()}
    assert "e01" in seq_ids and not {"s01", "s02", "s03", "s04"} & seq_ids
