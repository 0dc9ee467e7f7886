"""The project's exceptions: one base class, subclasses that carry where things went wrong.

Every error the workbench raises on purpose is a :class:`ShegongError`. The command line maps
them to exit codes (:attr:`ShegongError.exit_code`) and prints :meth:`ShegongError.message`
on one line. Messages never contain personal data (DESIGN.md §7).
"""

from __future__ import annotations

from dataclasses import dataclass


class ShegongError(Exception):
    """Base of every error the workbench raises on purpose.

    ``exit_code`` is what the command line exits with: 1 for a failure of the work,
    2 for bad arguments or unreadable input (DESIGN.md §3).
    """

    exit_code = 1

    def message(self) -> str:
        """One line for the user: what went wrong, where, and how to fix it."""
        return str(self)


class ConfigError(ShegongError):
    """The workspace, a path or a setting is missing or wrong (exit code 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Location:
    """Where in an input a problem sits. Rows are 1-based as shown by Excel."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)


class DatasetError(ShegongError, ValueError):
    """An input table cannot be read or understood as a whole (exit code 2).

    Raised for unreadable files, unknown encodings, a missing header row or missing
    required columns. Single bad rows are *not* errors: they become rejected rows.
    ``location`` names the file, sheet, row and column where known.
    """

    exit_code = 2

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.location = location

    def message(self) -> str:
        """The message, prefixed with ``location`` (file, sheet, row …) when there is one."""
        text = str(self.args[0])
        return f"{self.location}: {text}" if self.location else text


class OrgUnitError(DatasetError):
    """The org-unit file is malformed: duplicate codes, unknown parents, bad levels."""


class RegistryError(ShegongError, ValueError):
    """The indicator registry (YAML) is invalid; the message names the file, key and fix."""

    exit_code = 2


class IndicatorError(ShegongError):
    """Indicators cannot be computed, e.g. no ledger was imported into the workspace yet."""


class ReportError(ShegongError):
    """A report batch could not run at all (single failing units are recorded, not raised).

    ``cell_index``, ``ename`` and ``evalue`` describe the failing cell where there is one.
    """

    def __init__(
        self,
        message: str,
        *,
        cell_index: int | None = None,
        ename: str | None = None,
        evalue: str | None = None,
    ) -> None:
        super().__init__(message)
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue


class ServeError(ShegongError):
    """Voila could not be started (port in use, workspace not built)."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a curriculum file: where (file, key), what, and how to fix it."""

    file: str
    key: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.message} — fix: {self.fix}"


class CurriculumError(ShegongError, ValueError):
    """A curriculum (module.yaml, pages, exercise YAML) is invalid (exit code 2).

    ``problems`` lists every problem found at once (:class:`Problem`: file, key, message, fix).
    """

    exit_code = 2

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])

    def message(self) -> str:
        """The message followed by one ``  - problem`` line per problem found."""
        head = str(self.args[0])
        if not self.problems:
            return head
        return head + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class GiftError(CurriculumError):
    """A GIFT question bank cannot be read at all (unsupported questions are reported, not
    raised)."""


class GradingError(ShegongError, ValueError):
    """An answer cannot be scored: wrong shape for the exercise type, or a summative item
    that must be graded on the trainer's side (exit code 2)."""

    exit_code = 2


class ProgressError(ShegongError):
    """The progress store cannot be opened, migrated or written (exit code 1), or a sign-in
    failed (wrong password, unknown trainee)."""


class KeyAccessError(ShegongError, PermissionError):
    """An answer-key file cannot be read: this process is not the trainer's (DESIGN.md §7), or the
    file is missing or malformed. ``path`` names the file. Exit code 2."""

    exit_code = 2

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class AssessmentError(ShegongError, ValueError):
    """A submission is refused (window closed, attempts used up, unknown assessment or exercise),
    or an assessment file is invalid (exit code 2)."""

    exit_code = 2


class AccessError(ShegongError, PermissionError):
    """The signed-in user lacks the role an action needs (trainer or administrator); exit code 2."""

    exit_code = 2


class MarkingError(ShegongError):
    """Trainer-side marking cannot proceed: a score outside the rubric, release before every
    answer is scored, a sign-off of an entry that is not waiting (exit code 1)."""


class ProfileError(DatasetError):
    """A ledger mapping profile (YAML) is invalid or unknown; the message names file, key and fix
    (exit code 2)."""


class VocabularyError(DatasetError):
    """A ledger vocabulary (``datasets/vocabularies/*.yaml``) or an evaluation scheme
    (``datasets/schemes/*.yaml``) is invalid; the message names file, key and fix (exit code 2)."""


class WorkspaceBusyError(ShegongError):
    """Another command holds the workspace's lock (one writer at a time); the message names that
    command, its process id and since when (exit code 1)."""


class UnknownAppError(ShegongError, KeyError):
    """``?app=NAME`` names no served app (exit code 2); the message lists the apps."""

    exit_code = 2

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
