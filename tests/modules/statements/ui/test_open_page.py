"""``ctx.open_page`` (API 1.3): a module brings its own page up through the shell, with
parameters for the page's ``open_with``, from the UI thread or a worker; headless, it raises."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import builtin_host, unlock

pytestmark = pytest.mark.qt


class Recorder:
    def __init__(self) -> None:
        self.params: list[dict[str, Any]] = []


def test_a_module_opens_its_page_with_parameters(qtbot: Any, make_window: Any, device: Path) -> None:
    window = make_window(device, host_factory=builtin_host)
    unlock(qtbot, window)
    host = window.view.host
    ctx = host.activate("lookup")
    got = Recorder()

    ctx.open_page(entry="AB-123-CD")
    container = window.view.module_pages["lookup"]
    assert window.view.current() is container
    container.page.open_with = got.params.append  # a page that takes parameters
    window.view.show_home()

    worker = threading.Thread(target=lambda: ctx.open_page(entry="DUPONT", n=2))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: got.params == [{"entry": "DUPONT", "n": 2}])
    assert window.view.current() is container

    # The page's own failure leaves the page shown.
    container.page.open_with = lambda params: 1 / 0
    window.view.show_home()
    ctx.open_page()
    assert window.view.current() is container

    # Locked: the view is gone and so is the shell's navigator.
    window.lock()
    assert host.navigator is None
    with pytest.raises(RuntimeError):
        ctx.open_page()


def test_headless_contexts_cannot_open_pages(session: Any) -> None:
    host = builtin_host(session)
    host.discover()
    host.start()
    try:
        ctx = host.activate("lookup")
        with pytest.raises(RuntimeError, match="no shell"):
            ctx.open_page(x=1)
    finally:
        host.stop()
