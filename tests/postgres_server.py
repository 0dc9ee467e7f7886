"""A throwaway PostgreSQL server for one test session (Debian's ``postgresql`` package).

:func:`start` creates a cluster with ``initdb`` in a fresh folder under ``/var/tmp`` (outside
pytest's 0700 temporary folders, which the ``postgres`` user cannot enter), owned by the
``postgres`` user when the tests run as root (``initdb`` refuses root; every server command then
runs through ``runuser -u postgres``), otherwise by the current user. The server listens on a
Unix socket in that folder only (``listen_addresses = ''``, no TCP port), trusts nobody: the
cluster's superuser signs in by peer authentication, everyone else with a SCRAM password. A test
role (``shegong_test``, allowed to create databases) and its database are created; tests get a
fresh database each from :meth:`PostgresServer.create_database`. :meth:`PostgresServer.stop`
stops the server (``pg_ctl stop -m immediate``) and removes the folder; :func:`start` cleans up
itself when any step fails.

Binaries: ``$(pg_config --bindir)`` when it holds ``initdb``, else the newest
``/usr/lib/postgresql/<version>/bin`` (Debian does not put them on PATH). Raises
:class:`PostgresUnavailable` when there is none (``apt-get install postgresql``), and
:class:`RuntimeError` with the server's log when the cluster cannot be created or started.
"""

from __future__ import annotations

import getpass
import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

if TYPE_CHECKING:  # the driver is imported on use: this module loads where it is missing
    import psycopg

ROLE = "shegong_test"
DATABASE = "shegong_test"
# a throwaway cluster: durability off, small memory (the machine is shared)
SETTINGS = {
    "listen_addresses": "''",
    "port": "5432",  # names the socket file only
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "'32MB'",
    "max_connections": "60",
    "log_min_messages": "warning",
    "log_min_error_statement": "error",
    "timezone": "'Asia/Shanghai'",  # as a server in China is often set: the store must not care
}


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries on this machine (``apt-get install postgresql``)."""


def bindir() -> Path:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``.

    Raises :class:`PostgresUnavailable` when there is none.
    """
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(Path(out.stdout.strip()))

    def version(path: str) -> tuple[int, ...]:
        name = Path(path).parent.name
        return tuple(int(p) for p in name.split(".") if p.isdigit())

    candidates += [
        Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    ]
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl) under `pg_config --bindir` or "
        "/usr/lib/postgresql/*/bin: apt-get install -y postgresql"
    )


@dataclass
class PostgresServer:
    """A running throwaway cluster: its folder, binaries, superuser and the test role's password."""

    folder: Path
    bindir: Path
    os_user: str | None  # the account the server runs as via runuser (None: this process's own)
    superuser: str
    password: str
    started_seconds: float

    @property
    def socket_dir(self) -> Path:
        return self.folder

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def log_file(self) -> Path:
        return self.folder / "server.log"

    def url(
        self, database: str = DATABASE, *, role: str = ROLE, password: str | None = None
    ) -> str:
        """A SQLAlchemy URL (``postgresql+psycopg://ROLE:PASSWORD@/DATABASE?host=SOCKET_DIR``)."""
        pw = self.password if password is None else password
        return (
            f"postgresql+psycopg://{quote(role, safe='')}:{quote(pw, safe='')}@/"
            f"{quote(database, safe='')}?host={quote(str(self.socket_dir), safe='/')}"
        )

    def _connect(self, database: str = "postgres") -> psycopg.Connection:
        import psycopg

        return psycopg.connect(
            host=str(self.socket_dir),
            dbname=database,
            user=ROLE,
            password=self.password,
            autocommit=True,
            connect_timeout=10,
        )

    def create_database(self, name: str) -> str:
        """Create the empty database ``name`` owned by the test role; returns its URL."""
        from psycopg import sql

        with self._connect() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'").format(
                    sql.Identifier(name), sql.Identifier(ROLE)
                )
            )
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, closing any connection still open to it (PostgreSQL 13+)."""
        from psycopg import sql

        with self._connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def stop(self) -> None:
        """Stop the server at once and remove its folder (also when it is no longer running)."""
        try:
            if (self.data_dir / "postmaster.pid").exists():
                _run(
                    self,
                    [
                        str(self.bindir / "pg_ctl"),
                        "-D",
                        str(self.data_dir),
                        "-m",
                        "immediate",
                        "-w",
                        "-t",
                        "30",
                        "stop",
                    ],
                    check=False,
                )
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _run(
    server: PostgresServer,
    argv: list[str],
    *,
    check: bool = True,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    if server.os_user:
        argv = ["runuser", "-u", server.os_user, "--", *argv]
    proc = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        cwd=server.folder,
        input=input,
        timeout=120,
        check=False,
        env={**os.environ, "LC_ALL": "C.UTF-8", **(env or {})},
    )
    if check and proc.returncode != 0:
        log = (
            server.log_file.read_text(errors="replace")[-3000:] if server.log_file.exists() else ""
        )
        raise RuntimeError(
            f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}\n"
            f"server log:\n{log}"
        )
    return proc


def start(*, parent: str | os.PathLike[str] = "/var/tmp") -> PostgresServer:
    """Create, configure and start a cluster; returns it with the test role and database made.

    Raises :class:`PostgresUnavailable` (no binaries, or root without a ``postgres`` account) and
    :class:`RuntimeError` (a step failed; its output and the server log are in the message).
    """
    began = time.perf_counter()
    binaries = bindir()
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError as e:
            raise PostgresUnavailable(
                "no `postgres` system user: apt-get install -y postgresql"
            ) from e
        os_user: str | None = "postgres"
        superuser = "postgres"
    else:
        account = pwd.getpwuid(os.geteuid())
        os_user = None
        superuser = getpass.getuser()
    folder = Path(tempfile.mkdtemp(prefix="shegong-pg-", dir=parent))
    server = PostgresServer(folder, binaries, os_user, superuser, secrets.token_hex(16), 0.0)
    try:
        os.chown(folder, account.pw_uid, account.pw_gid)
        folder.chmod(0o700)
        _run(
            server,
            [
                str(binaries / "initdb"),
                "-D",
                str(server.data_dir),
                "-U",
                superuser,
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
                "--auth-local=peer",
                "--auth-host=reject",
            ],
        )
        conf = "".join(f"{k} = {v}\n" for k, v in SETTINGS.items())
        conf += f"unix_socket_directories = '{folder}'\n"  # mkdtemp names hold no quote
        hba = f"local all {superuser} peer\nlocal all all scram-sha-256\n"
        _run(
            server,
            ["sh", "-c", 'cat >> "$1/postgresql.conf"', "sh", str(server.data_dir)],
            input=conf,
        )
        _run(server, ["sh", "-c", 'cat > "$1/pg_hba.conf"', "sh", str(server.data_dir)], input=hba)
        _run(
            server,
            [
                str(binaries / "pg_ctl"),
                "-D",
                str(server.data_dir),
                "-l",
                str(server.log_file),
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
        # the password reaches psql through its environment (never a command line other users
        # can read in ps), and psql variables quote it (:'pw') and the names (:"role")
        _run(
            server,
            [str(binaries / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(folder),
             "-U", superuser, "-d", "postgres", "-v", f"role={ROLE}", "-v", f"db={DATABASE}"],
            input="\\getenv pw SHEGONG_TEST_PG_PASSWORD\n"
            'CREATE ROLE :"role" LOGIN CREATEDB PASSWORD :\'pw\';\n'
            'CREATE DATABASE :"db" OWNER :"role";\n',
            env={"SHEGONG_TEST_PG_PASSWORD": server.password},
        )  # fmt: skip
    except BaseException:
        server.stop()
        raise
    server.started_seconds = time.perf_counter() - began
    return server
