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
import multiprocessing
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from . import __version__, atomic
from .config import Workspace, project_root
from .errors import ReportError
from .orgunits import OrgUnits

MANIFEST_SCHEMA_VERSION = 1
DEFAULT_LEVELS = (2, 3, 4)
TEMPLATE = Path("notebooks") / "reports" / "pilot_year_report.ipynb"


def template_path() -> Path:
    return project_root() / TEMPLATE


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def _versions() -> dict[str, str]:
    import pandas
    import papermill

    return {"shegong": __version__, "papermill": papermill.__version__, "pandas": pandas.__version__,
            "python": platform.python_version()}


def _quiet_worker(log_file: str) -> None:
    """Send a worker's (and its kernels') stdout and stderr to the batch log, not the terminal."""
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _run_one(template: str, out_dir: str, root: str, code: str, parameters: dict) -> dict:
    """Execute one unit (runs in a worker process). Returns status, seconds, outputs, error."""
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    started = time.perf_counter()
    out_nb = Path(out_dir) / f"{code}.ipynb"
    out_html = Path(out_dir) / f"{code}.html"
    error = None
    status = "ok"
    try:
        tmp = out_nb.with_name(f".{code}.tmp.ipynb")
        try:  # papermill writes after every cell: run into a temporary file, rename at the end
            pm.execute_notebook(template, str(tmp), parameters=parameters, kernel_name="python3",
                                progress_bar=False, log_output=False, cwd=root)
        finally:
            if tmp.exists():  # a failed notebook is kept too: it shows the failing cell
                os.replace(tmp, out_nb)
        nb = nbformat.read(out_nb, as_version=4)
        html, _ = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True).from_notebook_node(nb)
        atomic.write_text(out_html, html)
    except pm.PapermillExecutionError as e:
        status, error = "failed", {"cell_index": e.cell_index, "ename": e.ename, "evalue": str(e.evalue)[:500]}
    except Exception as e:  # noqa: BLE001 — isolate any failure to this unit
        status, error = "failed", {"cell_index": None, "ename": type(e).__name__, "evalue": str(e)[:500]}
    outputs = [str(p.relative_to(root)) for p in (out_nb, out_html) if p.exists()]
    return {"status": status, "seconds": round(time.perf_counter() - started, 3), "outputs": outputs, "error": error}


def select_units(org_units: OrgUnits, units: list[str] | None, levels: tuple[int, ...] | list[int] | None) -> list[str]:
    """Codes to report: ``units`` as given (validated), or every unit at ``levels`` (default 2, 3, 4).

    Raises:
        ReportError: a code in ``units`` is not in the org-unit file.
    """
    if units:
        unknown = [u for u in units if u not in org_units]
        if unknown:
            raise ReportError(f"unknown org unit(s) {', '.join(unknown)}: use codes from inputs/org_units.csv")
        return list(units)
    wanted = tuple(levels or DEFAULT_LEVELS)
    frame = org_units.frame[org_units.frame["level"].isin(wanted)].sort_values(["level", "code"])
    return frame["code"].tolist()


def run_reports(workspace: Workspace, *, year: int, units: list[str] | None = None,
                levels: list[int] | None = None, workers: int | None = None, lang: str = "zh",
                progress: bool = True) -> dict:
    """Run the report template once per org unit and write ``reports/<year>/manifest.json``.

    Args:
        units: 12-digit codes; ``None`` means every unit at ``levels`` (``--all``).
        workers: processes in the pool (default: CPU count).
        lang: ``zh`` or ``en``, passed to the template.

    Returns:
        The manifest (dict): ``schema_version``, ``year``, ``template``, ``created``, ``units``
        — one entry per unit with ``org_unit``, ``name``, ``level``, ``parameters``, ``status``
        (ok / failed), ``seconds``, ``outputs`` (paths relative to the workspace),
        ``input_hashes``, ``versions``, ``error`` (null or {cell_index, ename, evalue}).

    Raises:
        ReportError: unknown units, or indicators not computed yet.
    """
    from tqdm.auto import tqdm

    if not workspace.indicators_file.exists():
        raise ReportError("indicators have not been computed: run `shegong indicators compute` first")
    org_units = OrgUnits.read_csv(workspace.org_units_file)
    codes = select_units(org_units, units, levels)
    template = template_path()
    out_dir = workspace.reports_dir(year)
    out_dir.mkdir(parents=True, exist_ok=True)
    hashes = {"template": _sha256(template), "indicators.parquet": _sha256(workspace.indicators_file),
              "org_units.csv": _sha256(workspace.org_units_file)}
    versions = _versions()
    entries: dict[str, dict] = {}
    env_key = "PYDEVD_DISABLE_FILE_VALIDATION"
    os.environ.setdefault(env_key, "1")  # quiet debugpy's frozen-modules note in kernels
    ctx = multiprocessing.get_context("spawn")
    log_file = out_dir / "batch.log"
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=ctx,
                             initializer=_quiet_worker, initargs=(str(log_file),)) as pool:
        futures = {}
        for code in codes:
            params = {"org_unit": code, "year": int(year), "workspace": str(workspace.root), "lang": lang}
            fut = pool.submit(_run_one, str(template), str(out_dir), str(workspace.root), code, params)
            futures[fut] = (code, params)
        for fut in tqdm(as_completed(futures), total=len(futures), desc="生成报告 reports", unit="unit", disable=not progress):
            code, params = futures[fut]
            result = fut.result()
            info = org_units.row(code)
            entries[code] = {"org_unit": code, "name": str(info["name"]), "level": int(info["level"]),
                             "parameters": params, **result, "input_hashes": hashes, "versions": versions}
    manifest = {
        "schema_version": MANIFEST_SCHEMA_VERSION, "year": int(year), "template": str(TEMPLATE),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "units": [entries[c] for c in codes],
    }
    atomic.write_text(out_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest
