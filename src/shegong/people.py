"""Who is acting, what they may do, and the audit log (DESIGN.md §7, issue 14).

A :class:`Person` is the signed-in account: its ``login`` (normalised by :func:`normalise_login`),
its ``roles`` and its ``scope`` (org-unit codes; empty means the whole workspace). Roles:

==============  ====================================================================================
``trainee``     works through modules, submits assessments, records mentoring entries (own data
                only)
``trainer``     scores, releases, certifies, signs off mentoring entries, reads trainees' answers,
                resets trainees' passwords, invites and approves trainees — within the scope
``evaluator``   reads reports and unit data within the scope (the evaluator's desk, on-site checks)
``station``     an account linked to one station (its scope holds that one code): its self-check
                and its own reports
``admin``       everything above within the scope, plus granting roles and managing accounts
==============  ====================================================================================

:func:`check` is the one role-and-scope check every action calls on the server side (trainer
functions, the front server's handlers, the CLI): it raises :class:`~shegong.errors.AccessError`
when the person may not act, so a refused action changes nothing. A scope code covers its whole
subtree (a county covers its towns and stations), resolved through the org-unit closure
(:meth:`shegong.orgunits.OrgUnits.ancestry`). :func:`audit` appends one JSON line per action to
``<workspace>/audit.jsonl`` (created owner-only, 0600): who, what, on what, when, and the outcome.

This module is the core layer: it imports nothing from ledger, training, trainer or serving.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shegong.errors import AccessError

ROLES = ("trainee", "trainer", "evaluator", "station", "admin")
ROLE_NAMES = {
    "trainee": {"zh": "学员", "en": "trainee"},
    "trainer": {"zh": "培训师/督导", "en": "trainer"},
    "evaluator": {"zh": "评估人员", "en": "evaluator"},
    "station": {"zh": "社工站账号", "en": "station account"},
    "admin": {"zh": "管理员", "en": "administrator"},
}

#: action → roles that may take it (scope is checked besides, where the action names a unit)
ACTIONS: dict[str, tuple[str, ...]] = {
    "score": ("trainer", "admin"),  # score an answer (grading queue, `shegong grade`)
    "release": ("trainer", "admin"),  # release an assessment's scores to its trainees
    "certify": ("trainer", "admin"),  # issue a stage certificate
    "sign_off": ("trainer", "admin"),  # sign off or return a mentoring entry
    "read_answers": ("trainer", "admin"),  # read another person's answers or progress
    "manage_sessions": ("trainer", "admin"),  # training sessions and attendance
    "invite": ("trainer", "admin"),  # issue an invitation code, approve a registration
    "reset_trainee_password": ("trainer", "admin"),
    "read_unit": ("evaluator", "station", "trainer", "admin"),  # a unit's reports and data
    "grant": ("admin",),  # grant or revoke a role, change a scope
    "manage_accounts": ("admin",),  # disable an account, reset anyone's password
}

_LOGIN = re.compile(r"^[\w.@-]{2,64}$")


def normalise_login(login: str) -> str:
    """The canonical form of a login name: NFKC, case-folded, stripped (``Ｂｏｂ`` and ``bob`` are
    one).

    Raises:
        AccessError: empty, longer than 64 characters, or holding characters other than letters,
            digits, ``.``, ``_``, ``@`` and ``-``.
    """
    value = unicodedata.normalize("NFKC", str(login)).casefold().strip()
    if not _LOGIN.match(value):
        raise AccessError(
            "账号须为 2–64 个字母、数字或 . _ @ - / a login is 2–64 letters, digits or . _ @ -"
        )
    return value


@dataclass(frozen=True)
class Person:
    """The acting account: ``login`` (normalised), ``roles`` (subset of :data:`ROLES`) and
    ``scope`` (org-unit codes; empty = the whole workspace). ``source`` says how it was
    authenticated: ``session`` (the workbench's sign-in), ``hub`` (JupyterHub OAuth) or ``cli``
    (the owner of the store: CLI authority, with ``os_user`` the process's OS account)."""

    login: str
    roles: frozenset[str] = field(default_factory=frozenset)
    scope: frozenset[str] = field(default_factory=frozenset)
    source: str = "session"
    os_user: str | None = None

    def has(self, *roles: str) -> bool:
        """Whether the person holds any of ``roles``."""
        return bool(self.roles & set(roles))

    @property
    def is_staff(self) -> bool:
        """Trainer or admin."""
        return self.has("trainer", "admin")

    def label(self, lang: str = "zh") -> str:
        """``login（role, role）`` for page headers."""
        names = "、".join(ROLE_NAMES[r][lang] for r in ROLES if r in self.roles)
        return f"{self.login}（{names}）" if names else self.login


def cli_person(login: str | None, os_user: str) -> Person:
    """The authority of the command line: the owner of the store (its file or its database
    credentials) acts as an unscoped admin; ``login`` is the ``--by`` name recorded in the audit."""
    return Person(
        normalise_login(login) if login else os_user,
        frozenset({"admin"}),
        frozenset(),
        source="cli",
        os_user=os_user,
    )


Ancestors = Callable[[str], Iterable[str]]


def covers(scope: Iterable[str], unit: str, ancestors: Ancestors) -> bool:
    """Whether a scope reaches ``unit``: empty scope reaches everything; otherwise ``unit`` or one
    of its ancestors (``ancestors(unit)``, ancestor-or-self codes) is in the scope."""
    codes = set(scope)
    if not codes:
        return True
    return bool(codes & set(ancestors(unit)))


def check(
    person: Person | None,
    action: str,
    *,
    unit: str | None = None,
    ancestors: Ancestors | None = None,
    own: bool = False,
) -> Person:
    """Refuse unless ``person`` may take ``action`` (a key of :data:`ACTIONS`) on ``unit``.

    ``unit`` is the org-unit code the action touches (a station, a county, the trainee's
    station); it is checked against the person's scope through ``ancestors`` (the org-unit
    closure; without it only an exact code match counts). ``own`` marks an action on the
    person's own data (a trainee reading their answers), which needs no role. Returns the
    person, so a caller can write ``actor = check(person, "score")``.

    Raises:
        AccessError: nobody is signed in, the person lacks every role the action needs, or the
            unit lies outside the person's scope. The message names the action and the fix.
    """
    if action not in ACTIONS:
        raise AccessError(f"unknown action {action!r}: one of {', '.join(ACTIONS)}")
    if person is None:
        raise AccessError("请先登录 / sign in first")
    if own:
        return person
    allowed = ACTIONS[action]
    if not person.has(*allowed):
        need = " / ".join(f"{ROLE_NAMES[r]['zh']} {r}" for r in allowed)
        raise AccessError(
            f"账号 {person.login} 无权执行此操作（需要：{need}） / "
            f"{person.login} may not {action}: "
            f"an administrator grants the role with `shegong roles grant {person.login} --role "
            f"{allowed[0]}`"
        )
    if unit is not None:
        lookup = ancestors or (lambda code: (code,))
        if not covers(person.scope, unit, lookup):
            raise AccessError(
                f"单元 {unit} 不在账号 {person.login} 的范围内 / org unit {unit} is outside the "
                f"scope of {person.login} ({', '.join(sorted(person.scope))})"
            )
    return person


def may(person: Person | None, action: str, **kw: Any) -> bool:
    """:func:`check` as a yes/no answer (for showing or hiding a button; the action checks "
    "again)."""
    try:
        check(person, action, **kw)
    except AccessError:
        return False
    return True


def audit(
    workspace: str | os.PathLike[str] | None,
    actor: Person | str | None,
    action: str,
    target: str = "",
    *,
    outcome: str = "ok",
    **details: Any,
) -> dict[str, Any]:
    """Append one entry to ``<workspace>/audit.jsonl`` and return it.

    Fields: ``at`` (UTC, ISO 8601), ``actor`` (login, or ``None`` for an anonymous request),
    ``source`` and ``os_user`` (CLI entries record the OS account and ``--by``), ``action``,
    ``target`` (what was acted on: a login, a submission, an entry id, a unit code), ``outcome``
    (``ok``, ``refused``, ``failed`` …) and ``details``. The file is created 0600; each entry is
    one ``write`` to a file opened with ``O_APPEND`` (so concurrent writers never interleave
    lines). ``workspace`` ``None`` writes nothing (a store without a workspace, e.g. in memory).
    """
    person = actor if isinstance(actor, Person) else None
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "actor": person.login if person else actor,
        "source": person.source if person else None,
        "os_user": person.os_user if person else None,
        "action": action,
        "target": target,
        "outcome": outcome,
        "details": details,
    }
    if workspace is None:
        return entry
    path = Path(workspace) / "audit.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return entry


def read_audit(workspace: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every entry of ``<workspace>/audit.jsonl``, oldest first (empty when there is none)."""
    path = Path(workspace) / "audit.jsonl"
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
