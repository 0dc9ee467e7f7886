"""Tracks (issue 19): chosen at registration, stored in the progress store (revision 0003, on SQLite
and PostgreSQL), confirmed or changed by a trainer; the sign-in widget offers them preset from the
role."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from shegong.errors import ProgressError
from shegong.trainer.rules import load_rules
from shegong.trainer.tracks import confirm_track, unconfirmed
from shegong.training import accounts, sessions
from shegong.training.progress import ProgressStore, migrate
from shegong.training.roles import grant

from .test_assessment import store, trainee_factory  # noqa: F401 - fixtures

ROLES_BEFORE = {
    "a": "part_time_staff",
    "b": "community_worker",
    "c": "social_org_staff",
    "d": "volunteer",
    "e": "resident_backbone",
}


@pytest.fixture
def db_url(store_url):
    """An empty store: a SQLite file, or a fresh database on the session's throwaway PostgreSQL
    server (conftest's ``store_url``; the PostgreSQL case carries the ``postgres`` marker)."""
    return store_url


def _upgrade(engine, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    import shegong.training.progress as progress

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(progress.__file__).with_name("migrations")))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_migration_0003_gives_stored_trainees_the_track_of_their_role(db_url):
    engine = create_engine(db_url)
    _upgrade(engine, "0002")  # a store from before tracks
    with engine.begin() as c:
        for login, role in ROLES_BEFORE.items():
            c.execute(
                text(
                    "INSERT INTO trainees (pseudonym, source, role, created_at) "
                    "VALUES (:p, 'local', :r, CURRENT_TIMESTAMP)"
                ),
                {"p": f"T{login}", "r": role},
            )
    assert migrate(engine) == "p14people01"  # the head: 0004 (role grants), p14people01 follow
    with engine.connect() as c:
        rows = c.execute(
            text("SELECT pseudonym, track, track_confirmed_by FROM trainees ORDER BY pseudonym")
        ).all()
    assert rows == [
        ("Ta", "staff", None),
        ("Tb", "staff", None),
        ("Tc", "staff", None),
        ("Td", "volunteer", None),
        ("Te", "backbone", None),
    ]  # backfilled from the role, unconfirmed
    engine.dispose()


def test_store_on_either_database_keeps_the_chosen_and_the_confirmed_track(
    db_url, monkeypatch, tmp_path
):
    monkeypatch.setenv("SHEGONG_KEY_FILE", str(tmp_path / "pseudonym.key"))
    s = ProgressStore(db_url)
    t, _ = accounts.register(
        s,
        "gao",
        "steppe-gao-2021",
        display_name="高原",
        role="volunteer",
        track="backbone",  # the trainee's own choice
        invitation=accounts.invite(s, grant(s, "trainer-li", "trainer")),
    )
    assert (t.track, t.track_confirmed) == ("backbone", False)
    by = s.pseudonym("trainer-li")
    t2 = confirm_track(s, t, "volunteer", by=by, rules=load_rules())  # the trainer changes it
    assert (t2.track, t2.track_confirmed) == ("volunteer", True)
    assert sessions.sign_in(s, "gao", "steppe-gao-2021", address="127.0.0.1") == "gao"
    assert s.trainee("gao") == t2
    [row] = s.tables()["trainees"]
    assert (row["track"], row["track_confirmed_by"]) == ("volunteer", by)
    s.close()


def test_tracks_default_from_the_role_and_only_known_tracks_are_confirmed(store, trainee_factory):
    rules = load_rules()
    staff, vol = trainee_factory("xu"), trainee_factory("he", role="volunteer")
    backbone = trainee_factory("qin", role="resident_backbone")
    assert [t.track for t in (staff, vol, backbone)] == ["staff", "volunteer", "backbone"]
    assert [r["pseudonym"] for r in unconfirmed(store)] == [
        staff.pseudonym,
        vol.pseudonym,
        backbone.pseudonym,
    ]
    with pytest.raises(ProgressError, match="unknown track 'nurse'"):
        confirm_track(store, vol, "nurse", by="Tx", rules=rules)
    with pytest.raises(ProgressError, match="confirmed by a trainer"):
        confirm_track(store, vol, "volunteer", by=" ", rules=rules)
    with pytest.raises(ProgressError, match="no trainee with id 999"):
        confirm_track(store, 999, "volunteer", by="Tx", rules=rules)
    confirm_track(store, vol, "volunteer", by="Tx", rules=rules)
    assert [r["pseudonym"] for r in unconfirmed(store)] == [staff.pseudonym, backbone.pseudonym]
    with pytest.raises(ProgressError, match="not a track id"):
        store.add_trainee("bad", role="volunteer", track="志愿者")


def test_sign_in_widget_offers_the_tracks_preset_from_the_role(tmp_path, monkeypatch):
    from shegong.widgets import ModulePlayerApp

    monkeypatch.setenv("SHEGONG_KEY_FILE", str(tmp_path / "pseudonym.key"))
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    app = ModulePlayerApp("m01-ethics", store_url=f"sqlite:///{tmp_path / 'app.sqlite'}")
    s = app.signin
    assert [label for label, _ in s.track.options] == [
        "社工站兼职工作人员 / 社区工作者",
        "志愿者",
        "居民骨干",
    ]
    s.role.value = "resident_backbone"
    assert s.track.value == "backbone"
    s.role.value = "volunteer"
    assert s.track.value == "volunteer"
    s.track.value = (
        "staff"  # a volunteer who works part-time at the station chooses the staff track
    )
    with ProgressStore(f"sqlite:///{tmp_path / 'app.sqlite'}") as store:
        code = accounts.invite(store, grant(store, "trainer-li", "trainer"))
    s.login.value, s.password.value, s.station.value = "lu", "steppe-lu-2021", "巴彦镇社工站"
    s.display_name.value, s.invitation.value = "卢", code
    s.register_button.click()
    assert (app.trainee.role, app.trainee.track, app.trainee.track_confirmed) == (
        "volunteer",
        "staff",
        False,
    )
    app.store.close()
