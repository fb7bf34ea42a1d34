"""HQ verifies a statement's seal when it arrives: a valid one is received, then verified
once every file its seal covers has arrived; a tampered one is refused with a reason the
device shows, and never stored as a record."""

from __future__ import annotations

import base64
import hashlib
import uuid

from sqlalchemy import select

from neo import crypto
from neo.hq.storage.schema import mutations, records
from neo.hq.testing import LiveHQ

from .conftest import Signer, enrol_signer, signature_files, statement


def photos(n: int = 2) -> list[bytes]:
    """Photos of this test only (HQ stores files by content, shared across tests)."""
    return [b"\xff\xd8\xff" + uuid.uuid4().bytes * (40 + 30 * i) for i in range(n)]


def stored_record(live: LiveHQ, record_id: str) -> dict | None:
    row = live.hq.db.read(lambda c: c.execute(select(records).where(
        records.c.collection == "statements.statements", records.c.record_id == record_id)).first())
    return dict(row._mapping) if row is not None else None


def index(live: LiveHQ, statement_id: str) -> dict:
    return live.hq.statements.show(statement_id)


def test_a_valid_sealed_statement_is_verified_once_its_files_arrive(live: LiveHQ, signer: Signer) -> None:
    pics = photos()
    payload = signer.seal(statement(signer, photos=pics))
    res = signer.push(payload)
    assert res["status"] == "applied", res
    assert stored_record(live, payload["id"]) is not None
    info = index(live, payload["id"])
    assert info["status"] == "received_pending_attachments"
    assert info["seal_sha256"] == payload["seal"]["sha256"]
    assert [f["name"] for f in info["files"]] == ["photo1.jpg", "photo2.jpg", "signature-declarant.png",
                                                   "signature-officer.png"]
    assert info["verification"]["seal_ok"] is True and info["verification"]["ok"] is False  # files missing
    assert info["verification"]["verdict"] == "incomplete" and info["verification"]["files_missing"] == 4
    # The files arrive (the device uploads them after its push): the last one verifies it.
    for i, data in enumerate(pics + signature_files(signer)):
        signer.upload(data, "image/jpeg" if i < 2 else "image/png")
        expected = "verified" if i == 3 else "received_pending_attachments"
        assert index(live, payload["id"])["status"] == expected
    info = index(live, payload["id"])
    assert info["verification"]["ok"] is True and info["verified_at"] is not None
    assert all(f["received"] and f["hash_ok"] for f in info["files"])


def test_files_already_at_hq_verify_at_once(live: LiveHQ, signer: Signer) -> None:
    for data in signature_files(signer):
        signer.upload(data, "image/png")
    payload = signer.seal(statement(signer))
    assert signer.push(payload)["status"] == "applied"
    assert index(live, payload["id"])["status"] == "verified"


def test_a_refused_signature_has_no_file(live: LiveHQ, signer: Signer) -> None:
    payload = signer.seal(statement(signer, with_signatures=False))
    assert signer.push(payload)["status"] == "applied"
    info = index(live, payload["id"])
    assert info["status"] == "verified" and info["files"] == []


def _assert_refused(live: LiveHQ, signer: Signer, payload: dict, code: str, status: str) -> dict:
    res = signer.push(payload)
    assert res["status"] == "rejected" and res["reason_code"] == code, res
    assert "refusée par le QG" in res["reason"]
    assert stored_record(live, payload["id"]) is None  # nothing stored as valid
    info = index(live, payload["id"])
    assert info["status"] == status and info["reason_code"] == code
    assert info["payload"] == payload  # kept as evidence
    assert info["verification"]["ok"] is False and info["verification"]["verdict"] == "not_intact"
    return res


def test_a_narrative_changed_after_sealing_is_refused(live: LiveHQ, signer: Signer) -> None:
    payload = signer.seal(statement(signer))
    payload["narrative"] = payload["narrative"].replace("vélo", "véla")
    res = _assert_refused(live, signer, payload, "seal_invalid", "rejected_tampered")
    assert "ne correspond plus à son sceau" in res["reason"]


def test_a_swapped_attachment_is_refused(live: LiveHQ, signer: Signer) -> None:
    payload = signer.seal(statement(signer, photos=photos()))
    other = b"\xff\xd8\xff another photo"
    payload["attachments"][1] = {**payload["attachments"][1], "sha256": hashlib.sha256(other).hexdigest(),
                                 "size": len(other)}
    _assert_refused(live, signer, payload, "seal_invalid", "rejected_tampered")


def test_a_file_that_is_not_the_sealed_one_never_completes(live: LiveHQ, signer: Signer) -> None:
    pics = photos(1)
    payload = signer.seal(statement(signer, photos=pics, with_signatures=False))
    assert signer.push(payload)["status"] == "applied"
    sha = payload["attachments"][0]["sha256"]
    with signer.handle.client() as c:
        c.put(f"/api/v1/attachments/{sha}/chunks/0", content=b"a different photo")
        r = c.post(f"/api/v1/attachments/{sha}/complete", json={"size": 17, "chunk_count": 1})
    assert r.status_code == 422 and r.json()["error"]["detail"]["code"] == "hash_mismatch"
    assert index(live, payload["id"])["status"] == "received_pending_attachments"
    signer.upload(pics[0], "image/jpeg")
    assert index(live, payload["id"])["status"] == "verified"


def test_a_file_of_another_size_than_sealed_marks_it_tampered(live: LiveHQ, signer: Signer) -> None:
    photo = photos(1)[0]
    body = statement(signer, photos=[photo], with_signatures=False)
    body["attachments"][0]["size"] = len(photo) + 1
    payload = signer.seal(body)
    assert signer.push(payload)["status"] == "applied"
    signer.upload(photo, "image/jpeg")
    info = index(live, payload["id"])
    assert info["status"] == "rejected_tampered" and info["reason_code"] == "file_mismatch"
    assert info["verification"]["ok"] is False


def test_a_statement_signed_with_another_key_is_refused(live: LiveHQ, signer: Signer) -> None:
    private, public = crypto.generate_signing_keypair()
    payload = signer.seal(statement(signer), private=private, public=public)
    res = _assert_refused(live, signer, payload, "seal_key_mismatch", "rejected_tampered")
    assert "clé de cet appareil" in res["reason"]
    # Even when the seal claims the device's own public key.
    payload = signer.seal(statement(signer), private=private)
    _assert_refused(live, signer, payload, "seal_key_mismatch", "rejected_tampered")


def test_a_seal_naming_another_device_is_refused(live: LiveHQ, signer: Signer) -> None:
    payload = signer.seal(statement(signer), device_id=str(uuid.uuid4()))
    _assert_refused(live, signer, payload, "seal_key_mismatch", "rejected_tampered")


def test_a_device_without_an_identity_key_cannot_send_statements(live: LiveHQ) -> None:
    device = enrol_signer(live, key_type="x25519")
    payload = device.seal(statement(device))
    _assert_refused(live, device, payload, "seal_key_mismatch", "rejected_tampered")


def test_malformed_statements_are_refused(live: LiveHQ, signer: Signer) -> None:
    unsealed = statement(signer)
    _assert_refused(live, signer, unsealed, "record_invalid", "rejected_invalid")
    other_officer = signer.seal(statement(signer, officer={"service_number": "99999999", "name": "X"}))
    _assert_refused(live, signer, other_officer, "record_invalid", "rejected_invalid")
    bad_canonical = signer.seal(statement(signer))
    bad_canonical["seal"]["canonical"] = "neo-c14n-0"
    _assert_refused(live, signer, bad_canonical, "record_invalid", "rejected_invalid")
    # The payload's id must be the record's id.
    payload = signer.seal(statement(signer))
    m = signer.handle.mutation("statements.statements", payload)
    with signer.handle.client() as c:
        res = c.post("/api/v1/sync/push", json={"mutations": [m]}).json()["results"][0]
    assert res["status"] == "rejected" and res["reason_code"] == "record_invalid"


def test_a_refusal_is_answered_again_and_logged_once(live: LiveHQ, signer: Signer) -> None:
    payload = signer.seal(statement(signer))
    payload["narrative"] += " "
    mid = str(uuid.uuid4())
    first = signer.push(payload, mutation_id=mid)
    again = signer.push(payload, mutation_id=mid)
    assert again == {**first, "replayed": True}
    logged = live.hq.db.read(lambda c: c.execute(select(mutations.c.reason_code).where(
        mutations.c.mutation_id == mid)).all())
    assert [r[0] for r in logged] == ["seal_invalid"]


def test_the_genuine_statement_replaces_a_refused_copy(live: LiveHQ, signer: Signer) -> None:
    payload = signer.seal(statement(signer, with_signatures=False))
    tampered = {**payload, "narrative": "autre chose"}
    assert signer.push(tampered)["status"] == "rejected"
    assert signer.push(payload)["status"] == "applied"
    info = index(live, payload["id"])
    assert info["status"] == "verified" and info["reason_code"] is None and info["payload"] == payload


def test_a_correction_references_the_statement_it_corrects(live: LiveHQ, signer: Signer) -> None:
    first = signer.seal(statement(signer, with_signatures=False))
    second = signer.seal(statement(signer, with_signatures=False, narrative="Précision : le vélo était attaché.",
                                   corrects=first["id"]))
    assert signer.push(first)["status"] == "applied"
    assert signer.push(second)["status"] == "applied"
    assert index(live, first["id"])["corrected_by"] == [second["id"]]
    assert index(live, second["id"])["corrects"] == first["id"]
    listed = {s["id"]: s for s in live.hq.statements.listing(unit=signer.handle.unit)}
    assert listed[second["id"]]["corrects"] == first["id"] and listed[first["id"]]["corrects"] is None
    # A statement is immutable: the corrected one cannot be sent again with other content.
    again = signer.seal({**first, "narrative": "réécrit"})
    res = signer.push(again)
    assert res["status"] == "rejected" and res["reason_code"] == "already_exists"


def test_the_seal_is_checked_on_the_payload_as_stored(live: LiveHQ, signer: Signer) -> None:
    """Floats, non-ASCII and decomposed accents survive HQ's storage and still verify."""
    body = statement(signer, with_signatures=False, narrative="Cafe\u0301 renversé — 1e-7 près")
    body["facts"]["where"]["position"] = {"lat": 43.77470000001, "lon": 1e-7, "accuracy": 5.0}
    payload = signer.seal(body)
    assert signer.push(payload)["status"] == "applied"
    info = index(live, payload["id"])
    assert info["verification"]["seal_ok"] is True and info["status"] == "verified"
    assert base64.b64decode(info["verification"]["device_public_key"]) == signer.public


def test_a_file_completed_during_the_push_is_settled_on_the_next_read(live: LiveHQ, signer: Signer) -> None:
    """On PostgreSQL the push naming a file and the upload completing it may commit side by
    side, neither seeing the other: the next read settles the statement."""
    from neo.hq.storage import attachments as att_sql
    from neo.hq.storage.schema import utcnow

    pics = photos(1)
    payload = signer.seal(statement(signer, photos=pics, with_signatures=False))
    assert signer.push(payload)["status"] == "applied"
    sha = payload["attachments"][0]["sha256"]

    def complete_without_hooks(conn) -> None:  # what the concurrent upload committed
        att_sql.attachment_ensure(conn, sha, unit_id=signer.handle.unit_id, device_id=signer.device_id, now=utcnow())
        att_sql.attachment_mark_complete(conn, sha, size=len(pics[0]), media_type="image/jpeg", now=utcnow())

    live.hq.db.write(complete_without_hooks)
    listed = {s["id"]: s for s in live.hq.statements.listing(unit=signer.handle.unit)}
    assert listed[payload["id"]]["status"] == "verified"
