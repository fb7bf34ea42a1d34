"""Module tiles and pages: failures are shown on their tile and never take the others down."""

from __future__ import annotations

from pathlib import Path

import pytest

from neo.ui.app import ModulePage
from neo.ui.home import ModuleErrorDialog
from neo.ui.qt import Qt
from tests.host.modkit import activate_path, deactivate_path, write_module
from tests.ui.conftest import unlock

pytestmark = pytest.mark.qt

PACKAGES = ["neo_ui_good", "neo_ui_bad_page", "neo_ui_bad_start"]

PAGE_RAISES = '''
from PySide6.QtWidgets import QWidget


class Page(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        raise RuntimeError("boom while rendering")
'''


@pytest.fixture
def modules_root(tmp_path: Path):
    root = tmp_path / "site"
    root.mkdir()
    write_module(root, "neo_ui_good", "ui_good", activation="on_open")
    write_module(root, "neo_ui_bad_page", "ui_bad_page", activation="on_open", page_body=PAGE_RAISES)
    write_module(root, "neo_ui_bad_start", "ui_bad_start", activation="startup",
                 activate_body='raise RuntimeError("boom at activation")')
    activate_path(root)
    yield root
    deactivate_path(root, PACKAGES)


def host_with_test_modules(session):
    from neo.host import ModuleHost

    return ModuleHost(session, builtins=("neo.modules.lookup", *PACKAGES), entry_points=False)


@pytest.fixture
def window(qtbot, device, make_window, modules_root):
    win = make_window(device, host_factory=host_with_test_modules)
    unlock(qtbot, win)
    return win


def tap(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_a_module_failing_at_startup_is_red_with_its_error_one_tap_away(qtbot, window):
    home = window.home
    assert set(home.tiles) == {"lookup", "ui_good", "ui_bad_page", "ui_bad_start"}
    bad = home.tiles["ui_bad_start"]
    assert bad.state == "failed"
    assert bad.badge.text() == "En échec"
    assert bad.property("state") == "failed"
    tap(qtbot, bad)
    dialog = home.dialog
    assert isinstance(dialog, ModuleErrorDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert "boom at activation" in dialog.error.text()
    assert "activation" in dialog.state.text()
    assert window.current_screen() is home
    tap(qtbot, dialog.close_button)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_a_page_that_raises_marks_its_module_failed_and_the_others_still_open(qtbot, window):
    home = window.home
    tile = home.tiles["ui_bad_page"]
    assert tile.state == "discovered"
    tap(qtbot, tile)

    assert window.current_screen() is home
    assert home.banner.isVisible()
    assert "n'a pas pu afficher sa page" in home.banner.text.text()
    assert "boom while rendering" in home.banner.text.text()
    rec = window.host.get("ui_bad_page")
    assert str(rec.state) == "failed" and rec.error_stage == "render"
    qtbot.waitUntil(lambda: home.tiles["ui_bad_page"].state == "failed")
    assert home.tiles["ui_bad_page"].badge.text() == "En échec"

    tap(qtbot, home.tiles["ui_good"])
    page = window.current_screen()
    assert isinstance(page, ModulePage)
    assert page.title.text() == "Module ui_good"
    assert page.page is not None and page.page.text() == "Page de test"
    tap(qtbot, page.back_button)
    assert window.current_screen() is home

    tap(qtbot, home.tiles["lookup"])
    assert isinstance(window.current_screen(), ModulePage)
    assert window.current_screen().module_id == "lookup"
    # Tapping the failed tile again shows its error instead of retrying.
    window.go_home()
    tap(qtbot, home.tiles["ui_bad_page"])
    qtbot.waitUntil(lambda: home.dialog is not None and home.dialog.isVisible())
    assert "boom while rendering" in home.dialog.error.text()


def test_disabling_a_module_in_the_settings_updates_home(qtbot, window):
    window.open_settings()
    page = window.settings_page
    row = page.module_rows["ui_good"]
    assert row.switch.isChecked()
    assert "Version 1.2.0" in row.meta.text()
    assert page.module_rows["ui_bad_start"].error.isVisible()
    tap(qtbot, row.switch)
    assert str(window.host.get("ui_good").state) == "disabled"
    assert not page.module_rows["ui_good"].switch.isChecked()
    window.go_home()
    tile = window.home.tiles["ui_good"]
    assert tile.state == "disabled" and tile.badge.text() == "Désactivé"
    tap(qtbot, tile)
    assert window.current_screen() is window.home
    assert "désactivé" in window.home.banner.text.text()
    # Enabled again, it opens.
    window.open_settings()
    tap(qtbot, page.module_rows["ui_good"].switch)
    window.go_home()
    tap(qtbot, window.home.tiles["ui_good"])
    assert isinstance(window.current_screen(), ModulePage)


def test_disabling_an_open_module_closes_its_page(qtbot, window):
    page = window.open_module("ui_good")
    assert page is not None
    window.host.set_enabled("ui_good", False)
    qtbot.waitUntil(lambda: "ui_good" not in window.view.module_pages)
    assert window.current_screen() is window.home


def test_shell_opens_even_if_the_module_host_breaks(qtbot, device, make_window):
    def broken(session):
        raise RuntimeError("host exploded")

    window = make_window(device, host_factory=broken)
    unlock(qtbot, window)
    assert window.current_screen() is window.home
    assert "host exploded" in window.home.banner.text.text()
    assert window.home.tiles == {}
    assert window.home.empty.isVisible()
