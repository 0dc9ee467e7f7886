"""The portal in Chromium (issue 14): signed-in people use the widget apps, a reflected payload in
any URL parameter stays text, and no page reports a Content-Security-Policy violation.

One portal on a small workspace (tests/test_front.py's) with a trainee who submitted an assessment;
everyone signs in through the form (tests/portal.py)."""

import pytest
from sqlalchemy import text

from shegong.training import assessment as A
from shegong.training.curriculum import load_curricula, load_module
from shegong.training.progress import ProgressStore
from shegong.training.roles import grant

from .portal import running_portal, sign_in_page
from .test_front import PASSWORD, PAYLOAD, STATION, build_workspace

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    ws = build_workspace(tmp_path_factory.mktemp("browser-portal") / "ws")
    store = ProgressStore.open(workspace=ws)
    modules = load_curricula()
    t = store.add_trainee(
        "trainee-liu", role="volunteer", station="义勒力特镇社工站", station_code=STATION
    )
    A.submit(
        store,
        t,
        A.load_assessments(modules)["m01-final"],
        modules["m01-ethics"],
        {"s01": "b", "s04": {"text": "不能告诉网格员。"}},
        seconds=30,
    )
    store.submit(t, load_module("m01-ethics").exercise("e01"), "b", seconds=60)
    grant(store, "trainer-li", "trainer")
    with running_portal(ws, kernel_cap=4) as portal:
        yield portal, store, t
    store.close()


def test_trainer_scores_an_open_answer_in_the_grading_queue(served, browser):
    portal, store, trainee = served
    page = browser.new_page()
    sign_in_page(page, portal.url, "trainer-li", PASSWORD)
    page.goto(portal.url + "?app=grading", timeout=120_000)
    page.locator(".shegong-answer").wait_for(timeout=120_000)
    assert "不能告诉网格员" in page.locator(".shegong-answer").inner_text()
    assert trainee.pseudonym not in page.content()
    page.locator(".shegong-criterion-refuse select").select_option(label="2")
    page.locator(".shegong-criterion-reason select").select_option(label="1.5")
    page.locator(".shegong-criterion-alternative select").select_option(label="0.5")
    page.locator(".shegong-comment textarea").fill("可补充安全计划")
    page.locator("button.shegong-save").click()
    page.locator(".shegong-saved").wait_for(timeout=30_000)
    assert "4 / 5" in page.locator(".shegong-saved").inner_text()
    with store.engine.connect() as c:
        rows = c.execute(
            text(
                "select criterion, points, grader from item_scores where exercise_id = 's04' "
                "order by criterion"
            )
        ).all()
    grader = store.pseudonym("trainer-li")  # the signed-in trainer, not the server's OS account
    assert [tuple(r) for r in rows] == [
        ("alternative", 0.5, grader),
        ("reason", 1.5, grader),
        ("refuse", 2.0, grader),
    ]
    page.goto(portal.url + "?app=cohort", timeout=120_000)
    table = page.locator("table.shegong-heatmap")
    table.wait_for(timeout=120_000)
    assert table.locator("thead th").count() == 13  # corner + 12 modules
    row = table.locator("tbody tr")
    assert row.count() == 1
    cell = row.locator("td[data-module='m01-ethics']")
    assert cell.get_attribute("data-share") == "0.0667" and cell.inner_text() == "7%"  # 1 of 15
    assert page.locator("table.shegong-stages").count() == 1
    assert "志愿者" in page.locator("table.shegong-stages").inner_text()  # the trainee's track
    for css in ("shegong-stages", "shegong-sessions"):  # headers line up with their cells
        aligned = page.eval_on_selector(
            f"table.{css}",
            """t => { const row = t.tBodies[0].rows[0]; if (!row) return null;
               return [...t.tHead.rows[0].cells].map((th, i) =>
                 getComputedStyle(th).textAlign === getComputedStyle(row.cells[i]).textAlign
                 && th.getBoundingClientRect().left
                    === row.cells[i].getBoundingClientRect().left); }""",
        )
        assert aligned is None or all(aligned), css


def test_a_trainee_answers_in_the_module_player_as_themself(served, browser):
    portal, store, _ = served
    store.add_trainee("trainee-gao", role="community_worker", station_code=STATION)
    from shegong.training.accounts import create_account

    create_account(store, "trainee-gao", PASSWORD)
    grant(store, "trainee-gao", "trainee")
    page = browser.new_page()
    sign_in_page(page, portal.url, "Trainee-Gao", PASSWORD)
    page.goto(portal.url + "?module=m01-ethics", timeout=120_000)
    page.get_by_role("button", name="下一页").click(timeout=120_000)
    page.get_by_text("向赵大爷说明居家和入住敬老院各自的利弊").click()
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_text("回答正确").wait_for(timeout=30_000)
    me = store.trainee("trainee-gao")
    rows = store.attempts(me)
    assert [(r["module_id"], r["exercise_id"], r["answer"], r["score"]) for r in rows] == [
        ("m01-ethics", "e01", "b", 1.0)
    ]
    assert rows[0]["seconds_spent"] > 0


def test_an_anonymous_visitor_of_an_app_gets_the_sign_in_page(served, browser):
    portal, _, _ = served
    before = portal.kernels()  # pages of the tests before may still be closing theirs
    page = browser.new_page()
    page.goto(portal.url + "?app=grading", timeout=60_000)
    assert "/signin" in page.url and page.locator("form.shegong-signin").count() == 1
    assert portal.kernels() <= before  # none started for the visitor


@pytest.mark.parametrize("param", ["unit", "lang", "app", "module", "project", "scope", "search"])
def test_a_reflected_payload_runs_nowhere_and_shows_as_text(served, browser, param):
    portal, _, _ = served
    page = browser.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in_page(page, portal.url, "admin", PASSWORD)
    from urllib.parse import urlencode

    page.goto(portal.url + "?" + urlencode({param: PAYLOAD, "year": "2021"}), timeout=60_000)
    main = page.locator("#main")
    main.wait_for(timeout=60_000)
    page.wait_for_timeout(500)  # an onerror handler would have fired by now
    assert dialogs == []
    assert page.locator("main img").count() == 0  # no element made of the payload
    if param == "search":
        assert page.locator("#search").input_value() == PAYLOAD  # the search box holds it as text
        assert page.locator(".shegong-units").count() == 1  # and the index rendered
    elif param == "lang":
        assert page.get_by_role("link", name="义勒力特镇社工站").count() == 1  # the index rendered
    else:
        assert PAYLOAD in main.inner_text()  # said back as text, nothing ran
