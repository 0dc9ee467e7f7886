"""Typed configuration in one place: workspace layout, project paths, pseudonym key, language.

Settings come from keyword arguments first, then environment variables:

==========================  ===========================================================
``SHEGONG_WORKSPACE``        default workspace directory (default ``./workspace``)
``SHEGONG_KEY_FILE``         the pseudonymisation key (default ``~/.config/shegong/pseudonym.key``);
                             kept outside the repository, created on first use (DESIGN.md §7)
``SHEGONG_ROOT``             the project checkout holding ``notebooks/`` and ``datasets/``
``SHEGONG_LANG``             ``zh`` (default) or ``en``
==========================  ===========================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shegong.errors import ConfigError

LANGUAGES = ("zh", "en")


def project_root() -> Path:
    """The checkout that holds ``notebooks/`` and ``datasets/``.

    ``SHEGONG_ROOT`` wins; otherwise the directory above ``src/`` of an editable install.

    Raises:
        ConfigError: when no checkout with ``notebooks/`` and ``datasets/`` can be found.
    """
    env = os.environ.get("SHEGONG_ROOT")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2])
    for root in candidates:
        if (root / "notebooks").is_dir() and (root / "datasets").is_dir():
            return root
    raise ConfigError(
        "cannot find the project's notebooks/ and datasets/ folders; install the checkout with "
        "`pip install -e .` or set SHEGONG_ROOT to it"
    )


def language(lang: str | None = None) -> str:
    """``zh`` or ``en``; raises :class:`ConfigError` for anything else."""
    value = lang or os.environ.get("SHEGONG_LANG", "zh")
    if value not in LANGUAGES:
        raise ConfigError(f"unknown language {value!r}: use one of {', '.join(LANGUAGES)}")
    return value


def key_file() -> Path:
    """Where the pseudonymisation key lives (outside the repository)."""
    env = os.environ.get("SHEGONG_KEY_FILE")
    return Path(env) if env else Path.home() / ".config" / "shegong" / "pseudonym.key"


@dataclass(frozen=True)
class Workspace:
    """The on-disk layout of one evaluation workspace (DESIGN.md §3).

    ``inputs/`` raw inputs as given or generated; ``ledger/`` accepted rows (Parquet),
    ``rejects/``, ``quality/`` and ``import_log.jsonl``; ``indicators/indicators.parquet``;
    ``reports/<year>/`` executed notebooks, HTML and ``manifest.json``.
    """

    root: Path

    @classmethod
    def at(cls, path: str | os.PathLike[str] | None = None, *, create: bool = True) -> "Workspace":
        """The workspace at ``path`` (or ``SHEGONG_WORKSPACE``, or ``./workspace``)."""
        raw = path or os.environ.get("SHEGONG_WORKSPACE") or "workspace"
        ws = cls(Path(raw).expanduser().resolve())
        if ws.root.exists() and not ws.root.is_dir():
            raise ConfigError(
                f"工作区应为文件夹 workspace {ws.root} is a file, not a folder: give "
                "a folder with --workspace"
            )
        if create:
            for sub in (
                ws.inputs,
                ws.ledger_dir,
                ws.rejects_dir,
                ws.quality_dir,
                ws.indicators_dir,
            ):
                sub.mkdir(parents=True, exist_ok=True)
        elif not ws.root.is_dir():
            raise ConfigError(
                f"工作区不存在 workspace {ws.root} does not exist: run `shegong demo` "
                "or an import first"
            )
        return ws

    @property
    def inputs(self) -> Path:
        """The workspace's input folder: ``<root>/inputs``."""
        return self.root / "inputs"

    @property
    def org_units_file(self) -> Path:
        """The imported org-unit hierarchy: ``inputs/org_units.csv``."""
        return self.inputs / "org_units.csv"

    @property
    def roster_file(self) -> Path:
        """The imported staff roster: ``inputs/roster.csv``."""
        return self.inputs / "roster.csv"

    @property
    def ledger_dir(self) -> Path:
        """The ledger folder: ``<root>/ledger``."""
        return self.root / "ledger"

    @property
    def accepted_dir(self) -> Path:
        """Accepted ledger rows (Parquet): ``ledger/accepted``."""
        return self.ledger_dir / "accepted"

    @property
    def rejects_dir(self) -> Path:
        """Rejected ledger rows with their reasons: ``ledger/rejects``."""
        return self.ledger_dir / "rejects"

    @property
    def quality_dir(self) -> Path:
        """Data-quality reports of the imports: ``ledger/quality``."""
        return self.ledger_dir / "quality"

    @property
    def import_log(self) -> Path:
        """The import log, one JSON object per import: ``ledger/import_log.jsonl``."""
        return self.ledger_dir / "import_log.jsonl"

    @property
    def indicators_dir(self) -> Path:
        """The indicator folder: ``<root>/indicators``."""
        return self.root / "indicators"

    @property
    def indicators_file(self) -> Path:
        """The computed indicators: ``indicators/indicators.parquet``."""
        return self.indicators_dir / "indicators.parquet"

    def reports_dir(self, year: int) -> Path:
        """The report folder of pilot year ``year``: ``<root>/reports/<year>`` (not created
        here)."""
        return self.root / "reports" / str(year)

    @property
    def app_dir(self) -> Path:
        """Where ``shegong serve`` places the viewer notebook (Voila's root)."""
        return self.root / "app"


def database_url(workspace: str | os.PathLike[str] | None = None) -> str:
    """The progress store's SQLAlchemy URL.

    ``SHEGONG_DATABASE_URL`` wins (any SQLAlchemy URL, e.g. ``postgresql+psycopg://…``);
    otherwise the SQLite file ``<workspace>/progress.sqlite`` (the workspace is created on demand).
    """
    env = os.environ.get("SHEGONG_DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{Workspace.at(workspace).root / 'progress.sqlite'}"
