"""People (issue 14): roles and scope checked at every trainer action, the audit log, the CLI's
roles verbs, owner-only files, login normalisation, password rules and the lockout."""

import getpass
import stat
from datetime import UTC, datetime, timedelta

import pytest

from shegong import people
from shegong.cli.main import main
from shegong.errors import AccessError, MarkingError
from shegong.people import Person, check, normalise_login, read_audit
from shegong.trainer import certificates, mentoring
from shegong.trainer import marking as M
from shegong.training import accounts, sessions
from shegong.training import assessment as A
from shegong.training.progress import ProgressStore
from shegong.training.roles import grant, list_lines, person, revoke

from .test_assessment import assessments, modules  # noqa: F401 - fixtures

LEAGUE, COUNTY, OTHER_COUNTY = "152200000000", "152201000000", "152222000000"
STATION, STATION_2 = "152201100000", "152201101000"
ORG_UNITS = f"""code,name,parent_code,level,unit_type,aliases
{LEAGUE},兴安盟,,2,admin,
{COUNTY},乌兰浩特市,{LEAGUE},3,admin,
{OTHER_COUNTY},科尔沁右翼前旗,{LEAGUE},3,admin,
{STATION},义勒力特镇社工站,{COUNTY},4,station,
{STATION_2},和平街道社工站,{COUNTY},4,station,
152222100000,巴彦镇社工站,{OTHER_COUNTY},4,station,
"""


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEGONG_KEY_FILE", str(tmp_path / "pseudonym.key"))
    monkeypatch.delenv("SHEGONG_DATABASE_URL", raising=False)
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "org_units.csv").write_text(ORG_UNITS, encoding="utf-8")
    s = ProgressStore(f"sqlite:///{tmp_path / 'progress.sqlite'}")
    yield s
    s.close()


def _trainee(store, login, station_code):
    return store.add_trainee(login, role="volunteer", station="站", station_code=station_code)


def test_logins_are_nfkc_casefolded_and_checked():
    assert normalise_login("  Ｂｏｂ ") == normalise_login("bob") == "bob"
    assert normalise_login("Wang.Fang@站") == "wang.fang@站"
    for bad in ("", "a", "x" * 65, "bob smith", "<script>"):
        with pytest.raises(AccessError, match="2–64"):
            normalise_login(bad)


def test_check_needs_the_role_and_a_scope_reaching_the_unit(store):
    anc = {STATION: (STATION, COUNTY, LEAGUE), "152222100000": ("152222100000", OTHER_COUNTY)}
    county_trainer = Person("t", frozenset({"trainer"}), frozenset({COUNTY}))
    assert check(county_trainer, "score", unit=STATION, ancestors=anc.get) is county_trainer
    with pytest.raises(AccessError, match="outside the scope"):
        check(county_trainer, "score", unit="152222100000", ancestors=anc.get)
    with pytest.raises(AccessError, match="may not grant"):
        check(county_trainer, "grant")
    with pytest.raises(AccessError, match="sign in first"):
        check(None, "read_unit")
    assert people.may(
        Person("s", frozenset({"station"}), frozenset({STATION})), "read_unit", unit=STATION
    )
    assert not people.may(
        Person("s", frozenset({"station"}), frozenset({STATION})),
        "read_unit",
        unit=STATION_2,
        ancestors=lambda c: (c, COUNTY),
    )


def test_a_trainees_session_is_refused_every_trainer_action(store, modules, assessments):
    t = _trainee(store, "liu", STATION)
    accounts.create_account(store, "liu", "liu-river-2021")
    grant(store, "liu", "trainee")
    me = person(store, "liu")
    assert me.roles == {"trainee"}
    a, m = assessments["m01-final"], modules["m01-ethics"]
    A.submit(store, t, a, m, {"s01": "b", "s04": {"text": "自己的答案"}}, seconds=5)
    entry = mentoring.record(store, t, "vol_accompanied_visit", "2021-05-18", "与督导共同走访")
    refused = {
        "read answers (queue)": lambda: M.queue(store, me, assessments, modules),
        "score": lambda: M.score_open(store, me, 1, "s04", {}, []),
        "release": lambda: M.release(store, a, m, me),
        "sign off": lambda: mentoring.sign_off(store, entry, me),
        "return": lambda: mentoring.return_entry(store, entry, me, "redo"),
        "certify": lambda: certificates.issue(
            store, t, "传", by=me, out_dir=store.workspace, modules=modules
        ),
        "grant": lambda: grant(store, "liu", "admin", by=me),
        "invite": lambda: accounts.invite(store, me),
        "reset another's password": lambda: accounts.set_password(
            store, me, "zhou", "new-pass-2021x"
        ),
    }
    accounts.create_account(store, "zhou", "zhou-river-2021")
    for action, call in refused.items():
        with pytest.raises(AccessError):
            call()
        assert mentoring.entries(store)[0].status == "submitted", action
    assert person(store, "liu").roles == {"trainee"} and not A.is_released(store, a.id)


def test_a_county_trainer_reaches_only_its_county(store, modules, assessments):
    a, m = assessments["m01-final"], modules["m01-ethics"]
    mine, theirs = _trainee(store, "a", STATION), _trainee(store, "b", "152222100000")
    for t in (mine, theirs):
        A.submit(store, t, a, m, {"s04": {"text": f"答案 {t.id}"}}, seconds=5)
    trainer = grant(store, "county-li", "trainer", scope=[COUNTY])
    M.auto_score(store, assessments, modules)
    queue = M.queue(store, trainer, assessments, modules)
    assert [i.answer for i in queue] == [
        f"答案 {mine.id}"
    ]  # the other county's answer is not listed
    other = next(
        s["submission_id"] for s in M.submission_scores(store, a) if s["trainee_id"] == theirs.id
    )
    with pytest.raises(AccessError, match="outside the scope"):
        M.score_open(
            store,
            trainer,
            other,
            "s04",
            {"refuse": 1, "reason": 1, "alternative": 1},
            queue[0].criteria,
        )
    entry = mentoring.record(store, theirs, "vol_accompanied_visit", "2021-05-18", "走访")
    with pytest.raises(AccessError, match="outside the scope"):
        mentoring.sign_off(store, entry, trainer)
    with pytest.raises(AccessError, match="outside the scope"):
        M.release(store, a, m, trainer)  # it would release the other county's scores too
    league = grant(store, "league-wang", "trainer")
    mentoring.sign_off(store, entry, league, "很好")
    assert mentoring.entries(store, trainee=theirs)[0].status == "signed_off"
    with pytest.raises(MarkingError, match="not scored yet"):
        M.release(store, a, m, league)


def test_a_station_account_is_linked_to_one_station(store):
    with pytest.raises(AccessError, match="one station"):
        grant(store, "st1", "station")
    st = grant(store, "st1", "station", scope=[STATION])
    assert st.scope == {STATION}
    from shegong.training.roles import unit_ancestors

    anc = unit_ancestors(store)
    assert people.may(st, "read_unit", unit=STATION, ancestors=anc)
    assert not people.may(st, "read_unit", unit=STATION_2, ancestors=anc)  # another station
    assert not people.may(st, "read_unit", unit=COUNTY, ancestors=anc)  # its county
    assert not people.may(st, "read_answers", unit=STATION, ancestors=anc)
    with pytest.raises(AccessError, match="12-digit"):
        grant(store, "st2", "station", scope=["15220"])


def test_grant_is_audited_with_the_os_user_and_by_and_listed_sorted(store, capsys, monkeypatch):
    monkeypatch.setenv("SHEGONG_DATABASE_URL", store.url)
    assert (
        main(["roles", "grant", "Zhou", "--role", "trainer", "--scope", COUNTY, "--by", "Admin"])
        == 0
    )
    assert main(["roles", "grant", "admin", "--role", "admin", "--by", "admin"]) == 0
    assert main(["roles", "grant", "zhou", "--role", "evaluator"]) == 0
    assert main(["roles", "grant", "st1", "--role", "station", "--scope", STATION]) == 0
    capsys.readouterr()
    assert main(["roles", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "admin\tadmin\t",  # main's format: roles sorted, an empty scope is the whole workspace
        f"st1\tstation\t{STATION}",
        f"zhou\tevaluator,trainer\t{COUNTY}",
    ]
    first = read_audit(store.workspace)[0]
    assert (
        first["action"],
        first["target"],
        first["actor"],
        first["source"],
        first["os_user"],
    ) == (
        "grant",
        "zhou",
        "admin",
        "cli",
        getpass.getuser(),
    )
    assert first["details"] == {"role": "trainer", "scope": [COUNTY]}
    assert main(["roles", "revoke", "admin", "--role", "admin"]) == 2  # the last admin stays
    assert "last administrator" in capsys.readouterr().err
    revoke(store, "zhou", "evaluator")
    assert list_lines(store)[-1] == f"zhou\ttrainer\t{COUNTY}"
    assert stat.S_IMODE((store.workspace / "audit.jsonl").stat().st_mode) == 0o600


def test_a_scoped_admin_grants_only_within_its_scope(store):
    county_admin = grant(store, "county-admin", "admin", scope=[COUNTY])
    grant(store, "xu", "trainer", scope=[STATION], by=county_admin)
    with pytest.raises(AccessError, match="outside the scope"):
        grant(store, "yang", "trainer", scope=[OTHER_COUNTY], by=county_admin)
    with pytest.raises(AccessError, match="--scope"):
        grant(store, "zhang", "evaluator", by=county_admin)  # unscoped: the whole league


def test_init_names_the_first_admin_and_files_are_owner_only(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SHEGONG_KEY_FILE", str(tmp_path / "key" / "pseudonym.key"))
    monkeypatch.delenv("SHEGONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("SHEGONG_ADMIN_PASSWORD", "league-admin-2021")
    from shegong.training.answer_keys import keys_path
    from shegong.training.curriculum import load_curricula

    for m in load_curricula().values():  # as a checkout leaves them
        if keys_path(m).exists():
            keys_path(m).chmod(0o644)
    ws = tmp_path / "ws"
    assert main(["init", "--workspace", str(ws), "--admin", "Admin"]) == 0
    assert "admin: Admin" in capsys.readouterr().out
    store = ProgressStore.open(workspace=ws)
    assert person(store, "admin").roles == {"admin"}
    assert sessions.sign_in(store, "ADMIN", "league-admin-2021", address="127.0.0.1") == "admin"
    from shegong.training.answer_keys import keys_path
    from shegong.training.curriculum import load_curricula

    keys = [keys_path(m) for m in load_curricula().values() if keys_path(m).exists()]
    assert len(keys) >= 3
    for f in (
        ws / "progress.sqlite",
        ws / "audit.jsonl",
        tmp_path / "key" / "pseudonym.key",
        *keys,
    ):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    store.close()


def test_passwords_need_8_characters_and_must_not_be_common(store):
    for weak, why in (("abc123", "8"), ("password1", "common"), ("liuxiang", "common")):
        with pytest.raises(AccessError, match=why):
            accounts.create_account(store, "liuxiang", weak)
    accounts.create_account(store, "liuxiang", "bayan-river-42")


def test_lockout_after_5_failures_per_account_and_per_address(store):
    accounts.create_account(store, "gao", "gao-steppe-2021")
    for _ in range(5):
        with pytest.raises(accounts.SignInError, match="wrong"):
            sessions.sign_in(store, "gao", "guess", address="10.0.0.9")
    with pytest.raises(accounts.SignInError, match="too many") as locked:
        sessions.sign_in(store, "gao", "gao-steppe-2021", address="10.0.0.1")  # right password
    assert 14 * 60 < locked.value.retry_after <= 15 * 60 + 1
    accounts.create_account(store, "sun", "sun-steppe-2021")
    with pytest.raises(accounts.SignInError, match="too many"):  # the address is locked too
        sessions.sign_in(store, "sun", "sun-steppe-2021", address="10.0.0.9")
    assert sessions.sign_in(store, "sun", "sun-steppe-2021", address="10.0.0.2") == "sun"
    later = datetime.now(UTC) + timedelta(minutes=16)
    assert sessions.locked_for(store, "gao", "10.0.0.9", now=later) == 0
    log = [e for e in read_audit(store.workspace) if e["action"] == "sign_in"]
    assert [e["outcome"] for e in log] == ["refused"] * 5 + ["locked", "locked"]


def test_sessions_end_at_sign_out_idle_and_password_change(store):
    accounts.create_account(store, "he", "he-steppe-2021")
    token = sessions.start_session(store, "he", address="127.0.0.1")
    assert sessions.session_login(store, token) == "he"
    assert (
        sessions.session_login(store, token, now=datetime.now(UTC) + timedelta(minutes=31)) is None
    )
    assert sessions.session_login(store, token) is None  # ended for good
    token = sessions.start_session(store, "he", address="127.0.0.1")
    admin = grant(store, "boss", "admin")
    accounts.set_password(store, admin, "he", "he-new-steppe-2021")
    assert sessions.session_login(store, token) is None
    token = sessions.start_session(store, "he", address="127.0.0.1")
    sessions.end_session(store, token)
    assert sessions.session_login(store, token) is None
    token = sessions.start_session(store, "he", address="127.0.0.1")
    accounts.set_status(store, admin, "he", "disabled")
    assert sessions.session_login(store, token) is None
    with pytest.raises(accounts.SignInError, match="disabled"):
        sessions.sign_in(store, "he", "he-new-steppe-2021", address="127.0.0.1")


def test_registration_by_invitation_or_approval_and_password_resets(store):
    trainer = grant(store, "county-li", "trainer", scope=[COUNTY])
    code = accounts.invite(store, trainer)
    kw = dict(display_name="刘霞", role="volunteer", station="站", station_code=STATION)
    with pytest.raises(AccessError, match="invitation"):
        accounts.register(store, "liuxia", "liuxia-steppe-1", **kw)
    t, status = accounts.register(store, "liuxia", "liuxia-steppe-1", invitation=code.lower(), **kw)
    assert status == "active" and person(store, "liuxia").roles == {"trainee"}
    _, status = accounts.register(store, "wait", "wait-steppe-12", mode="approval", **kw)
    assert status == "pending"
    with pytest.raises(accounts.SignInError, match="approval"):
        sessions.sign_in(store, "wait", "wait-steppe-12", address="127.0.0.1")
    accounts.set_status(store, trainer, "wait", "active")  # a trainer approves
    assert sessions.sign_in(store, "wait", "wait-steppe-12", address="127.0.0.1") == "wait"
    accounts.set_password(store, trainer, "liuxia", "liuxia-steppe-2")  # a trainer resets a trainee
    other = grant(store, "other-county", "trainer", scope=[OTHER_COUNTY])
    with pytest.raises(AccessError, match="outside the scope"):
        accounts.set_password(store, other, "liuxia", "liuxia-steppe-3")
    with pytest.raises(AccessError, match="administrator"):
        accounts.set_password(store, trainer, "other-county", "other-steppe-3")  # not a trainee
    with pytest.raises(AccessError):
        accounts.set_status(store, trainer, "liuxia", "disabled")  # only admins disable
    admin = grant(store, "boss", "admin")
    accounts.set_password(store, admin, "other-county", "other-steppe-3")
    actions = [e["action"] for e in read_audit(store.workspace)]
    assert actions.count("reset_password") == 2 and "set_status" in actions


def test_demo_accounts_are_made_once_and_returned(store, monkeypatch):
    from shegong.config import Workspace
    from shegong.demo.accounts import DEFAULT_PASSWORD, create_demo_accounts

    monkeypatch.delenv("SHEGONG_DEMO_PASSWORD", raising=False)
    ws = Workspace.at(store.workspace, create=False)
    made = create_demo_accounts(ws, store)
    again = create_demo_accounts(ws, store)  # idempotent: `shegong demo` twice
    assert [a.login for a in made] == [a.login for a in again]
    by_login = {a.login: a for a in made}
    assert {a.login: sorted(a.person.roles) for a in made[:9]} == {
        "admin": ["admin"],
        "trainer-li": ["trainer"],
        "trainer-wang": ["trainer"],
        "eval-league": ["evaluator"],
        "eval-county": ["evaluator"],
        "station-1": ["station"],
        "demo-trainer": ["trainer"],  # the trainer apps' demo content (shegong.demo.trainers)
        "demo-trainer2": ["trainer"],
        "demo-admin": ["admin"],
    }
    assert by_login["eval-county"].person.scope == {COUNTY}
    assert by_login["station-1"].person.scope == {STATION}
    trainees = made[9:]
    assert len(trainees) == 12 and all(a.person.roles == {"trainee"} for a in trainees)
    assert len({a.station_code for a in trainees}) == 3 and all(a.display_name for a in trainees)
    assert store.trainee("trainee01").display_name == trainees[0].display_name
    assert (
        sessions.sign_in(store, "trainee12", DEFAULT_PASSWORD, address="127.0.0.1") == "trainee12"
    )
    assert list_lines(store)[0] == "admin\tadmin\t"
