"""Fixtures for the statements' screens: the shell's window factory and a locked device
(from tests/ui), French and the collector off during each test (as in the app)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

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
