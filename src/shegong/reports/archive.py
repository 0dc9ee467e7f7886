"""The batch's executed report notebooks, replayed by the served viewer (issue 6, DESIGN.md §2.4).

``shegong report`` already executes the pilot-year report of every unit into
``reports/<year>/<code>.ipynb`` and records it in ``manifest.json``. When that notebook is still
*fresh* — its manifest entry has status ``ok`` and the language asked for, and the notebook is
not older than any file the report reads — the viewer (:func:`shegong.serving.portal.show`)
re-publishes its outputs instead of recomputing the report: reading one JSON file instead of loading
pandas, matplotlib and seaborn and drawing eight charts. Otherwise the viewer computes the report
live.

Freshness is decided from file modification times only (a few ``stat`` calls per request, no
hashing): the notebook must be at least as new as the report template and every input of the
report — the files whose hashes the manifest records (``indicators/*.parquet``,
``inputs/org_units.csv``, ``inputs/accepted/*.parquet``) plus the unit's narrative
(``narratives/<code>.md``) and the import quality reports (``ledger/quality/*.json``) the report
shows. This module imports neither pandas nor matplotlib, so a preheated kernel stays small.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shegong import __version__
from shegong.config import Workspace, project_root
from shegong.indicators.registry import default_registry_path

#: the report template, relative to the project root (as in shegong.reports.batch.TEMPLATE)
TEMPLATE = Path("notebooks") / "reports" / "pilot_year_report.ipynb"
#: output data the replay leaves out: widget views need the kernel that made them
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@dataclass(frozen=True)
class Archived:
    """What the last batch says about one unit's report.

    ``status`` is ``fresh`` (``path`` can be replayed), ``missing`` (no manifest entry or no
    notebook), ``failed`` (the batch failed; ``reason`` is the error's name, e.g. ``ReportError``),
    ``other_lang`` (made in another language) or ``stale`` (an input changed after it was made).
    """

    status: str
    path: Path | None = None
    reason: str = ""


def report_inputs(
    ws: Workspace, org_unit: str, *, template: Path | None = None
) -> dict[str, list[Path]]:
    """What a unit's pilot-year report reads, by name: the one list behind ``shegong report
    --resume`` (hashes in the manifest's ``input_hashes``) and the served viewer's freshness check
    (modification times). The package version is the other input; see :func:`report_version`.

    Names: ``template``, ``registry`` (``datasets/indicators.yaml``), ``org_units.csv``,
    ``indicators`` (the Parquet files of ``indicators/``), ``inputs`` (accepted inputs beyond the
    ledger), ``ledger`` (accepted ledger files), ``ledger/quality`` (the import reports of the
    data-quality annex) and ``narrative`` (``narratives/<org_unit>.md``). Each maps to the files
    that exist now, in name order (an empty list where none does).
    """

    def existing(*paths: Path) -> list[Path]:
        return [p for p in paths if p.is_file()]

    def globbed(folder: Path, pattern: str) -> list[Path]:
        return sorted(folder.glob(pattern)) if folder.is_dir() else []

    return {
        "template": existing(template or project_root() / TEMPLATE),
        "registry": existing(default_registry_path()),
        "org_units.csv": existing(ws.org_units_file),
        "indicators": globbed(ws.indicators_dir, "*.parquet"),
        "inputs": globbed(ws.inputs / "accepted", "*.parquet"),
        "ledger": globbed(ws.accepted_dir, "*.parquet"),
        "ledger/quality": globbed(ws.quality_dir, "*.json"),
        "narrative": existing(narrative_path(ws, org_unit)),
    }


def narrative_path(ws: Workspace, org_unit: str) -> Path:
    """The evaluator's narrative of ``org_unit``: ``narratives/<org_unit>.md`` (may not exist)."""
    return ws.root / "narratives" / f"{org_unit}.md"


def report_version() -> str:
    """The package version a report was made with (an upgrade makes every report stale)."""
    return __version__


def _manifest_entry(ws: Workspace, org_unit: str, year: int) -> dict | None:
    path = ws.reports_dir(year) / "manifest.json"
    try:
        units = json.loads(path.read_text(encoding="utf-8"))["units"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return next((u for u in units if isinstance(u, dict) and u.get("org_unit") == org_unit), None)


def archived_report(ws: Workspace, org_unit: str, year: int, lang: str) -> Archived:
    """Whether the batch's executed notebook of ``org_unit`` for ``year`` can be shown for ``lang``.

    Reads ``reports/<year>/manifest.json`` (DESIGN.md §3) and compares modification times (see
    the module docstring). Never raises: an unreadable manifest counts as ``missing``.
    """
    entry = _manifest_entry(ws, org_unit, year)
    notebook = ws.reports_dir(year) / f"{org_unit}.ipynb"
    if entry is None:
        return Archived("missing")
    if entry.get("status") == "failed":
        return Archived("failed", reason=str((entry.get("error") or {}).get("ename") or "error"))
    if entry.get("status") not in ("ok", "skipped") or not notebook.exists():
        return Archived("missing")
    if (entry.get("parameters") or {}).get("lang", "zh") != lang:
        return Archived("other_lang")
    made = notebook.stat().st_mtime
    if (entry.get("versions") or {}).get("shegong", report_version()) != report_version():
        return Archived("stale")
    inputs = report_inputs(ws, org_unit)
    if any(p.stat().st_mtime > made for paths in inputs.values() for p in paths):
        return Archived("stale")
    return Archived("fresh", notebook)


def replay(notebook: Path) -> int:
    """Publish the rich outputs of an executed notebook, in order, to the current page.

    Display data and execution results are re-published with their data and metadata (``image/png``
    stays base64, HTML and Markdown as written; a text value stored as a list of lines, as nbformat
    allows, is joined into one string, as a kernel sends it — the page renders it on the server);
    streams (stdout/stderr), errors and widget views are left out. Returns the number of outputs
    published.
    """
    from IPython.display import publish_display_data

    cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    shown = 0
    for cell in cells:
        for output in cell.get("outputs", ()) if cell.get("cell_type") == "code" else ():
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            data = {
                k: "".join(v) if isinstance(v, list) and not k.endswith("json") else v
                for k, v in output.get("data", {}).items()
                if k != WIDGET_MIME
            }
            if set(data) <= {"text/plain"} and WIDGET_MIME in output.get("data", {}):
                continue  # a widget's text fallback ("VBox(...)") alone says nothing
            if data:
                publish_display_data(data, output.get("metadata") or {})
                shown += 1
    return shown
