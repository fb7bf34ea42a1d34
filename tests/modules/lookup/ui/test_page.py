"""The lookup page's behaviour on a stand-in service (exact control over answers and
threads); the real service and a real HQ are in test_page_live.py."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QWidget

from neo.i18n import set_language
from neo.modules.lookup.service import ResultAction
from neo.modules.lookup.ui.page import Page
from tests.modules.lookup.ui.conftest import Chime, show
from tests.modules.lookup.ui.fakes import WANTED, FakeService

pytestmark = pytest.mark.qt

NAME_ENTRY = "dupont jean 12/03/1985"


def tap(qtbot: Any, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def plain(widget: Any) -> str:
    return widget.text().replace("\u00a0", " ")


def search(qtbot: Any, page: Page, text: str, reason: str = "controle_routier") -> None:
    view = page.search
    if view.reasons.reason() != reason:
        tap(qtbot, view.reasons.chips[reason]) if view.reasons.choosing() else view.reasons.choose_reason(reason)
    view.field.setText(text)
    tap(qtbot, view.search_button)
    qtbot.waitUntil(lambda: page.running is None and view.outcome is not None, timeout=10000)


def test_no_search_before_a_reason_and_autre_needs_its_text(qtbot: Any, fake_page: Page) -> None:
    view = fake_page.search
    assert view.reasons.choosing() and len(view.reasons.chips) == 6
    qtbot.keyClicks(view.field, "AB-123-CD")
    assert not view.search_button.isEnabled()
    assert plain(view.blocker) == "Choisissez d'abord le motif de la consultation."
    qtbot.keyClick(view.field, Qt.Key.Key_Return)  # Enter says why instead of searching
    assert view.error.isVisible() and "motif" in view.error.text()
    assert fake_page.service.searched == []

    tap(qtbot, view.reasons.chips["autre"])
    assert not view.reasons.choosing() and view.reasons.other_text.isVisible()
    assert not view.search_button.isEnabled()
    assert plain(view.blocker) == "Précisez le motif « Autre » avant de rechercher."
    qtbot.keyClicks(view.reasons.other_text, "Renfort demande par la BAC")
    assert view.search_button.isEnabled() and view.blocker.isHidden()

    qtbot.keyClick(view.field, Qt.Key.Key_Return)  # Enter searches
    qtbot.waitUntil(lambda: fake_page.service.searched != [])
    assert fake_page.service.searched[0]["reason"] == "autre"
    assert fake_page.service.searched[0]["reason_text"] == "Renfort demande par la BAC"


def test_the_reason_stays_for_the_next_queries_and_a_new_page_until_changed(qtbot: Any, fake_page: Page,
                                                                             lookup_ctx: Any) -> None:
    search(qtbot, fake_page, "AB-123-CD", "controle_identite")
    search(qtbot, fake_page, "EF-456-GH", "controle_identite")
    assert [s["reason"] for s in fake_page.service.searched] == ["controle_identite"] * 2
    assert not fake_page.search.reasons.choosing()
    # After a lock the page is rebuilt: the patrol's reason is offered again.
    qtbot.waitUntil(lambda: lookup_ctx.settings.get("last_reason") is not None)
    again = show(qtbot, Page(lookup_ctx, service=FakeService(lookup_ctx.tr), chime=Chime()))
    assert again.search.reasons.reason() == "controle_identite" and not again.search.reasons.choosing()
    tap(qtbot, again.search.reasons.change_button)
    assert again.search.reasons.choosing()
    tap(qtbot, again.search.reasons.chips["enquete"])
    assert again.search.reasons.reason() == "enquete" and not again.search.reasons.choosing()


def test_typing_shows_what_was_understood(qtbot: Any, fake_page: Page) -> None:
    view = fake_page.search
    assert view.preview.isHidden() and view.preview_hint.isVisible()
    qtbot.keyClicks(view.field, "ab123cd")
    assert view.preview.isVisible() and view.preview.text() == "Plaque SIV AB-123-CD"
    view.field.setText("ZZ-000-ZZ")
    assert plain(view.preview_problem).startswith("Plaque impossible :")


def test_results_alert_first_with_instruction_then_detail_and_back(qtbot: Any, fake_page: Page) -> None:
    search(qtbot, fake_page, NAME_ENTRY)
    rows = fake_page.search.rows
    assert [r.hit.severity for r in rows] == ["alert", "warning", "info"]
    first = rows[0]
    assert first.property("role") == "banner" and first.property("kind") == "error"
    assert first.badge.text() == "INDIVIDU RECHERCHÉ"
    assert plain(first.instruction).startswith("Conduite à tenir : Interpeller")
    assert "HQ (en direct)" in first.meta.text() and "20/11/2026" in first.meta.text()
    assert rows[2].property("role") == "card"

    tap(qtbot, first)
    detail = fake_page.detail
    assert fake_page.stack.currentWidget() is detail
    assert detail.title.text() == "DUPONT Jean" and detail.instruction.isVisible()
    assert detail.lines.count() == 6  # three (label, value) lines
    tap(qtbot, detail.back_button)
    assert fake_page.stack.currentWidget() is fake_page.search


def test_nothing_found_lists_the_files_searched(qtbot: Any, fake_page: Page) -> None:
    search(qtbot, fake_page, "GH-789-JK")
    view = fake_page.search
    nothing = view.results.findChild(QWidget, "NothingFound")
    assert nothing is not None
    files = view.results.findChild(QWidget, "SearchedFiles")
    assert plain(files) == ("Fichiers consultés : Fichier des personnes recherchées, État civil, "
                            "Véhicules volés")


def test_a_refused_entry_is_explained_next_to_the_field(qtbot: Any, fake_page: Page) -> None:
    view = fake_page.search
    view.reasons.choose_reason("controle_routier")
    view.field.setText("???")
    tap(qtbot, view.search_button)
    qtbot.waitUntil(lambda: fake_page.running is None and view.error.isVisible())
    assert fake_page.search.error.text() == "Saisie vide ou non reconnue."


def test_the_query_runs_off_the_ui_thread_with_a_busy_indicator(qtbot: Any, fake_page: Page) -> None:
    service = fake_page.service
    service.gate = threading.Event()
    view = fake_page.search
    view.reasons.choose_reason("controle_routier")
    view.field.setText(NAME_ENTRY)
    tap(qtbot, view.search_button)
    # The UI thread is free while HQ "thinks": the busy row shows, the button waits.
    qtbot.waitUntil(lambda: view.busy_row.isVisible())
    assert not view.search_button.isEnabled()
    service.gate.set()
    qtbot.waitUntil(lambda: fake_page.running is None and view.rows != [])
    assert view.busy_row.isHidden() and view.search_button.isEnabled()


def test_offline_the_query_waits_then_the_answer_is_announced(qtbot: Any, fake_page: Page) -> None:
    service = fake_page.service
    service.online = False
    service.hotlist = ["plate"]
    search(qtbot, fake_page, "AB-123-CD")
    view = fake_page.search
    assert view.results.findChild(QWidget, "Waiting") is not None
    flag = view.results.findChild(QWidget, "HotlistText")
    assert plain(flag) == "Correspondance probable dans le fichier des véhicules volés — à confirmer en ligne"
    qtbot.waitUntil(lambda: fake_page.tab_buttons["pending"].text() == "En attente (1)")
    tap(qtbot, fake_page.tab_buttons["pending"])
    qtbot.waitUntil(lambda: len(fake_page.pending.rows) == 1)
    row = fake_page.pending.rows[0]
    assert row.entry.text() == "AB-123-CD" and row.status.text() == "En attente de réseau"
    assert "Contrôle routier · demandée le" in plain(row.meta)

    # The network is back: the service drains on its own thread and tells the page.
    service.online = True
    service.answers["AB-123-CD"] = [WANTED]
    drainer = threading.Thread(target=service.drain)
    drainer.start()
    drainer.join()
    qtbot.waitUntil(lambda: fake_page.banner.isVisible())
    assert plain(fake_page.banner_text) == "Réponse reçue pour AB-123-CD — 1 correspondance"
    assert fake_page.banner.property("kind") == "error"  # an alert: red
    assert fake_page.chime.played == 1
    qtbot.waitUntil(lambda: fake_page.pending.rows == [] and fake_page.tab_buttons["pending"].text() == "En attente")
    # "Voir" opens the answer; the search screen showed that query, it is updated too.
    tap(qtbot, fake_page.banner_open)
    assert fake_page.stack.currentWidget() is view and fake_page.banner.isHidden()
    assert [r.hit.file for r in view.rows] == ["wanted_persons"]


def test_retry_now_drains_from_the_waiting_list(qtbot: Any, fake_page: Page) -> None:
    service = fake_page.service
    service.online = False
    search(qtbot, fake_page, "AB-123-CD")
    tap(qtbot, fake_page.tab_buttons["pending"])
    qtbot.waitUntil(lambda: len(fake_page.pending.rows) == 1)
    tap(qtbot, fake_page.pending.retry_button)
    qtbot.waitUntil(lambda: fake_page.pending.retry_button.isEnabled())
    assert plain(fake_page.pending.message) == "Le QG reste injoignable : les requêtes attendent toujours."
    service.online = True
    tap(qtbot, fake_page.pending.retry_button)
    qtbot.waitUntil(lambda: fake_page.banner.isVisible() and fake_page.pending.rows == [])
    assert plain(fake_page.banner_text) == "Réponse reçue pour AB-123-CD — Aucune correspondance"
    assert fake_page.banner.property("kind") == "info"


def test_history_reopens_an_answer_without_asking_again(qtbot: Any, fake_page: Page) -> None:
    search(qtbot, fake_page, NAME_ENTRY)
    search(qtbot, fake_page, "GH-789-JK")
    tap(qtbot, fake_page.tab_buttons["history"])
    history = fake_page.history
    qtbot.waitUntil(lambda: len(history.rows) == 2)
    assert [r.entry.text() for r in history.rows] == ["GH-789-JK", NAME_ENTRY]
    assert history.rows[1].status.text() == "3 correspondances"
    assert history.rows[1].property("kind") == "error"
    asked = len(fake_page.service.searched)
    tap(qtbot, history.rows[1])
    assert fake_page.stack.currentWidget() is fake_page.search
    assert [r.hit.severity for r in fake_page.search.rows] == ["alert", "warning", "info"]
    assert len(fake_page.service.searched) == asked
    history.filter.setText("GH-")
    tap(qtbot, fake_page.tab_buttons["history"])
    qtbot.waitUntil(lambda: [r.entry.text() for r in history.rows] == ["GH-789-JK"])


def test_detailed_fields_are_sent_as_fields(qtbot: Any, fake_page: Page) -> None:
    view = fake_page.search
    view.reasons.choose_reason("controle_identite")
    tap(qtbot, view.details_button)
    assert view.details.isVisible() and view.field.isHidden()
    assert not view.search_button.isEnabled()
    view.inputs["surname"].setText("Dupont")
    view.inputs["birth_date"].setText("12/03/1985")
    view.mrz[0].insert_text("IDFRADUPONT<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<\n8806923102858JEAN<<<<<<<<<<<1985031M1")
    assert view.mrz[1].text().startswith("8806923102858")
    qtbot.keyClick(view.inputs["surname"], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: fake_page.service.searched != [])
    fields = fake_page.service.searched[0]["fields"]
    assert fields["surname"] == "Dupont" and fields["birth_date"] == "12/03/1985"
    assert fields["mrz"].count("\n") == 1 and fake_page.service.searched[0]["text"] is None


def test_actions_offered_by_other_modules_appear_in_the_detail(qtbot: Any, fake_page: Page) -> None:
    used: list[Any] = []
    fake_page.service.actions_offered = [
        ResultAction("use", "statements", "Utiliser dans une déposition", lambda: used.append(True))]
    search(qtbot, fake_page, NAME_ENTRY)
    fake_page.open_hit(fake_page.search.rows[0].hit)
    buttons = fake_page.detail.action_buttons
    assert [b.text() for b in buttons] == ["Utiliser dans une déposition"]
    tap(qtbot, buttons[0])
    assert used == [True] and plain(fake_page.detail.action_message) == "« Utiliser dans une déposition » : fait."


@pytest.mark.parametrize("size", [(1280, 660), (800, 1140)], ids=["landscape", "portrait"])
def test_touch_targets_are_at_least_48_px(qtbot: Any, fake_page: Page, size: tuple[int, int]) -> None:
    fake_page.test_frame.resize(*size)
    search(qtbot, fake_page, NAME_ENTRY)
    fake_page.search.reasons.reopen()
    screens = [fake_page.search]
    fake_page.open_hit(fake_page.search.rows[0].hit)
    screens.append(fake_page.detail)
    small = []
    for screen in screens:
        fake_page.stack.setCurrentWidget(screen)
        qtbot.wait(20)
        for w in fake_page.findChildren(QWidget):
            if w.isVisible() and (isinstance(w, QAbstractButton | QLineEdit) or w.objectName() in ("ResultRow",)):
                if w.height() < 48 or w.width() < 48:
                    small.append(f"{type(w).__name__} {w.objectName()} {w.width()}x{w.height()}")
    assert not small, small
    assert fake_page.search.field.width() >= 500  # the field keeps room for a pasted MRZ line


def test_english_live_retranslation(qtbot: Any, fake_page: Page) -> None:
    search(qtbot, fake_page, NAME_ENTRY)
    set_language("en")
    fake_page.retranslate()
    view = fake_page.search
    assert view.search_button.text() == "Search"
    assert fake_page.tab_buttons["history"].text() == "History"
    assert view.rows[0].badge.text() == "WANTED PERSON"
    assert plain(view.rows[0].instruction).startswith("What to do: ")
    assert view.reasons.change_button.text() == "Change"
    assert view.reasons.value.text() == "Traffic stop"
