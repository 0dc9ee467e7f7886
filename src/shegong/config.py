"""Typed configuration in one place: every ``SHEGONG_*`` setting, the workspace layout, paths.

:data:`SETTINGS` declares each setting once — its environment variable, default and help text,
as Voila declares its options — and :func:`setting` reads it; :func:`settings_table` lists them
(name, value in force, help). Keyword arguments and command-line options win over the
environment; the CLI takes its defaults from here (:data:`DEFAULT_PORT`, :func:`setting`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from shegong.errors import ConfigError

LANGUAGES = ("zh", "en")
#: the port ``shegong serve`` and ``shegong demo`` listen on unless told otherwise
DEFAULT_PORT = 8866


@dataclass(frozen=True)
class Setting:
    """One setting: its environment variable, its default (None = none) and what it does."""

    env: str
    default: str | None
    help: str


#: every setting of the workbench, by environment variable (the one place they are declared)
SETTINGS: dict[str, Setting] = {
    s.env: s
    for s in (
        Setting("SHEGONG_WORKSPACE", "workspace", "the default workspace folder"),
        Setting(
            "SHEGONG_KEY_FILE",
            "~/.config/shegong/pseudonym.key",
            "the pseudonymisation key, kept outside the repository, created on first use; back it "
            "up — the same key gives the same pseudonyms next year (DESIGN.md §7)",
        ),
        Setting("SHEGONG_ROOT", None, "the checkout holding notebooks/ and datasets/"),
        Setting("SHEGONG_LANG", "zh", "the language of messages and reports: zh or en"),
        Setting(
            "SHEGONG_DATABASE_URL",
            None,
            "the progress store's SQLAlchemy URL (e.g. postgresql+psycopg://…); default the "
            "SQLite file <workspace>/progress.sqlite",
        ),
        Setting("SHEGONG_CURRICULA", None, "the curricula folder; default <checkout>/curricula"),
        Setting(
            "SHEGONG_KEYS_DIR",
            None,
            "where answer keys live, trainer side only; default beside each module",
        ),
        Setting("SHEGONG_CHROMIUM", None, "the Chromium that prints PDFs; default found on PATH"),
        Setting(
            "SHEGONG_KERNEL_ZYGOTE",
            "1",
            "0 starts report kernels the ordinary way instead of forking a pre-imported parent",
        ),
        Setting(
            "SHEGONG_DEMO_PASSWORD",
            "shegong-demo-2021",
            "the password of the demo accounts `shegong demo` creates (a demo convenience)",
        ),
        Setting(
            "SHEGONG_ADMIN_PASSWORD",
            None,
            "the first administrator's password for `shegong init --admin` (asked for when unset)",
        ),
        Setting(
            "SHEGONG_SESSION_KEY_FILE",
            "~/.config/shegong/session.key",
            "the key that signs the front server's session cookies, outside the repository, "
            "created owner-only on first use",
        ),
    )
}


def setting(env: str) -> str | None:
    """The value in force of setting ``env`` (a key of :data:`SETTINGS`): the environment's
    non-empty value, else the default (``~`` expanded for paths is left to the caller).

    Raises:
        KeyError: ``env`` is not a declared setting (declare it in :data:`SETTINGS`).
    """
    declared = SETTINGS[env]
    return os.environ.get(env) or declared.default


def settings_table() -> list[tuple[str, str, str]]:
    """``(variable, value in force or "—", help)`` for every setting, in declaration order."""
    return [(s.env, setting(s.env) or "—", s.help) for s in SETTINGS.values()]


def project_root() -> Path:
    """The checkout that holds ``notebooks/`` and ``datasets/``.

    ``SHEGONG_ROOT`` wins; otherwise the directory above ``src/`` of an editable install.

    Raises:
        ConfigError: when no checkout with ``notebooks/`` and ``datasets/`` can be found.
    """
    env = setting("SHEGONG_ROOT")
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
    value = lang or setting("SHEGONG_LANG") or "zh"
    if value not in LANGUAGES:
        raise ConfigError(f"unknown language {value!r}: use one of {', '.join(LANGUAGES)}")
    return value


def key_file() -> Path:
    """Where the pseudonymisation key lives (outside the repository)."""
    return Path(setting("SHEGONG_KEY_FILE") or "").expanduser()


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
        raw = path or setting("SHEGONG_WORKSPACE") or "workspace"
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
    env = setting("SHEGONG_DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{Workspace.at(workspace).root / 'progress.sqlite'}"
