"""Signing in: the lockout and the browser sessions of the front server (issue 14, DESIGN.md §7).

* after :data:`MAX_FAILURES` failed sign-ins within :data:`WINDOW`, the account — and, separately,
  the client address — is locked for :data:`WINDOW` (every try is a row of ``signin_attempts``,
  every refusal an entry of the audit log);
* a session is a random token in the browser's cookie and its SHA-256 in ``web_sessions``; it
  ends at sign-out, after :data:`IDLE` without a request, :data:`MAX_AGE` after sign-in, when the
  password changes or the account is disabled.

Accounts, passwords and registration are :mod:`shegong.training.accounts`'.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shegong.errors import AccessError
from shegong.people import audit, normalise_login
from shegong.training.accounts import (
    SignInError,
    account_row,
    as_utc,
    ensure_account,
    password_matches,
    token_hash,
)
from shegong.training.progress import ProgressStore
from shegong.training.tables import AccountRow, SignInAttemptRow, WebSessionRow

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
IDLE = timedelta(minutes=30)
MAX_AGE = timedelta(hours=12)
_SEEN_EVERY = timedelta(seconds=60)  # how often a session's last_seen is written


# -- lockout ------------------------------------------------------------------------------------


def locked_for(store: ProgressStore, login: str, address: str, now: datetime | None = None) -> int:
    """Seconds until ``login`` and ``address`` may try again (0 = now): each is locked for
    :data:`WINDOW` after :data:`MAX_FAILURES` failures within :data:`WINDOW`."""
    now = now or datetime.now(UTC)
    wait = 0
    with Session(store.engine) as s:
        for column, value in ((SignInAttemptRow.login, login), (SignInAttemptRow.address, address)):
            fails = list(
                s.scalars(
                    select(SignInAttemptRow.at)
                    .where(
                        column == value, ~SignInAttemptRow.ok, SignInAttemptRow.at > now - WINDOW
                    )
                    .order_by(SignInAttemptRow.at.desc())
                    .limit(MAX_FAILURES)
                )
            )
            if len(fails) >= MAX_FAILURES:
                newest = fails[0] if fails[0].tzinfo else fails[0].replace(tzinfo=UTC)
                wait = max(wait, int((newest + WINDOW - now).total_seconds()) + 1)
    return wait


def sign_in(store: ProgressStore, login: str, password: str, *, address: str) -> str:
    """Check ``login`` and ``password`` from client ``address``; returns the normalised login.

    Every try is recorded (``signin_attempts``) and refusals go to the audit log.

    Raises:
        SignInError: locked (account or address), wrong login or password, account pending or
            disabled.
    """
    try:
        login = normalise_login(login)
    except AccessError:
        login = str(login)[:64]
    wait = locked_for(store, login, address)
    if wait:
        audit(store.workspace, None, "sign_in", login, outcome="locked", address=address)
        raise SignInError(
            f"尝试次数过多，请 {wait // 60 + 1} 分钟后再试 / "
            "too many failed sign-ins: try again in "
            f"{wait // 60 + 1} min",
            retry_after=wait,
        )
    with Session(store.engine) as s, s.begin():
        row = account_row(s, store, login)
        ok = row is not None and password_matches(password, row.password_hash)
        s.add(SignInAttemptRow(at=datetime.now(UTC), login=login, address=address, ok=ok))
        status = row.status if row is not None else None
    if not ok:
        audit(store.workspace, None, "sign_in", login, outcome="refused", address=address)
        raise SignInError("账号或密码不正确 / login or password is wrong")
    if status != "active":
        raise SignInError(
            "账号待培训师审核 / this account waits for a trainer's approval"
            if status == "pending"
            else "账号已停用，请联系管理员 / this account is disabled: ask an administrator"
        )
    return login


# -- sessions -----------------------------------------------------------------------------------


def start_session(store: ProgressStore, login: str, *, address: str) -> str:
    """A new session for ``login``; returns the token the cookie carries (its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with Session(store.engine) as s, s.begin():
        row = ensure_account(s, store, login)
        s.add(
            WebSessionRow(
                id=token_hash(token),
                account_id=row.id,
                created_at=now,
                last_seen=now,
                address=address[:64],
            )
        )
    return token


def session_login(store: ProgressStore, token: str, now: datetime | None = None) -> str | None:
    """The login of a live session, refreshing its last-seen time; ``None`` (and the session
    ended) when it was ended, idle for :data:`IDLE`, older than :data:`MAX_AGE`, older than the
    account's last password change, or the account is no longer active."""
    now = now or datetime.now(UTC)
    with Session(store.engine) as s:
        found = s.execute(
            select(WebSessionRow, AccountRow)
            .join(AccountRow, AccountRow.id == WebSessionRow.account_id)
            .where(WebSessionRow.id == token_hash(token))
        ).first()
        if found is None:
            return None
        sess, account = found
        if sess.ended_at is not None:
            return None
        created, seen = as_utc(sess.created_at), as_utc(sess.last_seen)
        changed = account.password_changed_at
        expired = (
            now - seen > IDLE
            or now - created > MAX_AGE
            or account.status != "active"
            or (changed is not None and as_utc(changed) > created)
        )
        login = account.login
    if expired or now - seen > _SEEN_EVERY:
        with Session(store.engine) as s, s.begin():
            values = {"ended_at": now} if expired else {"last_seen": now}
            s.execute(
                update(WebSessionRow).where(WebSessionRow.id == token_hash(token)).values(**values)
            )
    return None if expired else login


def end_session(store: ProgressStore, token: str) -> None:
    """Sign-out: end the session of ``token`` (nothing happens for an unknown token)."""
    with Session(store.engine) as s, s.begin():
        s.execute(
            update(WebSessionRow)
            .where(WebSessionRow.id == token_hash(token), WebSessionRow.ended_at.is_(None))
            .values(ended_at=datetime.now(UTC))
        )
