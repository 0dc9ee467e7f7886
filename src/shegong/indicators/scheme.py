"""Evaluation schemes as data (``datasets/schemes/<name>.yaml``): the first piece (issue 16).

A scheme states, for each unit type of the org-unit file (DOMAIN.md §4), what the report calls
such a unit, which targets apply (the registry's, none, or its own by pilot year), whether it is
graded, the inputs a grade needs and which advice it gets; beside the grade bands and the names of
the inputs. :func:`load_scheme` validates a scheme, reporting every problem at once with the file,
the key and the fix (:class:`~shegong.errors.RegistryError`, exit code 2).

:func:`present_inputs` says which inputs a workspace holds for a year, and
:meth:`Scheme.missing_inputs` which of those a unit's grade needs are missing: a unit is scored
and graded only when none is (:mod:`shegong.indicators.evaluation`). Issue 18 extends the format
(dimensions, points, on-site measures, vetoes) rather than replacing it.

Light on purpose (YAML and the standard library): report kernels import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from shegong.config import Workspace, project_root
from shegong.errors import RegistryError
from shegong.orgunits import UNIT_TYPES

SCHEMA_VERSION = 1
DEFAULT = "workbench"
GRADES = ("excellent", "good", "pass", "fail")
ADVICE = ("station", "none")
_KEYS = {"schema_version", "name", "version", "title", "registry", "grades", "inputs", "unit_types"}
_UNIT_KEYS = {"label", "targets", "graded", "requires_inputs", "advice", "note"}
#: input kind → the accepted file that holds it, relative to the workspace (the ledger: a folder)
_ACCEPTED = {"ledger": "ledger/accepted"}


@dataclass(frozen=True)
class UnitRule:
    """What a scheme says about one unit type (keys documented in the scheme file)."""

    unit_type: str
    label: dict[str, str] | None
    #: ``registry``, ``none``, or {measure id: {pilot year: target}}
    targets: str | dict[str, dict[int, float]]
    graded: bool
    requires_inputs: tuple[str, ...]
    advice: str
    note: dict[str, str] | None = None

    def target_for(
        self, measure: str, pilot_year: int, registry_target: float | None
    ) -> float | None:
        """The target of ``measure`` in ``pilot_year`` for this unit type (None: no target)."""
        if self.targets == "registry":
            return registry_target
        if self.targets == "none":
            return None
        return self.targets.get(measure, {}).get(pilot_year)


@dataclass(frozen=True)
class Scheme:
    """A validated scheme: ``unit_types`` maps each unit type to its :class:`UnitRule`."""

    name: str
    version: str
    source: str
    title: dict[str, str]
    registry: str
    grades: tuple[tuple[float, str], ...]
    inputs: dict[str, dict[str, str]]
    unit_types: dict[str, UnitRule] = field(default_factory=dict)

    def rule(self, unit_type: str) -> UnitRule:
        """The rule of ``unit_type``; a type the scheme does not name is graded like a station."""
        return self.unit_types.get(unit_type) or self.unit_types["station"]

    def grade(self, total: float | None) -> str | None:
        """The grade band of a total on 100 (None for no total)."""
        if total is None or total != total:
            return None
        return next((g for floor, g in self.grades if total >= floor - 1e-9), self.grades[-1][1])

    def missing_inputs(self, unit_type: str, present: set[str]) -> list[str]:
        """The inputs a grade of ``unit_type`` needs that are not in ``present``, in scheme
        order."""
        return [k for k in self.rule(unit_type).requires_inputs if k not in present]

    def input_names(self, kinds: list[str] | tuple[str, ...], lang: str = "zh") -> list[str]:
        """How a report names input kinds (``roster`` → 工作人员花名册)."""
        return [self.inputs.get(k, {}).get(lang, k) for k in kinds]


def schemes_dir() -> Path:
    """``datasets/schemes`` of the checkout."""
    return project_root() / "datasets" / "schemes"


def _texts(raw: object, where: str, problems: list[str]) -> dict[str, str] | None:
    if raw is None:
        return None
    if not (isinstance(raw, dict) and raw.get("zh") and raw.get("en")):
        problems.append(f"{where}: needs zh and en texts — write {{zh: …, en: …}}")
        return None
    return {"zh": str(raw["zh"]), "en": str(raw["en"])}


def _unit_rule(
    unit_type: str, raw: object, inputs: set[str], problems: list[str]
) -> UnitRule | None:
    where = f"key unit_types.{unit_type}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: not a mapping — write targets:, graded:, requires_inputs:")
        return None
    for key in sorted(set(raw) - _UNIT_KEYS):
        problems.append(f"{where}.{key}: unknown — use one of {', '.join(sorted(_UNIT_KEYS))}")
    targets = raw.get("targets", "registry")
    if isinstance(targets, dict):
        own: dict[str, dict[int, float]] = {}
        for measure, by_year in targets.items():
            if not isinstance(by_year, dict) or any(int(k) not in (1, 2, 3) for k in by_year):
                problems.append(
                    f"{where}.targets.{measure}: map pilot years 1, 2, 3 to targets — "
                    "write {1: 300, 2: 400}"
                )
                continue
            own[str(measure)] = {int(k): float(v) for k, v in by_year.items()}
        targets = own
    elif targets not in ("registry", "none"):
        problems.append(
            f"{where}.targets: {targets!r} — write registry, none or {{measure: {{1: …}}}}"
        )
    graded = raw.get("graded", True)
    if not isinstance(graded, bool):
        problems.append(f"{where}.graded: {graded!r} — write true or false")
    required = raw.get("requires_inputs") or []
    if not isinstance(required, list) or any(k not in inputs for k in required):
        unknown = (
            [k for k in required if k not in inputs] if isinstance(required, list) else required
        )
        problems.append(
            f"{where}.requires_inputs: {unknown!r} not in key inputs — use "
            f"{', '.join(sorted(inputs))}"
        )
        required = []
    if graded is True and targets == "none":
        problems.append(f"{where}: graded without targets — set graded: false or give targets")
    advice = raw.get("advice", "station")
    if advice not in ADVICE:
        problems.append(f"{where}.advice: {advice!r} — use one of {', '.join(ADVICE)}")
    note = _texts(raw.get("note"), f"{where}.note", problems)
    if graded is False and note is None:
        problems.append(f"{where}.note: a type that is not graded says why — add note: {{zh, en}}")
    return UnitRule(
        unit_type,
        _texts(raw.get("label"), f"{where}.label", problems),
        targets,
        bool(graded),
        tuple(required),
        str(advice),
        note,
    )


def load_scheme(name_or_path: str | Path | None = None) -> Scheme:
    """Load and validate a scheme by name (``datasets/schemes/<name>.yaml``) or path; None is the
    default scheme ``workbench``.

    Raises:
        RegistryError: unknown scheme, unreadable YAML, a wrong ``schema_version``, unknown keys,
            grade bands out of order, an unknown input in ``requires_inputs``, a unit type graded
            without targets or not graded without a note, no rule for ``station`` — every problem
            at once, naming the file, the key and the fix.
    """
    value = str(name_or_path or DEFAULT)
    path = Path(value) if value.endswith((".yaml", ".yml")) else schemes_dir() / f"{value}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in schemes_dir().glob("*.yaml")))
        raise RegistryError(
            f"unknown scheme {value!r}: use one of {known} or a path to a .yaml file"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise RegistryError(
            f"{path.name}: cannot read the YAML ({type(e).__name__}): fix its syntax"
        ) from e
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION:
        raise RegistryError(f"{path.name}: key schema_version: must be {SCHEMA_VERSION} — set it")
    problems: list[str] = []
    for key in sorted(set(data) - _KEYS):
        problems.append(f"key {key}: unknown — use one of {', '.join(sorted(_KEYS))}")
    grades = []
    for i, band in enumerate(data.get("grades") or []):
        if not isinstance(band, dict) or band.get("grade") not in GRADES:
            problems.append(
                f"key grades[{i}]: write {{min: 90, grade: excellent}} with a grade of {GRADES}"
            )
            continue
        grades.append((float(band.get("min", 0)), str(band["grade"])))
    if not grades or [g[0] for g in grades] != sorted((g[0] for g in grades), reverse=True):
        problems.append("key grades: list the bands from the highest min down to min: 0")
    inputs = {}
    for kind, names in (data.get("inputs") or {}).items():
        texts = _texts(names, f"key inputs.{kind}", problems)
        if texts:
            inputs[str(kind)] = texts
    rules = {}
    for unit_type, raw in (data.get("unit_types") or {}).items():
        if unit_type not in UNIT_TYPES:
            problems.append(
                f"key unit_types.{unit_type}: not a unit type — use {', '.join(UNIT_TYPES)}"
            )
            continue
        rule = _unit_rule(unit_type, raw, set(inputs), problems)
        if rule is not None:
            rules[unit_type] = rule
    if "station" not in rules and not problems:
        problems.append(
            "key unit_types.station: missing — every scheme says how stations are judged"
        )
    if problems:
        raise RegistryError(f"{path.name}: " + "; ".join(problems))
    return Scheme(
        name=str(data.get("name") or path.stem),
        version=str(data.get("version", "")),
        source=path.name,
        title=_texts(data.get("title"), "key title", []) or {"zh": path.stem, "en": path.stem},
        registry=str(data.get("registry", "indicators.yaml")),
        grades=tuple(grades),
        inputs=inputs,
        unit_types=rules,
    )


@cache
def default_scheme() -> Scheme:
    """The default scheme, loaded once per process."""
    return load_scheme()


def present_inputs(ws: Workspace, year: int) -> set[str]:
    """The input kinds the workspace holds rows of for ``year``: ``ledger`` (accepted ledger rows
    dated in the year) and every kind of ``inputs/accepted/<kind>.parquet`` with rows of the year
    (or any rows, for a kind without a year, such as ``divisions``)."""

    found = set()
    ledgers = sorted((ws.root / _ACCEPTED["ledger"]).glob("*.parquet"))
    for f in ledgers:
        years = pq.read_table(f, columns=["year"]).column(0)
        if pc.any(pc.equal(years, year)).as_py():
            found.add("ledger")
            break
    for f in sorted((ws.inputs / "accepted").glob("*.parquet")):
        meta = pq.read_schema(f)
        if "year" not in meta.names:
            if pq.read_metadata(f).num_rows:
                found.add(f.stem)
            continue
        years = pq.read_table(f, columns=["year"]).column(0)
        if len(years) and pc.any(pc.equal(years, year)).as_py():
            found.add(f.stem)
    return found


#: the words of :func:`grading_note` and :func:`sources_line`, zh-CN and en
_TEXT = {
    "zh": {
        "not_graded": "未评级",
        "missing": (
            "未评分、未定等级：按评估方案“{title}”（{file}），{unit}须在{need}齐全后才评分定级，"
            "本年度缺少：{missing}。下列数据只反映已导入的输入。"
        ),
        "sources": "数据来源：{inputs}（已导入，个人信息已化名处理）；指标定义见 "
        "datasets/indicators.yaml，评估方案见 datasets/schemes/{file}。",
        "and": "、",
        "every_input": "各项输入",
    },
    "en": {
        "not_graded": "not graded",
        "missing": (
            "Not scored or graded: under the scheme “{title}” ({file}) a {unit} is "
            "scored and graded "
            "once {need} are all imported; missing this year: {missing}. The figures below show "
            "the inputs that were imported."
        ),
        "sources": "Sources: {inputs} (imported, personal data pseudonymised); definitions in "
        "datasets/indicators.yaml, scheme in datasets/schemes/{file}.",
        "and": ", ",
        "every_input": "every input",
    },
}


def not_graded(total: object, lang: str = "zh") -> str | None:
    """What a report shows in place of a grade (未评级) when the evaluation's ``total`` row (a
    mapping) says the unit was not graded; None when it was (or was evaluated before issue 16)."""
    grading = total.get("grading") if hasattr(total, "get") else None
    return None if grading in ("graded", None) or grading != grading else _TEXT[lang]["not_graded"]


def unit_label(unit_type: str, lang: str = "zh") -> str | None:
    """What a report calls a unit of this type in the default scheme (None: by its level)."""
    rule = default_scheme().rule(unit_type)
    return rule.label[lang] if rule.label else None


def report_note(evaluation, unit_type: str, lang: str = "zh") -> str | None:  # noqa: ANN001
    """:func:`grading_note` for a unit's rows of ``evaluation.parquet`` (a frame, or None)."""
    if evaluation is None or evaluation.empty:
        return None
    total = evaluation[evaluation["dimension"] == "total"].iloc[0]
    return grading_note(
        default_scheme(), unit_type, total.get("grading"), total.get("missing_inputs"), lang
    )


def report_sources(ws: Workspace | None, year: int, lang: str = "zh") -> str | None:
    """:func:`sources_line` of the inputs ``ws`` holds for ``year`` (None without a workspace)."""
    return None if ws is None else sources_line(default_scheme(), present_inputs(ws, year), lang)


def grading_note(
    scheme: Scheme, unit_type: str, grading: str | None, missing: str | None, lang: str = "zh"
) -> str | None:
    """The sentence a report states where a unit is not graded (None where it is): the scheme's
    note for a unit type it never grades, or which inputs the grade still needs."""
    rule = scheme.rule(unit_type)
    if grading == "not_graded" or not rule.graded:
        return rule.note[lang] if rule.note else None
    if grading != "inputs_missing":
        return None
    t = _TEXT[lang]
    kinds = [k for k in (missing or "").split(";") if k]
    unit = rule.label[lang] if rule.label else unit_type
    need = (
        t["every_input"]
        if len(rule.requires_inputs) > 3
        else t["and"].join(scheme.input_names(rule.requires_inputs, lang))
    )
    return t["missing"].format(
        title=scheme.title[lang],
        file=scheme.source,
        unit=unit,
        need=need,
        missing=t["and"].join(scheme.input_names(kinds, lang)),
    )


def sources_line(scheme: Scheme, present: set[str], lang: str = "zh") -> str:
    """The report's source line naming the inputs that were imported — never one that was not."""
    kinds = [k for k in scheme.inputs if k in present]
    t = _TEXT[lang]
    return t["sources"].format(
        inputs=t["and"].join(scheme.input_names(kinds, lang)) or "—", file=scheme.source
    )
