"""Sync in the shell, against a scripted runner: the button, progress, triggers, errors
by kind, revocation, HQ's roster. (tests/ui/test_hq.py runs the same against a real HQ.)"""

from __future__ import annotations

import re

import pytest

from neo.config import Settings
from neo.ui.enrol import EnrolScreen
from neo.ui.qt import Qt, qt_is_valid
from neo.ui.sync import DeviceRevokedFailure, SyncFailure, failure_text
from neo.ui.unlock import RevokedScreen
from neo.vault import Vault
from tests.ui.conftest import SERVICE_NUMBER, shown, unlock
from tests.ui.fakes import FakeRunner

pytestmark = pytest.mark.qt

LAST_SYNC = re.compile(r"^Dernière synchro : \d\d:\d\d$")


@pytest.fixture
def runner() -> FakeRunner:
    return FakeRunner()


@pytest.fixture
def window(qtbot, device, make_window, runner):
    win = make_window(device, sync_runner=runner)
    unlock(qtbot, win)
    # At unlock the controller reads the pending count (and HQ is offline: no sync yet).
    qtbot.waitUntil(lambda: win.status_model.pending == 3)
    return win


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def sync_text(window) -> str:
    return window.status_bar.sync.text.text()


def test_sync_button_runs_a_sync_and_the_status_bar_shows_the_last_sync(qtbot, window, runner):
    bar, model, top = window.status_bar, window.status_model, window.top_bar
    assert top.sync_button.isVisible() and top.sync_button.text() == "Synchroniser"
    assert top.sync_button.height() >= 48
    assert "3 envois en attente" in bar.texts() and "Hors ligne" in bar.texts()
    assert runner.runs == 0
    with qtbot.waitSignal(window.view.sync.sig_finished, timeout=10000):
        click(qtbot, top.sync_button)
    assert runner.runs == 1
    assert LAST_SYNC.match(sync_text(window)), sync_text(window)
    assert sync_text(window) == f"Dernière synchro : {model.last_sync.strftime('%H:%M')}"
    assert "En ligne" in bar.texts() and "Rien en attente" in bar.texts()
    assert model.sync_state == "idle"
    assert not bar.sync.bar.isVisible()
    assert top.sync_button.isEnabled() and top.sync_button.text() == "Synchroniser"
    assert not window.view.banner_box.isVisible()


def test_progress_shows_the_phase_and_a_bar_while_the_button_waits(qtbot, window, runner):
    gate = runner.hold()
    top, bar = window.top_bar, window.status_bar
    click(qtbot, top.sync_button)
    assert not top.sync_button.isEnabled() and top.sync_button.text() == "Synchronisation…"
    qtbot.waitUntil(runner.started.is_set)
    qtbot.waitUntil(lambda: sync_text(window) == "Réception des données…")  # the last step: no measure
    assert bar.sync.bar.isVisible() and bar.sync.bar.maximum() == 0  # busy
    window.status_model.set_sync_progress("Envoi des données…", 1, 3)
    assert sync_text(window) == "Envoi des données… 1/3"
    assert (bar.sync.bar.minimum(), bar.sync.bar.maximum(), bar.sync.bar.value()) == (0, 3, 1)
    click(qtbot, top.sync_button)  # disabled: a second tap starts nothing
    gate.set()
    qtbot.waitUntil(lambda: LAST_SYNC.match(sync_text(window)) is not None)
    assert runner.runs == 1
    assert top.sync_button.isEnabled()


def test_network_error_says_offline_and_keeps_the_data(qtbot, window, runner, device):
    runner.failure = SyncFailure("network", "ConnectError")
    with qtbot.waitSignal(window.view.sync.sig_failed, timeout=10000):
        click(qtbot, window.top_bar.sync_button)
    banner = window.view.banner
    assert window.view.banner_box.isVisible()
    assert shown(banner.text) == ("QG injoignable : les données restent sur l'appareil et partiront à la "
                                  "prochaine synchronisation.")
    assert banner.property("kind") == "warn"
    # Nothing was lost: it leaves at the next sync (the count is read again after a failure).
    qtbot.waitUntil(lambda: "3 envois en attente" in window.status_bar.texts())
    texts = window.status_bar.texts()
    assert "Hors ligne" in texts
    assert "Jamais synchronisé" in texts  # offline is not an error on patrol
    assert not window.locked and Vault(device, Settings.load(device)).exists()
    # The next sync that reaches HQ clears the message.
    runner.failure = None
    with qtbot.waitSignal(window.view.sync.sig_finished, timeout=10000):
        click(qtbot, window.top_bar.sync_button)
    assert not window.view.banner_box.isVisible()
    assert "Rien en attente" in window.status_bar.texts()


def test_an_automatic_sync_that_finds_no_network_only_shows_in_the_status_bar(qtbot, window, runner):
    runner.failure = SyncFailure("network", "ConnectTimeout")
    with qtbot.waitSignal(window.view.sync.sig_failed, timeout=10000):
        window.view.sync.sync_now(manual=False)
    assert not window.view.banner_box.isVisible()
    assert "Hors ligne" in window.status_bar.texts()


@pytest.mark.parametrize(("kind", "words", "retries"), [
    ("auth", "réenrôlez l'appareil", False),
    ("server", "nouvel essai automatique", True),
    ("rejected", "signalez-le à votre unité", True),
])
def test_errors_by_kind_say_what_to_do_next(qtbot, window, runner, kind, words, retries):
    runner.failure = SyncFailure(kind, "détail du QG")
    with qtbot.waitSignal(window.view.sync.sig_failed, timeout=10000):
        click(qtbot, window.top_bar.sync_button)
    text = shown(window.view.banner.text)
    assert words in text and "Détail : détail du QG" in text
    assert text == failure_text(kind, "détail du QG")
    assert window.view.banner.property("kind") == ("warn" if kind == "server" else "error")
    assert sync_text(window) == "Échec de la synchronisation"
    assert "En ligne" in window.status_bar.texts()  # HQ answered
    assert window.view.sync.retry.isActive() is retries  # a refused enrolment is not retried


def test_the_sync_runs_again_by_itself_when_hq_comes_back(qtbot, device, make_window, runner):
    window = make_window(device, sync_runner=runner, health_interval_ms=50)
    unlock(qtbot, window)
    qtbot.waitUntil(lambda: runner.checks >= 3)  # offline: the health check keeps asking
    assert runner.runs == 0 and not window.status_model.online
    runner.online = True
    qtbot.waitUntil(lambda: runner.runs == 1, timeout=10000)
    qtbot.waitUntil(lambda: LAST_SYNC.match(sync_text(window)) is not None)
    assert window.status_model.online


def test_a_periodic_timer_syncs_while_unlocked_and_stops_at_lock(qtbot, device, make_window):
    runner = FakeRunner(online=True)
    window = make_window(device, sync_runner=runner, sync_interval_ms=60)
    unlock(qtbot, window)
    qtbot.waitUntil(lambda: runner.runs >= 3, timeout=10000)  # at unlock (HQ reachable), then periodically
    controller = window.view.sync
    window.lock()
    assert not controller.periodic.isActive() and not controller.health.isActive()
    runs = runner.runs
    qtbot.waitUntil(lambda: not qt_is_valid(controller))
    assert runner.runs in (runs, runs + 1)  # at most the one already running when the lock came


def test_locking_during_a_sync_drops_its_answer(qtbot, window, runner):
    gate = runner.hold()
    click(qtbot, window.top_bar.sync_button)
    qtbot.waitUntil(runner.started.is_set)
    window.lock()
    assert window.locked
    assert window.status_model.sync_state == "never"  # no "syncing" left behind
    gate.set()
    from neo.ui.qt import QApplication
    from neo.ui.tasks import wait_for_tasks

    assert wait_for_tasks()
    QApplication.processEvents()  # deliver whatever the worker sent: the view is gone, nothing may break
    assert window.locked and window.current_screen() is window.unlock_screen


def test_revoked_device_audits_wipes_and_says_so(qtbot, window, runner, device):
    vault = window.vault
    audited: list[tuple[str, bool]] = []
    real_append = window.session.audit.append

    def spy(action, *args, **kwargs):
        audited.append((action, vault.exists()))
        return real_append(action, *args, **kwargs)

    window.session.audit.append = spy
    runner.failure = DeviceRevokedFailure("revoked")
    with qtbot.waitSignal(window.sig_revoked, timeout=10000):
        click(qtbot, window.top_bar.sync_button)
    assert window.locked and window.view is None
    screen = window.current_screen()
    assert isinstance(screen, RevokedScreen)
    qtbot.waitUntil(lambda: screen.done, timeout=10000)
    assert shown(screen.body) == ("Cet appareil a été révoqué par le QG : ses données ont été effacées. "
                                  "Rendez-le à votre unité.")
    assert "Effacement terminé" in shown(screen.state)
    assert ("device.revoked", True) in audited  # audited before the wipe
    assert not vault.exists() and not (device / "neo.db").exists()
    assert vault.was_wiped()["reason"] == "revoked"
    # The unit can enrol it again; the enrolment screen says why the device is blank.
    click(qtbot, screen.reenrol)
    enrol = window.current_screen()
    assert isinstance(enrol, EnrolScreen)
    assert enrol.wiped.isVisible() and "révoqué par le QG" in shown(enrol.wiped)


def test_hq_roster_removing_the_signed_in_officer_locks_the_device(qtbot, window, runner):
    runner.removed = (SERVICE_NUMBER,)
    with qtbot.waitSignal(window.sig_locked, timeout=10000):
        click(qtbot, window.top_bar.sync_button)
    screen = window.unlock_screen
    assert window.locked and window.current_screen() is screen
    assert screen.notice_banner.isVisible()
    assert shown(screen.notice_banner.text) == "Votre accès à cet appareil a été retiré par le QG. Contactez votre unité."


def test_a_device_without_hq_has_no_sync_button(qtbot, device, make_window):
    window = make_window(device, sync_runner=FakeRunner(available=False))
    unlock(qtbot, window)
    assert not window.top_bar.sync_button.isVisible()
    assert window.view.sync is None
    window2 = make_window(device, sync_runner=None)
    unlock(qtbot, window2)
    assert not window2.top_bar.sync_button.isVisible()


def test_portrait_top_bar_keeps_every_button_and_its_name(qtbot, window):
    window.resize(800, 1280)
    top = window.top_bar
    qtbot.waitUntil(lambda: top.sync_button.text() == "")
    for btn in (top.home_button, top.settings_button, top.sync_button, top.lock_button):
        assert btn.isVisible() and btn.height() >= 48
    assert top.sync_button.accessibleName() == "Synchroniser"
    assert top.lock_button.text() == "Verrouiller"
    qtbot.waitUntil(lambda: top.sync_button.geometry().right() < top.lock_button.geometry().left())
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: top.sync_button.text() == "Synchroniser")


def test_sync_texts_follow_the_language(qtbot, window, runner):
    from neo.i18n import set_language

    with qtbot.waitSignal(window.view.sync.sig_finished, timeout=10000):
        click(qtbot, window.top_bar.sync_button)
    set_language("en")
    assert window.top_bar.sync_button.text() == "Sync"
    assert re.match(r"^Last sync: \d\d:\d\d$", sync_text(window))
