"""Distinct counts of ledger values (households, persons) at every org-unit level, counted from
the rows — never summed from children (DOMAIN.md §3). Called by :mod:`shegong.indicators.compute`
on its DuckDB connection, whose tables ``ledger_y``, ``ancestry_i``, ``sa_map`` and ``cc_map``
it reads."""

from __future__ import annotations

from shegong.errors import IndicatorError
from shegong.indicators.registry import Term


def keys_sql(period: str, service_area: str, client_category: str) -> str:
    """The integer keys of the term tables and ``wide``, each UTINYINT and 0 for the year / all:
    ``p`` a period code (:func:`shegong.indicators.compute._period_text`), ``sa`` and ``cc`` ids of
    ``sa_map`` and ``cc_map``.
    Their order is the order of the text they stand for."""
    return (
        f"CAST({period} AS UTINYINT) AS p, CAST({service_area} AS UTINYINT) AS sa, "
        f"CAST({client_category} AS UTINYINT) AS cc"
    )


#: The distinct counts' grouping sets as (set id, key expression over ``{name}_r``): the year,
#: quarters (period code 21–24), months (1–12), service areas and client categories (map ids).
_DISTINCT_SETS = (
    (0, "CAST(0 AS UTINYINT)"),
    (1, "CAST(20 + quarter AS UTINYINT)"),
    (2, "CAST(month AS UTINYINT)"),
    (3, "sa_c"),
    (4, "cc_c"),
)


def _set_keys(con) -> list[tuple[int, int, str]]:
    """Every (set id, key) of :data:`_DISTINCT_SETS` with the test a value's bit masks (months
    ``mo``, service areas ``sam``, client categories ``ccm``) pass when the value occurs under
    that key.

    Raises:
        IndicatorError: a disaggregation column with more than 63 values (the ledger's
            vocabularies have a handful).
    """
    ids = {}
    for d, m in (("service_area", "sa_map"), ("client_category", "cc_map")):
        ids[m] = [r[0] for r in con.execute(f"SELECT id FROM {m} ORDER BY id").fetchall()]
        if len(ids[m]) > 63:
            raise IndicatorError(
                f"台账 {d} 列有 {len(ids[m])} 个不同取值，最多可计 63 个 / the ledger's {d} column "
                f"has {len(ids[m])} distinct values; at most 63 can be counted"
            )
    return [
        (0, 0, "TRUE"),
        *((1, 20 + q, f"(mo & {7 << (3 * q - 2)}) <> 0") for q in range(1, 5)),
        *((2, m, f"(mo & {1 << m}) <> 0") for m in range(1, 13)),
        *((3, i, f"(sam & {1 << i}) <> 0") for i in ids["sa_map"]),
        *((4, i, f"(ccm & {1 << i}) <> 0") for i in ids["cc_map"]),
    ]


def distinct_ledger(con, term: Term, flag: str, year: int, name: str) -> None:
    """A distinct count (households, persons) at every level, counted from the rows — never
    summed from children.

    One grouping pass by value codes each value as a small integer and keeps the unit where it
    was seen (when only one) and bit masks of its months, service areas and client categories.
    A value seen at one unit only (most of them) counts at that unit once under each key whose
    bit its masks hold (:func:`_set_keys`) — no further pass over its rows. The rows of the
    values seen at several units are taken again; every (period or disaggregation, value) finds
    its units in one grouping pass per set: if they all lie on one line of descent (a village
    room and its own station) the value counts once at the deepest of them and at each of its
    ancestors; only values seen at units on different branches are de-duplicated per ancestor
    through the closure table. All parts add up to exactly ``COUNT(DISTINCT value)`` per
    ancestor.
    """
    f = term.field
    bit = "bit_or(CAST(1 AS UBIGINT) << {})"
    con.execute(f"""CREATE TABLE {name}_v AS SELECT {f} AS v,
                        CAST(row_number() OVER () AS UINTEGER) AS vid,
                           min(uid) AS uid, min(uid) = max(uid) AS one_unit,
                           {bit.format("month")} AS mo, {bit.format("sa_c")} AS sam,
                               {bit.format("cc_c")} AS ccm
                    FROM ledger_y WHERE {f} IS NOT NULL AND {flag} GROUP BY {f}""")
    counts = ", ".join(f"count_if({test}) AS c{1000 * s + k}" for s, k, test in _set_keys(con))
    key = "CAST(key[2:] AS INTEGER)"  # c1021 → set 1, key 21
    con.execute(f"""CREATE TABLE {name}_one AS SELECT CAST({key} // 1000 AS UTINYINT) AS s,
                           CAST({key} % 1000 AS UTINYINT) AS k, uid AS d, c
                    FROM (UNPIVOT (SELECT uid, {counts} FROM {name}_v WHERE one_unit GROUP BY uid)
                          ON COLUMNS(* EXCLUDE (uid)) INTO NAME key VALUE c) WHERE c > 0""")
    con.execute(f"""CREATE TABLE {name}_r AS SELECT l.uid, l.level, l.month, l.quarter, l.sa_c,
                        l.cc_c, v.vid AS v
                    FROM ledger_y l JOIN (SELECT v, vid FROM {name}_v WHERE NOT one_unit) v
                        ON v.v = l.{f} WHERE {flag}""")
    con.execute(f"DROP TABLE {name}_v")
    con.execute(f"CREATE TABLE {name}_g (s UTINYINT, k UTINYINT, v UINTEGER, d INTEGER)")
    for (
        set_id,
        key,
    ) in _DISTINCT_SETS:  # values on one line of descent are counted at once; the others kept in _g
        con.execute(f"""CREATE TEMP TABLE pairs AS SELECT {key} AS k, v, arg_max(uid, level) AS d,
                               min(uid) <> max(uid) AS multi FROM {name}_r GROUP BY k, v""")
        con.execute(
            f"INSERT INTO {name}_one SELECT {set_id}, k, d, COUNT(*) FROM pairs WHERE "
            "NOT multi GROUP BY k, d"
        )
        con.execute(f"INSERT INTO {name}_g SELECT {set_id}, k, v, d FROM pairs WHERE multi")
        con.execute("DROP TABLE pairs")
    con.execute(
        f"""CREATE TABLE {name}_p AS SELECT DISTINCT * FROM ({
            " UNION ALL ".join(
                f"SELECT {set_id} AS s, {key} AS k, v, uid FROM {name}_r "
                f"WHERE v IN (SELECT v FROM {name}_g)"
                for set_id, key in _DISTINCT_SETS
            )
        }) p SEMI JOIN {name}_g m USING (s, k, v)"""
    )
    con.execute(f"""CREATE TABLE {name}_n AS SELECT m.s, m.k, m.v FROM {name}_g m
        JOIN {name}_p p USING (s, k, v) LEFT JOIN ancestry_i a ON a.uid = m.d AND a.anc = p.uid
        GROUP BY ALL HAVING bool_or(a.uid IS NULL)""")
    con.execute(f"""CREATE TABLE {name} AS
        WITH one AS (SELECT d, s, k, c FROM {name}_one
                     UNION ALL SELECT d, s, k, COUNT(*) FROM {name}_g ANTI JOIN {
        name
    }_n USING (s, k, v) GROUP BY ALL),
             many AS (SELECT DISTINCT a.anc, p.s, p.k, p.v FROM {name}_p p SEMI JOIN {
        name
    }_n USING (s, k, v)
                      JOIN ancestry_i a ON a.uid = p.uid),
             r AS (SELECT anc, s, k, SUM(c) AS c FROM (SELECT a.anc, o.s, o.k, o.c FROM one o
                 JOIN ancestry_i a ON a.uid = o.d
                                                     UNION ALL SELECT anc, s, k, COUNT(*) FROM many
                                                         GROUP BY ALL) GROUP BY ALL)
        SELECT anc AS uid, {
        keys_sql(
            "CASE WHEN s < 3 THEN k ELSE 0 END",
            "CASE WHEN s = 3 THEN k ELSE 0 END",
            "CASE WHEN s = 4 THEN k ELSE 0 END",
        )
    }, CAST(c AS DOUBLE) / {term.scale!r} AS {name} FROM r""")
    for part in ("r", "one", "g", "p", "n"):
        con.execute(f"DROP TABLE {name}_{part}")
