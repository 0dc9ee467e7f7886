"""The indicator registry (指标体系): load and validate ``datasets/indicators.yaml``.

The registry follows DHIS2's indicator model (DOMAIN.md §3): each measure has a numerator and
an optional denominator, each a *term* — an aggregation (``count``, ``sum``, ``distinct_count``)
of one input table (:data:`SOURCE_COLUMNS`) after a filter, or a reference to another measure's
numerator (``{measure: D3a}``) — a factor (100 for %, 1 for counts), an aggregation rule across
periods and org units (``count``/``sum``/``distinct_count`` for plain figures, ``ratio_of_sums``
for rates — never a mean of ratios), the levels where it is valid, a minimum denominator below
which the value is suppressed, a target per pilot year (1 coverage, 2 standardisation, 3
improvement), a weight on the 100-point evaluation scale and traffic-light thresholds.

:func:`load_registry` reports every problem at once; each message names the file, the measure,
the key and the fix. ``shegong indicators check`` calls it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import yaml

from shegong.config import project_root
from shegong.errors import RegistryError

SCHEMA_VERSION = 2
AGGREGATIONS = ("count", "sum", "distinct_count")
MEASURE_AGGREGATIONS = (*AGGREGATIONS, "ratio_of_sums")
UNITS = ("户", "个", "次", "场", "人次", "人", "元", "%", "h", "项", "家")
DIMENSIONS = {"A": 10, "B": 15, "C": 15, "D": 25, "E": 10, "F": 10, "G": 15}
DISAGGREGATIONS = ("service_area", "client_category")
TARGET_SCOPES = ("unit", "per_station")
LEVELS = (1, 2, 3, 4, 5)

#: The columns each input table offers to ``field`` and ``filter`` (see
#: :mod:`shegong.indicators.compute` for how each table is built from the workspace's inputs).
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "ledger": (
        "event_type",
        "service_area",
        "client_category",
        "resource_kind",
        "household_pid",
        "client_pid",
        "person_times",
        "volunteers",
        "volunteer_hours",
        "resources_fen",
        "complete",
        "in_service_list",
    ),
    "stations": ("code", "operating"),
    "divisions": ("division_code", "kind", "covered"),
    "staff": (
        "staff_id",
        "role",
        "employment",
        "qualification",
        "certified",
        "training_hours",
        "supervised_months",
        "supervised_monthly",
    ),
    "training": ("trainee_pid", "trainee_role", "stage", "format", "hours"),
    "survey": ("respondent_type", "satisfied", "aware"),
    "site_visits": ("facilities", "rules"),
    "receipts": ("on_time",),
    "audits": ("file_pid", "complete"),
    "organisations": ("org_id", "relation"),
    "case_outcomes": ("goals_met",),
    "priority_households": ("household_pid", "visited"),
    "groups": ("group_id", "service_area"),
}
MEASURE_KEYS = {
    "id",
    "indicator",
    "dimension",
    "name",
    "definition",
    "unit",
    "factor",
    "aggregation",
    "numerator",
    "denominator",
    "levels",
    "min_denominator",
    "targets",
    "target_scope",
    "weight",
    "thresholds",
    "disaggregate",
    "reference",
}
TERM_KEYS = {"source", "aggregation", "field", "filter", "scale", "measure"}
REQUIRED = (
    "id",
    "indicator",
    "dimension",
    "name",
    "definition",
    "unit",
    "aggregation",
    "numerator",
    "levels",
    "weight",
    "reference",
)


@dataclass(frozen=True)
class Flavour:
    """What a registry file may hold: the station registry (``datasets/indicators.yaml``,
    weighted A–G) or the project registry (``datasets/project_indicators.yaml``, issue 8: the
    six dimensions of MZ/T 059-2014, unweighted, targets from the project file)."""

    name: str
    schema_version: int
    dimensions: dict[str, float]
    sources: dict[str, tuple[str, ...]]
    units: tuple[str, ...]
    keys: frozenset[str]
    required: tuple[str, ...]
    weighted: bool


#: The columns each project source offers (see :mod:`shegong.indicators.projects` for how they are
#: built).
PROJECT_SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "events": (
        "event_id",
        "event_type",
        "service_area",
        "client_category",
        "household_pid",
        "client_pid",
        "person_times",
        "volunteers",
        "volunteer_hours",
        "resources_fen",
        "complete",
    ),
    "area_events": ("event_id", "event_type", "person_times"),
    "spending": ("amount_fen", "category"),
    "projects": (
        "project_code",
        "budget_fen",
        "target_person_times",
        "target_households",
        "target_activities",
    ),
    "survey": ("respondent_type", "satisfied"),
    "case_outcomes": ("goals_met",),
}
#: MZ/T 059-2014's six dimensions of a service project's performance (codes; labels in reports).
PROJECT_DIMENSIONS = {
    "objectives": 0,
    "inputs": 0,
    "management": 0,
    "outputs": 0,
    "outcomes": 0,
    "satisfaction": 0,
}

STATION = Flavour(
    "station",
    SCHEMA_VERSION,
    DIMENSIONS,
    SOURCE_COLUMNS,
    UNITS,
    frozenset(MEASURE_KEYS),
    REQUIRED,
    True,
)
PROJECT = Flavour(
    "project",
    1,
    PROJECT_DIMENSIONS,
    PROJECT_SOURCE_COLUMNS,
    (*UNITS, "元/人次", "元/户"),
    frozenset(MEASURE_KEYS | {"target", "target_field"}),
    ("id", "dimension", "name", "definition", "unit", "aggregation", "numerator", "reference"),
    False,
)


@dataclass(frozen=True)
class Term:
    """A numerator or denominator: ``aggregation`` of ``field`` over ``source`` rows passing
    ``filter`` (column → allowed values, compared as text), divided by ``scale``; or, when
    ``measure`` is set, that measure's numerator."""

    source: str = ""
    aggregation: str = "count"
    field: str | None = None
    filter: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    scale: float = 1.0
    measure: str | None = None


@dataclass(frozen=True)
class Measure:
    """One measure of the registry (keys documented in the header of
    ``datasets/indicators.yaml``)."""

    id: str
    indicator: str
    dimension: str
    name: dict[str, str]
    definition: dict[str, str]
    unit: str
    factor: float
    aggregation: str
    numerator: Term
    denominator: Term | None
    levels: tuple[int, ...]
    min_denominator: float
    targets: dict[int, float]
    target_scope: str
    weight: float
    near: float
    disaggregate: tuple[str, ...]
    reference: str
    #: project registry only: a fixed target (e.g. 100 %) or the project-file column summed over
    #: the projects of a scope that gives the target (e.g. ``target_person_times``).
    target: float | None = None
    target_field: str | None = None

    @property
    def is_ratio(self) -> bool:
        """Whether the measure is a ratio (it has a denominator)."""
        return self.denominator is not None


@dataclass(frozen=True)
class Registry:
    """The validated registry: ``measures`` in file order, ``source`` the file, ``first_pilot_year``
    the default start of the pilot (stage 1) for units without a ``pilot_batch``."""

    measures: tuple[Measure, ...]
    source: str
    first_pilot_year: int = 2021

    def get(self, measure_id: str) -> Measure:
        """The measure with id ``measure_id``; raises KeyError for an unknown id."""
        for m in self.measures:
            if m.id == measure_id:
                return m
        raise KeyError(measure_id)

    def resolve(self, term: Term) -> Term:
        """Follow ``{measure: ID}`` references to a concrete term."""
        seen = set()
        while term.measure is not None:
            if term.measure in seen:
                raise RegistryError(
                    f"{self.source}: measure reference cycle through {term.measure}"
                )
            seen.add(term.measure)
            term = self.get(term.measure).numerator
        return term


def default_registry_path() -> Path:
    """The indicator registry shipped with the project: ``datasets/indicators.yaml``."""
    return project_root() / "datasets" / "indicators.yaml"


def _term(
    raw: object, where: str, key: str, problems: list[str], sources: dict | None = None
) -> Term | None:
    if not isinstance(raw, dict):
        problems.append(
            f"{where}: key {key} must be a mapping {{source, aggregation, field, "
            "filter} or {measure: ID}"
        )
        return None
    for k in sorted(set(raw) - TERM_KEYS):
        problems.append(f"{where}: unknown key {key}.{k} — use {', '.join(sorted(TERM_KEYS))}")
    if "measure" in raw:
        return Term(measure=str(raw["measure"]))
    sources = sources or SOURCE_COLUMNS
    source, agg, field = raw.get("source"), raw.get("aggregation", "count"), raw.get("field")
    if source not in sources:
        problems.append(f"{where}: key {key}.source {source!r} — use one of {', '.join(sources)}")
        return None
    columns = sources[source]
    if agg not in AGGREGATIONS:
        problems.append(
            f"{where}: key {key}.aggregation {agg!r} — use one of {', '.join(AGGREGATIONS)}"
        )
    if agg in ("sum", "distinct_count") and field not in columns:
        problems.append(
            f"{where}: key {key}.field {field!r} is not a column of {source} — {agg} "
            f"needs one of {', '.join(columns)}"
        )
    filters = raw.get("filter") or {}
    if not isinstance(filters, dict):
        problems.append(f"{where}: key {key}.filter must map columns to lists of values")
        filters = {}
    for col in filters:
        if col not in columns:
            problems.append(
                f"{where}: key {key}.filter.{col} is not a column of {source} — "
                f"filter on one of {', '.join(columns)}"
            )
    values = {
        str(c): tuple(
            str(v).lower() if isinstance(v, bool) else str(v)
            for v in (vs if isinstance(vs, list) else [vs])
        )
        for c, vs in filters.items()
    }
    return Term(
        source=source, aggregation=agg, field=field, filter=values, scale=float(raw.get("scale", 1))
    )


def _measure(
    raw: dict, where: str, problems: list[str], flavour: Flavour = STATION
) -> Measure | None:
    before = len(problems)
    for key in sorted(set(raw) - flavour.keys):
        problems.append(
            f"{where}: unknown key {key} — use one of {', '.join(sorted(flavour.keys))}"
        )
    for key in flavour.required:
        if key not in raw:
            problems.append(f"{where}: key {key} is missing — add it")
    for key in ("name", "definition"):
        if key in raw and not (
            isinstance(raw[key], dict) and raw[key].get("zh") and raw[key].get("en")
        ):
            problems.append(f"{where}: key {key} needs both zh and en texts")
    if raw.get("unit") not in flavour.units:
        problems.append(
            f"{where}: key unit {raw.get('unit')!r} — use one of {' '.join(flavour.units)}"
        )
    if raw.get("dimension") not in flavour.dimensions:
        problems.append(
            f"{where}: key dimension {raw.get('dimension')!r} — use one of "
            f"{' '.join(flavour.dimensions)}"
        )
    agg = raw.get("aggregation")
    if agg not in MEASURE_AGGREGATIONS:
        problems.append(
            f"{where}: key aggregation {agg!r} — use one of "
            f"{', '.join(MEASURE_AGGREGATIONS)} (never a mean of ratios)"
        )
    num = (
        _term(raw["numerator"], where, "numerator", problems, flavour.sources)
        if "numerator" in raw
        else None
    )
    den = (
        _term(raw["denominator"], where, "denominator", problems, flavour.sources)
        if raw.get("denominator") is not None
        else None
    )
    if agg == "ratio_of_sums" and den is None:
        problems.append(
            f"{where}: aggregation ratio_of_sums needs a denominator — add key denominator"
        )
    if agg in AGGREGATIONS and den is not None:
        problems.append(f"{where}: a measure with a denominator must use aggregation ratio_of_sums")
    if agg in AGGREGATIONS and num is not None and num.measure is None and num.aggregation != agg:
        problems.append(
            f"{where}: key aggregation {agg!r} differs from numerator.aggregation "
            f"{num.aggregation!r}"
        )
    levels = raw.get("levels") or ([] if flavour.weighted else [])
    if flavour.weighted and (
        not isinstance(levels, list) or not levels or any(lv not in LEVELS for lv in levels)
    ):
        problems.append(f"{where}: key levels must list levels 1–5, e.g. [2, 3, 4]")
        levels = []
    targets = raw.get("targets") or {}
    if not isinstance(targets, dict) or any(int(k) not in (1, 2, 3) for k in targets):
        problems.append(f"{where}: key targets maps pilot years 1, 2, 3 to target values")
        targets = {}
    scope = raw.get("target_scope", "unit")
    if scope not in TARGET_SCOPES:
        problems.append(
            f"{where}: key target_scope {scope!r} — use one of {', '.join(TARGET_SCOPES)}"
        )
    near = float((raw.get("thresholds") or {}).get("near", 0.8))
    if not 0 < near < 1:
        problems.append(
            f"{where}: key thresholds.near must lie between 0 and 1 (share of the target)"
        )
    weight = raw.get("weight", 0)
    if not isinstance(weight, int | float) or weight < 0:
        problems.append(f"{where}: key weight must be a number ≥ 0")
        weight = 0
    if weight and not targets:
        problems.append(f"{where}: a weighted measure needs targets to be scored — add key targets")
    target_field = raw.get("target_field")
    if target_field is not None and target_field not in flavour.sources.get("projects", ()):
        problems.append(
            f"{where}: key target_field {target_field!r} — use a column of projects: "
            f"{', '.join(flavour.sources.get('projects', ()))}"
        )
    target = raw.get("target")
    if target is not None and not isinstance(target, int | float):
        problems.append(f"{where}: key target must be a number")
    dis = tuple(raw.get("disaggregate") or ())
    for col in dis:
        if col not in DISAGGREGATIONS:
            problems.append(f"{where}: key disaggregate {col!r} — use {', '.join(DISAGGREGATIONS)}")
    if len(problems) > before:
        return None
    return Measure(
        id=str(raw["id"]),
        indicator=str(raw.get("indicator", raw["id"])),
        dimension=raw["dimension"],
        name=raw["name"],
        definition=raw["definition"],
        unit=raw["unit"],
        factor=float(raw.get("factor", 1)),
        aggregation=agg,
        numerator=num,
        denominator=den,
        levels=tuple(int(lv) for lv in levels),  # type: ignore[arg-type]
        min_denominator=float(raw.get("min_denominator", 5 if den is not None else 0)),
        targets={int(k): float(v) for k, v in targets.items()},
        target_scope=scope,
        weight=float(weight),
        near=near,
        disaggregate=dis,
        reference=str(raw["reference"]),
        target=None if target is None else float(target),
        target_field=target_field,
    )


def load_registry(path: Path | str | None = None, flavour: Flavour = STATION) -> Registry:
    """Load and validate the registry, reporting every problem at once.

    Raises:
        RegistryError: unreadable YAML, a wrong ``schema_version``, unknown keys or columns, a
            ratio without a denominator, dimension weights that do not total their share, or
            measure weights that do not total 100 — the message names the file, the measure,
            the key and the fix.
    """
    path = Path(path) if path else default_registry_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise RegistryError(f"{path}: cannot read the registry: {e}") from e
    found = data.get("schema_version") if isinstance(data, dict) else None
    if found != flavour.schema_version:
        raise RegistryError(
            f"{path}: key schema_version must be {flavour.schema_version} (found {found!r})"
        )
    problems: list[str] = []
    measures: list[Measure] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("measures") or []):
        if not isinstance(raw, dict):
            problems.append(f"measures[{i}]: must be a mapping")
            continue
        where = f"measures[{i}] ({raw.get('id', '?')})"
        if raw.get("id") in seen:
            problems.append(f"{where}: key id is a duplicate — ids must be unique")
        seen.add(raw.get("id"))
        m = _measure(raw, where, problems, flavour)
        if m is not None:
            measures.append(m)
    ids = {m.id for m in measures}
    for m in measures:
        for key, term in (("numerator", m.numerator), ("denominator", m.denominator)):
            if term is not None and term.measure is not None and term.measure not in ids:
                problems.append(
                    f"measure {m.id}: key {key}.measure {term.measure!r} is not a measure id"
                )
    if not measures and not problems:
        problems.append("key measures is empty — list at least one measure")
    if measures and not problems and flavour.weighted:
        total = sum(m.weight for m in measures)
        if abs(total - 100) > 1e-6:
            listing = ", ".join(f"{m.id} {m.weight:g}" for m in measures if m.weight)
            problems.append(
                f"measure weights total {total:g}, not 100 — adjust key weight ({listing})"
            )
        for dim, share in DIMENSIONS.items():
            got = sum(m.weight for m in measures if m.dimension == dim)
            if got and abs(got - share) > 1e-6:
                names = ", ".join(m.id for m in measures if m.dimension == dim)
                problems.append(
                    f"dimension {dim} weights total {got:g}, not {share} — adjust key "
                    f"weight of {names}"
                )
    if problems:
        raise RegistryError(f"{path}: " + "; ".join(problems))
    return Registry(tuple(measures), str(path), int(data.get("first_pilot_year", 2021)))
