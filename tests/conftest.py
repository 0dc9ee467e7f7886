"""Shared fixtures: a private pseudonym key, the demo workspace built once, the portal on it, one
Chromium (tests/portal.py) and one sign-in for every browser test, a throwaway PostgreSQL server
and progress-store URLs on SQLite and on PostgreSQL."""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from . import postgres_server as pg

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real"
SHEGONG = [sys.executable, "-m", "shegong.cli.main"]


@pytest.fixture(scope="session", autouse=True)
def pseudonym_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test session gets its own keys (pseudonyms, session cookies), never the user's."""
    key = tmp_path_factory.mktemp("key") / "pseudonym.key"
    os.environ["SHEGONG_KEY_FILE"] = str(key)
    os.environ["SHEGONG_SESSION_KEY_FILE"] = str(key.parent / "session.key")  # the portal's
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return key


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory, pseudonym_key: Path) -> Path:
    """``shegong demo --workspace DIR --no-serve`` run once, as a subprocess.

    For quicker local runs, ``SHEGONG_TEST_DEMO_WORKSPACE=DIR`` reuses a demo workspace built
    before (copied, never modified); CI always builds afresh.
    """
    ws = tmp_path_factory.mktemp("demo") / "workspace"
    prebuilt = os.environ.get("SHEGONG_TEST_DEMO_WORKSPACE")
    if prebuilt and not os.environ.get("CI"):
        shutil.copytree(prebuilt, ws)
        (ws / "demo_stderr.log").touch()
        return ws
    proc = subprocess.run(
        [*SHEGONG, "demo", "--workspace", str(ws), "--no-serve"],
        capture_output=True,
        text=True,
        timeout=900,
        env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (ws / "demo_stderr.log").write_text(proc.stderr, encoding="utf-8")
    return ws


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium; a missing browser skips, or fails when SHEGONG_REQUIRE_BROWSER=1."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("SHEGONG_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "chromium is required (SHEGONG_REQUIRE_BROWSER=1): apt-get install -y chromium"
            )
        pytest.skip("chromium not installed: apt-get install -y chromium")
    return path


@pytest.fixture(scope="session")
def postgres_server(request: pytest.FixtureRequest) -> Iterator[pg.PostgresServer]:
    """One throwaway PostgreSQL cluster for the session (see ``tests/postgres_server.py``).

    Started on first use, stopped and removed at the end of the session, also after failures.
    Missing server binaries or driver skip, or fail when SHEGONG_REQUIRE_POSTGRES=1 (CI).
    """
    try:
        import psycopg  # noqa: F401 - the driver the store's URLs name

        server = pg.start()
    except (ImportError, pg.PostgresUnavailable) as e:
        why = f"PostgreSQL is not available: {e}"
        if os.environ.get("SHEGONG_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{why} (required: SHEGONG_REQUIRE_POSTGRES=1); .ci/run installs it")
        pytest.skip(f"{why}; `apt-get install -y postgresql` and the `postgres` extra")
    atexit.register(server.stop)  # in case the session ends without its teardown
    request.config.stash[_PG_STARTED] = server.started_seconds
    try:
        yield server
    finally:
        server.stop()


_PG_STARTED = pytest.StashKey[float]()
_PG_DATABASES = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server: pg.PostgresServer) -> Iterator[str]:
    """A fresh, empty database on the session's server for one test, dropped after it."""
    name = f"t{os.getpid()}_{next(_PG_DATABASES)}"
    url = postgres_server.create_database(name)
    try:
        yield url
    finally:
        postgres_server.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store's URL: a SQLite file in ``tmp_path``, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'progress.sqlite'}"
    return request.getfixturevalue("postgres_url")


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if _PG_STARTED in config.stash:
        terminalreporter.write_line(
            f"postgres: throwaway server started in {config.stash[_PG_STARTED]:.2f} s"
        )


from shegong.exports import CHROMIUM_ARGS  # noqa: E402,F401 — one set of flags for every browser test

from .portal import free_port  # noqa: E402,F401 — one helper for every server a test starts

#: the password of the account the demo browser tests sign in with
DEMO_PASSWORD = "browser-admin-2021"


@pytest.fixture(scope="session")
def demo_portal(demo_workspace: Path):
    """The front server on the demo workspace (``shegong serve`` as a user runs it), with an admin
    account ``browser-admin`` the browser tests sign in as; stopped at the end of the session."""
    from shegong.training.accounts import create_account
    from shegong.training.progress import ProgressStore
    from shegong.training.roles import grant

    from .portal import running_portal

    store = ProgressStore.open(workspace=demo_workspace)
    create_account(store, "browser-admin", DEMO_PASSWORD)
    grant(store, "browser-admin", "admin")
    store.close()
    with running_portal(demo_workspace, kernel_cap=4, cull_idle_timeout=20, cull_interval=5) as p:
        yield p


@pytest.fixture
def browser(chromium: str):
    """Debian's chromium (tests/portal.py); the test fails on any CSP violation a page reports."""
    from .portal import chromium_browser

    with chromium_browser(chromium) as b:
        yield b
    assert b.csp_violations == []


@pytest.fixture
def demo_page(demo_portal, browser):
    """A page signed in to the demo portal as its admin."""
    from .portal import sign_in_page

    page = browser.new_page()
    sign_in_page(page, demo_portal.url, "browser-admin", DEMO_PASSWORD)
    return page
