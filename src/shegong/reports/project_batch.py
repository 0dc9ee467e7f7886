"""The project, programme and portfolio report batch (issue 8): ``shegong report --projects``.

Runs ``notebooks/reports/project_report.ipynb`` once per scope with the machinery of
:mod:`shegong.reports.batch` (process pool or Dask, isolated failures, ``--resume`` by hashes,
atomic outputs, PDFs).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from shegong import atomic
from shegong.config import Workspace, project_root
from shegong.errors import ReportError
from shegong.indicators.projects import SCOPES, projects_file
from shegong.reports.runner import (
    MANIFEST_SCHEMA_VERSION,
    add_pdfs,
    previous_entries,
    run_batch,
    sha256_file,
)

PROJECT_TEMPLATE = Path("notebooks") / "reports" / "project_report.ipynb"


def project_reports_dir(workspace: Workspace, year: int) -> Path:
    """``reports/<year>/projects/``: the project, programme and portfolio reports of a year."""
    return workspace.reports_dir(year) / "projects"


def project_report_stem(scope: str, scope_id: str) -> str:
    """File stem of a scope's report: ``project-GY2022-01``, ``programme-乐龄``, ``round-2022年公益创投``
    (path separators and spaces replaced by ``_``)."""
    safe = "".join("_" if ch in '/\\:*?"<>| ' else ch for ch in scope_id)
    return f"{scope}-{safe}"


def run_project_reports(
    workspace: Workspace,
    *,
    year: int,
    workers: int | None = None,
    lang: str = "zh",
    scheduler: object | None = None,
    resume: bool = False,
    progress: bool = True,
    pdf: bool = True,
    template: Path | None = None,
) -> dict:
    """Run ``notebooks/reports/project_report.ipynb`` once per project, programme, funder and
    venture-philanthropy round of ``year`` (issue 8) with the machinery of :func:`run_reports`
    (process pool or Dask, isolated failures, ``--resume`` by hashes, atomic outputs).

    Outputs in ``reports/<year>/projects/``: ``<scope>-<id>.ipynb``, ``.html``, ``.docx`` (and
    ``.pdf`` with Chromium) per scope, and ``manifest.json`` — as the station manifest, but each
    entry has ``scope``, ``scope_id`` and ``key`` (the file stem) instead of ``org_unit`` and
    ``level``.

    Raises:
        ReportError: project indicators not computed yet (run ``shegong indicators compute``), or
            no project in ``year``.
    """

    if not projects_file(workspace).exists():
        raise ReportError(
            "project indicators have not been computed: import projects and run `shegong indicators compute`"
        )
    table = pd.read_parquet(
        projects_file(workspace), columns=["scope", "scope_id", "name", "year"]
    ).drop_duplicates()
    table = table[table["year"] == int(year)]
    if table.empty:
        raise ReportError(f"no project in {year}: check the project file's 开始日期")
    order = {s: i for i, s in enumerate(SCOPES)}
    table = table.sort_values(
        ["scope", "scope_id"], key=lambda c: c.map(order) if c.name == "scope" else c
    )
    template = Path(template) if template else project_root() / PROJECT_TEMPLATE
    out_dir = project_reports_dir(workspace, year)
    out_dir.mkdir(parents=True, exist_ok=True)
    hashes = {
        "template": sha256_file(template),
        "projects.parquet": sha256_file(projects_file(workspace)),
        "project_events.parquet": sha256_file(workspace.indicators_dir / "project_events.parquet"),
        "org_units.csv": sha256_file(workspace.org_units_file),
    }
    previous = previous_entries(out_dir, "key") if resume else {}
    items = []
    for r in table.itertuples():
        key = project_report_stem(r.scope, r.scope_id)
        params = {
            "scope": r.scope,
            "scope_id": str(r.scope_id),
            "year": int(year),
            "workspace": str(workspace.root),
            "lang": lang,
        }
        items.append(
            (
                key,
                {
                    "key": key,
                    "scope": r.scope,
                    "scope_id": str(r.scope_id),
                    "name": str(r.name),
                    "parameters": params,
                },
            )
        )
    entries = run_batch(
        items,
        template=template,
        out_dir=out_dir,
        root=workspace.root,
        hashes=hashes,
        previous=previous,
        workers=workers,
        scheduler=scheduler,
        desc="项目报告 project reports",
        unit="report",
        progress=progress,
    )
    manifest = {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "year": int(year),
        "template": str(PROJECT_TEMPLATE)
        if template == project_root() / PROJECT_TEMPLATE
        else str(template),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "units": list(entries.values()),
    }
    if pdf:
        add_pdfs(manifest, workspace.root)
    atomic.write_text(out_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest
