"""Sealing: the canonical form, the device's signature through ctx.device, and tamper detection."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import unicodedata
from typing import Any

import pytest

from neo.api import Manifest, ModuleContext, ModulePermissionError
from neo.api.extensions import ExtensionRegistry
from neo.modules.statements import seal
from neo.store import repos

PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
SIGNATURE_PNG = b"\x89PNG\r\n\x1a\nsignature strokes"


def _ctx(session: Any, permissions: list[str]) -> ModuleContext:
    manifest = Manifest.model_validate({"id": "sealtest", "name": {"fr": "Test"}, "version": "1", "api": ">=1",
                                        "permissions": permissions})
    return ModuleContext(manifest, store=session.store, audit=session.audit, officer=session.officer,
                         registry=ExtensionRegistry())


def _statement() -> dict[str, Any]:
    return {
        "id": "6f1c1b1e-7d4e-4b8e-9a57-3a1f4b2c9d10",
        "template": {"id": "plainte_x", "version": 1},
        "kind": "plainte_x",
        "parties": [{"role": "declarant", "identity": {"surname": "DUPONT", "given_names": "Zoé"}}],
        "facts": {"when": {"from": "2026-11-27T21:00:00Z", "to": None},
                  "where": {"address": "1 rue de la Paix, Menton", "position": {"lat": 43.7764, "lon": 7.5048,
                                                                                "accuracy": 12.0}},
                  "offences": [{"natinf": 7151, "label": "VOL"}],
                  "items": [{"description": "Vélo", "value_cents": 45000, "serial": "WTU123"}]},
        "narrative": "On m'a volé mon vélo devant la gare.",
        "details": {},
        "attachments": [{"sha256": hashlib.sha256(PHOTO).hexdigest(), "media_type": "image/png",
                         "name": "velo.png", "size": len(PHOTO)}],
        "signatures": {"declarant": {"png_sha256": hashlib.sha256(SIGNATURE_PNG).hexdigest()},
                       "officer": {"refused": {"reason": "test"}}},
        "officer": {"service_number": "100001", "name": "Jeanne Martin", "unit": "BTA Menton"},
        "created_at": "2026-11-28T09:00:00Z",
        "signed_at": "2026-11-28T09:10:00Z",
        "corrects": None,
    }


def _files(sha: str) -> bytes | None:
    return {hashlib.sha256(PHOTO).hexdigest(): PHOTO,
            hashlib.sha256(SIGNATURE_PNG).hexdigest(): SIGNATURE_PNG}.get(sha)


# -- the canonical form ------------------------------------------------------------------

def test_canonical_form_sorts_keys_drops_whitespace_and_the_seal() -> None:
    a = seal.canonical_bytes({"b": 1, "a": {"d": [1, 2], "c": "x"}, "seal": {"sha256": "whatever"}})
    assert a == b'{"a":{"c":"x","d":[1,2]},"b":1}'


def test_canonical_form_normalises_unicode_to_nfc_and_keeps_it_unescaped() -> None:
    decomposed = unicodedata.normalize("NFD", "Zoé Hélène")
    assert decomposed != "Zoé Hélène"
    assert seal.canonical_bytes({"n": decomposed}) == seal.canonical_bytes({"n": "Zoé Hélène"})
    assert "Zoé".encode() in seal.canonical_bytes({"n": decomposed})


def test_canonical_form_writes_integral_floats_as_integers_and_refuses_nan() -> None:
    assert seal.canonical_bytes({"x": 5.0, "y": 48.8566}) == b'{"x":5,"y":48.8566}'
    # What a JSON round trip (HQ, PostgreSQL jsonb) does to numbers changes nothing.
    payload = _statement()
    assert seal.digest(json.loads(json.dumps(payload))) == seal.digest(payload)
    with pytest.raises(seal.CanonicalError):
        seal.canonical_bytes({"x": float("nan")})
    with pytest.raises(seal.CanonicalError):
        seal.canonical_bytes({"x": object()})


# -- ctx.device ----------------------------------------------------------------------------

def test_ctx_device_needs_the_permission(session: Any) -> None:
    with pytest.raises(ModulePermissionError):
        _ = _ctx(session, ["storage"]).device


def test_a_device_never_enrolled_gets_an_identity_key_at_first_use_kept_in_the_database(session: Any) -> None:
    assert session.store.read(lambda c: repos.device_get(c, "identity_private")) is None
    device = _ctx(session, ["device_signing"]).device
    public = device.public_key
    assert len(public) == 32
    assert session.store.read(lambda c: repos.device_get(c, "identity_public")) == public
    signature = device.sign(b"data")
    assert len(signature) == 64 and device.verify(b"data", signature)
    assert not device.verify(b"datA", signature)
    # Another context (the next unlock) uses the same key.
    assert _ctx(session, ["device_signing"]).device.public_key == public
    assert device.id == session.device_id


def test_an_enrolled_device_signs_with_the_identity_key_made_at_enrolment(session: Any) -> None:
    from neo import crypto

    private, public = crypto.generate_signing_keypair()

    def store_keys(conn: Any) -> None:
        repos.device_set(conn, "identity_private", private)
        repos.device_set(conn, "identity_public", public)

    session.store.write(store_keys)
    device = _ctx(session, ["device_signing"]).device
    assert device.public_key == public
    assert crypto.verify_signature(public, device.sign(b"x"), b"x")


# -- seal and verify -------------------------------------------------------------------------

@pytest.fixture
def sealed_statement(session: Any) -> tuple[dict[str, Any], bytes]:
    device = _ctx(session, ["device_signing"]).device
    out = seal.sealed(_statement(), sign=device.sign, public_key=device.public_key, device_id=device.id)
    return out, device.public_key


def test_a_sealed_statement_verifies_with_the_device_key_and_its_files(sealed_statement: tuple) -> None:
    payload, public = sealed_statement
    s = payload["seal"]
    assert s["canonical"] == "neo-c14n-1"
    assert s["sha256"] == hashlib.sha256(seal.canonical_bytes(payload)).hexdigest()
    assert base64.b64decode(s["public_key"]) == public
    assert s["key_id"] == seal.key_id(public)
    verdict = seal.verify(payload, public_key=public, files=_files)
    assert verdict.ok, verdict.problems
    assert seal.verify(json.loads(json.dumps(payload)), public_key=public).ok


def test_one_changed_character_of_the_narrative_breaks_the_seal(sealed_statement: tuple) -> None:
    payload, public = sealed_statement
    tampered = copy.deepcopy(payload)
    tampered["narrative"] = tampered["narrative"].replace("vélo", "véla")
    verdict = seal.verify(tampered, public_key=public)
    assert not verdict.ok and "hash_mismatch" in verdict.codes


def test_a_swapped_byte_in_an_attachment_is_found(sealed_statement: tuple) -> None:
    payload, public = sealed_statement
    altered = bytearray(PHOTO)
    altered[100] ^= 0xFF

    def files(sha: str) -> bytes | None:
        return bytes(altered) if sha == hashlib.sha256(PHOTO).hexdigest() else _files(sha)

    verdict = seal.verify(payload, public_key=public, files=files)
    assert not verdict.ok and verdict.codes == ["file_mismatch"]
    missing = seal.verify(payload, public_key=public, files=lambda sha: None)
    assert not missing.ok and set(missing.codes) == {"file_missing"}


def test_an_attachment_swapped_in_the_payload_breaks_the_seal(sealed_statement: tuple) -> None:
    payload, public = sealed_statement
    tampered = copy.deepcopy(payload)
    tampered["attachments"][0]["sha256"] = hashlib.sha256(b"another photo").hexdigest()
    assert "hash_mismatch" in seal.verify(tampered, public_key=public).codes


def test_a_dropped_signature_breaks_the_seal(sealed_statement: tuple) -> None:
    payload, public = sealed_statement
    no_declarant = copy.deepcopy(payload)
    del no_declarant["signatures"]["declarant"]
    assert not seal.verify(no_declarant, public_key=public).ok
    no_device_signature = copy.deepcopy(payload)
    no_device_signature["seal"]["signature"] = ""
    assert "bad_signature" in seal.verify(no_device_signature, public_key=public).codes
    no_seal = {k: v for k, v in payload.items() if k != "seal"}
    assert seal.verify(no_seal, public_key=public).codes == ["no_seal"]


def test_a_resealed_statement_with_another_key_is_refused_against_the_registered_key(
        sealed_statement: tuple) -> None:
    from neo import crypto

    payload, public = sealed_statement
    other_private, other_public = crypto.generate_signing_keypair()
    tampered = copy.deepcopy(payload)
    tampered["narrative"] = "Autre récit."
    forged = seal.sealed(tampered, sign=lambda d: crypto.sign(other_private, d), public_key=other_public,
                         device_id=payload["seal"]["device_id"])
    assert seal.verify(forged).ok  # consistent on its own...
    verdict = seal.verify(forged, public_key=public)  # ...but not by the device HQ enrolled
    assert not verdict.ok and {"wrong_key", "bad_signature"} <= set(verdict.codes)
