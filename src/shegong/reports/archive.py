"""The batch's executed report notebooks, replayed by the served viewer (issue 6, DESIGN.md §2.4).

``shegong report`` already executes the pilot-year report of every unit into
``reports/<year>/<code>.ipynb`` and records it in ``manifest.json``. When that notebook is still
*fresh* — its manifest entry has status ``ok`` and the language asked for, and the notebook is
not older than any file the report reads — the viewer (:func:`shegong.serving.portal.show`) re-publishes
its outputs instead of recomputing the report: reading one JSON file instead of loading pandas,
matplotlib and seaborn and drawing eight charts. Otherwise the viewer computes the report live.

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

from shegong.config import Workspace, project_root

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


def report_inputs(ws: Workspace, org_unit: str, year: int | None = None) -> list[Path]:
    """Files whose change makes an executed report of ``org_unit`` stale (existing ones only):
    besides the data, the report rules and settings and (with ``year``) the year's
    ``lifecycle.json``, which holds the report's state."""
    paths = [
        project_root() / TEMPLATE,
        project_root() / "datasets" / "report_rules.yaml",
        ws.org_units_file,
        ws.root / "narratives" / f"{org_unit}.md",
        ws.root / "report_rules.yaml",
        ws.root / "report_settings.yaml",
    ]
    if year is not None:
        paths.append(ws.reports_dir(year) / "lifecycle.json")
    for folder, pattern in (
        (ws.indicators_dir, "*.parquet"),
        (ws.inputs / "accepted", "*.parquet"),
        (ws.accepted_dir, "*.parquet"),
        (ws.quality_dir, "*.json"),
    ):
        if folder.is_dir():
            paths += folder.glob(pattern)
    return [p for p in paths if p.exists()]


def _lang(entry: dict) -> str:
    return str(entry.get("lang") or (entry.get("parameters") or {}).get("lang") or "zh")


def _manifest_entry(ws: Workspace, org_unit: str, year: int, lang: str) -> dict | None:
    """The unit's entry in ``lang`` (a batch of ``--lang zh,en`` has one per language), else its
    first entry (to say ``other_lang``); None when the manifest does not name the unit."""
    path = ws.reports_dir(year) / "manifest.json"
    try:
        units = json.loads(path.read_text(encoding="utf-8"))["units"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    mine = [u for u in units if isinstance(u, dict) and u.get("org_unit") == org_unit]
    return next((u for u in mine if _lang(u) == lang), mine[0] if mine else None)


def _live(ws: Workspace, org_unit: str, year: int, lang: str) -> Path:
    """Where the served viewer keeps a report it computed (shegong.reports.document.live_path)."""
    stem = org_unit if lang == "zh" else f"{org_unit}.{lang}"
    return ws.reports_dir(year) / "live" / f"{stem}.ipynb"


def _fresh(notebook: Path, inputs: list[Path]) -> bool:
    made = notebook.stat().st_mtime
    return not any(p.stat().st_mtime > made for p in inputs)


def archived_report(ws: Workspace, org_unit: str, year: int, lang: str) -> Archived:
    """Whether the batch's executed notebook of ``org_unit`` for ``year`` can be shown for ``lang``.

    Reads ``reports/<year>/manifest.json`` (DESIGN.md §3) and compares modification times (see
    the module docstring); a report the viewer computed live and kept
    (``reports/<year>/live/<stem>.ipynb``) is replayed too while fresh. Never raises: an
    unreadable manifest counts as ``missing``.
    """
    inputs = report_inputs(ws, org_unit, year)
    live = _live(ws, org_unit, year, lang)
    kept = Archived("fresh", live) if live.exists() and _fresh(live, inputs) else None
    entry = _manifest_entry(ws, org_unit, year, lang)
    if entry is None:
        return kept or Archived("missing")
    stem = str(entry.get("key") or org_unit)
    notebook = ws.reports_dir(year) / f"{stem}.ipynb"
    if entry.get("status") == "failed":
        failed = Archived("failed", reason=str((entry.get("error") or {}).get("ename") or "error"))
        return kept or failed
    if entry.get("status") not in ("ok", "skipped") or not notebook.exists():
        return kept or Archived("missing")
    if _lang(entry) != lang:
        return kept or Archived("other_lang")
    if not _fresh(notebook, inputs):
        return kept or Archived("stale")
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
