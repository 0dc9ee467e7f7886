"""People (issue 14): sign-in accounts with roles and scope, web sessions, sign-in attempts,
invitations; trainees get a display name and a station code.

``accounts`` gains ``login`` (normalised, in clear: ``shegong roles list`` prints it),
``password_hash`` (moved here from ``trainees``), ``status`` (active / pending / disabled) and
``password_changed_at``; its single ``role`` column becomes the table ``account_roles`` (many
roles per account) and ``account_scopes`` holds the org-unit codes an account is limited to.

Revision ID: p14people01
Revises: 0002
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "p14people01"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as b:
        b.add_column(sa.Column("login", sa.String(64), nullable=True))
        b.add_column(sa.Column("password_hash", sa.String(200), nullable=True))
        b.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="active"))
        b.add_column(sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True))
        b.create_unique_constraint("uq_account_login", ["login"])
    op.create_table(
        "account_roles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.UniqueConstraint("account_id", "role", name="uq_account_role"),
    )
    op.create_table(
        "account_scopes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("org_unit", sa.String(12), nullable=False),
        sa.UniqueConstraint("account_id", "org_unit", name="uq_account_scope"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("address", sa.String(64), nullable=False),
    )
    op.create_table(
        "signin_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uses_left", sa.Integer, nullable=False),
    )
    with op.batch_alter_table("trainees") as b:
        b.add_column(sa.Column("display_name", sa.String(64), nullable=True))
        b.add_column(sa.Column("station_code", sa.String(12), nullable=True))

    conn = op.get_bind()
    now = datetime.now(UTC)
    accounts = sa.table(
        "accounts",
        sa.column("id", sa.Integer),
        sa.column("pseudonym", sa.String),
        sa.column("role", sa.String),
        sa.column("password_hash", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    roles = sa.table(
        "account_roles", sa.column("account_id", sa.Integer), sa.column("role", sa.String)
    )
    for account_id, role in conn.execute(sa.select(accounts.c.id, accounts.c.role)).all():
        conn.execute(roles.insert().values(account_id=account_id, role=role))
    known = {p for (p,) in conn.execute(sa.select(accounts.c.pseudonym)).all()}
    trainees = sa.table(
        "trainees",
        sa.column("pseudonym", sa.String),
        sa.column("password_hash", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    for pseudonym, password_hash, created in conn.execute(
        sa.select(trainees.c.pseudonym, trainees.c.password_hash, trainees.c.created_at)
    ).all():
        if pseudonym in known:
            conn.execute(
                accounts.update()
                .where(accounts.c.pseudonym == pseudonym)
                .values(password_hash=password_hash)
            )
            account_id = conn.execute(
                sa.select(accounts.c.id).where(accounts.c.pseudonym == pseudonym)
            ).scalar_one()
        else:
            account_id = conn.execute(
                accounts.insert().values(
                    pseudonym=pseudonym,
                    role="trainee",
                    password_hash=password_hash,
                    created_at=created or now,
                )
            ).inserted_primary_key[0]
        conn.execute(roles.insert().values(account_id=account_id, role="trainee"))
    with op.batch_alter_table("accounts") as b:
        b.drop_column("role")
    with op.batch_alter_table("trainees") as b:
        b.drop_column("password_hash")


def downgrade() -> None:
    with op.batch_alter_table("trainees") as b:
        b.add_column(sa.Column("password_hash", sa.String(200), nullable=True))
        b.drop_column("station_code")
        b.drop_column("display_name")
    with op.batch_alter_table("accounts") as b:
        b.add_column(sa.Column("role", sa.String(16), nullable=False, server_default="trainer"))
    for name in ("invitations", "signin_attempts", "web_sessions", "account_scopes"):
        op.drop_table(name)
    op.drop_table("account_roles")
    with op.batch_alter_table("accounts") as b:
        b.drop_constraint("uq_account_login", type_="unique")
        for column in ("password_changed_at", "status", "password_hash", "login"):
            b.drop_column(column)
