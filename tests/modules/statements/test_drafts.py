"""Drafts on a real device: every change written at once, prefill, parties, attachments,
signatures, validation messages in French next to their field."""

from __future__ import annotations

from typing import Any

import pytest

from neo.api import Position, StaticPositionSource
from neo.modules.statements.service import StatementError, StatementService
from tests.modules.statements.helpers import fill_complaint, png, service_of


def test_a_new_draft_has_the_declarant_prefilled_and_is_audited(service: StatementService, session: Any) -> None:
    draft_id = service.new_draft("plainte_x", {"surname": " DUPONT ", "given_names": "Zoé", "birth_date": "1980-02-03",
                                               "document": {"kind": "CNI", "number": "X4RTBPFW4", "x": "y"},
                                               "unexpected": "dropped"})
    draft = service.load(draft_id)
    assert draft.template_id == "plainte_x" and draft.template_version == 1
    assert draft.content["parties"] == [{"role": "declarant", "identity": {
        "surname": "DUPONT", "given_names": "Zoé", "birth_date": "1980-02-03",
        "document": {"kind": "CNI", "number": "X4RTBPFW4"}}}]
    assert [d.id for d in service.drafts()] == [draft_id]
    assert service.drafts()[0].declarant == "DUPONT Zoé"
    events = session.audit.events(action="statements.draft_created")
    assert [e.details["draft_id"] for e in events] == [draft_id]


def test_the_position_is_prefilled_when_there_is_a_fix(session: Any, clock: Any) -> None:
    from neo.host import ModuleHost

    source = StaticPositionSource(Position(lat=43.77641234, lon=7.50481234, accuracy=7.24))
    host = ModuleHost(session, builtins=("neo.modules.statements",), entry_points=False, position_source=source)
    host.discover()
    host.start()
    try:
        _, service = service_of(host, clock)
        where = service.load(service.new_draft("main_courante")).content["facts"]["where"]
        assert where == {"address": "", "position": {"lat": 43.776412, "lon": 7.504812, "accuracy": 7.2}}
    finally:
        host.stop()


def test_every_update_is_written_at_once_and_reads_back_from_the_database(
        service: StatementService, session: Any) -> None:
    draft_id = service.new_draft("plainte_x")
    service.update(draft_id, "parties.0.identity.surname", "Martin")
    service.update(draft_id, "narrative", "Première phrase.")
    service.update(draft_id, "facts.items.0", {"description": "Vélo", "value_cents": 45000})
    service.update(draft_id, "facts.items.0.serial", "WTU123")
    service.update(draft_id, "details.insured", True)
    # straight from the table, as a new process would see it
    raw = session.store.read(lambda c: c.execute(
        "SELECT content, revision FROM statements_drafts WHERE id = ?", (draft_id,)).fetchone())
    import json

    content = json.loads(raw[0])
    assert content["parties"][0]["identity"]["surname"] == "Martin"
    assert content["narrative"] == "Première phrase."
    assert content["facts"]["items"] == [{"description": "Vélo", "value_cents": 45000, "serial": "WTU123"}]
    assert content["details"] == {"insured": True}
    assert raw[1] == 5
    service.update(draft_id, "details.insured", None)
    assert service.load(draft_id).content["details"] == {}


@pytest.mark.parametrize("path", ["seal", "id", "parties.5.identity.surname", "facts..when", "signatures.officer",
                                  "narrative.0.x", ""])
def test_updates_outside_the_content_are_refused_and_change_nothing(service: StatementService, path: str) -> None:
    draft_id = service.new_draft("plainte_x")
    before = service.load(draft_id)
    with pytest.raises(StatementError) as caught:
        service.update(draft_id, path, "x")
    assert caught.value.message.startswith("Champ inconnu")
    assert service.load(draft_id).content == before.content


def test_a_value_that_is_not_json_is_refused(service: StatementService) -> None:
    draft_id = service.new_draft("plainte_x")
    with pytest.raises(StatementError, match="Valeur invalide"):
        service.update(draft_id, "narrative", float("nan"))
    with pytest.raises(StatementError, match="Valeur invalide"):
        service.update(draft_id, "narrative", object())


def test_parties_are_added_and_removed(service: StatementService) -> None:
    draft_id = service.new_draft("plainte_auteur")
    assert service.add_party(draft_id, "suspect", {"surname": "DURAND"}) == 1
    assert service.add_party(draft_id, "witness") == 2
    service.remove_party(draft_id, 2)
    assert [p["role"] for p in service.load(draft_id).content["parties"]] == ["declarant", "suspect"]
    with pytest.raises(StatementError):
        service.add_party(draft_id, "juge")
    with pytest.raises(StatementError):
        service.remove_party(draft_id, 9)


def test_attachments_are_kept_with_the_draft(service: StatementService) -> None:
    draft_id = service.new_draft("plainte_x")
    photo = png("red", (40, 30))
    att = service.add_attachment(draft_id, photo, "image/png", "../../porte.png")
    assert att.name == ".._.._porte.png" and att.size == len(photo)
    service.add_attachment(draft_id, photo, "image/png", "again.png")  # same bytes: kept once
    assert [a.sha256 for a in service.load(draft_id).attachments] == [att.sha256]
    assert service.attachment_data(draft_id, att.sha256) == photo
    service.remove_attachment(draft_id, att.sha256)
    assert service.load(draft_id).attachments == []
    with pytest.raises(StatementError, match="vide"):
        service.add_attachment(draft_id, b"", "image/png", "x.png")
    with pytest.raises(StatementError, match="Type de fichier"):
        service.add_attachment(draft_id, b"x", "image/PNG; evil", "x.png")


def test_signatures_and_refusals(service: StatementService) -> None:
    draft_id = service.new_draft("plainte_x")
    service.set_signature(draft_id, "declarant", None, "Ne souhaite pas signer")
    service.set_signature(draft_id, "officer", png())
    draft = service.load(draft_id)
    assert draft.signatures["declarant"].refused_reason == "Ne souhaite pas signer"
    assert draft.signatures["officer"].png_sha256 and service.signature_png(draft_id, "officer") == png()
    service.set_signature(draft_id, "officer", None)  # cleared (redo)
    assert "officer" not in service.load(draft_id).signatures
    with pytest.raises(StatementError, match="refuser"):
        service.set_signature(draft_id, "officer", None, "non")
    with pytest.raises(StatementError, match="motif"):
        service.set_signature(draft_id, "declarant", None, "   ")
    with pytest.raises(StatementError, match="PNG"):
        service.set_signature(draft_id, "declarant", b"GIF89a")


def test_validation_lists_every_problem_in_french_next_to_its_field(service: StatementService,
                                                                    clock: Any) -> None:
    draft_id = service.new_draft("plainte_x")
    service.update(draft_id, "facts.when", {"from": "2027-01-01T00:00:00Z"})
    service.update(draft_id, "parties.0.identity.birth_date", "1980-13-45")
    service.update(draft_id, "facts.items", [{"description": "", "value_cents": 10}, {"description": "Sac",
                                                                                     "value_cents": 12.5}])
    issues = {i.path: i.message for i in service.validate(draft_id)}
    assert issues == {
        "parties.0.identity.surname": "Le nom est obligatoire.",
        "parties.0.identity.given_names": "Le prénom est obligatoire.",
        "parties.0.identity.birth_date": "Date invalide (AAAA-MM-JJ).",
        "facts.when": "Cette date est dans le futur.",
        "facts.where": "Ce champ est obligatoire.",
        "facts.offences": "Ce champ est obligatoire.",
        "facts.items.0.description": "Décrivez l'objet.",
        "facts.items.1.value_cents": "Montant invalide.",
        "narrative": "Ce champ est obligatoire.",
        "signatures.declarant": "Le déclarant doit signer ou son refus être noté.",
        "signatures.officer": "L'agent doit signer.",
    }
    fill_complaint(service, draft_id, photos=0)
    service.update(draft_id, "parties.0.identity", {"surname": "DUPONT", "given_names": "Zoé"})
    assert service.validate(draft_id) == []
    service.add_party(draft_id, "unknown_author")
    assert [i.path for i in service.validate(draft_id)] == ["parties.1.description"]


def test_validation_in_english(service: StatementService) -> None:
    from neo import i18n

    draft_id = service.new_draft("perte_documents")
    i18n.set_language("en")
    messages = {i.path: i.message for i in service.validate(draft_id)}
    assert messages["details.documents_lost"] == "This field is required."
    assert messages["signatures.officer"] == "The officer must sign."


def test_drafts_belong_to_their_officer(service: StatementService, session: Any) -> None:
    draft_id = service.new_draft("main_courante")
    other = type(service.ctx.officer)(service_number="200002", name="Autre Agent")
    service.ctx._officer = other  # the next officer to unlock this device
    assert service.drafts() == []
    with pytest.raises(StatementError, match="Brouillon introuvable"):
        service.load(draft_id)


def test_deleting_a_draft_removes_its_files(service: StatementService, session: Any) -> None:
    draft_id = service.new_draft("plainte_x")
    fill_complaint(service, draft_id)
    service.delete_draft(draft_id)
    counts = session.store.read(lambda c: [c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in (
        "statements_drafts", "statements_draft_attachments", "statements_draft_signatures")])
    assert counts == [0, 0, 0]
