"""The shell's sync against a real HQ on loopback, through the device's sync engine:
a tablet enrolled through the enrolment screen, unlocked (first unlock verified by HQ),
then synced with the "Synchroniser" button; HQ going away; HQ revoking the device."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from neo.ui.qt import Qt
from neo.ui.sync_engine import EngineRunner
from neo.ui.unlock import RevokedScreen
from tests.ui.conftest import shown, unlock
from tests.ui.hqkit import UNIT, enrol_through_the_screen

pytestmark = pytest.mark.qt

LAST_SYNC = re.compile(r"^Dernière synchro : \d\d:\d\d$")
ROUNDS = "holiday_watch.rounds"  # a synced collection HQ stores without a payload check


@pytest.fixture
def tablet(qtbot, tmp_path: Path, make_window, hq):
    """An enrolled, unlocked tablet whose first sync (at unlock: HQ is reachable) is done."""
    d = tmp_path / "tablet"
    d.mkdir()
    window = make_window(d, sync_runner=EngineRunner(timeout=10.0))
    enrol_through_the_screen(qtbot, window, hq.enrolment_code(UNIT))
    unlock(qtbot, window)
    assert window.view.sync is not None and window.top_bar.sync_button.isVisible()
    qtbot.waitUntil(lambda: LAST_SYNC.match(window.status_bar.sync.text.text()) is not None, timeout=30000)
    return window


def write_round(session) -> str:
    from neo.replica import Replica

    return Replica.for_session(session, {ROUNDS: "mutable_shared"}).put(ROUNDS, None, {"name": "Ronde du matin", "stops": ["12 rue des Lilas"]})


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_sync_button_sends_the_tablet_data_to_hq(qtbot, tablet, hq):
    window = tablet
    assert "En ligne" in window.status_bar.texts() and "Rien en attente" in window.status_bar.texts()
    record_id = write_round(window.session)
    with qtbot.waitSignal(window.view.sync.sig_finished, timeout=30000) as finished:
        click(qtbot, window.top_bar.sync_button)
    assert finished.args[0].pushed == 1
    assert LAST_SYNC.match(window.status_bar.sync.text.text())
    assert "Rien en attente" in window.status_bar.texts()
    assert not window.view.banner_box.isVisible()
    device = next(d for d in hq.hq.list_devices() if d["device_id"] == window.session.device_id)
    assert device["audit_events"] > 0 and device["audit_ok"]  # the audit trail went too
    from neo.replica import Replica

    assert Replica.for_session(window.session, {ROUNDS: "mutable_shared"}).state(ROUNDS, record_id) == "acknowledged"


def test_hq_unreachable_shows_the_offline_message_and_keeps_the_data(qtbot, tablet, hq):
    window = tablet
    write_round(window.session)
    hq.stop()
    with qtbot.waitSignal(window.view.sync.sig_failed, timeout=60000) as failed:
        click(qtbot, window.top_bar.sync_button)
    assert failed.args[0] == "network"
    assert shown(window.view.banner.text) == ("QG injoignable : les données restent sur l'appareil et partiront "
                                              "à la prochaine synchronisation.")
    texts = window.status_bar.texts()
    assert "Hors ligne" in texts and "1 envoi en attente" in texts
    assert not window.locked and window.vault.exists()


def test_a_device_revoked_at_hq_wipes_itself_at_its_next_sync(qtbot, tablet, hq):
    window = tablet
    vault = window.vault
    assert hq.hq.revoke_device(window.session.device_id)
    with qtbot.waitSignal(window.sig_revoked, timeout=30000):
        click(qtbot, window.top_bar.sync_button)
    screen = window.current_screen()
    assert isinstance(screen, RevokedScreen)
    qtbot.waitUntil(lambda: screen.done, timeout=10000)
    assert "révoqué par le QG" in shown(screen.body)
    assert not vault.exists() and vault.was_wiped()["reason"] == "revoked"
    assert window.locked and window.view is None


def test_an_officer_disabled_at_hq_loses_access_at_the_next_sync(qtbot, tablet, hq):
    from tests.ui.conftest import PIN, SERVICE_NUMBER, attempt

    window = tablet
    hq.hq.set_officer_disabled(SERVICE_NUMBER, True)
    with qtbot.waitSignal(window.sig_locked, timeout=30000):
        click(qtbot, window.top_bar.sync_button)
    screen = window.unlock_screen
    assert window.locked and window.current_screen() is screen
    assert shown(screen.notice_banner.text) == "Votre accès à cet appareil a été retiré par le QG. Contactez votre unité."
    attempt(qtbot, window, PIN)  # the key slot is gone; asked again, HQ refuses
    assert window.locked
    assert shown(screen.error) == "Ce compte est désactivé. Contactez votre unité."
