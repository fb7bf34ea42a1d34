"""The lookup service on a real device session (SQLCipher store, real audit log, the real
module host), with HQ's routes in memory (:class:`FakeRemote`)."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator
from typing import Any

import pytest

from neo import i18n, protocol
from neo.api import HqRefused
from neo.audit import verify_chain
from neo.host import ModuleHost
from neo.modules.lookup import service as service_mod
from neo.modules.lookup.match import plate_key
from neo.modules.lookup.service import FIELD_LIMITS, REASONS, LookupInputError, LookupService
from tests.modules.lookup.device import REGISTRATION, STOLEN, Clock, FakeRemote, hq_hit, lookup_service, start_host


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


@pytest.fixture
def remote() -> FakeRemote:
    r = FakeRemote()
    r.answers[plate_key("AB-123-CD") or ""] = [
        hq_hit("vehicle_registrations", "V1", REGISTRATION, severity="info", score=1.0),
        hq_hit("stolen_vehicles", "S1", STOLEN, severity="alert", score=0.98, instruction=STOLEN["instruction"]),
    ]
    return r


@pytest.fixture
def host(session: Any, remote: FakeRemote) -> Iterator[ModuleHost]:
    h = start_host(session, remote)
    yield h
    h.stop()


@pytest.fixture
def service(host: ModuleHost) -> LookupService:
    return lookup_service(host, Clock())[1]


def test_the_module_is_active_at_startup_with_its_tables(host: ModuleHost, session: Any) -> None:
    assert str(host.get("lookup").state) == "active"
    tables = session.store.read(lambda c: {r[0] for r in c.execute("SELECT name FROM sqlite_master")})
    assert {"lookup_queries", "lookup_hotlist", "lookup_hotlist_hashes"} <= tables


def test_online_plate_search_puts_the_stolen_vehicle_first_and_audits_it(service: LookupService, session: Any,
                                                                         remote: FakeRemote) -> None:
    out = service.search(text="ab 123 cd", reason="controle_routier")
    assert out.status == "answered" and out.message is None and out.hotlist == []
    assert [(h.file, h.severity, h.source) for h in out.hits] == [
        ("stolen_vehicles", "alert", "hq"), ("vehicle_registrations", "info", "hq")]
    assert out.hits[0].instruction == STOLEN["instruction"]
    assert out.hits[0].file_label == "Véhicules volés"
    assert out.top_severity == "alert"
    assert out.interpretations == ["plate"]
    # what went to HQ: the text as typed, the officer, the reason, the query id
    sent = remote.searches()[0]
    assert sent["text"] == "ab 123 cd" and sent["officer"] == "100001" and sent["reason"] == "controle_routier"
    assert sent["query_id"] == out.query_id
    # one audit event, with the query, the reason and the result count; the chain holds
    events = session.audit.events(action="lookup.query")
    assert len(events) == 1
    e = events[0]
    assert e.officer == "100001" and e.reason == "controle_routier"
    assert e.details["entry"] == "ab 123 cd" and e.details["result_count"] == 2
    assert e.details["status"] == "answered" and e.details["query_id"] == out.query_id
    assert verify_chain([ev.model_dump() for ev in session.audit.events()]).ok
    # in the history
    assert [o.query_id for o in service.history()] == [out.query_id]
    again = service.get(out.query_id)
    assert again is not None and [h.record_id for h in again.hits] == ["S1", "V1"]


def test_the_position_goes_to_hq_and_to_the_audit(session: Any, remote: FakeRemote) -> None:
    from neo.api import StaticPositionSource
    from neo.models import Position

    host = ModuleHost(session, StaticPositionSource(Position(lat=43.77, lon=7.5, accuracy=12)),
                      builtins=("neo.modules.lookup",), entry_points=False, remote=remote)
    host.discover()
    host.start()
    try:
        _, service = lookup_service(host)
        service.search(text="AB-123-CD", reason="recherche")
        assert remote.searches()[0]["position"] == {"lat": 43.77, "lon": 7.5, "accuracy": 12.0}
        event = session.audit.events(action="lookup.query")[0]
        assert (event.lat, event.lon) == (43.77, 7.5)
    finally:
        host.stop()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"text": "AB-123-CD", "reason": ""}, "reason"),
    ({"text": "AB-123-CD", "reason": "curiosite"}, "reason"),
    ({"text": "AB-123-CD", "reason": "autre"}, "reason_text"),
    ({"text": "AB-123-CD", "reason": "autre", "reason_text": "   "}, "reason_text"),
    ({"text": "AB-123-CD", "reason": "enquete", "reason_text": "x" * 201}, "reason_text"),
    ({"text": "   ", "reason": "enquete"}, "text"),
    ({"text": "x" * 401, "reason": "enquete"}, "text"),
    ({"text": "AB\x00123", "reason": "enquete"}, "text"),
    ({"text": "12/03/1985", "reason": "enquete"}, "text"),
    ({"reason": "enquete"}, "text"),
    ({"text": "AB-123-CD", "fields": {"plate": "AB-123-CD"}, "reason": "enquete"}, "text"),
    ({"fields": {}, "reason": "enquete"}, "fields"),
    ({"fields": {"colour": "rouge"}, "reason": "enquete"}, "fields"),
    ({"fields": {"plate": "A" * 21}, "reason": "enquete"}, "plate"),
    ({"fields": {"birth_date": "12/03/1985"}, "reason": "enquete"}, "surname"),
    ({"fields": {"mrz": "P<FRA<<<<"}, "reason": "enquete"}, "mrz"),
])
def test_bad_input_is_refused_before_anything_is_sent_stored_or_audited(service: LookupService, session: Any,
                                                                        remote: FakeRemote, kwargs: dict[str, Any],
                                                                        field: str) -> None:
    with pytest.raises(LookupInputError) as info:
        service.search(**kwargs)
    assert info.value.field == field
    assert info.value.message and info.value.message[0].isupper()
    assert remote.searches() == []
    assert session.audit.events(action="lookup.query") == []
    assert service.history() == []


def test_other_reason_with_its_text_and_structured_fields(service: LookupService, session: Any,
                                                          remote: FakeRemote) -> None:
    out = service.search(fields={"plate": "ab-123-cd", "surname": " ", "vin": None}, reason="autre",
                         reason_text="  Réquisition   du parquet ")
    assert out.status == "answered" and out.entry == {"plate": "ab-123-cd"}
    assert out.reason_text == "Réquisition du parquet"
    sent = remote.searches()[0]
    assert sent["fields"] == {"plate": "ab-123-cd"} and "text" not in sent
    assert sent["reason_text"] == "Réquisition du parquet"
    protocol.LookupRequest.model_validate(sent)
    assert session.audit.events(action="lookup.query")[0].details["reason_text"] == "Réquisition du parquet"


def test_refused_by_hq_is_stored_with_hqs_message_and_not_queued(service: LookupService, session: Any,
                                                                 remote: FakeRemote) -> None:
    remote.refuse = HqRefused("auth", "Agent désactivé.", {"code": "officer_disabled"}, status=403)
    out = service.search(text="AB-123-CD", reason="controle_routier")
    assert out.status == "refused" and out.hits == []
    assert out.message is not None and "Agent désactivé." in out.message
    assert service.pending() == []
    assert session.audit.events(action="lookup.query")[0].details["status"] == "refused"


def test_preview_reads_what_is_typed(service: LookupService) -> None:
    p = service.preview("ab123cd")
    assert p.kind == "plate" and p.searchable and "AB-123-CD" in p.description and p.problem is None
    p = service.preview("dupont jean 12/03/1985")
    assert p.kind == "person" and "12/03/1985" in p.description
    p = service.preview("12/03/1985")
    assert not p.searchable and p.problem
    assert service.preview("  ").searchable is False
    i18n.set_language("en")
    assert service.preview("ab123cd").description.startswith("Plate")


def test_reasons_are_the_protocols_and_translated(service: LookupService) -> None:
    assert tuple(code for code, _ in service.reasons()) == protocol.LOOKUP_REASONS == REASONS
    assert dict(service.reasons())["controle_routier"] == "Contrôle routier"
    i18n.set_language("en")
    assert dict(service.reasons())["controle_routier"] == "Traffic stop"


def test_the_module_mirrors_the_protocols_field_names() -> None:
    """The module may not import neo.protocol: its copies must stay in step."""
    assert set(FIELD_LIMITS) == set(protocol.LookupFields.model_fields)
    for name, limit in FIELD_LIMITS.items():
        meta = protocol.LookupFields.model_fields[name].metadata
        assert any(getattr(m, "max_length", None) == limit for m in meta), name
    assert service_mod.MAX_TEXT == 400 and service_mod.MAX_REASON_TEXT == 200
    assert set(typing.get_args(service_mod.Severity)) == set(typing.get_args(protocol.Severity))
    hit_fields = {f.name for f in dataclasses.fields(service_mod.Hit)}
    assert set(protocol.LookupHit.model_fields) - {"updated_at_ms"} <= hit_fields


def test_cards_show_the_documented_columns_in_both_languages(service: LookupService) -> None:
    out = service.search(text="AB-123-CD", reason="controle_routier")
    stolen, registration = out.hits
    card = service.card(stolen)
    assert card.title == "AB-123-CD" and card.subtitle == "Renault Clio gris"
    assert card.severity == "alert" and card.instruction == STOLEN["instruction"]
    assert ("Volé le", "02/01/2026") in card.lines
    assert card.file_label == "Véhicules volés" and card.source_label == "En direct du serveur central"
    assert card.updated_label.startswith("Mis à jour le")
    reg = service.card(registration)
    assert ("Titulaire", "DUPONT Jean") in reg.lines
    i18n.set_language("en")
    assert ("Holder", "DUPONT Jean") in service.card(registration).lines
    assert service.card(stolen).source_label == "Live from HQ"
    assert service.get(out.query_id).hits[0].file_label == "Stolen vehicles"  # type: ignore[union-attr]


def test_history_is_per_officer_searchable_and_limited(service: LookupService, session: Any,
                                                       remote: FakeRemote) -> None:
    clock = service._clock
    assert isinstance(clock, Clock)
    a = service.search(text="AB-123-CD", reason="controle_routier")
    clock.advance(minutes=1)
    b = service.search(text="Dupont Jean 12/03/1985", reason="controle_identite")
    assert [o.query_id for o in service.history()] == [b.query_id, a.query_id]
    assert [o.query_id for o in service.history(text="DUPONT")] == [b.query_id]
    assert [o.query_id for o in service.history(text="ab123cd")] == [a.query_id]
    assert [o.query_id for o in service.history(text="Dupont   JEAN")] == [b.query_id]
    assert service.history(text="martin") == []
    assert [o.query_id for o in service.history(limit=1)] == [b.query_id]
    # retention: past the limit the oldest answered queries go
    service.history_max = 1
    clock.advance(minutes=1)
    c = service.search(text="AB-123-CD", reason="controle_routier")
    assert [o.query_id for o in service.history()] == [c.query_id]
    service.history_max = 1000
    clock.advance(days=91)
    d = service.search(text="AB-123-CD", reason="controle_routier")
    assert [o.query_id for o in service.history()] == [d.query_id]


def test_another_officer_does_not_see_the_history(session: Any, vault: Any, remote: FakeRemote) -> None:
    from neo.models import Officer

    host = start_host(session, remote)
    _, service = lookup_service(host)
    service.search(text="AB-123-CD", reason="controle_routier")
    vault.add_officer(session, Officer(service_number="100002", name="Paul Roux", unit="BTA Menton"), "739164")
    host.stop()
    session.lock()
    other = vault.unlock("100002", "739164")
    host2 = start_host(other, remote)
    try:
        _, service2 = lookup_service(host2)
        assert service2.history() == []
    finally:
        host2.stop()
        other.lock()


def test_retention_and_refresh_come_from_the_modules_settings(session: Any, remote: FakeRemote) -> None:
    from neo.api import ModuleSettings

    settings = ModuleSettings(session.store, "lookup")
    settings.set("history_max", 3)
    settings.set("hotlist_refresh_minutes", "often")  # not a number: the default
    host = start_host(session, remote)
    try:
        _, service = lookup_service(host)
        assert service.history_max == 3 and service.hotlist_refresh.total_seconds() == 15 * 60
        assert service.retention.days == 90
    finally:
        host.stop()
