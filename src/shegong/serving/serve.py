"""Serve the evaluator index and reports with Voila (DESIGN.md §2.4, §7).

One viewer notebook (``notebooks/apps/index.ipynb``) is served at ``/``: without a query it
lists every org unit; ``/?unit=CODE`` shows that unit's report from precomputed Parquet.
Voila runs with sources stripped, tracebacks hidden, idle kernels culled (Voila 0.5 otherwise
leaks a kernel per page view) and bound to 127.0.0.1 unless told otherwise. Pages use the
project's template ``shegong`` (:data:`TEMPLATE_ROOT`): Voila's lab page without the Font
Awesome stylesheets it fetches from cdn.jsdelivr.net, so a served page loads nothing from
another host (offline machines, networks in China) — its error pages (404, 500) neither — with
links between the portal's pages opening in the same tab, and with every output that holds no
widget (tables, Markdown, charts) rendered to HTML on the server and shown as soon as the page
has arrived, instead of after Voila's JupyterLab application has mounted in the browser (the
first render of a replayed report; widgets are still drawn by the application).

Serving targets (issue 6): a report whose batch notebook is fresh is replayed, not recomputed
(:mod:`shegong.reports.archive`); :data:`DEFAULT_POOL_SIZE` preheated kernels wait for requests, so
that 8 simultaneous views each find a ready kernel. A waiting pool kernel has imported only
ipykernel's modules and holds ≈ 52 MiB RSS (``make bench`` measures it): a pool of 8 costs
≈ 0.4 GiB. Importing ``voila.utils`` for the wait made it ≈ 103 MiB (measured); importing pandas,
matplotlib and seaborn before the wait, as the viewer did before, adds ≈ 150 MiB more (measured
in a plain interpreter). Used kernels are replaced :data:`FILL_DELAY` seconds after their page
was taken.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from shegong.config import DEFAULT_PORT, Workspace, project_root
from shegong.errors import ServeError

INDEX_NOTEBOOK = Path("notebooks") / "apps" / "index.ipynb"
#: a Jupyter data directory holding ``voila/templates/shegong`` (prepended to JUPYTER_PATH)
TEMPLATE_ROOT = Path(__file__).parent / "share"
TEMPLATE = "shegong"
#: seconds an idle, disconnected kernel lives, and how often the culler looks
CULL_IDLE_TIMEOUT = 120
CULL_INTERVAL = 30
#: preheated kernels kept ready for page views: a burst of 8 simultaneous views finds 8 ready
#: kernels
DEFAULT_POOL_SIZE = 8
#: seconds Voila waits before replacing a used pool kernel (its default, 1 s, makes the refills
#: compete for the CPU with the pages of a burst on a 2-core machine)
FILL_DELAY = 3


def voila_command(
    *,
    port: int = DEFAULT_PORT,
    ip: str = "127.0.0.1",
    pool_size: int = DEFAULT_POOL_SIZE,
    cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
    cull_interval: int = CULL_INTERVAL,
) -> list[str]:
    """The Voila command line used by :func:`serve` (tests start it the same way).

    ``pool_size`` kernels are started ahead of requests (Voila's ``preheat_kernel``): each waits
    for its page in :func:`shegong.serving.portal.wait_for_request` (≈ 52 MiB each, see the module
    docstring). 0 turns preheating off (every page view then starts a
    kernel, ≈ 2 s slower). A kernel whose page is closed is shut down by the page; one whose
    page never connected (a plain HTTP client) is culled after ``cull_idle_timeout`` seconds,
    looked for every ``cull_interval`` seconds.
    """
    preheat = (
        [
            "--preheat_kernel=True",
            f"--VoilaConfiguration.default_pool_size={pool_size}",
            f"--VoilaKernelManager.fill_delay={FILL_DELAY}",
        ]
        if pool_size > 0
        else []
    )
    return [
        sys.executable,
        "-m",
        "voila",
        str(project_root() / INDEX_NOTEBOOK),
        "--no-browser",
        f"--port={port}",
        f"--Voila.ip={ip}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
        f"--template={TEMPLATE}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        # no file of the notebook's folder is served (/voila/files/…)
        "--VoilaConfiguration.file_denylist=.*",
        *preheat,
    ]


def voila_env(workspace: Workspace) -> dict[str, str]:
    """The environment for Voila and its kernels: the workspace path, the project's template
    directory first on JUPYTER_PATH, quiet debugger."""
    env = dict(os.environ)
    env["SHEGONG_WORKSPACE"] = str(workspace.root)
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(TEMPLATE_ROOT), env.get("JUPYTER_PATH", "")) if p
    )
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def _check_port(ip: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((ip, port))
        except OSError as e:
            raise ServeError(
                f"cannot listen on {ip}:{port} ({e.strerror}): stop the other server or pass --port"
            ) from e


def serve(
    workspace: Workspace,
    *,
    port: int = DEFAULT_PORT,
    ip: str = "127.0.0.1",
    pool_size: int = DEFAULT_POOL_SIZE,
) -> None:
    """Start Voila in the foreground until interrupted (Ctrl-C or SIGTERM, which stop Voila and
    its kernels too).

    Raises:
        ServeError: the workspace has no computed indicators, or the port is taken.
    """
    if not workspace.indicators_file.exists():
        raise ServeError(
            f"{workspace.root} has no indicators yet: run `shegong demo` or `shegong "
            "indicators compute`"
        )
    _check_port(ip, port)
    print(f"社工站评估工作台已启动 serving: http://{ip}:{port}/  (Ctrl-C 停止 to stop)", flush=True)
    proc = subprocess.Popen(
        voila_command(port=port, ip=ip, pool_size=pool_size), env=voila_env(workspace)
    )

    def stop(
        signum: int, frame: object
    ) -> None:  # SIGTERM (a service manager, `kill`) stops Voila too
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave the handler alone
        previous = None
    try:
        proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
