"""Funded service projects and named programmes (issue 8): attribution and project indicators.

Projects (政府购买 purchase, 公益创投 venture philanthropy, 慈善资助 charity) and their spending
are inputs of :mod:`shegong.indicators.inputs` (kinds ``projects`` and ``project_spending``). A
ledger event belongs to a project either **explicitly** — its ``project_code`` column (mapped by a
profile from 项目编号) names an imported project — or **by rule**: the event lies within the
project's period (start and end dates inclusive), at one of its stations (and, when the project
lists villages, in one of them), and its type and service area are among the project's (when it
lists them). A listed village narrows only its own station: the other listed stations count
whole. An event matching several projects' rules goes to one only — the project with the
shorter period, then one that lists villages, then the smaller code — so project-attributed
person-times never exceed the ledger's. An event whose 项目编号 names no imported project is
left unattributed (rules do not override what the ledger says) and counted in the attribution
summary. An event's programme is its ledger ``programme`` column,
else its project's programme.

:func:`compute_projects` evaluates every measure of ``datasets/project_indicators.yaml`` (the six
dimensions of MZ/T 059-2014) in DuckDB for every **scope**: each project, programme, funder and
venture-philanthropy round, per project year (the year of the project's start date). Sums and
distinct counts are taken over the scope's rows (a household served by two projects of a
funder counts once); rates are ratios of sums, suppressed below ``min_denominator``.

Writes (atomically):

- ``indicators/projects.parquet`` — :data:`OUTPUT_SCHEMA`: ``scope`` (project / programme /
  funder / round), ``scope_id`` (project code, programme name, funder name, round name),
  ``name``, ``year`` (int32), ``indicator`` (P1a …), ``dimension`` (objectives / inputs /
  management / outputs / outcomes / satisfaction), ``value``, ``numerator``, ``denominator``
  (doubles; null numerator and denominator for plain figures), ``unit`` (元, 人次, 户, %,
  元/人次 …), ``target``, ``status`` (met / near / missed / suppressed / no_target);
- ``indicators/project_events.parquet`` — one row per attributed event: ``event_id``,
  ``project_code`` (null for a programme-only event), ``programme``, ``date``, ``year``,
  ``month``, ``station_code``, ``org_unit``, ``event_type``, ``person_times`` (int64),
  ``attribution`` (explicit / rule / programme), ``candidates`` (projects whose rules matched);
- ``indicators/project_attribution.json`` — ``ledger_events``, ``attributed`` (events by
  attribution), ``matched_several_rules``, ``unknown_project_codes`` ({项目编号 as written: events}:
  ledger codes naming no imported project, left unattributed).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from shegong import atomic
from shegong.config import Workspace, project_root
from shegong.errors import IndicatorError
from shegong.indicators.duck import quote_list
from shegong.indicators.registry import PROJECT, Registry, Term, load_registry
from shegong.indicators.results import read_input
from shegong.indicators.sources import org_frame
from shegong.orgunits import OrgUnits

SCOPES = ("project", "programme", "funder", "round")
OUTPUT_SCHEMA = pa.schema(
    [
        ("scope", pa.string()),
        ("scope_id", pa.string()),
        ("name", pa.string()),
        ("year", pa.int32()),
        ("indicator", pa.string()),
        ("dimension", pa.string()),
        ("value", pa.float64()),
        ("numerator", pa.float64()),
        ("denominator", pa.float64()),
        ("unit", pa.string()),
        ("target", pa.float64()),
        ("status", pa.string()),
    ]
)
EVENTS_COLUMNS = (
    "event_id",
    "project_code",
    "programme",
    "date",
    "year",
    "month",
    "station_code",
    "org_unit",
    "event_type",
    "person_times",
    "attribution",
    "candidates",
)
_INDIVIDUAL = (
    "home_visit",
    "file_opened",
    "case_opened",
    "case_follow_up",
    "case_closed",
    "referral",
)
_KEY = ["scope", "scope_id", "year"]


class ProjectError(IndicatorError):
    """Projects cannot be evaluated: not imported, or project indicators not computed yet."""


def default_project_registry_path() -> Path:
    """The project-indicator registry shipped with the project:
    ``datasets/project_indicators.yaml``."""
    return project_root() / "datasets" / "project_indicators.yaml"


def load_project_registry(path: Path | str | None = None) -> Registry:
    """The project registry, validated like the station registry (see
    :mod:`shegong.indicators.registry`).

    Raises:
        RegistryError: naming the file, the measure, the key and the fix.
    """
    return load_registry(path or default_project_registry_path(), PROJECT)


def projects_file(ws: Workspace) -> Path:
    """The imported projects of the workspace: ``indicators/projects.parquet``."""
    return ws.indicators_dir / "projects.parquet"


def project_events_file(ws: Workspace) -> Path:
    """The ledger events attributed to projects: ``indicators/project_events.parquet``."""
    return ws.indicators_dir / "project_events.parquet"


def _q(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _ledger_view(con: duckdb.DuckDBPyConnection, ws: Workspace) -> None:
    """The accepted ledger with ``complete`` (as indicator C2) and the issue-8 columns present."""
    files = sorted(ws.accepted_dir.glob("*.parquet"))
    if not files:
        raise ProjectError("no ledger has been imported: run `shegong ledger import` first")
    con.execute(
        f"CREATE VIEW raw_ledger AS SELECT * FROM read_parquet({quote_list(files)}, "
        "union_by_name=true)"
    )
    have = {r[0] for r in con.execute("DESCRIBE raw_ledger").fetchall()}
    extra = ", ".join(
        f"NULL::VARCHAR AS {c}" for c in ("project_code", "programme") if c not in have
    )
    rooms = "SELECT parent_code FROM org_df WHERE unit_type = 'room'"
    con.execute(f"""CREATE VIEW ledger AS SELECT *{", " + extra if extra else ""},
        (service_area IS NOT NULL AND staff_ids IS NOT NULL
            AND (event_type NOT IN ({", ".join(map(_q, _INDIVIDUAL))})
         OR (client_pid IS NOT NULL AND household_pid IS NOT NULL AND client_category IS NOT NULL
             AND (room_code IS NOT NULL OR station_code NOT IN ({rooms}))))) AS complete
        FROM raw_ledger""")


def _split(col: str) -> str:
    return (
        f"CASE WHEN {col} IS NULL OR {col} = '' THEN NULL ELSE string_split({col}, ';') "
        f"END AS {col}"
    )


#: An event ``l`` lies in project ``p``'s area and period.
_IN_AREA = """list_contains(p.stations, l.station_code)
    AND CAST(l.date AS DATE) BETWEEN p.start_date AND p.end_date
    AND (p.villages IS NULL OR list_contains(p.villages, l.room_code)
         OR NOT list_contains(p.village_stations, l.station_code))"""


def attribute(con: duckdb.DuckDBPyConnection, projects: pd.DataFrame, org: pd.DataFrame) -> None:
    """Create the tables ``proj`` (projects with list columns), ``attributed`` (event_id,
    project_code, attribution, candidates) and ``ev`` (ledger rows with ``pc`` project code,
    ``prog`` programme, ``pyear`` project year) in ``con`` (which has the view ``ledger``).
    ``org`` is the org-unit CSV (``code``, ``parent_code``)."""
    parent = dict(zip(org["code"], org["parent_code"], strict=True))
    projects = projects.copy()
    projects["village_stations"] = [
        ";".join(sorted({parent.get(c, "") for c in v.split(";")}))
        if isinstance(v, str) and v
        else None
        for v in projects["villages"]
    ]
    con.register("projects_df", projects)
    con.execute(f"""CREATE TABLE proj AS SELECT project_code, project_name, funder, funding_type,
                        round, programme,
        budget_fen, CAST(start_date AS DATE) AS start_date, CAST(end_date AS DATE) AS end_date,
        CAST(year(start_date) AS INTEGER) AS year, {_split("stations")}, {_split("villages")},
        {_split("event_types")}, {_split("service_areas")}, {_split("village_stations")},
            target_person_times, target_households, target_activities
        FROM projects_df""")
    con.execute(f"""CREATE TABLE attributed AS
        WITH cand AS (
            SELECT l.event_id, p.project_code, p.end_date - p.start_date AS span,
                p.villages IS NOT NULL AS narrow
            FROM ledger l JOIN proj p ON {_IN_AREA}
              AND (p.event_types IS NULL OR list_contains(p.event_types, l.event_type))
              AND (p.service_areas IS NULL OR list_contains(p.service_areas, l.service_area))
            WHERE l.project_code IS NULL),
        ranked AS (
            SELECT event_id, project_code, COUNT(*) OVER (PARTITION BY event_id) AS candidates,
                   ROW_NUMBER() OVER (PARTITION BY event_id
                       ORDER BY span, narrow DESC, project_code) AS rk FROM cand)
        SELECT event_id, project_code, 'rule' AS attribution, candidates FROM ranked WHERE rk = 1
        UNION ALL
        SELECT event_id, project_code, 'explicit', 1 FROM ledger
            WHERE project_code IN (SELECT project_code FROM proj)""")
    con.execute("""CREATE TABLE ev AS SELECT l.*, a.project_code AS pc, COALESCE(l.programme,
                        p.programme) AS prog,
            COALESCE(p.year, l.year) AS pyear, COALESCE(a.attribution, 'programme') AS attribution,
            COALESCE(a.candidates, 0) AS candidates
        FROM ledger l LEFT JOIN attributed a USING (event_id) LEFT JOIN proj p
            ON p.project_code = a.project_code
        WHERE a.project_code IS NOT NULL OR l.programme IS NOT NULL""")


def _scoped_sources(con: duckdb.DuckDBPyConnection, ws: Workspace) -> set[str]:
    """One ``<source>_s`` table per project source with ``scope, scope_id, year`` in front;
    returns the sources that have data (survey and case outcomes only when imported)."""
    con.execute("""CREATE TABLE members AS
        SELECT project_code, 'project' AS scope, project_code AS scope_id, year FROM proj
        UNION ALL SELECT project_code, 'programme', programme, year FROM proj
            WHERE programme IS NOT NULL
        UNION ALL SELECT project_code, 'funder', funder, year FROM proj
        UNION ALL SELECT project_code, 'round', round, year FROM proj WHERE round IS NOT NULL""")
    con.execute("""CREATE TABLE events_s AS
        SELECT m.scope, m.scope_id, m.year, e.* FROM ev e JOIN members m ON m.project_code = e.pc
            AND m.scope <> 'programme'
        UNION ALL SELECT 'programme', e.prog, e.pyear, e.* FROM ev e WHERE e.prog IS NOT NULL""")
    con.execute(f"""CREATE TABLE area_events_s AS
        WITH area AS (SELECT p.project_code, l.event_id, l.event_type, l.person_times FROM ledger l
            JOIN proj p ON {_IN_AREA}
                      UNION SELECT e.pc, e.event_id, e.event_type, e.person_times FROM ev e
                          WHERE e.attribution = 'explicit')
        SELECT DISTINCT m.scope, m.scope_id, m.year, a.event_id, a.event_type, a.person_times
        FROM area a JOIN members m USING (project_code)""")
    con.execute(
        "CREATE TABLE projects_s AS SELECT m.scope, m.scope_id, m.year, p.* FROM proj "
        "p JOIN members m USING (project_code)"
    )
    have = {"events", "area_events", "projects", "spending"}
    spending = read_input(ws, "project_spending")
    if spending is None:
        spending = pd.DataFrame(
            {
                "project_code": pd.Series(dtype=str),
                "amount_fen": pd.Series(dtype="Int64"),
                "category": pd.Series(dtype=str),
            }
        )
    con.register("spending_df", spending)
    con.execute("""CREATE TABLE spending_s AS SELECT m.scope, m.scope_id, m.year, s.amount_fen,
                        s.category
        FROM spending_df s JOIN members m USING (project_code)""")
    for source, kind, select in (
        ("survey", "survey", "respondent_type, satisfaction >= 4 AS satisfied"),
        ("case_outcomes", "case_outcomes", "goals_met"),
    ):
        frame = read_input(ws, kind)
        if frame is None or "project_code" not in frame.columns:
            continue
        frame = frame[frame["project_code"].notna()]
        if kind == "survey":
            frame = frame[frame["consent"].astype(bool)]
        con.register(f"{source}_df", frame)
        con.execute(f"""CREATE TABLE {source}_s AS SELECT m.scope, m.scope_id, m.year, {select}
            FROM {source}_df s JOIN members m USING (project_code)""")
        have.add(source)
    return have


def _term_values(con: duckdb.DuckDBPyConnection, term: Term) -> pd.DataFrame:
    """``scope, scope_id, year, v`` of one term (aggregation of its source after its filter)."""
    where = (
        " AND ".join(
            f"CAST({c} AS VARCHAR) IN ({', '.join(map(_q, vals))})"
            for c, vals in term.filter.items()
        )
        or "TRUE"
    )
    agg = {
        "count": "COUNT(*)",
        "sum": f"SUM({term.field})",
        "distinct_count": f"COUNT(DISTINCT {term.field})",
    }[term.aggregation]
    return con.execute(f"""SELECT scope, scope_id, year, CAST(COALESCE({agg},
                               0) AS DOUBLE) / {term.scale} AS v
        FROM {term.source}_s WHERE {where} GROUP BY scope, scope_id, year""").df()


def _status(value: float, target: float, near: float) -> str:
    if pd.isna(target):
        return "no_target"
    if value >= target:
        return "met"
    return "near" if value >= near * target else "missed"


def compute_projects(
    ws: Workspace, *, registry: Registry | None = None, org_units: OrgUnits | None = None
) -> pd.DataFrame:
    """Attribute ledger events to projects and programmes and compute every project measure for
    every scope (see the module docstring for the rules and the two files written).

    Returns:
        The ``projects.parquet`` table (:data:`OUTPUT_SCHEMA`), sorted by scope, scope_id,
        year and indicator.

    Raises:
        ProjectError: projects or the ledger were never imported.
        RegistryError: the project registry is invalid.
    """
    projects = read_input(ws, "projects")
    if projects is None or projects.empty:
        raise ProjectError(
            "no projects imported: add inputs/projects.csv and run `shegong indicators inputs`"
        )
    registry = registry or load_project_registry()
    con = duckdb.connect()
    try:
        org = org_frame(org_units or OrgUnits.read_csv(ws.org_units_file))
        con.register("org_df", org)
        _ledger_view(con, ws)
        attribute(con, projects, org)
        have = _scoped_sources(con, ws)
        keys = con.execute("""SELECT DISTINCT scope, scope_id, year FROM members
            UNION SELECT DISTINCT 'programme', prog, pyear FROM ev WHERE prog IS NOT NULL""").df()
        summary = _attribution_summary(con)
        events = con.execute("""SELECT event_id, pc AS project_code, prog AS programme,
                                     CAST(date AS TIMESTAMP) AS date,
            CAST(year AS INTEGER) AS year, CAST(month AS INTEGER) AS month, station_code, org_unit,
                event_type,
            CAST(person_times AS BIGINT) AS person_times, attribution,
                CAST(candidates AS BIGINT) AS candidates
            FROM ev ORDER BY date, event_id""").df()[list(EVENTS_COLUMNS)]
        terms: dict[str, pd.DataFrame] = {}
        targets = {}
        for m in registry.measures:
            for t in (m.numerator, m.denominator):
                if t is not None and t.source in have and repr(t) not in terms:
                    terms[repr(t)] = _term_values(con, registry.resolve(t))
            if m.target_field and m.target_field not in targets:
                targets[m.target_field] = con.execute(f"""SELECT scope, scope_id, year,
                    CAST(SUM({m.target_field}) AS DOUBLE) AS v FROM projects_s GROUP BY ALL""").df()
    finally:
        con.close()
    names = _scope_names(projects)
    rows = []
    for m in registry.measures:
        if m.numerator.source not in have or (
            m.denominator is not None and m.denominator.source not in have
        ):
            continue  # an input never imported: no rows rather than false zeros
        frame = keys.copy()
        frame["num"] = (
            frame.merge(terms[repr(m.numerator)], on=_KEY, how="left")["v"].fillna(0).to_numpy()
        )
        if m.denominator is not None:
            frame["den"] = (
                frame.merge(terms[repr(m.denominator)], on=_KEY, how="left")["v"]
                .fillna(0)
                .to_numpy()
            )
        target = (
            frame.merge(targets[m.target_field], on=_KEY, how="left")["v"].to_numpy()
            if m.target_field
            else [m.target] * len(frame)
        )
        for r, tgt in zip(frame.itertuples(index=False), target, strict=True):
            tgt = float("nan") if tgt is None else float(tgt)
            if m.denominator is None:
                value, num, den = r.num, None, None
                status = _status(value, tgt, m.near)
            else:
                num, den = r.num, r.den
                small = den < max(m.min_denominator, 1e-12)
                value = None if small else num / den * m.factor
                if (
                    small
                ):  # a target the project file left blank is no target, not too small a sample
                    status = (
                        "no_target"
                        if m.denominator.source == "projects" and den == 0
                        else "suppressed"
                    )
                else:
                    status = _status(value, tgt, m.near)
            rows.append(
                {
                    "scope": r.scope,
                    "scope_id": r.scope_id,
                    "name": names.get((r.scope, r.scope_id), r.scope_id),
                    "year": int(r.year),
                    "indicator": m.id,
                    "dimension": m.dimension,
                    "value": value,
                    "numerator": num,
                    "denominator": den,
                    "unit": m.unit,
                    "target": tgt,
                    "status": status,
                }
            )
    table = pd.DataFrame(rows, columns=OUTPUT_SCHEMA.names)
    order = {s: i for i, s in enumerate(SCOPES)}
    table = table.sort_values(
        ["scope", "scope_id", "year", "indicator"],
        key=lambda c: c.map(order) if c.name == "scope" else c,
    )
    arrow = pa.Table.from_pandas(table.reset_index(drop=True), preserve_index=False).cast(
        OUTPUT_SCHEMA
    )
    atomic.write_with(projects_file(ws), lambda p: pq.write_table(arrow, p))
    atomic.write_with(project_events_file(ws), lambda p: events.to_parquet(p, index=False))
    atomic.write_text(
        ws.indicators_dir / "project_attribution.json",
        json.dumps(summary, ensure_ascii=False, indent=2),
    )
    return arrow.to_pandas()


def _attribution_summary(con: duckdb.DuckDBPyConnection) -> dict:
    """How the ledger's events were attributed: counts by attribution, events several rules
    matched, and ledger 项目编号 values that name no imported project (left unattributed)."""
    by = dict(
        con.execute("SELECT attribution, COUNT(*) FROM ev GROUP BY ALL ORDER BY 1").fetchall()
    )
    unknown = dict(
        con.execute("""SELECT project_code, COUNT(*) FROM ledger WHERE project_code IS NOT NULL
        AND project_code NOT IN (SELECT project_code FROM proj) GROUP BY ALL
            ORDER BY 1""").fetchall()
    )
    ledger_events = con.execute("SELECT COUNT(*) FROM ledger").fetchall()[0][0]
    overlaps = con.execute("SELECT COUNT(*) FROM attributed WHERE candidates > 1").fetchall()[0][0]
    return {
        "ledger_events": int(ledger_events),
        "attributed": {k: int(v) for k, v in by.items()},
        "matched_several_rules": int(overlaps),
        "unknown_project_codes": {k: int(v) for k, v in unknown.items()},
    }


def _scope_names(projects: pd.DataFrame) -> dict[tuple[str, str], str]:
    names = {("project", r.project_code): r.project_name for r in projects.itertuples()}
    for scope in ("programme", "funder", "round"):
        names.update({(scope, v): v for v in projects[scope].dropna().unique()})
    return names


def load_project_indicators(ws: Workspace) -> pd.DataFrame:
    """Read ``indicators/projects.parquet``.

    Raises:
        ProjectError: when project indicators have not been computed yet.
    """
    if not projects_file(ws).exists():
        raise ProjectError(
            "project indicators have not been computed: run `shegong indicators compute`"
        )
    return pd.read_parquet(projects_file(ws))
