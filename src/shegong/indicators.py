"""Indicator values per org unit × period, computed in DuckDB over the workspace's Parquet inputs.

:func:`compute_indicators` evaluates every measure of the registry (:mod:`shegong.registry`)
for every org unit and period of a pilot year — the year (``2021``), its quarters (``2021Q1``)
and months (``2021-01``) for ledger measures — rolled up the hierarchy through a closure table:

- additive ledger terms (counts, sums) are pre-aggregated once per leaf unit × month ×
  disaggregation in a single scan, then summed up the ancestry with GROUPING SETS;
- distinct counts (households, persons, organisations) are de-duplicated at the leaf first and
  then counted again at every level — never summed from children;
- rates are ratios of sums (Σ numerator ÷ Σ denominator × factor) — never a mean of ratios —
  and are suppressed (value null, status ``suppressed``) when the denominator is below the
  measure's ``min_denominator``;
- each yearly value gets its target for the unit's pilot year (stage 1–3) and a status.

The result replaces that year's rows in ``indicators/indicators.parquet`` (other years are
kept), columns of DESIGN.md §3 (:data:`OUTPUT_COLUMNS`). Input tables: see :func:`_sources`.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import atomic
from .config import Workspace
from .errors import IndicatorError
from .inputs import load_input
from .orgunits import OrgUnits
from .registry import (  # noqa: F401 — re-exported for callers of the first version
    DISAGGREGATIONS, SCHEMA_VERSION, UNITS, Measure, Registry, Term, default_registry_path, load_registry,
)

#: Disaggregation value for events that left the column blank (null means "all").
UNSPECIFIED = "unspecified"
INDIVIDUAL = ("home_visit", "file_opened", "case_opened", "case_follow_up", "case_closed", "referral")

#: ``indicators.parquet`` columns and Arrow types (DESIGN.md §3).
OUTPUT_SCHEMA = pa.schema([
    ("org_unit", pa.string()), ("level", pa.int32()), ("period", pa.string()), ("indicator", pa.string()),
    ("value", pa.float64()), ("numerator", pa.float64()), ("denominator", pa.float64()), ("unit", pa.string()),
    ("target", pa.float64()), ("status", pa.string()), ("service_area", pa.string()), ("client_category", pa.string()),
])
OUTPUT_COLUMNS = tuple(OUTPUT_SCHEMA.names)
KEYS = ["org_unit", "period", "service_area", "client_category"]


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _where(term: Term) -> str:
    clauses = [f"CAST({col} AS VARCHAR) IN ({', '.join(_quote(v) for v in vals)})" for col, vals in term.filter.items()]
    return " AND ".join(clauses) if clauses else "TRUE"


def _key(term: Term) -> str:
    return f"{term.source}|{term.aggregation}|{term.field}|{sorted(term.filter.items())}|{term.scale}"


def _org_frame(ws: Workspace) -> pd.DataFrame:
    """The raw org-unit CSV with the optional columns ``opening_date`` and ``pilot_batch``."""
    raw = pd.read_csv(ws.org_units_file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for col in ("opening_date", "pilot_batch"):
        if col not in raw.columns:
            raw[col] = ""
    return raw


def _register(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame | None, columns: dict[str, str]) -> bool:
    """Register ``frame`` as table ``name``; an empty table of ``columns`` when absent."""
    if frame is None:
        if not columns:
            return False
        cols = ", ".join(f"{c} {t}" for c, t in columns.items())
        con.execute(f"CREATE TABLE {name} ({cols})")
        return False
    con.register(f"{name}_df", frame)
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_df")
    return True


def _sources(con: duckdb.DuckDBPyConnection, ws: Workspace, org: pd.DataFrame, years: list[int]) -> set[str]:
    """Create the input tables of :data:`shegong.registry.SOURCE_COLUMNS` (each with ``org_unit``
    and ``year``); returns the names of the sources that have data."""
    have = {"stations"}
    yrs = ", ".join(f"({int(y)})" for y in years)
    con.execute(f"CREATE TABLE years AS SELECT * FROM (VALUES {yrs}) t(year)")
    con.register("org_df", org)
    con.execute("""CREATE TABLE stations AS SELECT o.code AS org_unit, o.code, y.year,
        (o.opening_date = '' OR TRY_CAST(o.opening_date AS DATE) <= make_date(y.year, 12, 31)) AS operating
        FROM org_df o, years y WHERE o.unit_type = 'station'""")
    inp = {k: load_input(ws, k) for k in ("service_lists", "divisions", "roster", "training", "survey", "site_visits",
                                          "receipts", "audits", "organisations", "case_outcomes", "priority_households", "groups")}
    _register(con, "service_lists_t", inp["service_lists"], {"station_code": "VARCHAR", "year": "BIGINT", "service_area": "VARCHAR"})
    files = sorted(ws.accepted_dir.glob("*.parquet"))
    con.execute(f"""CREATE VIEW ledger AS SELECT l.*, (l.service_area IS NOT NULL AND l.staff_ids IS NOT NULL AND
          (l.event_type NOT IN ({', '.join(map(_quote, INDIVIDUAL))}) OR (l.client_pid IS NOT NULL AND
           l.household_pid IS NOT NULL AND l.client_category IS NOT NULL AND (l.room_code IS NOT NULL
           OR l.station_code NOT IN (SELECT parent_code FROM org_df WHERE unit_type = 'room'))))) AS complete,
          (sl.station_code IS NOT NULL) AS in_service_list
        FROM read_parquet({[str(f) for f in files]!r}, union_by_name=true) l
        LEFT JOIN (SELECT DISTINCT station_code, CAST(year AS INTEGER) AS year, service_area FROM service_lists_t) sl
          ON sl.station_code = l.station_code AND sl.year = l.year AND sl.service_area = l.service_area""")
    have.add("ledger")
    if _register(con, "divisions_t", inp["divisions"], {}):
        have.add("divisions")
        con.execute("""CREATE TABLE divisions AS SELECT d.parent_unit AS org_unit, y.year, d.division_code, d.kind,
            (d.served_by IS NOT NULL AND (d.opened IS NULL OR CAST(d.opened AS DATE) <= make_date(y.year, 12, 31))) AS covered
            FROM divisions_t d, years y""")
    _register(con, "training_t", inp["training"], {"station_code": "VARCHAR", "year": "BIGINT", "trainee_id": "VARCHAR",
              "trainee_pid": "VARCHAR", "trainee_role": "VARCHAR", "stage": "VARCHAR", "format": "VARCHAR",
              "hours": "DOUBLE", "date": "TIMESTAMP"})
    if inp["training"] is not None:
        have.add("training")
    con.execute("CREATE VIEW training AS SELECT station_code AS org_unit, * FROM training_t")
    if _register(con, "roster_t", inp["roster"], {}):
        have.add("staff")
        con.execute("""CREATE TABLE staff AS SELECT r.station_code AS org_unit, y.year, r.staff_id, r.role, r.employment,
              r.qualification, (r.qualification <> '无'
                AND (r.certificate_year IS NULL OR r.certificate_year <= y.year)) AS certified,
              COALESCE(t.hours, 0) AS training_hours, COALESCE(t.months, 0) AS supervised_months,
              COALESCE(t.months, 0) >= 12 AS supervised_monthly
            FROM roster_t r CROSS JOIN years y
            LEFT JOIN (SELECT trainee_id, year, SUM(hours) AS hours,
                         COUNT(DISTINCT CASE WHEN format IN ('个别督导', '团体督导') THEN month(date) END) AS months
                       FROM training_t WHERE trainee_id IS NOT NULL GROUP BY ALL) t
              ON t.trainee_id = r.staff_id AND t.year = y.year
            WHERE (r.start_date IS NULL OR r.start_date <= make_date(y.year, 12, 31))
              AND (r.end_date IS NULL OR r.end_date >= make_date(y.year, 1, 1))""")
    simple = {
        "survey": """SELECT station_code AS org_unit, year, respondent_type, satisfaction >= 4 AS satisfied,
                     (CAST(aware_address AS INT) + CAST(aware_services AS INT) + CAST(aware_staff AS INT)
                      + CAST(aware_channel AS INT) + CAST(aware_funding AS INT)) >= 3 AS aware FROM survey_t WHERE consent""",
        "site_visits": """SELECT station_code AS org_unit, year,
                     CAST(reception AS INT) + CAST(case_room AS INT) + CAST(group_room AS INT) + CAST(locked_files AS INT) AS facilities,
                     CAST(rule_service_flow AS INT) + CAST(rule_files AS INT) + CAST(rule_supervision AS INT)
                     + CAST(rule_finance AS INT) + CAST(rule_safety AS INT) + CAST(rule_privacy AS INT) AS rules FROM site_visits_t""",
        "receipts": """SELECT station_code AS org_unit, year,
                     COALESCE(received_date IS NOT NULL AND received_date <= due_date, FALSE) AS on_time FROM receipts_t""",
        "audits": """SELECT station_code AS org_unit, year, file_no_pid AS file_pid,
                     intake AND assessment AND planning AND intervention AND evaluation AND termination AS complete FROM audits_t""",
        "organisations": "SELECT station_code AS org_unit, year, org_id, relation FROM organisations_t",
        "case_outcomes": "SELECT station_code AS org_unit, year, goals_met FROM case_outcomes_t",
        "groups": "SELECT station_code AS org_unit, year, group_id, service_area FROM groups_t",
        "priority_households": """SELECT COALESCE(p.village, p.station_code) AS org_unit, p.year, p.household_pid,
                     p.household_pid IN (SELECT household_pid FROM ledger WHERE event_type = 'home_visit'
                                         AND year = p.year AND household_pid IS NOT NULL) AS visited
                     FROM priority_households_t p""",
    }
    for name, sql in simple.items():
        if _register(con, f"{name}_t", inp[name], {}):
            have.add(name)
            con.execute(f"CREATE TABLE {name} AS {sql}")
    return have


def _agg(term: Term, col: str = "v") -> str:
    if term.aggregation == "count":
        return "COUNT(*)"
    if term.aggregation == "sum":
        return f"SUM({term.field})"
    return f"COUNT(DISTINCT {col})"


def _dis_select(dis: list[str]) -> str:
    return ", ".join(
        f"CASE WHEN GROUPING({d}) = 0 THEN COALESCE({d}, '{UNSPECIFIED}') END AS {d}" if d in dis else f"NULL::VARCHAR AS {d}"
        for d in DISAGGREGATIONS)


def _ledger_sets(dis: list[str]) -> str:
    sets = ["(a.ancestor, year)", "(a.ancestor, year, quarter)", "(a.ancestor, year, month)"]
    sets += [f"(a.ancestor, year, {d})" for d in dis]
    return ", ".join(sets)


_PERIOD = """CASE WHEN GROUPING(month) = 0 THEN CAST(year AS VARCHAR) || '-' || lpad(CAST(month AS VARCHAR), 2, '0')
                  WHEN GROUPING(quarter) = 0 THEN CAST(year AS VARCHAR) || 'Q' || CAST(quarter AS VARCHAR)
                  ELSE CAST(year AS VARCHAR) END AS period"""


def _additive_ledger(con, terms: dict[str, Term], year: int) -> dict[str, str]:
    """Every count/sum ledger term in one scan: leaf pre-aggregation, then one rollup into the
    table ``additive``. Returns term key → a SELECT of (org_unit, period, service_area,
    client_category, value)."""
    if not terms:
        return {}
    names = {k: f"t{i}" for i, k in enumerate(terms)}
    leaf_cols = ", ".join(
        f"CAST({_agg(t)} FILTER (WHERE {_where(t)}) AS DOUBLE) AS {names[k]}" for k, t in terms.items())
    sums = ", ".join(f"SUM({n}) AS {n}" for n in names.values())
    con.execute(f"""CREATE TABLE additive AS
        WITH leaf AS (SELECT org_unit, year, month, (month + 2) // 3 AS quarter, service_area, client_category, {leaf_cols}
                      FROM ledger WHERE year = {int(year)} GROUP BY ALL)
        SELECT a.ancestor AS org_unit, {_PERIOD}, {_dis_select(list(DISAGGREGATIONS))}, {sums}
        FROM leaf JOIN ancestry a ON leaf.org_unit = a.code
        GROUP BY GROUPING SETS ({_ledger_sets(list(DISAGGREGATIONS))})""")
    return {k: f"SELECT org_unit, period, service_area, client_category, COALESCE({names[k]}, 0) / {t.scale} AS value FROM additive"
            for k, t in terms.items()}


def _distinct_ledger(con, term: Term, year: int, name: str) -> str:
    """A distinct count: de-duplicate (leaf, month, disaggregations, value) first, then count per level."""
    con.execute(f"""CREATE TABLE {name} AS
        WITH leaf AS (SELECT DISTINCT org_unit, year, month, (month + 2) // 3 AS quarter, service_area, client_category,
                             {term.field} AS v
                      FROM ledger WHERE year = {int(year)} AND {term.field} IS NOT NULL AND {_where(term)})
        SELECT a.ancestor AS org_unit, {_PERIOD}, {_dis_select(list(DISAGGREGATIONS))},
               CAST(COUNT(DISTINCT v) AS DOUBLE) / {term.scale} AS value
        FROM leaf JOIN ancestry a ON leaf.org_unit = a.code
        GROUP BY GROUPING SETS ({_ledger_sets(list(DISAGGREGATIONS))})""")
    return f"SELECT * FROM {name}"


def _other(con, term: Term, year: int, name: str) -> str:
    con.execute(f"""CREATE TABLE {name} AS
        SELECT a.ancestor AS org_unit, CAST(s.year AS VARCHAR) AS period, NULL::VARCHAR AS service_area,
               NULL::VARCHAR AS client_category, CAST({_agg(term, term.field or "")} AS DOUBLE) / {term.scale} AS value
        FROM {term.source} s JOIN ancestry a ON s.org_unit = a.code
        WHERE s.year = {int(year)} AND {_where(term)} GROUP BY a.ancestor, s.year""")
    return f"SELECT * FROM {name}"


def _terms(con, registry: Registry, year: int, have: set[str]) -> dict[str, str]:
    """Compute every distinct term once; returns term key → SELECT over its result table."""
    wanted: dict[str, Term] = {}
    for m in registry.measures:
        for t in (m.numerator, m.denominator):
            if t is not None:
                t = registry.resolve(t)
                wanted[_key(t)] = t
    additive = {k: t for k, t in wanted.items() if t.source == "ledger" and t.aggregation != "distinct_count"}
    out = _additive_ledger(con, additive, year)
    for i, (k, t) in enumerate(wanted.items()):
        if t.source not in have:
            continue
        if t.source == "ledger" and t.aggregation == "distinct_count":
            out[k] = _distinct_ledger(con, t, year, f"term{i}")
        elif t.source != "ledger":
            out[k] = _other(con, t, year, f"term{i}")
    return out


def _stage(org: pd.DataFrame, registry: Registry, year: int) -> dict[str, int]:
    """Pilot year 1–3 of every unit in ``year`` (0 before its pilot began), from ``pilot_batch``."""
    start = pd.to_numeric(org["pilot_batch"].str[:4], errors="coerce").fillna(registry.first_pilot_year)
    return {c: int(min(3, max(0, year - s + 1))) for c, s in zip(org["code"], start, strict=True)}


_SAME = " AND ".join(f"{{a}}.{c} IS NOT DISTINCT FROM k.{c}" for c in KEYS)


def _measure_sql(m: Measure, registry: Registry, terms: dict[str, str], year: int) -> str | None:
    """One measure's rows (org_unit, period, disaggregations, numerator, denominator, value,
    suppressed, indicator): a yearly row for every unit at its levels, plus every period and
    disaggregation its terms produced; ratios of sums, suppressed below ``min_denominator``."""
    num_t = registry.resolve(m.numerator)
    den_t = registry.resolve(m.denominator) if m.denominator is not None else None
    if _key(num_t) not in terms or (den_t is not None and _key(den_t) not in terms):
        return None  # an input that was never imported: no rows rather than false zeros
    dis = set(m.disaggregate)
    yearly_only = num_t.source != "ledger" or (den_t is not None and den_t.source != "ledger")
    keys = [f"SELECT org_unit, period, service_area, client_category FROM num",
            f"SELECT code, '{int(year)}', NULL, NULL FROM units"]
    ctes = [f"num AS ({terms[_key(num_t)]})"]
    if den_t is not None:
        ctes.append(f"den AS ({terms[_key(den_t)]})")
        keys.append("SELECT org_unit, period, service_area, client_category FROM den")
        value = f"""CASE WHEN COALESCE(d.value, 0) <= 0 OR COALESCE(d.value, 0) < {m.min_denominator} THEN NULL
                    ELSE COALESCE(n.value, 0) / d.value * {m.factor} END"""
        suppressed = f"(COALESCE(d.value, 0) <= 0 OR COALESCE(d.value, 0) < {m.min_denominator})"
        den_join, den_col = f"LEFT JOIN den d ON {_SAME.format(a='d')}", "COALESCE(d.value, 0)"
    else:
        value, suppressed, den_join, den_col = f"COALESCE(n.value, 0) * {m.factor}", "FALSE", "", "NULL::DOUBLE"
    levels = ", ".join(str(lv) for lv in m.levels)
    return f"""WITH {', '.join(ctes)}, k AS ({' UNION '.join(keys)})
        SELECT k.org_unit, k.period, k.service_area, k.client_category, COALESCE(n.value, 0) AS numerator,
               {den_col} AS denominator, {value} AS value, {suppressed} AS suppressed, '{m.id}' AS indicator
        FROM k JOIN units u ON u.code = k.org_unit AND u.level IN ({levels})
        LEFT JOIN num n ON {_SAME.format(a='n')} {den_join}
        WHERE (k.service_area IS NULL OR {'service_area' in dis}) AND (k.client_category IS NULL OR {'client_category' in dis})
          AND ({not yearly_only} OR k.period = '{int(year)}')"""


def _with_targets(con, registry: Registry, stage: dict[str, int], year: int) -> None:
    """``result`` joined to targets of the unit's pilot year (× operating stations under the unit
    for ``per_station`` targets, on yearly totals of levels ≤ 4 only) and the status."""
    con.register("stage_df", pd.DataFrame({"code": list(stage), "stage": list(stage.values())}))
    con.register("targets_df", pd.DataFrame([{"indicator": m.id, "stage": st, "target": t}
                                             for m in registry.measures for st, t in m.targets.items()],
                                            columns=["indicator", "stage", "target"]))
    con.register("meta_df", pd.DataFrame([{"indicator": m.id, "near": m.near, "per_station": m.target_scope == "per_station",
                                           "ratio": m.is_ratio, "unit": m.unit} for m in registry.measures]))
    total = f"(r.period = '{int(year)}' AND r.service_area IS NULL AND r.client_category IS NULL)"
    con.execute(f"""CREATE TABLE final AS
        WITH t AS (
          SELECT r.*, u.level, m.unit, m.near, m.ratio,
                 CASE WHEN NOT m.per_station THEN tg.target
                      WHEN {total} AND COALESCE(su.n, 0) > 0 AND u.level <= 4 THEN tg.target * su.n END AS target
          FROM result r JOIN units u ON u.code = r.org_unit JOIN meta_df m ON m.indicator = r.indicator
          LEFT JOIN stage_df s ON s.code = r.org_unit
          LEFT JOIN targets_df tg ON tg.indicator = r.indicator AND tg.stage = s.stage
          LEFT JOIN under su ON su.code = r.org_unit)
        SELECT org_unit, CAST(level AS INTEGER) AS level, period, indicator, value,
               CASE WHEN ratio THEN numerator END AS numerator, CASE WHEN ratio THEN denominator END AS denominator,
               unit, target,
               CASE WHEN suppressed THEN 'suppressed' WHEN target IS NULL THEN 'no_target'
                    WHEN value >= target - 1e-9 THEN 'met' WHEN value >= near * target - 1e-9 THEN 'near'
                    ELSE 'missed' END AS status, service_area, client_category
        FROM t""")


def compute_indicators(workspace: Workspace, *, year: int, registry: Registry | None = None) -> pd.DataFrame:
    """Compute every registered measure for every org unit for the pilot ``year``.

    Yearly rows exist for every unit at the measure's valid levels (0 where the source had no
    rows; none at all when the source was never imported); quarters, months and
    disaggregations (``service_area``, ``client_category``) exist for ledger measures where
    there is data. Rows of ``year`` replace those already in ``indicators/indicators.parquet``.

    Returns:
        The year's rows — columns of DESIGN.md §3: ``org_unit`` (str), ``level`` (int32),
        ``period`` (``2021``, ``2021Q2`` or ``2021-05``), ``indicator`` (measure id),
        ``value`` (float64; null when suppressed), ``numerator`` and ``denominator`` (float64;
        null denominators and numerators for plain figures), ``unit``, ``target`` (float64 or
        null), ``status`` (met / near / missed / suppressed / no_target), ``service_area``,
        ``client_category`` (null = all).

    Raises:
        IndicatorError: no accepted ledger rows in the workspace or none dated ``year``; OrgUnitError for a bad
            org-unit file; RegistryError for a bad registry.
    """
    registry = registry or load_registry()
    org_units = OrgUnits.read_csv(workspace.org_units_file)
    ledgers = sorted(workspace.accepted_dir.glob("*.parquet"))
    if not ledgers:
        raise IndicatorError("no ledger has been imported into this workspace: run `shegong ledger import` first")
    in_year = duckdb.sql(f"SELECT count(*) FROM read_parquet({[str(f) for f in ledgers]!r}, union_by_name=true) "
                         f"WHERE year = {int(year)}").fetchall()[0][0]
    if not in_year:  # never overwrite good results with an empty year
        raise IndicatorError(f"no accepted ledger rows dated {int(year)}: import that year's ledgers first "
                             "(other years' indicators are left as they are)")
    org = _org_frame(workspace)
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.register("ancestry_df", org_units.ancestry())
        con.execute("CREATE TABLE ancestry AS SELECT * FROM ancestry_df")
        con.register("units_df", org_units.frame[["code", "level"]])
        con.execute("CREATE TABLE units AS SELECT code, CAST(level AS INTEGER) AS level FROM units_df")
        have = _sources(con, workspace, org, [year])
        terms = _terms(con, registry, year, have)
        con.execute(f"""CREATE TABLE under AS SELECT a.ancestor AS code, COUNT(*) AS n FROM stations s
                        JOIN ancestry a ON s.org_unit = a.code WHERE s.year = {int(year)} AND s.operating GROUP BY a.ancestor""")
        parts = [sql for m in registry.measures if (sql := _measure_sql(m, registry, terms, year)) is not None]
        con.execute("CREATE TABLE result AS " + " UNION ALL ".join(f"({p})" for p in parts))
        _with_targets(con, registry, _stage(org, registry, year), year)
        cols = ", ".join(OUTPUT_COLUMNS)
        sources = [f"SELECT {cols} FROM final"]
        if workspace.indicators_file.exists():  # other years are kept
            sources.append(f"SELECT {cols} FROM read_parquet('{workspace.indicators_file}') "
                           f"WHERE NOT starts_with(period, '{int(year)}')")
        order = "indicator, org_unit, period, service_area NULLS FIRST, client_category NULLS FIRST"
        con.execute(f"CREATE TABLE everything AS SELECT * FROM ({' UNION ALL '.join(sources)}) ORDER BY {order}")
        atomic.write_with(workspace.indicators_file,
                          lambda p: pq.write_table(con.sql("SELECT * FROM everything").to_arrow_table().cast(OUTPUT_SCHEMA), p))
        table = con.sql(f"SELECT * FROM final ORDER BY {order}").to_arrow_table().cast(OUTPUT_SCHEMA).to_pandas()
    finally:
        con.close()
    return table


def load_indicators(workspace: Workspace) -> pd.DataFrame:
    """Read ``indicators/indicators.parquet``.

    Raises:
        IndicatorError: when indicators have not been computed yet.
    """
    if not workspace.indicators_file.exists():
        raise IndicatorError("indicators have not been computed: run `shegong indicators compute`")
    return pd.read_parquet(workspace.indicators_file)
