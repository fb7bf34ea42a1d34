"""Fixtures for the statements' screens: the shell's window factory and a locked device
(from tests/ui), French and the collector off during each test (as in the app)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from neo.i18n import language, set_language
from tests.ui.conftest import device as device  # the fixtures
from tests.ui.conftest import make_window as make_window


@pytest.fixture(autouse=True)
def _french_and_collector() -> Iterator[None]:
    set_language("fr")
    was = gc.isenabled()
    gc.disable()
    yield
    from PySide6.QtCore import QThreadPool

    QThreadPool.globalInstance().waitForDone(30000)
    if language() != "fr":
        set_language("fr")
    gc.collect()
    if was:
        gc.enable()


@pytest.fixture
def statements_host(session: Any) -> Iterator[Any]:
    """A real host on a real session (SQLCipher store) with the lookup and the statements."""
    from neo.api import Position, StaticPositionSource
    from neo.host import ModuleHost

    gps = StaticPositionSource(Position(lat=43.775412, lon=7.497531, accuracy=8.0))
    host = ModuleHost(session, builtins=("neo.modules.lookup", "neo.modules.statements"), entry_points=False,
                      position_source=gps)
    host.discover()
    host.start()
    yield host
    host.stop()


@pytest.fixture
def statements_ctx(statements_host: Any) -> Any:
    return statements_host.activate("statements")


def show(qtbot: Any, page: Any, size: tuple[int, int] = (1280, 660), theme: str = "day") -> Any:
    """Show the page in a frame carrying the shell's theme (as in the app's window)."""
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from neo.ui import theme as themes

    frame = QWidget()
    frame.setStyleSheet(themes.stylesheet(theme))
    box = QVBoxLayout(frame)
    box.setContentsMargins(0, 0, 0, 0)
    box.addWidget(page)
    qtbot.addWidget(frame)
    page.test_frame = frame
    frame.resize(*size)
    frame.show()
    qtbot.waitExposed(frame)
    return page


@pytest.fixture
def page(qtbot: Any, statements_ctx: Any) -> Any:
    from neo.modules.statements.ui.page import Page

    shown = show(qtbot, Page(statements_ctx))
    qtbot.waitUntil(lambda: len(shown.home.template_cards) == 5, timeout=10000)
    return shown
