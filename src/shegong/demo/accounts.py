"""The demo's people (issue 14): an admin, two trainers, an evaluator for the league, an evaluator
scoped to one county, a station account, the trainers and admin of the trainer apps' demo content
(:data:`STAFF`) and twelve trainees at several stations.

:func:`create_demo_accounts` makes them (idempotent: a second run finds them) and returns them,
so that the demo's trainer-side content (attempts, open answers, double scoring, mentoring
entries) can act as these people. Every demo account has the password of
``SHEGONG_DEMO_PASSWORD`` (default :data:`DEFAULT_PASSWORD`, printed by ``shegong demo`` and shown
in the README) — a demo convenience, never for real data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from shegong.config import SETTINGS, Workspace, setting
from shegong.demo.ledgers import person_name
from shegong.errors import ProgressError
from shegong.orgunits import OrgUnits
from shegong.people import Person
from shegong.training.accounts import create_account
from shegong.training.progress import ROLES, ProgressStore
from shegong.training.roles import grant, person, store_owner

DEFAULT_PASSWORD = SETTINGS["SHEGONG_DEMO_PASSWORD"].default or ""
PASSWORD_ENV = "SHEGONG_DEMO_PASSWORD"
ADMIN = "admin"
TRAINEES = 12
#: the staff of the trainer apps' demo content (:mod:`shegong.demo.trainers`): logins and roles
STAFF = (("demo-trainer", "trainer"), ("demo-trainer2", "trainer"), ("demo-admin", "admin"))


def demo_password() -> str:
    """The password of every demo account: the ``SHEGONG_DEMO_PASSWORD`` setting (default
    :data:`DEFAULT_PASSWORD`)."""
    return setting(PASSWORD_ENV) or DEFAULT_PASSWORD


@dataclass(frozen=True)
class DemoAccount:
    """One demo account: ``login``, ``password``, the ``person`` (roles, scope), the display name
    and station code (trainees)."""

    login: str
    password: str
    person: Person
    display_name: str = ""
    station_code: str = ""

    def line(self) -> str:
        """``login  password  roles  scope  name`` for the demo's printout."""
        roles = ",".join(sorted(self.person.roles))
        scope = ",".join(sorted(self.person.scope)) or "*"
        return f"{self.login:<14} {self.password}  {roles:<10} {scope:<13} {self.display_name}"


def _stations(ws: Workspace) -> tuple[str, str, list[tuple[str, str]]]:
    frame = OrgUnits.read_csv(ws.org_units_file).frame
    league = frame[frame["level"] == 2].sort_values("code")["code"].iloc[0]
    county = frame[frame["level"] == 3].sort_values("code")["code"].iloc[0]
    stations = frame[frame["level"] == 4].sort_values("code")
    return league, county, list(zip(stations["code"], stations["name"], strict=True))


def create_demo_accounts(
    ws: Workspace,
    store: ProgressStore,
    *,
    password: str | None = None,
    seed: int = 14,
    trainees: bool = True,
) -> list[DemoAccount]:
    """Create the demo's accounts in ``store`` for the org units of ``ws`` and return them, staff
    first (with :data:`STAFF` of the trainer apps' demo content), then the trainees (``trainee01`` …
    ``trainee12``, at six stations of two counties:
    display name, station name and 12-digit code, occupational role). The password is
    ``password``, else :func:`demo_password`. ``trainees`` False: the staff only (the trainer apps'
    demo content brings its own trainees).

    Raises:
        AccessError: the password is too weak for the sign-in rules.
    """
    password = password or demo_password()
    league, county, stations = _stations(ws)
    owner = store_owner(ADMIN)
    staff = [
        (ADMIN, "admin", None),
        ("trainer-li", "trainer", None),
        ("trainer-wang", "trainer", None),
        ("eval-league", "evaluator", [league]),
        ("eval-county", "evaluator", [county]),
        ("station-1", "station", [stations[0][0]]),
        *((login, role, None) for login, role in STAFF),
    ]
    out = []
    for login, role, scope in staff:
        create_account(store, login, password)
        out.append(DemoAccount(login, password, grant(store, login, role, scope=scope, by=owner)))
    if not trainees:
        return out
    rng = random.Random(seed)
    picked = stations[:: max(1, len(stations) // 6)][:6]
    occupations = list(ROLES)
    for i in range(TRAINEES):
        login = f"trainee{i + 1:02d}"
        code, name = picked[i % len(picked)]
        display = person_name(rng)
        create_account(store, login, password)
        grant(store, login, "trainee", by=owner)
        known = store.trainee(login)
        if known is None:
            try:
                known = store.add_trainee(
                    login,
                    role=occupations[i % len(occupations)],
                    station=name,
                    station_code=code,
                    display_name=display,
                )
            except ProgressError:  # created meanwhile by another run
                known = store.trainee(login)
        out.append(
            DemoAccount(
                login,
                password,
                person(store, login),
                (known.display_name if known else None) or display,
                code,
            )
        )
    return out
