"""Fixtures for the Qt shell: a provisioned (locked) device and a window factory."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from neo.config import Settings
from neo.i18n import language, set_language
from neo.models import Officer
from neo.vault import Vault

PIN = "482913"
SERVICE_NUMBER = "100001"
OFFICER_NAME = "Jeanne Martin"


@pytest.fixture(autouse=True)
def _french_and_day() -> Iterator[None]:
    """Language and icon theme are process-wide: every test starts and ends in French, day."""
    from neo.ui.widgets import set_current_theme

    set_language("fr")
    set_current_theme("day")
    yield
    if language() != "fr":
        set_language("fr")
    set_current_theme("day")


@pytest.fixture
def device(data_dir: Path) -> Path:
    """A data directory holding an enrolled, locked device (officer 100001, PIN 482913)."""
    vault = Vault(data_dir, Settings.load(data_dir))
    vault.initialize(Officer(service_number=SERVICE_NUMBER, name=OFFICER_NAME, unit="BTA Menton"), PIN).lock()
    return data_dir


def builtin_host(session: Any) -> Any:
    from neo.host import ModuleHost

    return ModuleHost(session, entry_points=False)


@pytest.fixture
def make_window(qtbot: Any) -> Iterator[Callable[..., Any]]:
    """Windows on a real vault. As in the app, Python's collector runs on the UI thread
    only (never in the unlock worker, where it could delete Qt widgets)."""
    from neo.ui.app import MainWindow

    gc_was_enabled = gc.isenabled()
    gc.disable()
    windows: list[MainWindow] = []

    def factory(data_dir: Path, settings: Settings | None = None, *, size: tuple[int, int] = (1280, 800),
                **kwargs: Any) -> MainWindow:
        kwargs.setdefault("host_factory", builtin_host)
        window = MainWindow(data_dir, settings or Settings.load(data_dir), **kwargs)
        qtbot.addWidget(window)
        window.resize(*size)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield factory
    for window in windows:
        window.shutdown()
    from neo.ui.tasks import wait_for_tasks

    wait_for_tasks()
    windows.clear()
    gc.collect()
    if gc_was_enabled:
        gc.enable()


def unlock(qtbot: Any, window: Any, service_number: str = SERVICE_NUMBER, pin: str = PIN) -> None:
    from neo.ui.qt import Qt

    screen = window.unlock_screen
    screen.number.setText(service_number)
    screen.pin.setText(pin)
    qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.locked, timeout=15000)


def attempt(qtbot: Any, window: Any, pin: str, service_number: str = SERVICE_NUMBER) -> None:
    """One unlock attempt through the UI that is expected to fail; waits for its answer."""
    from neo.ui.qt import Qt

    screen = window.unlock_screen
    screen.number.setText(service_number)
    screen.pin.setText(pin)
    with qtbot.waitSignal(screen.sig_attempt_done, timeout=15000):
        qtbot.mouseClick(screen.unlock_button, Qt.MouseButton.LeftButton)


def all_texts(root: Any) -> list[str]:
    """Every piece of text a widget tree shows or exposes (labels, buttons, fields, tooltips)."""
    from neo.ui.qt import QAbstractButton, QLabel, QLineEdit, QWidget

    texts: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        texts += [w.toolTip(), w.accessibleName(), w.windowTitle(), w.statusTip(), w.whatsThis()]
        if isinstance(w, QLabel | QAbstractButton):
            texts.append(w.text())
        if isinstance(w, QLineEdit):
            texts += [w.text(), w.placeholderText()]
    return [t for t in texts if t]
