"""Review, issue and re-issue reports (``shegong report review|issue|reissue|status``).

Each action checks the report's state and the actor (:func:`shegong.reports.lifecycle.authorise`,
the seam for issue 10's roles), records itself in ``lifecycle.json`` *before* the unit's report is
made again — the report shows its state, the sign-off and, after a re-issue, what changed — and
puts the record back if the report fails. Issuing copies the unit's files into
``issued/<code>/v<N>/`` (read-only) and writes their SHA-256 with the batch's input hashes into
``lock.json`` and the manifest; from then on a batch leaves the unit alone. A re-issue makes
version N+1 beside the earlier versions, with the reason and the changes in its revision note.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from typing import Any

from shegong import atomic
from shegong.config import Workspace
from shegong.errors import ReportError
from shegong.reports import lifecycle
from shegong.reports.batch import failure_line, report_stem, run_reports
from shegong.reports.blocks import Cover
from shegong.reports.html import blocks_from_notebook
from shegong.reports.lifecycle import LifecycleError
from shegong.reports.rules import SETTINGS_FILE, settings
from shegong.reports.sections import narrative


def _act(
    ws: Workspace,
    year: int,
    units: list[str],
    actor: str,
    action: str,
    change,
    *,
    lang: str,
    pdf: bool,
    progress: bool,
) -> dict:
    """Check and record ``action`` for every unit (``change(record) -> record``), make the units'
    reports again, put the records back if any report fails. Returns the manifest."""
    data = lifecycle.read_register(ws, year)
    before = {code: data["units"].get(code) for code in units}
    for code in units:
        lifecycle.authorise(ws, actor, action, code)
        old = before[code] or {"state": "draft", "version": 0, "history": []}
        new = change(code, json.loads(json.dumps(old)))
        new["history"] = [
            *old.get("history", []),
            {
                "action": action,
                "actor": actor,
                "at": lifecycle.now(),
                "version": new.get("version", 0),
                **({"reason": new["reason"]} if action == "reissue" else {}),
            },
        ]
        data["units"][code] = new
    lifecycle.write_register(ws, year, data)
    try:
        manifest = run_reports(
            ws,
            year=year,
            units=units,
            lang=lang,
            force=tuple(units),
            pdf=pdf,
            progress=progress,
            keep_others=True,
        )
        failed = [
            u for u in manifest["units"] if u["status"] == "failed" and u["org_unit"] in units
        ]
        if failed:
            raise ReportError(
                f"报告生成失败，状态未改变 the report failed, its state is unchanged: {failure_line(failed[0])}"
            )
    except BaseException:
        for code, old in before.items():
            if old is None:
                data["units"].pop(code, None)
            else:
                data["units"][code] = old
        lifecycle.write_register(ws, year, data)
        raise
    return manifest


def review(
    ws: Workspace,
    *,
    year: int,
    units: list[str],
    actor: str,
    lang: str = "zh",
    pdf: bool = True,
    progress: bool = False,
) -> dict:
    """Mark draft reports reviewed by ``actor`` (the evaluator named in the sign-off).

    Raises:
        LifecycleError: a unit already issued (re-issue it instead), no actor.
        ReportError: the report failed (nothing changed).
    """
    for code in units:
        if lifecycle.record(ws, year, code).get("state") == "issued":
            raise LifecycleError(
                f"{code} 已印发 is issued and locked: use `shegong report reissue` to change it"
            )

    def change(code: str, rec: dict) -> dict:
        return {**rec, "state": "reviewed", "reviewed_by": actor, "reviewed_at": lifecycle.now()}

    return _act(ws, year, units, actor, "review", change, lang=lang, pdf=pdf, progress=progress)


def _ready(ws: Workspace, code: str) -> None:
    if not narrative(ws, code) or not narrative(ws, code).strip():
        raise LifecycleError(
            f"{code} 缺少评估组意见 has no evaluators' opinion: write narratives/{code}.md first"
        )
    if not settings(ws).get("evaluating_body"):
        raise LifecycleError(
            f"未设置评估机构 no evaluating body: set evaluating_body {{zh, en}} in {SETTINGS_FILE}"
        )


def issue(
    ws: Workspace,
    *,
    year: int,
    units: list[str],
    actor: str,
    date: dt.date | None = None,
    lang: str = "zh",
    pdf: bool = True,
    progress: bool = False,
) -> dict:
    """Issue reviewed reports: version 1, dated ``date`` (default today), issued by ``actor``,
    then locked. Returns the manifest (with the units' ``lock``).

    Raises:
        LifecycleError: a unit not reviewed or already issued, without the evaluators' opinion
            or an evaluating body, no actor.
        ReportError: the report failed (nothing changed).
    """
    day = (date or dt.date.today()).isoformat()
    for code in units:
        state = lifecycle.record(ws, year, code).get("state", "draft")
        if state != "reviewed":
            raise LifecycleError(
                f"{code} 为{'已印发' if state == 'issued' else '草稿'} is {state}: only a reviewed report is "
                + (
                    "issued again with `shegong report reissue`"
                    if state == "issued"
                    else "issued: run `shegong report review` first"
                )
            )
        _ready(ws, code)

    def change(code: str, rec: dict) -> dict:
        return {
            **rec,
            "state": "issued",
            "version": 1,
            "issued_by": actor,
            "issued_at": day,
            "reason": "",
        }

    manifest = _act(ws, year, units, actor, "issue", change, lang=lang, pdf=pdf, progress=progress)
    return _lock_all(ws, year, units, manifest)


def reissue(
    ws: Workspace,
    *,
    year: int,
    unit: str,
    actor: str,
    reason: str,
    date: dt.date | None = None,
    lang: str = "zh",
    pdf: bool = True,
    progress: bool = False,
) -> dict:
    """Issue version N+1 of an issued report with the current inputs; version N stays in
    ``issued/<code>/v<N>/``. The new report says why (``reason``) and what changed.

    Raises:
        LifecycleError: the unit is not issued, no reason, no actor.
        ReportError: the report failed (version N stays the current one).
    """
    rec = lifecycle.record(ws, year, unit)
    if rec.get("state") != "issued":
        raise LifecycleError(f"{unit} 尚未印发 is not issued: issue it with `shegong report issue`")
    if not reason or not reason.strip():
        raise LifecycleError("重新印发需说明原因 a re-issue needs its reason: give --reason TEXT")
    _ready(ws, unit)
    day = (date or dt.date.today()).isoformat()

    def change(code: str, rec: dict) -> dict:
        version = int(rec.get("version") or 1) + 1
        return {
            **rec,
            "version": version,
            "issued_by": actor,
            "issued_at": day,
            "reason": reason.strip(),
        }

    manifest = _act(
        ws, year, [unit], actor, "reissue", change, lang=lang, pdf=pdf, progress=progress
    )
    return _lock_all(ws, year, [unit], manifest)


def _lock_all(ws: Workspace, year: int, units: list[str], manifest: dict) -> dict:
    data = lifecycle.read_register(ws, year)
    for code in units:
        entries = [u for u in manifest["units"] if u["org_unit"] == code and u["status"] == "ok"]
        lock = _lock(ws, year, code, data["units"][code], entries)
        for entry in manifest["units"]:
            if entry["org_unit"] == code:
                entry["lock"] = lock
    path = ws.reports_dir(year) / "manifest.json"
    atomic.write_text(path, json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def _lock(ws: Workspace, year: int, code: str, rec: dict, entries: list[dict]) -> dict[str, Any]:
    """Copy the unit's files into its version folder (read-only) and write ``lock.json``."""
    version = int(rec["version"])
    target = lifecycle.version_dir(ws, year, code, version)
    if target.exists():  # a half-made version of a failed earlier attempt
        for path in target.iterdir():
            os.chmod(path, 0o644)
        shutil.rmtree(target)
    target.mkdir(parents=True)
    files: dict[str, str] = {}
    digests: dict[str, Any] = {}
    for entry in entries:
        for rel in entry["outputs"]:
            source = ws.root / rel
            copy = target / source.name
            shutil.copy2(source, copy)
            os.chmod(copy, 0o444)
            for path in (source, copy):
                files[str(path.relative_to(ws.root))] = lifecycle.sha256(path)
            if source.suffix == ".ipynb":
                nb = json.loads(source.read_text(encoding="utf-8"))
                cover = next((b for b in blocks_from_notebook(nb) if isinstance(b, Cover)), None)
                if cover is not None:
                    digests[cover.lang] = cover.digest
    lock = {
        "org_unit": code,
        "year": int(year),
        "version": version,
        "issued_by": rec.get("issued_by"),
        "issued_at": rec.get("issued_at"),
        "reviewed_by": rec.get("reviewed_by"),
        "reason": rec.get("reason") or "",
        "files": dict(sorted(files.items())),
        "input_hashes": {report_stem(code, e["lang"]): e["input_hashes"] for e in entries},
        "digests": digests,
    }
    lock_file = target / "lock.json"
    atomic.write_text(lock_file, json.dumps(lock, ensure_ascii=False, indent=2))
    os.chmod(lock_file, 0o444)
    return lock


def status(ws: Workspace, *, year: int, units: list[str] | None = None) -> list[dict[str, Any]]:
    """One dict per unit of the register (or of ``units``): ``org_unit``, ``state``,
    ``version``, ``reviewed_by``, ``issued_by``, ``issued_at`` and ``lock`` — ``intact``, or the
    files of the lock that are missing or changed, or ``""`` before issue."""
    register = lifecycle.read_register(ws, year)["units"]
    out = []
    for code in units or sorted(register):
        rec = register.get(code) or {"state": "draft", "version": 0}
        lock = lifecycle.lock_of(ws, year, code)
        bad = lifecycle.verify(ws, lock) if lock else []
        out.append(
            {
                "org_unit": code,
                "state": rec.get("state", "draft"),
                "version": int(rec.get("version") or 0),
                "reviewed_by": rec.get("reviewed_by") or "",
                "issued_by": rec.get("issued_by") or "",
                "issued_at": rec.get("issued_at") or "",
                "lock": ("intact" if not bad else "changed: " + ", ".join(bad)) if lock else "",
            }
        )
    return out
