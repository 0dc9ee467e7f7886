"""The accounting of an import: one :class:`FileSummary` per file, one :class:`ImportSummary` per
run.

``rows_read = accepted + rejected + skipped_blank + total_rows`` holds for every file and for the
sum (DESIGN.md §2); :meth:`ImportSummary.as_json` is the ``--json`` contract of DESIGN.md §3.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class FileSummary:
    """Row accounting and totals for one imported file (the ``files`` entries of ``--json``).

    ``rows_read = accepted + rejected + skipped_blank + total_rows`` always holds.
    ``totals`` are over accepted rows: ``person_times`` (人次), ``volunteer_hours`` (h),
    ``resources_yuan`` (元).
    """

    file: str
    sha256: str
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    skipped_blank: int = 0
    total_rows: int = 0
    totals: dict[str, float] = field(
        default_factory=lambda: {"person_times": 0, "volunteer_hours": 0.0, "resources_yuan": 0.0}
    )
    reconciliation: list[dict] = field(default_factory=list)
    rejected_by_reason: dict[str, int] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)
    skipped_sheets: list[dict] = field(default_factory=list)
    encoding: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    profile: str = "standard"
    fixes: dict[str, int] = field(default_factory=dict)
    fix_examples: dict[str, list[str]] = field(default_factory=dict)
    skipped_by_profile: int = 0
    replaced: list[dict] = field(default_factory=list)
    overlaps: list[dict] = field(default_factory=list)
    duplicate_of: str | None = None
    #: accepted rows that repeat an earlier accepted row of the file in every field (a second
    #: copy of a month in a summary sheet, a pasted row): ``sheet``, ``row``, ``same_as``
    #: ("sheet!row"). They are kept — two identical events can happen — and shown as a warning.
    repeated_rows: list[dict] = field(default_factory=list)
    #: issue 16 — rows kept with something to look at: warning code → rows
    #: (:data:`shegong.ledger.rows.WARNINGS`), and up to three examples each ("sheet!row: …")
    warnings: dict[str, int] = field(default_factory=dict)
    warning_examples: dict[str, list[str]] = field(default_factory=dict)
    #: breakdown labels kept as 未归类: ``column``, ``label``, ``rows``, ``where``, ``suggestion``
    #: (a code or None), ``suggestion_label``, ``candidates``
    unmapped_labels: list[dict] = field(default_factory=list)
    #: accepted rows whose stated total disagrees with the sum of its beneficiary parts:
    #: ``sheet``, ``row``, ``column``, ``stated``, ``parts_sum`` (person-times counted = parts_sum)
    beneficiary_mismatches: list[dict] = field(default_factory=list)
    #: header rows found again inside the data (skipped, counted in ``skipped_blank``):
    #: ``sheet``, ``row``
    header_rows: list[dict] = field(default_factory=list)


@dataclass
class ImportSummary:
    """The result of :func:`import_ledgers`: per-file summaries and their sums."""

    files: list[FileSummary]
    #: the org-unit file the import was given, kept in the workspace (``kept``, ``previous``,
    #: ``changed``; :func:`shegong.ledger.outputs.keep_org_units`), or None
    org_units: dict | None = None

    def _sum(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    def to_dict(self) -> dict:
        """The JSON object of ``ledger import --json`` (DESIGN.md §3)."""
        reasons: dict[str, int] = {}
        for f in self.files:
            for k, v in f.rejected_by_reason.items():
                reasons[k] = reasons.get(k, 0) + v
        totals = {
            "person_times": sum(f.totals["person_times"] for f in self.files),
            "volunteer_hours": round(sum(f.totals["volunteer_hours"] for f in self.files), 2),
            "resources_yuan": round(sum(f.totals["resources_yuan"] for f in self.files), 2),
        }
        warnings: dict[str, int] = {}
        for f in self.files:
            for k, v in f.warnings.items():
                warnings[k] = warnings.get(k, 0) + v
        return {
            "rows_read": self._sum("rows_read"),
            "accepted": self._sum("accepted"),
            "rejected": self._sum("rejected"),
            "skipped_blank": self._sum("skipped_blank"),
            "total_rows": self._sum("total_rows"),
            "totals": totals,
            "reconciliation": [r for f in self.files for r in f.reconciliation],
            "rejected_by_reason": dict(sorted(reasons.items())),
            "warnings": dict(sorted(warnings.items())),
            "org_units": self.org_units,
            "files": [asdict(f) for f in self.files],
        }
