"""Granted roles: grant, revoke, list, migrations 0004 and p14people01, `shegong roles` on SQLite
and PostgreSQL.

Every test runs on a SQLite file and on the session's throwaway PostgreSQL server (``store_url``).
"""

import os
import subprocess
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

from shegong.cli.main import main
from shegong.errors import AccessError
from shegong.training import progress
from shegong.training.progress import ProgressStore, migrate
from shegong.training.roles import grant, list_roles, revoke, role_of, roles_of, store_owner

from .conftest import SHEGONG


@pytest.fixture(autouse=True)
def _env(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEGONG_KEY_FILE", str(tmp_path / "pseudonym.key"))
    monkeypatch.delenv("SHEGONG_DATABASE_URL", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)


@pytest.fixture
def store(store_url):
    with ProgressStore(store_url) as s:
        yield s


def _granted(engine) -> list[tuple]:
    """(login, role) of every account role, sorted."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.login, r.role FROM accounts a JOIN account_roles r "
                "ON r.account_id = a.id ORDER BY a.login, r.role"
            )
        ).all()
    return [tuple(r) for r in rows]


def test_roles_add_up_are_revoked_and_listed_by_login(store):
    grant(store, "zhou", "admin", by=store_owner("root"))
    grant(store, " li ", "trainer")
    grant(store, "li", "admin")
    grant(store, "li", "admin")  # twice: still one grant
    store.add_trainee("sun", role="volunteer")  # a trainee profile without an account
    assert [r.line() for r in list_roles(store)] == ["li\tadmin,trainer\t", "zhou\tadmin\t"]
    assert roles_of(store, "li") == ("admin", "trainer") and role_of(store, "li") == "admin"
    assert (role_of(store, "sun"), role_of(store, "nobody")) == ("trainee", None)
    assert revoke(store, "li", "admin").roles == {"trainer"}
    assert revoke(store, "li", "admin").roles == {"trainer"}  # not held: nothing changes
    assert role_of(store, "li") == "trainer"
    with pytest.raises(AccessError, match="last administrator"):
        revoke(store, "zhou", "admin")  # a workspace keeps one admin
    grant(store, "li", "admin")
    revoke(store, "zhou", "admin")
    assert [r.line() for r in list_roles(store)] == ["li\tadmin,trainer\t"]
    with pytest.raises(AccessError, match="unknown role"):
        grant(store, "li", "mayor")
    with pytest.raises(AccessError, match="login is 2–64"):
        grant(store, "  ", "trainer")
    assert _granted(store.engine) == [("li", "admin"), ("li", "trainer")]


def test_migrations_0004_and_p14people01_keep_the_roles_of_0003(store_url):
    engine = create_engine(store_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(progress.__file__).with_name("migrations")))
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0003")
            conn.execute(
                text(
                    "INSERT INTO accounts (pseudonym, role, created_at) "
                    "VALUES (:p, :r, CURRENT_TIMESTAMP)"
                ),
                [{"p": "Tzhou", "r": "admin"}, {"p": "Tli", "r": "trainer"}],
            )
            command.upgrade(cfg, "0004")
        assert "accounts" not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT pseudonym, login, role FROM role_grants ORDER BY pseudonym")
            ).all()
        assert [tuple(r) for r in rows] == [("Tli", None, "trainer"), ("Tzhou", None, "admin")]
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO role_grants (pseudonym, login, role, granted_at) "
                    "VALUES (:p, :l, :r, CURRENT_TIMESTAMP)"
                ),
                {"p": "Tli", "l": "Li", "r": "admin"},
            )
        assert migrate(engine) == "p14people01"  # role_grants → accounts, roles carried over
        assert "role_grants" not in inspect(engine).get_table_names()
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT a.pseudonym, a.login, r.role FROM accounts a JOIN account_roles r "
                    "ON r.account_id = a.id ORDER BY a.pseudonym, r.role"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            ("Tli", "li", "admin"),  # the login normalised as sign-in normalises it
            ("Tli", "li", "trainer"),
            ("Tzhou", None, "admin"),
        ]
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT pseudonym, role FROM accounts ORDER BY pseudonym"))
            assert [tuple(r) for r in rows] == [("Tli", "admin"), ("Tzhou", "admin")]
    finally:
        engine.dispose()


def test_grants_made_before_0004_list_their_pseudonym(store):
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (pseudonym, status, created_at) "
                "VALUES (:p, 'active', CURRENT_TIMESTAMP)"
            ),
            {"p": store.pseudonym("wang")},
        )
        conn.execute(
            text(
                "INSERT INTO account_roles (account_id, role) "
                "SELECT id, 'trainer' FROM accounts WHERE pseudonym = :p"
            ),
            {"p": store.pseudonym("wang")},
        )
    assert [r.line() for r in list_roles(store)] == [f"{store.pseudonym('wang')}\ttrainer\t"]
    grant(store, "wang", "trainer")  # granted again: the login is kept from now on
    assert [r.line() for r in list_roles(store)] == ["wang\ttrainer\t"]


def test_shegong_roles_creates_the_store_and_lists_what_it_granted(
    store_url, tmp_path, monkeypatch, capsys
):
    """The CLI on an empty database named by SHEGONG_DATABASE_URL; `roles list` in a new process."""
    monkeypatch.setenv("SHEGONG_DATABASE_URL", store_url)
    for args in (
        ["grant", "zhou", "--role", "admin", "--by", "setup"],
        ["grant", "li", "--role", "trainer"],
        ["grant", "li", "--role", "admin"],
        ["grant", "chen", "--role", "trainer"],
        ["revoke", "chen", "--role", "trainer"],
    ):
        assert main(["roles", *args]) == 0
    with pytest.raises(SystemExit) as bad:
        main(["roles", "grant", "li", "--role", "mayor"])
    assert bad.value.code == 2
    assert "mayor" in capsys.readouterr().err
    listed = subprocess.run(
        [*SHEGONG, "roles", "list"],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == "li\tadmin,trainer\t\nzhou\tadmin\t\n"
    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == "p14people01"
        assert _granted(engine) == [("li", "admin"), ("li", "trainer"), ("zhou", "admin")]
    finally:
        engine.dispose()
