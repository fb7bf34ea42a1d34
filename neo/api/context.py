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
from neo.api.extensions import Contribution, ExtensionRegistry
from neo.api.manifest import Manifest
from neo.api.position import PositionSource, StaticPositionSource
from neo.models import Officer, Position
from neo.store import repos

if TYPE_CHECKING:
    from neo.audit import AuditEvent, AuditLog
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
    def officer(self) -> Officer:
        """The current officer; name and unit only with the ``officer_identity`` permission."""
        if "officer_identity" in self.manifest.permissions:
            return self._officer
        return Officer(service_number=self._officer.service_number, name="—")

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
