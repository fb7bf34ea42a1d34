"""The module manifest: what a module is and offers, readable without importing its code."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, field_validator

REF_PATTERN = r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$"
ID_PATTERN = r"^[a-z][a-z0-9_]{1,40}$"

Permission = Literal["storage", "audit", "position", "sync", "officer_identity", "hq", "device_signing"]
"""What a module may ask of its context:

* ``storage`` — its own tables in the device database (``ctx.db``) and its migrations;
* ``audit`` — writing audit events (``ctx.audit``);
* ``position`` — the patrol's GPS position (``ctx.position``);
* ``sync`` — writing and reading the synced collections the manifest declares (``ctx.sync``, API 1.1);
* ``officer_identity`` — the current officer's name and unit (``ctx.officer``); without
  it a module sees only the service number;
* ``hq`` — calling its own routes at HQ (``/api/v1/m/<id>/...``) through the core, and
  learning when HQ is reachable (``ctx.hq``, API 1.2);
* ``device_signing`` — signing bytes with the device's identity key and reading its
  public half (``ctx.device``, API 1.3).
"""

SyncPolicy = Literal["append_only", "immutable", "hq_authoritative", "mutable_shared"]


class LocalizedText(BaseModel):
    """A text in French (required, the source language) and English."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fr: str = Field(min_length=1, max_length=200)
    en: str = Field(default="", max_length=200)

    def get(self, lang: str) -> str:
        return (self.en if lang == "en" else self.fr) or self.fr


class ExtensionPointDecl(BaseModel):
    """An extension point a module offers to others (declared statically)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")
    doc: str = ""


class CollectionDecl(BaseModel):
    """A synced collection and its conflict policy."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
    policy: SyncPolicy
    #: who pulls the records (API 1.3): ``unit`` (every tablet of the unit of the device that
    #: made the record), ``origin`` (only that device), ``all``, ``hq`` (nobody). ``None``:
    #: HQ's own setting for a built-in collection, else ``unit``.
    visibility: Literal["unit", "origin", "all", "hq"] | None = None


COMMAND_PATTERN = r"^[a-z][a-z0-9-]{1,30}$"


class CommandDecl(BaseModel):
    """A headless command the module adds to ``neo`` (``[[module.commands]]``, API 1.2).

    ``neo <name> --officer ID --pin-stdin [args...]`` unlocks the device, activates the
    module and calls ``entry`` (``"pkg.mod:attr"``, imported only when this command
    runs) as ``fn(ctx, argv) -> int``: ``argv`` is what follows the core's own options
    (``--data-dir``, ``--officer``, ``--pin-stdin``); the module parses it (argparse)
    and writes to stdout/stderr itself; the int is the exit code. A name already used
    by a core command is refused (the core command runs; ``neo modules`` says so).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=COMMAND_PATTERN, description="the word after 'neo', e.g. 'lookup'")
    help: LocalizedText
    entry: str = Field(pattern=REF_PATTERN, description="'pkg.cli:main', called as fn(ctx, argv) -> int")


class Manifest(BaseModel):
    """A module's declaration. Built-in and third-party modules use the same model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    name: LocalizedText
    description: LocalizedText | None = None
    version: str
    api: str = Field(description="the range of neo.api versions the module works with, e.g. '>=1,<2'")
    permissions: list[Permission] = Field(default_factory=list)
    requires: list[str] = Field(default_factory=list, description="ids of modules that must be active first")
    activation: Literal["startup", "on_open"] = "on_open"
    entry: str | None = Field(default=None, pattern=REF_PATTERN, description="'pkg.mod:activate'")
    page: str | None = Field(default=None, pattern=REF_PATTERN, description="'pkg.ui.page:Page'")
    migrations: str | None = Field(default=None, pattern=REF_PATTERN, description="'pkg.store:MIGRATIONS'")
    icon: str | None = Field(default=None, description="path of an SVG icon, relative to the package")
    order: int = Field(default=100, description="position on the home screen (lower first)")
    extension_points: list[ExtensionPointDecl] = Field(default_factory=list)
    collections: list[CollectionDecl] = Field(default_factory=list)
    commands: list[CommandDecl] = Field(default_factory=list, description="headless 'neo <name>' commands (API 1.2)")

    @field_validator("version")
    @classmethod
    def _version(cls, v: str) -> str:
        try:
            Version(v)
        except InvalidVersion as exc:
            raise ValueError(f"not a PEP 440 version: {v!r}") from exc
        return v

    @field_validator("api")
    @classmethod
    def _api(cls, v: str) -> str:
        try:
            SpecifierSet(v)
        except InvalidSpecifier as exc:
            raise ValueError(f"not a version range: {v!r}") from exc
        return v

    @field_validator("requires")
    @classmethod
    def _requires(cls, v: list[str]) -> list[str]:
        import re

        for item in v:
            if not re.match(ID_PATTERN, item):
                raise ValueError(f"not a module id: {item!r}")
        return v

    @field_validator("commands")
    @classmethod
    def _commands(cls, v: list[CommandDecl]) -> list[CommandDecl]:
        names = [c.name for c in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"command declared twice: {', '.join(dupes)}")
        return v

    def supports_api(self, version: tuple[int, int]) -> bool:
        return SpecifierSet(self.api).contains(f"{version[0]}.{version[1]}", prereleases=True)

    @classmethod
    def from_toml(cls, path: Path) -> Manifest:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        return cls.model_validate(data.get("module", data))
