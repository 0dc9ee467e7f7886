"""The input tables the indicator registry's terms read
(:data:`shegong.indicators.registry.SOURCE_COLUMNS`), built in a DuckDB connection from the
workspace: the accepted ledger Parquet (as the view
``ledger``, with the derived flags ``complete`` and ``in_service_list``), the stations of the
org-unit file (``operating`` from ``opening_date``) and the inputs of
:mod:`shegong.indicators.inputs` (roster, training, survey, site visits, receipts, audits,
organisations, case outcomes, priority households, groups, divisions, service lists). Every table
has ``org_unit`` and ``year``.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from shegong.config import Workspace
from shegong.indicators.duck import quote, quote_list
from shegong.indicators.registry import Registry, Term
from shegong.indicators.results import read_input
from shegong.orgunits import OrgUnits

#: Event types that concern one client and household (DOMAIN.md §2): their ledger rows must name
#: both.
INDIVIDUAL = (
    "home_visit",
    "file_opened",
    "case_opened",
    "case_follow_up",
    "case_closed",
    "referral",
)


def where(term: Term) -> str:
    """The SQL condition of the term's ``filter`` (values quoted), ``TRUE`` without one."""
    clauses = [
        f"CAST({col} AS VARCHAR) IN ({', '.join(quote(v) for v in vals)})"
        for col, vals in term.filter.items()
    ]
    return " AND ".join(clauses) if clauses else "TRUE"


def term_key(term: Term) -> str:
    """A key identifying the term's source, aggregation, field, filter and scale (equal terms
    share it)."""
    return (
        f"{term.source}|{term.aggregation}|{term.field}|{sorted(term.filter.items())}|{term.scale}"
    )


def org_frame(org_units: OrgUnits) -> pd.DataFrame:
    """The org-unit file as read (all strings, ``""`` for blanks), with the optional columns
    ``opening_date`` and ``pilot_batch``: the table ``org_df`` of the indicator SQL."""
    if org_units.raw is None:
        raise ValueError("org_frame needs OrgUnits read from a file or frame (from_frame)")
    return org_units.raw


def _register(
    con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame | None, columns: dict[str, str]
) -> bool:
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


def build_sources(
    con: duckdb.DuckDBPyConnection, ws: Workspace, org: pd.DataFrame, years: list[int]
) -> set[str]:
    """Create the input tables of :data:`shegong.indicators.registry.SOURCE_COLUMNS` (each with
    ``org_unit`` and ``year``); returns the names of the sources that have data."""
    have = {"stations"}
    yrs = ", ".join(f"({int(y)})" for y in years)
    con.execute(f"CREATE TABLE years AS SELECT * FROM (VALUES {yrs}) t(year)")
    con.register("org_df", org)
    con.execute("""CREATE TABLE stations AS SELECT o.code AS org_unit, o.code, y.year,
        (o.opening_date = '' OR TRY_CAST(o.opening_date AS DATE) <= make_date(y.year, 12,
            31)) AS operating
        FROM org_df o, years y WHERE o.unit_type = 'station'""")
    inp = {
        k: read_input(ws, k)
        for k in (
            "service_lists",
            "divisions",
            "roster",
            "training",
            "survey",
            "site_visits",
            "receipts",
            "audits",
            "organisations",
            "case_outcomes",
            "priority_households",
            "groups",
        )
    }
    _register(
        con,
        "service_lists_t",
        inp["service_lists"],
        {"station_code": "VARCHAR", "year": "BIGINT", "service_area": "VARCHAR"},
    )
    files = sorted(ws.accepted_dir.glob("*.parquet"))
    con.execute(f"""CREATE VIEW ledger AS SELECT l.*, (l.service_area IS NOT NULL
                        AND l.staff_ids IS NOT NULL AND
          (l.event_type NOT IN ({", ".join(map(quote, INDIVIDUAL))}) OR (l.client_pid IS NOT NULL
              AND
           l.household_pid IS NOT NULL AND l.client_category IS NOT NULL
               AND (l.room_code IS NOT NULL
           OR l.station_code NOT IN (SELECT parent_code FROM org_df
               WHERE unit_type = 'room'))))) AS complete,
          (sl.station_code IS NOT NULL) AS in_service_list
        FROM read_parquet({quote_list(files)}, union_by_name=true) l
        LEFT JOIN (SELECT DISTINCT station_code, CAST(year AS INTEGER) AS year, service_area
            FROM service_lists_t) sl
          ON sl.station_code = l.station_code AND sl.year = l.year
              AND sl.service_area = l.service_area""")
    have.add("ledger")
    if _register(con, "divisions_t", inp["divisions"], {}):
        have.add("divisions")
        con.execute("""CREATE TABLE divisions AS SELECT d.parent_unit AS org_unit, y.year,
                            d.division_code, d.kind,
            (d.served_by IS NOT NULL AND (d.opened IS NULL
                OR CAST(d.opened AS DATE) <= make_date(y.year, 12, 31))) AS covered
            FROM divisions_t d, years y""")
    _register(
        con,
        "training_t",
        inp["training"],
        {
            "station_code": "VARCHAR",
            "year": "BIGINT",
            "trainee_id": "VARCHAR",
            "trainee_pid": "VARCHAR",
            "trainee_role": "VARCHAR",
            "stage": "VARCHAR",
            "format": "VARCHAR",
            "hours": "DOUBLE",
            "date": "TIMESTAMP",
        },
    )
    if inp["training"] is not None:
        have.add("training")
    con.execute("CREATE VIEW training AS SELECT station_code AS org_unit, * FROM training_t")
    if _register(con, "roster_t", inp["roster"], {}):
        have.add("staff")
        con.execute("""CREATE TABLE staff AS SELECT r.station_code AS org_unit, y.year, r.staff_id,
                            r.role, r.employment,
              r.qualification, (r.qualification <> '无'
                AND (r.certificate_year IS NULL OR r.certificate_year <= y.year)) AS certified,
              COALESCE(t.hours, 0) AS training_hours, COALESCE(t.months, 0) AS supervised_months,
              COALESCE(t.months, 0) >= 12 AS supervised_monthly
            FROM roster_t r CROSS JOIN years y
            LEFT JOIN (SELECT trainee_id, year, SUM(hours) AS hours,
                         COUNT(DISTINCT CASE WHEN format IN ('个别督导',
                             '团体督导') THEN month(date) END) AS months
                       FROM training_t WHERE trainee_id IS NOT NULL GROUP BY ALL) t
              ON t.trainee_id = r.staff_id AND t.year = y.year
            WHERE (r.start_date IS NULL OR r.start_date <= make_date(y.year, 12, 31))
              AND (r.end_date IS NULL OR r.end_date >= make_date(y.year, 1, 1))""")
    simple = {
        "survey": """SELECT station_code AS org_unit, year, respondent_type,
                          satisfaction >= 4 AS satisfied,
                     (CAST(aware_address AS INT) + CAST(aware_services AS INT) + CAST(aware_staff AS
                         INT)
                      + CAST(aware_channel AS INT) + CAST(aware_funding AS INT)) >= 3 AS aware
                          FROM survey_t WHERE consent""",
        "site_visits": """SELECT station_code AS org_unit, year,
                     CAST(reception AS INT) + CAST(case_room AS INT) + CAST(group_room AS INT) +
                         CAST(locked_files AS INT) AS facilities,
                     CAST(rule_service_flow AS INT) + CAST(rule_files AS INT) +
                         CAST(rule_supervision AS INT)
                     + CAST(rule_finance AS INT) + CAST(rule_safety AS INT) + CAST(rule_privacy AS
                         INT) AS rules FROM site_visits_t""",
        "receipts": """SELECT station_code AS org_unit, year,
                     COALESCE(received_date IS NOT NULL
                         AND received_date <= due_date, FALSE) AS on_time FROM receipts_t""",
        "audits": """SELECT station_code AS org_unit, year, file_no_pid AS file_pid,
                     intake AND assessment AND planning AND intervention AND evaluation
                         AND termination AS complete FROM audits_t""",
        "organisations": (
            "SELECT station_code AS org_unit, year, org_id, relation FROM organisations_t"
        ),
        "case_outcomes": "SELECT station_code AS org_unit, year, goals_met FROM case_outcomes_t",
        "groups": "SELECT station_code AS org_unit, year, group_id, service_area FROM groups_t",
        "priority_households": """SELECT COALESCE(p.village, p.station_code) AS org_unit, p.year,
                                       p.household_pid,
                     p.household_pid IN (SELECT household_pid FROM ledger
                         WHERE event_type = 'home_visit'
                                         AND year = p.year AND household_pid IS NOT NULL) AS visited
                     FROM priority_households_t p""",
    }
    for name, sql in simple.items():
        if _register(con, f"{name}_t", inp[name], {}):
            have.add(name)
            con.execute(f"CREATE TABLE {name} AS {sql}")
    return have


def unit_stages(org: pd.DataFrame, registry: Registry, year: int) -> dict[str, int]:
    """Pilot year 1–3 of every unit in ``year`` (0 before its pilot began), from ``pilot_batch``."""
    start = pd.to_numeric(org["pilot_batch"].str[:4], errors="coerce").fillna(
        registry.first_pilot_year
    )
    return {c: int(min(3, max(0, year - s + 1))) for c, s in zip(org["code"], start, strict=True)}
