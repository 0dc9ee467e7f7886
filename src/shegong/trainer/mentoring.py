"""The 传帮带教 mentoring log: practice entries of the 帮, 带 and 教 stages, signed off or returned
by a mentor.

A trainee records an entry (a home visit co-led with the mentor, a case led with the mentor present,
a group session led, a session taught); the mentor — a trainer (:mod:`shegong.training.roles`) —
signs it off or returns it with a comment. Signed-off entries count towards stage progression
(:mod:`shegong.trainer.progression`). Entry kinds and their stage are kept in
``curricula/progression.yaml``.

Descriptions are free text written by trainees: the form asks them not to write names, ID numbers or
phone numbers of clients (DESIGN.md §7); the cohort app shows counts, not descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shegong.errors import MarkingError, ProgressError
from shegong.people import Person, audit
from shegong.trainer.rules import load_rules
from shegong.training.progress import ProgressStore, Trainee, TraineeRow
from shegong.training.roles import check_trainee
from shegong.training.tables import PracticeEntryRow

STATUSES = {
    "submitted": {"zh": "待审核", "en": "waiting for sign-off"},
    "signed_off": {"zh": "已签认", "en": "signed off"},
    "returned": {"zh": "已退回", "en": "returned"},
}


@dataclass(frozen=True)
class Entry:
    """One mentoring-log entry; ``happened_on`` is ``YYYY-MM-DD``; ``status`` one of
    :data:`STATUSES`.

    ``trainee`` is the trainee's display name (the pseudonym for one registered without a name),
    ``station`` the trainee's station (for the mentor's filter); no trainee login is carried.
    """

    id: int
    trainee_id: int
    trainee: str
    station: str | None
    stage: str
    kind: str
    happened_on: str
    description: str
    status: str
    mentor_comment: str | None


def record(
    store: ProgressStore, trainee: Trainee, kind: str, happened_on: str, description: str
) -> int:
    """Record an entry of ``kind`` (see ``progression.yaml``) and return its id.

    Raises:
        ProgressError: unknown kind, a kind the trainee's track does not ask for, a date that is not
            ``YYYY-MM-DD`` or lies in the future, an empty description.
    """
    rules = load_rules()
    kinds = rules.kinds
    if kind not in kinds:
        raise ProgressError(f"unknown entry kind {kind!r}: use one of {', '.join(kinds)}")
    track = rules.track(trainee.track)
    if kind not in track.kinds():
        raise ProgressError(
            f"{kinds[kind]['zh']} ({kind}) is not practice of the track {track.name('zh')} "
            f"({track.id}): use one of {', '.join(track.kinds())}"
        )
    try:
        day = date.fromisoformat(happened_on)
    except ValueError as e:
        raise ProgressError(f"date {happened_on!r} is not YYYY-MM-DD: write e.g. 2021-05-18") from e
    if day > datetime.now(UTC).date():
        raise ProgressError(
            f"date {happened_on} is in the future: record an entry after it happened"
        )
    if not description.strip():
        raise ProgressError("describe what you did (without clients' names, ID or phone numbers)")
    with Session(store.engine) as s, s.begin():
        row = PracticeEntryRow(
            trainee_id=trainee.id,
            stage=kinds[kind]["stage"],
            kind=kind,
            happened_on=day.isoformat(),
            description=description.strip(),
            status="submitted",
            created_at=datetime.now(UTC),
        )
        s.add(row)
        s.flush()
        return row.id


def entries(
    store: ProgressStore, *, trainee: Trainee | int | None = None, status: str | None = None
) -> list[Entry]:
    """Entries, oldest first, optionally of one trainee and/or one status."""
    q = select(PracticeEntryRow, TraineeRow).join(
        TraineeRow, TraineeRow.id == PracticeEntryRow.trainee_id
    )
    if trainee is not None:
        q = q.where(
            PracticeEntryRow.trainee_id == (trainee if isinstance(trainee, int) else trainee.id)
        )
    if status is not None:
        q = q.where(PracticeEntryRow.status == status)
    with Session(store.engine) as s:
        return [
            Entry(
                e.id,
                e.trainee_id,
                t.display_name or t.pseudonym,
                t.station or t.station_code,
                e.stage,
                e.kind,
                e.happened_on,
                e.description,
                e.status,
                e.mentor_comment,
            )
            for e, t in s.execute(q.order_by(PracticeEntryRow.id))
        ]


def _review(store: ProgressStore, entry_id: int, mentor: Person, status: str, comment: str) -> None:
    with Session(store.engine) as s, s.begin():
        # locked: of two mentors reviewing at once, the second finds it reviewed
        row = s.get(PracticeEntryRow, entry_id, with_for_update=True)
        if row is None:
            raise MarkingError(f"no mentoring entry {entry_id}: reload the log")
        station = s.scalar(select(TraineeRow.station_code).where(TraineeRow.id == row.trainee_id))
        check_trainee(store, mentor, "sign_off", station)
        if row.status != "submitted":
            raise MarkingError(
                f"entry {entry_id} is already {row.status.replace('_', ' ')}: only waiting entries "
                "can be signed off or returned"
            )
        row.status, row.mentor_comment = status, comment.strip() or None
        row.reviewed_by, row.reviewed_at = store.pseudonym(mentor.login), datetime.now(UTC)
    audit(store.workspace, mentor, status, f"entry:{entry_id}")


def sign_off(store: ProgressStore, entry_id: int, mentor: Person, comment: str = "") -> None:
    """The mentor signs the entry off (action ``sign_off``, scope reaching the trainee's station;
    audited). Raises :class:`MarkingError` unless it is waiting, :class:`AccessError` unless
    allowed."""
    _review(store, entry_id, mentor, "signed_off", comment)


def return_entry(store: ProgressStore, entry_id: int, mentor: Person, comment: str) -> None:
    """The mentor returns the entry with a comment (required) saying what to add or redo.

    Raises :class:`MarkingError` without a comment or unless the entry is waiting.
    """
    if not comment.strip():
        raise MarkingError(
            "say why the entry is returned: the trainee needs to know what to add or redo"
        )
    _review(store, entry_id, mentor, "returned", comment)


def signed_off_counts(store: ProgressStore, trainee: Trainee | int) -> dict[str, int]:
    """Signed-off entries of the trainee by kind."""
    counts: dict[str, int] = {}
    for e in entries(store, trainee=trainee, status="signed_off"):
        counts[e.kind] = counts.get(e.kind, 0) + 1
    return counts
