"""Time on task: the seconds a trainee spends on a module's pages, exercises and assessments.

The module player records the time each page was shown (:func:`record_page_time`, table
``study_time``, Alembic revision ``h14_trainee_profile``); time on an exercise is the attempt's
``seconds_spent`` (from the exercise widget's clock) and time on a summative assessment the
submission's ``seconds_spent``. :func:`seconds_by_trainee` adds the three, which is what the
cohort app shows as 学习时长.

A page left open while the trainee is away would count for hours: a page view counts at most
:data:`PAGE_CAP_SECONDS` (our proposal, no published rule was found).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from shegong.errors import ProgressError
from shegong.training.progress import AttemptRow, Base, ProgressStore, Trainee
from shegong.training.tables import SubmissionRow

#: longest time one page view counts for (s): 20 minutes
PAGE_CAP_SECONDS = 20 * 60


class StudyTimeRow(Base):
    """Time spent on one item of a module: trainee, module, item, ``seconds``, when recorded."""

    __tablename__ = "study_time"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), index=True)
    module_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(64))
    seconds: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def record_page_time(
    store: ProgressStore, trainee: Trainee | int, module_id: str, item_id: str, seconds: float
) -> float:
    """Store one page view of ``seconds`` (capped at :data:`PAGE_CAP_SECONDS`); returns the
    seconds stored. Views shorter than a second are not stored (returns 0.0).

    Raises:
        ProgressError: negative or non-finite seconds.
    """
    if not seconds >= 0 or seconds == float("inf"):
        raise ProgressError(
            f"time on a page must be a non-negative number of seconds, not {seconds!r}"
        )
    kept = min(float(seconds), PAGE_CAP_SECONDS)
    if kept < 1:
        return 0.0
    with Session(store.engine) as s, s.begin():
        s.add(
            StudyTimeRow(
                trainee_id=trainee if isinstance(trainee, int) else trainee.id,
                module_id=module_id,
                item_id=item_id,
                seconds=kept,
                recorded_at=datetime.now(UTC),
            )
        )
    return kept


def seconds_by_trainee(store: ProgressStore) -> dict[int, float]:
    """{trainee id: seconds on task}: page views + practice attempts + summative submissions."""
    out: dict[int, float] = {}
    with Session(store.engine) as s:
        for column, key in (
            (StudyTimeRow.seconds, StudyTimeRow.trainee_id),
            (AttemptRow.seconds_spent, AttemptRow.trainee_id),
            (SubmissionRow.seconds_spent, SubmissionRow.trainee_id),
        ):
            for tid, total in s.execute(select(key, func.sum(column)).group_by(key)):
                out[tid] = out.get(tid, 0.0) + float(total or 0.0)
    return out
