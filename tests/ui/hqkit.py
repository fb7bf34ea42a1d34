"""Helpers for the shell's tests against a real HQ (the ``hq`` fixture is in conftest.py)."""

from __future__ import annotations

from typing import Any

from neo.ui.qt import Qt

UNIT = "BTA Menton"
OTHER_NUMBER = "100002"
OTHER_PIN = "739164"


def enrol_through_the_screen(qtbot: Any, window: Any, code: str, device_name: str = "Tablette BTA 3") -> None:
    """Type the code and the name, tap "Enrôler l'appareil", wait for the answer."""
    screen = window.enrol_screen
    screen.code.setText(code)
    screen.device_name.setText(device_name)
    with qtbot.waitSignal(screen.sig_attempt_done, timeout=30000):
        qtbot.mouseClick(screen.enrol_button, Qt.MouseButton.LeftButton)
