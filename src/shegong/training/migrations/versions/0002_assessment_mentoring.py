"""Assessment, marking, mentoring, training sessions, roles and certificates (issue 7).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = (
    "certificates",
    "reactions",
    "attendance",
    "training_sessions",
    "practice_entries",
    "comment_bank",
    "releases",
    "item_scores",
    "submissions",
    "accounts",
)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pseudonym", sa.String(32), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), nullable=False, index=True
        ),
        sa.Column("assessment_id", sa.String(64), nullable=False, index=True),
        sa.Column("module_id", sa.String(64), nullable=False),
        sa.Column("attempt_no", sa.Integer, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("seconds_spent", sa.Float, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("trainee_id", "assessment_id", "attempt_no", name="uq_submission"),
    )
    op.create_table(
        "item_scores",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False, index=True
        ),
        sa.Column("exercise_id", sa.String(64), nullable=False),
        sa.Column("grader", sa.String(32), nullable=False),
        sa.Column("criterion", sa.String(64), nullable=False),
        sa.Column("points", sa.Float, nullable=False),
        sa.Column("max_points", sa.Float, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "submission_id", "exercise_id", "grader", "criterion", name="uq_item_score"
        ),
    )
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("assessment_id", sa.String(64), nullable=False, unique=True),
        sa.Column("released_by", sa.String(32), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "comment_bank",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("exercise_key", sa.String(130), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("exercise_key", "text", name="uq_comment"),
    )
    op.create_table(
        "practice_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), nullable=False, index=True
        ),
        sa.Column("stage", sa.String(4), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("happened_on", sa.String(10), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mentor_comment", sa.Text, nullable=True),
        sa.Column("reviewed_by", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "training_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("module_id", sa.String(64), nullable=False),
        sa.Column("held_on", sa.String(10), nullable=False),
        sa.Column("hours", sa.Float, nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("trainer", sa.String(32), nullable=False),
    )
    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("training_sessions.id"), nullable=False),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), nullable=False),
        sa.Column("present", sa.Boolean, nullable=False),
        sa.UniqueConstraint("session_id", "trainee_id", name="uq_attendance"),
    )
    op.create_table(
        "reactions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer, sa.ForeignKey("training_sessions.id"), nullable=False),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), nullable=False),
        sa.Column("ratings", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("session_id", "trainee_id", name="uq_reaction"),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), nullable=False),
        sa.Column("stage", sa.String(4), nullable=False),
        sa.Column("serial", sa.String(32), nullable=False, unique=True),
        sa.Column("issued_by", sa.String(32), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("trainee_id", "stage", name="uq_certificate"),
    )


def downgrade() -> None:
    for name in TABLES:  # dependants first
        op.drop_table(name)
