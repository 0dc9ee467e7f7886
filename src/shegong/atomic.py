"""Safe writing: atomic writes — a temporary file beside the target, then rename (DESIGN.md §7) —
and one writer at a time in a workspace (:func:`workspace_lock`, issue 16)."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from shegong.config import setting
from shegong.errors import WorkspaceBusyError

#: the lock file in a workspace's root, and the note of who holds it
LOCK_FILE = ".shegong.lock"
HOLDER_FILE = ".shegong.lock.json"
#: seconds a command waits for another to release the workspace (``SHEGONG_LOCK_TIMEOUT``)
DEFAULT_LOCK_TIMEOUT = 600.0


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path in ``target``'s folder; rename it onto ``target`` on success.

    On an exception the temporary file is removed and ``target`` is left as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(target: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_with(target: Path, writer: Callable[[Path], object]) -> None:
    """Call ``writer(tmp_path)`` and move the result onto ``target`` atomically."""
    with atomic_path(target) as tmp:
        writer(tmp)


def lock_holder(root: Path) -> dict | None:
    """Who holds the workspace lock, as its holder wrote it (``command``, ``pid``, ``host``,
    ``since``), or None when nobody said."""
    try:
        return json.loads((root / HOLDER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _holder_text(holder: dict | None) -> str:
    if not holder:
        return "另一个 shegong 命令 another shegong command"
    return (
        f"`{holder.get('command', 'shegong')}` (pid {holder.get('pid', '?')} on "
        f"{holder.get('host', '?')}, since {holder.get('since', '?')})"
    )


@contextmanager
def workspace_lock(
    root: Path,
    command: str,
    *,
    timeout: float | None = None,
    on_wait: Callable[[str], object] | None = None,
) -> Iterator[None]:
    """Hold the workspace's lock while writing to it: one import, compute or report at a time.

    An OS file lock (the ``filelock`` library: ``flock`` on Linux) on ``root/.shegong.lock``; the
    operating system releases it when the holding process ends, however it ends. The holder writes
    ``command``, ``pid``, ``host`` and ``since`` to ``.shegong.lock.json`` for whoever waits.
    A busy workspace is waited for (``timeout`` seconds, default ``SHEGONG_LOCK_TIMEOUT`` or
    600) after calling ``on_wait`` with one line naming the holder.

    Not re-entrant across calls in one process: take it once, at the command's top.

    Raises:
        WorkspaceBusyError: the lock was not released within ``timeout`` (the message names the
            command holding it).
    """
    root.mkdir(parents=True, exist_ok=True)
    if timeout is None:
        timeout = float(setting("SHEGONG_LOCK_TIMEOUT") or DEFAULT_LOCK_TIMEOUT)
    lock = FileLock(root / LOCK_FILE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        holder = _holder_text(lock_holder(root))
        if on_wait is not None:
            on_wait(
                f"工作区正被占用，等待中 workspace busy, waiting (up to {timeout:g} "
                f"s): held by {holder}"
            )
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise WorkspaceBusyError(
                f"工作区正被另一命令占用 workspace {root} is held by "
                f"{_holder_text(lock_holder(root))}: "
                "wait for it to finish and run this command again"
            ) from None
    try:
        note = {
            "command": command,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        write_text(root / HOLDER_FILE, json.dumps(note, ensure_ascii=False))
        yield
    finally:
        try:
            (root / HOLDER_FILE).unlink()
        except OSError:
            pass
        lock.release()
