"""Mapping profiles: how one ledger layout maps to the canonical ledger (issue 4).

A profile is a versioned YAML file (``datasets/profiles/<name>.yaml``; ``--profile NAME|PATH``)::

    schema_version: 1
    name: standard
    description: 标准台账模板 …
    sheets: {include: [Sheet1], exclude: []}      # sheet names; no include = every sheet
    header_scan_rows: 15                          # the header must start within these rows
    columns:                                      # canonical column → header labels or joined paths
      date: [服务日期, 日期, 活动日期]
      volunteers: [志愿者人数, 志愿服务/人数]         # a merged multi-row header by its path "A/B"
    sum_columns:                                  # canonical column ← sub-group columns added up
      persons: [成人受益人数统计/男性, 成人受益人数统计/女性]
      person_times: [成人受益人数统计/男性, 成人受益人数统计/女性]  # beneficiaries by group: their
                                                  # sum is the event's person-times;
                                                  columns.person_times, # when mapped, is the row's
                                                  stated total, compared
    value_maps:                                   # a station's own labels → our labels (or codes),
      event_type: {志愿者日常陪伴: 志愿服务}         # extending datasets/vocabularies/ for this
      layout
    fixed: {station: 同心源小家}                    # values for columns the file lacks
    skip_rows: [3]                                # Excel row numbers never read as data
    total_words: [总合计, 合计, 总计, 小计]

Header labels and paths are matched after folding (NFKC, no white space); a path matches the
end of a column's joined header path, so ``人数`` alone would match ``志愿服务/人数`` too.

Raises :class:`~shegong.errors.ProfileError` naming the file, the key and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from shegong import config
from shegong.errors import ProfileError
from shegong.ledger.vocabulary import VOCABULARIES

SCHEMA_VERSION = 1

#: every canonical column a profile may map (see :mod:`.schema`).
CANONICAL = (
    "seq",
    "date",
    "year",
    "month",
    "station",
    "village",
    "event_type",
    "service_area",
    "client_name",
    "id_number",
    "phone",
    "household_no",
    "client_category",
    "person_times",
    "persons",
    "staff",
    "volunteers",
    "volunteer_hours",
    "resources_yuan",
    "resource_kind",
    "note",
    "project_code",
    "programme",
)
REQUIRED = ("date", "station", "event_type", "person_times")
PERSONAL = ("client_name", "id_number", "phone", "household_no")
MAPPABLE = ("event_type", "service_area", "client_category", "resource_kind", "station")
_KEYS = {
    "schema_version",
    "name",
    "description",
    "sheets",
    "header_scan_rows",
    "columns",
    "sum_columns",
    "value_maps",
    "fixed",
    "skip_rows",
    "total_words",
}


@dataclass(frozen=True)
class Profile:
    """A validated mapping profile (see the module docstring for the YAML keys)."""

    name: str
    source: str
    description: str = ""
    include_sheets: tuple[str, ...] = ()
    exclude_sheets: tuple[str, ...] = ()
    header_scan_rows: int = 15
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sum_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)
    skip_rows: frozenset[int] = frozenset()
    total_words: tuple[str, ...] = ("总合计", "合计", "总计", "小计")

    def wants_sheet(self, sheet: str) -> bool:
        """Whether ``sheet`` is read under this profile."""
        if sheet in self.exclude_sheets:
            return False
        return not self.include_sheets or sheet in self.include_sheets

    @property
    def required_from_file(self) -> tuple[str, ...]:
        """Required canonical columns the file itself must hold (not fixed, not summed)."""
        return tuple(c for c in REQUIRED if c not in self.fixed and c not in self.sum_columns)


def profiles_dir() -> Path:
    """``datasets/profiles`` of the checkout."""
    return config.project_root() / "datasets" / "profiles"


def available() -> list[str]:
    """Names of the shipped profiles."""
    return sorted(p.stem for p in profiles_dir().glob("*.yaml"))


def load_profile(name_or_path: str | Path | None = None) -> Profile:
    """Load a profile by name (``datasets/profiles/<name>.yaml``) or path; None = ``standard``.

    Raises:
        ProfileError: unknown name, unreadable YAML, wrong ``schema_version``, unknown keys or
            canonical columns, malformed values — the message names file, key and fix.
    """
    value = "standard" if name_or_path is None else str(name_or_path)
    path = Path(value)
    if not (path.suffix in {".yaml", ".yml"} or path.exists()):
        path = profiles_dir() / f"{value}.yaml"
        if not path.is_file():
            raise ProfileError(
                f"unknown profile {value!r}: use one of {', '.join(available())} or a "
                "path to a .yaml file"
            )
    if not path.is_file():
        raise ProfileError(f"profile file {path} not found: give an existing .yaml file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ProfileError(
            f"{path.name}: cannot read the YAML ({type(e).__name__}): fix its syntax"
        ) from e
    return profile_from_dict(data, source=path.name)


def _problem(source: str, key: str, what: str, fix: str) -> str:
    return f"{source}: key {key}: {what} — fix: {fix}"


def profile_from_dict(data: object, *, source: str = "<memory>") -> Profile:
    """Validate a parsed profile; every problem is reported at once (see :func:`load_profile`)."""
    if not isinstance(data, dict):
        raise ProfileError(
            _problem(source, "(top)", "not a mapping", "write `schema_version: 1` and `columns:`")
        )
    problems: list[str] = []
    if data.get("schema_version") != SCHEMA_VERSION:
        problems.append(
            _problem(
                source,
                "schema_version",
                f"is {data.get('schema_version')!r}",
                f"set schema_version: {SCHEMA_VERSION}",
            )
        )
    for key in sorted(set(data) - _KEYS):
        problems.append(
            _problem(source, key, "unknown key", f"use one of {', '.join(sorted(_KEYS))}")
        )

    def labels_of(key: str) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        raw = data.get(key) or {}
        if not isinstance(raw, dict):
            problems.append(
                _problem(
                    source, key, "not a mapping", "map canonical column → list of header labels"
                )
            )
            return out
        for canon, labels in raw.items():
            if canon not in CANONICAL:
                problems.append(
                    _problem(
                        source,
                        f"{key}.{canon}",
                        "unknown canonical column",
                        f"use one of {', '.join(CANONICAL)}",
                    )
                )
                continue
            if isinstance(labels, str):
                labels = [labels]
            if (
                not isinstance(labels, list)
                or not labels
                or not all(isinstance(x, str) and x.strip() for x in labels)
            ):
                problems.append(
                    _problem(
                        source,
                        f"{key}.{canon}",
                        "not a list of header labels",
                        "write e.g. [服务日期, 日期]",
                    )
                )
                continue
            out[canon] = tuple(labels)
        return out

    columns, sums = labels_of("columns"), labels_of("sum_columns")
    maps: dict[str, dict[str, str]] = {}
    for canon, mapping in (data.get("value_maps") or {}).items():
        if canon not in MAPPABLE or not isinstance(mapping, dict):
            problems.append(
                _problem(
                    source,
                    f"value_maps.{canon}",
                    "not a mappable column with a {label: label} map",
                    f"map one of {', '.join(MAPPABLE)}",
                )
            )
            continue
        empty = [str(k) for k, v in mapping.items() if v is None or not str(v).strip()]
        if empty:
            problems.append(
                _problem(
                    source,
                    f"value_maps.{canon}",
                    f"no target for {', '.join(empty[:5])}",
                    "write the standard label each one stands for (e.g. 志愿服务), or "
                    "delete the line",
                )
            )
        maps[canon] = {str(k): str(v) for k, v in mapping.items()}
        if canon in VOCABULARIES:  # a target must name a label or code of the vocabulary
            vocab = VOCABULARIES[canon]
            wrong = [
                f"{k} → {v}"
                for k, v in maps[canon].items()
                if v.strip() and vocab.lookup(v) is None
            ]
            if wrong:
                problems.append(
                    _problem(
                        source,
                        f"value_maps.{canon}",
                        f"target not in datasets/vocabularies/{vocab.source}: "
                        f"{', '.join(wrong[:5])}",
                        f"write one of {', '.join(t.label_zh for t in vocab.terms)}",
                    )
                )
    fixed = data.get("fixed") or {}
    if not isinstance(fixed, dict) or any(k not in CANONICAL for k in fixed):
        problems.append(
            _problem(
                source,
                "fixed",
                "not a {canonical column: value} map",
                f"use columns of {', '.join(CANONICAL)}",
            )
        )
        fixed = {}
    skip = data.get("skip_rows") or []
    if not isinstance(skip, list) or not all(isinstance(r, int) and r >= 1 for r in skip):
        problems.append(
            _problem(source, "skip_rows", "not a list of Excel row numbers", "write e.g. [3, 4]")
        )
        skip = []
    sheets = data.get("sheets") or {}
    if not isinstance(sheets, dict) or set(sheets) - {"include", "exclude"}:
        problems.append(
            _problem(source, "sheets", "not {include: [...], exclude: [...]}", "list sheet names")
        )
        sheets = {}
    scan = data.get("header_scan_rows", 15)
    if not isinstance(scan, int) or not 1 <= scan <= 100:
        problems.append(
            _problem(source, "header_scan_rows", f"is {scan!r}", "give a whole number 1–100")
        )
        scan = 15
    if problems:
        raise ProfileError("; ".join(problems))
    return Profile(
        name=str(data.get("name") or Path(source).stem),
        source=source,
        description=str(data.get("description") or ""),
        include_sheets=tuple(map(str, sheets.get("include") or ())),
        exclude_sheets=tuple(map(str, sheets.get("exclude") or ())),
        header_scan_rows=scan,
        columns=columns,
        sum_columns=sums,
        value_maps=maps,
        fixed={k: str(v) for k, v in fixed.items()},
        skip_rows=frozenset(skip),
        total_words=tuple(data.get("total_words") or ("总合计", "合计", "总计", "小计")),
    )
