"""Indicators and the evaluation: the registry, the inputs beyond the ledger, their source tables,
the DuckDB computation, the pilot-year evaluation, projects, and the readers of the results."""
