"""Fixtures for the Qt shell: a provisioned (locked) device, a window factory, and a
real HQ on loopback."""

from __future__ import annotations

import gc
import os
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

# Cheap PIN hashing at HQ (as in tests/hq), for the tests that run one.
os.environ.setdefault("NEO_HQ_ARGON2_MEMORY_KIB", "256")
os.environ.setdefault("NEO_HQ_ARGON2_TIME_COST", "1")
os.environ.setdefault("NEO_HQ_ARGON2_PARALLELISM", "1")


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


@pytest.fixture
def hq(tmp_path: Path) -> Iterator[Any]:
    """A real HQ on loopback (TLS with its own CA, real HTTP) with the unit "BTA Menton"
    and two of its officers: 100001 (PIN 482913) and 100002 (PIN 739164)."""
    from neo.hq.config import HQConfig
    from neo.hq.testing import LiveHQ
    from tests.ui.hqkit import OTHER_NUMBER, OTHER_PIN, UNIT

    with LiveHQ(HQConfig(data_dir=tmp_path / "hq")) as server:
        server.hq.add_unit(UNIT)
        server.hq.add_officer(SERVICE_NUMBER, OFFICER_NAME, UNIT, PIN)
        server.hq.add_officer(OTHER_NUMBER, "Karim Benali", UNIT, OTHER_PIN)
        yield server


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


def shown(widget: Any) -> str:
    """A label's text as written in the code (wrapped labels keep French punctuation on
    its line with non-breaking spaces)."""
    return widget.text().replace("\u00a0", " ")
