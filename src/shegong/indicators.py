"""The indicator registry and its computation over the ledger, in one DuckDB query per measure.

The registry (``datasets/indicators.yaml``, :data:`SCHEMA_VERSION`) lists measures with the
ids of DOMAIN.md §3. :func:`compute_indicators` evaluates every measure for every org unit and
period, rolled up the hierarchy through a closure table (so distinct counts are recomputed at
each level, never summed from children), and writes ``indicators/indicators.parquet`` with
the columns of DESIGN.md §3 (:data:`OUTPUT_COLUMNS`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from . import atomic
from .config import Workspace, project_root
from .errors import IndicatorError, RegistryError
from .orgunits import OrgUnits

SCHEMA_VERSION = 1
AGGREGATIONS = ("count", "sum", "distinct_count")
SOURCES = ("ledger", "roster")
UNITS = ("户", "个", "次", "场", "人次", "人", "元", "%", "h")
DISAGGREGATIONS = ("service_area", "client_category")
#: Disaggregation value for events that left the column blank (null means "all").
UNSPECIFIED = "unspecified"
LEDGER_FIELDS = ("household_pid", "client_pid", "person_times", "volunteers", "volunteer_hours", "resources_fen")
ROSTER_FIELDS = ("staff_id",)
FILTER_COLUMNS = {"ledger": ("event_type", "service_area", "client_category", "resource_kind"), "roster": ("role", "employment", "qualification")}

#: ``indicators.parquet`` columns and Arrow types (DESIGN.md §3).
OUTPUT_SCHEMA = pa.schema([
    ("org_unit", pa.string()), ("level", pa.int32()), ("period", pa.string()), ("indicator", pa.string()),
    ("value", pa.float64()), ("numerator", pa.float64()), ("denominator", pa.float64()), ("unit", pa.string()),
    ("target", pa.float64()), ("status", pa.string()), ("service_area", pa.string()), ("client_category", pa.string()),
])
OUTPUT_COLUMNS = tuple(OUTPUT_SCHEMA.names)


@dataclass(frozen=True)
class Measure:
    """One measure of the registry (see the header of ``datasets/indicators.yaml``)."""

    id: str
    indicator: str
    dimension: str
    name: dict[str, str]
    definition: dict[str, str]
    unit: str
    factor: float
    source: str
    aggregation: str
    reference: str
    field: str | None = None
    scale: float = 1.0
    filter: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    disaggregate: tuple[str, ...] = ()


@dataclass(frozen=True)
class Registry:
    """The validated registry: ``measures`` in file order, ``source`` the file it came from."""

    measures: tuple[Measure, ...]
    source: str

    def get(self, measure_id: str) -> Measure:
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)


def default_registry_path() -> Path:
    return project_root() / "datasets" / "indicators.yaml"


def load_registry(path: Path | None = None) -> Registry:
    """Load and validate the registry, reporting every problem at once.

    Raises:
        RegistryError: unreadable YAML, a wrong ``schema_version``, or measures with missing or
            invalid keys — the message names the file, the measure, the key and the fix.
    """
    path = Path(path) if path else default_registry_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise RegistryError(f"{path}: cannot read the registry: {e}") from e
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise RegistryError(f"{path}: key schema_version must be {SCHEMA_VERSION} (found {data.get('schema_version') if isinstance(data, dict) else None!r})")
    problems: list[str] = []
    measures: list[Measure] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("measures") or []):
        where = f"measures[{i}] ({raw.get('id', '?') if isinstance(raw, dict) else '?'})"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        before = len(problems)
        for key in ("id", "indicator", "dimension", "name", "definition", "unit", "source", "aggregation", "reference"):
            if key not in raw:
                problems.append(f"{where}: key {key} is missing — add it")
        if raw.get("id") in seen:
            problems.append(f"{where}: key id is a duplicate — ids must be unique")
        seen.add(raw.get("id"))
        for key in ("name", "definition"):
            if key in raw and not (isinstance(raw[key], dict) and raw[key].get("zh") and raw[key].get("en")):
                problems.append(f"{where}: key {key} needs both zh and en texts")
        if raw.get("unit") not in UNITS:
            problems.append(f"{where}: key unit {raw.get('unit')!r} — use one of {' '.join(UNITS)}")
        source = raw.get("source")
        if source not in SOURCES:
            problems.append(f"{where}: key source {source!r} — use one of {', '.join(SOURCES)}")
        agg = raw.get("aggregation")
        if agg not in AGGREGATIONS:
            problems.append(f"{where}: key aggregation {agg!r} — use one of {', '.join(AGGREGATIONS)} (never a mean of ratios)")
        fields = LEDGER_FIELDS if source == "ledger" else ROSTER_FIELDS
        if agg in ("sum", "distinct_count") and raw.get("field") not in fields:
            problems.append(f"{where}: key field {raw.get('field')!r} — {agg} needs one of {', '.join(fields)}")
        for col in raw.get("filter") or {}:
            if col not in FILTER_COLUMNS.get(source, ()):
                problems.append(f"{where}: key filter.{col} — filter on one of {', '.join(FILTER_COLUMNS.get(source, ()))}")
        for col in raw.get("disaggregate") or []:
            if col not in DISAGGREGATIONS or source != "ledger":
                problems.append(f"{where}: key disaggregate {col!r} — ledger measures only, by {', '.join(DISAGGREGATIONS)}")
        if len(problems) > before:
            continue
        measures.append(Measure(
            id=raw["id"], indicator=raw["indicator"], dimension=raw["dimension"], name=raw["name"],
            definition=raw["definition"], unit=raw["unit"], factor=float(raw.get("factor", 1)), source=source,
            aggregation=agg, reference=raw["reference"], field=raw.get("field"), scale=float(raw.get("scale", 1)),
            filter={k: [str(v) for v in vs] for k, vs in (raw.get("filter") or {}).items()},
            disaggregate=tuple(raw.get("disaggregate") or ()),
        ))
    if not measures and not problems:
        problems.append("key measures is empty — list at least one measure")
    if problems:
        raise RegistryError(f"{path}: " + "; ".join(problems))
    return Registry(tuple(measures), str(path))


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _where(m: Measure, alias: str) -> str:
    clauses = [f"{alias}.{col} IN ({', '.join(_quote(v) for v in vals)})" for col, vals in m.filter.items()]
    return " AND ".join(clauses) if clauses else "TRUE"


def _aggregate(m: Measure, alias: str) -> str:
    if m.aggregation == "count":
        expr = "COUNT(*)"
    elif m.aggregation == "sum":
        expr = f"SUM({alias}.{m.field})"
    else:
        expr = f"COUNT(DISTINCT {alias}.{m.field})"
    return f"CAST({expr} AS DOUBLE) / {m.scale} * {m.factor}"


def _ledger_sql(m: Measure, year: int) -> str:
    dis = [d for d in DISAGGREGATIONS if d in m.disaggregate]
    sets = ["(a.ancestor, y)", "(a.ancestor, ym)"] + [f"(a.ancestor, y, l.{d})" for d in dis]
    dis_cols = ", ".join(
        f"CASE WHEN GROUPING(l.{d}) = 0 THEN COALESCE(l.{d}, '{UNSPECIFIED}') END AS {d}" if d in dis else f"NULL::VARCHAR AS {d}"
        for d in DISAGGREGATIONS
    )
    return f"""
        SELECT a.ancestor AS org_unit,
               CASE WHEN GROUPING(ym) = 0 THEN ym ELSE y END AS period,
               {_aggregate(m, 'l')} AS value, {dis_cols}
        FROM (SELECT *, CAST(year AS VARCHAR) AS y, strftime(date, '%Y-%m') AS ym FROM ledger) l
        JOIN ancestry a ON l.org_unit = a.code
        WHERE l.year = {int(year)} AND {_where(m, 'l')}
        GROUP BY GROUPING SETS ({', '.join(sets)})
    """


def _roster_sql(m: Measure) -> str:
    return f"""
        SELECT a.ancestor AS org_unit, {_aggregate(m, 'r')} AS value
        FROM roster r JOIN ancestry a ON r.station_code = a.code
        WHERE {_where(m, 'r')}
        GROUP BY a.ancestor
    """


def compute_indicators(workspace: Workspace, *, year: int, registry: Registry | None = None) -> pd.DataFrame:
    """Compute every registered measure for every org unit, for the pilot ``year`` and its months.

    Every unit gets a yearly row for every measure (0 where it had no events); months and
    disaggregations (``service_area``, ``client_category``) appear where there is data.

    Returns:
        The table written to ``indicators/indicators.parquet`` — columns of DESIGN.md §3:
        ``org_unit`` (str), ``level`` (int32), ``period`` (``2021`` or ``2021-05``),
        ``indicator`` (measure id), ``value``/``numerator``/``denominator`` (float64; numerator
        and denominator null for counts), ``unit``, ``target`` (null until targets exist),
        ``status`` (``no_target``), ``service_area``, ``client_category`` (null = all).

    Raises:
        IndicatorError: no accepted ledger rows in the workspace; OrgUnitError for a bad
            org-unit file.
    """
    registry = registry or load_registry()
    org_units = OrgUnits.read_csv(workspace.org_units_file)
    ledger_files = sorted(workspace.accepted_dir.glob("*.parquet"))
    if not ledger_files:
        raise IndicatorError("no ledger has been imported into this workspace: run `shegong ledger import` first")
    con = duckdb.connect()
    try:
        con.register("ancestry_df", org_units.ancestry())
        con.execute("CREATE TABLE ancestry AS SELECT * FROM ancestry_df")
        con.execute(f"CREATE VIEW ledger AS SELECT * FROM read_parquet({[str(f) for f in ledger_files]!r}, union_by_name=true)")
        roster = workspace.roster_file
        roster_df = pd.read_csv(roster, dtype=str, encoding="utf-8-sig") if roster.exists() else pd.DataFrame(columns=["staff_id", "station_code", "role"])
        con.register("roster", roster_df)
        frames = []
        for m in registry.measures:
            if m.source == "roster":
                df = con.execute(_roster_sql(m)).df()
                df["period"] = str(year)
                df["service_area"] = None
                df["client_category"] = None
            else:
                df = con.execute(_ledger_sql(m, year)).df()
            df["indicator"] = m.id
            df["unit"] = m.unit
            frames.append(df)
    finally:
        con.close()
    table = pd.concat(frames, ignore_index=True)
    table = _fill_zero_years(table, org_units, registry, year)
    levels = dict(zip(org_units.frame["code"], org_units.frame["level"], strict=True))
    table["level"] = table["org_unit"].map(levels).astype("int32")
    for col in ("numerator", "denominator", "target"):
        table[col] = float("nan")
    table["status"] = "no_target"
    table = table.sort_values(["indicator", "org_unit", "period", "service_area", "client_category"], na_position="first")
    table = table[list(OUTPUT_COLUMNS)].reset_index(drop=True)
    out = pa.Table.from_pandas(table, schema=OUTPUT_SCHEMA, preserve_index=False)
    atomic.write_with(workspace.indicators_file, lambda p: pq.write_table(out, p))
    return table


def _fill_zero_years(table: pd.DataFrame, org_units: OrgUnits, registry: Registry, year: int) -> pd.DataFrame:
    """Add a yearly 0 for every unit × measure that had no events (a real zero, not missing)."""
    yearly = table[(table["period"] == str(year)) & table["service_area"].isna() & table["client_category"].isna()]
    have = set(zip(yearly["org_unit"], yearly["indicator"], strict=True))
    missing = [
        {"org_unit": code, "period": str(year), "value": 0.0, "service_area": None, "client_category": None,
         "indicator": m.id, "unit": m.unit}
        for code in org_units.frame["code"] for m in registry.measures if (code, m.id) not in have
    ]
    return pd.concat([table, pd.DataFrame(missing)], ignore_index=True) if missing else table


def load_indicators(workspace: Workspace) -> pd.DataFrame:
    """Read ``indicators/indicators.parquet``.

    Raises:
        IndicatorError: when indicators have not been computed yet.
    """
    if not workspace.indicators_file.exists():
        raise IndicatorError("indicators have not been computed: run `shegong indicators compute`")
    return pd.read_parquet(workspace.indicators_file)
