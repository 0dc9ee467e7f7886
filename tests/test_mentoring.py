"""The mentoring log (帮/带/教 entries signed off or returned) and stage progression by the
curriculum rules."""

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
    assert (
        list(rules.tracks) == ["staff", "volunteer", "backbone"] and rules.default_track == "staff"
    )
    assert list(rules.stages) == ["传", "帮", "带", "教"]  # the default track's
    assert rules.kinds["case_led"]["stage"] == "带" and rules.stages["帮"]["entries"] == {
        "co_home_visit": 2,
        "co_needs_assessment": 1,
        "co_assistance_application": 1,
    }
    volunteer = rules.track("volunteer")
    assert volunteer.name("zh") == "志愿者" and volunteer.name("en") == "Volunteers"
    assert volunteer.stages["带"]["entries"] == {"vol_visit_team_led": 1, "vol_activity_led": 1}
    assert volunteer.kinds() == [
        "vol_accompanied_visit",
        "vol_event_assisted",
        "vol_visit_team_led",
        "vol_activity_led",
        "session_taught",
    ]
    assert rules.track("backbone").modules(up_to="帮") == [
        "m01-ethics",
        "m09-local-ethics",
        "m06-assistance",
        "m02-home-visits",
        "m12-needs-survey",
    ]
    with pytest.raises(CurriculumError, match="unknown track 'nurse'"):
        rules.track("nurse")
    (tmp_path / "progression.yaml").write_text(
        "schema_version: 2\nkinds:\n  visit: {stage: 传, zh: 走访}\n  led: {stage: "
        "带, zh: 带领, en: Led}\n"
        "default_track: staff\ntracks:\n  Volunteer: {zh: 志愿者, en: Volunteers, "
        "stages: {帮: {}}}\n"
        "  staff:\n    zh: 工作人员\n    en: Staff\n    stages:\n      帮: {entries: "
        "{nope: 1, led: 1}}\n"
        "      学: {}\n",
        encoding="utf-8",
    )
    with pytest.raises(CurriculumError) as info:
        load_rules(tmp_path)
    keys = {p.key for p in info.value.problems}
    assert keys == {
        "kinds.visit",  # no English name and 传 is no entry stage
        "tracks.Volunteer",  # not a track id
        "tracks.staff.stages.学",
        "tracks.staff.stages.帮.entries.nope",
        "tracks.staff.stages.帮.entries.led",  # a 带 entry asked for at 帮
    }


def test_format_1_rules_are_read_as_one_track(tmp_path):
    (tmp_path / "progression.yaml").write_text(
        "schema_version: 1\nkinds:\n  visit: {stage: 帮, zh: 走访, en: Visit}\n"
        "stages:\n  传: {modules: [m01-ethics]}\n  帮: {entries: {visit: 2}}\n",
        encoding="utf-8",
    )
    rules = load_rules(tmp_path)
    assert list(rules.tracks) == ["staff"] and rules.stages["帮"]["entries"] == {"visit": 2}


def test_shipped_rules_name_existing_modules_and_assessments_and_every_track_has_practice(
    modules, assessments, tmp_path
):
    from shegong.trainer.rules import check_rules

    rules = load_rules()
    assert check_rules(rules, modules, assessments, tmp_path / "progression.yaml") == []
    broken = load_rules()
    broken.tracks["volunteer"].stages["带"].pop("entries")
    broken.tracks["volunteer"].stages["传"]["modules"].append("m99-none")
    got = {p.key: p.message for p in check_rules(broken, modules, assessments, tmp_path)}
    assert got == {
        "tracks.volunteer.stages.传.modules": "no module 'm99-none'",
        "tracks.volunteer.stages.带.entries": "no practice evidence for this stage",
    }


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


def _pass(store, trainee, mentor, assessments, modules, assessment_id, answers, ratings):
    """Submit ``answers``, score objective items, score the open item with ``ratings``, release."""
    a = assessments[assessment_id]
    A.submit(store, trainee, a, modules[a.module_id], answers, seconds=60)
    M.auto_score(store, assessments, modules)
    for item in M.queue(store, mentor, assessments, modules):
        if item.assessment_id == assessment_id:
            M.score_open(
                store, mentor, item.submission_id, item.exercise_id, ratings, item.criteria
            )
    M.release(store, a, modules[a.module_id], mentor)


M01 = {"s01": "b", "s02": ["a", "b", "d"], "s03": "服务对象", "s04": {"text": "……"}}
M09 = {"s01": "b", "s02": ["a", "b", "d"], "s03": "双重关系", "s04": {"text": "……"}}
M09_FULL = {"warmth": 1, "refuse_gift": 1, "step_aside": 2, "honest": 1, "record": 1}


def _through_chuan(store, t, mentor, modules, assessments):
    for m in ("m01-ethics", "m09-local-ethics", "m06-assistance"):
        store.complete_module(t, load_module(m))
    _pass(
        store,
        t,
        mentor,
        assessments,
        modules,
        "m01-final",
        M01,
        {"refuse": 2, "reason": 2, "alternative": 1},
    )
    _pass(store, t, mentor, assessments, modules, "m09-final", M09, M09_FULL)


def test_stage_follows_modules_assessments_and_signed_off_entries(
    store, modules, assessments, trainee_factory
):
    rules = load_rules()
    t = trainee_factory("chu")  # a community worker: the staff track
    assert t.track == "staff" and not t.track_confirmed
    mentor = grant(store, "supervisor", "trainer")
    assert status(store, t, assessments, rules).reached is None
    store.complete_module(t, load_module("m01-ethics"))
    st = status(store, t, assessments, rules)
    assert (st.reached, st.next_stage, st.missing) == (
        None,
        "传",
        [
            ("module", "m09-local-ethics", 0, 1),
            ("module", "m06-assistance", 0, 1),
            ("assessment", "m01-final", 0, 1),
            ("assessment", "m09-final", 0, 1),
        ],
    )
    for m in ("m09-local-ethics", "m06-assistance"):
        store.complete_module(t, load_module(m))
    _pass(store, t, mentor, assessments, modules, "m09-final", M09, M09_FULL)
    A.submit(store, t, assessments["m01-final"], modules["m01-ethics"], M01, seconds=60)
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
    _pass(
        store,
        t,
        mentor,
        assessments,
        modules,
        "m01-final",
        M01,
        {"refuse": 2, "reason": 1, "alternative": 0},
    )
    st = status(store, t, assessments, rules)  # second attempt 7/9 ≥ 0.6: 传 reached
    assert (st.reached, st.next_stage) == ("传", "帮")
    assert st.missing == [
        ("module", "m02-home-visits", 0, 1),
        ("module", "m07-ledger", 0, 1),
        ("module", "m11-records", 0, 1),
        ("module", "m10-assistance-procedure", 0, 1),
        ("assessment", "m10-final", 0, 1),
        ("assessment", "m11-final", 0, 1),
        ("entry", "co_home_visit", 0, 2),
        ("entry", "co_needs_assessment", 0, 1),
        ("entry", "co_assistance_application", 0, 1),
    ]


def test_each_track_asks_for_its_own_practice(store, modules, assessments, trainee_factory):
    rules = load_rules()
    mentor = grant(store, "supervisor", "trainer")
    vol = trainee_factory("wu", role="volunteer")
    staff = trainee_factory("zhou", role="part_time_staff")
    for t in (vol, staff):
        _through_chuan(store, t, mentor, modules, assessments)
        store.complete_module(t, load_module("m02-home-visits"))
    for kind in ("co_home_visit", "co_home_visit", "co_needs_assessment"):
        mentoring.sign_off(
            store, mentoring.record(store, staff, kind, "2021-06-01", "共同完成"), mentor
        )
    # a volunteer logs the volunteer track's own practice, not the staff track's
    with pytest.raises(ProgressError, match=r"not practice of the track 志愿者 \(volunteer\)"):
        mentoring.record(store, vol, "co_home_visit", "2021-06-01", "共同走访")
    assert status(store, vol, assessments, rules).missing == [
        ("entry", "vol_accompanied_visit", 0, 2),
        ("entry", "vol_event_assisted", 0, 1),
    ]
    for kind in ("vol_accompanied_visit", "vol_accompanied_visit", "vol_event_assisted"):
        mentoring.sign_off(
            store, mentoring.record(store, vol, kind, "2021-06-02", "随社工探访"), mentor
        )
    assert update_stage(store, vol, assessments, rules).stage_reached == "帮"
    st = status(store, vol, assessments, rules)
    assert (st.next_stage, st.missing) == (
        "带",
        [
            ("module", "m05-community", 0, 1),
            ("entry", "vol_visit_team_led", 0, 1),
            ("entry", "vol_activity_led", 0, 1),
        ],
    )  # a volunteer's 带 is leading a visiting team and an activity, not a case
    st = status(store, staff, assessments, rules)
    assert st.reached == "传" and ("entry", "co_assistance_application", 0, 1) in st.missing
    assert ("module", "m07-ledger", 0, 1) in st.missing
