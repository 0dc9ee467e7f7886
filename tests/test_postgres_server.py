"""The throwaway PostgreSQL server the store's tests use: private, socket-only, removed after."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import tempfile
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text

from . import postgres_server as pg

pytestmark = pytest.mark.postgres


def test_server_listens_on_a_private_unix_socket_only(postgres_server, postgres_url):
    folder = postgres_server.folder
    assert folder.parent.as_posix() == "/var/tmp"
    mode = folder.stat().st_mode
    assert stat.S_IMODE(mode) == 0o700
    expected_owner = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    assert pwd.getpwuid(folder.stat().st_uid).pw_name == expected_owner
    assert stat.S_ISSOCK((folder / ".s.PGSQL.5432").stat().st_mode)
    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW listen_addresses")).scalar() == ""
        assert conn.execute(text("SELECT inet_server_addr()")).scalar() is None  # not over TCP
        assert conn.execute(text("SELECT current_user")).scalar() == pg.ROLE
        assert conn.execute(text("SHOW server_encoding")).scalar() == "UTF8"
        assert conn.execute(text("SELECT current_database()")).scalar().startswith("t")
    engine.dispose()


def test_a_wrong_password_is_refused(postgres_server):
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(
            host=str(postgres_server.socket_dir),
            dbname=pg.DATABASE,
            user=pg.ROLE,
            password="not-the-password",
        ).close()


def _running(pid: int) -> bool:
    """``pid`` runs and is no zombie (the postmaster is re-parented to PID 1, which reaps late)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_stop_removes_the_cluster_and_a_failed_start_cleans_up(postgres_server, monkeypatch):
    """A second cluster beside the session's (whose fixture skips or fails where there is none)."""
    parent = Path(tempfile.mkdtemp(prefix="shegong-pg-parent-", dir="/var/tmp"))
    try:
        parent.chmod(0o755)  # the postgres user passes through it
        server = pg.start(parent=parent)
        pid = int((server.data_dir / "postmaster.pid").read_text().split()[0])
        assert _running(pid)
        server.stop()
        assert not server.folder.exists() and list(parent.iterdir()) == []
        assert not _running(pid)
        monkeypatch.setitem(pg.SETTINGS, "shared_buffers", "'no-such-size'")
        with pytest.raises(RuntimeError, match="pg_ctl"):
            pg.start(parent=parent)
        assert list(parent.iterdir()) == []
    finally:
        shutil.rmtree(parent)
