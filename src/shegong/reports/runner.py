"""The machinery of a report batch: one notebook per item, executed with papermill in a process
pool of fresh (forked) kernels or on a Dask cluster, failures isolated and retried when they are
the machinery's, outputs written atomically, unchanged items skipped by their input hashes.

:func:`run_batch` is shared by the unit reports (:mod:`shegong.reports.batch`) and the project
reports (:mod:`shegong.reports.project_batch`); :func:`write_exports` turns an executed notebook
into its offline HTML and .docx; :func:`add_pdfs` prints the HTML to PDF.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from shegong import __version__, atomic, exports
from shegong.errors import ReportError
from shegong.reports import kernel_zygote
from shegong.reports.blocks import Cover
from shegong.reports.docx import blocks_docx, notebook_docx
from shegong.reports.html import blocks_from_notebook, document_html

MANIFEST_SCHEMA_VERSION = 1


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks (indicators.parquet runs to hundreds of MB); "" if absent."""
    if not path.exists():
        return ""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def sha256_files(paths: list[Path]) -> str:
    """One hex SHA-256 over several small files (names and contents, in name order); "" if none."""
    if not paths:
        return ""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode("utf-8") + b"\0" + sha256_file(path).encode("ascii"))
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
    """Execute one unit (runs in a worker process). Returns status, seconds, outputs, error, attempts.

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
                f"shegong report: {code} attempt {attempt}/{ATTEMPTS} failed: {error['ename']}: {error['evalue']}",
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
    # a fresh kernel forked from the worker's zygote when it runs (the local pool), else started as usual
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
    write_exports(nbformat.read(out_nb, as_version=4), out_dir, code)


def write_exports(nb, out_dir: Path, stem: str) -> None:
    """``<stem>.html`` (offline) and ``<stem>.docx`` of an executed report notebook: from its
    report blocks when it has them (the evaluation report: the printable page of
    :mod:`shegong.reports.html` and the Word document of :mod:`shegong.reports.docx`), else from
    its outputs (nbconvert's HTML; the project reports)."""
    found = blocks_from_notebook(nb)
    if found:
        cover = next((b for b in found if isinstance(b, Cover)), None)
        lang = cover.lang if cover else "zh"
        css, body = document_html(found, lang)
        title = cover.title if cover else stem
        atomic.write_text(
            out_dir / f"{stem}.html", exports.html_page(body, title=title, css=css, lang=lang)
        )
        blocks_docx(found, out_dir / f"{stem}.docx")
    else:
        atomic.write_text(out_dir / f"{stem}.html", exports.notebook_html(nb))
        params = nb.metadata.get("papermill", {}).get("parameters", {})
        header = " · ".join(str(params[k]) for k in ("scope_id", "year") if params.get(k))
        notebook_docx(nb, out_dir / f"{stem}.docx", header=header)


def previous_entries(out_dir: Path, key: str = "org_unit") -> dict[str, dict]:
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
    Each worker forks its units' kernels from its own zygote (:mod:`shegong.reports.kernel_zygote`)."""
    ctx = multiprocessing.get_context("spawn")
    zygote = os.environ.get(ZYGOTE_ENV, "1") != "0"
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
            f"无法连接 Dask 调度器 cannot reach the Dask scheduler {scheduler}: {e} — check the address "
            "(tcp://host:8786) or run without --scheduler"
        ) from e
    with client:
        futures = {
            client.submit(_run_one, *args, pure=False, key=f"report-{code}"): code
            for code, args in jobs.items()
        }
        for fut in dask_completed(futures):
            yield futures[fut], fut.result()


def add_pdfs(manifest: dict, root: Path) -> None:
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


def run_batch(
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
