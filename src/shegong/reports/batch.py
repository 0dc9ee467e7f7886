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
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import pandas as pd

from shegong import __version__, atomic, exports
from shegong.config import Workspace, project_root, setting
from shegong.errors import ReportError
from shegong.indicators.projects import SCOPES, projects_file
from shegong.indicators.registry import load_registry
from shegong.indicators.results import has_indicators, no_indicators_message
from shegong.orgunits import OrgUnits
from shegong.reports import kernel_zygote
from shegong.reports.archive import TEMPLATE, narrative_path, report_inputs, report_version

MANIFEST_SCHEMA_VERSION = 1
DEFAULT_LEVELS = (2, 3, 4)
PROJECT_TEMPLATE = Path("notebooks") / "reports" / "project_report.ipynb"


def template_path() -> Path:
    """The pilot-year report notebook (:data:`shegong.reports.archive.TEMPLATE`) in the project."""
    return project_root() / TEMPLATE


class UnknownUnitError(ReportError):
    """An org-unit code given on the command line is not in the org-unit file (exit code 2)."""

    exit_code = 2


def _sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks (indicators.parquet runs to hundreds of MB); "" if
    absent."""
    if not path.exists():
        return ""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _sha256_files(paths: list[Path]) -> str:
    """One hex SHA-256 over several small files (names and contents, in name order); "" if none."""
    if not paths:
        return ""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode("utf-8") + b"\0" + _sha256(path).encode("ascii"))
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    import pandas
    import papermill

    return {
        "shegong": __version__,
        "papermill": papermill.__version__,
        "pandas": pandas.__version__,
        "python": platform.python_version(),
    }


def _init_worker(log_file: str, zygote: bool = False) -> None:
    """Send a worker's (and its kernels') stdout and stderr to the batch log, not the terminal;
    with ``zygote``, start the worker's kernel zygote (:mod:`shegong.reports.kernel_zygote`)."""
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    if zygote:
        kernel_zygote.start()


#: attempts per unit when the failure is the machinery's, not the notebook's (see :func:`_run_one`)
ATTEMPTS = 2


def _run_one(template: str, out_dir: str, root: str, code: str, parameters: dict) -> dict:
    """Execute one unit (runs in a worker process). Returns status, seconds, outputs, error,
    attempts.

    A cell that raises fails the unit at once (``error`` names the cell). A failure of the
    machinery — a kernel that does not start or dies, a ZMQ port taken by a kernel starting in
    another worker at the same moment, an output timeout on a busy machine — is retried in a new
    kernel, up to :data:`ATTEMPTS` times; the error of the last attempt is kept and every failed
    attempt is written to the batch log.
    """
    import papermill as pm

    started = time.perf_counter()
    for attempt in range(1, ATTEMPTS + 1):
        try:
            _execute_and_export(template, Path(out_dir), root, code, parameters)
            error = None
            break
        except pm.PapermillExecutionError as e:
            error = {"cell_index": e.cell_index, "ename": e.ename, "evalue": str(e.evalue)[:500]}
            break
        except Exception as e:  # noqa: BLE001 — isolate any failure to this unit
            error = {"cell_index": None, "ename": type(e).__name__, "evalue": str(e)[:500]}
            print(
                f"shegong report: {code} attempt {attempt}/{ATTEMPTS} failed: "
                f"{error['ename']}: {error['evalue']}",
                file=sys.stderr,
                flush=True,
            )
    out = Path(out_dir)
    outputs = [
        str(p.relative_to(root))
        for p in (out / f"{code}.ipynb", out / f"{code}.html", out / f"{code}.docx")
        if p.exists()
    ]
    return {
        "status": "failed" if error else "ok",
        "seconds": round(time.perf_counter() - started, 3),
        "outputs": outputs,
        "error": error,
        "attempts": attempt,
    }


def _execute_and_export(
    template: str, out_dir: Path, root: str, code: str, parameters: dict
) -> None:
    """Run the template for one unit (working directory ``root``) into ``<code>.ipynb``
    (atomically), then write its offline ``.html`` and ``.docx``; raises what papermill or the
    exports raise."""
    import nbformat
    import papermill as pm

    out_nb = out_dir / f"{code}.ipynb"
    tmp = out_nb.with_name(f".{code}.tmp.ipynb")
    # a fresh kernel forked from the worker's zygote when it runs (the local pool), else started as
    # usual
    forked = (
        {"kernel_manager_class": kernel_zygote.ZygoteKernelManager}
        if kernel_zygote.running()
        else {}
    )
    try:  # papermill writes after every cell: run into a temporary file, rename at the end
        # iopub_timeout: nbclient's 4 s default fails whole reports on a busy machine
        pm.execute_notebook(
            template,
            str(tmp),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            log_output=False,
            cwd=root,
            iopub_timeout=60,
            **forked,
        )
    finally:
        if tmp.exists():  # a failed notebook is kept too: it shows the failing cell
            os.replace(tmp, out_nb)
    nb = nbformat.read(out_nb, as_version=4)
    atomic.write_text(out_dir / f"{code}.html", exports.notebook_html(nb))
    exports.notebook_docx(nb, out_dir / f"{code}.docx")


def failure_line(entry: dict) -> str:
    """One line for a failed manifest entry: unit (or project key), failing cell, error name and
    value."""
    e = entry.get("error") or {}
    cell = f"cell {e['cell_index']}: " if e.get("cell_index") is not None else ""
    return (
        f"✗ {entry.get('org_unit') or entry.get('key')}: {cell}{e.get('ename', 'error')}: "
        f"{str(e.get('evalue', ''))[:200]}"
    )


def select_units(
    org_units: OrgUnits, units: list[str] | None, levels: tuple[int, ...] | list[int] | None
) -> list[str]:
    """Codes to report: ``units`` as given (validated), or every unit at ``levels`` (default 2, 3,
    4).

    Raises:
        ReportError: a code in ``units`` is not in the org-unit file.
    """
    if units:
        unknown = [u for u in units if u not in org_units]
        if unknown:
            raise UnknownUnitError(
                f"单元代码不存在 unknown org unit(s) {', '.join(unknown)}: use codes "
                "from inputs/org_units.csv"
            )
        return list(units)
    wanted = tuple(levels or DEFAULT_LEVELS)
    frame = org_units.frame[org_units.frame["level"].isin(wanted)].sort_values(["level", "code"])
    return frame["code"].tolist()


def _previous(out_dir: Path, key: str = "org_unit") -> dict[str, dict]:
    path = out_dir / "manifest.json"
    if not path.exists():
        return {}
    try:
        return {u[key]: u for u in json.loads(path.read_text(encoding="utf-8"))["units"]}
    except (ValueError, KeyError):
        return {}


def _unchanged(entry: dict | None, hashes: dict, params: dict, root: Path) -> bool:
    return (
        bool(entry)
        and entry["status"] in ("ok", "skipped")
        and entry["input_hashes"] == hashes
        and entry["parameters"] == params
        and all((root / o).exists() for o in entry["outputs"])
    )


#: ``SHEGONG_KERNEL_ZYGOTE=0`` starts every kernel of the local pool the ordinary way (no zygote)
ZYGOTE_ENV = "SHEGONG_KERNEL_ZYGOTE"


def _pool_results(jobs: dict[str, tuple], workers: int | None, log_file: Path):
    """Yield (code, result) from a local process pool; kernels' output goes to ``log_file``.
    Each worker forks its units' kernels from its own zygote
    (:mod:`shegong.reports.kernel_zygote`)."""
    ctx = multiprocessing.get_context("spawn")
    zygote = setting(ZYGOTE_ENV) != "0"
    with ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 1,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(str(log_file), zygote),
    ) as pool:
        futures = {pool.submit(_run_one, *args): code for code, args in jobs.items()}
        for fut in as_completed(futures):
            yield futures[fut], fut.result()


def _dask_results(jobs: dict[str, tuple], scheduler: object):
    """Yield (code, result) from a Dask distributed cluster (address string or Cluster)."""
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError as e:
        raise ReportError(
            "--scheduler needs Dask distributed: pip install 'dask[distributed]'"
        ) from e
    try:
        client = Client(scheduler, timeout="20s")
    except OSError as e:  # unreachable address, refused connection, timeout
        raise ReportError(
            f"无法连接 Dask 调度器 cannot reach the Dask scheduler {scheduler}: {e} — "
            "check the address "
            "(tcp://host:8786) or run without --scheduler"
        ) from e
    with client:
        futures = {
            client.submit(_run_one, *args, pure=False, key=f"report-{code}"): code
            for code, args in jobs.items()
        }
        for fut in dask_completed(futures):
            yield futures[fut], fut.result()


def _add_pdfs(manifest: dict, root: Path) -> None:
    """Print the HTML of every unit run now to ``<code>.pdf``; record them as outputs."""
    todo = [
        (u, root / o)
        for u in manifest["units"]
        if u["status"] == "ok"
        for o in u["outputs"]
        if o.endswith(".html")
    ]
    written = set(exports.html_to_pdf([(html, html.with_suffix(".pdf")) for _, html in todo]))
    for unit, html in todo:
        if html.with_suffix(".pdf") in written:
            unit["outputs"].append(str(html.with_suffix(".pdf").relative_to(root)))


def _run_batch(
    items: list[tuple[str, dict]],
    *,
    template: Path,
    out_dir: Path,
    root: Path,
    hashes: dict,
    previous: dict[str, dict],
    workers: int | None,
    scheduler: object | None,
    desc: str,
    unit: str,
    progress: bool,
    unit_hashes: dict[str, dict] | None = None,
) -> dict[str, dict]:
    """Run ``template`` once per item — (file stem, manifest entry with its ``parameters``) — in
    the process pool or on Dask, skipping items :func:`_unchanged` since ``previous``; returns the
    manifest entries by stem, in the order of ``items``, with status, seconds, outputs, error,
    attempts, input hashes (``hashes`` plus the item's own ``unit_hashes``) and versions."""
    from tqdm.auto import tqdm

    versions = _versions()
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiet debugpy's note in kernels
    entries: dict[str, dict] = {}
    jobs: dict[str, tuple] = {}
    for key, base in items:
        params = base["parameters"]
        own = {**hashes, **(unit_hashes or {}).get(key, {})}
        if _unchanged(previous.get(key), own, params, root):
            entries[key] = {
                **base,
                "status": "skipped",
                "seconds": 0.0,
                "attempts": 0,
                "outputs": previous[key]["outputs"],
                "input_hashes": own,
                "versions": previous[key]["versions"],
                "error": None,
            }
        else:
            entries[key] = {**base, "input_hashes": own}
            jobs[key] = (str(template), str(out_dir), str(root), key, params)
    results = (
        _dask_results(jobs, scheduler)
        if scheduler
        else _pool_results(jobs, workers, out_dir / "batch.log")
    )
    for key, result in tqdm(results, total=len(jobs), desc=desc, unit=unit, disable=not progress):
        entries[key].update(result, versions=versions)
    return entries


def run_reports(
    workspace: Workspace,
    *,
    year: int,
    units: list[str] | None = None,
    levels: list[int] | None = None,
    workers: int | None = None,
    lang: str = "zh",
    scheduler: object | None = None,
    resume: bool = False,
    progress: bool = True,
    template: Path | None = None,
    pdf: bool = True,
) -> dict:
    """Run the report template once per org unit and write ``reports/<year>/manifest.json``.

    Args:
        units: 12-digit codes; ``None`` means every unit at ``levels`` (``--all``).
        workers: processes in the local pool (default: CPU count).
        lang: ``zh`` or ``en``, passed to the template.
        scheduler: a Dask scheduler address (``tcp://host:8786``) or a Dask cluster object;
            the workers must see the same file system.
        resume: skip units whose template, inputs and parameters are unchanged since the last
            batch and whose outputs exist (status ``skipped``).
        pdf: also print each HTML report to PDF in headless Chromium, when Chromium is installed.
        template: another papermill template with the same parameters (default the pilot-year
        report).

    Each unit runs in a fresh kernel; outputs are written atomically: ``<code>.ipynb``,
    ``<code>.html`` (offline), ``<code>.docx``; after the batch ``汇总表_<year>.xlsx``.

    Returns:
        The manifest (dict): ``schema_version``, ``year``, ``template``, ``created``, ``units``
        — one entry per unit with ``org_unit``, ``name``, ``level``, ``parameters``, ``status``
        (ok / failed / skipped), ``seconds``, ``outputs`` (paths relative to the workspace),
        ``input_hashes``, ``versions``, ``error`` (null or {cell_index, ename, evalue}).

    Raises:
        ReportError: unknown units, indicators not computed yet or none for ``year`` (nothing is
            written), Dask missing for ``scheduler``.
    """

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
    # one list of what a report reads (shegong.reports.archive.report_inputs), hashed for --resume
    hashes = {
        name: _sha256_files(paths)
        for name, paths in report_inputs(workspace, "", template=template).items()
        if name != "narrative"
    }
    hashes["shegong"] = report_version()
    previous = _previous(out_dir) if resume else {}
    items = []
    unit_hashes = {}
    for code in codes:
        params = {
            "org_unit": code,
            "year": int(year),
            "workspace": str(workspace.root),
            "lang": lang,
        }
        info = org_units.row(code)
        items.append(
            (
                code,
                {
                    "org_unit": code,
                    "name": str(info["name"]),
                    "level": int(info["level"]),
                    "parameters": params,
                },
            )
        )
        # the evaluator's narrative for the unit (shegong.reports.sections.narrative); "" when none
        unit_hashes[code] = {"narrative": _sha256(narrative_path(workspace, code))}
    entries = _run_batch(
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
    manifest = {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "year": int(year),
        "template": str(TEMPLATE) if template == template_path() else str(template),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "units": list(entries.values()),
    }
    if pdf:
        _add_pdfs(manifest, workspace.root)
    atomic.write_text(out_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    exports.summary_workbook(
        pd.read_parquet(workspace.indicators_file),
        org_units.frame,
        load_registry(),
        year,
        out_dir / f"汇总表_{year}.xlsx",
    )
    return manifest


def project_reports_dir(workspace: Workspace, year: int) -> Path:
    """``reports/<year>/projects/``: the project, programme and portfolio reports of a year."""
    return workspace.reports_dir(year) / "projects"


def project_report_stem(scope: str, scope_id: str) -> str:
    """File stem of a scope's report: ``project-GY2022-01``, ``programme-乐龄``,
    ``round-2022年公益创投`` (path separators and spaces replaced by ``_``)."""
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
            "project indicators have not been computed: import projects and run "
            "`shegong indicators compute`"
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
        "template": _sha256(template),
        "projects.parquet": _sha256(projects_file(workspace)),
        "project_events.parquet": _sha256(workspace.indicators_dir / "project_events.parquet"),
        "org_units.csv": _sha256(workspace.org_units_file),
    }
    previous = _previous(out_dir, "key") if resume else {}
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
    entries = _run_batch(
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
        _add_pdfs(manifest, workspace.root)
    atomic.write_text(out_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest
