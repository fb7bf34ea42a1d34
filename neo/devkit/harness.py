"""The parts behind the kit's fixtures: a device, the module host, a running HQ, a window.

:mod:`neo.devkit.pytest_plugin` turns them into fixtures; they can be used without
pytest too (a script that drives a module against a local HQ). Qt is imported only by
:class:`ShellWindow`, and the HQ stack only by :class:`LocalHq`.
"""

from __future__ import annotations

import base64
import gc
import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neo.api import Position, StaticPositionSource
from neo.config import Settings
from neo.host import ModuleHost, ModuleRecord, ModuleState
from neo.models import Officer
from neo.modules import BUILTINS
from neo.vault import Session, Vault

if TYPE_CHECKING:
    from neo.sync.engine import SyncReport

OFFICER = Officer(service_number="100001", name="Jeanne Martin", unit="BTA Menton", role="supervisor")
"""The officer of the kit's device (PIN :data:`PIN`)."""
PIN = "482913"
OTHER_OFFICER = Officer(service_number="100002", name="Karim Benali", unit="BTA Menton", role="officer")
OTHER_PIN = "739164"
UNIT = "BTA Menton"
POSITION = Position(lat=43.7764, lon=7.5048, accuracy=8.0)
"""Menton, where the kit's patrol stands (``StaticPositionSource`` of the host)."""

CHEAP_KDF_ENV = {
    # Argon2id parameters cheap enough for a test suite (real ones are NEO's own business).
    "NEO_KDF__MEMORY_KIB": "256",
    "NEO_KDF__TIME_COST": "1",
    "NEO_LOOKUP_KDF__MEMORY_KIB": "64",
    "NEO_LOOKUP_KDF__TIME_COST": "1",
    "NEO_HQ_ARGON2_MEMORY_KIB": "256",
    "NEO_HQ_ARGON2_TIME_COST": "1",
    "NEO_HQ_ARGON2_PARALLELISM": "1",
    # Offscreen Qt, and no real GPS receiver.
    "QT_QPA_PLATFORM": "offscreen",
    "NEO_GPS_SOURCE": "off",
}


class KitError(AssertionError):
    """The kit could not set up what a test asked for; the message says what to do."""


def new_vault(data_dir: Path) -> Vault:
    data_dir.mkdir(parents=True, exist_ok=True)
    return Vault(data_dir, Settings.load(data_dir))


def new_session(data_dir: Path, officer: Officer = OFFICER, pin: str = PIN) -> Session:
    """A blank device in ``data_dir`` with ``officer`` on it, unlocked."""
    return new_vault(data_dir).initialize(officer, pin)


# -- the module host -----------------------------------------------------------------------------


class KitHost(ModuleHost):
    """NEO's module host with every installed module discovered (built-ins and the
    ``neo.modules`` entry points), that starts only ``start_only`` (the module under test
    and what it requires) instead of every ``activation = "startup"`` module."""

    def __init__(self, session: Session | None, position: StaticPositionSource | None = None, *,
                 start_only: Iterable[str] | None = None, remote: Any = None) -> None:
        super().__init__(session, position or StaticPositionSource(POSITION), builtins=BUILTINS, entry_points=True,
                         remote=remote)
        self.start_only = set(start_only) if start_only is not None else None

    def start(self) -> None:
        if self.start_only is None:
            super().start()
            return
        for rec in self.records():
            if rec.id in self.start_only and rec.state is ModuleState.DISCOVERED and rec.manifest \
                    and rec.manifest.activation == "startup":
                try:
                    self.activate(rec.id)
                except Exception:  # recorded on the record, as the shell does
                    pass

    def record(self, module_id: str) -> ModuleRecord:
        """The module's record, or :class:`KitError` saying how to make NEO find it."""
        try:
            return self.get(module_id)
        except Exception:
            found = ", ".join(sorted(r.id for r in self.records())) or "none"
            raise KitError(
                f"NEO does not find the module {module_id!r} (modules found: {found}). Install it in this "
                "environment (pip install --no-build-isolation -e .): NEO finds modules through the "
                "'neo.modules' entry point of their distribution.") from None


def requirements(host: ModuleHost, module_id: str) -> set[str]:
    """``module_id`` and every module it requires, transitively (manifests only)."""
    out: set[str] = set()
    todo = [module_id]
    while todo:
        mid = todo.pop()
        if mid in out:
            continue
        out.add(mid)
        try:
            rec = host.get(mid)
        except Exception:
            continue
        if rec.manifest is not None:
            todo.extend(rec.manifest.requires)
    return out


def remote_for(session: Session) -> Any:
    """The device's link to HQ for ``ctx.hq`` (read at the first call: a device never
    enrolled gets ``HqUnavailable``), or None when the sync layer is missing."""
    try:
        from neo.sync.remote import HqRemote
    except Exception:  # pragma: no cover - NEO's own layer; without it ctx.hq says "no link"
        return None
    return HqRemote.for_session(session)


def kit_host(session: Session, module_id: str | None = None) -> KitHost:
    """A discovered (not started) host on ``session`` with the link to HQ."""
    host = KitHost(session, remote=remote_for(session))
    host.discover()
    if module_id is not None:
        host.start_only = requirements(host, module_id)
    return host


# -- HQ on loopback ------------------------------------------------------------------------------


@dataclass
class KitDevice:
    """Another tablet of the unit, enrolled with the kit's HQ: its session and host."""

    vault: Vault
    session: Session
    host: KitHost

    def close(self) -> None:
        try:
            self.host.stop()
        finally:
            if not self.session.locked:
                self.session.lock()


@dataclass
class LocalHq:
    """A real HQ on loopback (``neo.hq.testing.LiveHQ``: uvicorn in a thread, TLS with its
    own CA) with the unit ``BTA Menton`` and its officers 100001 (PIN 482913) and 100002
    (PIN 739164). Needs NEO's ``hq`` extra."""

    root: Path
    module_id: str | None = None
    live: Any = None
    devices: list[KitDevice] = field(default_factory=list)

    def start(self) -> LocalHq:
        from neo.hq.config import HQConfig
        from neo.hq.testing import LiveHQ

        self.live = LiveHQ(HQConfig(data_dir=self.root / "hq")).start()
        self.hq.add_unit(UNIT)
        self.hq.add_officer(OFFICER.service_number, OFFICER.name, UNIT, PIN, role=OFFICER.role)
        self.hq.add_officer(OTHER_OFFICER.service_number, OTHER_OFFICER.name, UNIT, OTHER_PIN)
        return self

    def stop(self) -> None:
        for device in self.devices:
            try:
                device.close()
            except Exception:  # the others still close
                pass
        self.devices.clear()
        if self.live is not None:
            self.live.stop()

    @property
    def hq(self) -> Any:
        """HQ's service object (``neo.hq.service.Headquarters``): add officers, publish
        records of ``hq_authoritative`` collections (``put_hq_records``), list devices."""
        return self.live.hq

    @property
    def url(self) -> str:
        return str(self.live.url)

    def enrol(self, session: Session, name: str = "Tablette 1") -> None:
        """Link the device of ``session`` to this HQ (as ``neo enroll`` would): its
        synced collections go there with :meth:`sync`, and ``ctx.hq`` reaches it."""
        from neo.sync.link import save_link
        from neo.sync.transport import HqClient

        code = self.live.enrolment_code(UNIT)
        ca_pem = self.live.ca_file.read_text() if self.live.ca_file else None
        with HqClient(self.url, ca_pem=ca_pem) as client:
            answer = client.enroll({"code": code, "device_public_key": base64.b64encode(secrets.token_bytes(32)).decode(),
                                    "device_name": name, "device_id": session.device_id})
        save_link(session.store, {"url": self.url, "ca_pem": ca_pem, "token": answer.token,
                                  "device_id": answer.device_id, "unit": answer.unit, "epoch": answer.epoch})

    def sync(self, session: Session, *, check: bool = True) -> SyncReport:
        """One sync of the device (push, pull, audit, roster), as the shell runs it.
        With ``check``, a sync that reports errors fails the test with them."""
        from neo.sync.cli import run_sync

        report = run_sync(session, session.vault)
        if check and not report.ok:
            raise KitError(f"the sync with the kit's HQ failed: {report.errors}")
        return report

    def new_device(self, officer: Officer = OTHER_OFFICER, pin: str = OTHER_PIN) -> KitDevice:
        """Another tablet of the unit, enrolled here, unlocked by ``officer``, with its own
        module host (discovered; activate what you need)."""
        n = len(self.devices) + 2
        vault = new_vault(self.root / f"device{n}")
        session = vault.initialize(officer, pin)
        self.enrol(session, f"Tablette {n}")
        host = kit_host(session, self.module_id)
        device = KitDevice(vault, session, host)
        self.devices.append(device)
        return device


# -- the shell -----------------------------------------------------------------------------------


def widget_census() -> Counter[str]:
    """Every live QWidget by class (``module.Class``), after Qt deleted what it was asked
    to delete and Python collected its garbage."""
    from neo.ui.qt import QApplication, QEvent

    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QApplication.processEvents()
        gc.collect()
    return Counter(f"{type(w).__module__}.{type(w).__qualname__}" for w in QApplication.allWidgets())


def describe_leak(before: Counter[str], after: Counter[str]) -> str:
    extra = after - before
    return ", ".join(f"{name} x{count}" for name, count in sorted(extra.items()))


class ShellWindow:
    """NEO's main window on a device of the kit, the way an officer meets a module: the
    unlock screen, the home screen with the tiles, a module's page.

    The window counts its widgets: :meth:`check_no_leak` (run by the ``neo_window``
    fixture at the end of the test) locks the device through the shell's own path and
    fails if any widget made while unlocked is still alive, then closes the window and
    fails if anything it made survives it.
    """

    def __init__(self, data_dir: Path, module_id: str | None, qtbot: Any) -> None:
        from neo.ui.app import MainWindow

        self.qtbot = qtbot
        self.module_id = module_id
        self.data_dir = data_dir
        if not Vault(data_dir, Settings.load(data_dir)).exists():
            new_session(data_dir).lock()
        self._at_start = widget_census()

        def factory(session: Session) -> KitHost:
            host = KitHost(session, remote=remote_for(session))
            if module_id is not None:
                host.discover()
                host.start_only = requirements(host, module_id)
            return host

        self.window = MainWindow(data_dir, Settings.load(data_dir), host_factory=factory, sync_runner=None)
        self.window.resize(1280, 800)
        self.window.show()
        qtbot.waitExposed(self.window)
        self._locked = widget_census()
        self.closed = False

    # -- what a test does ---------------------------------------------------------------------
    def unlock(self, service_number: str = OFFICER.service_number, pin: str = PIN) -> None:
        """Type the service number and PIN on the unlock screen and wait for the home screen."""
        from neo.ui.qt import Qt

        screen = self.window.unlock_screen
        screen.number.setText(service_number)
        screen.pin.setText(pin)
        self.qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
        self.qtbot.waitUntil(lambda: not self.window.locked, timeout=20000)

    def lock(self) -> None:
        """Lock as the officer's button does (modules stopped, pages destroyed)."""
        self.window.lock()

    @property
    def home(self) -> Any:
        """The home screen (``tiles``: module id -> tile with ``state``), once unlocked."""
        if self.window.home is None:
            raise KitError("the device is locked: call neo_window.unlock() first")
        return self.window.home

    @property
    def host(self) -> Any:
        return self.window.host

    @property
    def session(self) -> Session | None:
        return self.window.session

    def open(self, module_id: str | None = None) -> Any:
        """Open a module's page as a tap on its tile does; returns the module's own page
        widget. Fails with the module's error if the page could not be shown."""
        from neo.ui.app import ModulePage

        mid = module_id or self.module_id
        if mid is None:
            raise KitError("which module? neo_window.open('<module id>')")
        if mid not in self.home.tiles:
            raise KitError(f"no tile for the module {mid!r} on the home screen (tiles: {sorted(self.home.tiles)})")
        self.window.open_module(mid)
        screen = self.window.current_screen()
        rec = self.host.get(mid)
        if not isinstance(screen, ModulePage) or screen.page is None:
            raise KitError(f"the page of {mid!r} did not open: {rec.state} at {rec.error_stage}: {rec.error}")
        return screen.page

    # -- the leak check ------------------------------------------------------------------------
    def check_no_leak(self) -> None:
        if self.closed:
            return
        self.closed = True
        if not self.window.locked:
            self.window.lock()
        after_lock = widget_census()
        leaked_at_lock = describe_leak(self._locked, after_lock)
        self.window.shutdown()
        self.window.close()
        self.window.deleteLater()
        from neo.ui.tasks import wait_for_tasks

        wait_for_tasks()
        after_close = widget_census()
        leaked_at_close = describe_leak(self._at_start, after_close)
        if leaked_at_lock:
            raise KitError(f"widgets still alive after the device locked (they may keep data on screen or in "
                           f"memory): {leaked_at_lock}. Give every widget a parent in your page, and keep no "
                           "top-level window of your own.")
        if leaked_at_close:
            raise KitError(f"widgets still alive after the window closed: {leaked_at_close}")


def collect_garbage_on_ui_thread() -> Callable[[], None]:
    """As the app does (neo/ui/collector.py): Python's cyclic collector off while Qt
    windows exist (a collection on a worker thread that deletes widgets crashes the
    process); returns the function that restores it."""
    was_enabled = gc.isenabled()
    gc.disable()

    def restore() -> None:
        gc.collect()
        if was_enabled:
            gc.enable()

    return restore
