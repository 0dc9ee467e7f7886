"""A report's life: draft → reviewed → issued, and re-issues that keep the earlier versions.

Files (under ``reports/<year>/``):

- ``lifecycle.json`` — per unit: ``state`` (draft / reviewed / issued), ``version`` (issued
  versions so far), ``reviewed_by``/``reviewed_at``, ``issued_by``/``issued_at`` (ISO date),
  ``reason`` (of the last re-issue) and ``history`` (every action: ``action``, ``actor``,
  ``at``, ``version``, ``reason``). The report reads it when it is made, to show its state, the
  sign-off and the revision note, so it is written *before* the report is made;
- ``issued/<code>/v<N>/`` — the files of issued version N (read-only) and ``lock.json``: the
  SHA-256 of every file of the version (its own copies and the working copies
  ``reports/<year>/<code>[.en].*``), the input hashes the batch recorded, the issuer, the date
  and the ``digest`` of figures a re-issue compares (:func:`changes`);
- ``manifest.json`` — each unit's entry carries ``state``, ``version`` and, once issued, ``lock``
  (the latest ``lock.json``); a batch never re-makes an issued unit (status ``skipped``).

Who may act is decided by :func:`authorise`: the seam where the ``people`` module (issue 10) will
check the actor's role and scope (evaluator to review; evaluator or admin to issue). Until it
exists any named actor may act; every action is recorded with its actor.

This module does not run reports: :mod:`shegong.reports.release` does (it imports the batch).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from shegong import atomic
from shegong.config import Workspace
from shegong.errors import ReportError

SCHEMA_VERSION = 1
STATES = ("draft", "reviewed", "issued")
STATE_LABELS = {
    "zh": {"draft": "草稿（未经审核）", "reviewed": "审核稿（待签发）", "issued": "正式印发"},
    "en": {
        "draft": "Draft (not reviewed)",
        "reviewed": "Reviewed (awaiting issue)",
        "issued": "Issued",
    },
}
#: the state as the running header adds it to a report not yet issued
STATE_SHORT = {
    "zh": {"draft": "草稿", "reviewed": "审核稿"},
    "en": {"draft": "draft", "reviewed": "reviewed"},
}
#: who may do what (issue 10's roles); enforced by shegong.people once it exists
ROLES = {"review": ("evaluator", "admin"), "issue": ("evaluator", "admin")}


class LifecycleError(ReportError):
    """An action that the report's state does not allow, or an actor missing (exit code 2)."""

    exit_code = 2


def register_path(ws: Workspace, year: int) -> Path:
    return ws.reports_dir(year) / "lifecycle.json"


def version_dir(ws: Workspace, year: int, org_unit: str, version: int) -> Path:
    return ws.reports_dir(year) / "issued" / org_unit / f"v{version}"


def read_register(ws: Workspace, year: int) -> dict[str, Any]:
    """The year's register ({``schema_version``, ``year``, ``units``}); empty when none."""
    path = register_path(ws, year)
    if not path.exists():
        return {"schema_version": SCHEMA_VERSION, "year": int(year), "units": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise ReportError(
            f"报告状态文件已损坏 {path.name} cannot be read ({e}): restore it from a backup"
        ) from e
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ReportError(
            f"{path.name}: schema_version {data.get('schema_version')!r} is not {SCHEMA_VERSION}"
        )
    return data


def write_register(ws: Workspace, year: int, data: dict[str, Any]) -> None:
    path = register_path(ws, year)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(path, json.dumps(data, ensure_ascii=False, indent=2))


def record(ws: Workspace, year: int, org_unit: str) -> dict[str, Any]:
    """The unit's record (a draft with no history when the register does not name it)."""
    found = read_register(ws, year)["units"].get(org_unit)
    return found or {"state": "draft", "version": 0, "history": []}


def authorise(ws: Workspace, actor: str, action: str, org_unit: str) -> None:
    """Whether ``actor`` may ``action`` (review / issue / reissue) the report of ``org_unit``.

    The seam for issue 10: ``shegong.people`` will check here that the actor holds a role of
    :data:`ROLES` for the unit's scope. Until then a named actor is required and recorded.

    Raises:
        LifecycleError: no actor named.
    """
    if not actor or not actor.strip():
        raise LifecycleError("需要操作人 an action on a report needs the actor: give --actor LOGIN")


def display_name(ws: Workspace, actor: str | None) -> str:
    """How an actor is named in a report (the login until ``shegong.people`` gives names)."""
    return actor or ""


def sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def lock_of(ws: Workspace, year: int, org_unit: str) -> dict[str, Any] | None:
    """The ``lock.json`` of the unit's latest issued version, or None before the first issue."""
    rec = record(ws, year, org_unit)
    if rec.get("state") != "issued" or not rec.get("version"):
        return None
    path = version_dir(ws, year, org_unit, int(rec["version"])) / "lock.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def locked_units(ws: Workspace, year: int) -> dict[str, dict[str, Any]]:
    """{code: lock} of every issued unit of ``year`` whose version is complete."""
    out = {}
    for code, rec in read_register(ws, year)["units"].items():
        if rec.get("state") == "issued":
            lock = lock_of(ws, year, code)
            if lock is not None:
                out[code] = lock
    return out


def verify(ws: Workspace, lock: dict[str, Any]) -> list[str]:
    """Files of a lock that are missing or whose SHA-256 differs (paths relative to the workspace)."""
    bad = []
    for rel, digest in sorted(lock.get("files", {}).items()):
        path = ws.root / rel
        if not path.exists() or sha256(path) != digest:
            bad.append(rel)
    return bad


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def changes(old: dict[str, Any], new: dict[str, Any], lang: str) -> list[str]:
    """What changed between two versions' digests, as sentences: the total score, grade and rank,
    measures whose status changed (named in words), measures whose shown value changed, problems
    added or resolved. Empty when nothing did."""
    zh = lang == "zh"
    out = []
    if old.get("score") != new.get("score"):
        out.append(
            f"总分由 {old.get('score', '—')} 分变为 {new.get('score', '—')} 分"
            if zh
            else f"total score {old.get('score', '—')} → {new.get('score', '—')}"
        )
    for key, zh_word, en_word in (("grade", "等级", "grade"), ("rank", "排名", "rank")):
        if old.get(key) != new.get(key):
            out.append(
                f"{zh_word}由{old.get(key) or '—'}变为{new.get(key) or '—'}"
                if zh
                else f"{en_word} {old.get(key) or '—'} → {new.get(key) or '—'}"
            )
    names = new.get("names", {})
    before, after = old.get("statuses", {}), new.get("statuses", {})
    for mid in after:
        if mid in before and before[mid] != after[mid]:
            out.append(
                f"{names.get(mid, mid)}由{before[mid]}变为{after[mid]}"
                if zh
                else f"{names.get(mid, mid)}: {before[mid]} → {after[mid]}"
            )
    values = [m for m, v in new.get("values", {}).items() if old.get("values", {}).get(m, v) != v]
    if values:
        out.append(
            f"{len(values)} 项指标数值有变化" if zh else f"{len(values)} measures changed value"
        )
    added = set(new.get("problems", [])) - set(old.get("problems", []))
    solved = set(old.get("problems", [])) - set(new.get("problems", []))
    if added:
        out.append(f"新增问题 {len(added)} 个" if zh else f"{len(added)} new problems")
    if solved:
        out.append(f"不再存在的问题 {len(solved)} 个" if zh else f"{len(solved)} problems resolved")
    return out
