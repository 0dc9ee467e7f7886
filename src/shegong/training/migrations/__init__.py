"""Alembic migrations of the progress store, run programmatically by
:func:`shegong.training.progress.migrate`."""
