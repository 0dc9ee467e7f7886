"""One pilot year's computation reads each input once and says DuckDB's errors in one line."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from shegong.cli.main import main
from shegong.config import Workspace
from shegong.errors import IndicatorError
from shegong.indicators.compute import compute_indicators
from shegong.indicators.pilot_year import compute_pilot_year
from shegong.indicators.registry import default_registry_path
from shegong.ledger.importer import import_ledgers

from .builders import write_org_units, write_standard_xlsx

#: files opened for reading while the hook is armed: path → count
_OPENS: dict[str, int] = {}
_ARMED: list[bool] = [False]


def _hook(event: str, args: tuple) -> None:
    if _ARMED[0] and event == "open" and isinstance(args[0], (str, Path)):
        mode = args[1] if len(args) > 1 and isinstance(args[1], str) else "r"
        if "r" in (mode or "r") and "+" not in (mode or ""):
            key = str(Path(args[0]).resolve()) if not isinstance(args[0], int) else ""
            _OPENS[key] = _OPENS.get(key, 0) + 1


sys.addaudithook(_hook)  # an audit hook cannot be removed: it records only while armed


@pytest.fixture
def ws(tmp_path) -> Workspace:
    ws = Workspace.at(tmp_path / "ws")
    write_org_units(ws.org_units_file)
    import_ledgers([write_standard_xlsx(tmp_path / "l.xlsx")], workspace=ws, progress=False)
    return ws


def _opens_during(fn) -> dict[str, int]:
    _OPENS.clear()
    _ARMED[0] = True
    try:
        fn()
    finally:
        _ARMED[0] = False
    return dict(_OPENS)


def test_one_compute_reads_the_org_units_and_the_registry_once_each(ws):
    opens = _opens_during(lambda: compute_pilot_year(ws, year=2021))
    assert opens.get(str(ws.org_units_file.resolve())) == 1
    assert opens.get(str(default_registry_path().resolve())) == 1


def test_the_cli_and_the_library_write_the_same_indicators(ws, tmp_path, capsys):
    compute_pilot_year(ws, year=2021)
    by_library = pd.read_parquet(ws.indicators_file)
    assert main(["indicators", "compute", "--workspace", str(ws.root), "--year", "2021"]) == 0
    by_cli = pd.read_parquet(ws.indicators_file)
    pd.testing.assert_frame_equal(by_library, by_cli)
    out = capsys.readouterr().out
    assert f"computed: {int((by_cli['period'].str.startswith('2021')).sum())} rows" in out


def test_a_workspace_path_with_an_apostrophe_computes(tmp_path):
    ws = Workspace.at(tmp_path / "it's a ws")
    write_org_units(ws.org_units_file)
    import_ledgers([write_standard_xlsx(tmp_path / "l.xlsx")], workspace=ws, progress=False)
    table = compute_indicators(ws, year=2021)
    compute_indicators(ws, year=2021)  # a second run reads the earlier file back through SQL
    league = table[
        (table["org_unit"] == "152200000000")
        & (table["indicator"] == "D7a")
        & (table["period"] == "2021")
        & table["service_area"].isna()
        & table["client_category"].isna()
    ]
    assert league["value"].tolist() == [77.0]


def test_a_duckdb_error_is_one_line(ws, monkeypatch):
    import duckdb

    def broken(*args, **kwargs):
        raise duckdb.BinderException('Binder Error: Referenced column "x" not found\nLINE 1: ...')

    monkeypatch.setattr("shegong.indicators.pilot_year.write_indicators", broken)
    with pytest.raises(IndicatorError) as caught:
        compute_pilot_year(ws, year=2021)
    message = caught.value.message()
    assert "BinderException" in message and "\n" not in message
