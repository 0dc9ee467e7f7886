"""The org-unit hierarchy (组织单元): statistical division codes, names, aliases, rollups.

The org-unit file is a CSV with columns ``code`` (12-digit string), ``name``, ``parent_code``
(empty for a root), ``level`` (1 province … 5 village), ``unit_type`` (``admin``, ``hub``,
``station``, ``room``, or ``centre`` — a service organisation outside the township network such
as a care home or a charity's project site, which keeps a ledger like a station but is not judged
against station targets, DOMAIN.md §4) and ``aliases`` (joined by ``|``). Parent and level always
come from these columns, never from the digits of the code (DOMAIN.md §4): service centres outside
the statistical system get codes of their own.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from shegong.errors import Location, OrgUnitError

COLUMNS = ("code", "name", "parent_code", "level", "unit_type", "aliases")
#: optional columns kept as read: a station's opening date and its pilot batch (DOMAIN.md §4)
OPTIONAL_COLUMNS = ("opening_date", "pilot_batch")
UNIT_TYPES = ("admin", "hub", "station", "room", "centre")
#: unit types that keep a ledger of their own: a ledger's 所属站点 resolves to one of these
LEDGER_UNIT_TYPES = ("station", "centre")
LEVEL_NAMES_ZH = {
    1: "省级",
    2: "盟市级",
    3: "旗县级",
    4: "乡镇（街道）社工站",
    5: "村（社区）社工室",
}
LEVEL_NAMES_EN = {
    1: "province",
    2: "league / prefecture",
    3: "banner / county",
    4: "township station",
    5: "village room",
}
_CODE = re.compile(r"^\d{12}$")


def normalise_name(text: object) -> str:
    """Fold a place name for matching: NFKC (full-width → half-width), no white space."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text)))


@dataclass
class OrgUnits:
    """A validated org-unit hierarchy.

    ``frame`` columns: ``code`` (str, 12 digits), ``name`` (str), ``parent_code`` (str or
    None), ``level`` (int), ``unit_type`` (str), ``aliases`` (list[str]); indexed by nothing.
    """

    frame: pd.DataFrame
    source: str = "<memory>"
    #: the file's columns as read (strings, ``""`` for blanks), the optional ``opening_date`` and
    #: ``pilot_batch`` included (``""`` when the file has none); what the indicator SQL joins
    raw: pd.DataFrame | None = field(default=None, repr=False)
    _by_name: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for code, name, aliases in zip(
            self.frame["code"].tolist(),
            self.frame["name"].tolist(),
            self.frame["aliases"].tolist(),
            strict=True,
        ):
            for label in [name, *aliases]:
                key = normalise_name(label)
                if key:
                    self._by_name.setdefault(key, []).append(code)

    # -- loading -----------------------------------------------------------------------
    @classmethod
    def read_csv(cls, path: str | Path) -> "OrgUnits":
        """Read and validate an org-unit CSV (UTF-8 or UTF-8 with BOM).

        Raises:
            OrgUnitError: naming every problem at once — missing columns, codes that are not
                12 digits, duplicate codes, unknown parents, levels outside 1–5 or not below the
                parent's, unknown unit types.
        """
        path = Path(path)
        if not path.exists():
            raise OrgUnitError(
                f"找不到单元文件 no org-unit file at {path}: check --workspace, or "
                "import a ledger with "
                "`shegong ledger import FILE --org-units ORG_UNITS.csv`, which keeps "
                "the org-unit file "
                "in the workspace (inputs/org_units.csv) for every later command",
                Location(path.name),
            )
        data = path.read_bytes()  # one read: the magic bytes and the text
        if data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
            raise OrgUnitError(
                "单元文件应为 CSV the org-unit file is an Excel workbook: save it as CSV (UTF-8) "
                f"with the header {','.join(COLUMNS)}",
                Location(path.name),
            )
        for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
            try:
                raw = pd.read_csv(
                    io.BytesIO(data), dtype=str, keep_default_na=False, encoding=encoding
                )
                break
            except UnicodeDecodeError:
                continue
            except (OSError, pd.errors.ParserError) as e:
                raise OrgUnitError(
                    f"无法读取单元文件 cannot read the org-unit file: {e}", Location(path.name)
                ) from e
        else:
            raise OrgUnitError(
                "单元文件编码无法识别 the org-unit file is neither UTF-8 nor GB18030: "
                "save it as CSV (UTF-8)",
                Location(path.name),
            )
        return cls.from_frame(raw, source=path.name)

    @classmethod
    def from_frame(cls, raw: pd.DataFrame, *, source: str = "<memory>") -> "OrgUnits":
        """Validate a frame of the org-unit columns (all strings); see :meth:`read_csv`."""
        missing = [c for c in COLUMNS if c not in raw.columns and c != "aliases"]
        if missing:
            raise OrgUnitError(
                f"missing column(s) {', '.join(missing)}; the header must be {','.join(COLUMNS)}",
                Location(source),
            )
        df = raw.copy()
        if "aliases" not in df.columns:
            df["aliases"] = ""
        problems: list[str] = []
        df["code"] = df["code"].astype(str).str.strip()
        df["parent_code"] = pd.Series(
            [
                None if str(v).strip() in ("", "nan", "None") else str(v).strip()
                for v in df["parent_code"]
            ],
            index=df.index,
            dtype=object,
        )
        levels = pd.to_numeric(df["level"], errors="coerce")
        bad_code = ~df["code"].str.fullmatch(_CODE.pattern)
        duplicate = df["code"].duplicated()
        bad_level = ~levels.between(1, 5)
        bad_type = ~df["unit_type"].isin(UNIT_TYPES)
        no_name = df["name"].astype(str).str.strip() == ""
        for i in df.index[
            bad_code | duplicate | bad_level | bad_type | no_name
        ]:  # vectorised checks, row-wise messages
            row, excel_row = df.loc[i], int(i) + 2  # header is row 1
            if bad_code[i]:
                problems.append(
                    f"row {excel_row}, column code: {row['code']!r} is not a 12-digit code"
                )
            if duplicate[i]:
                problems.append(f"row {excel_row}, column code: duplicate code {row['code']}")
            if bad_level[i]:
                problems.append(
                    f"row {excel_row}, column level: {row['level']!r} is not a level 1–5"
                )
            if bad_type[i]:
                problems.append(
                    f"row {excel_row}, column unit_type: {row['unit_type']!r} is not "
                    f"one of {', '.join(UNIT_TYPES)}"
                )
            if no_name[i]:
                problems.append(f"row {excel_row}, column name: empty name")
        level_of = pd.Series(levels.to_numpy(), index=df["code"].to_numpy())
        level_of = level_of[~level_of.index.duplicated()]
        has_parent = df["parent_code"].notna()
        parent_level = df["parent_code"].map(level_of)
        unknown = has_parent & ~df["parent_code"].isin(level_of.index)
        not_below = has_parent & ~unknown & parent_level.notna() & ~(parent_level < levels)
        for i in df.index[unknown | not_below]:
            if unknown[i]:
                problems.append(
                    f"row {int(i) + 2}, column parent_code: unknown parent "
                    f"{df.at[i, 'parent_code']}"
                )
            else:
                problems.append(f"row {int(i) + 2}, column level: level must be below its parent's")
        if problems:
            more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
            raise OrgUnitError("; ".join(problems[:20]) + more, Location(source))
        df["level"] = levels.astype(int)
        df["name"] = df["name"].str.strip()
        df["aliases"] = [
            [a.strip() for a in str(v).split("|") if a.strip()] for v in df["aliases"].fillna("")
        ]
        as_read = raw.reset_index(drop=True).copy()
        for col in ("aliases", *OPTIONAL_COLUMNS):
            if col not in as_read.columns:
                as_read[col] = ""
        return cls(df[list(COLUMNS)].reset_index(drop=True), source=source, raw=as_read)

    # -- look-ups ----------------------------------------------------------------------
    def __contains__(self, code: object) -> bool:
        return code in set(self.frame["code"])

    def row(self, code: str) -> dict:
        """The unit's row as a dict. Raises KeyError for an unknown code."""
        hit = self.frame[self.frame["code"] == code]
        if hit.empty:
            raise KeyError(code)
        return hit.iloc[0].to_dict()

    def name(self, code: str) -> str:
        """The name of the unit ``code``; raises like :meth:`row` for an unknown code."""
        return str(self.row(code)["name"])

    def resolve(
        self,
        label: object,
        *,
        unit_type: str | tuple[str, ...] | None = None,
        parent: str | None = None,
    ) -> str | None:
        """The code whose name or alias is ``label`` (folded), or None when none or several match.

        ``unit_type`` (one type or a tuple of types) and ``parent`` narrow the candidates (e.g. a
        room under a given station).
        """
        hits = self._by_name.get(normalise_name(label), [])
        types = (unit_type,) if isinstance(unit_type, str) else unit_type
        if unit_type or parent:
            info = self.frame.set_index("code")
            hits = [
                c
                for c in hits
                if (types is None or info.at[c, "unit_type"] in types)
                and (parent is None or info.at[c, "parent_code"] == parent)
            ]
        unique = sorted(set(hits))
        return unique[0] if len(unique) == 1 else None

    def ancestry(self) -> pd.DataFrame:
        """Closure table: one row per (unit, ancestor-or-self).

        Columns: ``code`` (str), ``ancestor`` (str), ``ancestor_level`` (int). Used to roll
        ledger rows up the hierarchy in one pass.
        """
        codes = self.frame["code"].tolist()
        parent = dict(zip(codes, self.frame["parent_code"].tolist(), strict=True))
        level = dict(zip(codes, self.frame["level"].tolist(), strict=True))
        rows = []
        for code in codes:
            node: str | None = code
            seen = set()
            while node is not None and node not in seen:
                seen.add(node)
                rows.append((code, node, level[node]))
                node = parent.get(node)
        return pd.DataFrame(rows, columns=["code", "ancestor", "ancestor_level"])

    def children(self, code: str) -> pd.DataFrame:
        """The direct children of ``code`` (rows of :attr:`frame`)."""
        return self.frame[self.frame["parent_code"] == code]

    def level_label(self, level: int, lang: str = "zh") -> str:
        """The name of hierarchy level ``level`` in ``lang`` (``zh`` or ``en``); the number as text
        for an unknown level."""
        return (LEVEL_NAMES_ZH if lang == "zh" else LEVEL_NAMES_EN).get(level, str(level))
