"""Computing a year without ledger rows refuses, and leaves other years' results alone (newcomer
report)."""

import pandas as pd
import pytest

from shegong.config import Workspace
from shegong.errors import IndicatorError
from shegong.indicators.compute import compute_indicators
from shegong.ledger.importer import import_ledgers

from .builders import write_org_units, write_standard_xlsx


def test_empty_year_is_refused_and_nothing_is_lost(tmp_path):
    ws = Workspace.at(tmp_path / "ws")
    write_org_units(ws.org_units_file)
    import_ledgers([write_standard_xlsx(tmp_path / "l.xlsx")], workspace=ws, progress=False)
    compute_indicators(ws, year=2021)
    before = pd.read_parquet(ws.indicators_file)
    with pytest.raises(IndicatorError, match="no accepted ledger rows dated 2020"):
        compute_indicators(ws, year=2020)
    pd.testing.assert_frame_equal(before, pd.read_parquet(ws.indicators_file))
    league = before[
        (before["org_unit"] == "152200000000")
        & (before["indicator"] == "D7a")
        & (before["period"] == "2021")
        & before["service_area"].isna()
        & before["client_category"].isna()
    ]
    assert league["value"].tolist() == [77.0]
