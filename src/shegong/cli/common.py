"""Helpers shared by the verbs of the command line: argument types, the workspace, the lock."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def positive_int(text: str) -> int:
    """argparse type: a whole number ≥ 1 (worker and pool counts)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def workspace(args: argparse.Namespace, *, create: bool = True):
    """The workspace named by ``--workspace`` (or ``SHEGONG_WORKSPACE``, or ``./workspace``)."""
    from shegong.config import Workspace

    return Workspace.at(args.workspace, create=create)


def add(sub, name: str, func: Callable, help_: str) -> argparse.ArgumentParser:
    """A verb: its parser with ``help_`` as help and description, calling ``func(args)``."""
    p = sub.add_parser(name, help=help_, description=help_)
    p.set_defaults(func=func)
    return p


@contextmanager
def writing(ws) -> Iterator[None]:  # noqa: ANN001 — a shegong.config.Workspace
    """Hold the workspace's lock (:func:`shegong.atomic.workspace_lock`) for this command, named
    by its command line; a busy workspace is waited for, saying who holds it on stderr."""
    from shegong.atomic import workspace_lock

    command = " ".join(["shegong", *sys.argv[1:]]) if sys.argv else "shegong"
    with workspace_lock(
        ws.root, command[:300], on_wait=lambda line: print(f"shegong: {line}", file=sys.stderr)
    ):
        yield
