"""The trainer's view of a cohort: module × trainee scores, stage reached, time spent, who is stuck where,
training sessions with attendance and the Kirkpatrick L1 reaction survey, and the gradebook export.

Trainees appear by pseudonym only (DESIGN.md §7). Scores are shares of a module's practice points
(0…1) from the best attempt per exercise; time spent is the sum of ``seconds_spent`` in hours.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from shegong.errors import ProgressError
from shegong.trainer.marking import submission_scores
from shegong.trainer.progression import status
from shegong.training.assessment import Assessment
from shegong.training.gradebook import export_gradebook
from shegong.training.model import Module, text
from shegong.training.progress import ROLES, ProgressStore, Trainee
from shegong.training.tables import AttendanceRow, ReactionRow, TrainingSessionRow

#: Kirkpatrick L1 reaction items, rated 1 (strongly disagree) … 5 (strongly agree) — our proposal.
REACTION_ITEMS = {
    "relevant": {"zh": "内容与我的工作相关", "en": "The content is relevant to my work"},
    "clear": {"zh": "讲解清楚易懂", "en": "The explanations were clear"},
    "practice": {"zh": "练习和案例有帮助", "en": "The exercises and cases helped"},
    "confident": {
        "zh": "我有信心把学到的用到工作中",
        "en": "I am confident I can apply what I learnt",
    },
    "overall": {"zh": "总体满意", "en": "Overall I am satisfied"},
}
FORMATS = ("lecture", "individual_supervision", "group_supervision", "shadowing", "site_visit")


def trainees(
    store: ProgressStore, *, station: str | None = None, role: str | None = None
) -> list[dict[str, Any]]:
    """Trainee rows (id, pseudonym, role, station, stage_reached), filtered by station and trainee role."""
    rows = store.tables()["trainees"]
    return [
        t
        for t in rows
        if (station is None or t["station"] == station) and (role is None or t["role"] == role)
    ]


def heatmap(
    store: ProgressStore,
    modules: dict[str, Module],
    *,
    station: str | None = None,
    role: str | None = None,
) -> pd.DataFrame:
    """Module × trainee score shares: index trainee pseudonym, one column per module id (catalogue
    order), values in 0…1 (best practice score sum ÷ the module's practice points); NaN = not started."""
    people = trainees(store, station=station, role=role)
    attempts = pd.DataFrame(
        store.attempts(), columns=["trainee_id", "module_id", "exercise_id", "score", "mode"]
    )
    graded = attempts[attempts["score"].notna() & (attempts["mode"] == "practice")]
    best = (
        graded.groupby(["trainee_id", "module_id", "exercise_id"])["score"]
        .max()
        .groupby(["trainee_id", "module_id"])
        .sum()
    )
    data = {}
    for t in people:
        row = {}
        for m_id, m in modules.items():
            top = sum(e.points for e in m.exercises if e.mode == "practice")
            row[m_id] = (
                float(best[(t["id"], m_id)]) / top
                if (t["id"], m_id) in best.index and top
                else float("nan")
            )
        data[t["pseudonym"]] = row
    frame = pd.DataFrame.from_dict(data, orient="index", columns=list(modules))
    frame.index.name = "trainee"
    return frame


def overview(
    store: ProgressStore,
    modules: dict[str, Module],
    assessments: dict[str, Assessment],
    rules,
    *,
    station: str | None = None,
    role: str | None = None,
    lang: str = "zh",
) -> pd.DataFrame:
    """One row per trainee: ``trainee`` (pseudonym), ``role``, ``station``, ``stage`` (reached by the rules),
    ``next_stage``, ``stuck_on`` (the first missing requirement, in ``lang``), ``hours`` spent (h),
    ``modules_done``, ``sessions_attended``."""

    attempts = pd.DataFrame(store.attempts(), columns=["trainee_id", "seconds_spent"])
    seconds = attempts.groupby("trainee_id")["seconds_spent"].sum()
    completions = pd.DataFrame(store.tables()["completions"], columns=["trainee_id", "module_id"])
    with Session(store.engine) as s:
        attended = pd.Series(
            [r.trainee_id for r in s.scalars(select(AttendanceRow).where(AttendanceRow.present))],
            dtype="int64",
        ).value_counts()
    rows = []
    for t in trainees(store, station=station, role=role):
        trainee = Trainee(t["id"], t["pseudonym"], t["role"], t["station"], t["stage_reached"])
        st = status(store, trainee, assessments, rules)
        stuck = ""
        if st.missing:
            kind, item, have, need = st.missing[0]
            name = (
                text(modules[item].title, lang)
                if kind == "module" and item in modules
                else text(assessments[item].title, lang)
                if kind == "assessment" and item in assessments
                else rules.kinds.get(item, {}).get(lang, item)
            )
            stuck = f"{name} ({have}/{need})"
        rows.append(
            {
                "trainee": t["pseudonym"],
                "role": ROLES[t["role"]][lang],
                "station": t["station"],
                "stage": st.reached or "—",
                "next_stage": st.next_stage or "—",
                "stuck_on": stuck,
                "hours": round(float(seconds.get(t["id"], 0.0)) / 3600, 2),
                "modules_done": int((completions["trainee_id"] == t["id"]).sum()),
                "sessions_attended": int(attended.get(t["id"], 0)),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "trainee",
            "role",
            "station",
            "stage",
            "next_stage",
            "stuck_on",
            "hours",
            "modules_done",
            "sessions_attended",
        ],
    )


def add_session(
    store: ProgressStore,
    *,
    module_id: str,
    held_on: str,
    hours: float,
    format: str,  # noqa: A002
    trainer: str,
) -> int:
    """Record a training session (``hours`` in h, ``format`` one of :data:`FORMATS`); returns its id.

    Raises :class:`ProgressError` for an unknown format, a bad date or non-positive hours.
    """
    if format not in FORMATS:
        raise ProgressError(f"unknown session format {format!r}: use one of {', '.join(FORMATS)}")
    try:
        day = date.fromisoformat(held_on)
    except ValueError as e:
        raise ProgressError(f"date {held_on!r} is not YYYY-MM-DD") from e
    if not hours > 0:
        raise ProgressError(f"hours {hours!r} must be positive")
    with Session(store.engine) as s, s.begin():
        row = TrainingSessionRow(
            module_id=module_id,
            held_on=day.isoformat(),
            hours=float(hours),
            format=format,
            trainer=trainer,
        )
        s.add(row)
        s.flush()
        return row.id


def record_attendance(
    store: ProgressStore, session_id: int, trainee: Trainee | int, present: bool = True
) -> None:
    """Mark the trainee present (or absent) at the session; a second call replaces the first."""
    tid = trainee if isinstance(trainee, int) else trainee.id
    with Session(store.engine) as s, s.begin():
        row = s.scalar(
            select(AttendanceRow).where(
                AttendanceRow.session_id == session_id, AttendanceRow.trainee_id == tid
            )
        )
        if row is None:
            s.add(AttendanceRow(session_id=session_id, trainee_id=tid, present=present))
        else:
            row.present = present


def record_reaction(
    store: ProgressStore,
    session_id: int,
    trainee: Trainee,
    ratings: dict[str, int],
    comment: str = "",
) -> None:
    """Store the trainee's L1 reaction to a session: every item of :data:`REACTION_ITEMS` rated 1…5.

    Raises :class:`ProgressError` for a missing item, a rating outside 1…5, or a second response.
    """
    if session_id is None:
        raise ProgressError("choose the session you are giving feedback on")
    if set(ratings) != set(REACTION_ITEMS) or not all(
        isinstance(v, int) and 1 <= v <= 5 for v in ratings.values()
    ):
        raise ProgressError(f"rate each of {', '.join(REACTION_ITEMS)} from 1 to 5")
    with Session(store.engine) as s, s.begin():
        if s.scalar(
            select(ReactionRow.id).where(
                ReactionRow.session_id == session_id, ReactionRow.trainee_id == trainee.id
            )
        ):
            raise ProgressError("you already answered the survey for this session")
        s.add(
            ReactionRow(
                session_id=session_id,
                trainee_id=trainee.id,
                ratings=dict(ratings),
                comment=comment.strip(),
                created_at=datetime.now(UTC),
            )
        )


def sessions(store: ProgressStore) -> pd.DataFrame:
    """Sessions with ``present`` (人次 attended) and the L1 ``responses``, ``agree_pct`` per item
    (share of ratings 4–5, %) and ``mean`` of all ratings; columns ``session``, ``module_id``, ``held_on``,
    ``hours``, ``format``, ``present``, ``responses``, ``agree_<item>``, ``mean``."""
    with Session(store.engine) as s:
        rows = list(
            s.scalars(
                select(TrainingSessionRow).order_by(
                    TrainingSessionRow.held_on, TrainingSessionRow.id
                )
            )
        )
        present = [
            r.session_id for r in s.scalars(select(AttendanceRow).where(AttendanceRow.present))
        ]
        reactions = [(r.session_id, r.ratings) for r in s.scalars(select(ReactionRow))]
    out = []
    for r in rows:
        mine = [rat for sid, rat in reactions if sid == r.id]
        rec = {
            "session": r.id,
            "module_id": r.module_id,
            "held_on": r.held_on,
            "hours": r.hours,
            "format": r.format,
            "present": present.count(r.id),
            "responses": len(mine),
        }
        for item in REACTION_ITEMS:
            rec[f"agree_{item}"] = (
                round(100 * sum(m[item] >= 4 for m in mine) / len(mine), 1)
                if mine
                else float("nan")
            )
        values = [v for m in mine for v in m.values()]
        rec["mean"] = round(sum(values) / len(values), 2) if values else float("nan")
        out.append(rec)
    return pd.DataFrame(
        out,
        columns=[
            "session",
            "module_id",
            "held_on",
            "hours",
            "format",
            "present",
            "responses",
            *[f"agree_{i}" for i in REACTION_ITEMS],
            "mean",
        ],
    )


def export(
    store: ProgressStore,
    out: Path,
    modules: dict[str, Module],
    assessments: dict[str, Assessment],
    rules,
) -> Path:
    """The gradebook workbook (:func:`shegong.training.gradebook.export_gradebook`) plus the sheets ``测评 Assessments``
    (score per submission, points), ``阶段 Stages`` (:func:`overview`) and ``培训 Sessions`` (:func:`sessions`)."""

    scores = pd.DataFrame(
        [r for a in assessments.values() for r in submission_scores(store, a)],
        columns=[
            "submission_id",
            "trainee_id",
            "assessment_id",
            "attempt_no",
            "score",
            "max_score",
            "submitted_at",
        ],
    )
    ids = {t["id"]: t["pseudonym"] for t in store.tables()["trainees"]}
    scores.insert(0, "trainee", scores.pop("trainee_id").map(ids))
    scores["submitted_at"] = pd.to_datetime(scores["submitted_at"]).dt.tz_localize(None)
    extra = {
        "测评 Assessments": scores,
        "阶段 Stages": overview(store, modules, assessments, rules),
        "培训 Sessions": sessions(store),
    }
    return export_gradebook(store, out, curricula=modules, extra_sheets=extra)
