"""The module host: finds modules, reads their manifests, activates them, isolates failures.

Discovery reads ``manifest.toml`` files only; no module code runs until the module is
activated (at unlock for ``activation = "startup"``, otherwise when first opened).
Built-in modules are listed in :data:`neo.modules.BUILTINS` (so a frozen build finds
them without entry-point metadata); third-party modules come from the entry-point
group ``neo.modules``: ``<module id> = "<package>"`` or ``"<package>:<manifest file>"``.
Both take exactly the same path from there.

A module that fails to be read, imported, activated or rendered is marked FAILED with
its error and stage; the failure is audited; the shell and the other modules go on.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from neo import api
from neo.api.context import ModuleContext
from neo.api.extensions import ExtensionPoint, ExtensionRegistry
from neo.api.hq import HqReachability, RemoteTransport
from neo.api.manifest import CommandDecl, Manifest
from neo.api.position import PositionSource
from neo.i18n import tr
from neo.modules import BUILTINS
from neo.store import migrate, repos

if TYPE_CHECKING:
    from neo.vault import Session

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "neo.modules"
MANIFEST_FILE = "manifest.toml"


class ModuleState(StrEnum):
    DISCOVERED = "discovered"
    ACTIVE = "active"
    FAILED = "failed"
    DISABLED = "disabled"
    INCOMPATIBLE = "incompatible"


class ModuleFailure(Exception):
    """A module could not be used; ``message`` is for the officer."""

    def __init__(self, module_id: str, stage: str, message: str) -> None:
        super().__init__(message)
        self.module_id = module_id
        self.stage = stage
        self.message = message


@dataclass
class ModuleRecord:
    id: str
    source: str  # "builtin" | "entry-point"
    package: str
    manifest: Manifest | None = None
    distribution: str | None = None
    package_dir: Path | None = None
    state: ModuleState = ModuleState.DISCOVERED
    error: str | None = None
    error_stage: str | None = None
    ctx: ModuleContext | None = field(default=None, repr=False)
    deactivate_fn: Callable[..., Any] | None = field(default=None, repr=False)

    def name(self, lang: str = "fr") -> str:
        return self.manifest.name.get(lang) if self.manifest else self.id

    def description(self, lang: str = "fr") -> str:
        if self.manifest and self.manifest.description:
            return self.manifest.description.get(lang)
        return ""

    @property
    def version(self) -> str:
        return self.manifest.version if self.manifest else "?"

    @property
    def icon_path(self) -> Path | None:
        if self.manifest and self.manifest.icon and self.package_dir:
            path = (self.package_dir / self.manifest.icon).resolve()
            if path.is_file() and self.package_dir.resolve() in path.parents:
                return path
        return None

    @property
    def has_page(self) -> bool:
        return bool(self.manifest and self.manifest.page)

    @property
    def order(self) -> int:
        return self.manifest.order if self.manifest else 1000

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name("fr"),
            "name_en": self.name("en"),
            "version": self.version,
            "source": self.source,
            "package": self.package,
            "distribution": self.distribution,
            "state": str(self.state),
            "error": self.error,
            "error_stage": self.error_stage,
            "api": self.manifest.api if self.manifest else None,
            "commands": [c.name for c in self.manifest.commands] if self.manifest else [],
        }


@dataclass(frozen=True)
class ModuleCommand:
    """A ``neo <name>`` command a module declares. ``refused`` says why it cannot run
    (its name is a core command's, or another module declared it first)."""

    name: str
    module_id: str
    decl: CommandDecl
    refused: str | None = None

    def help(self, lang: str = "fr") -> str:
        return self.decl.help.get(lang)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "module": self.module_id, "help": self.help("fr"), "help_en": self.help("en"),
                "refused": self.refused}


def resolve_ref(ref: str) -> Any:
    """Import ``"pkg.mod:attr.sub"`` and return the attribute."""
    mod_name, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(mod_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _package_dir(package: str) -> Path:
    """Locate a package's directory without executing it (a parent package may be imported)."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        raise ModuleNotFoundError(f"package {package!r} is not installed")
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    if spec.origin:
        return Path(spec.origin).parent
    raise ModuleNotFoundError(f"package {package!r} has no location")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors()[:5]:
            loc = ".".join(str(p) for p in err["loc"]) or "manifest"
            parts.append(f"{loc}: {err['msg']}")
        return "invalid manifest: " + "; ".join(parts)
    return f"{type(exc).__name__}: {exc}"


class ModuleHost:
    def __init__(self, session: Session | None = None, position_source: PositionSource | None = None,
                 *, builtins: tuple[str, ...] | None = None, entry_points: bool = True,
                 remote: RemoteTransport | None = None) -> None:
        """``remote`` is the device's link to HQ for ``ctx.hq`` (``neo.sync.remote.HqRemote``;
        None: modules see ``HqUnavailable``). The host owns it: :meth:`stop` closes it."""
        self.session = session
        self.position_source = position_source
        self.remote = remote
        self.reachability = HqReachability()
        # Set by the shell while it shows modules: ``navigator(module_id, params)`` opens a
        # module's page (``ctx.open_page``); None when headless.
        self.navigator: Callable[[str, dict[str, Any]], None] | None = None
        self.registry = ExtensionRegistry()
        self._builtins = BUILTINS if builtins is None else builtins
        self._entry_points = entry_points
        self._records: dict[str, ModuleRecord] = {}
        self._listeners: list[Callable[[], None]] = []
        self._lock = threading.RLock()

    # -- discovery -------------------------------------------------------------------
    def _candidates(self) -> list[tuple[str, str, str, str | None]]:
        """(id hint, package, manifest file, distribution) for every module found."""
        found: list[tuple[str, str, str, str | None]] = []
        for package in self._builtins:
            found.append((package.rsplit(".", 1)[-1], package, MANIFEST_FILE, None))
        if self._entry_points:
            for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
                package, _, manifest_file = ep.value.partition(":")
                dist = ep.dist.name if ep.dist is not None else None
                found.append((ep.name, package.strip(), manifest_file.strip() or MANIFEST_FILE, dist))
        return found

    def discover(self) -> list[ModuleRecord]:
        with self._lock:
            self._records.clear()
            for id_hint, package, manifest_file, dist in self._candidates():
                source = "entry-point" if dist is not None or package not in self._builtins else "builtin"
                rec = ModuleRecord(id=id_hint, source=source, package=package, distribution=dist)
                try:
                    rec.package_dir = _package_dir(package)
                    manifest_path = (rec.package_dir / manifest_file).resolve()
                    if rec.package_dir.resolve() not in manifest_path.parents:
                        raise ValueError(f"manifest path escapes the package: {manifest_file!r}")
                    rec.manifest = Manifest.from_toml(manifest_path)
                    rec.id = rec.manifest.id
                except Exception as exc:
                    rec.state = ModuleState.FAILED
                    rec.error, rec.error_stage = _describe(exc), "discover"
                    log.warning("module %s could not be read: %s", id_hint, rec.error)
                if rec.id in self._records:
                    first = self._records[rec.id]
                    rec.id = f"{rec.id}@{package}"
                    rec.state, rec.error_stage = ModuleState.FAILED, "discover"
                    rec.error = f"duplicate module id (already provided by {first.package})"
                self._records[rec.id] = rec
            for rec in self._records.values():
                if rec.state is not ModuleState.DISCOVERED or rec.manifest is None:
                    continue
                if not rec.manifest.supports_api(api.VERSION):
                    rec.state = ModuleState.INCOMPATIBLE
                    rec.error_stage = "discover"
                    rec.error = (
                        f"needs module API {rec.manifest.api}, this NEO provides {api.API_VERSION}"
                    )
                    continue
                for point in rec.manifest.extension_points:
                    self.registry.declare(ExtensionPoint(point.id, rec.id, point.doc))
                if self._stored_enabled(rec.id) is False:
                    rec.state = ModuleState.DISABLED
            for rec in self._records.values():
                if rec.state is ModuleState.FAILED and rec.error_stage == "discover":
                    self._audit_failure(rec)
        self._notify()
        return self.records()

    def records(self) -> list[ModuleRecord]:
        return sorted(self._records.values(), key=lambda r: (r.order, r.name("fr").lower()))

    def get(self, module_id: str) -> ModuleRecord:
        try:
            return self._records[module_id]
        except KeyError:
            raise ModuleFailure(module_id, "discover", tr("Module inconnu : {id}", id=module_id)) from None

    # -- activation --------------------------------------------------------------------
    def start(self) -> None:
        """Activate every enabled module that asks for activation at startup."""
        for rec in self.records():
            if rec.state is ModuleState.DISCOVERED and rec.manifest and rec.manifest.activation == "startup":
                try:
                    self.activate(rec.id)
                except ModuleFailure:
                    pass  # recorded on the record; the others go on

    def activate_all(self) -> None:
        for rec in self.records():
            if rec.state is ModuleState.DISCOVERED:
                try:
                    self.activate(rec.id)
                except ModuleFailure:
                    pass

    def activate(self, module_id: str, _chain: tuple[str, ...] = ()) -> ModuleContext:
        with self._lock:
            rec = self.get(module_id)
            if rec.state is ModuleState.ACTIVE and rec.ctx is not None:
                return rec.ctx
            if rec.state is not ModuleState.DISCOVERED:
                raise ModuleFailure(rec.id, rec.error_stage or "activate", self._unavailable(rec))
            if self.session is None or self.session.locked:
                raise ModuleFailure(rec.id, "activate", tr("L'appareil est verrouillé."))
            assert rec.manifest is not None
            if module_id in _chain:
                self._fail(rec, "activate", RuntimeError(f"circular requirement: {' -> '.join((*_chain, module_id))}"))
            for dep in rec.manifest.requires:
                try:
                    self.activate(dep, (*_chain, module_id))
                except ModuleFailure as exc:
                    self._fail(rec, "activate", RuntimeError(f"required module {dep!r} is unavailable: {exc.message}"))
            ctx: ModuleContext | None = None
            try:
                stage = "import"
                entry = resolve_ref(rec.manifest.entry) if rec.manifest.entry else None
                migrations = resolve_ref(rec.manifest.migrations) if rec.manifest.migrations else None
                stage = "activate"
                if migrations:
                    if "storage" not in rec.manifest.permissions:
                        raise PermissionError("migrations need the 'storage' permission")
                    migrate(self.session.store, rec.id, list(migrations))
                ctx = ModuleContext(
                    rec.manifest,
                    replica=self._replica(),
                    remote=self.remote,
                    reachability=self.reachability,
                    pages=self._open_page_for,
                    store=self.session.store,
                    audit=self.session.audit,
                    officer=self.session.officer,
                    registry=self.registry,
                    position=self.position_source,
                    package_dir=rec.package_dir,
                )
                result = entry(ctx) if entry is not None else None
                rec.deactivate_fn = result if callable(result) else None
            except Exception as exc:
                if ctx is not None:
                    ctx._run_cleanups()
                self.registry.remove_module(rec.id)
                self._fail(rec, stage, exc)
            rec.ctx = ctx
            rec.state = ModuleState.ACTIVE
            rec.error = rec.error_stage = None
        self._notify()
        assert ctx is not None
        return ctx

    def _replica(self) -> Any:
        """The session's sync replica, with the collections every module declares."""
        if self.session is None:
            return None
        from neo.replica import Replica, policies_from_manifests

        manifests = [r.manifest for r in self._records.values() if r.manifest is not None]
        return Replica.for_session(self.session, policies_from_manifests(manifests))

    def _unavailable(self, rec: ModuleRecord) -> str:
        if rec.state is ModuleState.DISABLED:
            return tr("Ce module est désactivé (Réglages > Modules).")
        if rec.state is ModuleState.INCOMPATIBLE:
            return tr("Ce module n'est pas compatible avec cette version de NEO : {err}", err=rec.error or "")
        return tr("Ce module est en échec : {err}", err=rec.error or "")

    def _fail(self, rec: ModuleRecord, stage: str, exc: BaseException) -> None:
        rec.state = ModuleState.FAILED
        rec.error, rec.error_stage = _describe(exc), stage
        rec.ctx = None
        log.error("module %s failed at %s: %s\n%s", rec.id, stage, rec.error,
                  "".join(traceback.format_exception(exc)))
        self._audit_failure(rec)
        self._notify()
        raise ModuleFailure(rec.id, stage, self._unavailable(rec)) from exc

    def _audit_failure(self, rec: ModuleRecord) -> None:
        if self.session is None or self.session.locked:
            return
        try:
            self.session.audit.append(
                "module.failed",
                officer=self.session.officer.service_number,
                details={"module": rec.id, "stage": rec.error_stage, "error": (rec.error or "")[:500]},
            )
        except Exception:
            log.warning("could not audit the failure of %s", rec.id, exc_info=True)

    def mark_failed(self, module_id: str, stage: str, exc: BaseException) -> None:
        """The shell reports a module that failed to render its page."""
        rec = self.get(module_id)
        self._teardown(rec)
        try:
            self._fail(rec, stage, exc)
        except ModuleFailure:
            pass

    def _open_page_for(self, module_id: str, params: dict[str, Any]) -> None:
        """``ctx.open_page``: through the shell's navigator, whenever the context was made."""
        navigator = self.navigator
        if navigator is None:
            raise RuntimeError("no shell shows pages here")
        navigator(module_id, params)

    def open_page(self, module_id: str) -> tuple[Any, ModuleContext]:
        """Activate the module if needed and import its page factory: ``factory(ctx, parent)``."""
        rec = self.get(module_id)
        if rec.manifest is None or not rec.manifest.page:
            raise ModuleFailure(module_id, "render", tr("Ce module n'a pas de page."))
        ctx = self.activate(module_id)
        try:
            factory = resolve_ref(rec.manifest.page)
        except Exception as exc:
            self._teardown(rec)
            self._fail(rec, "import", exc)
        return factory, ctx

    # -- module commands (neo <name>) ---------------------------------------------------------
    def commands(self, reserved: tuple[str, ...] | frozenset[str] | set[str] = ()) -> list[ModuleCommand]:
        """Every command the discovered modules declare (manifests only: no module code
        runs), sorted by name. A name in ``reserved`` (the core's commands) or already
        declared by a module listed earlier is refused, with the reason."""
        found: list[ModuleCommand] = []
        taken: dict[str, str] = {}
        for rec in sorted(self._records.values(), key=lambda r: r.id):
            if rec.manifest is None or rec.state in (ModuleState.FAILED, ModuleState.INCOMPATIBLE):
                continue
            for decl in rec.manifest.commands:
                refused: str | None = None
                if decl.name in reserved:
                    refused = f"'{decl.name}' is a core command of neo"
                elif decl.name in taken:
                    refused = f"'{decl.name}' is already declared by module {taken[decl.name]!r}"
                else:
                    taken[decl.name] = rec.id
                if refused is not None:
                    log.warning("module %s: command refused: %s", rec.id, refused)
                found.append(ModuleCommand(decl.name, rec.id, decl, refused))
        return sorted(found, key=lambda c: (c.name, c.refused is not None, c.module_id))

    def open_command(self, name: str, reserved: tuple[str, ...] | frozenset[str] | set[str] = ()
                     ) -> tuple[Callable[..., Any], ModuleContext]:
        """Activate the module that declares ``name`` and import the command's function:
        ``fn(ctx, argv) -> int``."""
        command = next((c for c in self.commands(reserved) if c.name == name and c.refused is None), None)
        if command is None:
            raise ModuleFailure(name, "discover", tr("Commande inconnue : {name}", name=name))
        ctx = self.activate(command.module_id)
        rec = self.get(command.module_id)
        try:
            fn = resolve_ref(command.decl.entry)
            if not callable(fn):
                raise TypeError(f"{command.decl.entry} is not callable")
        except Exception as exc:
            self._teardown(rec)
            self._fail(rec, "import", exc)
        return fn, ctx

    # -- HQ reachability (ctx.hq) ----------------------------------------------------------------
    def notify_reachable(self) -> Future[int]:
        """The device has just reached HQ (a sync succeeded, or a health check found HQ
        again after a period offline): run the modules' ``on_reachable`` callbacks on a
        worker thread. The future gives how many ran."""
        return self.reachability.notify()

    def notify_unreachable(self) -> None:
        """A sync or a health check found HQ unreachable (``ctx.hq.online`` becomes False)."""
        self.reachability.mark(False)

    # -- deactivation ----------------------------------------------------------------
    def _teardown(self, rec: ModuleRecord) -> list[BaseException]:
        errors: list[BaseException] = []
        if rec.deactivate_fn is not None:
            try:
                rec.deactivate_fn()
            except Exception as exc:
                errors.append(exc)
        if rec.ctx is not None:
            errors.extend(rec.ctx._run_cleanups())
        self.registry.remove_module(rec.id)
        rec.ctx = None
        rec.deactivate_fn = None
        return errors

    def deactivate(self, module_id: str) -> None:
        with self._lock:
            rec = self.get(module_id)
            if rec.state is not ModuleState.ACTIVE:
                return
            for other in self.records():  # dependants go first
                if other.state is ModuleState.ACTIVE and other.manifest and module_id in other.manifest.requires:
                    self.deactivate(other.id)
            errors = self._teardown(rec)
            rec.state = ModuleState.DISCOVERED
            for err in errors:
                log.warning("module %s raised while deactivating: %s", module_id, err)
        self._notify()

    def stop(self) -> None:
        """Deactivate every module (the device is locking); close the link to HQ."""
        for rec in reversed(self.records()):
            self.deactivate(rec.id)
        self.reachability.close()
        if self.remote is not None:
            try:
                self.remote.close()
            except Exception:
                log.warning("the link to HQ did not close cleanly", exc_info=True)

    # -- enable / disable ------------------------------------------------------------
    def _stored_enabled(self, module_id: str) -> bool | None:
        if self.session is None or self.session.locked:
            return None
        return self.session.store.read(lambda c: repos.module_enabled(c, module_id))

    def set_enabled(self, module_id: str, enabled: bool) -> None:
        rec = self.get(module_id)
        if self.session is None or self.session.locked:
            raise ModuleFailure(module_id, "activate", tr("L'appareil est verrouillé."))
        self.session.store.write(lambda c: repos.module_set_enabled(c, module_id, enabled))
        self.session.audit.append("module.enabled" if enabled else "module.disabled",
                                  officer=self.session.officer.service_number, details={"module": module_id})
        if enabled and rec.state is ModuleState.DISABLED:
            rec.state = ModuleState.DISCOVERED
            if rec.manifest and rec.manifest.activation == "startup":
                try:
                    self.activate(module_id)
                except ModuleFailure:
                    pass
        elif not enabled and rec.state in (ModuleState.ACTIVE, ModuleState.DISCOVERED, ModuleState.FAILED):
            if rec.state is ModuleState.ACTIVE:
                self.deactivate(module_id)
            rec.state = ModuleState.DISABLED
        self._notify()

    # -- listeners ---------------------------------------------------------------------
    def on_change(self, callback: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def _notify(self) -> None:
        for cb in list(self._listeners):
            try:
                cb()
            except Exception:
                log.exception("host listener failed")
