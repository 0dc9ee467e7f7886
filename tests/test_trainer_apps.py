"""The trainer apps driven headless: grading queue, mentoring log, cohort; the app router of
index.ipynb."""

import pytest

from shegong.errors import AccessError, UnknownAppError
from shegong.trainer import mentoring
from shegong.training import assessment as A
from shegong.training.curriculum import load_module
from shegong.training.roles import grant, person
from shegong.widgets.apps import APPS, build_app

from .test_assessment import assessments, modules, store, trainee_factory  # noqa: F401 - fixtures


@pytest.fixture
def submitted(store, modules, assessments, trainee_factory, monkeypatch):
    monkeypatch.setenv("SHEGONG_DATABASE_URL", store.url)
    t = trainee_factory("tian", station="152201101")
    A.submit(
        store,
        t,
        assessments["m01-final"],
        modules["m01-ethics"],
        {
            "s01": "b",
            "s02": ["a", "b", "d"],
            "s03": "本人",
            "s04": {"text": "不能告诉网格员，可以一起做安全计划。"},
        },
        seconds=120,
    )
    return t


def test_router_lists_apps_and_refuses_unknown_names():
    assert set(APPS) >= {"cohort", "grading", "mentoring"} and APPS["grading"] == (
        "开放题评分队列",
        "Grading queue",
    )
    with pytest.raises(
        UnknownAppError, match="no app 'nope'.*use one of cohort, grading, mentoring"
    ):
        build_app("nope")


def test_trainer_apps_need_the_trainer_role(store, submitted):
    with pytest.raises(AccessError, match="sign in first"):
        build_app("grading")  # nobody signed in
    trainee = person(store, "someone")
    with pytest.raises(AccessError, match="roles grant someone --role trainer"):
        build_app("grading", person=trainee)
    with pytest.raises(AccessError):
        build_app("cohort", person=trainee)


def test_grading_queue_scores_comments_and_shows_kappa(store, submitted):
    from shegong.widgets.grading_queue import GradingQueueApp

    grant(store, "li", "trainer")
    grant(store, "wang", "trainer")
    app = GradingQueueApp(store=store, person=person(store, "li"))
    assert app.item is not None and app.item.exercise_id == "s04"
    shown = "".join(getattr(c, "value", "") for c in app.body.children)
    assert "安全计划" in shown and submitted.pseudonym not in shown and "152201101" not in shown
    app.ratings["refuse"].value, app.ratings["reason"].value, app.ratings["alternative"].value = (
        2.0,
        1.5,
        1.0,
    )
    app.comment.value, app.keep.value = "理由充分", True
    assert app.save() == 4.5
    assert "已保存" in app.status.value and app.item is None
    second = GradingQueueApp(store=store, person=person(store, "wang"))
    assert second.reuse.options[-1] == ("理由充分", "理由充分")  # the reusable comment is offered
    second.reuse.value = "理由充分"
    assert second.comment.value == "理由充分"
    (
        second.ratings["refuse"].value,
        second.ratings["reason"].value,
        second.ratings["alternative"].value,
    ) = 2.0, 1.0, 1.0
    second.save()
    assert (
        "shegong-agreement" in second.agreement_box.value
        and "m01-final/s04" in second.agreement_box.value
    )
    second.release()
    [r] = A.results(store, submitted, A.load_assessments()["m01-final"])
    assert (r.status, r.score) == ("released", 4.0 + 4.25)  # 1 + 2 + 1 objective, mean of 4.5 and 4


def test_mentoring_app_switches_on_role(store, submitted, monkeypatch):
    from shegong.widgets.mentoring_log import MentoringApp, MentorReview, TraineeLog

    trainee_view = MentoringApp(
        store=store, person=person(store, "someone")
    )  # not staff: sign-in first
    trainee_view.start(store, submitted)
    log = trainee_view.view
    assert isinstance(log, TraineeLog)
    log.kind.value, log.date.value, log.description.value = (
        "co_home_visit",
        "2021-05-18",
        "与督导共同走访",
    )
    entry = log.record()
    grant(store, "mentor", "trainer")
    mentor = MentoringApp(store=store, person=person(store, "mentor")).view
    assert isinstance(mentor, MentorReview) and list(mentor.buttons) == [entry]
    ok, back, comment = mentor.buttons[entry]
    back.click()  # no comment: refused, shown
    assert "say why" in mentor.status.value
    comment.value = "很好"
    ok.click()
    assert mentoring.entries(store, trainee=submitted)[0].status == "signed_off"
    log.refresh()
    assert "已签认" in log.table.value and "很好" in log.table.value


def test_cohort_app_heatmap_tracks_export_and_certificate(store, submitted, tmp_path, monkeypatch):
    from shegong.widgets.cohort_app import CohortApp

    from .test_mentoring import M09, M09_FULL, _pass

    store.submit(submitted, load_module("m01-ethics").exercise("e01"), "b", seconds=60)
    grant(store, "li", "admin")
    app = CohortApp(store=store, person=person(store, "li"), workspace=tmp_path)
    assert "shegong-heatmap" in app.heat.value and f">{submitted.pseudonym}<" in app.heat.value
    assert "data-share='0.0667'" in app.heat.value  # 1 of 15 practice points in m01
    app.role.value = "volunteer"
    assert "没有符合条件的学员" in app.heat.value
    app.role.value = ""
    app.track.value = "volunteer"  # the volunteer track: no one on it, and only its own modules
    assert "没有符合条件的学员" in app.heat.value
    app.track.value = "staff"
    assert app.heat.value.count("<th title=") == 12  # the staff track takes every module
    assert "待确认" in app.stages.value and "社工站兼职工作人员 / 社区工作者" in app.stages.value
    assert app.export().name == "gradebook.xlsx" and (tmp_path / "gradebook.xlsx").exists()
    assert app.cert_pick.options == ()
    from shegong.trainer import marking as M

    modules_, assessments_ = app.modules, app.assessments
    for m in ("m01-ethics", "m09-local-ethics", "m06-assistance"):
        store.complete_module(submitted, load_module(m))
    M.auto_score(store, assessments_, modules_)
    [item] = M.queue(store, app.actor, assessments_, modules_)
    M.score_open(
        store,
        app.actor,
        item.submission_id,
        "s04",
        {"refuse": 2, "reason": 2, "alternative": 1},
        item.criteria,
    )
    M.release(store, assessments_["m01-final"], modules_["m01-ethics"], app.actor)
    _pass(store, submitted, app.actor, assessments_, modules_, "m09-final", M09, M09_FULL)
    app.refresh()
    assert app.cert_pick.value == (submitted.id, "传")
    monkeypatch.setattr(
        "shegong.trainer.certificates.print_pdf", lambda html, pdf: None
    )  # PDF: test_certificate.py
    app.cert_button.click()  # the track is not confirmed yet: refused, said
    assert "track is not confirmed" in app.status.value
    assert app.track_trainee.value == submitted.id
    app.track_choice.value = "staff"
    app.track_button.click()
    assert "已确认为：社工站兼职工作人员 / 社区工作者" in app.status.value
    assert "已确认" in app.stages.value and "待确认" not in app.stages.value
    cert = app.issue_certificate()
    assert cert.html.parent == tmp_path / "certificates" and cert.serial in app.status.value


def test_sessions_attendance_and_the_trainees_reaction_survey(store, submitted, tmp_path):
    from shegong.widgets.cohort_app import CohortApp
    from shegong.widgets.survey import ReactionSurvey

    grant(store, "li", "trainer")
    app = CohortApp(store=store, person=person(store, "li"), workspace=tmp_path)
    app.new_date.value, app.new_hours.value, app.new_format.value = (
        "2021-04-10",
        3.0,
        "group_supervision",
    )
    app.add_button.click()
    app.attend_people.value = (submitted.id,)
    app.attend_button.click()
    assert app.status.value == "" and app.attend_session.value is not None
    survey = ReactionSurvey(store=store)
    survey.start(store, submitted)
    assert [label for label, _ in survey.session.options] == ["2021-04-10 · m01-ethics · 3 h"]
    survey.sliders["clear"].value = 2
    survey.send_button.click()
    assert (
        "谢谢" in survey.status.value
        and survey.session.options == ()
        and survey.send_button.disabled
    )
    app.refresh()
    assert "shegong-sessions" in app.sessions.value
    assert (
        ">出勤(人次)</th>" in app.sessions.value
        and "讲解清楚易懂（同意率 %）" in app.sessions.value
    )
    assert "held_on" not in app.sessions.value  # headers in the page's language, not column names
    [row] = (
        __import__("shegong.trainer.cohort", fromlist=["sessions"])
        .sessions(store)
        .to_dict("records")
    )
    assert (row["present"], row["responses"], row["agree_clear"], row["agree_overall"]) == (
        1,
        1,
        0.0,
        100.0,
    )
