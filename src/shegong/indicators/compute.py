"""Indicator values per org unit × period, computed in DuckDB over the workspace's Parquet inputs.

:func:`compute_indicators` evaluates every measure of the registry
(:mod:`shegong.indicators.registry`) for every org unit and period of a pilot year — the year
(``2021``), its quarters (``2021Q1``) and months (``2021-01``) for ledger measures — rolled up the
hierarchy through a closure table:

- additive ledger terms (counts, sums) are pre-aggregated at the rows' own unit by month, and
  by service area and client category only for the terms of measures disaggregated that way,
  then summed up the ancestry (quarters and the year from the months);
- distinct counts (households, persons, organisations) are counted again at every level — never
  summed from children; values seen at one unit only (most of them) are counted there from one
  grouping pass by value, without the per-ancestor de-duplication
  (:func:`shegong.indicators.distinct.distinct_ledger`);
- rates are ratios of sums (Σ numerator ÷ Σ denominator × factor) — never a mean of ratios —
  and are suppressed (value null, status ``suppressed``) when the denominator is below the
  measure's ``min_denominator``;
- each yearly value gets its target for the unit's pilot year (stage 1–3) and unit type — the
  registry's, unless the evaluation scheme (:mod:`shegong.indicators.scheme`) gives the unit type
  none or targets of its own — and a status.

Units, periods and disaggregations stay small integers ordered like their text (:func:`_keys`)
until the output rows are written. The result replaces that year's rows in
``indicators/indicators.parquet`` (other years are kept), columns of DESIGN.md §3
(:data:`OUTPUT_COLUMNS`). Input tables: see
:func:`shegong.indicators.sources.build_sources`.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from shegong import atomic
from shegong.config import Workspace
from shegong.errors import IndicatorError
from shegong.indicators.distinct import distinct_ledger
from shegong.indicators.distinct import keys_sql as _keys
from shegong.indicators.duck import quote, quote_list
from shegong.indicators.registry import (
    SOURCE_COLUMNS,
    Measure,
    Registry,
    Term,
    load_registry,
)
from shegong.indicators.scheme import Scheme, default_scheme
from shegong.indicators.sources import build_sources, org_frame, term_key, unit_stages, where
from shegong.orgunits import OrgUnits

#: Disaggregation value for events that left the column blank (null means "all").
UNSPECIFIED = "unspecified"

#: ``indicators.parquet`` columns and Arrow types (DESIGN.md §3).
OUTPUT_SCHEMA = pa.schema(
    [
        ("org_unit", pa.string()),
        ("level", pa.int32()),
        ("period", pa.string()),
        ("indicator", pa.string()),
        ("value", pa.float64()),
        ("numerator", pa.float64()),
        ("denominator", pa.float64()),
        ("unit", pa.string()),
        ("target", pa.float64()),
        ("status", pa.string()),
        ("service_area", pa.string()),
        ("client_category", pa.string()),
    ]
)
OUTPUT_COLUMNS = tuple(OUTPUT_SCHEMA.names)
KEYS = ["org_unit", "period", "service_area", "client_category"]


def _agg(term: Term, col: str = "v") -> str:
    if term.aggregation == "count":
        return "COUNT(*)"
    if term.aggregation == "sum":
        return f"SUM({term.field})"
    return f"COUNT(DISTINCT {col})"


def _period_text(col: str, year: int) -> str:
    """A period code (0 the year, 1–12 a month, 21–24 a quarter) as text: ``2021``, ``2021-01`` or
    ``2021Q1``."""
    y = int(year)
    return f"""CASE WHEN {col} = 0 THEN '{y}'
                    WHEN {col} > 20 THEN '{y}Q' || CAST({col} - 20 AS VARCHAR)
                    ELSE '{y}-' || lpad(CAST({col} AS VARCHAR), 2, '0') END"""


def _ledger_year(con, year: int, terms: dict[str, Term]) -> dict[str, str]:
    """The year's ledger rows as table ``ledger_y``, read once and scanned by every ledger term:
    the row's integer unit id ``uid`` and ``level``, ``month``, ``quarter``, small integer codes
    ``sa_c`` and ``cc_c`` of the disaggregations (tables ``sa_map``, ``cc_map``: ids from 1 in
    the order of the text, a blank coded as ``unspecified``), the
    fields the ``terms`` aggregate (``person_times`` …, the pids of the distinct counts) and one
    boolean column per distinct term filter, evaluated here once rather than in every grouping.
    No other text column is kept. Returns filter SQL (:func:`where`) → its column (``f0`` …)."""
    present = {r[0] for r in con.execute("DESCRIBE ledger").fetchall()}
    missing = "".join(f", NULL AS {c}" for c in SOURCE_COLUMNS["ledger"] if c not in present)
    flags = {
        w: f"f{i}"
        for i, w in enumerate(
            w for w in dict.fromkeys(where(t) for t in terms.values()) if w != "TRUE"
        )
    }
    kept = [
        *sorted({t.field for t in terms.values() if t.field}),
        *(f"{w} AS {f}" for w, f in flags.items()),
    ]
    for d, short in (("service_area", "sa"), ("client_category", "cc")):
        con.execute(f"""CREATE TABLE {short}_map AS SELECT value,
                            CAST(row_number() OVER (ORDER BY value) AS UTINYINT) AS id
                        FROM (SELECT DISTINCT COALESCE({d}, '{UNSPECIFIED}') AS value FROM ledger
                            WHERE year = {int(year)})""")
    con.execute(f"""CREATE TABLE ledger_y AS SELECT u.uid, u.level, l.month,
                        (l.month + 2) // 3 AS quarter,
                           sa.id AS sa_c, cc.id AS cc_c, l.* EXCLUDE (org_unit, month, sa, cc)
                    FROM (SELECT org_unit, month, service_area AS sa,
                        client_category AS cc{"".join(", " + k for k in kept)}
                          FROM (SELECT *{missing} FROM ledger) WHERE year = {int(year)}) l
                    JOIN units u ON u.code = l.org_unit
                    JOIN sa_map sa ON sa.value = COALESCE(l.sa, '{UNSPECIFIED}')
                    JOIN cc_map cc ON cc.value = COALESCE(l.cc, '{UNSPECIFIED}')""")
    return {**flags, "TRUE": "TRUE"}


def _additive_ledger(
    con, terms: dict[str, Term], sets: dict[str, set[str]], flags: dict[str, str], year: int
) -> dict[str, str]:
    """Every count/sum ledger term grouped at the rows' own unit by month and — only for the
    terms of measures disaggregated that way (``sets``: term key → disaggregations) — by service
    area and by client category, one scan each; quarters and the year are sums of the months;
    then everything is summed up the closure table into ``additive``. Returns term key → column."""
    if not terms:
        return {}
    names = {k: f"a{i}" for i, k in enumerate(terms)}

    def scan(key: str, keys: list[str]) -> str:  # one grouping of the rows; s, k as in ``additive``
        cols = ", ".join(
            f"CAST(COALESCE({_agg(terms[k])} FILTER (WHERE {flags[where(terms[k])]}), "
            f"0) AS DOUBLE) AS {names[k]}"
            for k in keys
        )
        return f"SELECT uid, {key}, {cols} FROM ledger_y GROUP BY ALL"

    scans = [scan("CAST(0 AS UTINYINT) AS s, CAST(month AS UTINYINT) AS k", list(terms))]
    for set_id, d, code in ((1, "service_area", "sa_c"), (2, "client_category", "cc_c")):
        if keys := [k for k in terms if d in sets[k]]:
            scans.append(scan(f"CAST({set_id} AS UTINYINT) AS s, {code} AS k", keys))
    summed = ", ".join(f"SUM({n}) AS {n}" for n in names.values())
    sums = ", ".join(
        f"SUM(s.{n}) / {t.scale!r} AS {n}"
        for (k, t), n in zip(terms.items(), names.values(), strict=True)
    )
    # s = 0 a period (code of _period_text), 1 a service area, 2 a client category (k = map id)
    con.execute(f"""CREATE TABLE additive AS
        WITH m AS ({" UNION ALL BY NAME ".join(f"({q})" for q in scans)}),
             s AS (SELECT * FROM m
                   UNION ALL BY NAME SELECT uid, 0 AS s, 0 AS k, {
        summed
    } FROM m WHERE s = 0 GROUP BY uid
                   UNION ALL BY NAME SELECT uid, 0 AS s, CAST(20 + (k + 2) // 3 AS UTINYINT) AS k, {
        summed
    } FROM m
                                     WHERE s = 0 GROUP BY ALL),
             r AS (SELECT a.anc, s.s, s.k, {
        sums
    } FROM s JOIN ancestry_i a ON a.uid = s.uid GROUP BY ALL)
        SELECT anc AS uid, {
        _keys(
            "CASE WHEN r.s = 0 THEN r.k ELSE 0 END",
            "CASE WHEN r.s = 1 THEN r.k ELSE 0 END",
            "CASE WHEN r.s = 2 THEN r.k ELSE 0 END",
        )
    }, r.* EXCLUDE (anc, s, k) FROM r""")
    return names


def _other(con, term: Term, year: int, name: str) -> None:
    """A term over a yearly input table (roster, survey …): yearly rows only."""
    con.execute(f"""CREATE TABLE {name} AS
        SELECT u.uid, {_keys("0", "0", "0")}, CAST({_agg(term, term.field or "")} AS DOUBLE) /
            {term.scale} AS {name}
        FROM {term.source} s JOIN ancestry a ON s.org_unit = a.code JOIN units u
            ON u.code = a.ancestor
        WHERE s.year = {int(year)} AND {where(term)} GROUP BY u.uid""")


def _wide(con, registry: Registry, year: int, have: set[str]) -> dict[str, str]:
    """Every distinct term computed once and joined into the table ``wide``: one row per
    (org_unit, period, service_area, client_category) where any term has data, plus a yearly
    row for every unit, with one column per term (null where that term has no row), the
    unit's ``level``, pilot-year ``stage`` and operating stations ``n_under``; grouped and
    ordered on the integer keys ``uid``, ``p``, ``sa``, ``cc`` (:func:`_keys`), which it keeps
    beside their text.
    Returns term key → column of ``wide``."""
    wanted: dict[str, Term] = {}
    sets: dict[str, set[str]] = {}  # term key → the disaggregations of the measures that use it
    for m in registry.measures:
        for t in (m.numerator, m.denominator):
            if t is not None:
                t = registry.resolve(t)
                wanted[term_key(t)] = t
                sets.setdefault(term_key(t), set()).update(m.disaggregate)
    flags = _ledger_year(con, year, {k: t for k, t in wanted.items() if t.source == "ledger"})
    additive = {
        k: t
        for k, t in wanted.items()
        if t.source == "ledger" and t.aggregation != "distinct_count"
    }
    columns = _additive_ledger(con, additive, sets, flags, year)
    parts = (
        [f"SELECT uid, p, sa, cc, {', '.join(columns.values())} FROM additive"] if columns else []
    )
    for i, (k, t) in enumerate(wanted.items()):
        if t.source not in have or k in columns:
            continue
        name = f"x{i}"
        if t.source == "ledger":
            distinct_ledger(con, t, flags[where(t)], year, name)
        else:
            _other(con, t, year, name)
        columns[k] = name
        parts.append(f"SELECT * FROM {name}")
    parts.append(f"SELECT uid, {_keys('0', '0', '0')} FROM units")
    sums = "".join(f", SUM({c}) AS {c}" for c in columns.values())
    con.execute(
        "SET preserve_insertion_order = true"
    )  # from here on: the same input, the same file
    con.execute(f"""CREATE TABLE wide AS
        WITH k AS ({" UNION ALL BY NAME ".join(f"({p})" for p in parts)}),
             w AS (SELECT uid, p, sa, cc{sums} FROM k GROUP BY ALL)
        SELECT u.code AS org_unit, {_period_text("w.p", year)} AS period, sm.value AS service_area,
               cm.value AS client_category, w.*, u.level, u.stage, u.unit_type, COALESCE(su.n,
                   0) AS n_under
        FROM w JOIN units u ON u.uid = w.uid LEFT JOIN under su ON su.code = u.code
        LEFT JOIN sa_map sm ON sm.id = w.sa LEFT JOIN cc_map cm ON cm.id = w.cc
        ORDER BY w.uid, w.p, w.sa, w.cc""")
    return columns


def _target_sql(m: Measure, scheme: Scheme) -> str:
    """The target of a yearly value: the registry's by pilot year (``stage``), unless the unit's
    type has no targets or targets of its own in the scheme (issue 16: a centre is not judged
    against station targets)."""
    by_stage = " ".join(f"WHEN {int(st)} THEN {float(t)!r}" for st, t in m.targets.items())
    target = f"CASE stage {by_stage} END" if m.targets else "NULL::DOUBLE"
    cases = []
    for unit_type, rule in scheme.unit_types.items():
        if rule.targets == "registry":
            continue
        own = rule.targets if isinstance(rule.targets, dict) else {}
        years = " ".join(f"WHEN {int(st)} THEN {float(t)!r}" for st, t in own.get(m.id, {}).items())
        cases.append(
            f"WHEN unit_type = '{unit_type}' THEN "
            + (f"CASE stage {years} END" if years else "NULL::DOUBLE")
        )
    return f"CASE {' '.join(cases)} ELSE {target} END" if cases else target


def _measure_sql(
    m: Measure, registry: Registry, columns: dict[str, str], year: int, scheme: Scheme
) -> str | None:
    """One measure's output rows, projected from ``wide``: a yearly row for every unit at its
    levels, plus every period and disaggregation where its terms have data; ratios of sums,
    suppressed below ``min_denominator``; the target of the unit's pilot year (× operating
    stations under the unit for ``per_station`` targets, on yearly totals of levels ≤ 4 only)
    and the status."""
    num_t = registry.resolve(m.numerator)
    den_t = registry.resolve(m.denominator) if m.denominator is not None else None
    if term_key(num_t) not in columns or (den_t is not None and term_key(den_t) not in columns):
        return None  # an input that was never imported: no rows rather than false zeros
    n = columns[term_key(num_t)]
    total = "(p = 0 AND sa = 0 AND cc = 0)"
    present = [f"{n} IS NOT NULL", total]
    if den_t is not None:
        d = columns[term_key(den_t)]
        present.append(f"{d} IS NOT NULL")
        small = f"(COALESCE({d}, 0) <= 0 OR COALESCE({d}, 0) < {m.min_denominator!r})"
        value = f"CASE WHEN {small} THEN NULL ELSE COALESCE({n}, 0) / {d} * {m.factor!r} END"
        num_col, den_col = f"COALESCE({n}, 0)", f"COALESCE({d}, 0)"
    else:
        small, value, num_col, den_col = (
            "FALSE",
            f"COALESCE({n}, 0) * {m.factor!r}",
            "NULL::DOUBLE",
            "NULL::DOUBLE",
        )
    yearly_only = num_t.source != "ledger" or (den_t is not None and den_t.source != "ledger")
    dis = set(m.disaggregate)
    target = _target_sql(m, scheme)
    if m.target_scope == "per_station":
        target = f"CASE WHEN {total} AND n_under > 0 AND level <= 4 THEN ({target}) * n_under END"
    status = f"""CASE WHEN suppressed THEN 'suppressed' WHEN target IS NULL THEN 'no_target'
                      WHEN value >= target - 1e-9 THEN 'met'
                      WHEN value >= {m.near!r} * target - 1e-9 THEN 'near'
                      ELSE 'missed' END"""
    rows = f"""SELECT org_unit, level, period, {value} AS value, {num_col} AS numerator,
                   {den_col} AS denominator,
                      {small} AS suppressed, {target} AS target, service_area, client_category
               FROM wide WHERE level IN ({", ".join(str(int(lv)) for lv in m.levels)})
                   AND ({" OR ".join(present)})
                 AND (sa = 0 OR {"service_area" in dis}) AND (cc = 0 OR {"client_category" in dis})
                 AND ({not yearly_only} OR p = 0)"""
    return f"""SELECT org_unit, CAST(level AS INTEGER) AS level, period, '{m.id}' AS indicator,
                   value,
                      numerator, denominator, '{m.unit}' AS unit, target, {status} AS status,
                          service_area, client_category
               FROM ({rows})"""


def write_indicators(
    workspace: Workspace,
    *,
    year: int,
    registry: Registry | None = None,
    scheme: Scheme | None = None,
    org_units: OrgUnits | None = None,
) -> int:
    """Compute every registered measure for every org unit for the pilot ``year`` and write them
    to ``indicators/indicators.parquet``, replacing that year's rows and keeping other years'.

    Yearly rows exist for every unit at the measure's valid levels (0 where the source had no
    rows; none at all when the source was never imported); quarters, months and
    disaggregations (``service_area``, ``client_category``) exist for ledger measures where
    there is data. DuckDB writes the rows straight to Parquet (atomically: a temporary file
    renamed over the old one), measure by measure in registry order, each by org unit, period
    and disaggregation, the years in ascending order: the same inputs give the same rows in the
    same order whatever order the years were computed in (and, run again the same way, the same
    bytes, which ``shegong report --resume`` compares by hash).

    Returns:
        The number of rows written for ``year``.

    Raises:
        IndicatorError: no accepted ledger rows in the workspace or none dated ``year``;
            OrgUnitError for a bad org-unit file; RegistryError for a bad registry.
    """
    registry = registry or load_registry()
    scheme = scheme or default_scheme()
    org_units = org_units or OrgUnits.read_csv(workspace.org_units_file)
    ledgers = sorted(workspace.accepted_dir.glob("*.parquet"))
    if not ledgers:
        raise IndicatorError(
            "no ledger has been imported into this workspace: run `shegong ledger import` first"
        )
    in_year = duckdb.sql(
        f"SELECT count(*) FROM read_parquet({quote_list(ledgers)}, union_by_name=true) "
        f"WHERE year = {int(year)}"
    ).fetchall()[0][0]
    if not in_year:  # never overwrite good results with an empty year
        raise IndicatorError(
            f"no accepted ledger rows dated {int(year)}: import that year's ledgers first "
            "(other years' indicators are left as they are)"
        )
    org = org_frame(org_units)
    stage = unit_stages(org, registry, year)
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = false")
        con.register("ancestry_df", org_units.ancestry())
        con.execute("CREATE TABLE ancestry AS SELECT * FROM ancestry_df")
        units = org_units.frame[["code", "level", "unit_type"]].assign(
            stage=org_units.frame["code"].map(stage)
        )
        con.register("units_df", units)
        con.execute("""CREATE TABLE units AS SELECT code, CAST(level AS INTEGER) AS level, stage,
                            unit_type,
                               CAST(row_number() OVER (ORDER BY code) AS INTEGER) AS uid
                                   FROM units_df""")
        con.execute("""CREATE TABLE ancestry_i AS SELECT u.uid, x.uid AS anc FROM ancestry a
                       JOIN units u ON u.code = a.code JOIN units x ON x.code = a.ancestor""")
        have = build_sources(con, workspace, org, [year])
        con.execute(f"""CREATE TABLE under AS SELECT a.ancestor AS code, COUNT(*) AS n
                            FROM stations s
                        JOIN ancestry a ON s.org_unit = a.code WHERE s.year = {int(year)}
                            AND s.operating GROUP BY a.ancestor""")
        columns = _wide(con, registry, year, have)
        parts = [
            sql
            for m in registry.measures
            if (sql := _measure_sql(m, registry, columns, year, scheme)) is not None
        ]
        sources = [" UNION ALL ".join(f"({p})" for p in parts)]
        kept = 0
        if workspace.indicators_file.exists():  # other years are kept, the years in ascending order
            old = (
                f"SELECT {', '.join(OUTPUT_COLUMNS)} FROM "
                f"read_parquet({quote(workspace.indicators_file)})"
            )
            year_of = "TRY_CAST(left(period, 4) AS INTEGER)"
            kept = con.execute(
                f"SELECT count(*) FROM ({old}) WHERE NOT starts_with(period, '{int(year)}')"
            ).fetchall()[0][0]
            sources = [
                f"{old} WHERE {year_of} < {int(year)}",
                sources[0],
                f"{old} WHERE {year_of} > {int(year)}",
            ]
        cast = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in _SQL_TYPES.items())
        written: list[int] = []
        atomic.write_with(
            workspace.indicators_file,
            lambda p: written.append(
                con.execute(
                    f"COPY (SELECT {cast} FROM "
                    f"({' UNION ALL '.join(f'({s})' for s in sources)})) TO "
                    f"{quote(p)} "
                    "(FORMAT parquet, COMPRESSION zstd)"
                ).fetchall()[0][0]
            ),
        )
    finally:
        con.close()
    return int(written[0]) - int(kept)


#: DuckDB types of :data:`OUTPUT_SCHEMA`.
_SQL_TYPES = {
    "org_unit": "VARCHAR",
    "level": "INTEGER",
    "period": "VARCHAR",
    "indicator": "VARCHAR",
    "value": "DOUBLE",
    "numerator": "DOUBLE",
    "denominator": "DOUBLE",
    "unit": "VARCHAR",
    "target": "DOUBLE",
    "status": "VARCHAR",
    "service_area": "VARCHAR",
    "client_category": "VARCHAR",
}


def compute_indicators(
    workspace: Workspace,
    *,
    year: int,
    registry: Registry | None = None,
    scheme: Scheme | None = None,
    org_units: OrgUnits | None = None,
) -> pd.DataFrame:
    """:func:`write_indicators`, then the year's rows as a frame, ordered by indicator, org unit,
    period, service area and client category.

    Returns:
        Columns of DESIGN.md §3: ``org_unit`` (str), ``level`` (int32), ``period`` (``2021``,
        ``2021Q2`` or ``2021-05``), ``indicator`` (measure id), ``value`` (float64; null when
        suppressed), ``numerator`` and ``denominator`` (float64; null for plain figures),
        ``unit``, ``target`` (float64 or null), ``status`` (met / near / missed / suppressed /
        no_target), ``service_area``, ``client_category`` (null = all).

    Raises:
        As :func:`write_indicators`.
    """
    write_indicators(workspace, year=year, registry=registry, scheme=scheme, org_units=org_units)
    table = pq.read_table(workspace.indicators_file, schema=OUTPUT_SCHEMA).filter(
        pc.starts_with(pc.field("period"), str(int(year)))
    )
    order = [
        (c, "ascending", "at_start")
        for c in ("indicator", "org_unit", "period", "service_area", "client_category")
    ]
    return table.sort_by(order).to_pandas()
