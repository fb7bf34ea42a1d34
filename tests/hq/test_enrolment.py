"""Enrolment, the pinned CA, officer checks and the roster, over real HTTPS."""

from __future__ import annotations

import hashlib
import ssl
import uuid

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from neo import protocol
from neo.hq.testing import LiveHQ

from .conftest import PIN, DeviceHandle, assert_error, counts, new_unit, public_key, random_service_number


def _enrol(live: LiveHQ, code: str, **kw: object) -> httpx.Response:
    body = {"code": code, "device_public_key": public_key(), "device_name": "Tablette 12", **kw}
    with live.client() as c:
        return c.post("/api/v1/enroll", json=body)


def test_enrolment_gives_identity_and_roster_and_code_is_single_use(live: LiveHQ) -> None:
    unit, _unit_id, sns = new_unit(live, officers=2)
    live.hq.set_officer_disabled(sns[1], True)
    code = live.enrolment_code(unit)
    r = _enrol(live, code)
    assert r.status_code == 200, r.text
    body = protocol.EnrollResponse.model_validate(r.json())
    assert body.unit == unit
    assert body.token.startswith("neo_")
    assert body.hq_ca_fingerprint == live.hq.tls_fingerprint
    assert {(o.service_number, o.disabled) for o in body.roster} == {(sns[0], False), (sns[1], True)}
    assert all(o.unit == unit and o.role == "officer" for o in body.roster)
    # The token works; the code does not work twice.
    with live.client(body.token) as c:
        assert c.get("/api/v1/device").json()["device_id"] == body.device_id
    before = counts(live)
    assert_error(_enrol(live, code), 401, "auth", "enrolment_code_used")
    assert counts(live) == before


def test_enrolment_refuses_bad_and_expired_codes(live: LiveHQ) -> None:
    unit, _, _ = new_unit(live)
    assert_error(_enrol(live, "NEO1-garbage"), 401, "auth", "enrolment_code_invalid")
    forged = protocol.EnrolmentCode(url=live.url, secret="A" * 22, expires_at=2_000_000_000).encode()
    assert_error(_enrol(live, forged), 401, "auth", "enrolment_code_invalid")
    _c, printed, _u = live.hq.create_enrolment_code(unit=unit, ttl_seconds=60, url=live.url, fingerprint=None)
    # Expire it by moving its expiry into the past.
    from sqlalchemy import update

    from neo.hq.security import digest
    from neo.hq.storage.schema import enrolment_codes, utcnow

    secret = protocol.EnrolmentCode.decode(printed).secret
    live.hq.db.write(lambda c: c.execute(update(enrolment_codes).where(
        enrolment_codes.c.secret_hash == digest(secret)).values(expires_at=utcnow())))
    assert_error(_enrol(live, printed), 401, "auth", "enrolment_code_expired")


def test_enrolment_keeps_the_device_id_it_already_uses(live: LiveHQ) -> None:
    unit, _, _ = new_unit(live)
    own = str(uuid.uuid4())
    r = _enrol(live, live.enrolment_code(unit), device_id=own)
    assert r.status_code == 200 and r.json()["device_id"] == own
    assert_error(_enrol(live, live.enrolment_code(unit), device_id=own), 409, "conflict", "device_exists")


def test_enrolment_validates_its_input(live: LiveHQ) -> None:
    unit, _, _ = new_unit(live)
    code = live.enrolment_code(unit)
    before = counts(live)
    assert_error(_enrol(live, code, device_public_key="not base64"), 422, "rejected", "invalid")
    assert_error(_enrol(live, code, device_name="x" * 81), 422, "rejected", "invalid")
    assert_error(_enrol(live, code, device_name="bad\x00name"), 422, "rejected", "invalid")
    assert_error(_enrol(live, code, device_key_type="rsa"), 422, "rejected", "invalid")
    assert counts(live) == before
    assert _enrol(live, code).status_code == 200  # the refused attempts did not use the code


def test_ca_pem_matches_the_pinned_fingerprint_and_tls_is_verified(live: LiveHQ) -> None:
    code = protocol.EnrolmentCode.decode(live.enrolment_code(new_unit(live)[0]))
    # Bootstrap as a device does: fetch without verification, compare with the pin.
    with httpx.Client(base_url=live.url, verify=False) as c:
        pem = c.get("/api/v1/ca.pem").content
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    assert hashlib.sha256(der).hexdigest() == code.ca_fingerprint
    ctx = ssl.create_default_context(cadata=pem.decode())
    with httpx.Client(base_url=live.url, verify=ctx) as c:
        assert c.get("/api/v1/health").json()["status"] == "ok"
    # Without the CA the certificate is not trusted.
    with httpx.Client(base_url=live.url, verify=ssl.create_default_context()) as c, pytest.raises(httpx.ConnectError):
        c.get("/api/v1/health")


# -- officers --------------------------------------------------------------------------------


def test_officer_verify_right_and_wrong_pin(device: DeviceHandle) -> None:
    c = device.client()
    r = c.post("/api/v1/officers/verify", json={"service_number": device.officer, "pin": PIN})
    assert r.status_code == 200, r.text
    body = protocol.OfficerVerifyResponse.model_validate(r.json())
    assert body.officer.service_number == device.officer and body.officer.unit == device.unit
    # Spaces and dashes in the service number are ignored, as on the device.
    spaced = device.officer[:3] + " " + device.officer[3:]
    assert c.post("/api/v1/officers/verify", json={"service_number": spaced, "pin": PIN}).status_code == 200
    wrong = c.post("/api/v1/officers/verify", json={"service_number": device.officer, "pin": "000000"})
    assert_error(wrong, 401, "auth", "wrong_credentials")
    unknown = c.post("/api/v1/officers/verify", json={"service_number": random_service_number(), "pin": PIN})
    err = assert_error(unknown, 401, "auth", "wrong_credentials")
    assert err["message"] == wrong.json()["error"]["message"]  # unknown and wrong are indistinguishable


def test_officer_verify_is_throttled_after_wrong_pins(device: DeviceHandle) -> None:
    c = device.client()
    free = device.live.hq.config.pin_free_attempts
    for _ in range(free - 1):
        assert_error(c.post("/api/v1/officers/verify", json={"service_number": device.officer, "pin": "999999"}),
                     401, "auth", "wrong_credentials")
    last = assert_error(c.post("/api/v1/officers/verify", json={"service_number": device.officer, "pin": "999999"}),
                        401, "auth", "wrong_credentials")
    assert last["detail"]["retry_after"] >= 1
    # Now even the right PIN waits: HQ does not check it during the delay.
    r = c.post("/api/v1/officers/verify", json={"service_number": device.officer, "pin": PIN})
    err = assert_error(r, 429, "auth", "throttled")
    assert int(r.headers["retry-after"]) == err["detail"]["retry_after"] >= 1


def test_disabled_officer_and_other_unit_are_refused(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    live.hq.set_officer_disabled(device.officer, True)
    assert_error(c.post("/api/v1/officers/verify", json={"service_number": device.officer, "pin": PIN}),
                 403, "auth", "officer_disabled")
    roster = c.get("/api/v1/roster").json()
    assert roster["unit"] == device.unit
    assert {o["service_number"]: o["disabled"] for o in roster["officers"]} == {device.officer: True}
    live.hq.set_officer_disabled(device.officer, False)
    assert c.get("/api/v1/roster").json()["officers"][0]["disabled"] is False
    _unit, _, (other,) = new_unit(live)
    assert_error(c.post("/api/v1/officers/verify", json={"service_number": other, "pin": PIN}),
                 403, "auth", "officer_other_unit")


def test_officer_verify_validates_input(device: DeviceHandle) -> None:
    c = device.client()
    for body in ({"service_number": device.officer}, {"service_number": 100001, "pin": PIN},
                 {"service_number": device.officer, "pin": "x" * 65}, [1, 2]):
        assert_error(c.post("/api/v1/officers/verify", json=body), 422, "rejected", "invalid")


def test_a_device_guessing_across_officers_is_throttled(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    for _ in range(live.hq.config.device_pin_failures):
        r = c.post("/api/v1/officers/verify", json={"service_number": random_service_number(), "pin": "000000"})
        assert_error(r, 401, "auth", "wrong_credentials")
    r = c.post("/api/v1/officers/verify", json={"service_number": device.officer, "pin": PIN})
    assert_error(r, 429, "auth", "throttled")


def test_unlock_share_and_verify_only_token(live: LiveHQ) -> None:
    import base64
    import os
    import stat

    from neo.hq.storage.schema import devices

    unit, _, (sn,) = new_unit(live)
    share = os.urandom(32)
    r = _enrol(live, live.enrolment_code(unit), unlock_share=base64.b64encode(share).decode())
    assert r.status_code == 200, r.text
    body = protocol.EnrollResponse.model_validate(r.json())
    assert body.unlock_token and body.unlock_token != body.token
    # HQ keeps the share encrypted, with a key outside the database.
    stored = live.hq.db.read(lambda c: c.execute(
        devices.select().where(devices.c.id == body.device_id)).first()._mapping["unlock_share"])
    assert stored and base64.b64encode(share).decode() not in stored
    key = live.hq.config.data_dir / "keys" / "unlock-shares.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    # The unlock token verifies officers (and gets the share back with a right PIN)...
    with live.client(body.unlock_token) as c:
        assert_error(c.post("/api/v1/officers/verify", json={"service_number": sn, "pin": "000000"}),
                     401, "auth", "wrong_credentials")
        ok = protocol.OfficerVerifyResponse.model_validate(
            c.post("/api/v1/officers/verify", json={"service_number": sn, "pin": PIN}).json())
        assert base64.b64decode(ok.unlock_share or "") == share
        # ...and nothing else.
        for method, path in (("GET", "/api/v1/roster"), ("GET", "/api/v1/sync/pull"), ("POST", "/api/v1/sync/push")):
            assert_error(c.request(method, path, json={}), 403, "auth", "token_scope")
    with live.client(body.token) as c:  # the device token may verify too
        assert c.post("/api/v1/officers/verify", json={"service_number": sn, "pin": PIN}).json()["unlock_share"]
    live.hq.revoke_device(body.device_id)
    with live.client(body.unlock_token) as c:
        assert_error(c.post("/api/v1/officers/verify", json={"service_number": sn, "pin": PIN}), 403, "revoked")


def test_device_without_unlock_share(device: DeviceHandle) -> None:
    answer = device.client().post("/api/v1/officers/verify", json={"service_number": device.officer, "pin": PIN})
    assert answer.status_code == 200 and answer.json().get("unlock_share") is None
