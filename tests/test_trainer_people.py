"""Trainers see people (issue 14): display names and stations, blind marking with a reveal after
scoring, time on task from the module player, and a demo that fills every trainer app."""

import pytest

from shegong.config import Workspace
from shegong.errors import MarkingError, ProgressError
from shegong.trainer import cohort, marking
from shegong.trainer.rules import load_rules
from shegong.training.curriculum import load_module
from shegong.training.model import Page
from shegong.training.profile import check_profile, labels
from shegong.training.roles import grant, person
from shegong.training.study import PAGE_CAP_SECONDS, record_page_time, seconds_by_trainee

from .test_assessment import assessments, modules, store, trainee_factory  # noqa: F401 - fixtures
from .test_trainer_apps import submitted  # noqa: F401 - fixture


def test_profile_is_normalised_checked_and_labelled():
    assert check_profile("  张　晓梅 ", " 152201100000 ") == ("张 晓梅", "152201100000")
    assert check_profile("", None) == (None, None)
    with pytest.raises(ProgressError, match="12-digit"):
        check_profile("张伟", "1522011")
    with pytest.raises(ProgressError, match="control characters"):
        check_profile("张\x07伟", None)
    with pytest.raises(ProgressError, match="at most 64"):
        check_profile("张" * 65, None)
    rows = [
        {"id": 1, "pseudonym": "Taaaaaaaaaaaa0001", "display_name": "张伟"},
        {"id": 2, "pseudonym": "Taaaaaaaaaaaa0002", "display_name": "张伟"},
        {"id": 3, "pseudonym": "Taaaaaaaaaaaa0003", "display_name": "<b>李娜</b>"},
        {"id": 4, "pseudonym": "Taaaaaaaaaaaa0004", "display_name": None},
    ]
    assert labels(rows) == {
        1: "张伟 · 0001",
        2: "张伟 · 0002",
        3: "<b>李娜</b>",
        4: "Taaaaaaaaaaaa0004",
    }


def test_cohort_and_mentoring_show_the_name_and_escape_it(store, tmp_path):
    from shegong.trainer import mentoring
    from shegong.widgets.cohort_app import CohortApp
    from shegong.widgets.mentoring_log import MentorReview

    t = store.add_trainee(
        "zhang",
        role="volunteer",
        display_name="<img src=x onerror=alert(1)>张晓梅",
        station="和平街道社工站",
        station_code="152201100000",
    )
    store.submit(t, load_module("m01-ethics").exercise("e01"), "b", seconds=90)
    mentoring.record(
        store, t, "vol_accompanied_visit", "2022-05-18", "随社工入户探访"
    )  # her track's kind
    li = grant(store, "li", "trainer")
    app = CohortApp(store=store, person=li, workspace=tmp_path)
    assert ">&lt;img src=x onerror=alert(1)&gt;张晓梅<" in app.heat.value
    assert "<img" not in app.heat.value and "<img" not in app.stages.value
    assert t.pseudonym not in app.heat.value + app.stages.value
    assert app.attend_people.options == (("<img src=x onerror=alert(1)>张晓梅", t.id),)
    [row] = cohort.overview(store, app.modules, app.assessments, load_rules()).to_dict("records")
    assert (row["station"], row["minutes"]) == ("和平街道社工站", 1.5)  # 90 s on e01
    assert (row["track"], row["track_confirmed"]) == ("志愿者", False)  # chosen, not yet confirmed
    assert cohort.trainees(store, station="和平街道社工站", role="volunteer", track="volunteer")
    assert cohort.trainees(store, track="staff") == []
    review = MentorReview(store, li)
    shown = review.list_box.children[0].children[0].value
    assert "&lt;img src=x onerror=alert(1)&gt;张晓梅" in shown and "<img" not in shown


def test_grading_is_blind_until_the_trainer_has_scored(store, submitted):
    from shegong.widgets.grading_queue import GradingQueueApp

    store.set_profile(submitted, display_name="田野", station_code="152201101000")
    app = GradingQueueApp(store=store, person=grant(store, "li", "trainer"))
    shown = "".join(getattr(c, "value", "") for c in app.body.children)
    assert "田野" not in shown and app.reveal_pick.options == ()
    with pytest.raises(MarkingError, match="score it first"):
        marking.author(store, app.grader, app.item.submission_id, "s04")
    code, submitted_id = app.item.code, app.item.submission_id
    app.ratings["refuse"].value = 2.0
    app.save()
    assert app.reveal_pick.value == (submitted_id, "s04")  # the answer just scored
    assert app.reveal() == "田野（152201101）"  # the station text given at registration
    assert app.revealed.value == f"{code} 的作答学员：田野（152201101）"


def test_player_records_time_on_pages(store):
    from shegong.widgets.player import ModulePlayer

    t = store.add_trainee("wu", role="volunteer", display_name="吴敏")
    now = [1000.0]
    player = ModulePlayer(load_module("m01-ethics"), trainee=t, store=store, clock=lambda: now[0])
    assert "吴敏" in player.header.value and t.pseudonym not in player.header.value
    first, second = [i for i, item in enumerate(player.items) if isinstance(item, Page)][:2]
    player.go(first)
    now[0] += 95  # reading the first page
    player.go(second)
    now[0] += 5000  # a page left open counts at most 20 minutes
    player.go(first)
    assert seconds_by_trainee(store) == {t.id: 95 + PAGE_CAP_SECONDS}
    assert record_page_time(store, t, "m01-ethics", "p", 0.4) == 0.0
    with pytest.raises(ProgressError, match="non-negative"):
        record_page_time(store, t, "m01-ethics", "p", -3)


@pytest.mark.slow
def test_demo_set_up_fills_every_trainer_app(tmp_path, monkeypatch):
    from shegong.demo.generate import generate_demo_inputs
    from shegong.demo.trainers import fill_trainer_apps
    from shegong.indicators.inputs import import_inputs
    from shegong.training.progress import ProgressStore
    from shegong.widgets.cohort_app import CohortApp
    from shegong.widgets.grading_queue import GradingQueueApp
    from shegong.widgets.mentoring_log import MentoringApp, MentorReview

    monkeypatch.delenv("SHEGONG_DATABASE_URL", raising=False)
    ws = Workspace.at(tmp_path / "ws")
    generate_demo_inputs(ws.inputs)
    import_inputs(ws)  # the 3,008 training records and the 177-person roster
    made = fill_trainer_apps(ws)
    assert made.created and len(made.logins) == 12 and len(made.stations) == 4
    # the 传 assessments every track names (progression.yaml: m01-final, m09-final)
    assert made.released == ["m01-final", "m09-final"]
    assert made.double_scored > 0 and made.waiting > 0
    assert made.entries_waiting == 4 and made.sessions > 0 and len(made.certificates) == 1
    assert made.eligible  # another trainee waits for a certificate
    assert made.unconfirmed == 6  # the last two stations' tracks wait for a trainer
    store = ProgressStore.open(workspace=ws.root)
    try:
        names = set(made.logins.values())
        cohort_app = CohortApp(store=store, person=person(store, "demo-trainer"), workspace=ws.root)
        rows = cohort_app.heat.value.count("<th class='trainee'>")
        assert rows == 12 and all(f">{n}<" in cohort_app.heat.value for n in names)
        assert {label for label, _ in cohort_app.attend_people.options} == names
        assert (
            len(cohort_app.cert_pick.options) >= 2
            and "shegong-sessions" in cohort_app.sessions.value
        )
        queue = GradingQueueApp(store=store, person=person(store, "demo-trainer"))
        assert queue.item is not None and "class='kappa'" in queue.agreement_box.value
        second = GradingQueueApp(store=store, person=person(store, "demo-trainer2"))
        assert second.item is not None and second.reveal_pick.options  # scored some, blind
        mentor = MentoringApp(store=store, person=person(store, "demo-trainer")).view
        assert isinstance(mentor, MentorReview) and len(mentor.buttons) == 4
        page = (ws.root / "certificates" / f"{made.certificates[0]}.html").read_text("utf-8")
        assert f'<b class="trainee">{made.logins["demo-trainee-01"]}</b>' in page  # the strongest
        assert '<span class="track">社工站兼职工作人员 / 社区工作者</span>培训路径' in page
    finally:
        store.close()
    again = fill_trainer_apps(ws)
    assert not again.created and again.logins == made.logins  # a second run adds nothing
