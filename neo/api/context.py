"""The facade a module receives in ``activate(ctx)``.

A module never touches the shell, the vault or the store directly: everything it may
use is here, scoped to it (its settings section, its logger, its tables and migrations,
its audit events, its contributions) and guarded by the permissions its manifest
declares. Asking for something not declared raises :class:`ModulePermissionError`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from neo import i18n
from neo.api.device import ModuleDevice
from neo.api.extensions import Contribution, ExtensionRegistry
from neo.api.hq import HqReachability, ModuleHq, RemoteTransport
from neo.api.manifest import Manifest
from neo.api.position import PositionSource, StaticPositionSource
from neo.models import Officer, Position
from neo.store import repos

if TYPE_CHECKING:
    from neo.audit import AuditEvent, AuditLog
    from neo.replica import Conflict, RecordState, Rejection, Replica, SyncedRecord
    from neo.store import Connection, Store

T = TypeVar("T")


class ModulePermissionError(PermissionError):
    """A module asked for something its manifest does not declare."""


class ModuleSettings:
    """The module's own settings section (JSON values, stored encrypted in the device DB)."""

    def __init__(self, store: Store, module_id: str) -> None:
        self._store = store
        self._id = module_id

    def get(self, key: str, default: Any = None) -> Any:
        value = self._store.read(lambda c: repos.setting_get(c, self._id, key))
        return default if value is None else value

    def set(self, key: str, value: Any) -> None:
        self._store.write(lambda c: repos.setting_set(c, self._id, key, value))

    def all(self) -> dict[str, Any]:
        return self._store.read(lambda c: repos.setting_all(c, self._id))


class ModuleDB:
    """The module's access to the device database: its own tables, through the store's threads.

    ``write(fn)`` runs ``fn(conn)`` on the single writer thread in one transaction;
    ``read(fn)`` runs it on a reader connection of the calling thread.
    """

    def __init__(self, store: Store, module_id: str) -> None:
        self._store = store
        self.module_id = module_id

    def read(self, fn: Callable[[Connection], T]) -> T:
        return self._store.read(fn)

    def write(self, fn: Callable[[Connection], T]) -> T:
        return self._store.write(fn)

    def submit(self, fn: Callable[[Connection], T]) -> Any:
        return self._store.submit(fn)


class ModuleAudit:
    """Audit events of one module: actions are prefixed with the module id."""

    def __init__(self, audit: AuditLog, module_id: str, officer: Officer, position: PositionSource) -> None:
        self._audit = audit
        self._id = module_id
        self._officer = officer
        self._position = position

    def log(self, action: str, *, reason: str | None = None, details: Mapping[str, Any] | None = None,
            position: Position | None = None) -> AuditEvent:
        return self._audit.append(
            f"{self._id}.{action}",
            officer=self._officer.service_number,
            reason=reason,
            details=details,
            position=position if position is not None else self._position.current(),
        )


class SyncCollection:
    """One synced collection the module declared (``ctx.sync.collection(name)``).

    Writes are local and immediate (offline first): each goes to the device's replica
    with its outbox entry in one transaction, and leaves with the next sync. The
    collection's policy (from the manifest) is enforced on the device: ``hq_authoritative``
    collections are read-only, ``append_only`` and ``immutable`` records are written
    once (a correction is a new record). Refused writes raise ``neo.api.ReplicaError``
    (``message`` is for the officer).
    """

    def __init__(self, replica: Replica, name: str, policy: str, officer: str) -> None:
        self._replica = replica
        self.name = name
        self.policy = policy
        self._officer = officer

    def put(self, record_id: str | None, payload: dict[str, Any], *, priority: bool = False) -> str:
        """Create (``record_id`` None: a new UUID is made) or replace a record; returns its id.
        ``priority`` (API 1.3): the next sync pushes it before anything else, files
        included (an alarm, an anomaly); keep it for what HQ must see at once."""
        return self._replica.put(self.name, record_id, payload, officer=self._officer, priority=priority)

    def put_many(self, items: list[tuple[str | None, dict[str, Any]]]) -> list[str]:
        """Several writes in one transaction (all or nothing)."""
        return self._replica.put_many(self.name, items, officer=self._officer)

    def delete(self, record_id: str) -> None:
        """Delete a record (``mutable_shared`` collections only)."""
        self._replica.delete(self.name, record_id, officer=self._officer)

    def get(self, record_id: str) -> dict[str, Any] | None:
        """The record's payload, or None if absent or deleted."""
        return self._replica.get(self.name, record_id)

    def record(self, record_id: str) -> SyncedRecord | None:
        """The record with its version, origin, officer and sync state."""
        return self._replica.record(self.name, record_id)

    def list(self, *, include_deleted: bool = False, limit: int | None = None, offset: int = 0) -> list[SyncedRecord]:
        return self._replica.list(self.name, include_deleted=include_deleted, limit=limit, offset=offset)

    def state(self, record_id: str) -> RecordState | None:
        """'pending', 'sent', 'acknowledged', 'rejected' or 'conflict' (None: no such record)."""
        return self._replica.state(self.name, record_id)

    def conflicts(self) -> list[Conflict]:
        """Records edited here and elsewhere from the same base, both sides kept."""
        return self._replica.conflicts(self.name)

    def rejected(self) -> list[Rejection]:
        """Writes HQ refused for good, with its reason."""
        return self._replica.rejected(self.name)

    def resolve(self, record_id: str, payload: dict[str, Any] | None, *, delete: bool = False) -> str:
        """Settle a conflict with the version a person chose or merged (or a deletion)."""
        return self._replica.resolve(self.name, record_id, payload, delete=delete, officer=self._officer)

    def accept_hq(self, record_id: str) -> str:
        """Settle a conflict by keeping HQ's version."""
        return self._replica.accept_hq(self.name, record_id, officer=self._officer)

    def attach(self, data: bytes, media_type: str | None = None) -> str:
        """Keep a file (photo, signature, PDF) to send with the next sync; returns its
        SHA-256 name, to put in a record's payload."""
        return self._replica.attach(data, media_type)

    def attachment(self, sha256: str) -> bytes | None:
        return self._replica.attachment(sha256)


class ModuleSync:
    """``ctx.sync``: the module's synced collections (those its manifest declares)."""

    def __init__(self, replica: Replica, manifest: Manifest, officer: str) -> None:
        self._replica = replica
        self._manifest = manifest
        self._officer = officer
        self._declared = {decl.name: decl.policy for decl in manifest.collections}
        replica.declare_manifest_collections(manifest.collections)

    def collections(self) -> list[str]:
        return sorted(self._declared)

    def collection(self, name: str) -> SyncCollection:
        policy = self._declared.get(name)
        if policy is None:
            raise ModulePermissionError(
                f"module {self._manifest.id!r} did not declare the collection {name!r} in its manifest"
            )
        return SyncCollection(self._replica, name, policy, self._officer)

    def pending_count(self) -> int:
        """Writes of the whole device not yet acknowledged by HQ."""
        return self._replica.pending_count()


class ModuleContext:
    """What ``activate(ctx)`` receives. See docs/modules.md for the full reference."""

    def __init__(
        self,
        manifest: Manifest,
        *,
        store: Store,
        audit: AuditLog,
        officer: Officer,
        registry: ExtensionRegistry,
        position: PositionSource | None = None,
        package_dir: Path | None = None,
        replica: Replica | None = None,
        remote: RemoteTransport | None = None,
        reachability: HqReachability | None = None,
        pages: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        self.manifest = manifest
        self.module_id = manifest.id
        self.package_dir = package_dir
        self.log = logging.getLogger(f"neo.modules.{manifest.id}")
        self.settings = ModuleSettings(store, manifest.id)
        self._store = store
        self._audit = audit
        self._officer = officer
        self._registry = registry
        self._position = position or StaticPositionSource()
        self._cleanups: list[Callable[[], None]] = []
        self._replica = replica
        self._sync: ModuleSync | None = None
        self._remote = remote
        self._reachability = reachability if reachability is not None else HqReachability()
        self._hq: ModuleHq | None = None
        self._pages = pages
        if package_dir is not None and (package_dir / "translations").is_dir():
            i18n.register_domain(manifest.id, package_dir / "translations")

    # -- guarded services ------------------------------------------------------------
    def _need(self, permission: str) -> None:
        if permission not in self.manifest.permissions:
            raise ModulePermissionError(
                f"module {self.module_id!r} did not declare the permission {permission!r} in its manifest"
            )

    @property
    def db(self) -> ModuleDB:
        self._need("storage")
        return ModuleDB(self._store, self.module_id)

    @property
    def audit(self) -> ModuleAudit:
        self._need("audit")
        return ModuleAudit(self._audit, self.module_id, self._officer, self._position)

    @property
    def position(self) -> PositionSource:
        self._need("position")
        return self._position

    @property
    def sync(self) -> ModuleSync:
        """The module's synced collections (API 1.1)."""
        self._need("sync")
        if self._replica is None:
            raise RuntimeError("synced collections are not available: the host gave this context no replica")
        if self._sync is None:
            self._sync = ModuleSync(self._replica, self.manifest, self._officer.service_number)
        return self._sync

    @property
    def hq(self) -> ModuleHq:
        """The module's own routes at HQ and HQ's reachability (API 1.2; see ``neo.api.hq``).
        Without an HQ link every call raises ``HqUnavailable(kind="no_link")``."""
        self._need("hq")
        if self._hq is None:
            self._hq = ModuleHq(self.module_id, self._remote, self._reachability, self.on_deactivate)
        return self._hq

    @property
    def device(self) -> ModuleDevice:
        """The device's id and identity key: ``sign(data)``, ``public_key`` (API 1.3; see
        ``neo.api.device``)."""
        self._need("device_signing")
        return ModuleDevice(self._store, self._audit.device_id)

    @property
    def data_dir(self) -> Path:
        """A directory for the module's own files, inside the device's data directory
        (``<data dir>/modules/<module id>/``, made on first use; API 1.3). Needs the
        ``storage`` permission. Files there are **not encrypted**: keep only public or
        otherwise protected data in them (a basemap, a cache of public files); anything
        about people goes in the encrypted database (``ctx.db``, ``ctx.sync``)."""
        self._need("storage")
        path = Path(self._store.path).parent / "modules" / self.module_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def officer(self) -> Officer:
        """The current officer; name and unit only with the ``officer_identity`` permission."""
        if "officer_identity" in self.manifest.permissions:
            return self._officer
        return Officer(service_number=self._officer.service_number, name="—")

    # -- navigation --------------------------------------------------------------------
    def open_page(self, **params: Any) -> None:
        """Ask the shell to show this module's page with ``params`` (API 1.3), e.g. from a
        contribution to another module's extension point. The shell opens the page (made
        if needed) on the UI thread and calls its ``open_with(params)`` if it has one.
        Without a shell (``neo <command>``, a headless host) it raises ``RuntimeError``."""
        if self._pages is None:
            raise RuntimeError("no shell shows pages here")
        self._pages(self.module_id, dict(params))

    # -- translations ------------------------------------------------------------------
    def tr(self, text: str, **kwargs: object) -> str:
        return i18n.translate(text, self.module_id, **kwargs)

    @staticmethod
    def language() -> str:
        return i18n.language()

    # -- extension points --------------------------------------------------------------
    def register(self, point_id: str, key: str, value: Any) -> Contribution:
        """Contribute ``value`` under ``key`` to an extension point (removed when the module stops)."""
        return self._registry.register(point_id, self.module_id, key, value)

    def unregister(self, point_id: str, key: str) -> None:
        self._registry.unregister(point_id, self.module_id, key)

    def contributions(self, point_id: str) -> list[Contribution]:
        """What every active module contributed to ``point_id``."""
        return self._registry.contributions(point_id)

    def on_change(self, point_id: str, listener: Callable[[], None]) -> None:
        def _filter(changed: str) -> None:
            if changed == point_id:
                listener()

        self.on_deactivate(self._registry.on_change(_filter))

    def on_deactivate(self, cleanup: Callable[[], None]) -> None:
        """Run ``cleanup`` when the module is deactivated (disabled, or the device locked)."""
        self._cleanups.append(cleanup)

    def _run_cleanups(self) -> list[BaseException]:
        errors: list[BaseException] = []
        while self._cleanups:
            fn = self._cleanups.pop()
            try:
                fn()
            except Exception as exc:  # one failing cleanup must not stop the others
                errors.append(exc)
        return errors
