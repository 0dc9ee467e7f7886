"""Who is using the workbench: the login, and the trainer / admin roles in the progress store.

The login is the JupyterHub user (``JUPYTERHUB_USER``, set by the hub's spawner) where there is one,
otherwise the operating-system login of the process (the trainer's own account on one machine) —
never a notebook parameter (DESIGN.md §7). Trainees sign in through the player or assessment app.

Roles: ``trainee`` (anyone registered in ``trainees``), ``trainer`` (grades, signs off mentoring
entries, runs the cohort app) and ``admin`` (a trainer who may also grant roles and release scores).
A login may hold several. Grants live in the store's ``role_grants`` table under the keyed
pseudonym of the login (:meth:`shegong.training.progress.ProgressStore.pseudonym`) and, for
``shegong roles list``, the login itself (a staff account name; trainees' logins are never kept).
The CLI's authority to grant is owning the store: its file, or the database credentials in
``SHEGONG_DATABASE_URL``.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shegong.errors import AccessError
from shegong.training.progress import ProgressStore, TraineeRow, upsert
from shegong.training.tables import RoleGrantRow

STAFF_ROLES = ("trainer", "admin")
ROLE_NAMES = {
    "trainee": {"zh": "学员", "en": "trainee"},
    "trainer": {"zh": "培训师/督导", "en": "trainer"},
    "admin": {"zh": "管理员", "en": "administrator"},
}


def current_login() -> str:
    """``JUPYTERHUB_USER`` if set, else the process's OS login."""
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


def grant(store: ProgressStore, login: str, role: str, *, by: str | None = None) -> str:
    """Give ``login`` the ``trainer`` or ``admin`` role (roles add up); returns its pseudonym.

    Granting a role the login holds already only refreshes the login kept beside it.
    ``by``: who grants (default :func:`current_login`, the OS user of the CLI).

    Raises:
        AccessError: ``role`` is not trainer or admin, or ``login`` is empty.
    """
    if role not in STAFF_ROLES:
        raise AccessError(f"unknown role {role!r}: grant one of {', '.join(STAFF_ROLES)}")
    login = _login(login)
    pseudonym = store.pseudonym(login)
    values = {
        "pseudonym": pseudonym,
        "login": login,
        "role": role,
        "granted_by": by or current_login(),
        "granted_at": datetime.now(UTC),
    }
    with Session(store.engine) as s, s.begin():
        upsert(s, RoleGrantRow, values, keys=("pseudonym", "role"), update=("login",))
    return pseudonym


def revoke(store: ProgressStore, login: str, role: str) -> bool:
    """Take ``role`` from ``login``: ``True`` if it was held, ``False`` if there was none to take.

    Raises:
        AccessError: ``role`` is not trainer or admin, or ``login`` is empty.
    """
    if role not in STAFF_ROLES:
        raise AccessError(f"unknown role {role!r}: revoke one of {', '.join(STAFF_ROLES)}")
    pseudonym = store.pseudonym(_login(login))
    with Session(store.engine) as s, s.begin():
        gone = s.execute(
            delete(RoleGrantRow).where(
                RoleGrantRow.pseudonym == pseudonym, RoleGrantRow.role == role
            )
        )
        return bool(gone.rowcount)


@dataclass(frozen=True)
class RoleLine:
    """One login's granted roles, as ``shegong roles list`` prints them.

    ``login``: as granted (the pseudonym for grants older than store revision 0004, whose login
    was not kept); ``roles``: sorted role codes; ``scope``: org-unit codes the roles are limited
    to, empty = every unit (scopes are not recorded yet: always empty).
    """

    login: str
    roles: tuple[str, ...]
    scope: tuple[str, ...] = ()

    def line(self) -> str:
        """``login<TAB>role,role<TAB>scope`` (scope codes comma-separated, empty for all)."""
        return f"{self.login}\t{','.join(self.roles)}\t{','.join(self.scope)}"


def list_roles(store: ProgressStore) -> list[RoleLine]:
    """Every login holding a role, sorted by login (Python's code-point order, on any database)."""
    by_login: dict[str, set[str]] = {}
    with Session(store.engine) as s:
        for row in s.scalars(select(RoleGrantRow)):
            by_login.setdefault(row.login or row.pseudonym, set()).add(row.role)
    return [RoleLine(login, tuple(sorted(roles))) for login, roles in sorted(by_login.items())]


def roles_of(store: ProgressStore, login: str) -> tuple[str, ...]:
    """The roles granted to ``login``, sorted (empty when none; trainees hold no granted role)."""
    pseudonym = store.pseudonym(login)
    with Session(store.engine) as s:
        return tuple(
            sorted(s.scalars(select(RoleGrantRow.role).where(RoleGrantRow.pseudonym == pseudonym)))
        )


def role_of(store: ProgressStore, login: str) -> str | None:
    """The strongest role: ``admin``, ``trainer``, ``trainee`` (registered, no grant) or None."""
    granted = roles_of(store, login)
    for role in ("admin", "trainer"):
        if role in granted:
            return role
    pseudonym = store.pseudonym(login)
    with Session(store.engine) as s:
        known = s.scalar(select(TraineeRow.id).where(TraineeRow.pseudonym == pseudonym))
    return "trainee" if known is not None else None


def _login(login: str) -> str:
    login = login.strip()
    if not login:
        raise AccessError("请填写账号 / a login name is required")
    return login


def require_staff(store: ProgressStore, login: str | None = None, *, admin: bool = False) -> str:
    """The pseudonym of ``login`` (default :func:`current_login`) if it holds a trainer (or admin)
    role.

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
            f"runs `shegong roles grant LOGIN --role {need}`, LOGIN being this "
            "account's sign-in name "
            "(the JupyterHub user, or the system user where there is no hub)"
        )
    return store.pseudonym(login)
