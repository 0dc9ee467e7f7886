"""The canonical ledger table and its pandera schema (the contract between import and indicators).

One row per accepted service event. Columns and dtypes:

================  ============  ====================================================================
column            dtype         meaning
================  ============  ====================================================================
event_id          string        ``<file sha256[:12]>-<sheet>-<row>``, stable across re-imports
date              datetime64    service date (day resolution)
year, month       int32         from ``date``
org_unit          string        the room (社工室) where the village resolved, else the station
station_code      string        12-digit code of the station (level 4)
room_code         string|null   12-digit code of the village room, when resolved
event_type        string        code of 服务类型 (:data:`~shegong.ledger.vocabulary.EVENT_TYPES`)
service_area      string|null   code of 服务领域
client_category   string|null   code of 对象类别
client_pid        string|null   pseudonym of the person served (never the name or ID)
household_pid     string|null   pseudonym of the household (户)
id_checksum_ok    boolean|null  whether the ID number given had a valid check digit (null: none)
person_times      int64         服务人次 (人次)
staff_ids         string|null   参与社工 as given (staff ids, not personal data)
volunteers        int64         志愿者人数 (人次 for this event; 0 when blank)
volunteer_hours   float64       志愿服务时长 (h; 0 when blank)
resources_fen     int64         链接资源 in fen (1 元 = 100 fen), exact; 0 when blank
resource_kind     string|null   cash / in_kind
has_note          bool          备注 was filled (its text is not stored: it may hold personal data)
source_file       string        file name as imported
source_sheet      string        sheet name
source_row        int64         1-based Excel row
persons           Int64|null    people reached (人), e.g. 男性 + 女性 + 男童 + 女童 added up by a
                                profile
pt_qualifier      string|null   qualifier of 服务人次 as written: ``≥`` (余/多), ``≈`` (约);
                                null when exact
profile           string        name of the mapping profile the row was imported with
project_code      string|null   项目编号 of the funded project the event belongs to, when the
                                file says so
programme         string|null   所属计划 (named service programme, e.g. 暖阳), when the file says
                                so
================  ============  ====================================================================

Then ``service_area_label``, ``client_category_label`` and ``resource_kind_label`` (string|null):
the 服务领域, 对象类别 or 资源类型 as written where it maps to nothing (its code is ``unmapped``),
null otherwise.

Columns after ``source_row`` were added in issue 4, ``project_code`` and ``programme`` in
issue 8, the three ``*_label`` columns in issue 16 (ledgers imported before lack them); readers
select columns by name. Codes come from the vocabularies of ``datasets/vocabularies/``
(:mod:`.vocabulary`); a breakdown label that maps to nothing is ``unmapped`` (未归类) — the event
counts in every total — with the label kept beside it (phone and ID numbers masked).
"""

from __future__ import annotations

import pandera.pandas as pa

from shegong.ledger.vocabulary import UNMAPPED, VOCABULARIES

COLUMNS = (
    "event_id",
    "date",
    "year",
    "month",
    "org_unit",
    "station_code",
    "room_code",
    "event_type",
    "service_area",
    "client_category",
    "client_pid",
    "household_pid",
    "id_checksum_ok",
    "person_times",
    "staff_ids",
    "volunteers",
    "volunteer_hours",
    "resources_fen",
    "resource_kind",
    "has_note",
    "source_file",
    "source_sheet",
    "source_row",
    "persons",
    "pt_qualifier",
    "profile",
    "project_code",
    "programme",
    "service_area_label",
    "client_category_label",
    "resource_kind_label",
)

_CODE = r"^\d{12}$"


def _codes(column: str) -> list[str]:
    """The codes a column may hold: its vocabulary's, and ``unmapped`` for a breakdown."""
    codes = list(VOCABULARIES[column].codes)
    return sorted(codes if column == "event_type" else [*codes, UNMAPPED])


LEDGER_SCHEMA = pa.DataFrameSchema(
    {
        "event_id": pa.Column(str, unique=True),
        "date": pa.Column("datetime64[ms]"),
        "year": pa.Column("int32", pa.Check.in_range(2000, 2100)),
        "month": pa.Column("int32", pa.Check.in_range(1, 12)),
        "org_unit": pa.Column(str, pa.Check.str_matches(_CODE)),
        "station_code": pa.Column(str, pa.Check.str_matches(_CODE)),
        "room_code": pa.Column(str, pa.Check.str_matches(_CODE), nullable=True),
        "event_type": pa.Column(str, pa.Check.isin(_codes("event_type"))),
        "service_area": pa.Column(str, pa.Check.isin(_codes("service_area")), nullable=True),
        "client_category": pa.Column(str, pa.Check.isin(_codes("client_category")), nullable=True),
        "client_pid": pa.Column(str, pa.Check.str_matches(r"^P-[0-9a-f]{16}$"), nullable=True),
        "household_pid": pa.Column(str, pa.Check.str_matches(r"^H-[0-9a-f]{16}$"), nullable=True),
        "id_checksum_ok": pa.Column("boolean", nullable=True),
        "person_times": pa.Column("int64", pa.Check.in_range(0, 100_000)),
        "staff_ids": pa.Column(str, nullable=True),
        "volunteers": pa.Column("int64", pa.Check.in_range(0, 10_000)),
        "volunteer_hours": pa.Column("float64", pa.Check.in_range(0, 100_000)),
        "resources_fen": pa.Column("int64", pa.Check.ge(0)),
        "resource_kind": pa.Column(str, pa.Check.isin(_codes("resource_kind")), nullable=True),
        "has_note": pa.Column(bool),
        "source_file": pa.Column(str),
        "source_sheet": pa.Column(str),
        "source_row": pa.Column("int64", pa.Check.ge(1)),
        "persons": pa.Column("Int64", pa.Check.in_range(0, 100_000), nullable=True),
        "pt_qualifier": pa.Column(str, pa.Check.isin(["≥", "≈"]), nullable=True),
        "profile": pa.Column(str),
        "project_code": pa.Column(str, nullable=True),
        "programme": pa.Column(str, nullable=True),
        "service_area_label": pa.Column(str, nullable=True),
        "client_category_label": pa.Column(str, nullable=True),
        "resource_kind_label": pa.Column(str, nullable=True),
    },
    checks=[
        pa.Check(
            lambda df: (df["event_type"] != "home_visit") | df["household_pid"].notna(),
            error="home_visit_without_household",
        ),
    ],
    strict=True,
    ordered=True,
)
