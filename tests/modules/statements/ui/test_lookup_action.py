""""Utiliser dans une déposition": from a person's hit in the lookup, in the real shell,
to a complaint whose declarant is that person (statements and lookup both real modules
of the same host; the lookup's page and the statements' page as the officer sees them)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import Qt

from neo.modules.lookup.service import Hit
from neo.modules.statements.lookup_action import UseInStatement, identity_from_hit
from tests.ui.conftest import builtin_host, unlock

pytestmark = pytest.mark.qt

PERSON = Hit(file="persons", record_id="P00000042", score=0.97, severity="info", matched=("name", "birth_date"),
             instruction=None,
             payload={"surname": "DUPONT", "given_names": ["Jean", "Pierre"], "birth_date": "1985-03-12",
                      "birth_place": "Nice", "nationality": "française", "address": "4 rue Partouneaux",
                      "postal_code": "06500", "commune": "Menton"},
             updated_at=datetime(2026, 10, 1, 12, 0, tzinfo=UTC), source="hq", file_label="État civil")


def test_identity_from_the_records_of_the_lookup_files() -> None:
    assert identity_from_hit(PERSON) == {
        "surname": "DUPONT", "given_names": "Jean Pierre", "birth_date": "1985-03-12", "birth_place": "Nice",
        "nationality": "française", "address": "4 rue Partouneaux, 06500 Menton"}
    card = SimpleNamespace(file="id_documents", payload={"surname": "MARTIN", "given_names": ["Léa"],
                                                         "document_type": "Passeport", "number": "19AB12345"})
    assert identity_from_hit(card)["document"] == {"kind": "Passeport", "number": "19AB12345"}
    licence = SimpleNamespace(file="driving_licences", payload={"surname": "MARTIN", "number": "120675300123"})
    assert identity_from_hit(licence)["document"] == {"kind": "Permis de conduire", "number": "120675300123"}
    action = UseInStatement(SimpleNamespace())
    assert action.accepts(PERSON)
    assert not action.accepts(SimpleNamespace(file="stolen_vehicles", payload={"plate": "AB-123-CD"}))


def test_a_person_found_in_the_lookup_becomes_the_declarant_of_a_complaint(qtbot: Any, make_window: Any,
                                                                          device: Path) -> None:
    window = make_window(device, host_factory=builtin_host)
    unlock(qtbot, window)
    host = window.view.host
    assert str(host.get("statements").state) == "active"  # offered before its page was ever opened

    lookup = window.open_module("lookup").page
    lookup.open_hit(PERSON)
    action = next(b for b in lookup.detail.action_buttons if b.text() == "Utiliser dans une déposition")
    qtbot.mouseClick(action, Qt.MouseButton.LeftButton)

    container = window.view.module_pages["statements"]
    assert window.view.current() is container
    page = container.page
    qtbot.waitUntil(lambda: len(page.home.template_cards) == 5, timeout=10000)
    assert page.home.banner.isVisible()
    assert "DUPONT Jean Pierre, né(e) le 12/03/1985" in page.home.banner_text.text().replace("\u00a0", " ")

    card = next(c for c in page.home.template_cards if c.template.id == "plainte_x")
    qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.stack.currentWidget() is page.form, timeout=10000)
    declarant = page.form.steps[0].parties.cards[0]
    assert declarant.role == "declarant"
    editors = declarant.identity.editors
    assert editors["surname"].edit.text() == "DUPONT"
    assert editors["given_names"].edit.text() == "Jean Pierre"
    assert editors["birth_date"].value() == "1985-03-12"
    assert editors["address"].edit.text() == "4 rue Partouneaux, 06500 Menton"
    # Editable like any field, and saved.
    editors["phone"].edit.setText("06 12 34 56 78")
    qtbot.waitUntil(page.form.settled, timeout=10000)
    stored = page.service.load(page.form.draft.id).content["parties"][0]["identity"]
    assert stored["surname"] == "DUPONT" and stored["phone"] == "06 12 34 56 78"
    assert not page.home.banner.isVisible()  # used once
    taken = window.session.audit.events(action="statements.identity_from_lookup")
    assert [e.details for e in taken] == [{"file": "persons", "record_id": "P00000042"}]
