"""Who is using the workbench: the login, and the trainer / administrator roles in the progress store.

The login is the JupyterHub user (``JUPYTERHUB_USER``, set by the hub's spawner) where there is one,
otherwise the operating-system login of the process (the trainer's own account on a single machine) —
never a notebook parameter (DESIGN.md §7). Trainees sign in through the player or assessment app.

Roles: ``trainee`` (anyone registered in ``trainees``), ``trainer`` (grades, signs off mentoring
entries, runs the cohort app) and ``admin`` (a trainer who may also grant roles and release scores).
Accounts store only the keyed pseudonym of the login (:meth:`shegong.training.progress.ProgressStore.pseudonym`).
"""

from __future__ import annotations

import getpass
import os
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shegong.errors import AccessError
from shegong.training.progress import ProgressStore, TraineeRow
from shegong.training.tables import AccountRow

STAFF_ROLES = ("trainer", "admin")
ROLE_NAMES = {
    "trainee": {"zh": "学员", "en": "trainee"},
    "trainer": {"zh": "培训师/督导", "en": "trainer"},
    "admin": {"zh": "管理员", "en": "administrator"},
}


def current_login() -> str:
    """``JUPYTERHUB_USER`` if set, else the process's OS login."""
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


def grant(store: ProgressStore, login: str, role: str) -> str:
    """Give ``login`` the ``trainer`` or ``admin`` role (replacing an earlier one); returns its pseudonym.

    Raises:
        AccessError: ``role`` is not trainer or admin.
    """
    if role not in STAFF_ROLES:
        raise AccessError(f"unknown role {role!r}: grant one of {', '.join(STAFF_ROLES)}")
    pseudonym = store.pseudonym(login)
    with Session(store.engine) as s, s.begin():
        row = s.scalar(select(AccountRow).where(AccountRow.pseudonym == pseudonym))
        if row is None:
            s.add(AccountRow(pseudonym=pseudonym, role=role, created_at=datetime.now(UTC)))
        else:
            row.role = role
    return pseudonym


def role_of(store: ProgressStore, login: str) -> str | None:
    """``admin``, ``trainer``, ``trainee`` or ``None`` (unknown login)."""
    pseudonym = store.pseudonym(login)
    with Session(store.engine) as s:
        row = s.scalar(select(AccountRow).where(AccountRow.pseudonym == pseudonym))
        if row is not None:
            return row.role
        known = s.scalar(select(TraineeRow.id).where(TraineeRow.pseudonym == pseudonym))
    return "trainee" if known is not None else None


def require_staff(store: ProgressStore, login: str | None = None, *, admin: bool = False) -> str:
    """The pseudonym of ``login`` (default :func:`current_login`) if it holds a trainer (or admin) role.

    Raises:
        AccessError: the login has no such role; the message says how to grant it.
    """
    login = login or current_login()
    role = role_of(store, login)
    allowed = ("admin",) if admin else STAFF_ROLES
    if role not in allowed:
        need, zh, en = (
            ("admin", "管理员", "an admin") if admin else ("trainer", "培训师", "a trainer")
        )
        raise AccessError(
            f"此账号不是{zh} this account is not {en} in the progress store: an administrator "
            f"runs `shegong roles grant LOGIN --role {need}`, LOGIN being this account's sign-in name "
            "(the JupyterHub user, or the system user where there is no hub)"
        )
    return store.pseudonym(login)
