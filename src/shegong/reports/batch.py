"""Run the pilot-year report notebook for many org units with papermill, in parallel.

:func:`run_reports` is the library call behind ``shegong report`` (DESIGN.md §2.3). Each unit
runs in a fresh kernel through papermill's Python API inside a process pool; one unit's
failure is recorded in the manifest and does not stop the others. Outputs per unit, written
atomically into ``reports/<year>/``: the executed notebook ``<code>.ipynb`` and a static
``<code>.html`` without code cells. ``manifest.json`` follows DESIGN.md §3.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from shegong import atomic
from shegong.config import Workspace, language, project_root
from shegong.errors import ReportError
from shegong.indicators.results import has_indicators, no_indicators_message
from shegong.orgunits import OrgUnits
from shegong.reports import lifecycle
from shegong.reports.archive import TEMPLATE
from shegong.reports.rules import SETTINGS_FILE, rules_path
from shegong.reports.runner import (
    MANIFEST_SCHEMA_VERSION,
    add_pdfs,
    previous_entries,
    run_batch,
    sha256_file,
    sha256_files,
)
from shegong.reports.summary import write_summaries

DEFAULT_LEVELS = (2, 3, 4)


def template_path() -> Path:
    return project_root() / TEMPLATE


class UnknownUnitError(ReportError):
    """An org-unit code given on the command line is not in the org-unit file (exit code 2)."""

    exit_code = 2


def failure_line(entry: dict) -> str:
    """One line for a failed manifest entry: unit (or project key), failing cell, error name and value."""
    e = entry.get("error") or {}
    cell = f"cell {e['cell_index']}: " if e.get("cell_index") is not None else ""
    return f"✗ {entry.get('org_unit') or entry.get('key')}: {cell}{e.get('ename', 'error')}: {str(e.get('evalue', ''))[:200]}"


def select_units(
    org_units: OrgUnits, units: list[str] | None, levels: tuple[int, ...] | list[int] | None
) -> list[str]:
    """Codes to report: ``units`` as given (validated), or every unit at ``levels`` (default 2, 3, 4).

    Raises:
        ReportError: a code in ``units`` is not in the org-unit file.
    """
    if units:
        unknown = [u for u in units if u not in org_units]
        if unknown:
            raise UnknownUnitError(
                f"单元代码不存在 unknown org unit(s) {', '.join(unknown)}: use codes from inputs/org_units.csv"
            )
        return list(units)
    wanted = tuple(levels or DEFAULT_LEVELS)
    frame = org_units.frame[org_units.frame["level"].isin(wanted)].sort_values(["level", "code"])
    return frame["code"].tolist()


def parse_langs(lang: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``"zh"``, ``"zh,en"`` or a list → the languages in order, each once.

    Raises:
        ConfigError: a language other than zh and en.
    """
    items = lang.split(",") if isinstance(lang, str) else list(lang)
    out: list[str] = []
    for item in items:
        value = language(item.strip())
        if value not in out:
            out.append(value)
    return tuple(out) or ("zh",)


def report_stem(org_unit: str, lang: str) -> str:
    """File stem of a unit's report: ``<code>`` in Chinese, ``<code>.en`` in English."""
    return org_unit if lang == "zh" else f"{org_unit}.{lang}"


def _locked_entry(code: str, lang: str, info: dict, lock: dict, previous: dict | None) -> dict:
    """The manifest entry of an issued unit the batch does not make again."""
    stem = report_stem(code, lang)
    base = previous or {
        "org_unit": code,
        "name": str(info["name"]),
        "level": int(info["level"]),
        "parameters": {},
        "input_hashes": lock.get("input_hashes", {}).get(stem, {}),
        "versions": {},
        "outputs": sorted(
            f
            for f in lock.get("files", {})
            if f.startswith("reports/")
            and "/issued/" not in f
            and Path(f).name.startswith(stem + ".")
        ),
    }
    return {
        **base,
        "key": stem,
        "lang": lang,
        "status": "skipped",
        "seconds": 0.0,
        "attempts": 0,
        "error": None,
    }


def run_reports(
    workspace: Workspace,
    *,
    year: int,
    units: list[str] | None = None,
    levels: list[int] | None = None,
    workers: int | None = None,
    lang: str | list[str] | tuple[str, ...] = "zh",
    scheduler: object | None = None,
    resume: bool = False,
    progress: bool = True,
    template: Path | None = None,
    pdf: bool = True,
    force: tuple[str, ...] = (),
    keep_others: bool = False,
) -> dict:
    """Run the report template once per org unit and language; write ``reports/<year>/manifest.json``.

    Args:
        units: 12-digit codes; ``None`` means every unit at ``levels`` (``--all``).
        workers: processes in the local pool (default: CPU count).
        lang: ``zh``, ``en`` or several (``"zh,en"``): one report per unit and language in one
            batch; Chinese files are ``<code>.*``, English ``<code>.en.*``.
        scheduler: a Dask scheduler address (``tcp://host:8786``) or a Dask cluster object;
            the workers must see the same file system.
        resume: skip units whose template, inputs and parameters are unchanged since the last
            batch and whose outputs exist (status ``skipped``).
        pdf: also print each HTML report to PDF in headless Chromium, when Chromium is installed.
        template: another papermill template with the same parameters (default the pilot-year report).
        force: units made again even though issued (:mod:`shegong.reports.release` only).
        keep_others: keep the manifest entries of units this batch does not make (a review or
            an issue of one unit leaves the others' entries, and the viewer's replay, alone).

    An issued unit (:mod:`shegong.reports.lifecycle`) is never made again: its entry is
    ``skipped`` and carries the ``lock``. Outputs are written atomically: ``<stem>.ipynb``,
    ``<stem>.html`` (offline), ``<stem>.docx``, ``<stem>.pdf``; after the batch the 汇总表
    (:mod:`shegong.reports.summary`).

    Returns:
        The manifest (dict): ``schema_version``, ``year``, ``template``, ``created``, ``units``
        — one entry per unit and language with ``org_unit``, ``name``, ``level``, ``lang``,
        ``key`` (file stem), ``parameters``, ``status`` (ok / failed / skipped), ``seconds``,
        ``outputs`` (paths relative to the workspace), ``input_hashes``, ``versions``, ``error``
        (null or {cell_index, ename, evalue}), ``state`` (draft / reviewed / issued),
        ``version`` and, when issued, ``lock``.

    Raises:
        ReportError: unknown units, indicators not computed yet or none for ``year`` (nothing is
            written), Dask missing for ``scheduler``.
        ConfigError: an unknown language.
    """

    langs = parse_langs(lang)
    if not workspace.indicators_file.exists():
        raise ReportError(
            "尚未计算指标 indicators have not been computed: run `shegong indicators compute` first"
        )
    if not has_indicators(
        workspace, year
    ):  # a report of an empty year would read as "all targets met"
        raise ReportError(no_indicators_message(year))
    org_units = OrgUnits.read_csv(workspace.org_units_file)
    codes = select_units(org_units, units, levels)
    template = Path(template) if template else template_path()
    out_dir = workspace.reports_dir(year)
    out_dir.mkdir(parents=True, exist_ok=True)
    hashes = {
        "template": sha256_file(template),
        "indicators.parquet": sha256_file(workspace.indicators_file),
        "org_units.csv": sha256_file(workspace.org_units_file),
    }
    for extra in (
        "evaluation.parquet",
        "findings.parquet",
        "training_outcomes.parquet",
    ):  # shown in the report
        if (workspace.indicators_dir / extra).exists():
            hashes[extra] = sha256_file(workspace.indicators_dir / extra)
    accepted = workspace.inputs / "accepted"
    # every accepted input: the staff and training sections and the data sources of the methods
    for path in sorted(accepted.glob("*.parquet")) if accepted.is_dir() else ():
        hashes[path.name] = sha256_file(path)
    # the data-quality annex reads the import reports (shegong.reports.facts.ledger_files)
    hashes["ledger/quality"] = sha256_files(list(workspace.quality_dir.glob("*.json")))
    # the wording of problems and recommendations, and the evaluating body
    hashes["report_rules"] = sha256_file(rules_path(workspace))
    hashes["report_settings"] = sha256_file(workspace.root / SETTINGS_FILE)
    before = previous_entries(out_dir, "key")
    previous = before if resume else {}
    register = lifecycle.read_register(workspace, year)["units"]
    locks = lifecycle.locked_units(workspace, year)
    items, unit_hashes, kept = [], {}, {}
    for code in codes:
        info = org_units.row(code)
        for one in langs:
            stem = report_stem(code, one)
            if code in locks and code not in force:
                kept[stem] = _locked_entry(code, one, info, locks[code], before.get(stem))
                continue
            params = {
                "org_unit": code,
                "year": int(year),
                "workspace": str(workspace.root),
                "lang": one,
            }
            entry = {
                "org_unit": code,
                "name": str(info["name"]),
                "level": int(info["level"]),
                "lang": one,
                "key": stem,
                "parameters": params,
            }
            items.append((stem, entry))
            # the evaluator's narrative and the report's state (shown in the report); "" when none
            unit_hashes[stem] = {
                "narrative": sha256_file(workspace.root / "narratives" / f"{code}.md"),
                "lifecycle": hashlib.sha256(
                    json.dumps(register.get(code, {}), sort_keys=True).encode("utf-8")
                ).hexdigest(),
            }
    entries = run_batch(
        items,
        template=template,
        out_dir=out_dir,
        root=workspace.root,
        hashes=hashes,
        previous=previous,
        workers=workers,
        scheduler=scheduler,
        desc="生成报告 reports",
        unit="unit",
        progress=progress,
        unit_hashes=unit_hashes,
    )
    entries.update(kept)
    order = {
        report_stem(c, one): i
        for i, (c, one) in enumerate((c, one) for c in codes for one in langs)
    }
    run = sorted(entries.values(), key=lambda e: order[e["key"]])
    # units under review or issued stay listed when a batch did not include them
    carried = [
        e
        for k, e in before.items()
        if k not in entries
        and (keep_others or register.get(e.get("org_unit"), {}).get("state", "draft") != "draft")
    ]
    for entry in run + carried:
        rec = register.get(entry["org_unit"], {})
        entry["state"] = rec.get("state", "draft")
        entry["version"] = int(rec.get("version") or 0)
        if entry["org_unit"] in locks:
            entry["lock"] = locks[entry["org_unit"]]
        else:
            entry.pop("lock", None)
    manifest = {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "year": int(year),
        "template": str(TEMPLATE) if template == template_path() else str(template),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "units": run + carried,
    }
    if pdf:
        add_pdfs({"units": [e for e in run if e["key"] not in kept]}, workspace.root)
    atomic.write_text(out_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    write_summaries(workspace, year, org_units, langs)
    return manifest
