"""Serve the evaluator index and reports with Voila (DESIGN.md §2.4, §7).

One viewer notebook (``notebooks/apps/index.ipynb``) is served at ``/``: without a query it
lists every org unit; ``/?unit=CODE`` shows that unit's report from precomputed Parquet.
Voila runs with sources stripped, tracebacks hidden, idle kernels culled (Voila 0.5 otherwise
leaks a kernel per page view) and bound to 127.0.0.1 unless told otherwise. Pages use the
project's template ``shegong`` (:data:`TEMPLATE_ROOT`): Voila's lab page without the Font
Awesome stylesheets it fetches from cdn.jsdelivr.net, so a served page loads nothing from
another host (offline machines, networks in China), and with links between the portal's pages
opening in the same tab.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from .config import Workspace, project_root
from .errors import ServeError

INDEX_NOTEBOOK = Path("notebooks") / "apps" / "index.ipynb"
#: a Jupyter data directory holding ``voila/templates/shegong`` (prepended to JUPYTER_PATH)
TEMPLATE_ROOT = Path(__file__).parent / "share"
TEMPLATE = "shegong"
#: seconds an idle, disconnected kernel lives, and how often the culler looks
CULL_IDLE_TIMEOUT = 120
CULL_INTERVAL = 30
#: preheated kernels kept ready for page views
DEFAULT_POOL_SIZE = 1


def voila_command(*, port: int = 8866, ip: str = "127.0.0.1", pool_size: int = DEFAULT_POOL_SIZE) -> list[str]:
    """The Voila command line used by :func:`serve` (tests start it the same way).

    ``pool_size`` kernels are started ahead of requests (Voila's ``preheat_kernel``): each has
    imported the libraries and waits in ``get_query_string()`` for its page; each holds about
    150 MiB. 0 turns preheating off (every page view then starts a kernel, ≈2 s slower).
    """
    preheat = ["--preheat_kernel=True", f"--VoilaConfiguration.default_pool_size={pool_size}"] if pool_size > 0 else []
    return [
        sys.executable, "-m", "voila", str(project_root() / INDEX_NOTEBOOK),
        "--no-browser", f"--port={port}", f"--Voila.ip={ip}",
        "--strip_sources=True", "--show_tracebacks=False", "--theme=light", f"--template={TEMPLATE}",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_TIMEOUT}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL}",
        "--VoilaConfiguration.file_allowlist=[]",
        *preheat,
    ]


def voila_env(workspace: Workspace) -> dict[str, str]:
    """The environment for Voila and its kernels: the workspace path, the project's template
    directory first on JUPYTER_PATH, quiet debugger."""
    env = dict(os.environ)
    env["SHEGONG_WORKSPACE"] = str(workspace.root)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(TEMPLATE_ROOT), env.get("JUPYTER_PATH", "")) if p)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def _check_port(ip: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((ip, port))
        except OSError as e:
            raise ServeError(f"cannot listen on {ip}:{port} ({e.strerror}): stop the other server or pass --port") from e


def serve(workspace: Workspace, *, port: int = 8866, ip: str = "127.0.0.1", pool_size: int = DEFAULT_POOL_SIZE) -> None:
    """Start Voila in the foreground until interrupted (Ctrl-C).

    Raises:
        ServeError: the workspace has no computed indicators, or the port is taken.
    """
    if not workspace.indicators_file.exists():
        raise ServeError(f"{workspace.root} has no indicators yet: run `shegong demo` or `shegong indicators compute`")
    _check_port(ip, port)
    print(f"社工站评估工作台已启动 serving: http://{ip}:{port}/  (Ctrl-C 停止 to stop)", flush=True)
    proc = subprocess.Popen(voila_command(port=port, ip=ip, pool_size=pool_size), env=voila_env(workspace))
    try:
        proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=10)
