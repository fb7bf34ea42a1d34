"""Signing, statements and their states, corrections and verification on a real device;
then the round trip through a real HQ (loopback, TLS): an enrolled tablet signs a
complaint with two photos, syncs, and HQ holds it with its files and its seal verified;
templates and offences HQ publishes reach the device."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from neo.audit import verify_chain
from neo.config import Settings
from neo.hq.testing import LiveHQ
from neo.modules.statements import seal, store
from neo.modules.statements.service import StatementError, StatementService
from neo.vault import Vault
from tests.modules.statements.helpers import fill_complaint, service_of, start
from tests.sync.conftest import PIN, hq_config, new_unit


def _signed(service: StatementService, photos: int = 2) -> str:
    draft_id = service.new_draft("plainte_x", {"surname": "DUPONT", "given_names": "Zoé"})
    fill_complaint(service, draft_id, photos=photos)
    return service.sign(draft_id)


def test_signing_seals_writes_the_record_with_its_files_and_deletes_the_draft(
        service: StatementService, session: Any) -> None:
    draft_id = service.new_draft("plainte_x", {"surname": "DUPONT", "given_names": "Zoé"})
    fill_complaint(service, draft_id, photos=2)
    draft = service.load(draft_id)
    statement_id = service.sign(draft_id)

    assert service.drafts() == []
    statement = service.statement(statement_id)
    payload = statement.payload
    assert statement.state == "signed"
    assert payload["id"] == statement_id
    assert payload["template"] == {"id": "plainte_x", "version": 1} and payload["kind"] == "plainte_x"
    assert payload["parties"] == draft.content["parties"]
    assert payload["facts"]["offences"] == [{"natinf": 7154, "label": draft.content["facts"]["offences"][0]["label"]}]
    assert payload["officer"] == {"service_number": "100001", "name": "Jeanne Martin", "unit": "BTA Menton"}
    assert payload["created_at"] == draft.created_at and payload["signed_at"] == "2026-11-28T10:00:00Z"
    assert payload["corrects"] is None
    assert [a["name"] for a in payload["attachments"]] == ["photo-1.png", "photo-2.png"]
    assert set(payload["signatures"]) == {"declarant", "officer"}
    assert payload["seal"]["sha256"] == seal.digest(payload)
    # every file is kept for sync: attachments, both drawn signatures, the PDF
    files = [a["sha256"] for a in payload["attachments"]] + [
        s["png_sha256"] for s in payload["signatures"].values()] + [payload["seal"]["pdf_sha256"]]
    for sha in files:
        assert service.statement_attachment(statement_id, sha) is not None
    assert service.statement_attachment(statement_id, "0" * 64) is None
    assert service.verify(statement_id)
    [summary] = service.statements()
    assert (summary.id, summary.state, summary.declarant) == (statement_id, "signed", "DUPONT Zoé")
    assert summary.seal_sha256 == payload["seal"]["sha256"]
    events = session.audit.events(action="statements.statement_signed")
    assert [(e.details["statement_id"], e.details["seal_sha256"]) for e in events] == [
        (statement_id, payload["seal"]["sha256"])]
    assert verify_chain([e.model_dump() for e in session.audit.events()]).ok


def test_a_draft_that_is_not_ready_is_not_signed(service: StatementService) -> None:
    draft_id = service.new_draft("plainte_x", {"surname": "DUPONT", "given_names": "Zoé"})
    fill_complaint(service, draft_id, sign=False)
    with pytest.raises(StatementError) as caught:
        service.sign(draft_id)
    assert caught.value.path == "signatures.declarant"
    assert service.statements() == [] and len(service.drafts()) == 1


def test_a_signed_statement_is_read_only(service: StatementService) -> None:
    statement_id = _signed(service)
    collection = service.ctx.sync.collection("statements.statements")
    payload = copy.deepcopy(service.statement(statement_id).payload)
    payload["narrative"] = "Autre récit."
    from neo.api import ReplicaError

    with pytest.raises(ReplicaError):
        collection.put(statement_id, payload)
    assert service.statement(statement_id).payload["narrative"] != "Autre récit."


def test_a_statement_changed_behind_the_devices_back_no_longer_verifies(
        service: StatementService, session: Any) -> None:
    statement_id = _signed(service, photos=1)
    assert service.verify(statement_id)

    def tamper(conn: Any) -> None:  # someone edits the database file directly
        row = conn.execute("SELECT payload FROM sync_records WHERE collection = ? AND record_id = ?",
                           ("statements.statements", statement_id)).fetchone()
        payload = json.loads(row[0])
        payload["narrative"] = payload["narrative"].replace("week-end", "weekend")
        conn.execute("UPDATE sync_records SET payload = ? WHERE collection = ? AND record_id = ?",
                     (json.dumps(payload), "statements.statements", statement_id))

    session.store.write(tamper)
    assert not service.verify(statement_id)


def test_a_correction_is_a_new_draft_that_names_the_statement(service: StatementService, session: Any) -> None:
    statement_id = _signed(service, photos=2)
    draft_id = service.correct(statement_id)
    draft = service.load(draft_id)
    original = service.statement(statement_id).payload
    assert draft.corrects == statement_id
    assert draft.content["narrative"] == original["narrative"]
    assert [a.sha256 for a in draft.attachments] == [a["sha256"] for a in original["attachments"]]
    assert draft.signatures == {}  # signed again
    service.update(draft_id, "narrative", original["narrative"] + " J'ajoute : la fenêtre aussi était ouverte.")
    service.set_signature(draft_id, "declarant", service.statement_attachment(
        statement_id, original["signatures"]["declarant"]["png_sha256"]))
    service.set_signature(draft_id, "officer", service.statement_attachment(
        statement_id, original["signatures"]["officer"]["png_sha256"]))
    corrected_id = service.sign(draft_id)
    corrected = service.statement(corrected_id).payload
    assert corrected["corrects"] == statement_id and corrected_id != statement_id
    assert service.statement(statement_id).payload == original  # the first one is untouched
    assert {s.id: s.corrects for s in service.statements()} == {statement_id: None, corrected_id: statement_id}
    events = session.audit.events(action="statements.statement_corrected")
    assert [(e.details["statement_id"], e.details["draft_id"]) for e in events] == [(statement_id, draft_id)]


def test_signing_again_after_a_crash_between_the_record_and_the_draft_deletion(
        service: StatementService, monkeypatch: pytest.MonkeyPatch) -> None:
    draft_id = service.new_draft("plainte_x", {"surname": "DUPONT", "given_names": "Zoé"})
    fill_complaint(service, draft_id, photos=1)
    real_delete = store.draft_delete

    def dies(conn: Any, did: str) -> None:
        raise RuntimeError("power lost")

    monkeypatch.setattr(store, "draft_delete", dies)
    with pytest.raises(RuntimeError):
        service.sign(draft_id)
    monkeypatch.setattr(store, "draft_delete", real_delete)
    assert len(service.statements()) == 1 and len(service.drafts()) == 1
    statement_id = service.sign(draft_id)  # the officer taps "Signer" again
    assert [s.id for s in service.statements()] == [statement_id]
    assert service.drafts() == []


# -- through a real HQ ------------------------------------------------------------------------


@pytest.fixture
def hq(tmp_path: Path) -> Iterator[LiveHQ]:
    with LiveHQ(hq_config(tmp_path / "hq", None)) as server:
        yield server


@pytest.fixture
def enrolled(hq: LiveHQ, tmp_path: Path) -> Iterator[Any]:
    """A tablet enrolled the real way (its Ed25519 identity key registered at HQ), unlocked
    by its officer (first unlock verified by HQ)."""
    from neo.sync import enrolment
    from neo.sync.link import save_link

    unit, sns = new_unit(hq, officers=1)
    data_dir = tmp_path / "tablet"
    vault = Vault(data_dir, Settings.load(data_dir))
    enrolment.enroll(vault, hq.enrolment_code(unit), "Tablette plaintes", on_store=save_link)
    session = vault.unlock(sns[0], PIN, verifier=enrolment.make_verifier(vault))
    yield session
    if not session.locked:
        session.lock()


def _sync(session: Any) -> Any:
    from neo.replica import Replica
    from neo.sync.engine import SyncEngine
    from neo.sync.link import load_link
    from neo.sync.transport import HqClient

    link = load_link(session.store)
    with HqClient(link.url, ca_pem=link.ca_pem, token=link.token, timeout=15.0) as client:
        return SyncEngine(session, client, Replica.for_session(session)).run_once()


def test_a_signed_complaint_with_two_photos_reaches_hq_with_its_seal_verified(hq: LiveHQ, enrolled: Any) -> None:
    host = start(enrolled)
    try:
        _, service = service_of(host)
        statement_id = _signed(service, photos=2)
        payload = service.statement(statement_id).payload
        assert service.statements()[0].state == "signed"
        report = _sync(enrolled)
        assert report.ok, report
        _sync(enrolled)  # the acknowledgement of files completed in the first round
        [summary] = service.statements()
        assert summary.state == "acknowledged", (summary.state, summary.reason)
    finally:
        host.stop()

    info = hq.hq.statements.show(statement_id)
    assert info["payload"]["seal"]["sha256"] == payload["seal"]["sha256"]
    assert info["verification"]["ok"], info["verification"]
    hashes = {f["sha256"] for f in info["files"]}
    assert {a["sha256"] for a in payload["attachments"]} <= hashes
    assert {s["png_sha256"] for s in payload["signatures"].values()} <= hashes
    assert payload["seal"]["pdf_sha256"] in hashes


def test_templates_and_offences_published_by_hq_reach_the_device(hq: LiveHQ, enrolled: Any,
                                                                 tmp_path: Path) -> None:
    from neo.modules.statements import offences as off
    from neo.modules.statements import templates as tpl

    raw = json.loads((tpl.TEMPLATES_DIR / "main_courante.json").read_text(encoding="utf-8"))
    raw["version"] = 2
    raw["title"]["fr"] = "Main courante (modèle du QG)"
    (tmp_path / "mc2.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    hq.hq.statements.publish_template(tmp_path / "mc2.json")
    offences = json.loads(off.OFFENCES_FILE.read_text(encoding="utf-8"))
    offences["offences"] = [o for o in offences["offences"] if o["natinf"] != 7902]
    for o in offences["offences"]:
        if o["natinf"] == 7151:
            o["short"] = "Vol simple (liste du QG)"
    (tmp_path / "offences.json").write_text(json.dumps(offences, ensure_ascii=False), encoding="utf-8")
    hq.hq.statements.publish_offences(tmp_path / "offences.json")

    _sync(enrolled)
    host = start(enrolled)
    try:
        _, service = service_of(host)
        assert service.template("main_courante").title.fr == "Main courante (modèle du QG)"
        assert service.template("main_courante", 1).version == 1  # older statements keep theirs
        codes = {o["natinf"]: o for o in service.offences()}
        assert codes[7151]["short"] == "Vol simple (liste du QG)" and 7902 not in codes
    finally:
        host.stop()
