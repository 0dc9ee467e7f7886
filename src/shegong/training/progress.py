"""The progress store: trainees, attempts, module completion and stage reached (SQLAlchemy 2 +
Alembic).

The default store is the SQLite file ``<workspace>/progress.sqlite`` in WAL mode
(:func:`shegong.config.database_url`); ``SHEGONG_DATABASE_URL`` names another, in practice
PostgreSQL for a cohort or a province (``postgresql+psycopg://ROLE:PASSWORD@HOST/DATABASE``, or
``…@/DATABASE?host=/SOCKET/DIR`` over a Unix socket; the driver is the ``postgres`` extra). The
schema is migrated on open with the Alembic scripts in :mod:`shegong.training.migrations`;
concurrent openers take a lock first (a file lock beside a SQLite file, an advisory lock on
PostgreSQL), so one migrates and the others find the head revision in place. On SQLite each
write transaction starts with ``BEGIN IMMEDIATE`` (writers queue); on PostgreSQL transactions
run at READ COMMITTED and rows read to be changed are locked (``SELECT … FOR UPDATE``), or
written with ``INSERT … ON CONFLICT`` (docs/contracts.md, "The progress store on PostgreSQL").

Trainees are pseudonymous: the login (JupyterHub user or local login name) is stored only as a
keyed hash (HMAC-SHA-256 with the workspace pseudonym key, DESIGN.md §7); sign-in accounts, their
roles, scope and sessions are :mod:`shegong.training.accounts`'s. A SQLite store file is created
owner-only (0600): it holds answers and password hashes. Tables: ``trainees`` (pseudonym, source
hub/local, role, station, stage_reached, ``track`` chosen at registration and
``track_confirmed_by``/``_at`` once a trainer confirms or changes it — revision 0003, issue 19 —
and the ``display_name`` and ``station_code`` trainers see, revision h14_trainee_profile, issue
14), ``attempts`` (module, exercise, type, mode, answer JSON, score, max_score in points,
graded_by, seconds_spent in seconds, created_at UTC) and ``completions``.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import math
import os
import re
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    create_engine,
    event,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from shegong.config import database_url
from shegong.errors import ProgressError
from shegong.ledger.privacy import load_key
from shegong.training.grading import grade
from shegong.training.profile import check_profile

ROLES = {
    "part_time_staff": {"zh": "社工站兼职工作人员", "en": "part-time station staff"},
    "community_worker": {"zh": "社区（村）工作者", "en": "community worker"},
    "volunteer": {"zh": "志愿者", "en": "volunteer"},
    "resident_backbone": {"zh": "居民骨干", "en": "resident backbone"},
    "social_org_staff": {"zh": "社会组织工作人员", "en": "social-organisation staff"},
}
#: The track a trainee role starts on (the trainee may choose another at registration; a trainer
#: confirms or changes it). Track ids are those of ``curricula/progression.yaml``.
TRACK_OF_ROLE = {
    "part_time_staff": "staff",
    "community_worker": "staff",
    "social_org_staff": "staff",
    "volunteer": "volunteer",
    "resident_backbone": "backbone",
}
STAGE_ORDER = ("传", "帮", "带", "教")
_MIGRATION_LOCK = 0x5348_4547_4F4E_47  # "SHEGONG": the advisory lock migrations take on PostgreSQL


class Base(DeclarativeBase):
    """Declarative base of the progress-store tables."""

    pass


class TraineeRow(Base):
    """A trainee (table ``trainees``): pseudonym, sign-in source, role, station,
    stage reached, track and its confirmation."""

    __tablename__ = "trainees"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[str] = mapped_column(String(8))
    role: Mapped[str] = mapped_column(String(32))
    station: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stage_reached: Mapped[str | None] = mapped_column(String(4), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    track: Mapped[str | None] = mapped_column(String(16), nullable=True)
    track_confirmed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    track_confirmed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    display_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    station_code: Mapped[str | None] = mapped_column(String(12), nullable=True)


class AttemptRow(Base):
    """One answer to a practice exercise (table ``attempts``): score, max score, grader, seconds."""

    __tablename__ = "attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), index=True)
    module_id: Mapped[str] = mapped_column(String(64), index=True)
    exercise_id: Mapped[str] = mapped_column(String(64))
    exercise_type: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16))
    answer: Mapped[Any] = mapped_column(JSON, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float] = mapped_column(Float)
    graded_by: Mapped[str] = mapped_column(String(16))
    seconds_spent: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CompletionRow(Base):
    """A module completed by a trainee (table ``completions``): stage, score, when."""

    __tablename__ = "completions"
    __table_args__ = (UniqueConstraint("trainee_id", "module_id", name="uq_completion"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"))
    module_id: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(4))
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    completed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Trainee:
    """A signed-in trainee as the player sees it: store id, pseudonym, role code, station, stage
    reached, ``track`` (id in ``progression.yaml``; ``None`` = the default track), whether a trainer
    has confirmed it (``track_confirmed``), the display name trainers see and the station's 12-digit
    org-unit code."""

    id: int
    pseudonym: str
    role: str
    station: str | None
    stage_reached: str | None
    track: str | None = None
    track_confirmed: bool = False
    display_name: str | None = None
    station_code: str | None = None

    @property
    def label(self) -> str:
        """The display name, or the pseudonym for a trainee registered without one."""
        return self.display_name or self.pseudonym

    @classmethod
    def _of(cls, row: TraineeRow) -> "Trainee":
        return cls(
            row.id,
            row.pseudonym,
            row.role,
            row.station,
            row.stage_reached,
            row.track,
            row.track_confirmed_by is not None,
            row.display_name,
            row.station_code,
        )


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # noqa: ANN001
        conn.exec_driver_sql(
            "BEGIN IMMEDIATE"
        )  # take the write lock up front: no upgrade deadlocks


def json_text(value: Any) -> str:
    """The text of a JSON column (answers, ratings), the same on SQLite and PostgreSQL.

    NaN and ±infinity (the blank cells of a DataFrame answer) are written as ``null``:
    PostgreSQL's ``json`` refuses them, where SQLite would keep a ``NaN`` no JSON reader accepts.
    NumPy scalars are written as the Python numbers they hold. Raises :class:`TypeError` for
    other values JSON cannot hold (as :func:`json.dumps` does).
    """
    return json.dumps(_finite(value), allow_nan=False, default=_plain)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and hasattr(value, "dtype"):  # a NumPy scalar
        return _finite(value.item())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _server_options(url: str) -> dict[str, Any]:
    """PostgreSQL sessions in UTC, whatever the server's ``timezone`` (often Asia/Shanghai):
    times come back as UTC, as they do from SQLite (where they are stored naive, in UTC)."""
    if make_url(url).get_backend_name() == "postgresql":
        return {"connect_args": {"options": "-c timezone=UTC"}}
    return {}


def _private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only (0600) unless it exists (an existing file keeps the mode
    its owner gave it). SQLite gives its ``-wal`` and ``-shm`` files the mode of the database
    file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.fchmod(fd, 0o600)  # whatever the umask
    os.close(fd)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    db = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not db or db == ":memory:":
        yield
        return
    with open(f"{db}.migrate.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def migrate(engine: Engine) -> str:
    """Upgrade the store to the newest Alembic revision; returns the revision id. Raises
    :class:`ProgressError`."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    try:
        with engine.connect() as conn:
            if MigrationContext.configure(conn).get_current_revision() == head:
                return str(head)
        with _migration_lock(engine), engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # one migrator at a time; the others then find the head already there
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as e:
        raise ProgressError(f"cannot migrate the progress store {engine.url!r}: {e.orig}") from e
    return str(head)


def upsert(
    session: Session,
    table: Any,
    values: dict[str, Any],
    *,
    keys: Sequence[str],
    update: Sequence[str] = (),
) -> int:
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` — or ``DO UPDATE`` of the ``update`` columns.

    Returns the number of rows inserted or updated (0: the key was there and nothing changed).

    One statement on SQLite and on PostgreSQL, so two writers inserting the same key at once
    neither fail with a unique violation nor lose an update (a read-then-insert would, at
    PostgreSQL's READ COMMITTED). ``table``: a mapped class or a Table; ``keys``: the columns of
    one of its unique constraints. Raises :class:`ProgressError` for any other database.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise ProgressError(f"the progress store runs on SQLite or PostgreSQL, not {dialect}")
    stmt = insert(getattr(table, "__table__", table)).values(**values)
    if update:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keys), set_={c: stmt.excluded[c] for c in update}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(keys))
    # one row back per row written (rowcount is -1 once SQLAlchemy adds its own RETURNING)
    return len(session.execute(stmt.returning(literal_column("1"))).all())


def hold(session: Session, name: str) -> None:
    """Hold the lock ``name`` until the session's transaction ends (one holder at a time).

    For a read-then-write that no row lock covers, e.g. numbering certificates. PostgreSQL:
    ``pg_advisory_xact_lock`` on a 64-bit key derived from ``name``; SQLite: nothing to do, its
    write transactions (``BEGIN IMMEDIATE``) already run one at a time.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


class ProgressStore:
    """One progress database. Open with :meth:`open`; every method is one short transaction.

    Raises :class:`ProgressError` for an unreachable or unmigratable database, a failed sign-in,
    or an unknown role.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        #: where ``audit.jsonl`` goes: the SQLite file's folder, else ``SHEGONG_WORKSPACE`` (or
        #: None)
        self.workspace: Path | None = None
        if make_url(url).get_backend_name() == "sqlite" and make_url(url).database not in (
            None,
            "",
            ":memory:",
        ):
            db = Path(make_url(url).database)
            db.parent.mkdir(parents=True, exist_ok=True)
            _private_file(db)
            _private_file(Path(f"{db}.migrate.lock"))
            self.workspace = db.parent
        elif os.environ.get("SHEGONG_WORKSPACE"):
            self.workspace = Path(os.environ["SHEGONG_WORKSPACE"])
        try:
            if make_url(url).get_backend_name() == "sqlite":
                self.engine = create_engine(url, json_serializer=json_text)
                _sqlite_pragmas(self.engine)
            else:  # a database server: drop connections it has closed (restart, idle timeout)
                self.engine = create_engine(
                    url, pool_pre_ping=True, json_serializer=json_text, **_server_options(url)
                )
        except ModuleNotFoundError as e:
            raise ProgressError(
                f"the progress store URL needs the database driver {e.name!r}, which is not "
                "installed: for postgresql+psycopg://… run pip install 'shegong[postgres]'"
            ) from e
        try:
            migrate(self.engine)
        except BaseException:
            self.engine.dispose()
            raise
        self._key: bytes | None = None

    @classmethod
    def open(
        cls, url: str | None = None, *, workspace: str | os.PathLike[str] | None = None
    ) -> "ProgressStore":
        """The store at ``url``, else ``SHEGONG_DATABASE_URL``, else
        ``<workspace>/progress.sqlite``."""

        store = cls(url or database_url(workspace))
        if store.workspace is None and workspace is not None:  # a database server: audit here
            store.workspace = Path(workspace)
        return store

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- trainees
    def pseudonym(self, login: str) -> str:
        """``T`` + 16 hex digits of HMAC-SHA-256(key, login normalised as by
        :func:`shegong.people.normalise_login`): stable, not reversible without the key."""
        if self._key is None:
            self._key = load_key()
        canonical = unicodedata.normalize("NFKC", login).casefold().strip()
        return (
            "T" + hmac.new(self._key, b"trainee:" + canonical.encode(), "sha256").hexdigest()[:16]
        )

    def add_trainee(
        self,
        login: str,
        *,
        source: str = "local",
        role: str,
        station: str | None = None,
        track: str | None = None,
        display_name: str | None = None,
        station_code: str | None = None,
    ) -> Trainee:
        """Create the trainee profile of ``login`` (occupational ``role`` of :data:`ROLES`, station
        name and code, display name — as :func:`shegong.training.profile.check_profile` —,
        ``track``:
        the track the trainee chooses, default :data:`TRACK_OF_ROLE` of ``role``, unconfirmed until
        a
        trainer confirms or changes it). The sign-in account is :mod:`shegong.training.accounts`'s.

        Raises:
            ProgressError: unknown role, empty login, or the login already has a profile.
        """
        display_name, station_code = check_profile(display_name, station_code)
        if role not in ROLES:
            raise ProgressError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
        if not login.strip():
            raise ProgressError("请填写账号 / a login name is required")
        track = track or TRACK_OF_ROLE[role]
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,15}", track):
            raise ProgressError(f"track {track!r} is not a track id of curricula/progression.yaml")
        row = TraineeRow(
            pseudonym=self.pseudonym(login),
            source=source,
            role=role,
            station=station or None,
            created_at=datetime.now(UTC),
            track=track,
            display_name=display_name,
            station_code=station_code,
        )
        try:
            with Session(self.engine) as s, s.begin():
                s.add(row)
                s.flush()
                return Trainee._of(row)
        except IntegrityError as e:
            raise ProgressError(
                "该账号已注册，请直接登录 / this login is already registered: sign in instead"
            ) from e

    def trainee(self, login: str) -> Trainee | None:
        """The trainee profile of ``login`` (any source), or ``None`` before it is filled in."""
        with Session(self.engine) as s:
            row = s.scalar(select(TraineeRow).where(TraineeRow.pseudonym == self.pseudonym(login)))
            return Trainee._of(row) if row else None

    def profiles(self) -> list[Trainee]:
        """Every trainee profile, in id order."""
        with Session(self.engine) as s:
            return [Trainee._of(r) for r in s.scalars(select(TraineeRow).order_by(TraineeRow.id))]

    def hub_trainee(self, user: str) -> Trainee | None:
        """The trainee of JupyterHub user ``user`` (same as :meth:`trainee`)."""
        return self.trainee(user)

    def register_hub(
        self,
        user: str,
        *,
        role: str,
        station: str | None = None,
        track: str | None = None,
        display_name: str | None = None,
        station_code: str | None = None,
    ) -> Trainee:
        """Create the trainee for JupyterHub user ``user`` (no password: the hub authenticated
        them)."""
        return self.add_trainee(
            user,
            source="hub",
            role=role,
            station=station,
            track=track,
            display_name=display_name,
            station_code=station_code,
        )

    def set_profile(
        self, trainee: Trainee | int, *, display_name: str | None, station_code: str | None
    ) -> Trainee:
        """Set the display name and station code (checked as :func:`check_profile`)."""
        display_name, station_code = check_profile(display_name, station_code)
        with Session(self.engine) as s, s.begin():
            row = s.get(TraineeRow, trainee if isinstance(trainee, int) else trainee.id)
            if row is None:
                raise ProgressError(f"no trainee {trainee!r} in the progress store")
            row.display_name, row.station_code = display_name, station_code
            return Trainee._of(row)

    # -- attempts
    def record_attempt(
        self,
        trainee: Trainee | int,
        exercise,
        *,
        answer: Any,
        score: float | None,
        graded_by: str,
        seconds: float,
    ) -> int:
        """Insert one attempt row (``seconds`` spent on the exercise) and return its id."""
        row = AttemptRow(
            trainee_id=trainee if isinstance(trainee, int) else trainee.id,
            module_id=exercise.module_id,
            exercise_id=exercise.id,
            exercise_type=exercise.type,
            mode=exercise.mode,
            answer=answer,
            score=score,
            max_score=exercise.points,
            graded_by=graded_by,
            seconds_spent=float(seconds),
            created_at=datetime.now(UTC),
        )
        try:
            with Session(self.engine) as s, s.begin():
                s.add(row)
                s.flush()
                return row.id
        except OperationalError as e:
            raise ProgressError(f"cannot record the attempt: {e.orig}") from e

    def submit(self, trainee: Trainee, exercise, answer: Any, *, seconds: float, lang: str = "zh"):
        """Grade a practice answer and record it; record a summative answer ungraded.

        Returns the :class:`shegong.training.grading.Result`, or ``None`` for a summative
        submission. Raises :class:`~shegong.errors.GradingError` (answer of the wrong shape; nothing
        is recorded).
        """

        stored = answer.to_dict("records") if hasattr(answer, "to_dict") else answer
        if exercise.mode == "summative":
            self.record_attempt(
                trainee, exercise, answer=stored, score=None, graded_by="pending", seconds=seconds
            )
            return None
        result = grade(exercise, answer, lang)
        if exercise.type == "scenario":
            stored = {
                "choices": list(answer),
                "path": result.details["path"],
                "end": result.details["end"],
            }
        self.record_attempt(
            trainee,
            exercise,
            answer=stored,
            score=result.score,
            graded_by=result.graded_by,
            seconds=seconds,
        )
        return result

    def attempts(self, trainee: Trainee | int | None = None) -> list[dict[str, Any]]:
        """Attempt rows as dicts (columns of ``attempts``), oldest first, optionally for one
        trainee."""
        q = select(AttemptRow).order_by(AttemptRow.id)
        if trainee is not None:
            q = q.where(
                AttemptRow.trainee_id == (trainee if isinstance(trainee, int) else trainee.id)
            )
        with Session(self.engine) as s:
            return [
                {c.name: getattr(r, c.name) for c in AttemptRow.__table__.columns}
                for r in s.scalars(q)
            ]

    def best_scores(self, trainee: Trainee, module_id: str) -> dict[str, float]:
        """Best score per exercise id of ``module_id`` (graded attempts only)."""
        best: dict[str, float] = {}
        for a in self.attempts(trainee):
            if a["module_id"] == module_id and a["score"] is not None:
                best[a["exercise_id"]] = max(best.get(a["exercise_id"], 0.0), a["score"])
        return best

    # -- completion
    def complete_module(self, trainee: Trainee, module) -> Trainee:
        """Mark ``module`` completed (score = Σ best practice scores) and raise ``stage_reached``.

        The stage recorded is the module's first stage (``传→帮`` → 传): the next stage needs the
        mentor's sign-off in the mentoring log. Returns the updated trainee.
        """
        best = self.best_scores(trainee, module.id)
        practice = [e for e in module.exercises if e.mode == "practice"]
        score, max_score = (
            sum(best.get(e.id, 0.0) for e in practice),
            sum(e.points for e in practice),
        )
        with Session(self.engine) as s, s.begin():
            t = s.get(TraineeRow, trainee.id, with_for_update=True)  # one completion at a time
            row = s.scalar(
                select(CompletionRow).where(
                    CompletionRow.trainee_id == trainee.id, CompletionRow.module_id == module.id
                )
            )
            if row is None:
                row = CompletionRow(
                    trainee_id=trainee.id,
                    module_id=module.id,
                    stage=module.first_stage,
                    score=score,
                    max_score=max_score,
                    completed_at=datetime.now(UTC),
                )
                s.add(row)
            else:
                row.score, row.max_score = max(row.score, score), max_score
            if t.stage_reached is None or STAGE_ORDER.index(module.first_stage) > STAGE_ORDER.index(
                t.stage_reached
            ):
                t.stage_reached = module.first_stage
            s.flush()
            return Trainee._of(t)

    def tables(self) -> dict[str, list[dict[str, Any]]]:
        """Every trainee, attempt and completion row (password hashes left out), for export."""
        with Session(self.engine) as s:
            trainees = [
                {
                    "id": t.id,
                    "pseudonym": t.pseudonym,
                    "source": t.source,
                    "role": t.role,
                    "station": t.station,
                    "stage_reached": t.stage_reached,
                    "created_at": t.created_at,
                    "track": t.track,
                    "track_confirmed_by": t.track_confirmed_by,
                    "display_name": t.display_name,
                    "station_code": t.station_code,
                }
                for t in s.scalars(select(TraineeRow).order_by(TraineeRow.id))
            ]
            completions = [
                {c.name: getattr(r, c.name) for c in CompletionRow.__table__.columns}
                for r in s.scalars(select(CompletionRow).order_by(CompletionRow.id))
            ]
        return {"trainees": trainees, "attempts": self.attempts(), "completions": completions}
