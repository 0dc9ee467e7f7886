"""``shegong serve``: the front server of the portal (DESIGN.md §2.4, §7; issue 14).

One process (:class:`shegong.serving.front.Portal`, Voila's application with the portal's
identity, routes and headers) listens on 127.0.0.1 unless told otherwise. Every request is
authenticated first (the workbench's sign-in and session cookie); the index and the reports the
batch has rendered are sent as HTML without a kernel; widget apps (module player, trainer apps)
and live reports run in Voila kernels — at most ``kernel_cap`` at once, with the person taken from
the session on the server side — with sources stripped, tracebacks hidden and idle kernels culled
(Voila 0.5 otherwise leaks a kernel per page view). Pages use the project's template ``shegong``
(:data:`TEMPLATE_ROOT`): Voila's lab page without inline scripts (the Content-Security-Policy
allows script files of this server only) and without the Font Awesome stylesheets it fetches
from cdn.jsdelivr.net, so a served page loads nothing from another host.

Until issue 14 a pool of preheated kernels (≈ 52 MiB each) served every page view, the index and
replayed reports included; a preheated kernel cannot know who is asking (Voila cannot combine
preheating with a prelaunch hook), and pages that need no kernel no longer start one, so the
pool is gone.
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
#: widget apps and live reports running at once
DEFAULT_KERNEL_CAP = 8
REGISTRATION = ("invitation", "approval", "closed")


def portal_command(
    workspace: Workspace,
    *,
    port: int = DEFAULT_PORT,
    ip: str = "127.0.0.1",
    public_reports: bool = False,
    allow_hosts: list[str] | tuple[str, ...] = (),
    trusted_proxies: list[str] | tuple[str, ...] = (),
    kernel_cap: int = DEFAULT_KERNEL_CAP,
    registration: str = "invitation",
    cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
    cull_interval: int = CULL_INTERVAL,
    queue_seconds: float = 10.0,
) -> list[str]:
    """The command line of the front server (:func:`serve` and the tests start it the same way).

    ``allow_hosts`` are Host names served besides 127.0.0.1 and localhost (others get 403);
    ``trusted_proxies`` the peer addresses whose ``X-Forwarded-For`` names the client;
    ``kernel_cap`` the widget apps and live reports running at once (a request waits
    ``queue_seconds`` for a slot, then gets a "busy" page); ``registration`` ``invitation``,
    ``approval`` or ``closed``. A kernel whose page is closed is shut down by the page; one whose
    page never connected is culled after ``cull_idle_timeout`` seconds, looked for every
    ``cull_interval`` seconds.
    """
    hosts = [f"--Portal.allowed_hosts={list(allow_hosts)!r}"] if allow_hosts else []
    proxies = [f"--Portal.trusted_proxies={list(trusted_proxies)!r}"] if trusted_proxies else []
    return [
        sys.executable,
        "-m",
        "shegong.serving.front",
        str(project_root() / INDEX_NOTEBOOK),
        "--no-browser",
        f"--port={port}",
        f"--Portal.ip={ip}",
        "--Portal.port_retries=0",
        f"--Portal.workspace={workspace.root}",
        f"--Portal.public_reports={public_reports}",
        f"--Portal.kernel_cap={kernel_cap}",
        f"--Portal.queue_seconds={queue_seconds}",
        f"--Portal.registration={registration}",
        *hosts,
        *proxies,
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
        f"--template={TEMPLATE}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        "--VoilaConfiguration.file_denylist=.*",  # no file of the notebook's folder is served
    ]


def voila_env(workspace: Workspace) -> dict[str, str]:
    """The environment for the front server and its kernels: the workspace path, the project's
    template directory first on JUPYTER_PATH, quiet debugger."""
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
    **options: object,
) -> None:
    """Start the front server in the foreground until interrupted (Ctrl-C or SIGTERM, which stop it
    and its kernels too). ``options`` are those of :func:`portal_command`.

    Raises:
        ServeError: the workspace has no computed indicators, the port is taken, or an unknown
            registration mode.
    """
    if not workspace.indicators_file.exists():
        raise ServeError(
            f"{workspace.root} has no indicators yet: run `shegong demo` or `shegong "
            "indicators compute`"
        )
    if options.get("registration", "invitation") not in REGISTRATION:
        raise ServeError(f"registration must be one of {', '.join(REGISTRATION)}")
    _check_port(ip, port)
    print(f"社工站评估工作台已启动 serving: http://{ip}:{port}/  (Ctrl-C 停止 to stop)", flush=True)
    proc = subprocess.Popen(
        portal_command(workspace, port=port, ip=ip, **options),  # type: ignore[arg-type]
        env=voila_env(workspace),
    )

    def stop(
        signum: int, frame: object
    ) -> None:  # SIGTERM (a service manager, `kill`) stops it too
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
