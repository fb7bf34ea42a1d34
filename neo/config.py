"""Device settings: one pydantic-settings class, ``NEO_`` environment prefix.

Sources, highest priority first: explicit arguments, environment (``NEO_LANGUAGE``,
``NEO_UNLOCK__WIPE_AFTER``...), then ``settings.json`` in the data directory (written
by the settings page), then defaults. Settings are not secret (language, theme,
timeouts, unlock policy): they live in plaintext beside the encrypted database.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

SETTINGS_FILE = "settings.json"


def default_data_dir() -> Path:
    env = os.environ.get("NEO_DATA_DIR")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("neo", "neo"))


class UnlockPolicy(BaseModel):
    """Failed-unlock policy: a growing delay after ``delay_after`` failures, a wipe after ``wipe_after``."""

    delay_after: int = Field(default=3, ge=1, le=50)
    base_delay_seconds: float = Field(default=30, ge=0, le=3600)
    max_delay_seconds: float = Field(default=3600, ge=0, le=86400)
    wipe_after: int = Field(default=10, ge=2, le=100)


class KdfParams(BaseModel):
    """Argon2id parameters for new key slots (existing slots are upgraded at unlock)."""

    time_cost: int = Field(default=3, ge=1, le=20)
    memory_kib: int = Field(default=64 * 1024, ge=8, le=4 * 1024 * 1024)
    parallelism: int = Field(default=2, ge=1, le=16)


class LookupKdfParams(KdfParams):
    """Argon2id parameters of the keyed hash that finds a slot from a service number."""

    time_cost: int = Field(default=2, ge=1, le=20)
    memory_kib: int = Field(default=19 * 1024, ge=8, le=4 * 1024 * 1024)
    parallelism: int = Field(default=1, ge=1, le=16)


class _JsonFileSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], path: Path | None) -> None:
        super().__init__(settings_cls)
        self.path = path

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEO_", env_nested_delimiter="__", extra="ignore")

    language: Literal["fr", "en"] = "fr"
    theme: Literal["day", "night"] = "day"
    idle_lock_seconds: int = Field(default=300, ge=10, le=24 * 3600)
    fullscreen: bool = False
    gps_source: str = ""  # NEO_GPS_SOURCE: "" the device's receiver, "off" none, else an NMEA log to replay (demo)
    unlock: UnlockPolicy = Field(default_factory=UnlockPolicy)
    kdf: KdfParams = Field(default_factory=KdfParams)
    lookup_kdf: LookupKdfParams = Field(default_factory=LookupKdfParams)

    _file: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _JsonFileSource(settings_cls, _CURRENT_FILE.get("path")))

    @classmethod
    def load(cls, data_dir: Path, **overrides: Any) -> Settings:
        _CURRENT_FILE["path"] = Path(data_dir) / SETTINGS_FILE
        try:
            settings = cls(**overrides)
        finally:
            _CURRENT_FILE["path"] = None
        settings._file = Path(data_dir) / SETTINGS_FILE
        return settings

    def save(self, data_dir: Path | None = None) -> None:
        """Persist the user-editable preferences (not the environment's overrides of policy)."""
        path = Path(data_dir) / SETTINGS_FILE if data_dir else self._file
        if path is None:
            raise ValueError("no data directory to save settings in")
        path.parent.mkdir(parents=True, exist_ok=True)
        existing: dict[str, Any] = {}
        if path.is_file():
            try:
                existing = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                existing = {}
        existing.update(
            language=self.language,
            theme=self.theme,
            idle_lock_seconds=self.idle_lock_seconds,
            fullscreen=self.fullscreen,
        )
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(existing, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


_CURRENT_FILE: dict[str, Path | None] = {"path": None}
