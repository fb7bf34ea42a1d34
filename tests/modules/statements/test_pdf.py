"""The PDF of a signed statement: its text extracted with pypdf holds the names, the
narrative, the offence with its NATINF, the attachment hashes, the legal mentions, the
seal hash and the page numbers; a refusal to sign is printed as such."""

from __future__ import annotations

import io
import re
from typing import Any

import pypdf

from neo.modules.statements.service import StatementService
from tests.modules.statements.helpers import fill_complaint


def _text(data: bytes) -> tuple[str, int]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_pdf_holds_every_part_of_the_statement(service: StatementService, session: Any) -> None:
    draft_id = service.new_draft("plainte_x", {"surname": "DUPONT", "given_names": "Zoé Hélène",
                                               "birth_date": "1980-02-03"})
    fill_complaint(service, draft_id, photos=2)
    service.add_party(draft_id, "unknown_author")
    service.update(draft_id, "parties.1.description", "Homme d'environ 25 ans, sweat gris à capuche")
    statement_id = service.sign(draft_id)
    payload = service.statement(statement_id).payload

    data = service.pdf(statement_id)
    assert data.startswith(b"%PDF")
    text, pages = _text(data)
    flat = _flat(text)
    assert "DUPONT" in text and "Zoé Hélène" in text and "03/02/1980" in text
    assert "Homme d'environ 25 ans, sweat gris à capuche" in flat
    assert "En rentrant de week-end, j'ai trouvé la porte d'entrée fracturée." in flat
    assert "VOL PAR EFFRACTION DANS UN LOCAL D'HABITATION OU UN LIEU D'ENTREPOT (NATINF 7154)" in flat
    assert "Ordinateur portable" in text and "899,00 €" in text
    assert "12 avenue de Verdun, 06500 Menton" in text
    assert payload["seal"]["sha256"] in text
    for att in payload["attachments"]:
        assert att["sha256"] in text and att["name"] in text
    assert "434-26 du code pénal" in flat
    assert "Jeanne Martin (100001)" in text and "BTA Menton" in text
    assert f"Déclaration n° {statement_id}" in text
    assert f"page 1 / {pages}" in text and f"page {pages} / {pages}" in text
    # the drawn signatures are images in the file
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert sum(len(page.images) for page in reader.pages) >= 2
    # exporting is audited
    events = session.audit.events(action="statements.pdf_exported")
    assert [e.details["statement_id"] for e in events] == [statement_id]


def test_a_refusal_to_sign_is_printed_with_its_reason(service: StatementService) -> None:
    draft_id = service.new_draft("main_courante", {"surname": "MARTIN", "given_names": "Paul"})
    service.update(draft_id, "details.subject", "voisinage")
    service.update(draft_id, "facts.when", "2026-11-27T22:30:00+01:00")
    service.update(draft_id, "narrative", "Tapage répété chaque nuit depuis une semaine.")
    service.set_signature(draft_id, "declarant", None, "Craint des représailles")
    service.set_signature(draft_id, "officer", b"\x89PNG\r\n\x1a\n" + b"not a real image")
    from tests.modules.statements.helpers import png

    service.set_signature(draft_id, "officer", png())
    statement_id = service.sign(draft_id)
    text = _flat(_text(service.pdf(statement_id))[0])
    assert "a refusé de signer : Craint des représailles" in text
    assert "Conflit de voisinage" in text  # the choice's label, not its code
    assert "Tapage répété chaque nuit depuis une semaine." in text


def test_the_pdf_attached_at_signing_is_the_same_document(service: StatementService) -> None:
    draft_id = service.new_draft("plainte_x", {"surname": "DUPONT", "given_names": "Zoé"})
    fill_complaint(service, draft_id, photos=1)
    statement_id = service.sign(draft_id)
    payload = service.statement(statement_id).payload
    attached = service.statement_attachment(statement_id, payload["seal"]["pdf_sha256"])
    assert attached is not None
    assert payload["seal"]["sha256"] in _text(attached)[0]
    assert service.pdf(statement_id) == attached  # deterministic: HQ can regenerate and compare
