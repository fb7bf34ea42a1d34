"""The locked device: unlock, wrong PINs, lock-out countdown, wipe, not enrolled."""

from __future__ import annotations

from pathlib import Path

import pytest

from neo.config import Settings
from neo.ui.enrol import EnrolScreen
from neo.ui.qt import Qt
from neo.ui.unlock import UnlockScreen
from neo.vault import Vault
from tests.ui.conftest import OFFICER_NAME, PIN, SERVICE_NUMBER, all_texts, attempt

pytestmark = pytest.mark.qt


def test_unlock_with_the_keypad_goes_home_and_the_status_bar_shows_the_officer(qtbot, device, make_window):
    window = make_window(device)
    screen = window.unlock_screen
    assert window.current_screen() is screen
    screen.number.setFocus()
    qtbot.keyClicks(screen.number, SERVICE_NUMBER)
    screen.pin.setFocus()
    for digit in PIN:  # the keypad types into the field that has the focus
        qtbot.mouseClick(screen.keypad.keys[digit], Qt.MouseButton.LeftButton)
    assert screen.pin.text() == PIN
    assert screen.number.text() == SERVICE_NUMBER
    qtbot.mouseClick(screen.keypad.keys["validate"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.locked, timeout=15000)

    assert window.current_screen() is window.home
    assert window.session.officer.service_number == SERVICE_NUMBER
    texts = window.status_bar.texts()
    assert OFFICER_NAME in texts[0] and SERVICE_NUMBER in texts[0]
    assert "Hors ligne" in texts
    assert "Jamais synchronisé" in texts
    assert "GPS : aucun signal" in texts
    assert screen.pin.text() == "" and screen.number.text() == ""


def test_keypad_erase_and_validate_move_between_fields(qtbot, device, make_window):
    window = make_window(device)
    screen = window.unlock_screen
    screen.number.setFocus()
    for key in ("1", "2", "3", "erase"):
        qtbot.mouseClick(screen.keypad.keys[key], Qt.MouseButton.LeftButton)
    assert screen.number.text() == "12"
    qtbot.mouseClick(screen.keypad.keys["validate"], Qt.MouseButton.LeftButton)  # next field, no attempt
    assert screen.target_field() is screen.pin
    qtbot.mouseClick(screen.keypad.keys["7"], Qt.MouseButton.LeftButton)
    assert screen.pin.text() == "7" and screen.number.text() == "12"
    assert screen.pin.echoMode() == screen.pin.EchoMode.Password
    for key in screen.keypad.keys.values():
        assert key.focusPolicy() == Qt.FocusPolicy.NoFocus


def test_wrong_pin_shows_the_french_message_and_stays_locked(qtbot, device, make_window):
    window = make_window(device)
    attempt(qtbot, window, "111222")
    screen = window.unlock_screen
    assert window.locked
    assert window.current_screen() is screen
    assert screen.error.isVisible()
    assert "Matricule ou code PIN incorrect." in screen.error.text()
    assert screen.pin.text() == ""  # cleared after each attempt
    assert screen.number.text() == SERVICE_NUMBER
    assert screen.unlock_button.isEnabled()
    assert not screen.countdown.isVisible()


def test_three_wrong_pins_start_a_countdown_and_disable_the_button(qtbot, device, make_window):
    window = make_window(device)
    screen = window.unlock_screen
    for pin in ("111222", "333444", "555666"):
        attempt(qtbot, window, pin)
    assert window.locked
    assert screen.locked_out
    assert screen.countdown.isVisible()
    assert "Nouvel essai possible dans" in screen.countdown.text()
    # The vault's static "in 30 s" gives way to the live countdown.
    assert screen.error.text() == "Matricule ou code PIN incorrect."
    assert not screen.unlock_button.isEnabled()
    assert not screen.keypad.keys["validate"].isEnabled()
    # Submitting anyway (Enter in the PIN field) does nothing while the countdown runs.
    screen.pin.setText(PIN)
    screen.submit()
    assert window.locked and not screen.busy.isVisible()


def test_locked_out_slot_reports_the_live_countdown(qtbot, device, make_window):
    settings = Settings.load(device)
    settings.unlock.delay_after = 1
    window = make_window(device, settings)
    attempt(qtbot, window, "111222")  # WrongCredentials with a delay
    screen = window.unlock_screen
    assert screen.countdown.isVisible() and not screen.unlock_button.isEnabled()
    # Time passes (the deadline is moved instead of waiting): the button comes back.
    screen._retry_deadline = 0.0
    qtbot.waitUntil(lambda: screen.unlock_button.isEnabled())
    assert not screen.countdown.isVisible()
    attempt(qtbot, window, PIN)  # the vault still refuses: its own clock says wait
    assert "Trop d'essais incorrects. Réessayez dans" in screen.countdown.text()
    assert screen.countdown.isVisible() and not screen.unlock_button.isEnabled()


def test_too_many_wrong_pins_wipe_the_device_and_say_so(qtbot, device, make_window):
    settings = Settings.load(device)
    settings.unlock.wipe_after = 2
    settings.unlock.delay_after = 5
    window = make_window(device, settings)
    screen = window.unlock_screen
    attempt(qtbot, window, "111222")
    with qtbot.waitSignal(screen.sig_wiped, timeout=15000):
        attempt(qtbot, window, "333444")
    assert "effacées" in screen.error.text()
    assert not screen.unlock_button.isEnabled()
    assert not screen.number.isEnabled() and not screen.pin.isEnabled()
    assert not Vault(device, settings).exists()


def test_empty_fields_are_refused_without_an_attempt(qtbot, device, make_window):
    window = make_window(device)
    screen = window.unlock_screen
    screen.submit()
    assert screen.error.text() == "Saisissez votre matricule."
    screen.number.setText(SERVICE_NUMBER)
    screen.submit()
    assert screen.error.text() == "Saisissez votre code PIN."
    assert not screen.busy.isVisible()


def test_not_enrolled_data_dir_shows_the_enrolment_screen(qtbot, data_dir: Path, make_window, session):
    session.lock()
    blank = data_dir.parent / "blank"
    blank.mkdir()
    window = make_window(blank)
    current = window.current_screen()
    assert isinstance(current, EnrolScreen)
    texts = " ".join(all_texts(current))
    assert "Enrôlement de l'appareil" in texts
    assert "make demo" in texts  # the local demo stays one hint away
    assert current.code.placeholderText().startswith("NEO1-")
    assert not current.wiped.isVisible()
    # Enrolled meanwhile (here: the data directory of the session fixture), "check again" moves on.
    window.vault = Vault(data_dir, Settings.load(data_dir))
    window.unlock_screen.vault = window.vault
    qtbot.mouseClick(current.recheck, Qt.MouseButton.LeftButton)
    assert isinstance(window.current_screen(), UnlockScreen)


def test_unlock_screen_shows_nothing_of_the_device(qtbot, device, make_window):
    window = make_window(device)
    texts = " ".join(all_texts(window))
    assert OFFICER_NAME not in texts and SERVICE_NUMBER not in texts and "BTA" not in texts



def test_disabled_officer_is_refused_with_the_vault_message(qtbot, data_dir: Path, make_window):
    from neo.models import Officer
    from neo.store import repos

    vault = Vault(data_dir, Settings.load(data_dir))
    session = vault.initialize(Officer(service_number=SERVICE_NUMBER, name=OFFICER_NAME, role="supervisor"), PIN)
    vault.add_officer(session, Officer(service_number="100002", name="Karim Benali"), "739164")
    session.store.write(lambda c: repos.officer_set_disabled(c, "100002", True))
    session.lock()
    window = make_window(data_dir)
    attempt(qtbot, window, "739164", service_number="100002")
    assert window.locked
    assert window.unlock_screen.error.text() == "Ce compte est désactivé. Contactez votre unité."


def test_closing_the_window_during_an_unlock_leaves_no_open_session(qtbot, device, make_window):
    window = make_window(device)
    sessions = []
    real_unlock = window.vault.unlock

    def recording_unlock(*args, **kwargs):
        session = real_unlock(*args, **kwargs)
        sessions.append(session)
        return session

    window.vault.unlock = recording_unlock
    window.unlock_screen.number.setText(SERVICE_NUMBER)
    window.unlock_screen.pin.setText(PIN)
    window.unlock_screen.submit()
    window.shutdown()
    assert len(sessions) == 1 and sessions[0].locked
    assert window.locked
