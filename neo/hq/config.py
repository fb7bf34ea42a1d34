"""HQ's configuration: one dataclass, filled by ``neo-hq`` from its options and the
environment (``NEO_HQ_DATA_DIR``, ``NEO_HQ_DB``, ``NEO_HQ_ARGON2_*``, ``NEO_HQ_LOOKUP_FILES``,
``NEO_HQ_LOOKUP_RATE``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from neo import protocol
from neo.hq.storage import sqlite_url

DB_FILE = "hq.db"


def default_data_dir() -> Path:
    env = os.environ.get("NEO_HQ_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("neo-hq", "neo"))


LOOKUP_ALL_FILES = "*"
DEFAULT_LOOKUP_FILES: dict[str, list[str]] = {"officer": [LOOKUP_ALL_FILES], "supervisor": [LOOKUP_ALL_FILES],
                                              "admin": []}
"""Reference files each role may search at HQ ("*": every file). Administrators search
nothing by default: their role is to run HQ, not to check people."""


def lookup_files_from_env() -> dict[str, list[str]]:
    """``NEO_HQ_LOOKUP_FILES`` (a JSON object, role -> list of files or ``["*"]``; roles it
    leaves out search nothing), else :data:`DEFAULT_LOOKUP_FILES`. A value that is not
    such an object is an error, never a silent fallback (it decides who sees what)."""
    raw = os.environ.get("NEO_HQ_LOOKUP_FILES")
    if not raw:
        return {role: list(files) for role, files in DEFAULT_LOOKUP_FILES.items()}
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(
            isinstance(role, str) and isinstance(files, list) and all(isinstance(f, str) for f in files)
            for role, files in data.items()):
        from neo.hq.errors import AdminError
        from neo.i18n import tr

        raise AdminError(tr("NEO_HQ_LOOKUP_FILES doit être un objet JSON rôle -> liste de fichiers, "
                            "par exemple {example}.", example='{"officer": ["*"], "supervisor": ["*"]}'))
    return {role: list(files) for role, files in data.items()}


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        return default


def _env_path(name: str) -> Path | None:
    raw = os.environ.get(name)
    return Path(raw).expanduser() if raw else None


@dataclass(frozen=True)
class CollectionSpec:
    """A synced collection as HQ enforces it."""

    name: str
    policy: protocol.SyncPolicy
    visibility: protocol.Visibility = "unit"
    source: str = "hq"


@dataclass
class HQConfig:
    data_dir: Path = field(default_factory=default_data_dir)
    db_url: str | None = None
    """SQLAlchemy URL; None means the SQLite file ``hq.db`` in the data directory."""
    public_url: str | None = None
    """The address devices use (put in enrolment codes); None: from the last ``serve``."""
    insecure: bool = False
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_ca: Path | None = None
    max_body_bytes: int = protocol.MAX_BODY_BYTES
    max_chunk_bytes: int = protocol.MAX_CHUNK_BYTES
    gzip_level: int = 3
    argon2_time_cost: int = field(default_factory=lambda: _env_int("NEO_HQ_ARGON2_TIME_COST", 3))
    argon2_memory_kib: int = field(default_factory=lambda: _env_int("NEO_HQ_ARGON2_MEMORY_KIB", 64 * 1024))
    argon2_parallelism: int = field(default_factory=lambda: _env_int("NEO_HQ_ARGON2_PARALLELISM", 2))
    pin_free_attempts: int = 3
    """Wrong PINs allowed before HQ makes an officer wait."""
    pin_base_delay: float = 30.0
    pin_max_delay: float = 3600.0
    device_pin_failures: int = 10
    """Wrong PINs (any officer, known or not) one device may send per 10 minutes."""
    collections: tuple[CollectionSpec, ...] = ()
    """Collections declared beside HQ's defaults and the modules' manifests (tests, operators)."""
    read_manifests: bool = True
    lookup_files: dict[str, list[str]] = field(default_factory=lookup_files_from_env)
    """Reference files each officer role may search (see :data:`DEFAULT_LOOKUP_FILES`)."""
    lookup_rate_per_minute: int = field(default_factory=lambda: _env_int("NEO_HQ_LOOKUP_RATE", 120))
    """Lookup queries one officer may send per minute (0: no limit)."""
    watch_grace_days: int = field(default_factory=lambda: _env_int("NEO_HQ_WATCH_GRACE_DAYS", 2))
    """Days after its end date a holiday-watch registration stays on the tablets."""

    basemap_path: Path | None = field(default_factory=lambda: _env_path("NEO_HQ_BASEMAP"))
    """The basemap package (MBTiles) HQ gives every unit's tablets; None: ``basemap.mbtiles``
    in the data directory, if there is one (see neo/hq/watch/distribution.py)."""

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).expanduser()

    @property
    def database_url(self) -> str:
        return self.db_url or os.environ.get("NEO_HQ_DB") or sqlite_url(self.data_dir / DB_FILE)

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def tls_dir(self) -> Path:
        return self.data_dir / "tls"
