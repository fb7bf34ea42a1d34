"""The file in NEO's record lookup: the officer types a frame or marking number as read
in the street, the lookup asks every file and shows this one's hit with its card. The
tests drive the built-in lookup module (the module's own code never imports it)."""

from __future__ import annotations

from neo import i18n
from neo.modules.lookup.module import service_for as lookup_for

from neo_bicycles.module import service_for


def test_a_frame_number_typed_in_the_lookup_finds_the_stolen_bicycle(neo_host):
    neo_host.activate("bicycles")
    lookup = lookup_for(neo_host.activate("lookup"))
    assert ("stolen_bicycles", "Vélos volés") in lookup.files()
    outcome = lookup.search(text="wbk 12345-x", reason="recherche")  # offline: queued for HQ, answered here
    hits = [h for h in outcome.hits if h.file == "stolen_bicycles"]
    assert [(h.source, h.severity, h.file_label) for h in hits] == [("device", "warning", "Vélos volés")]
    card = lookup.card(hits[0])
    assert (card.title, card.subtitle) == ("WBK12345X", "Peugeot LR01")
    assert ("Volé le", "01/10/2026") in card.lines and ("Référence de la plainte", "2026/01842") in card.lines
    assert card.instruction.startswith("Vélo signalé volé")
    i18n.set_language("en")
    try:
        assert ("Stolen on", "01/10/2026") in lookup.card(hits[0]).lines
    finally:
        i18n.set_language("fr")


def test_a_reported_bicycle_is_found_by_its_marking_with_look_alike_letters(neo_host):
    service = service_for(neo_host.activate("bicycles"))
    bike = service.report(marking_number="MK7O2I55", brand="Cube", stolen_on="02/10/2026", stolen_in="Menton",
                          reference="2026/01850")
    lookup = lookup_for(neo_host.activate("lookup"))
    hits = [h for h in lookup.search(text="MK702155", reason="recherche").hits if h.file == "stolen_bicycles"]
    assert [h.record_id for h in hits] == [f"report:{bike.id}"]
    assert ("Signalé par", "100001") in lookup.card(hits[0]).lines


def test_the_file_goes_when_the_module_is_disabled(neo_host):
    neo_host.activate("bicycles")
    lookup = lookup_for(neo_host.activate("lookup"))
    neo_host.set_enabled("bicycles", False)
    assert "stolen_bicycles" not in dict(lookup.files())
    assert [h for h in lookup.search(text="WBK12345X", reason="recherche").hits if h.file == "stolen_bicycles"] == []
