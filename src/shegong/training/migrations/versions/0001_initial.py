"""Progress store, first version: trainees, attempts, completions.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trainees",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pseudonym", sa.String(32), nullable=False, unique=True),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("station", sa.String(64), nullable=True),
        sa.Column("stage_reached", sa.String(4), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), nullable=False, index=True
        ),
        sa.Column("module_id", sa.String(64), nullable=False, index=True),
        sa.Column("exercise_id", sa.String(64), nullable=False),
        sa.Column("exercise_type", sa.String(32), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("answer", sa.JSON, nullable=True),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("max_score", sa.Float, nullable=False),
        sa.Column("graded_by", sa.String(16), nullable=False),
        sa.Column("seconds_spent", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "completions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), nullable=False),
        sa.Column("module_id", sa.String(64), nullable=False),
        sa.Column("stage", sa.String(4), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("max_score", sa.Float, nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("trainee_id", "module_id", name="uq_completion"),
    )


def downgrade() -> None:
    op.drop_table("completions")
    op.drop_table("attempts")
    op.drop_table("trainees")
