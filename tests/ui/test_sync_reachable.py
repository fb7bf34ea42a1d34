"""The shell tells the modules when HQ is reachable (``ctx.hq.on_reachable``, module API
1.2) and handles a revocation a module's call to HQ discovered."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from neo.api import HqRefused
from neo.host import ModuleHost
from neo.ui.sync import SyncFailure
from tests.ui.conftest import unlock
from tests.ui.fakes import FakeRunner

pytestmark = pytest.mark.qt


class SpyHost(ModuleHost):
    """The built-in modules, counting what the shell tells about HQ."""

    def __init__(self, session: Any) -> None:
        super().__init__(session, entry_points=False)
        self.told: list[str] = []
        self.callback_threads: list[str] = []
        self.reachability.subscribe("spy", lambda: self.callback_threads.append(threading.current_thread().name))

    def notify_reachable(self) -> Any:
        self.told.append("reachable")
        return super().notify_reachable()

    def notify_unreachable(self) -> None:
        self.told.append("unreachable")
        super().notify_unreachable()


@pytest.fixture
def runner() -> FakeRunner:
    return FakeRunner()


@pytest.fixture
def window(qtbot, device, make_window, runner):
    win = make_window(device, sync_runner=runner, host_factory=SpyHost)
    unlock(qtbot, win)
    qtbot.waitUntil(lambda: win.status_model.pending == 3)
    return win


def test_a_completed_sync_tells_the_modules_on_a_worker(qtbot, window, runner):
    host: SpyHost = window.host
    qtbot.waitUntil(lambda: host.told == ["unreachable"])  # the first health check: offline
    with qtbot.waitSignal(window.view.sync.sig_finished, timeout=10000):
        window.view.sync.sync_now()
    assert host.told == ["unreachable", "reachable"]
    qtbot.waitUntil(lambda: len(host.callback_threads) == 1)
    assert host.callback_threads[0] != threading.current_thread().name
    assert host.reachability.online is True


def test_hq_found_again_tells_the_modules_then_syncs(qtbot, window, runner):
    host: SpyHost = window.host
    qtbot.waitUntil(lambda: host.told == ["unreachable"])
    runner.online = True
    with qtbot.waitSignal(window.view.sync.sig_finished, timeout=10000):
        window.view.sync.check()
    # once when the health check found HQ, once after the sync it started
    assert host.told == ["unreachable", "reachable", "reachable"]


def test_a_sync_that_finds_no_network_tells_the_modules(qtbot, window, runner):
    host: SpyHost = window.host
    qtbot.waitUntil(lambda: host.told == ["unreachable"])
    runner.failure = SyncFailure("network", "no route")
    with qtbot.waitSignal(window.view.sync.sig_failed, timeout=10000):
        window.view.sync.sync_now()
    assert host.told[-1] == "unreachable" and "reachable" not in host.told


def test_a_revocation_found_by_a_module_call_wipes_like_the_sync(qtbot, device, make_window):
    """The default host gets the link to HQ; its revocation hook, called from a worker
    thread, makes the window audit, lock and wipe."""
    win = make_window(device, sync_runner=None)
    unlock(qtbot, win)
    remote = win._remote(win.session)
    assert remote is not None
    error = HqRefused("revoked", "Cet appareil a été révoqué par le QG.", {"code": "device_revoked"}, status=403)
    worker = threading.Thread(target=lambda: remote.on_revoked(error))
    with qtbot.waitSignal(win.sig_revoked, timeout=10000):
        worker.start()
    worker.join()
    assert win.locked and win.revoked_screen is not None
    qtbot.waitUntil(lambda: win.vault.was_wiped() is not None, timeout=10000)
    assert not win.vault.exists() and win.vault.was_wiped()["reason"] == "revoked"
