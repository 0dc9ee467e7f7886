"""The keys under which a distinct value seen at one unit counts
(shegong.indicators.distinct._set_keys):
the tests on its bit masks, worked out by hand, and the guard on the masks' 63 bits."""

from __future__ import annotations

import duckdb
import pytest

from shegong.errors import IndicatorError
from shegong.indicators.distinct import _set_keys


def _con(service_areas: int, client_categories: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, n in (("sa_map", service_areas), ("cc_map", client_categories)):
        con.execute(
            f"CREATE TABLE {name} AS SELECT 'v' || i AS value, CAST(i AS UTINYINT) AS "
            f"id FROM range(1, {n + 1}) t(i)"
        )
    return con


def test_a_value_counts_under_the_keys_its_masks_hold():
    con = _con(2, 3)
    keys = _set_keys(con)
    # the year, 4 quarters, 12 months, 2 service areas, 3 client categories
    assert [(s, k) for s, k, _ in keys] == [
        (0, 0),
        (1, 21),
        (1, 22),
        (1, 23),
        (1, 24),
        *((2, m) for m in range(1, 13)),
        (3, 1),
        (3, 2),
        (4, 1),
        (4, 2),
        (4, 3),
    ]
    # a value seen in February and May (bits 2 and 5), in service area 2, client category 1
    mo, sam, ccm = (1 << 2) | (1 << 5), 1 << 2, 1 << 1
    tests = ", ".join(test for _, _, test in keys)
    hits = con.execute(
        f"SELECT {tests} FROM (SELECT {mo}::UBIGINT AS mo, {sam}::UBIGINT AS sam, "
        f"{ccm}::UBIGINT AS ccm)"
    ).fetchall()[0]
    counted = [(s, k) for (s, k, _), hit in zip(keys, hits, strict=True) if hit]
    assert counted == [(0, 0), (1, 21), (1, 22), (2, 2), (2, 5), (3, 2), (4, 1)]


def test_more_than_63_values_of_a_disaggregation_are_refused():
    with pytest.raises(IndicatorError, match="client_category.*64"):
        _set_keys(_con(5, 64))
