"""The gradebook workbook: every trainee, attempt and completion of the progress store (.xlsx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shegong.atomic import write_with
from shegong.errors import ConfigError
from shegong.training.curriculum import load_curricula
from shegong.training.progress import ROLES, AttemptRow, CompletionRow, ProgressStore


def export_gradebook(
    store: ProgressStore,
    out: Path,
    *,
    curricula: dict | None = None,
    extra_sheets: dict[str, Any] | None = None,
) -> Path:
    """Write the gradebook workbook to ``out`` (atomically) and return it.

    Sheets: ``成绩册 Gradebook`` (one row per trainee: pseudonym, role, station, stage reached, and per
    module the sum of best scores / the module's practice points, from ``curricula`` or the shipped
    curricula), ``作答 Attempts`` (open answers' text left out), ``学员 Trainees``, ``完成 Completions``.
    ``extra_sheets`` (sheet name → DataFrame) are appended, e.g. by :func:`shegong.trainer.cohort.export`.
    Times are UTC without zone. Raises :class:`~shegong.errors.CurriculumError` for invalid curricula.
    """
    import pandas as pd

    if curricula is None:
        try:
            curricula = load_curricula()
        except (
            ConfigError
        ):  # no curricula folder (installed without the checkout): totals from attempts
            curricula = {}
    data = store.tables()
    attempts = pd.DataFrame(
        data["attempts"], columns=[c.name for c in AttemptRow.__table__.columns]
    )
    trainees = pd.DataFrame(
        data["trainees"],
        columns=["id", "pseudonym", "source", "role", "station", "stage_reached", "created_at"],
    )
    completions = pd.DataFrame(
        data["completions"], columns=[c.name for c in CompletionRow.__table__.columns]
    )
    attempts["answer"] = [
        None if t == "open" else (str(a) if a is not None else None)
        for t, a in zip(attempts["exercise_type"], attempts["answer"])
    ]
    rows = []
    for t in trainees.to_dict("records"):
        row = {
            "学员 pseudonym": t["pseudonym"],
            "角色 role": ROLES[t["role"]]["zh"],
            "社工站 station": t["station"],
            "阶段 stage": t["stage_reached"],
        }
        mine = attempts[(attempts["trainee_id"] == t["id"]) & attempts["score"].notna()]
        best = mine.groupby(["module_id", "exercise_id"])["score"].max().groupby("module_id").sum()
        for module_id in sorted(set(best.index) | set(curricula)):
            total = (
                sum(e.points for e in curricula[module_id].exercises if e.mode == "practice")
                if module_id in curricula
                else mine[mine.module_id == module_id]
                .groupby("exercise_id")["max_score"]
                .max()
                .sum()
            )
            row[f"{module_id} 得分"] = float(best.get(module_id, 0.0))
            row[f"{module_id} 满分"] = float(total)
        rows.append(row)
    for frame in (attempts, trainees, completions):
        for col in frame.columns:
            if col.endswith("_at"):
                frame[col] = pd.to_datetime(frame[col], utc=True).dt.tz_localize(None)

    def write(tmp: Path) -> None:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            pd.DataFrame(rows).to_excel(xw, sheet_name="成绩册 Gradebook", index=False)
            attempts.to_excel(xw, sheet_name="作答 Attempts", index=False)
            trainees.to_excel(xw, sheet_name="学员 Trainees", index=False)
            completions.to_excel(xw, sheet_name="完成 Completions", index=False)
            for name, frame in (extra_sheets or {}).items():
                frame.to_excel(xw, sheet_name=name, index=False)

    write_with(Path(out), write)
    return Path(out)
