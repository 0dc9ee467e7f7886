"""Progress-store tables for assessment, marking, mentoring, training sessions, roles and
certificates.

They share :class:`shegong.training.progress.Base` and are created by the Alembic revisions ``0002``
(``migrations/versions/0002_assessment_mentoring.py``) and ``p14people01`` (accounts, which
replace revision ``0004``'s ``role_grants``). Every table refers to trainees by the store id
(``trainees.id``) and to trainers by a pseudonym (never a name, DESIGN.md §7); only ``accounts``
also keeps the login (an account name, printed by ``shegong roles list``).

=========================  =====================================================================
table                      rows
=========================  =====================================================================
``accounts``               sign-in accounts: ``pseudonym``, ``login`` (normalised),
                           ``password_hash``, ``status`` active / pending / disabled (revision
                           ``p14people01``)
``account_roles``          (account, role): trainee, trainer, evaluator, station, admin
``account_scopes``         (account, org-unit code): the units an account is limited to (none = all)
``web_sessions``           signed-in browser sessions (token hash, last seen, ended)
``signin_attempts``        every sign-in try (login, client address, ok) for the lockout
``invitations``            registration codes a trainer issued (hash, expiry, uses left)
``submissions``            one summative attempt: trainee, assessment, ``attempt_no``, answers JSON,
                           seconds
``item_scores``            one score per (submission, exercise, grader, criterion); ``grader`` is
                           ``auto`` for objective items; ``criterion`` is ``""`` for a whole item;
                           ``points``; ``comment``
``releases``               an assessment whose scores trainees may now see (``released_at``,
                           ``released_by``)
``comment_bank``           reusable grading comments per exercise
``practice_entries``       mentoring log (帮/带/教): kind, date, description, status submitted /
                           signed_off / returned, mentor comment
``training_sessions``      a training session: module, date, hours, format, trainer pseudonym
``attendance``             (session, trainee, present)
``reactions``              Kirkpatrick L1 reaction survey: Likert 1–5 per item (JSON), comment
``certificates``           one per (trainee, stage): serial number, issue time
=========================  =====================================================================
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shegong.training.progress import Base


class AccountRow(Base):
    """A sign-in account (table ``accounts``)."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True)
    login: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    password_changed_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AccountRoleRow(Base):
    """A role of an account (table ``account_roles``)."""

    __tablename__ = "account_roles"
    __table_args__ = (UniqueConstraint("account_id", "role", name="uq_account_role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    role: Mapped[str] = mapped_column(String(16))


class AccountScopeRow(Base):
    """An org-unit code an account is limited to (table ``account_scopes``)."""

    __tablename__ = "account_scopes"
    __table_args__ = (UniqueConstraint("account_id", "org_unit", name="uq_account_scope"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    org_unit: Mapped[str] = mapped_column(String(12))


class WebSessionRow(Base):
    """A signed-in browser session (table ``web_sessions``): the token's hash, last seen, ended."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's token
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    address: Mapped[str] = mapped_column(String(64))


class SignInAttemptRow(Base):
    """One sign-in try (table ``signin_attempts``), for the lockout."""

    __tablename__ = "signin_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    login: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)


class InvitationRow(Base):
    """A registration code a trainer issued (table ``invitations``): hash, expiry, uses left."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    uses_left: Mapped[int] = mapped_column(Integer)


class SubmissionRow(Base):
    """One summative attempt of a trainee (table ``submissions``)."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("trainee_id", "assessment_id", "attempt_no", name="uq_submission"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), index=True)
    assessment_id: Mapped[str] = mapped_column(String(64), index=True)
    module_id: Mapped[str] = mapped_column(String(64))
    attempt_no: Mapped[int] = mapped_column(Integer)
    answers: Mapped[Any] = mapped_column(JSON)
    seconds_spent: Mapped[float] = mapped_column(Float)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ItemScoreRow(Base):
    """One score of a submitted item, per grader and criterion (table ``item_scores``)."""

    __tablename__ = "item_scores"
    __table_args__ = (
        UniqueConstraint(
            "submission_id", "exercise_id", "grader", "criterion", name="uq_item_score"
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    exercise_id: Mapped[str] = mapped_column(String(64))
    grader: Mapped[str] = mapped_column(String(32))
    criterion: Mapped[str] = mapped_column(String(64))
    points: Mapped[float] = mapped_column(Float)
    max_points: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReleaseRow(Base):
    """An assessment whose scores trainees may see (table ``releases``)."""

    __tablename__ = "releases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[str] = mapped_column(String(64), unique=True)
    released_by: Mapped[str] = mapped_column(String(32))
    released_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CommentRow(Base):
    """A reusable grading comment for an exercise (table ``comment_bank``)."""

    __tablename__ = "comment_bank"
    __table_args__ = (UniqueConstraint("exercise_key", "text", name="uq_comment"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_key: Mapped[str] = mapped_column(String(130))
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PracticeEntryRow(Base):
    """One mentoring-log entry (帮/带/教) and its review (table ``practice_entries``)."""

    __tablename__ = "practice_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"), index=True)
    stage: Mapped[str] = mapped_column(String(4))
    kind: Mapped[str] = mapped_column(String(32))
    happened_on: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    mentor_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TrainingSessionRow(Base):
    """A training session: module, date, hours, format, trainer (table ``training_sessions``)."""

    __tablename__ = "training_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module_id: Mapped[str] = mapped_column(String(64))
    held_on: Mapped[str] = mapped_column(String(10))
    hours: Mapped[float] = mapped_column(Float)
    format: Mapped[str] = mapped_column(String(32))
    trainer: Mapped[str] = mapped_column(String(32))


class AttendanceRow(Base):
    """Whether a trainee attended a training session (table ``attendance``)."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "trainee_id", name="uq_attendance"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"))
    present: Mapped[bool] = mapped_column(Boolean)


class ReactionRow(Base):
    """A trainee's reaction survey of a session, Likert 1–5 per item (table ``reactions``)."""

    __tablename__ = "reactions"
    __table_args__ = (UniqueConstraint("session_id", "trainee_id", name="uq_reaction"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"))
    ratings: Mapped[Any] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CertificateRow(Base):
    """A certificate issued to a trainee for a stage (table ``certificates``)."""

    __tablename__ = "certificates"
    __table_args__ = (UniqueConstraint("trainee_id", "stage", name="uq_certificate"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id"))
    stage: Mapped[str] = mapped_column(String(4))
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    issued_by: Mapped[str] = mapped_column(String(32))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
