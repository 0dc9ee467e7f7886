"""The trainer side of the demo (issue 14): trainees at several stations with work for the trainer
apps.

:func:`fill_trainer_apps` takes about twelve people of the demo's staff roster
(``inputs/roster.csv``, written by :mod:`shegong.demo.generate`: synthetic names) at four stations
and registers them as trainees with their name and station, each on the track of their role
(staff → 社工站兼职工作人员/社区工作者, volunteers → 志愿者;
:data:`~shegong.training.progress.TRACK_OF_ROLE`); two trainers and an admin get their roles. A
trainer has confirmed the tracks of the first two stations' trainees; the others wait for
confirmation in the cohort app. Then, seeded:

- practice attempts across the modules (answers chosen among the options and graded as the player
  grades them), pages read (time on task), modules completed — the cohort heat map;
- summative submissions with open answers: those of the first assessment scored by both trainers
  (Cohen's kappa shown) and released; those of the others partly double-scored, partly waiting in
  the grading queue;
- mentoring-log entries: the strongest trainees' 帮 entries signed off, others waiting for sign-off,
  one returned;
- training sessions and attendance from the demo's training records of 2022 (the accepted
  ``training`` input), a few L1 reactions;
- a trainee eligible for a 传 certificate, another holding one (HTML; no PDF in the demo); their
  tracks are confirmed (a certificate is refused for an unconfirmed track).

The stages follow each trainee's track in ``curricula/progression.yaml`` whatever modules,
assessments and entry kinds it names.
A second run into the same workspace adds nothing (the trainees exist).

Accounts: the trainees and :data:`STAFF` get sign-in accounts with roles
(:func:`shegong.training.accounts.create_account`, :func:`shegong.training.roles.grant`), as the
other demo people: :data:`STAFF` are made by :func:`shegong.demo.accounts.create_demo_accounts`,
which :func:`fill_trainer_apps` calls first; every demo password is the ``SHEGONG_DEMO_PASSWORD``
setting
(default :data:`shegong.demo.accounts.DEFAULT_PASSWORD`, as the README says).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from shegong.config import Workspace
from shegong.demo.accounts import STAFF, create_demo_accounts, demo_password
from shegong.errors import GradingError
from shegong.indicators.results import read_input
from shegong.orgunits import OrgUnits
from shegong.people import Person
from shegong.trainer import certificates, cohort, marking, mentoring
from shegong.trainer.progression import status, update_stage
from shegong.trainer.rules import Track, load_rules
from shegong.trainer.tracks import confirm_track, unconfirmed
from shegong.training.accounts import create_account
from shegong.training.answer_keys import keyed_exercise, load_keys
from shegong.training.assessment import load_assessments, submit
from shegong.training.curriculum import load_curricula
from shegong.training.grading import grade
from shegong.training.model import Exercise, Page, text
from shegong.training.progress import ProgressStore, Trainee, TraineeRow
from shegong.training.roles import grant, store_owner
from shegong.training.roles import person as person_of
from shegong.training.study import record_page_time

#: modules each trainee has worked through, strongest first (cut to the modules there are)
PROGRESS = (99, 3, 6, 5, 4, 4, 3, 3, 2, 2, 1, 0)
#: trainees (in enrolment order) whose track a trainer confirmed at enrolment: the first two
#: stations
CONFIRMED_AT_ENROLMENT = 6
ROLE_OF = {"专职": "social_org_staff", "兼职": "part_time_staff", "志愿者": "volunteer"}
FORMAT_OF = {
    "讲授": "lecture",
    "个别督导": "individual_supervision",
    "团体督导": "group_supervision",
    "跟岗": "shadowing",
    "实地参访": "site_visit",
}
WEAK_ANSWER = "我会先和服务对象聊一聊，了解情况后再跟站长商量怎么办。"
ENTRY_TEXT = {
    "帮": "与督导一起入户，了解老人独居情况，共同填写需求评估表，约定下次回访时间。",
    "带": "由我主导开展个案面谈，督导在场观察，会后一起复盘沟通技巧。",
    "教": "为 6 名志愿者讲解入户走访的注意事项，督导在场观察并点评。",
}


@dataclass
class TrainerDemo:
    """What :func:`fill_trainer_apps` made: trainee ``logins`` (with their names), trainer logins,
    counts (``unconfirmed``: trainees whose track waits for a trainer), the ``released``
    assessments, the trainees ``eligible`` for a certificate and the ``certificates`` issued
    (serials). ``created`` is False when the trainees existed already."""

    created: bool
    logins: dict[str, str] = field(default_factory=dict)
    staff: dict[str, str] = field(default_factory=dict)
    stations: list[str] = field(default_factory=list)
    attempts: int = 0
    submissions: int = 0
    double_scored: int = 0
    waiting: int = 0
    entries_waiting: int = 0
    unconfirmed: int = 0
    sessions: int = 0
    released: list[str] = field(default_factory=list)
    eligible: list[str] = field(default_factory=list)
    certificates: list[str] = field(default_factory=list)


def pick_trainees(ws: Workspace, *, stations: int = 4, per_station: int = 3) -> pd.DataFrame:
    """Roster people to enrol: at ``stations`` stations spread over the league (every k-th station
    by code having two staff and a volunteer), two staff and a volunteer each.

    Columns: ``login`` (``demo-trainee-01`` …), ``display_name``, ``role`` (trainee role code),
    ``station`` (name), ``station_code``, ``staff_id``.
    """
    roster = pd.read_csv(ws.inputs / "roster.csv", dtype=str).fillna("")
    units = OrgUnits.read_csv(ws.org_units_file)
    roster = roster[roster["end_date"] == ""] if "end_date" in roster else roster
    usable = [
        code
        for code, g in roster.groupby("station_code", sort=True)
        if (g["role"] != "志愿者").sum() >= per_station - 1 and (g["role"] == "志愿者").any()
    ]
    step = max(1, len(usable) // stations)
    rows = []
    for code in usable[::step][:stations]:
        here = roster[roster["station_code"] == code]
        staff = here[here["role"] != "志愿者"].head(per_station - 1)
        for r in [*staff.itertuples(), *here[here["role"] == "志愿者"].head(1).itertuples()]:
            rows.append(
                {
                    "login": f"demo-trainee-{len(rows) + 1:02d}",
                    "display_name": r.name,
                    "role": ROLE_OF["志愿者" if r.role == "志愿者" else r.employment],
                    "station": units.name(code) if code in units else code,
                    "station_code": code,
                    "staff_id": r.staff_id,
                }
            )
    return pd.DataFrame(rows)


def ensure_trainee(
    store: ProgressStore, person: dict[str, Any], password: str
) -> tuple[Trainee, bool]:
    """The trainee of ``person`` (a row of :func:`pick_trainees`), registered now if new; the
    second value says whether it was created."""
    with Session(store.engine) as s:
        row = s.scalar(
            select(TraineeRow).where(TraineeRow.pseudonym == store.pseudonym(person["login"]))
        )
        if row is not None:
            return Trainee._of(row), False
    create_account(store, person["login"], password)
    grant(store, person["login"], "trainee", by=store_owner())
    made = store.add_trainee(
        person["login"],
        role=person["role"],
        station=person["station"],
        display_name=person["display_name"],
        station_code=person["station_code"],
    )
    return made, True


def _answer(ex: Exercise, rng: random.Random, good: bool) -> Any:
    """An answer to an objective or scenario item: the best-scoring candidate when ``good``, else
    a random one; None for types answered otherwise (open, ledger cleaning)."""
    d = ex.data
    if ex.type == "scenario":
        node, path = str(d["start"]), []
        while d["nodes"][node].get("choices") and len(path) < 20:
            choices = d["nodes"][node]["choices"]
            pick = (
                max(choices, key=lambda c: float(c.get("points", 0)))
                if good
                else rng.choice(choices)
            )
            path.append(str(pick["id"]))
            node = str(pick["next"])
        return path
    if ex.type == "single":
        candidates: list[Any] = [str(o["id"]) for o in d["options"]]
    elif ex.type == "multiple":
        ids = [str(o["id"]) for o in d["options"]]
        candidates = [
            list(c) for n in range(1, len(ids) + 1) for c in itertools.combinations(ids, n)
        ]
    elif ex.type == "ordering":
        ids = [str(i["id"]) for i in d["items"]]
        candidates = [ids, [ids[1], ids[0], *ids[2:]], list(reversed(ids))]
    elif ex.type == "numeric":
        unit = d.get("unit", "")
        candidates = [f"{d['answer']} {unit}".strip(), f"{float(d['answer']) * 2:g} {unit}".strip()]
    elif ex.type == "short":
        candidates = [d["answers"][0], "不清楚"]
    else:
        return None
    if not good:
        return rng.choice(candidates)
    scored = []
    for c in candidates:
        try:
            scored.append((grade(ex, c).score, c))
        except GradingError:
            continue
    return max(scored, key=lambda x: x[0])[1] if scored else None


def _module_order(modules: dict, track: Track) -> list[str]:
    """Module ids in the order a trainee of ``track`` meets them: those the track's stages require
    first, stage by stage, then the others in catalogue order."""
    first = [m for m in track.modules() if m in modules]
    return list(dict.fromkeys([*first, *modules]))


def _practise(store, trainee, module, rng, good: bool) -> int:
    """Read the pages and answer the module's practice items; returns the attempts recorded."""
    made = 0
    for item in module.sequence():
        if isinstance(item, Page):
            record_page_time(store, trainee, module.id, item.id, rng.uniform(60, 420))
            continue
        if item.mode != "practice":
            continue
        answer = _answer(item, rng, good or rng.random() < 0.5)
        if answer is not None:
            store.submit(trainee, item, answer, seconds=rng.uniform(20, 240))
            made += 1
    return made


def _open_text(key: dict, quality: int) -> str:
    """An open answer of ``quality`` 2 (the model answer), 1 (its first sentence) or 0 (weak)."""
    model = text(key.get("model_answer", ""), "zh")
    if quality == 2 and model:
        return model
    if quality == 1 and model:
        return model.split("。")[0] + "。"
    return WEAK_ANSWER


def _score(store, grader: Person, item, quality: int, rng, *, shift: bool) -> None:
    """``grader`` rates every criterion of the open answer ``item`` (a marking.QueueItem) by its
    ``quality`` (2 good … 0 weak); ``shift`` moves some ratings half a point (a second trainer)."""
    ratings = {}
    for c in item.criteria:
        top = float(c["points"])
        base = {2: top, 1: top / 2, 0: 0.0}[quality]
        if shift and rng.random() < 0.35:
            base += rng.choice((-0.5, 0.5))
        ratings[str(c["id"])] = min(top, max(0.0, round(base * 2) / 2))
    marking.score_open(store, grader, item.submission_id, item.exercise_id, ratings, item.criteria)


def fill_trainer_apps(
    ws: Workspace, *, seed: int = 2022, store: ProgressStore | None = None
) -> TrainerDemo:
    """Fill the progress store of ``ws`` for the trainer apps (see the module docstring).

    Needs the demo inputs of ``ws`` (``inputs/roster.csv``, ``org_units.csv``; the imported
    ``training`` input for sessions, optional). Raises what the store and the curricula raise
    (:class:`~shegong.errors.ShegongError`).
    """
    own = store is None
    store = store or ProgressStore.open(workspace=ws.root)
    try:
        return _fill(ws, store, random.Random(seed))
    finally:
        if own:
            store.close()


def _fill(ws: Workspace, store: ProgressStore, rng: random.Random) -> TrainerDemo:
    people = pick_trainees(ws).to_dict("records")
    made = [ensure_trainee(store, p, demo_password()) for p in people]
    trainees = [t for t, _ in made]
    out = TrainerDemo(
        created=any(c for _, c in made),
        logins={p["login"]: p["display_name"] for p in people},
        staff=dict(STAFF),
        stations=list(dict.fromkeys(p["station"] for p in people)),
    )
    create_demo_accounts(ws, store, trainees=False)  # STAFF among them, with their passwords
    if not out.created:
        return out
    first = store.pseudonym(STAFF[0][0])  # confirms tracks and holds the sessions
    lead, other = person_of(store, STAFF[0][0]), person_of(store, STAFF[1][0])
    modules = load_curricula()
    assessments = load_assessments(modules)
    rules = load_rules()
    trainees = [
        confirm_track(store, t, rules.track(t.track).id, by=first, rules=rules)
        if i < CONFIRMED_AT_ENROLMENT
        else t
        for i, t in enumerate(trainees)
    ]
    quality: dict[int, int] = {}
    keys = {m: load_keys(modules[m]) for m in {a.module_id for a in assessments.values()}}
    for i, t in enumerate(trainees):
        strong = i < 2
        order = _module_order(modules, rules.track(t.track))
        done = order[: min(PROGRESS[i % len(PROGRESS)], len(order))]
        for mid in done:
            out.attempts += _practise(store, t, modules[mid], rng, strong or rng.random() < 0.6)
            if strong or rng.random() < 0.7:
                store.complete_module(t, modules[mid])
        for a in assessments.values():
            if a.module_id not in done:
                continue
            q = 2 if strong else rng.choice((0, 1, 1, 2))
            answers = {}
            for ex in a.exercises(modules[a.module_id]):
                key = keys[a.module_id][ex.id]
                answers[ex.id] = (
                    {"text": _open_text(key, q)}
                    if ex.type == "open"
                    else _answer(keyed_exercise(ex, key), rng, q == 2)
                )
            sid = submit(store, t, a, modules[a.module_id], answers, seconds=rng.uniform(600, 1500))
            quality[sid] = q
            out.submissions += 1
    marking.auto_score(store, assessments, modules)
    released = [  # the 传 assessments of every track
        a
        for a in dict.fromkeys(
            a
            for tr in rules.tracks.values()
            for a in tr.stages.get("传", {}).get("assessments") or []
        )
        if a in assessments
    ]
    released = released or list(assessments)[:1]
    for n, item in enumerate(marking.queue(store, lead, assessments, modules)):
        keep = item.assessment_id in released or n % 3 != 2  # a third of the others wait
        both = n % 2 == 0 if item.assessment_id in released else n % 3 == 0
        if keep:
            _score(store, lead, item, quality[item.submission_id], rng, shift=False)
        if keep and both:
            _score(store, other, item, quality[item.submission_id], rng, shift=True)
            out.double_scored += 1
        out.waiting += not keep
    for a_id in released:
        a = assessments[a_id]
        marking.release(store, a, modules[a.module_id], lead)
        out.released.append(a_id)
    out.entries_waiting = _mentoring(store, trainees, rules, lead, other, rng)
    out.sessions = _sessions(ws, store, trainees, people, modules, first, rng)
    for t in trainees:
        update_stage(store, t, assessments, rules)
    eligible = [
        confirm_track(store, t, rules.track(t.track).id, by=first, rules=rules)
        if not t.track_confirmed
        else t
        for t in trainees
        if status(store, t, assessments, rules).reached
    ]  # a trainer confirms the track before a certificate: it is refused otherwise
    out.unconfirmed = len(unconfirmed(store))
    if eligible:
        cert = certificates.issue(
            store,
            eligible[0],
            "传",
            by=lead,
            out_dir=ws.root / "certificates",
            modules=modules,
            pdf=False,
        )
        out.certificates.append(cert.serial)
    out.eligible = [t.label for t in eligible[1:]]
    return out


def _mentoring(store, trainees, rules, mentor: Person, other: Person, rng: random.Random) -> int:
    """帮 entries of each trainee's own track: signed off for the two strongest (all their stage
    needs), waiting for five others, one of those returned. Returns the entries left waiting."""

    def need(t: Trainee) -> dict[str, int]:
        stages = rules.track(t.track).stages
        return stages.get("帮", {}).get("entries") or {k: 1 for k in rules.track(t.track).kinds()}

    day = iter(f"2022-{m:02d}-{d:02d}" for m in range(3, 13) for d in (6, 13, 20, 27))
    for t in trainees[:2]:
        for kind, n in need(t).items():
            for _ in range(int(n)):
                entry = mentoring.record(
                    store, t, kind, next(day), ENTRY_TEXT[rules.kinds[kind]["stage"]]
                )
                mentoring.sign_off(store, entry, mentor, "记录完整，签认。")
    waiting = 0
    for n, t in enumerate(trainees[2:7]):
        kind = rng.choice(sorted(need(t)))
        entry = mentoring.record(store, t, kind, next(day), ENTRY_TEXT[rules.kinds[kind]["stage"]])
        if n == 4:
            mentoring.return_entry(store, entry, other, "请补充走访对象的主要需求和下一步计划。")
        else:
            waiting += 1
    return waiting


def _sessions(ws, store, trainees, people, modules, trainer: str, rng: random.Random) -> int:
    """Lectures of 2022 at the trainees' stations from the demo's training records, with the
    attendance of the enrolled staff (by staff id) and some reactions. Returns the sessions
    added."""
    records = read_input(ws, "training")
    if records is None:
        return 0
    by_order = {m.order: k for k, m in modules.items()}
    stations = {p["station_code"] for p in people}
    lectures = records[
        (records["year"] == 2022)
        & records["station_code"].isin(stations)
        & records["module"].astype(str).str.match(r"M\d")
    ]
    added = 0
    for (_session_id, code), rows in lectures.groupby(["session_id", "station_code"], sort=True):
        first = rows.iloc[0]
        number = int(str(first["module"])[1:].split()[0])
        if number not in by_order or added >= 8:
            continue
        session = cohort.add_session(
            store,
            module_id=by_order[number],
            held_on=pd.Timestamp(first["date"]).date().isoformat(),
            hours=float(first["hours"]),
            format=FORMAT_OF.get(str(first["format"]), "lecture"),
            trainer=trainer,
        )
        added += 1
        present = set(rows["trainee_id"].dropna().astype(str))
        here = [(p, t) for p, t in zip(people, trainees, strict=True) if p["station_code"] == code]
        for p, t in here:
            came = p["staff_id"] in present or (p["role"] == "volunteer" and rng.random() < 0.6)
            cohort.record_attendance(store, session, t, present=came)
            if came and rng.random() < 0.6:
                ratings = {k: rng.choice((3, 4, 4, 5, 5)) for k in cohort.REACTION_ITEMS}
                cohort.record_reaction(store, session, t, ratings, "案例贴近实际。")
    return added
