"""The public module API: the only part of NEO a module may import.

Versioning rules (see docs/modules.md):

* ``VERSION`` is ``(major, minor)``.
* Adding something (a new context attribute, a new optional manifest field, a new
  extension point in the shell) bumps the minor: modules written for 1.0 keep working
  on 1.x.
* Removing or renaming anything, or changing a signature or a behaviour a module can
  observe, bumps the major. Modules declare the range they accept (``api = ">=1,<2"``)
  and the host refuses to activate a module whose range excludes the running version.
* Everything importable from ``neo.api`` is public; anything else in ``neo`` is not.

History: 1.0 the first API; 1.1 ``ctx.sync`` (synced collections); 1.2 ``ctx.hq`` (the
module's own routes at HQ, reachability) and ``[[module.commands]]`` (``neo <name>``);
1.3 ``ctx.open_page(**params)`` (a module asks the shell for its page) and ``ctx.device``
(signatures with the device's identity key, permission ``device_signing``),
``ctx.hq.download`` (large files from the module's routes at HQ, resumed, checked) and
``ctx.data_dir`` (the module's own files on the device).
"""

from __future__ import annotations

from neo.api.context import (
    ModuleAudit,
    ModuleContext,
    ModuleDB,
    ModulePermissionError,
    ModuleSettings,
    ModuleSync,
    SyncCollection,
)
from neo.api.device import ModuleDevice
from neo.api.extensions import Contribution, ExtensionError, ExtensionPoint
from neo.api.hq import HqError, HqRefused, HqResponse, HqUnavailable, ModuleHq, RemoteTransport
from neo.api.manifest import CollectionDecl, CommandDecl, ExtensionPointDecl, LocalizedText, Manifest, Permission
from neo.api.position import PositionSource, StaticPositionSource
from neo.models import Officer, Position
from neo.replica import Conflict, RecordState, Rejection, ReplicaError, Side, SyncedRecord
from neo.store.migrations import Migration

VERSION: tuple[int, int] = (1, 3)
API_VERSION = f"{VERSION[0]}.{VERSION[1]}"

__all__ = [
    "API_VERSION",
    "VERSION",
    "CollectionDecl",
    "CommandDecl",
    "Conflict",
    "Contribution",
    "ExtensionError",
    "ExtensionPoint",
    "ExtensionPointDecl",
    "HqError",
    "HqRefused",
    "HqResponse",
    "HqUnavailable",
    "LocalizedText",
    "Manifest",
    "Migration",
    "ModuleAudit",
    "ModuleContext",
    "ModuleDB",
    "ModuleDevice",
    "ModuleHq",
    "ModulePermissionError",
    "ModuleSettings",
    "ModuleSync",
    "Officer",
    "Permission",
    "Position",
    "PositionSource",
    "RecordState",
    "Rejection",
    "RemoteTransport",
    "ReplicaError",
    "Side",
    "StaticPositionSource",
    "SyncCollection",
    "SyncedRecord",
]
