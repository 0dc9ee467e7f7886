"""Release: before it the trainee sees "submitted" (and item_scores is never queried), after it the
scores."""

import pytest
from sqlalchemy import event

from shegong.errors import AccessError, MarkingError
from shegong.people import read_audit
from shegong.trainer import marking as M
from shegong.training import assessment as A
from shegong.training.roles import grant, person

from .test_assessment import assessments, modules, store, trainee_factory  # noqa: F401 - fixtures


def test_trainee_sees_submitted_then_released_scores(store, modules, assessments, trainee_factory):
    a, m = assessments["m01-final"], modules["m01-ethics"]
    t = trainee_factory("sun")
    A.submit(
        store,
        t,
        a,
        m,
        {"s01": "b", "s02": ["a", "b", "c"], "s03": "案主", "s04": {"text": "未经同意不能披露"}},
        seconds=300,
    )
    trainer = grant(store, "zhou", "trainer")
    assert M.auto_score(store, assessments, modules) == 3

    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    [before] = A.results(store, t, a)
    assert (before.status, before.score, before.items) == ("submitted", None, [])
    assert before.status_text("zh") == "已提交，等待培训师评分和发布"
    assert not any(
        "item_scores" in s for s in statements
    )  # scores are not even read before release

    with pytest.raises(MarkingError, match="1 answer"):  # the open answer is not scored yet
        M.release(store, a, m, trainer)
    [item] = M.queue(store, trainer, assessments, modules)
    assert (
        item.code.startswith("A-")
        and "sun" not in repr(item)
        and str(t.pseudonym) not in repr(item)
    )
    M.score_open(
        store,
        trainer,
        item.submission_id,
        "s04",
        {"refuse": 2, "reason": 1.5, "alternative": 0},
        item.criteria,
        comment="可补充安全计划",
    )
    M.release(store, a, m, trainer)
    assert A.is_released(store, a.id)

    [after] = A.results(store, t, a, "zh")
    assert after.status == "released"
    scores = {i.exercise_id: (i.score, i.max_score) for i in after.items}
    # s01 correct 1/1; s02 chose wrong option c → 0/2 (exam rule); s03 accepted answer 1/1; s04
    # 3.5/5
    assert scores == {"s01": (1.0, 1.0), "s02": (0.0, 2.0), "s03": (1.0, 1.0), "s04": (3.5, 5.0)}
    assert (after.score, after.max_score) == (5.5, 9.0)
    feedback = {i.exercise_id: i.feedback for i in after.items}
    assert "多选题有错选即得 0 分" in feedback["s02"]
    assert "拒绝披露: 2/2" in feedback["s04"] and "可补充安全计划" in feedback["s04"]
    [en] = A.results(store, t, a, "en")
    assert "Declines to disclose: 2/2" in {i.exercise_id: i.feedback for i in en.items}["s04"]


def test_two_graders_are_averaged_and_ratings_are_checked(
    store, modules, assessments, trainee_factory
):
    a, m = assessments["m03-final"], modules["m03-casework"]
    t = trainee_factory("wu")
    A.submit(
        store,
        t,
        a,
        m,
        {"s01": "b", "s02": {"value": "6", "unit": "人次"}, "s03": {"text": "目标：每周到校 5 天"}},
        seconds=100,
    )
    g1, g2 = grant(store, "li", "trainer"), grant(store, "wang", "admin")
    M.auto_score(store, assessments, modules)
    [item] = M.queue(store, g1, assessments, modules)
    with pytest.raises(MarkingError, match="between 0 and 2"):
        M.score_open(
            store,
            g1,
            item.submission_id,
            "s03",
            {"goals": 3, "strategy": 1, "evaluation": 1},
            item.criteria,
        )
    with pytest.raises(MarkingError, match="rate every criterion"):
        M.score_open(store, g1, item.submission_id, "s03", {"goals": 1}, item.criteria)
    M.score_open(
        store,
        g1,
        item.submission_id,
        "s03",
        {"goals": 2, "strategy": 1, "evaluation": 1},
        item.criteria,
    )
    [second] = M.queue(
        store, g2, assessments, modules
    )  # offered to the second trainer for calibration
    assert second.graders == 1 and M.queue(store, g1, assessments, modules) == []
    M.score_open(
        store,
        g2,
        item.submission_id,
        "s03",
        {"goals": 2, "strategy": 2, "evaluation": 0},
        item.criteria,
    )
    [row] = M.submission_scores(store, a)
    assert (row["score"], row["max_score"]) == (
        1 + 1 + (4 + 4) / 2,
        8.0,
    )  # s01 1 + s02 1 (6 人次) + s03 mean 4


def test_release_through_the_cli_acts_as_the_store_owner_and_is_audited(
    store, modules, assessments, trainee_factory, monkeypatch, capsys, tmp_path
):
    """The command line's authority is owning the store: `grade --release` works without a granted
    role, and the audit entry names the OS user and --by."""
    import getpass

    from shegong.cli.main import main

    a, m = assessments["m01-final"], modules["m01-ethics"]
    t = trainee_factory("zheng")
    A.submit(
        store,
        t,
        a,
        m,
        {"s01": "b", "s02": ["a", "b", "d"], "s03": "本人", "s04": {"text": "……"}},
        seconds=5,
    )
    monkeypatch.setenv("SHEGONG_DATABASE_URL", store.url)
    # the audit log lives in the workspace (a SQLite store's folder, else $SHEGONG_WORKSPACE)
    monkeypatch.setenv("SHEGONG_WORKSPACE", str(store.workspace or tmp_path))
    assert main(["grade"]) == 0
    out = capsys.readouterr().out
    assert "objective items scored: 3" in out and "m01-final: 1" in out
    with pytest.raises(AccessError, match="may not score"):
        M.queue(store, person(store, "zheng"), assessments, modules)  # a trainee is no grader
    assert main(["grade", "--release", "m01-final", "--by", "Zhou"]) == 1  # not scored yet
    assert "not scored yet" in capsys.readouterr().err
    g = grant(store, "zhou", "trainer")
    [item] = M.queue(store, g, assessments, modules)
    M.score_open(
        store,
        g,
        item.submission_id,
        "s04",
        {"refuse": 1, "reason": 1, "alternative": 1},
        item.criteria,
    )
    assert main(["grade", "--release", "m01-final", "--by", "Zhou"]) == 0
    assert "released: m01-final" in capsys.readouterr().out
    assert A.results(store, t, a)[0].score == 7.0  # 1 + 2 + 1 + 3
    [entry] = [e for e in read_audit(store.workspace or tmp_path) if e["action"] == "release"]
    assert (entry["actor"], entry["source"], entry["os_user"], entry["target"]) == (
        "zhou",
        "cli",
        getpass.getuser(),
        "m01-final",
    )
