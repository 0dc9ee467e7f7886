"""Trainers see people (issue 14): a trainee's display name and station code; time on pages.

``trainees.display_name`` (the name trainers see, given at registration) and
``trainees.station_code`` (the 12-digit org-unit code of the trainee's station); the table
``study_time`` holds the seconds the module player showed a page to a trainee (time on exercises
is ``attempts.seconds_spent``).

Revision ID: h14_trainee_profile
Revises: 0003 (the trainee's track, issue 19)
"""

import sqlalchemy as sa
from alembic import op

revision = "h14_trainee_profile"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("trainees") as batch:
        batch.add_column(sa.Column("display_name", sa.String(64), nullable=True))
        batch.add_column(sa.Column("station_code", sa.String(12), nullable=True))
    op.create_table(
        "study_time",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "trainee_id", sa.Integer, sa.ForeignKey("trainees.id"), nullable=False, index=True
        ),
        sa.Column("module_id", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("study_time")
    with op.batch_alter_table("trainees") as batch:
        batch.drop_column("station_code")
        batch.drop_column("display_name")
