"""The page in NEO's window: on the home screen, the list, the filter, the report form.
``neo_window`` fails the test if a widget survives the device locking."""

from __future__ import annotations

from PySide6.QtCore import Qt


def tap(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_the_page_lists_filters_and_reports(neo_window, qtbot):
    neo_window.unlock()
    assert neo_window.home.tiles["bicycles"].state == "active"  # activation = "startup"
    page = neo_window.open("bicycles")
    assert page.count.text() == "8 vélo(s)"
    page.filter.setText("menton")
    assert page.list.count() == 3 and page.count.text() == "3 vélo(s)"
    page.filter.setText("fc2k8hq4p7")
    assert page.shown_ids() == ["registry:csv-3"]
    assert "Decathlon Riverside 500, vert" in page.list.item(0).text()

    tap(qtbot, page.report_button)
    assert not page.form.isHidden()
    page.inputs["frame"].setText("XK 2024 771 B")
    page.inputs["stolen_on"].setText("14/09/2026")
    page.inputs["stolen_in"].setText("Menton")
    tap(qtbot, page.save_button)
    assert not page.error.isHidden() and page.error.text() == "Indiquez la référence de la plainte."
    page.inputs["reference"].setText("2026/01702")
    tap(qtbot, page.save_button)
    assert page.form.isHidden()
    assert page.count.text() == "9 vélo(s)"
    assert page.list.item(0).text().endswith("signalé par l'unité")


def test_the_page_in_english(neo_window):
    from neo import i18n

    neo_window.unlock()
    page = neo_window.open("bicycles")
    i18n.set_language("en")
    try:
        assert page.report_button.text() == "Report a stolen bicycle"
        assert page.count.text() == "8 bicycle(s)"
    finally:
        i18n.set_language("fr")
