"""Draft a mapping profile for an unknown layout (``shegong ledger profile suggest FILE``).

Every sheet's header band is found (title rows, 1–3 merged header rows); each column's header
path is matched against the standard profile's synonyms (exactly, then by its last part), and
count columns under the same group are proposed as ``sum_columns`` where a group has parts.
Labels of the station's own drop-down values (活动类型, 项目领域 …) found in the data that the
vocabularies of ``datasets/vocabularies/`` do not know are listed under ``value_maps`` with empty
targets to fill in. The draft is YAML text to review, never
used silently.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from shegong.errors import DatasetError, Location
from shegong.ledger.normalise import is_blank
from shegong.ledger.profiles import CANONICAL, SCHEMA_VERSION, load_profile
from shegong.ledger.read import read_sheets
from shegong.ledger.structure import HeaderMap, find_header, fold
from shegong.ledger.vocabulary import VOCABULARIES

_TOTALS = ("总合计", "合计", "总计")
_SEXES = ("男性", "女性", "男童", "女童", "男", "女")


def _guesses(paths: list[str]) -> dict[str, list[str]]:
    """Likely canonical columns among unmatched header paths (totals of 人次, volunteers …).

    Beneficiary columns by group (男性, 女性, 男童, 女童 …) become ``persons`` and the parts of
    ``person_times`` (each beneficiary took part once in the event); the 总合计 of their group is
    the row's stated total, compared with them on import (issue 16)."""
    out: dict[str, list[str]] = {}
    leaves = [
        p
        for p in paths
        if p.split("/")[-1] in _SEXES
        and not any(t in p.split("/") for t in _TOTALS)
        and "志愿" not in p
    ]
    if len(leaves) >= 2:
        group = leaves[0].split("/")[0]
        stated = [p for p in paths if p == f"{group}/总合计"]
        out["persons"] = leaves
        out["person_times_parts"] = leaves
        if stated:
            out["person_times"] = stated
    ranked = sorted(paths, key=lambda p: (p.split("/")[-1] != "总合计", len(p)))
    for p in ranked:
        parts = p.split("/")
        has_total = any(t in parts for t in _TOTALS)
        if "人次" in p and has_total and "person_times_parts" not in out:
            out.setdefault("person_times", []).append(p)
        elif "志愿" in p and has_total and parts[-1] in ("人数", "人次"):
            out.setdefault("volunteers", []).append(p)
        elif "志愿" in p and has_total and parts[-1] in ("小时", "时长", "时长(小时)"):
            out.setdefault("volunteer_hours", []).append(p)
        elif parts[-1] in ("年份", "年度"):
            out.setdefault("year", []).append(p)
        elif parts[-1] == "月份":
            out.setdefault("month", []).append(p)
    return out


def suggest_profile(path: Path, *, name: str | None = None) -> str:
    """A draft profile (YAML text) for ``path``.

    Raises:
        DatasetError: the file cannot be read, or no sheet has a recognisable header.
    """
    path = Path(path)
    std = load_profile("standard")
    sheets = read_sheets(path)
    found: list[tuple[str, HeaderMap, list]] = []
    for raw in sheets:
        header = find_header(raw.rows, std, raw.merged)
        if header is not None:
            found.append((raw.sheet, header, raw.rows[header.data_start :]))
    if not found:
        raise DatasetError(
            "no sheet has a header with at least four known columns (服务日期, 站点, 服务类型 …): "
            "write the profile by hand from datasets/profiles/standard.yaml",
            Location(path.name),
        )
    sheet, header, body = max(found, key=lambda f: len(f[1].columns))
    columns = {
        canon: [header.paths[j]]
        for canon, j in sorted(header.columns.items(), key=lambda kv: kv[1])
    }
    unmatched = [p for j, p in enumerate(header.paths) if j not in header.columns.values() and p]
    sums: dict[str, list[str]] = {}
    for canon, guess in _guesses(unmatched).items():
        if canon == "persons":
            sums[canon] = guess
        elif canon == "person_times_parts":
            sums["person_times"] = guess
        elif canon not in columns:
            columns[canon] = guess[:1]
    unmatched = [
        p for p in unmatched if not any(p in g for g in (*columns.values(), *sums.values()))
    ]
    value_maps: dict[str, dict[str, str]] = {}
    for canon in ("event_type", "service_area", "client_category", "resource_kind"):
        j = header.columns.get(canon)
        if j is None:
            continue
        seen = sorted({str(r[j]).strip() for r in body if j < len(r) and not is_blank(r[j])})
        own = [v for v in seen if VOCABULARIES[canon].lookup(v) is None]  # datasets/vocabularies
        if own:
            value_maps[canon] = {v: "" for v in own}
    draft = {
        "schema_version": SCHEMA_VERSION,
        "name": name or fold(path.stem),
        "description": f"draft from {path.name} (sheet {sheet}): review every mapping before use",
        "sheets": {"include": [s for s, _h, _b in found]},
        "header_scan_rows": max(10, header.row + 5),
        "columns": columns,
    }
    if sums:
        draft["sum_columns"] = sums
    if value_maps:
        draft["value_maps"] = value_maps
    text = yaml.safe_dump(draft, allow_unicode=True, sort_keys=False)
    missing = [c for c in ("date", "station", "event_type", "person_times") if c not in columns]
    notes = [
        f"# draft profile suggested by `shegong ledger profile suggest {path.name}`",
        "# fill every empty value_maps target with a standard label (服务类型 / "
        "服务领域), e.g. 志愿服务",
        f"# canonical columns: {', '.join(CANONICAL)}",
    ]
    if missing:
        notes.append(
            f"# REQUIRED but not found: {', '.join(missing)} — map them under "
            "columns:, or give fixed: values"
        )
    if unmatched:
        notes.append("# columns not mapped (header paths): " + "; ".join(unmatched[:40]))
    return "\n".join(notes) + "\n" + text
