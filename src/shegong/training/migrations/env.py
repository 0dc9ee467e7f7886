"""Alembic environment: always online, on the connection :func:`shegong.training.progress.migrate`
passes in."""

from alembic import context

from shegong.training.progress import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when alembic is run by hand
    raise RuntimeError(
        "run migrations through shegong.training.progress.migrate(engine), not the alembic CLI"
    )

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
