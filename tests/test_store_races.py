"""Writers racing on one store: what SQLite serialises by itself must hold on PostgreSQL too.

Processes are forked after the parent has closed its store, start together at a barrier, and
report what happened to them through a queue. On SQLite every write transaction takes the write
lock first (``BEGIN IMMEDIATE``); on PostgreSQL (READ COMMITTED) the store locks the rows it reads
to change, or writes with ``INSERT … ON CONFLICT``. Each test runs on both (``store_url``).
"""

import multiprocessing
import os
import traceback

from sqlalchemy import func, select

from shegong.errors import AssessmentError
from shegong.trainer import marking as M
from shegong.training import assessment as A
from shegong.training.curriculum import load_curricula
from shegong.training.progress import ProgressStore
from shegong.training.tables import ItemScoreRow, SubmissionRow

WORKERS = 6


def _race(target, args, n: int) -> list[str]:
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=target, args=(barrier, results, *args)) for _ in range(n)]
    for p in procs:
        p.start()
    got = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0] * n
    return got


def _submit(barrier, results, url, key_file, trainee_id):
    os.environ["SHEGONG_KEY_FILE"] = key_file
    try:
        modules = load_curricula()
        a = A.load_assessments(modules)["m01-final"]
        with ProgressStore(url) as store:
            trainee = store.hub_trainee("racer")
            assert trainee is not None and trainee.id == trainee_id
            barrier.wait(60)
            try:
                A.submit(store, trainee, a, modules["m01-ethics"], {"s01": "b"}, seconds=1)
                results.put("stored")
            except AssessmentError:
                results.put("limit")
    except Exception:  # noqa: BLE001 - anything else is the failure this test looks for
        results.put(traceback.format_exc())


def test_simultaneous_submissions_take_each_attempt_once(store_url, tmp_path, monkeypatch):
    key = str(tmp_path / "pseudonym.key")
    monkeypatch.setenv("SHEGONG_KEY_FILE", key)
    with ProgressStore(store_url) as store:
        trainee = store.register_hub("racer", role="volunteer")
    got = _race(_submit, (store_url, key, trainee.id), WORKERS)
    assert sorted(got) == ["limit"] * (WORKERS - 2) + ["stored"] * 2, got  # max_attempts: 2
    with ProgressStore(store_url) as store, store.engine.connect() as conn:
        numbers = conn.execute(select(SubmissionRow.attempt_no).order_by(SubmissionRow.attempt_no))
        assert list(numbers.scalars()) == [1, 2]


def _auto_score(barrier, results, url, key_file):
    os.environ["SHEGONG_KEY_FILE"] = key_file
    try:
        modules = load_curricula()
        assessments = A.load_assessments(modules)
        with ProgressStore(url) as store:
            barrier.wait(60)
            results.put(str(M.auto_score(store, assessments, modules)))
    except Exception:  # noqa: BLE001 - anything else is the failure this test looks for
        results.put(traceback.format_exc())


def test_trainers_scoring_at_once_score_each_item_once(store_url, tmp_path, monkeypatch):
    key = str(tmp_path / "pseudonym.key")
    monkeypatch.setenv("SHEGONG_KEY_FILE", key)
    modules = load_curricula()
    a = A.load_assessments(modules)["m01-final"]
    with ProgressStore(store_url) as store:
        for login in ("t1", "t2", "t3"):
            t = store.register_hub(login, role="volunteer")
            answers = {"s01": "b", "s02": ["a", "b", "d"], "s03": "服务对象"}
            A.submit(store, t, a, modules["m01-ethics"], answers, seconds=5)
    got = _race(_auto_score, (store_url, key), 4)
    assert all(g.isdigit() for g in got), got
    assert sum(int(g) for g in got) == 9  # 3 submissions × 3 objective items, each scored once
    with ProgressStore(store_url) as store, store.engine.connect() as conn:
        assert conn.execute(select(func.count(ItemScoreRow.id))).scalar() == 9
