"""The mentoring log (帮/带/教 entries signed off or returned) and stage progression by the curriculum rules."""

from datetime import date

import pytest

from shegong.errors import CurriculumError, MarkingError, ProgressError
from shegong.trainer import marking as M
from shegong.trainer import mentoring
from shegong.trainer.progression import status, update_stage
from shegong.trainer.rules import load_rules
from shegong.training import assessment as A
from shegong.training.curriculum import load_module
from shegong.training.roles import grant

from .test_assessment import assessments, modules, store, trainee_factory  # noqa: F401 - fixtures


def test_rules_file_is_valid_and_broken_rules_are_listed(tmp_path):
    rules = load_rules()
    assert list(rules.stages) == ["传", "帮", "带", "教"]
    assert rules.kinds["case_led"]["stage"] == "带" and rules.stages["帮"]["entries"] == {
        "co_home_visit": 2,
        "co_needs_assessment": 1,
    }
    (tmp_path / "progression.yaml").write_text(
        "schema_version: 1\nkinds:\n  visit: {stage: 传, zh: 走访}\nstages:\n  帮: {entries: {nope: 1}}\n  学: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(CurriculumError) as info:
        load_rules(tmp_path)
    keys = {p.key for p in info.value.problems}
    assert keys == {"kinds.visit", "stages.学", "stages.帮.entries.nope"}


def test_entries_are_signed_off_or_returned_once(store, trainee_factory):
    t = trainee_factory("feng")
    mentor = grant(store, "supervisor", "trainer")
    e1 = mentoring.record(
        store, t, "co_home_visit", "2021-05-18", "与督导一起走访一户独居老人，完成需求初评。"
    )
    e2 = mentoring.record(store, t, "co_home_visit", "2021-05-20", "走访")
    with pytest.raises(ProgressError, match="unknown entry kind"):
        mentoring.record(store, t, "party", "2021-05-20", "x")
    with pytest.raises(ProgressError, match="YYYY-MM-DD"):
        mentoring.record(store, t, "case_led", "5月18日", "x")
    with pytest.raises(ProgressError, match="future"):
        mentoring.record(store, t, "case_led", date(2099, 1, 1).isoformat(), "x")
    mentoring.sign_off(store, e1, mentor, "记录规范")
    with pytest.raises(MarkingError, match="say why"):
        mentoring.return_entry(store, e2, mentor, " ")
    mentoring.return_entry(store, e2, mentor, "请补充走访发现的需求和下一步计划")
    with pytest.raises(MarkingError, match="already signed off"):
        mentoring.sign_off(store, e1, mentor)
    got = {e.id: (e.stage, e.status, e.mentor_comment) for e in mentoring.entries(store, trainee=t)}
    assert got == {
        e1: ("帮", "signed_off", "记录规范"),
        e2: ("帮", "returned", "请补充走访发现的需求和下一步计划"),
    }
    assert mentoring.signed_off_counts(store, t) == {"co_home_visit": 1}
    assert [e.id for e in mentoring.entries(store, status="submitted")] == []


def test_stage_follows_modules_assessments_and_signed_off_entries(
    store, modules, assessments, trainee_factory
):
    rules = load_rules()
    t = trainee_factory("chu")
    mentor = grant(store, "supervisor", "trainer")
    assert status(store, t, assessments, rules).reached is None
    store.complete_module(t, load_module("m01-ethics"))
    st = status(store, t, assessments, rules)
    assert (st.reached, st.next_stage, st.missing) == (
        None,
        "传",
        [("assessment", "m01-final", 0, 1)],
    )
    A.submit(
        store,
        t,
        assessments["m01-final"],
        modules["m01-ethics"],
        {"s01": "b", "s02": ["a", "b", "d"], "s03": "服务对象", "s04": {"text": "……"}},
        seconds=60,
    )
    M.auto_score(store, assessments, modules)
    [item] = M.queue(store, mentor, assessments, modules)
    M.score_open(
        store,
        mentor,
        item.submission_id,
        "s04",
        {"refuse": 1, "reason": 0, "alternative": 0},
        item.criteria,
    )
    assert (
        status(store, t, assessments, rules).reached is None
    )  # scored but not released: not yet passed
    M.release(store, assessments["m01-final"], modules["m01-ethics"], mentor)  # 5 of 9 < 0.6
    assert status(store, t, assessments, rules).missing == [("assessment", "m01-final", 0, 1)]
    A.submit(
        store,
        t,
        assessments["m01-final"],
        modules["m01-ethics"],
        {"s01": "b", "s02": ["a", "b", "d"], "s03": "服务对象", "s04": {"text": "……"}},
        seconds=60,
    )
    M.auto_score(store, assessments, modules)
    [item] = M.queue(store, mentor, assessments, modules)
    M.score_open(
        store,
        mentor,
        item.submission_id,
        "s04",
        {"refuse": 2, "reason": 1, "alternative": 0},
        item.criteria,
    )
    st = status(store, t, assessments, rules)  # second attempt 7/9 ≥ 0.6: 传 reached
    assert (st.reached, st.next_stage) == ("传", "帮")
    assert st.missing == [
        ("module", "m02-home-visits", 0, 1),
        ("entry", "co_home_visit", 0, 2),
        ("entry", "co_needs_assessment", 0, 1),
    ]
    store.complete_module(t, load_module("m02-home-visits"))
    for kind in ("co_home_visit", "co_home_visit", "co_needs_assessment"):
        mentoring.sign_off(
            store, mentoring.record(store, t, kind, "2021-06-01", "共同完成"), mentor
        )
    assert update_stage(store, t, assessments, rules).stage_reached == "帮"
    assert status(store, t, assessments, rules).missing[0] == ("module", "m03-casework", 0, 1)
