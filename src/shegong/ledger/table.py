"""The accepted table of one import: records → a typed frame (:mod:`.schema`), validated lazily
with pandera (failing rows become rejects), and the rows that repeat an earlier one."""

from __future__ import annotations

import pandas as pd
import pandera.errors

from shegong.errors import DatasetError, Location
from shegong.ledger.rows import REASONS
from shegong.ledger.schema import COLUMNS, LEDGER_SCHEMA

#: the fields that make two accepted rows the same event
_EVENT_FIELDS = [
    "date",
    "org_unit",
    "event_type",
    "service_area",
    "client_category",
    "client_pid",
    "household_pid",
    "person_times",
    "persons",
    "volunteers",
    "volunteer_hours",
    "resources_fen",
    "resource_kind",
    "staff_ids",
    "project_code",
    "programme",
    "service_area_label",
    "client_category_label",
    "resource_kind_label",
]


def repeated_rows(frame: pd.DataFrame) -> list[dict]:
    """Rows of ``frame`` (accepted ledger rows) equal in every event field to an earlier row:
    ``sheet``, ``row`` and ``same_as`` (``sheet!row`` of the first)."""
    if frame.empty or not frame.duplicated(_EVENT_FIELDS).any():
        return []
    first = frame.groupby(_EVENT_FIELDS, sort=False, dropna=False).ngroup()
    seen: dict[int, str] = {}
    out = []
    for group, sheet, row in zip(first, frame["source_sheet"], frame["source_row"], strict=True):
        if group in seen:
            out.append({"sheet": sheet, "row": int(row), "same_as": seen[group]})
        else:
            seen[group] = f"{sheet}!{row}"
    return out


def frame_of(records: list[dict], file: str, sha: str, profile: str) -> pd.DataFrame:
    """The accepted rows of one file as a frame of the ledger columns, tagged with the file's
    name, content hash and profile."""
    df = pd.DataFrame.from_records(records)
    if df.empty:
        df = pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    df["source_file"] = file
    df["profile"] = profile
    df["event_id"] = [
        f"{sha[:12]}-{s}-{r}" for s, r in zip(df["source_sheet"], df["source_row"], strict=True)
    ]
    df["date"] = pd.to_datetime(df["date"]).astype("datetime64[ms]")
    df["year"] = df["date"].dt.year.astype("int32")
    df["month"] = df["date"].dt.month.astype("int32")
    for name in ("person_times", "volunteers", "resources_fen", "source_row"):
        df[name] = df[name].astype("int64")
    df["persons"] = pd.array(
        [None if v is None or pd.isna(v) else int(v) for v in df["persons"]], dtype="Int64"
    )
    df["volunteer_hours"] = df["volunteer_hours"].astype("float64")
    df["has_note"] = df["has_note"].astype(bool)
    df["id_checksum_ok"] = df["id_checksum_ok"].astype("boolean")
    for name in (
        "event_id",
        "org_unit",
        "station_code",
        "room_code",
        "event_type",
        "service_area",
        "client_category",
        "client_pid",
        "household_pid",
        "staff_ids",
        "resource_kind",
        "source_file",
        "source_sheet",
        "pt_qualifier",
        "profile",
        "project_code",
        "programme",
        "service_area_label",
        "client_category_label",
        "resource_kind_label",
    ):
        df[name] = (
            df[name].astype("str").where(df[name].notna(), None)
            if len(df)
            else df[name].astype(str)
        )
    return df[list(COLUMNS)].reset_index(drop=True)


def validate(df: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[dict]]:
    """Lazy pandera validation; failing rows move to rejects with reason ``schema_check``."""
    try:
        return LEDGER_SCHEMA.validate(df, lazy=True), []
    except pandera.errors.SchemaErrors as e:
        cases = e.failure_cases
        bad_index = sorted({int(i) for i in cases["index"].dropna()})
        if not bad_index:  # a failure without row index means the table itself is malformed
            raise DatasetError(
                f"ledger table failed its schema: {cases['check'].tolist()[:5]}", Location(file)
            ) from e
        rejects = []
        for i in bad_index:
            row_cases = cases[cases["index"] == i]
            rejects.append(
                {
                    "file": file,
                    "sheet": df.at[i, "source_sheet"],
                    "row": int(df.at[i, "source_row"]),
                    "column": str(row_cases["column"].iloc[0]),
                    "reason": "schema_check",
                    "message": REASONS["schema_check"][0],
                    "value": "",
                    "all_reasons": ";".join(
                        f"{c}:{k}"
                        for c, k in zip(row_cases["column"], row_cases["check"], strict=True)
                    ),
                }
            )
        kept = df.drop(index=bad_index).reset_index(drop=True)
        return LEDGER_SCHEMA.validate(kept), rejects
