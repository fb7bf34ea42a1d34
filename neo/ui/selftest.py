"""The window part of ``neo self-test``: open the shell headless, unlock, open every
module page, lock, and check the lock screen shows nothing of the officer.

``check`` raises ``AssertionError`` (or ``TimeoutError``) with a plain message on failure.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from neo.config import Settings

TIMEOUT_S = 30.0


def _pump(app: object, until: Callable[[], bool], what: str) -> None:
    from neo.ui.qt import QApplication

    assert isinstance(app, QApplication)
    deadline = time.monotonic() + TIMEOUT_S
    while not until():
        app.processEvents()
        if time.monotonic() > deadline:
            raise TimeoutError(f"the window did not {what} within {TIMEOUT_S:.0f} s")
        time.sleep(0.01)


def check(data_dir: Path, settings: Settings, service_number: str, pin: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from neo.i18n import set_language
    from neo.ui.app import MainWindow
    from neo.ui.qt import QApplication, QLabel, QLineEdit, QWidget
    from neo.ui.tasks import wait_for_tasks

    app = QApplication.instance() or QApplication(["neo-self-test"])
    set_language(settings.language)
    window = MainWindow(Path(data_dir), settings)
    try:
        window.resize(1280, 800)
        window.show()
        screen = window.unlock_screen
        assert window.current_screen() is screen, "the unlock screen is not shown"
        screen.number.setText(service_number)
        screen.pin.setText(pin)
        screen.submit()
        _pump(app, lambda: not window.locked or screen.error.isVisible(), "unlock")
        assert not window.locked, f"unlock refused: {screen.error.text()}"
        home = window.home
        assert home is not None and window.current_screen() is home, "the home screen is not shown"
        failed = [t.module_id for t in home.tiles.values() if t.state in ("failed", "incompatible")]
        assert not failed, f"modules failed: {failed}"
        for module_id, tile in list(home.tiles.items()):
            if tile.rec.has_page and tile.state != "disabled":
                page = window.open_module(module_id)
                assert page is not None, f"the page of {module_id} did not open: {home.banner.text.text()}"
                window.go_home()
        window.lock()
        assert window.locked and window.current_screen() is window.unlock_screen, "the window did not lock"
        shown = []
        for widget in window.findChildren(QWidget):
            if isinstance(widget, QLabel):
                shown.append(widget.text())
            elif isinstance(widget, QLineEdit):
                shown.append(widget.text())
        leaked = [t for t in shown if service_number in t]
        assert not leaked, f"the lock screen shows officer data: {leaked}"
    finally:
        window.shutdown()
        window.close()
        window.deleteLater()
        wait_for_tasks()
        app.processEvents()
