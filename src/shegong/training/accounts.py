"""Sign-in accounts in the progress store: passwords, lockout, sessions, registration (issue 14).

Every person who signs in has an account row (``accounts``: keyed pseudonym, normalised login,
PBKDF2 password hash, status ``active`` / ``pending`` / ``disabled``); roles and scope are
:mod:`shegong.training.roles`'. Rules (DESIGN.md §7):

* passwords have :data:`MIN_PASSWORD` characters or more, differ from the login and are not on
  the common-password list of the zxcvbn package (30,000 passwords most often found in leaks);
* the lockout and the browser sessions are :mod:`shegong.training.sessions`';
* registration needs an invitation code a trainer issued, or waits for a trainer's approval
  (``pending``) — :func:`register`.

Functions that change someone else's account take the acting :class:`~shegong.people.Person`,
check it with :func:`shegong.people.check` and write the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shegong.errors import AccessError, ProgressError
from shegong.people import Ancestors, Person, audit, check, normalise_login
from shegong.training.progress import ProgressStore, Trainee, TraineeRow
from shegong.training.tables import (
    AccountRoleRow,
    AccountRow,
    InvitationRow,
    WebSessionRow,
)

MIN_PASSWORD = 8
_ROUNDS = 260_000  # PBKDF2-HMAC-SHA256 iterations


@lru_cache(maxsize=8)
def _closure(path: str, mtime: float) -> dict[str, frozenset[str]]:
    from shegong.orgunits import OrgUnits  # pandas: only when a scope is checked

    anc = OrgUnits.read_csv(path).ancestry()
    return {c: frozenset(g) for c, g in anc.groupby("code")["ancestor"]}


def unit_ancestors(store: ProgressStore) -> Ancestors:
    """``code → ancestor-or-self codes`` from the workspace's ``inputs/org_units.csv`` (the
    org-unit closure, read once per file version); without that file a code is only itself."""
    path = Path(store.workspace or ".") / "inputs" / "org_units.csv"
    if store.workspace is None or not path.exists():
        return lambda code: (code,)
    table = _closure(str(path), path.stat().st_mtime)
    return lambda code: table.get(code, frozenset({code}))


class SignInError(AccessError):
    """A sign-in was refused: wrong login or password (one message for both), a locked account or
    address (``retry_after`` seconds), a pending or disabled account."""

    def __init__(self, message: str, *, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def hash_password(password: str) -> str:
    """``pbkdf2_sha256$rounds$salt$digest`` (hex), with a fresh 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _ROUNDS)
    return f"pbkdf2_sha256${_ROUNDS}${salt.hex()}${digest.hex()}"


def password_matches(password: str, stored: str | None) -> bool:
    """Constant-time comparison of ``password`` with a :func:`hash_password` value."""
    try:
        _, rounds, salt, digest = (stored or "").split("$")
        got = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(rounds))
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def check_password(password: str, login: str = "") -> None:
    """Refuse a weak password.

    Raises:
        AccessError: shorter than :data:`MIN_PASSWORD`, equal to the login, or on the
        common-password
            list (``zxcvbn.frequency_lists``).
    """
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # 30,000 common passwords, loaded on use

    if len(password) < MIN_PASSWORD:
        raise AccessError(
            f"密码至少 {MIN_PASSWORD} 个字符 / choose a password of {MIN_PASSWORD} characters or "
            "more"
        )
    lowered = password.casefold()
    if lowered == login.casefold() or lowered in FREQUENCY_LISTS["passwords"]:
        raise AccessError(
            "密码太常见或与账号相同，请换一个 / this password is too common or equals the login: "
            "choose another"
        )


@dataclass(frozen=True)
class Account:
    """An account as listed: ``login``, ``status``, ``roles``, ``scope`` (codes), display name."""

    id: int
    login: str | None
    status: str
    roles: tuple[str, ...]
    scope: tuple[str, ...]
    display_name: str | None = None


def account_row(s: Session, store: ProgressStore, login: str) -> AccountRow | None:
    """The account row of ``login`` in session ``s`` (``None`` when unknown)."""
    return s.scalar(select(AccountRow).where(AccountRow.pseudonym == store.pseudonym(login)))


def ensure_account(
    s: Session, store: ProgressStore, login: str, *, status: str = "active"
) -> AccountRow:
    """The account row of ``login`` in session ``s``, created (without password) when missing."""
    login = normalise_login(login)
    row = account_row(s, store, login)
    if row is None:
        row = AccountRow(
            pseudonym=store.pseudonym(login),
            login=login,
            status=status,
            created_at=datetime.now(UTC),
        )
        s.add(row)
        s.flush()
    elif row.login is None:
        row.login = login  # an account from before logins were kept in clear
    return row


def create_account(
    store: ProgressStore, login: str, password: str | None = None, *, status: str = "active"
) -> int:
    """Create (or find) the account of ``login`` and set its password when given; returns its id.

    Raises:
        AccessError: a bad login or a weak password.
    """
    login = normalise_login(login)
    if password is not None:
        check_password(password, login)
    with Session(store.engine) as s, s.begin():
        row = ensure_account(s, store, login, status=status)
        if password is not None:
            row.password_hash, row.password_changed_at = hash_password(password), datetime.now(UTC)
        return row.id


def token_hash(token: str) -> str:
    """SHA-256 (hex) of a session token or an invitation code: what the store keeps."""
    return hashlib.sha256(token.encode()).hexdigest()


def as_utc(value: datetime) -> datetime:
    """``value`` with the UTC zone (SQLite returns stored times without one)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _end_all(s: Session, account_id: int) -> None:
    s.execute(
        update(WebSessionRow)
        .where(WebSessionRow.account_id == account_id, WebSessionRow.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC))
    )


# -- registration -------------------------------------------------------------------------------


def invite(store: ProgressStore, actor: Person, *, days: int = 14, uses: int = 30) -> str:
    """A new invitation code (shown once; only its hash is stored) valid ``days`` for ``uses``
    registrations. Raises :class:`AccessError` unless ``actor`` is a trainer or admin."""
    check(actor, "invite")
    code = secrets.token_hex(5).upper()
    now = datetime.now(UTC)
    with Session(store.engine) as s, s.begin():
        s.add(
            InvitationRow(
                code_hash=token_hash(code),
                created_by=actor.login,
                created_at=now,
                expires_at=now + timedelta(days=days),
                uses_left=uses,
            )
        )
    audit(store.workspace, actor, "invite", "", days=days, uses=uses)
    return code


def _use_invitation(s: Session, code: str) -> str | None:
    row = s.scalar(
        select(InvitationRow).where(InvitationRow.code_hash == token_hash(code.strip().upper()))
    )
    if row is None or row.uses_left < 1 or as_utc(row.expires_at) < datetime.now(UTC):
        return None
    row.uses_left -= 1
    return row.created_by


def register(
    store: ProgressStore,
    login: str,
    password: str,
    *,
    display_name: str,
    role: str,
    station: str | None = None,
    station_code: str | None = None,
    track: str | None = None,
    invitation: str | None = None,
    mode: str = "invitation",
) -> tuple[Trainee, str]:
    """Register a trainee: account (role ``trainee``) and profile; returns (trainee, status).

    ``track``: the track the trainee chooses (default that of ``role``), confirmed later by a
    trainer (:meth:`shegong.training.progress.ProgressStore.add_trainee`).

    ``mode`` ``invitation``: a valid ``invitation`` code makes the account active; without one
    the registration is refused. ``approval``: a valid code makes it active, none leaves it
    ``pending`` until a trainer approves (:func:`set_status`). ``closed``: refused.

    Raises:
        AccessError: closed registration, missing or unknown invitation code, a bad login or a weak
            password.
        ProgressError: the login is taken, the display name is empty, an unknown occupational role.
    """
    login = normalise_login(login)
    check_password(password, login)
    if not display_name.strip():
        raise ProgressError("请填写姓名（显示名） / enter your display name")
    if mode == "closed":
        raise AccessError("本站不开放注册，请联系培训师 / registration is closed: ask a trainer")
    with Session(store.engine) as s, s.begin():
        if account_row(s, store, login) is not None:
            raise ProgressError(
                "该账号已注册，请直接登录 / this login is already registered: sign in instead"
            )
        inviter = _use_invitation(s, invitation) if invitation else None
        if inviter is None and (mode == "invitation" or invitation):
            raise AccessError("邀请码无效或已过期 / the invitation code is unknown or expired")
        status = "active" if inviter else "pending"
        row = ensure_account(s, store, login, status=status)
        row.password_hash, row.password_changed_at = hash_password(password), datetime.now(UTC)
        s.add(AccountRoleRow(account_id=row.id, role="trainee"))
    trainee = store.add_trainee(
        login,
        role=role,
        station=station,
        station_code=station_code,
        display_name=display_name,
        track=track,
    )
    audit(store.workspace, login, "register", login, outcome=status, invited_by=inviter)
    return trainee, status


# -- account management ---------------------------------------------------------------------------


def _target(s: Session, store: ProgressStore, login: str) -> AccountRow:
    row = account_row(s, store, login)
    if row is None:
        raise AccessError(f"没有账号 {login} / no account {login}")
    return row


def _roles_of(s: Session, account_id: int) -> set[str]:
    return set(
        s.scalars(select(AccountRoleRow.role).where(AccountRoleRow.account_id == account_id))
    )


def _station_code(s: Session, pseudonym: str) -> str | None:
    return s.scalar(select(TraineeRow.station_code).where(TraineeRow.pseudonym == pseudonym))


def _may_manage(s: Session, store: ProgressStore, actor: Person, row: AccountRow) -> None:
    """Admins manage any account; trainers only trainees whose station is in their scope."""
    if actor.has("admin"):
        check(actor, "manage_accounts")
        return
    check(actor, "reset_trainee_password")
    if _roles_of(s, row.id) - {"trainee"}:
        raise AccessError(
            f"只有管理员可以管理 {row.login} / only an administrator manages the account "
            f"{row.login}"
        )
    unit = _station_code(s, row.pseudonym)
    if unit is None and actor.scope:
        raise AccessError(
            f"{row.login} 没有所属社工站，超出范围 / {row.login} has no station: outside your scope"
        )
    check(actor, "reset_trainee_password", unit=unit, ancestors=unit_ancestors(store))


def set_password(
    store: ProgressStore,
    actor: Person,
    login: str,
    password: str,
) -> None:
    """Reset the password of ``login``: a trainer may reset a trainee's (within scope), an admin
    anyone's; everyone their own. Ends the account's sessions. Audited.

    Raises:
        AccessError: not allowed, unknown account or a weak password.
    """
    login = normalise_login(login)
    check_password(password, login)
    with Session(store.engine) as s, s.begin():
        row = _target(s, store, login)
        if actor.login != login:
            _may_manage(s, store, actor, row)
        row.password_hash, row.password_changed_at = hash_password(password), datetime.now(UTC)
        _end_all(s, row.id)
    audit(store.workspace, actor, "reset_password", login)


def set_status(
    store: ProgressStore,
    actor: Person,
    login: str,
    status: str,
) -> None:
    """Set ``login``'s status: ``active`` (approve a pending registration, re-enable), ``disabled``
    (ends its sessions). Trainers approve trainees of their scope; admins anything. Audited.

    Raises:
        AccessError: not allowed, unknown account or status, or an admin disabling themself.
    """
    if status not in ("active", "disabled", "pending"):
        raise AccessError(f"unknown status {status!r}: active, disabled or pending")
    login = normalise_login(login)
    if status == "disabled" and login == actor.login:
        raise AccessError("不能停用自己的账号 / you cannot disable your own account")
    with Session(store.engine) as s, s.begin():
        row = _target(s, store, login)
        if actor.has("admin"):
            check(actor, "manage_accounts")
        elif status == "active" and row.status == "pending":  # a trainer approves a registration
            check(actor, "invite")
            unit = _station_code(s, row.pseudonym)
            if unit is None and actor.scope:
                raise AccessError(
                    f"{login} 没有所属社工站 / {login} has no station: outside your scope"
                )
            check(actor, "invite", unit=unit, ancestors=unit_ancestors(store))
        else:
            check(actor, "manage_accounts")
        row.status = status
        if status != "active":
            _end_all(s, row.id)
    audit(store.workspace, actor, "set_status", login, status=status)


def pending(store: ProgressStore) -> list[str]:
    """Logins waiting for approval, oldest first."""
    with Session(store.engine) as s:
        return [
            x
            for x in s.scalars(
                select(AccountRow.login)
                .where(AccountRow.status == "pending")
                .order_by(AccountRow.id)
            )
            if x
        ]


def count(store: ProgressStore) -> int:
    """How many accounts exist."""
    with Session(store.engine) as s:
        return int(s.scalar(select(func.count(AccountRow.id))) or 0)
