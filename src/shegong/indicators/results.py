"""Readers of the precomputed results a report shows, without the machinery that computed them.

A report kernel (papermill batch or a Voila page) only reads Parquet (DESIGN.md §2.4). Importing
:mod:`shegong.indicators.evaluation` or :mod:`shegong.indicators.compute` would also import DuckDB
and the input validation stack (pandera), about a second of every cold kernel start that no report
uses; the readers here give the same frames from the same files. tests/test_report_content.py checks
that the paths and labels agree with the modules that write them.

=================================  ===========================================================
file (under the workspace)         written by
=================================  ===========================================================
``indicators/indicators.parquet``  :func:`shegong.indicators.compute.compute_indicators`
``indicators/evaluation.parquet``  :func:`shegong.indicators.evaluation.evaluate` (also findings,
                                   outcomes)
``inputs/accepted/<kind>.parquet`` :func:`shegong.indicators.inputs.import_input` (roster, training
                                   …)
=================================  ===========================================================
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shegong.config import Workspace
from shegong.errors import IndicatorError

#: grade bands of :data:`shegong.indicators.evaluation.GRADES`, as shown
GRADE_LABELS = {
    "zh": {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"},
    "en": {"excellent": "excellent", "good": "good", "pass": "pass", "fail": "fail"},
}


def read_indicators(ws: Workspace, *, totals_only: bool = False) -> pd.DataFrame:
    """``indicators/indicators.parquet`` (columns of DESIGN.md §3).

    ``totals_only`` keeps the yearly rows without disaggregation (period ``2021``,
    ``service_area`` and ``client_category`` null) — all that scoring needs, a small share of the
    file at scale (read with a Parquet filter, not filtered after reading).

    Raises:
        IndicatorError: indicators have not been computed yet.
    """
    if not ws.indicators_file.exists():
        raise IndicatorError("indicators have not been computed: run `shegong indicators compute`")
    if not totals_only:
        return pd.read_parquet(ws.indicators_file)
    keep = (
        (pc.utf8_length(pc.field("period")) == 4)
        & pc.field("service_area").is_null()
        & pc.field("client_category").is_null()
    )
    return pq.read_table(ws.indicators_file, filters=keep).to_pandas()


def no_indicators_message(year: int) -> str:
    """The one-line message for a pilot year without computed indicators (zh, then en)."""
    return (
        f"{year} 年没有指标数据 no indicators for {year}: import that year's ledgers and run "
        f"`shegong indicators compute --year {year}` first"
    )


def has_indicators(ws: Workspace, year: int) -> bool:
    """Whether ``indicators/indicators.parquet`` holds the yearly rows of ``year`` (reads only
    the ``period`` column, filtered, so it stays cheap at millions of rows); False when absent."""
    if not ws.indicators_file.exists():
        return False
    import pyarrow.parquet as pq

    return (
        pq.read_table(
            ws.indicators_file, columns=["period"], filters=[("period", "==", str(year))]
        ).num_rows
        > 0
    )


def _optional(path: Path) -> pd.DataFrame | None:
    return pd.read_parquet(path) if path.exists() else None


def evaluation_path(ws: Workspace) -> Path:
    """The station evaluation scores: ``indicators/evaluation.parquet``."""
    return ws.indicators_dir / "evaluation.parquet"


def findings_path(ws: Workspace) -> Path:
    """The evaluation findings: ``indicators/findings.parquet``."""
    return ws.indicators_dir / "findings.parquet"


def outcomes_path(ws: Workspace) -> Path:
    """The training outcomes: ``indicators/training_outcomes.parquet``."""
    return ws.indicators_dir / "training_outcomes.parquet"


def input_path(ws: Workspace, kind: str) -> Path:
    """The accepted input table of ``kind``: ``inputs/accepted/<kind>.parquet``."""
    return ws.inputs / "accepted" / f"{kind}.parquet"


def read_evaluation(ws: Workspace) -> pd.DataFrame | None:
    """Dimension scores, grades, ranks and changes per unit × year; None before evaluation."""
    return _optional(evaluation_path(ws))


def read_findings(ws: Workspace) -> pd.DataFrame | None:
    """Consistency findings per unit × year; None before evaluation."""
    return _optional(findings_path(ws))


def read_outcomes(ws: Workspace) -> pd.DataFrame | None:
    """Training beside the next year's indicators per station; None without training records."""
    return _optional(outcomes_path(ws))


def read_input(ws: Workspace, kind: str) -> pd.DataFrame | None:
    """Accepted rows of an input kind (``roster``, ``training`` …); None when never imported."""
    return _optional(input_path(ws, kind))
