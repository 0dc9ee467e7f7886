"""The cohort view: heat map of score shares, stages and who is stuck, sessions with attendance and
L1 reactions, and the gradebook export with the assessment, stage and session sheets."""

import math

import openpyxl
import pytest

from shegong.errors import ProgressError
from shegong.trainer import cohort
from shegong.trainer.rules import load_rules
from shegong.training.curriculum import load_module
from shegong.training.roles import grant

from .test_assessment import assessments, modules, store, trainee_factory  # noqa: F401 - fixtures


@pytest.fixture
def cohort_store(store, trainee_factory):
    m1 = load_module("m01-ethics")
    a = trainee_factory("a1", role="volunteer", station="152201101")
    b = trainee_factory("b2", role="community_worker", station="152201102")
    store.submit(a, m1.exercise("e01"), "b", seconds=1800)  # 1 point
    store.submit(a, m1.exercise("e02"), ["a", "b"], seconds=1800)  # 1 of 2 points
    store.submit(b, m1.exercise("e01"), "a", seconds=600)  # 0 points
    store.complete_module(a, m1)
    return store, a, b


def test_heatmap_holds_score_shares_and_filters(cohort_store, modules):
    store, a, b = cohort_store
    frame = cohort.heatmap(store, modules)
    assert list(frame.columns)[:3] == ["m01-ethics", "m09-local-ethics", "m06-assistance"]
    assert len(frame.columns) == 12
    assert frame.loc[a.pseudonym, "m01-ethics"] == pytest.approx(
        2 / 15
    )  # (1 + 1) of 15 practice points
    assert frame.loc[b.pseudonym, "m01-ethics"] == 0.0
    assert math.isnan(frame.loc[a.pseudonym, "m03-casework"])
    assert list(cohort.heatmap(store, modules, station="152201102").index) == [b.pseudonym]
    assert list(cohort.heatmap(store, modules, role="volunteer").index) == [a.pseudonym]
    assert list(cohort.heatmap(store, modules, track="staff").index) == [b.pseudonym]


def test_overview_says_who_is_stuck_where(cohort_store, modules, assessments):
    store, a, b = cohort_store
    frame = cohort.overview(store, modules, assessments, load_rules()).set_index("trainee")
    assert frame.loc[a.pseudonym, "hours"] == 1.0 and frame.loc[
        b.pseudonym, "hours"
    ] == pytest.approx(0.17)
    # a volunteer's 传 asks for m01, m09 and m06 and two assessments: m01 is done, m09 comes next
    assert frame.loc[a.pseudonym, "stuck_on"] == "本土社工伦理与双重关系 (0/1)"
    assert frame.loc[b.pseudonym, "stuck_on"].startswith("社会工作价值观、伦理与保密 (0/1)")
    assert (frame.loc[a.pseudonym, "track"], frame.loc[b.pseudonym, "track"]) == (
        "志愿者",
        "社工站兼职工作人员 / 社区工作者",
    )
    assert not frame["track_confirmed"].any()  # chosen at registration, not yet confirmed
    assert (frame.loc[a.pseudonym, "modules_done"], frame.loc[a.pseudonym, "next_stage"]) == (
        1,
        "传",
    )


def test_sessions_attendance_and_l1_reactions(cohort_store):
    store, a, b = cohort_store
    trainer = grant(store, "trainer", "trainer")
    sid = cohort.add_session(
        store,
        module_id="m01-ethics",
        held_on="2021-04-10",
        hours=3,
        format="lecture",
        trainer=store.pseudonym(trainer.login),
    )
    cohort.record_attendance(store, sid, a)
    cohort.record_attendance(store, sid, b)
    cohort.record_attendance(store, sid, b, present=False)  # corrected
    ratings = {"relevant": 5, "clear": 4, "practice": 3, "confident": 4, "overall": 5}
    cohort.record_reaction(store, sid, a, ratings, "案例很实用")
    cohort.record_reaction(store, sid, b, {**ratings, "clear": 2, "overall": 3})
    with pytest.raises(ProgressError, match="already answered"):
        cohort.record_reaction(store, sid, a, ratings)
    with pytest.raises(ProgressError, match="from 1 to 5"):
        cohort.record_reaction(store, sid, a, {**ratings, "clear": 6})
    with pytest.raises(ProgressError, match="unknown session format"):
        cohort.add_session(
            store,
            module_id="m01-ethics",
            held_on="2021-04-10",
            hours=3,
            format="party",
            trainer=trainer,
        )
    [row] = cohort.sessions(store).to_dict("records")
    assert (row["present"], row["responses"]) == (1, 2)
    assert (
        row["agree_relevant"],
        row["agree_clear"],
        row["agree_practice"],
        row["agree_overall"],
    ) == (100.0, 50.0, 0.0, 50.0)
    assert row["mean"] == pytest.approx((21 + 17) / 10)  # a: 5+4+3+4+5, b: 5+2+3+4+3


def test_export_adds_assessment_stage_and_session_sheets(
    cohort_store, modules, assessments, tmp_path
):
    store, a, b = cohort_store
    path = cohort.export(store, tmp_path / "gradebook.xlsx", modules, assessments, load_rules())
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == [
        "成绩册 Gradebook",
        "作答 Attempts",
        "学员 Trainees",
        "完成 Completions",
        "测评 Assessments",
        "阶段 Stages",
        "培训 Sessions",
    ]
    stages = list(wb["阶段 Stages"].values)
    assert stages[0][:6] == ("trainee", "role", "station", "track", "track_confirmed", "stage")
    assert len(stages) == 3
    wb.close()
