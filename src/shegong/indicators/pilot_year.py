"""One pilot year's computation, as ``shegong indicators compute`` and ``shegong demo`` run it.

:func:`compute_pilot_year` reads the org-unit file and the indicator registry once and hands them
to each step: the ledger rows outside the org units, the indicators
(:func:`~shegong.indicators.compute.write_indicators`), the evaluation
(:func:`~shegong.indicators.evaluation.evaluate`) and, where projects were imported, the project
indicators (:func:`~shegong.indicators.projects.compute_projects`). DuckDB's errors leave it as
one-line :class:`~shegong.errors.ShegongError` messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from shegong.config import Workspace
from shegong.indicators.compute import write_indicators
from shegong.indicators.duck import duckdb_errors
from shegong.indicators.evaluation import evaluate
from shegong.indicators.projects import compute_projects
from shegong.indicators.registry import Registry, load_registry
from shegong.indicators.results import read_input
from shegong.ledger.importer import rows_outside
from shegong.orgunits import OrgUnits


@dataclass(frozen=True)
class PilotYearResult:
    """What :func:`compute_pilot_year` did.

    Attributes:
        year: the pilot year.
        indicator_rows: rows written for ``year`` to ``indicators/indicators.parquet``.
        evaluation: the year's evaluation rows (columns of
            :data:`~shegong.indicators.evaluation.EVALUATION_SCHEMA`).
        rows_outside: ``{org_unit: accepted ledger rows}`` of units no longer in the org-unit
            file; indicators cannot count them.
        projects: the project indicator rows, or None where no projects were imported.
    """

    year: int
    indicator_rows: int
    evaluation: pd.DataFrame = field(repr=False)
    rows_outside: dict[str, int]
    projects: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def units_evaluated(self) -> int:
        """Org units with a score for the year."""
        return int(self.evaluation["org_unit"].nunique()) if not self.evaluation.empty else 0


def compute_pilot_year(
    workspace: Workspace, *, year: int, registry: Registry | None = None
) -> PilotYearResult:
    """Compute the indicators, the evaluation and the project indicators of pilot ``year``.

    Reads ``inputs/org_units.csv`` and the registry (default ``datasets/indicators.yaml``) once.

    Raises:
        IndicatorError: no accepted ledger rows, none dated ``year``, or DuckDB failed;
        DatasetError: an accepted Parquet file is damaged; OrgUnitError, RegistryError: a bad
        org-unit file or registry.
    """
    org_units = OrgUnits.read_csv(workspace.org_units_file)
    registry = registry or load_registry()
    lost = rows_outside(workspace, org_units)
    with duckdb_errors():
        rows = write_indicators(workspace, year=year, registry=registry, org_units=org_units)
        scores = evaluate(workspace, year=year, registry=registry, org_units=org_units)
        projects = None
        if read_input(workspace, "projects") is not None:
            projects = compute_projects(workspace, org_units=org_units)
    return PilotYearResult(
        year=year, indicator_rows=rows, evaluation=scores, rows_outside=lost, projects=projects
    )
