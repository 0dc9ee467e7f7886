"""People (issue 14): sign-in accounts with roles and scope, web sessions, sign-in attempts,
invitations.

Replaces revision ``0004``'s ``role_grants`` (one row per login and role) with ``accounts``
(``pseudonym``, ``login`` normalised and in clear — ``shegong roles list`` prints it —,
``password_hash`` moved here from ``trainees``, ``status`` active / pending / disabled,
``password_changed_at``), ``account_roles`` (many roles per account) and ``account_scopes`` (the
org-unit codes an account is limited to). Every grant is carried over (its login where revision
0004 kept it); every trainee gets an account with the ``trainee`` role and its password hash.
The trainees' ``display_name`` and ``station_code`` come from revision ``h14_trainee_profile``.

Revision ID: p14people01
Revises: 0004
"""

import unicodedata
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "p14people01"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pseudonym", sa.String(32), nullable=False, unique=True),
        sa.Column("login", sa.String(64), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("login", name="uq_account_login"),
    )
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

    conn = op.get_bind()
    now = datetime.now(UTC)
    accounts = sa.table(
        "accounts",
        sa.column("id", sa.Integer),
        sa.column("pseudonym", sa.String),
        sa.column("login", sa.String),
        sa.column("password_hash", sa.String),
        sa.column("status", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    roles = sa.table(
        "account_roles", sa.column("account_id", sa.Integer), sa.column("role", sa.String)
    )
    grants = sa.table(
        "role_grants",
        sa.column("pseudonym", sa.String),
        sa.column("login", sa.String),
        sa.column("role", sa.String),
        sa.column("granted_at", sa.DateTime(timezone=True)),
    )
    ids: dict[str, int] = {}

    def account(pseudonym: str, login: str | None, created) -> int:
        if pseudonym not in ids:
            conn.execute(
                accounts.insert().values(
                    pseudonym=pseudonym,
                    login=unicodedata.normalize("NFKC", login).casefold().strip()
                    if login
                    else None,
                    status="active",
                    created_at=created or now,
                )
            )
            ids[pseudonym] = conn.execute(
                sa.select(accounts.c.id).where(accounts.c.pseudonym == pseudonym)
            ).scalar_one()
        return ids[pseudonym]

    rows = conn.execute(
        sa.select(grants.c.pseudonym, grants.c.login, grants.c.role, grants.c.granted_at).order_by(
            grants.c.pseudonym, grants.c.role
        )
    ).all()
    for pseudonym, login, role, granted_at in rows:
        conn.execute(
            roles.insert().values(account_id=account(pseudonym, login, granted_at), role=role)
        )
    trainees = sa.table(
        "trainees",
        sa.column("pseudonym", sa.String),
        sa.column("password_hash", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    for pseudonym, password_hash, created in conn.execute(
        sa.select(trainees.c.pseudonym, trainees.c.password_hash, trainees.c.created_at)
    ).all():
        account_id = account(pseudonym, None, created)
        conn.execute(
            accounts.update().where(accounts.c.id == account_id).values(password_hash=password_hash)
        )
        conn.execute(roles.insert().values(account_id=account_id, role="trainee"))
    op.drop_table("role_grants")
    with op.batch_alter_table("trainees") as b:
        b.drop_column("password_hash")


def downgrade() -> None:
    with op.batch_alter_table("trainees") as b:
        b.add_column(sa.Column("password_hash", sa.String(200), nullable=True))
    op.execute(
        "UPDATE trainees SET password_hash = (SELECT a.password_hash FROM accounts a "
        "WHERE a.pseudonym = trainees.pseudonym)"
    )
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
    # revision 0004 holds only the staff roles
    op.execute(
        "INSERT INTO role_grants (pseudonym, login, role, granted_at) "
        "SELECT a.pseudonym, a.login, r.role, a.created_at FROM accounts a "
        "JOIN account_roles r ON r.account_id = a.id WHERE r.role IN ('trainer', 'admin')"
    )
    for name in ("invitations", "signin_attempts", "web_sessions", "account_scopes"):
        op.drop_table(name)
    op.drop_table("account_roles")
    op.drop_table("accounts")
