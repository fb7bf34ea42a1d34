"""HqClient against a live HQ over TLS: every endpoint, pinning, compression, retries,
error kinds."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import uuid
from pathlib import Path
from typing import Any

import pytest

from neo import protocol
from neo.hq import tls as hq_tls
from neo.hq.testing import LiveHQ
from neo.sync.errors import DeviceRevoked, SyncError, officer_message
from neo.sync.link import HqLink, load_link, save_link
from neo.sync.transport import HqClient, fetch_pinned_ca, pem_fingerprint

from .conftest import PIN, Device, new_unit
from .faultproxy import FaultProxy


def _mutation(device: Device, collection: str = "test.events", **kw: Any) -> dict[str, Any]:
    m = {"mutation_id": str(uuid.uuid4()), "collection": collection, "record_id": str(uuid.uuid4()),
         "version": str(device.replica.clock.now()), "base_version": None, "tombstone": False,
         "payload": {"n": 1}, "officer": device.officer}
    m.update(kw)
    return m


@pytest.fixture
def device(live: LiveHQ, make_device: Any) -> Device:
    unit, sns = new_unit(live)
    return make_device(live, unit, sns[0])


def test_every_endpoint(device: Device, live: LiveHQ) -> None:
    c = device.client()
    health = c.health()
    assert health.status == "ok" and health.protocol == protocol.PROTOCOL_VERSION
    assert pem_fingerprint(c.ca_pem()) == device.link.ca_fingerprint
    info = c.device()
    assert info.device_id == device.device_id and not info.revoked
    roster = c.roster()
    assert device.officer in {o.service_number for o in roster.officers}
    verified = c.verify_officer(device.officer, PIN)
    assert verified.officer.service_number == device.officer

    m = _mutation(device)
    (res,) = c.push([m]).results
    assert res.status == "applied" and res.server_seq
    page = c.pull(0, 1000)
    assert any(ch.record_id == m["record_id"] for ch in page.changes)
    assert c.conflicts() == []

    data = random.Random(3).randbytes(300_000)
    sha = hashlib.sha256(data).hexdigest()
    assert not c.attachment_status(sha).complete
    c.put_chunk(sha, 0, data[:200_000])
    assert c.attachment_status(sha).received == [0]
    c.put_chunk(sha, 1, data[200_000:])
    done = c.complete_attachment(sha, size=len(data), chunk_count=2, media_type="image/jpeg")
    assert done.complete and done.size == len(data)
    assert c.download_attachment(sha) == data

    events = device.session.audit.events()
    answer = c.audit_push([e.model_dump() for e in events])
    assert answer.accepted == len(events) and answer.chain.ok
    assert c.audit_chain().last_seq == events[-1].seq


def test_enrolment_through_the_client(live: LiveHQ) -> None:
    unit, _ = new_unit(live)
    code = protocol.EnrolmentCode.decode(live.enrolment_code(unit))
    assert code.ca_fingerprint is not None
    pem = fetch_pinned_ca(code.url, code.ca_fingerprint)
    assert pem_fingerprint(pem) == code.ca_fingerprint
    with HqClient(code.url, ca_pem=pem) as c:
        printed = live.enrolment_code(unit)
        answer = c.enroll({"code": printed, "device_public_key": "A" * 43 + "=", "device_name": "Tablette"})
        assert answer.unit == unit and answer.token
        with pytest.raises(SyncError) as err:  # single use, and never retried
            c.enroll({"code": printed, "device_public_key": "A" * 43 + "=", "device_name": "Tablette"})
    assert err.value.kind == "auth" and err.value.code == "enrolment_code_used"
    assert c.requests == 2


def test_the_ca_pin_refuses_another_ca(live: LiveHQ, tmp_path: Path) -> None:
    with pytest.raises(SyncError) as err:
        fetch_pinned_ca(live.url, "0" * 64)
    assert err.value.code == "ca_mismatch"
    other = hq_tls.ensure_server_cert(tmp_path / "other-tls", hq_tls.default_names("127.0.0.1"))
    with HqClient(live.url, ca_file=other.ca_file, retries=3, sleep=lambda _s: None) as c, \
            pytest.raises(SyncError) as err:
        c.health()
    assert err.value.kind == "network" and err.value.code == "tls"
    assert c.requests == 1  # a certificate that does not match is not retried


def test_https_needs_a_pinned_ca_and_http_needs_consent(live: LiveHQ) -> None:
    with pytest.raises(ValueError):
        HqClient(live.url)
    with pytest.raises(ValueError):
        HqClient("http://127.0.0.1:1")
    HqClient("http://127.0.0.1:1", allow_http=True).close()


def test_error_kinds(device: Device, live: LiveHQ) -> None:
    bad = HqClient(live.url, ca_pem=device.link.ca_pem, token="neo_not_a_real_token")
    with bad, pytest.raises(SyncError) as err:
        bad.roster()
    assert (err.value.kind, err.value.status, err.value.code) == ("auth", 401, "token_unknown")
    c = device.client()
    with pytest.raises(SyncError) as err:
        c.request("GET", "/api/v1/nowhere")
    assert err.value.kind == "not_found"
    with pytest.raises(SyncError) as err:
        c.push_raw(b'{"mutations": [{"mutation_id": "x"}]}')
    assert err.value.kind == "rejected" and err.value.status == 422 and err.value.detail["errors"]
    with pytest.raises(SyncError) as err:
        c.request("POST", "/api/v1/sync/push", body=b"{" + b" " * (protocol.MAX_BODY_BYTES + 10) + b"}",
                  compress=False)
    assert err.value.kind == "too_large" and err.value.status == 413
    with pytest.raises(SyncError) as err:
        c.verify_officer(device.officer, "000000-wrong")
    assert err.value.kind == "auth" and err.value.code == "wrong_credentials"
    assert officer_message(err.value)


def test_revoked_is_its_own_exception(device: Device, live: LiveHQ) -> None:
    live.hq.revoke_device(device.device_id)
    c = device.client()
    for call in (c.roster, lambda: c.pull(0), lambda: c.push([_mutation(device)]), c.audit_chain):
        with pytest.raises(DeviceRevoked) as err:
            call()
        assert err.value.kind == "revoked" and err.value.status == 403
    assert c.requests == 4  # never retried


def test_large_bodies_travel_gzipped_both_ways(device: Device, live: LiveHQ) -> None:
    with FaultProxy.for_live(live) as proxy:
        c = device.client(proxy.url)
        c.push([_mutation(device, payload={"texte": "x" * 100, "i": i}) for i in range(200)])
        small = c.health()
        page = c.pull(0, 1000)
    assert small.status == "ok" and len(page.changes) >= 200
    push, health, pull = proxy.log
    assert push.request_headers["content-encoding"] == "gzip"
    assert push.body_bytes < 200 * 100  # compressed
    assert "content-encoding" not in health.request_headers
    assert pull.request_headers["accept-encoding"] == "gzip"
    assert pull.response_headers["content-encoding"] == "gzip"


def test_gzip_is_what_hq_reads(device: Device) -> None:
    c = device.client(gzip_threshold=0)
    m = _mutation(device, payload={"texte": "é" * 50})
    (res,) = c.push([m]).results
    assert res.status == "applied"
    assert gzip.decompress(gzip.compress(b"x"))  # the stdlib gzip the client uses


def test_retries_with_backoff_and_jitter(device: Device, live: LiveHQ) -> None:
    delays: list[float] = []
    with FaultProxy.for_live(live) as proxy:
        proxy.add("error", path="/api/v1/roster", times=2, status=503)
        proxy.add("error_after_commit", path="/api/v1/sync/push", times=1)
        proxy.add("error", path="/api/v1/officers/verify", times=1, status=503)
        c = device.client(proxy.url, retries=4, backoff=0.5, max_backoff=30, sleep=delays.append,
                          rng=random.Random(7))
        assert c.roster().officers
        assert len(delays) == 2 and 0 <= delays[0] <= 0.5 and 0 <= delays[1] <= 1.0
        m = _mutation(device)
        (res,) = c.push([m]).results  # HQ committed, the answer was lost: the resend is replayed
        assert res.status == "applied" and res.replayed
        with pytest.raises(SyncError) as err:  # a PIN check is never retried
            c.verify_officer(device.officer, PIN)
        assert err.value.kind == "server" and err.value.status == 503
    assert proxy.fired("error") == 3 and proxy.fired("error_after_commit") == 1


def test_retries_give_up(device: Device, live: LiveHQ) -> None:
    with FaultProxy.for_live(live) as proxy:
        proxy.add("error", path="/api/v1/roster", times=10, status=500)
        c = device.client(proxy.url, retries=2, sleep=lambda _s: None)
        with pytest.raises(SyncError) as err:
            c.roster()
    assert err.value.kind == "server" and c.requests == 3


def test_timeouts_are_network_errors(device: Device, live: LiveHQ) -> None:
    with FaultProxy.for_live(live) as proxy:
        proxy.add("delay", path="/api/v1/health", delay=1.5, times=5)
        c = device.client(proxy.url, timeout=0.3, retries=1, sleep=lambda _s: None)
        with pytest.raises(SyncError) as err:
            c.health()
    assert err.value.kind == "network" and err.value.code == "timeout"
    assert c.requests == 2


def test_retry_after_is_honoured(device: Device, live: LiveHQ) -> None:
    delays: list[float] = []
    c = device.client(retries=1, sleep=delays.append)
    err = SyncError("auth", "x", {"code": "throttled", "retry_after": 12}, status=429)
    assert c._delay(0, err) == 12
    err = SyncError("server", "x", {"code": "busy", "retry_after": "5000"}, status=503)
    assert c._delay(0, err) == 60.0  # capped
    assert 0 <= c._delay(3, SyncError("network", "x")) <= 4.0


def test_link_round_trip(device: Device) -> None:
    link = load_link(device.session.store)
    assert link == device.link and link is not None
    assert "token" not in json.dumps(link.redacted())
    with pytest.raises(ValueError):
        HqLink(url=link.url, ca_pem=link.ca_pem, ca_fingerprint="0" * 64, token=link.token,
               device_id=link.device_id, unit=link.unit)
    with pytest.raises(ValueError):
        HqLink(url=link.url, ca_pem=None, token=link.token, device_id=link.device_id, unit=link.unit)
    again = save_link(device.session.store, {**link.model_dump(), "epoch": "other"})
    assert load_link(device.session.store) == again and again.epoch == "other"
