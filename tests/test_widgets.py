"""Exercise widgets driven headless from Python: set values, click, assert feedback and attempt
rows."""

import itertools

import pytest

from shegong.training.curriculum import load_module
from shegong.training.progress import ProgressStore
from shegong.widgets import ModulePlayer, exercise_widget
from shegong.widgets.exercises import LedgerCleaningWidget


@pytest.fixture
def store(store_url, tmp_path, monkeypatch):
    """A SQLite file or a fresh PostgreSQL database (each test using it runs on both)."""
    monkeypatch.setenv("SHEGONG_KEY_FILE", str(tmp_path / "pseudonym.key"))
    s = ProgressStore(store_url)
    yield s
    s.close()


@pytest.fixture
def trainee(store):
    return store.add_trainee("liuxia", role="part_time_staff", station="152201101")


def ticking_clock(step: float = 2.0):
    """A fake clock advancing ``step`` seconds per call: creation at 0, submission at ``step``."""
    counter = itertools.count()
    return lambda: next(counter) * step


def bound(store, trainee):
    return lambda ex, answer, seconds: store.submit(trainee, ex, answer, seconds=seconds)


def test_single_choice_widget_records_the_attempt_with_seconds(store, trainee):
    ex = load_module("m01-ethics").exercise("e01")
    wd = exercise_widget(ex, submit=bound(store, trainee), clock=ticking_clock(7.5))
    wd.submit_button.click()  # nothing chosen: a message, no row
    assert "请先选择一个选项" in wd.feedback.value and store.attempts() == []
    wd.choice.value = "b"
    wd.submit_button.click()
    assert "回答正确" in wd.feedback.value and wd.result.score == 1.0
    [row] = store.attempts()
    assert (
        row["exercise_id"],
        row["answer"],
        row["score"],
        row["max_score"],
        row["seconds_spent"],
        row["trainee_id"],
    ) == ("e01", "b", 1.0, 1.0, 15.0, trainee.id)


def test_multiple_choice_widget_partial_credit(store, trainee):
    ex = load_module("m01-ethics").exercise("e02")
    wd = exercise_widget(ex, submit=bound(store, trainee))
    wd.boxes["a"].value = wd.boxes["d"].value = True
    wd.submit_button.click()
    wd.boxes["c"].value = True
    wd.submit_button.click()
    assert [(r["answer"], r["score"]) for r in store.attempts()] == [
        (["a", "d"], 1.0),
        (["a", "c", "d"], 0.0),
    ]
    assert "多选题有错选即得 0 分" in wd.feedback.value


def test_ordering_short_open_and_scenario_widgets_in_the_player(store, trainee):
    casework = ModulePlayer(load_module("m03-casework"), trainee=trainee, store=store, lang="en")
    order = casework.goto_exercise("e01")
    key = ["intake", "assessment", "planning", "intervention", "evaluation", "termination"]
    for dd, item in zip(order.positions, key, strict=True):
        dd.value = item
    order.submit_button.click()
    player = ModulePlayer(load_module("m01-ethics"), trainee=trainee, store=store, lang="en")
    screen = player.goto_exercise("e05")  # Dolgoff's principles screen: protection of life first
    screen.choice.value = "b"
    screen.submit_button.click()
    short = player.goto_exercise("e03")
    short.text.value = "十四"
    short.submit_button.click()
    open_ = player.goto_exercise("e07")
    open_.text.value = "孙奶奶，您说的事我不会随便告诉别人……"
    open_.ratings["promise"].value, open_.ratings["limits"].value = 1.0, 1.5
    open_.submit_button.click()
    case = player.goto_exercise("e04")
    case.choice_buttons["ask"].click()
    case.choice_buttons["promise"].click()
    case.choice_buttons["report"].click()
    assert "Score 3 of 4." in case.feedback.value
    rows = {(r["module_id"], r["exercise_id"]): r for r in store.attempts()}
    assert rows[("m03-casework", "e01")]["score"] == 2.0
    rows = {r["exercise_id"]: r for r in store.attempts() if r["module_id"] == "m01-ethics"}
    assert rows["e05"]["score"] == 1.0 and rows["e03"]["score"] == 1.0
    assert (rows["e07"]["score"], rows["e07"]["graded_by"]) == (2.5, "self")
    assert rows["e04"]["answer"]["choices"] == ["ask", "promise", "report"]
    assert [s["node"] for s in rows["e04"]["answer"]["path"]] == ["s1", "s2", "s3"]
    assert rows["e04"]["answer"]["end"] == "end_good" and rows["e04"]["score"] == 3.0
    case.restart.click()
    assert case.path == [] and case.node == "s1"


def test_player_navigation_progress_and_completion(store, trainee):
    module = load_module("m01-ethics")
    player = ModulePlayer(module, trainee=trainee, store=store)
    n = len(module.sequence())
    assert (player.progress.value, player.progress.max, player.counter.value) == (1, n, f"1 / {n}")
    assert player.prev_button.disabled and "社会工作的价值观" in player.body.children[0].value
    player.next_button.click()
    assert player.current().id == "e01" and player.progress.value == 2
    player.body.children[0].choice.value = "b"
    player.next_button.click()
    player.prev_button.click()
    assert player.body.children[0].choice.value == "b"  # the widget keeps its state
    for _ in range(n):
        player.next_button.click()
    assert player.next_button.disabled and player.counter.value == f"{n} / {n}"
    player.finish_button.click()
    assert "当前阶段：传" in player.status.value
    assert store.tables()["trainees"][0]["stage_reached"] == "传"


def test_numeric_and_ledger_cleaning_widgets(store, trainee):
    module = load_module("m07-ledger")
    numeric = next(e for e in module.exercises if e.type == "numeric" and e.data.get("unit"))
    wd = exercise_widget(numeric, submit=bound(store, trainee))
    wd.value.value, wd.unit.value = str(numeric.data["answer"]), numeric.data["unit"]
    wd.submit_button.click()
    assert wd.result.score == numeric.points
    cleaning = next(e for e in module.exercises if e.type == "ledger_cleaning")
    grid = exercise_widget(cleaning, submit=bound(store, trainee))
    assert isinstance(grid, LedgerCleaningWidget)
    second_copies = {r for group in cleaning.data["duplicates"] for r in group[1:]}
    for row, want in cleaning.data["expect"].items():
        if want == "drop" or "drop" in want or row in second_copies:
            grid.actions[row].value = "drop"
        else:
            for field, value in want.items():
                if field != "why":
                    grid.fields[row][field].value = str(value)
    grid.submit_button.click()
    assert grid.result.score == cleaning.points and grid.result.correct
    rows = store.attempts()
    assert [r["exercise_type"] for r in rows] == ["numeric", "ledger_cleaning"]
    assert rows[1]["score"] == cleaning.points


def _invitation(url: str) -> str:
    from shegong.training import accounts
    from shegong.training.progress import ProgressStore
    from shegong.training.roles import grant

    store = ProgressStore(url)
    try:
        return accounts.invite(store, grant(store, "trainer-li", "trainer"))
    finally:
        store.close()


def test_local_sign_in_widget_registers_then_signs_in(tmp_path, monkeypatch):
    """Outside the portal (JupyterLab), the widget registers with an invitation code and signs "
    "in."""
    from shegong.widgets import ModulePlayerApp

    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    monkeypatch.setenv("SHEGONG_KEY_FILE", str(tmp_path / "pseudonym.key"))
    code = _invitation(url)
    app = ModulePlayerApp("m02-home-visits", store_url=url)
    assert app.children == (app.signin,) and app.store is None  # no database until a click
    s = app.signin
    s.login.value, s.password.value, s.role.value, s.station.value = (
        "zhaolei",
        "abcd",
        "volunteer",
        "巴彦镇社工站",
    )
    s.display_name.value, s.invitation.value = "赵磊", code
    s.register_button.click()  # a 4-character password is refused
    assert "8" in s.message.value and app.player is None
    s.password.value = "river-stone-42"
    s.register_button.click()
    assert app.player is not None and app.player.module.id == "m02-home-visits"
    assert app.trainee.display_name == "赵磊"
    app.picker.value = "m05-community"  # the module picker swaps the player
    assert app.player.module.id == "m05-community"
    app.store.close()

    again = ModulePlayerApp("m01-ethics", store_url=url)
    again.signin.login.value, again.signin.password.value = "ZhaoLei", "wrong"
    again.signin.sign_in_button.click()
    assert "login or password is wrong" in again.signin.message.value and again.player is None
    again.signin.password.value = "river-stone-42"
    again.signin.sign_in_button.click()
    assert again.trainee.station == "巴彦镇社工站" and again.trainee.role == "volunteer"
    again.store.close()


def test_authenticated_login_fills_in_a_profile_once(tmp_path, monkeypatch):
    """The portal passes the authenticated login down: no password asked, the profile once."""
    from shegong.widgets import ModulePlayerApp

    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    monkeypatch.setenv("SHEGONG_KEY_FILE", str(tmp_path / "pseudonym.key"))
    monkeypatch.setenv("JUPYTERHUB_USER", "someone-else")  # never read
    first = ModulePlayerApp("m01-ethics", store_url=url, login="gaoyan")
    assert first.player is None and first.signin.hub_user == "gaoyan"
    assert first.signin.login not in first.signin.children  # no login, no password
    first.signin.role.value = "resident_backbone"
    first.signin.register_button.click()  # no station yet: asked for one
    assert first.trainee is None and "请填写所在社工站" in first.signin.message.value
    first.signin.station.value = "巴彦镇社工站"
    first.signin.register_button.click()
    assert first.trainee.role == "resident_backbone"
    first.store.close()
    second = ModulePlayerApp("m01-ethics", store_url=url, login="gaoyan")
    assert (
        second.player is not None and second.trainee == first.trainee
    )  # known user: straight to the module
    second.store.close()
    assert ModulePlayerApp("m01-ethics", store_url=url).player is None  # no login: sign-in


def test_sign_in_tells_first_timers_to_register_and_needs_a_station(tmp_path, monkeypatch):
    from shegong.widgets import ModulePlayerApp

    monkeypatch.setenv("SHEGONG_KEY_FILE", str(tmp_path / "pseudonym.key"))
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    code = _invitation(url)
    app = ModulePlayerApp("m01-ethics", store_url=url)
    s = app.signin
    hints = [c.value for c in s.children if hasattr(c, "value") and "注册新学员" in str(c.value)]
    assert hints and "第一次使用" in hints[0] and "邀请码" in hints[0]
    s.login.value, s.password.value, s.role.value, s.station.value = (
        "sunli",
        "abcd-efgh-42",
        "volunteer",
        "  ",
    )
    s.display_name.value, s.invitation.value = "孙立", code
    s.register_button.click()
    assert "请填写所在社工站" in s.message.value and app.player is None
    s.sign_in_button.click()  # not registered: told so in Chinese
    assert "账号或密码不正确" in s.message.value
    s.station.value = "巴彦镇社工站"
    s.register_button.click()
    assert app.player is not None and app.trainee.station == "巴彦镇社工站"
    app.store.close()


def test_options_show_the_letters_feedback_names_and_labels_keep_one_language(store, trainee):
    ex = load_module("m01-ethics").exercise("e02")  # multiple answers, feedback names letters
    zh = exercise_widget(ex, submit=bound(store, trainee))
    assert [b.description for b in zh.boxes.values()][:2] == [
        "a. 服务对象在面谈中说出了具体的自杀计划",
        "b. 发现一名留守儿童身上有反复出现的伤痕，疑似被监护人殴打",
    ]
    zh.boxes["a"].value = zh.boxes["c"].value = True
    zh.submit_button.click()
    assert "选了错误选项 c" in zh.feedback.value  # … and option c is shown as “c. …”
    assert any(b.description.startswith("c. ") for b in zh.boxes.values())
    assert "（2 分）" in zh.prompt.value and "points" not in zh.prompt.value
    one = exercise_widget(
        load_module("m01-ethics").exercise("e01"), submit=bound(store, trainee), lang="en"
    )
    assert "(1 point)" in one.prompt.value and "分" not in one.prompt.value
    assert [label for label, _ in one.choice.options][0].startswith("a. ")


def test_module_picker_shows_whole_module_names(tmp_path, monkeypatch):
    from shegong.training.curriculum import load_curricula
    from shegong.widgets import ModulePlayerApp

    monkeypatch.setenv("SHEGONG_KEY_FILE", str(tmp_path / "pseudonym.key"))
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    app = ModulePlayerApp("m01-ethics", store_url=f"sqlite:///{tmp_path / 'a.sqlite'}", lang="en")
    labels = [label for label, _ in app.picker.options]
    titles = [m.title["en"] for m in load_curricula().values()]
    assert len(labels) == 12 and all(t in label for t, label in zip(titles, labels, strict=True))
    assert labels[6] == (
        "7. Running social assistance: dibao review, monitoring of low-income people, temporary "
        "assistance and service-based assistance (帮)"
    )
    assert app.picker.layout.width == "auto" and app.picker.style.description_width == "initial"
