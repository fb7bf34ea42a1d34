"""Fixtures for the lookup page: a real session and module context (real SQLCipher store,
real host), the page on a stand-in service (``fake_page``)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from neo.i18n import language, set_language


@pytest.fixture(autouse=True)
def _french_and_collector() -> Iterator[None]:
    """French, and Python's collector off during the test (as in the app: never on a worker)."""
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


class Chime:
    """Counts the plays instead of making a sound."""

    def __init__(self) -> None:
        self.played = 0

    def play(self) -> None:
        self.played += 1


@pytest.fixture
def lookup_ctx(session: Any) -> Iterator[Any]:
    """The lookup module's real context on a real session (no HQ link)."""
    from neo.host import ModuleHost

    host = ModuleHost(session, builtins=("neo.modules.lookup",), entry_points=False)
    host.discover()
    host.start()
    ctx = host.activate("lookup")
    yield ctx
    host.stop()


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
    page.test_frame = frame  # the frame lives as long as the page's wrapper
    frame.resize(*size)
    frame.show()
    qtbot.waitExposed(frame)
    return page


@pytest.fixture
def fake_page(qtbot: Any, lookup_ctx: Any) -> Any:
    from neo.modules.lookup.ui.page import Page
    from tests.modules.lookup.ui.fakes import FakeService

    service = FakeService(lookup_ctx.tr)
    page = Page(lookup_ctx, service=service, chime=Chime())
    return show(qtbot, page)
