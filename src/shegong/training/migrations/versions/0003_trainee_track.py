"""The trainee's track (issue 19): chosen at registration, confirmed or changed by a trainer.

Adds ``trainees.track`` (a track id of ``curricula/progression.yaml``), ``track_confirmed_by`` (the
trainer's pseudonym) and ``track_confirmed_at``. Trainees stored before this revision get the track
their role starts on (part-time staff, community and social-organisation workers → ``staff``;
volunteers → ``volunteer``; resident backbones → ``backbone``), unconfirmed.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TRACK_OF_ROLE = {
    "part_time_staff": "staff",
    "community_worker": "staff",
    "social_org_staff": "staff",
    "volunteer": "volunteer",
    "resident_backbone": "backbone",
}


def upgrade() -> None:
    with op.batch_alter_table("trainees") as batch:
        batch.add_column(sa.Column("track", sa.String(16), nullable=True))
        batch.add_column(sa.Column("track_confirmed_by", sa.String(32), nullable=True))
        batch.add_column(sa.Column("track_confirmed_at", sa.DateTime(timezone=True), nullable=True))
    trainees = sa.table("trainees", sa.column("role", sa.String), sa.column("track", sa.String))
    for role, track in TRACK_OF_ROLE.items():
        op.execute(trainees.update().where(trainees.c.role == role).values(track=track))


def downgrade() -> None:
    with op.batch_alter_table("trainees") as batch:
        batch.drop_column("track_confirmed_at")
        batch.drop_column("track_confirmed_by")
        batch.drop_column("track")
