"""The unlocked shell: locking (button and idle), language, themes, touch sizes, status."""

from __future__ import annotations

import json
import threading

import pytest

from neo.config import Settings
from neo.ui import theme
from neo.ui.qt import QAbstractButton, QLineEdit, Qt, qt_is_valid
from tests.ui.conftest import OFFICER_NAME, SERVICE_NUMBER, all_texts, unlock

pytestmark = pytest.mark.qt


def assert_shows_no_data(window) -> None:
    texts = " ".join(all_texts(window))
    assert OFFICER_NAME not in texts
    assert SERVICE_NUMBER not in texts
    assert "BTA Menton" not in texts
    assert window.session is None and window.view is None and window.home is None


def test_lock_button_locks_and_destroys_everything_that_shows_data(qtbot, device, make_window):
    window = make_window(device)
    unlock(qtbot, window)
    session = window.session
    page = window.open_module("lookup")
    assert page is not None and window.current_screen() is page
    view = window.view
    with qtbot.waitSignal(window.sig_locked):
        qtbot.mouseClick(window.top_bar.lock_button, Qt.MouseButton.LeftButton)
    assert window.locked
    assert session.locked  # the database is closed
    assert window.current_screen() is window.unlock_screen
    assert_shows_no_data(window)
    assert window.status_model.officer is None
    qtbot.waitUntil(lambda: not qt_is_valid(view) and not qt_is_valid(page))
    # And it unlocks again, with a fresh home screen.
    unlock(qtbot, window)
    assert window.current_screen() is window.home


def test_idle_timer_locks_the_device(qtbot, device, make_window):
    window = make_window(device, idle_lock_ms=300)
    locks: list[bool] = []
    window.sig_locked.connect(lambda: locks.append(True))
    unlock(qtbot, window)
    qtbot.waitUntil(lambda: window.locked, timeout=10000)
    assert locks == [True]
    assert window.current_screen() is window.unlock_screen
    assert_shows_no_data(window)
    assert not window.idle_timer.isActive()


def test_any_input_restarts_the_idle_timer(qtbot, device, make_window, monkeypatch):
    window = make_window(device, idle_lock_ms=60_000)
    unlock(qtbot, window)
    restarts: list[int] = []
    monkeypatch.setattr(window.idle_timer, "start", lambda *a: restarts.append(1))
    qtbot.mouseClick(window.home, Qt.MouseButton.LeftButton)
    qtbot.keyClick(window.home, Qt.Key.Key_A)
    assert len(restarts) >= 2


def test_idle_delay_comes_from_settings(qtbot, device, make_window):
    settings = Settings.load(device, idle_lock_seconds=45)
    window = make_window(device, settings)
    assert window.idle_timer.interval() == 45_000
    unlock(qtbot, window)
    window.open_settings()
    idle = window.settings_page.idle_choice
    assert idle.value() == 45
    qtbot.mouseClick(idle.buttons()[idle.values().index(600)], Qt.MouseButton.LeftButton)
    assert window.idle_timer.interval() == 600_000
    assert json.loads((device / "settings.json").read_text())["idle_lock_seconds"] == 600


def test_language_switch_retranslates_every_screen_live(qtbot, device, make_window):
    window = make_window(device)
    unlock(qtbot, window)
    window.open_settings()
    page = window.settings_page
    english = page.language_choice.buttons()[1]
    assert english.text() == "English"
    qtbot.mouseClick(english, Qt.MouseButton.LeftButton)

    assert window.top_bar.lock_button.text() == "Lock"
    assert window.top_bar.home_button.text() == "Home"
    assert page.title.text() == "Settings"
    assert page.theme_choice.buttons()[0].text() == "Day"
    assert window.home.greeting.text() == f"Hello {OFFICER_NAME}"
    assert window.home.tiles["lookup"].name.text() == "Record lookup"
    texts = window.status_bar.texts()
    assert "Offline" in texts and "Never synced" in texts and "GPS: no signal" in texts
    assert window.unlock_screen.unlock_button.text() == "Unlock"
    assert window.unlock_screen.number_label.text() == "Service number"
    assert json.loads((device / "settings.json").read_text())["language"] == "en"

    qtbot.mouseClick(page.language_choice.buttons()[0], Qt.MouseButton.LeftButton)
    assert window.top_bar.lock_button.text() == "Verrouiller"
    assert window.unlock_screen.unlock_button.text() == "Déverrouiller"


def test_night_theme_changes_the_stylesheet_and_is_saved(qtbot, device, make_window):
    window = make_window(device)
    day = window.styleSheet()
    assert theme.palette("day")["bg"] in day
    unlock(qtbot, window)
    window.open_settings()
    night_button = window.settings_page.theme_choice.buttons()[1]
    assert night_button.text() == "Nuit"
    qtbot.mouseClick(night_button, Qt.MouseButton.LeftButton)
    night = window.styleSheet()
    assert night != day
    assert theme.palette("night")["bg"] in night
    assert json.loads((device / "settings.json").read_text())["theme"] == "night"


def test_night_theme_has_no_pure_white():
    sheet = theme.stylesheet("night").upper()
    assert "#FFFFFF" not in sheet and "#FFF;" not in sheet and "WHITE" not in sheet
    assert all(v.upper() not in ("#FFFFFF", "#FFF") for v in theme.palette("night").values())


def _small_controls(root) -> list[str]:
    small = []
    for w in root.findChildren(QAbstractButton) + root.findChildren(QLineEdit):
        if w.isVisibleTo(root) and w.height() < 48:
            small.append(f"{type(w).__name__} {w.objectName()!r} {w.text()!r}: {w.height()} px")
    return small


def assert_big_enough(qtbot, root) -> None:
    # Layouts settle on the next turns of the event loop (after a resize or a page change).
    try:
        qtbot.waitUntil(lambda: _small_controls(root) == [], timeout=3000)
    except AssertionError:
        pytest.fail("controls under 48 px: " + "; ".join(_small_controls(root)))


@pytest.mark.parametrize("size", [(1280, 800), (800, 1280)])
def test_every_control_is_big_enough_for_a_gloved_finger(qtbot, device, make_window, size):
    window = make_window(device, size=size)
    assert_big_enough(qtbot, window.unlock_screen)
    unlock(qtbot, window)
    assert_big_enough(qtbot, window.view)
    window.open_settings()
    assert_big_enough(qtbot, window.view)


def test_home_columns_follow_the_width(qtbot, device, make_window):
    window = make_window(device)
    unlock(qtbot, window)
    home = window.home
    qtbot.waitUntil(lambda: home.columns in (3, 4))
    window.resize(800, 1280)
    qtbot.waitUntil(lambda: home.columns == 2)
    assert home.columns_for(1216, count=8) == 4
    assert home.columns_for(736, count=8) == 2


def test_status_model_feeds_the_status_bar_from_any_thread(qtbot, device, make_window):
    window = make_window(device)
    unlock(qtbot, window)
    model, bar = window.status_model, window.status_bar
    model.set_online(True)
    model.set_pending(3)
    assert "En ligne" in bar.texts() and "3 envois en attente" in bar.texts()

    def feed() -> None:
        model.set_gps("fix", 8.4)
        model.set_sync_state("syncing")

    worker = threading.Thread(target=feed)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: "GPS : ± 8 m" in bar.texts() and "Synchronisation…" in bar.texts())
    with pytest.raises(ValueError):
        model.set_gps("bogus")


def test_kiosk_toggle_goes_fullscreen_without_decorations(qtbot, device, make_window):
    window = make_window(device)
    unlock(qtbot, window)
    window.open_settings()
    switch = window.settings_page.kiosk_switch
    qtbot.mouseClick(switch, Qt.MouseButton.LeftButton)
    assert window.kiosk
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    qtbot.waitUntil(window.isFullScreen)
    assert json.loads((device / "settings.json").read_text())["fullscreen"] is True
    qtbot.mouseClick(switch, Qt.MouseButton.LeftButton)
    assert not window.kiosk
    assert not window.windowFlags() & Qt.WindowType.FramelessWindowHint


def test_about_block(qtbot, device, make_window):
    import neo
    from neo import api

    window = make_window(device)
    unlock(qtbot, window)
    page = window.settings_page
    assert page.neo_version.text() == neo.__version__
    assert page.api_version.text() == ".".join(map(str, api.VERSION))
    assert page.device.text() == window.session.device_id
