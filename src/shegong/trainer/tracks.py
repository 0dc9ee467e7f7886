"""A trainee's track (培训路径): chosen at registration, confirmed or changed by a trainer (issue
19).

A track is a kind of trainee — 社工站兼职工作人员/社区工作者 (``staff``), 志愿者 (``volunteer``),
居民骨干 (``backbone``) — with its own required modules per stage and its own practice evidence
(:mod:`shegong.trainer.rules`). The trainee's choice is stored unconfirmed; a trainer (a pseudonym
with the trainer or admin role, :mod:`shegong.training.roles`) confirms it or moves the trainee to
another track, and the store keeps who did so and when. Stage progression, the cohort app and
certificates follow the stored track.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from shegong.errors import ProgressError
from shegong.people import Person
from shegong.trainer.rules import Rules
from shegong.training.progress import ProgressStore, Trainee, TraineeRow
from shegong.training.roles import check_trainee


def confirm_track(
    store: ProgressStore, trainee: Trainee | int, track: str, *, by: Person | str, rules: Rules
) -> Trainee:
    """Set ``trainee``'s track to ``track`` (confirming their choice, or changing it) as trainer
    ``by``: the signed-in :class:`~shegong.people.Person` (needs the ``score`` action — trainers
    and admins — and a scope reaching the trainee's station; recorded as its pseudonym), or the
    trainer's pseudonym where the caller has checked the person already.

    Returns the updated trainee (``track_confirmed`` true).

    Raises:
        AccessError: ``by`` (a person) may not confirm tracks of this trainee.
        ProgressError: ``track`` is not a track of ``rules``, ``by`` is empty, or no such trainee.
    """
    if track not in rules.tracks:
        raise ProgressError(
            f"unknown track {track!r}: use one of {', '.join(rules.tracks)} "
            "(curricula/progression.yaml)"
        )
    actor = by if isinstance(by, Person) else None
    by = store.pseudonym(by.login) if isinstance(by, Person) else by
    if not by.strip():
        raise ProgressError("a track is confirmed by a trainer: give the trainer's pseudonym")
    tid = trainee if isinstance(trainee, int) else trainee.id
    with Session(store.engine) as s, s.begin():
        row = s.get(TraineeRow, tid)
        if row is None:
            raise ProgressError(f"no trainee with id {tid}")
        if actor is not None:
            check_trainee(store, actor, "score", row.station_code)
        row.track, row.track_confirmed_by, row.track_confirmed_at = track, by, datetime.now(UTC)
        s.flush()
        return Trainee._of(row)


def unconfirmed(store: ProgressStore) -> list[dict]:
    """Trainee rows (as :meth:`ProgressStore.tables` gives them) whose track no trainer has
    confirmed."""
    return [t for t in store.tables()["trainees"] if t["track_confirmed_by"] is None]
