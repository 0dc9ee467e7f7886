"""Fresh report kernels forked from a pre-imported parent (a "zygote"), for the report batch.

A report kernel spends most of its start on imports (ipykernel, IPython, pandas, pyarrow,
matplotlib, seaborn) that are the same for every unit. The zygote is a small process started
once per batch worker: it imports those modules, runs nothing of any unit, opens no ZMQ
context and starts no thread, then waits on a Unix socket. For each unit the worker asks it
for a kernel; it ``os.fork()``\\ s a child that starts ``IPKernelApp`` on the unit's connection
file — as ``python -m ipykernel_launcher -f FILE`` would — in its own session, with the
kernel's environment and working directory. Each unit therefore still runs in a fresh kernel
process: a new interpreter state copied from the zygote, which no unit has touched, and that
ends with the unit (issue 6: "every unit runs in a fresh kernel").

What makes a forked kernel as fresh as a started one:

- the zygote imports modules only; it runs no notebook code, so no unit's variables, figures
  or caches can be inherited; it sets ``MPLBACKEND`` as ipykernel does before importing
  matplotlib, so matplotlib is in the state a new kernel would leave it in;
- the child reseeds the random generators (``random`` is reseeded by Python at fork; NumPy's
  global generator is reseeded here), resets the signal handlers, leaves the zygote's socket,
  starts a new session (its own process group, as jupyter_client's launcher does) and asks the
  kernel to be killed if the zygote dies (``PR_SET_PDEATHSIG``); the zygote itself dies with
  its worker the same way, and reaps its children, so no kernel outlives the batch;
- the worker gets a pidfd of the kernel (passed over the socket, opened before the child can
  be reaped): liveness, signals and kill go through it, never through a reusable pid.

Integration: :class:`ZygoteKernelManager` (an nbclient ``kernel_manager_class``) gives each
kernel a :class:`ZygoteProvisioner` — jupyter_client's local provisioner with ``launch_kernel``
asking the zygote instead of ``Popen``. When no zygote runs in the process (:func:`start` not
called or failed), or the kernel command is not this interpreter's ``ipykernel_launcher``,
the kernel is started the ordinary way.

Linux only (``os.pidfd_open``, ``prctl``); elsewhere :func:`start` returns False.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

#: imported once in the zygote: what every report kernel imports (ipykernel's own start included)
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "IPython.display",
    "zmq",
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "nbformat",
    "docx",
)
#: ipykernel's default backend (ipykernel.kernelapp.IPKernelApp.init_gui_pylab), set before
#: matplotlib is imported
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_PR_SET_PDEATHSIG = 1

_zygote: "Zygote | None" = None


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent ends (prctl PR_SET_PDEATHSIG)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class ForkedKernel:
    """The ``Popen``-like handle of a kernel forked by the zygote (the kernel is the zygote's
    child, not ours): ``pid``, ``poll``, ``wait``, ``send_signal``, ``terminate``, ``kill``,
    through a pidfd. The exit status of a kernel is known to the zygote only: ``returncode`` is
    minus the last signal we sent, else 0."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int) -> None:
        self.pid = pid
        self._pidfd = pidfd
        self._signal = 0
        self.returncode: int | None = None

    def poll(self) -> int | None:
        """The kernel's ``returncode`` if it has ended, else ``None``; does not block."""
        if self.returncode is None and self._pidfd >= 0:
            ready, _, _ = select.select([self._pidfd], [], [], 0)
            if ready:
                self._ended()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait up to ``timeout`` seconds (``None``: for ever) for the kernel to end; its
        ``returncode``. Raises ``subprocess.TimeoutExpired`` when it is still running."""
        if self.returncode is None:
            ready, _, _ = select.select([self._pidfd], [], [], timeout)
            if not ready:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            self._ended()
        return self.returncode

    def _ended(self) -> None:
        self.returncode = -self._signal
        os.close(self._pidfd)
        self._pidfd = -1

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the kernel if it is still running."""
        if self.poll() is None:
            signal.pidfd_send_signal(self._pidfd, signum)
            if signum in (signal.SIGTERM, signal.SIGKILL):
                self._signal = signum

    def terminate(self) -> None:
        """Ask the kernel to end (SIGTERM)."""
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """End the kernel at once (SIGKILL)."""
        self.send_signal(signal.SIGKILL)


class Zygote:
    """The worker's side: the zygote process and the socket to it."""

    def __init__(self, proc: subprocess.Popen, sock: socket.socket) -> None:
        self.proc = proc
        self.sock = sock

    def fork_kernel(self, argv: list[str], cwd: str | None, env: dict[str, str]) -> ForkedKernel:
        """Ask for a kernel started with ipykernel's arguments ``argv`` (``-f FILE`` …)."""
        request = json.dumps({"argv": argv, "cwd": cwd, "env": env}).encode("utf-8")
        self.sock.sendall(len(request).to_bytes(4, "big") + request)
        message, fds, _, _ = socket.recv_fds(self.sock, 512, 1)
        if not fds:
            raise OSError(f"kernel zygote did not fork: {message.decode('utf-8', 'replace')}")
        return ForkedKernel(int(message), fds[0])

    def close(self) -> None:
        """Close the socket, which ends the zygote; wait up to 10 s for it, then kill it."""
        self.sock.close()  # the zygote ends at end of input
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start(timeout: float = 120) -> bool:
    """Start this process's zygote (once; later calls return at once). Returns whether it runs:
    False off Linux, or when it did not answer ready within ``timeout`` seconds (its imports
    failed, it found a thread or a ZMQ context) — kernels then start the ordinary way.

    Its output and that of its kernels go to this process's stderr (the batch log). Call it
    from the thread that lives as long as the zygote should (it dies with that thread).
    """
    global _zygote
    if _zygote is not None:
        return True
    if not sys.platform.startswith("linux") or not hasattr(os, "pidfd_open"):
        return False
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    proc = subprocess.Popen(
        [sys.executable, "-m", "shegong.reports.kernel_zygote", str(theirs.fileno())],
        pass_fds=(theirs.fileno(),),
        stdin=subprocess.DEVNULL,
        stdout=sys.stderr.fileno(),
    )
    theirs.close()
    ours.settimeout(timeout)
    try:
        ready = ours.recv(16)
    except OSError:
        ready = b""
    ours.settimeout(None)
    if ready != b"ready":
        print(
            "shegong report: kernel zygote unavailable "
            f"({ready.decode('utf-8', 'replace') or 'no answer'}):"
            " kernels start the ordinary way",
            file=sys.stderr,
            flush=True,
        )
        ours.close()
        proc.kill()
        proc.wait()
        return False
    _zygote = Zygote(proc, ours)
    import atexit
    from multiprocessing import util

    atexit.register(stop)
    util.Finalize(
        None, stop, exitpriority=10
    )  # a pool worker ends through multiprocessing, not atexit
    return True


def stop() -> None:
    """End this process's zygote (its kernels have ended with their units)."""
    global _zygote
    if _zygote is not None:
        _zygote.close()
        _zygote = None


def running() -> Zygote | None:
    """This process's running zygote, ``None`` when none was started or it was stopped."""
    return _zygote


class ZygoteProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching through this process's zygote when it runs."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        """Start the kernel ``cmd``: forked by the zygote when one runs and ``cmd`` is an
        ipykernel of this Python, else the ordinary way."""
        zygote = running()
        launcher = cmd[1:3] == ["-m", "ipykernel_launcher"] and os.path.realpath(
            cmd[0]
        ) == os.path.realpath(sys.executable)
        if zygote is None or not launcher:
            return await super().launch_kernel(cmd, **kwargs)
        env = kwargs.get("env") or dict(os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        try:
            self.process = zygote.fork_kernel(cmd[3:], cwd, env)
        except OSError as e:  # the zygote has gone: this and later kernels start the ordinary way
            print(
                f"shegong report: kernel zygote failed ({e}): kernels start the ordinary way",
                file=sys.stderr,
                flush=True,
            )
            stop()
            return await super().launch_kernel(cmd, **kwargs)
        self.pid = self.pgid = self.process.pid  # the kernel leads its own session and group
        self.cwd = cwd
        return self.connection_info


class ZygoteKernelManager(AsyncKernelManager):
    """nbclient's kernel manager with :class:`ZygoteProvisioner` (``kernel_manager_class=``)."""

    async def _async_pre_start_kernel(self, **kw):
        if self.provisioner is None:
            self.kernel_id = (
                self.kernel_id or kw.pop("kernel_id", None) or __import__("uuid").uuid4().hex
            )
            self.provisioner = ZygoteProvisioner(
                kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)


# -- the zygote process ---------------------------------------------------------------------


def _reap(*_) -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _kernel_child(sock: socket.socket, request: dict) -> None:
    """In the forked child: become a fresh kernel process and run IPKernelApp; never returns."""
    code = 1
    try:
        sock.close()
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        os.setsid()
        _die_with_parent()
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        import numpy

        numpy.random.seed()  # Python reseeds `random` at fork; NumPy's global generator is not
        sys.argv = ["ipykernel_launcher", *request["argv"]]
        from ipykernel.kernelapp import IPKernelApp

        IPKernelApp.launch_instance(argv=request["argv"])
        code = 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:  # noqa: BLE001 — report, then end the child whatever happened
        import traceback

        traceback.print_exc()
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _serve(fd: int) -> None:
    if sys.path and sys.path[0] in (
        "",
        os.getcwd(),
    ):  # as ipykernel_launcher does before its imports
        del sys.path[0]
    sock = socket.socket(fileno=fd)
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C reaches the worker, which stops us
    # the environment a kernel gets from jupyter_client, as far as imports read it (trait defaults)
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    os.environ.setdefault("JPY_PARENT_PID", str(os.getppid()))
    import importlib

    try:
        for name in PRELOAD:
            importlib.import_module(name)
        if threading.active_count() != 1:
            raise RuntimeError(
                f"{threading.active_count()} threads after the imports: forking is unsafe"
            )
        import zmq

        if zmq.Context._instance is not None:
            raise RuntimeError("a ZMQ context is open: forking is unsafe")
    except Exception as e:  # noqa: BLE001 — the worker falls back to ordinary kernels
        sock.sendall(f"failed: {type(e).__name__}: {e}"[:200].encode("utf-8"))
        return
    signal.signal(signal.SIGCHLD, _reap)
    sock.sendall(b"ready")
    while True:
        header = sock.recv(4, socket.MSG_WAITALL)
        if len(header) < 4:
            return  # the worker closed the socket
        size = int.from_bytes(header, "big")
        request = json.loads(sock.recv(size, socket.MSG_WAITALL).decode("utf-8"))
        signal.pthread_sigmask(
            signal.SIG_BLOCK, [signal.SIGCHLD]
        )  # not reaped before its pidfd is open
        pid = -1
        try:
            pid = os.fork()
            if pid == 0:
                _kernel_child(sock, request)
            pidfd = os.pidfd_open(pid)
        except OSError as e:
            sock.sendall(f"failed: {e}"[:200].encode("utf-8"))
            continue
        finally:
            if pid != 0:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
        try:
            socket.send_fds(sock, [str(pid).encode("ascii")], [pidfd])
        finally:
            os.close(pidfd)


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
