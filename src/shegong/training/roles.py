"""Roles and scope in the progress store: grant, revoke, list, and the
:class:`~shegong.people.Person`
of a login (issue 14).

The person acting is always the authenticated one — the session of the front server, the hub's
identity, or the command line's owner of the store (:func:`shegong.people.cli_person`) — never the
server's OS account, a URL value or a notebook parameter (DESIGN.md §7). Roles are those of
:data:`shegong.people.ROLES`; the scope is a set of org-unit codes per account (none = the whole
workspace). Granting and revoking need the ``grant`` action (admins) and are written to the audit
log; the first admin of a workspace is named by ``shegong init --admin LOGIN``.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shegong.errors import AccessError
from shegong.people import (
    ROLES,
    Ancestors,
    Person,
    audit,
    check,
    cli_person,
    covers,
    normalise_login,
)
from shegong.training.accounts import ensure_account, unit_ancestors
from shegong.training.progress import ProgressStore
from shegong.training.tables import AccountRoleRow, AccountRow, AccountScopeRow

STAFF_ROLES = ("trainer", "admin")

_CODE_LENGTH = 12


def store_owner(by: str | None = None) -> Person:
    """The command line's authority: whoever can open the store acts as admin; ``by`` names the
    person on whose behalf (recorded in the audit log with the OS user)."""
    return cli_person(by, getpass.getuser())


def _check_scope(codes: Iterable[str]) -> list[str]:
    out = sorted({str(c).strip() for c in codes})
    bad = [c for c in out if len(c) != _CODE_LENGTH or not c.isdigit()]
    if bad:
        raise AccessError(
            f"范围应为 12 位单元代码 / a scope is 12-digit org-unit codes, not {', '.join(bad)}"
        )
    return out


def grant(
    store: ProgressStore,
    login: str,
    role: str,
    *,
    scope: Iterable[str] | None = None,
    by: Person | None = None,
    ancestors: Ancestors | None = None,
) -> Person:
    """Give ``login`` the ``role`` (its account is created when missing) and return its person.

    ``scope`` (org-unit codes) replaces the account's scope when given; a ``station`` account
    needs exactly one code (its station). ``by`` is the acting person (default: the store's owner,
    :func:`store_owner`); a scoped admin may only grant within its scope. Audited.

    Raises:
        AccessError: unknown role, a malformed scope, ``by`` not an admin, or a station without one
        code.
    """
    actor = by or store_owner()
    if role not in ROLES:
        raise AccessError(f"unknown role {role!r}: grant one of {', '.join(ROLES)}")
    codes = None if scope is None else _check_scope(scope)
    check(actor, "grant")
    if actor.scope and not codes:
        raise AccessError(
            "限定范围的管理员须给出 --scope / an administrator with a scope must give --scope"
        )
    for code in codes or ():
        check(actor, "grant", unit=code, ancestors=ancestors or unit_ancestors(store))
    login = normalise_login(login)
    with Session(store.engine) as s, s.begin():
        row = ensure_account(s, store, login)
        if codes is not None:
            s.execute(delete(AccountScopeRow).where(AccountScopeRow.account_id == row.id))
            s.add_all(AccountScopeRow(account_id=row.id, org_unit=c) for c in codes)
        current = set(
            s.scalars(select(AccountScopeRow.org_unit).where(AccountScopeRow.account_id == row.id))
        )
        if role == "station" and len(current | set(codes or ())) != 1:
            raise AccessError(
                "社工站账号须对应一个社工站：--scope 该站 12 位代码 / a station account is linked "
                "to one station: give --scope with its 12-digit code"
            )
        if (
            s.scalar(
                select(AccountRoleRow.id).where(
                    AccountRoleRow.account_id == row.id, AccountRoleRow.role == role
                )
            )
            is None
        ):
            s.add(AccountRoleRow(account_id=row.id, role=role))
    audit(store.workspace, actor, "grant", login, role=role, scope=codes)
    return person(store, login)


def revoke(store: ProgressStore, login: str, role: str, *, by: Person | None = None) -> Person:
    """Take ``role`` from ``login``; returns its person. Audited.

    Raises:
        AccessError: ``by`` is not an admin, the account is unknown, or the last unscoped admin
        would
            be left without the admin role (a workspace always keeps one).
    """
    actor = by or store_owner()
    check(actor, "grant")
    login = normalise_login(login)
    with Session(store.engine) as s, s.begin():
        row = s.scalar(select(AccountRow).where(AccountRow.pseudonym == store.pseudonym(login)))
        if row is None:
            raise AccessError(f"没有账号 {login} / no account {login}")
        if role == "admin" and len(_admins(s)) == 1 and row.id in _admins(s):
            raise AccessError(
                "不能撤销最后一位管理员 / the last administrator keeps the admin role: grant it to "
                "someone else first"
            )
        s.execute(
            delete(AccountRoleRow).where(
                AccountRoleRow.account_id == row.id, AccountRoleRow.role == role
            )
        )
    audit(store.workspace, actor, "revoke", login, role=role)
    return person(store, login)


def _admins(s: Session) -> set[int]:
    return set(s.scalars(select(AccountRoleRow.account_id).where(AccountRoleRow.role == "admin")))


def person(store: ProgressStore, login: str, *, source: str = "session") -> Person:
    """The :class:`Person` of ``login``: its roles and scope (no roles for an unknown login)."""
    login = normalise_login(login)
    with Session(store.engine) as s:
        row = s.scalar(select(AccountRow).where(AccountRow.pseudonym == store.pseudonym(login)))
        if row is None or row.status != "active":
            return Person(login, frozenset(), frozenset(), source=source)
        roles = frozenset(
            s.scalars(select(AccountRoleRow.role).where(AccountRoleRow.account_id == row.id))
        )
        scope = frozenset(
            s.scalars(select(AccountScopeRow.org_unit).where(AccountScopeRow.account_id == row.id))
        )
    return Person(login, roles, scope, source=source)


@dataclass(frozen=True)
class RoleLine:
    """One account's roles, as ``shegong roles list`` prints them.

    ``login``: as normalised (the pseudonym for a grant of store revision 0004 whose login was not
    kept); ``roles``: role codes, sorted; ``scope``: the org-unit
    codes the account is limited to, sorted, empty = every unit; ``status`` active / pending /
    disabled.
    """

    login: str
    roles: tuple[str, ...]
    scope: tuple[str, ...] = ()
    status: str = "active"

    def line(self) -> str:
        """``login<TAB>role,role<TAB>scope`` (scope codes comma-separated, empty for all)."""
        return f"{self.login}\t{','.join(self.roles)}\t{','.join(self.scope)}"


def list_roles(store: ProgressStore) -> list[RoleLine]:
    """Every account holding a role, sorted by login (Python's code-point order, on any
    database)."""
    out = []
    with Session(store.engine) as s:
        for row in s.scalars(select(AccountRow)):
            roles = set(
                s.scalars(select(AccountRoleRow.role).where(AccountRoleRow.account_id == row.id))
            )
            if not roles:
                continue
            scope = sorted(
                s.scalars(
                    select(AccountScopeRow.org_unit).where(AccountScopeRow.account_id == row.id)
                )
            )
            out.append(
                RoleLine(
                    row.login or row.pseudonym,
                    tuple(sorted(roles)),
                    tuple(scope),
                    row.status,
                )
            )
    return sorted(out, key=lambda r: r.login)


def list_lines(store: ProgressStore) -> list[str]:
    """``shegong roles list``: :meth:`RoleLine.line` of every account holding a role, sorted by
    login."""
    return [r.line() for r in list_roles(store)]


def listing(store: ProgressStore) -> list[tuple[str, list[str], list[str], str]]:
    """:func:`list_roles` as tuples for the admin page: (login, roles, scope codes, status)."""
    return [(r.login, list(r.roles), list(r.scope), r.status) for r in list_roles(store)]


def roles_of(store: ProgressStore, login: str) -> tuple[str, ...]:
    """The roles of ``login``'s active account, sorted (empty for an unknown login)."""
    return tuple(sorted(person(store, login).roles))


def role_of(store: ProgressStore, login: str) -> str | None:
    """The strongest role of ``login``: ``admin``, ``trainer``, ``trainee`` (the trainee role or a
    trainee profile) or None."""
    held = roles_of(store, login)
    for role in ("admin", "trainer", "trainee"):
        if role in held:
            return role
    return "trainee" if store.trainee(login) is not None else None


def in_scope(store: ProgressStore, actor: Person, station_code: str | None) -> bool:
    """Whether ``actor``'s scope reaches a trainee of ``station_code`` (an unscoped actor reaches
    everyone; a scoped one never reaches a trainee without a station code)."""
    if not actor.scope:
        return True
    return station_code is not None and covers(actor.scope, station_code, unit_ancestors(store))


def check_trainee(
    store: ProgressStore, actor: Person, action: str, station_code: str | None
) -> Person:
    """:func:`shegong.people.check` of ``action`` on a trainee of ``station_code``: the role, then
    the scope through the workspace's org-unit closure. Returns the actor.

    Raises:
        AccessError: the actor lacks the role, or the trainee's station is outside the scope.
    """
    check(actor, action)
    if not in_scope(store, actor, station_code):
        raise AccessError(
            f"该学员所在社工站 {station_code or '（未填）'} 不在账号 {actor.login} 的范围内 / the "
            f"trainee's station {station_code or '(none)'} is outside the scope of {actor.login}"
        )
    return actor
