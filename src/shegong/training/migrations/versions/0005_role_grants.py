"""Role grants: one row per (login, role), the login kept for ``shegong roles list`` (issue 15).

Replaces ``accounts`` (one role per pseudonym, no login). Grants made before this revision keep
their pseudonym and role; their login is unknown (NULL) until the role is granted again.

Revision ID: 0004
Revises: h14_trainee_profile
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "h14_trainee_profile"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "role_grants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pseudonym", sa.String(32), nullable=False),
        sa.Column("login", sa.String(128), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("granted_by", sa.String(128), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("pseudonym", "role", name="uq_role_grant"),
    )
    op.execute(
        "INSERT INTO role_grants (pseudonym, role, granted_at) "
        "SELECT pseudonym, role, created_at FROM accounts"
    )
    op.drop_table("accounts")


def downgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pseudonym", sa.String(32), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    # one role per pseudonym there: the strongest ('admin' sorts before 'trainer')
    op.execute(
        "INSERT INTO accounts (pseudonym, role, created_at) "
        "SELECT pseudonym, MIN(role), MIN(granted_at) FROM role_grants GROUP BY pseudonym"
    )
    op.drop_table("role_grants")
