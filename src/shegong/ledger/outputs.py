"""What an import writes, atomically (DESIGN.md §3 workspace layout, §7):

- ``ledger/accepted/<file>.parquet`` — accepted events (columns of :mod:`.schema`);
- ``ledger/rejects/<file>.csv`` — one line per rejected row (file, sheet, row, column, reason,
  message, value — personal values only as ``[已隐去]``);
- ``ledger/rejects/<file>.xlsx`` — the rejected rows as the station wrote them, with source row
  and reason in front and the faulty cell marked, to send back; personal columns and notes are
  masked, so nothing personal is added to what the station already holds; a cell that reads
  like a formula (``=HYPERLINK(…)``) is written as text (quote prefix), never as a formula;
- ``ledger/quality/<file>.json`` and ``.html`` — the summary and the data-quality report;
- one line per import in ``ledger/import_log.jsonl`` (time, file hash, profile, counts,
  what was replaced).

With ``check`` only the quality report is written. With ``replace`` the accepted rows of
*other* files for the same station and month are removed and the log says which.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow.parquet as pq

from shegong import atomic
from shegong.config import Workspace
from shegong.errors import DatasetError, Location
from shegong.ledger.privacy import scrub
from shegong.ledger.quality import render_quality_html

if TYPE_CHECKING:
    from shegong.ledger.read import RawSheet
    from shegong.ledger.summary import FileSummary

REJECT_COLUMNS = ["file", "sheet", "row", "column", "reason", "message", "value", "all_reasons"]
MASK = "[已隐去]"


def _periods(frame: pd.DataFrame) -> set[tuple[str, int, int]]:
    return set(
        zip(
            frame["station_code"],
            frame["year"].astype(int),
            frame["month"].astype(int),
            strict=True,
        )
    )


def _previous_import(ws: Workspace, name: str, sha: str) -> str | None:
    """Another file name under which the same content (sha256) is already imported."""
    if not ws.import_log.is_file():
        return None
    for line in ws.import_log.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:  # a torn line from an interrupted write: not an import
            continue
        other = entry.get("file")
        if (
            entry.get("sha256") == sha
            and other != name
            and (ws.accepted_dir / f"{other}.parquet").is_file()
        ):
            return other
    return None


def _replace_overlaps(
    ws: Workspace, name: str, frame: pd.DataFrame, *, replace: bool
) -> list[dict]:
    """Other accepted files holding rows for the same station and month as ``frame``.

    With ``replace`` those rows are removed (the file is deleted when nothing remains).
    Returns one entry per (file, station, month): ``file``, ``station_code``, ``period``, ``rows``.
    """
    mine = _periods(frame)
    found: list[dict] = []
    if not mine:
        return found
    for other in sorted(ws.accepted_dir.glob("*.parquet")):
        if other.name == f"{name}.parquet":
            continue
        keys = pq.read_table(other, columns=["station_code", "year", "month"]).to_pandas()
        hit = [
            (s, y, m) in mine
            for s, y, m in zip(keys["station_code"], keys["year"], keys["month"], strict=True)
        ]
        if not any(hit):
            continue
        counts = keys[hit].groupby(["station_code", "year", "month"]).size()
        found += [
            {
                "file": other.name.removesuffix(".parquet"),
                "station_code": s,
                "period": f"{y}-{m:02d}",
                "rows": int(n),
            }
            for (s, y, m), n in counts.items()
        ]
        if replace:
            old = pd.read_parquet(other)
            kept = old[[not h for h in hit]].reset_index(drop=True)
            if kept.empty:
                other.unlink()
            else:
                atomic.write_with(other, lambda p, kept=kept: kept.to_parquet(p, index=False))
    return found


def _refuse_other_stations(ws: Workspace, name: str, frame: pd.DataFrame, *, replace: bool) -> None:
    """Refuse to overwrite an earlier import of the same file name that holds stations this file
    lacks — every station sends "服务台账.xlsx" — unless ``replace`` says it is a correction.

    Raises:
        DatasetError: the earlier file's stations are not all in this one, without ``replace``.
    """
    earlier = ws.accepted_dir / f"{name}.parquet"
    if replace or not earlier.is_file():
        return
    before = set(pq.read_table(earlier, columns=["station_code"]).column(0).to_pylist())
    missing = sorted(before - set(frame["station_code"]))
    if missing:
        raise DatasetError(
            f"同名文件已导入 a file named {name} was imported before with rows of station(s) "
            f"{', '.join(missing[:3])}{' …' if len(missing) > 3 else ''} that this "
            "file lacks: rename this file "
            "if it is another station's ledger, or pass --replace if it corrects the earlier one",
            Location(name),
        )


def _annotated_rejects(path: Path, rejects: list[dict]) -> None:
    """The rejected rows as written, with source row and reason in front (openpyxl)."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "拒收行"
    width = max((len(r.get("_paths", ())) for r in rejects), default=0)
    paths = next((r["_paths"] for r in rejects if r.get("_paths")), ())
    ws.append(
        ["工作表 sheet", "源行号 row", "原因 reason", "说明 message", "问题列 column", *paths]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    mark = PatternFill("solid", fgColor="FFC7CE")
    for r in rejects:
        cells = list(r.get("_cells", ()))[:width]
        masked = r.get("_masked", set())
        shown = []
        for j, v in enumerate(cells):
            if j in masked and v not in (None, ""):
                v = MASK
            elif isinstance(v, str):
                v = scrub(v)
            elif isinstance(v, (dt.timedelta, bool)):
                v = str(v)
            shown.append(v)
        ws.append([r["sheet"], r["row"], r["reason"], r["message"], r["column"], *shown])
        for cell in ws[ws.max_row]:  # a cell written "=…" stays text, never a formula
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type, cell.quotePrefix = "s", True
        bad = r.get("_bad")
        if bad is not None and bad < width:
            ws.cell(row=ws.max_row, column=6 + bad).fill = mark
    ws.freeze_panes = "F2"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_with(path, lambda p: wb.save(p))


def write_outputs(
    ws: Workspace,
    source: Path,
    frame: pd.DataFrame,
    rejects: list[dict],
    summary: "FileSummary",
    sheets: list["RawSheet"],
    *,
    check: bool,
    replace: bool,
) -> None:
    """Write everything an import of ``source`` produces (see the module docstring)."""
    name = source.name
    if not check:
        _refuse_other_stations(ws, name, frame, replace=replace)
    quality = ws.quality_dir / f"{name}.json"
    quality_html = ws.quality_dir / f"{name}.html"
    summary.outputs = {
        "quality": str(quality.relative_to(ws.root)),
        "quality_html": str(quality_html.relative_to(ws.root)),
    }
    if not check:
        reject_csv = ws.rejects_dir / f"{name}.csv"
        table = pd.DataFrame(
            [{k: r.get(k) for k in REJECT_COLUMNS} for r in rejects], columns=REJECT_COLUMNS
        )
        atomic.write_with(reject_csv, lambda p: table.to_csv(p, index=False, encoding="utf-8-sig"))
        summary.outputs["rejects"] = str(reject_csv.relative_to(ws.root))
        reject_xlsx = ws.rejects_dir / f"{name}.xlsx"
        if rejects:
            _annotated_rejects(reject_xlsx, rejects)
            summary.outputs["rejects_xlsx"] = str(reject_xlsx.relative_to(ws.root))
        elif reject_xlsx.exists():
            reject_xlsx.unlink()
        summary.duplicate_of = _previous_import(ws, name, summary.sha256)
        if summary.duplicate_of is None:
            found = _replace_overlaps(ws, name, frame, replace=replace)
            if replace:
                summary.replaced = found
            else:
                summary.overlaps = found
            accepted = ws.accepted_dir / f"{name}.parquet"
            accepted.parent.mkdir(parents=True, exist_ok=True)
            atomic.write_with(accepted, lambda p: frame.to_parquet(p, index=False))
            summary.outputs["accepted"] = str(accepted.relative_to(ws.root))
    atomic.write_text(quality, json.dumps(asdict(summary), ensure_ascii=False, indent=2))
    atomic.write_text(quality_html, render_quality_html(summary, rejects))
    if not check:
        entry = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "file": name,
            "sha256": summary.sha256,
            "profile": summary.profile,
            "rows_read": summary.rows_read,
            "accepted": summary.accepted,
            "rejected": summary.rejected,
            "skipped_blank": summary.skipped_blank,
            "total_rows": summary.total_rows,
            "replaced": summary.replaced,
            "overlaps": summary.overlaps,
            "duplicate_of": summary.duplicate_of,
        }
        ws.import_log.parent.mkdir(parents=True, exist_ok=True)
        with ws.import_log.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def keep_org_units(ws: Workspace, given: Path) -> dict:
    """Keep the org-unit file an import was given in the workspace (``inputs/org_units.csv``),
    where every later command (compute, report, serve) reads it — the one rule for the org-unit
    file (docs/contracts.md). An earlier, different file is kept as
    ``inputs/org_units.previous.csv``.

    Returns ``kept`` (path relative to the workspace), ``previous`` (or None) and ``changed``.
    """
    target = ws.org_units_file
    data = Path(given).read_bytes()
    out = {"kept": str(target.relative_to(ws.root)), "previous": None, "changed": False}
    if target.exists() and (
        target.resolve() == Path(given).resolve() or target.read_bytes() == data
    ):
        return out
    if target.exists():
        previous = target.with_name("org_units.previous.csv")
        old = target.read_bytes()
        atomic.write_with(previous, lambda p: p.write_bytes(old))
        out["previous"] = str(previous.relative_to(ws.root))
    atomic.write_with(target, lambda p: p.write_bytes(data))
    out["changed"] = True
    return out
