"""Access attacks: another device's token, a revoked device, the verify-only unlock
token on data routes, a tampered token, and a device or officer of another unit reading
this unit's data (pull scopes, conflicts, attachments, lookups and their entitlements,
holiday-watch homes and their access details, statements). None gets data it should
not; nothing is written."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from neo.hq.lookup.service import RateLimiter
from neo.hq.testing import LiveHQ
from tests.hq.watch.watch_data import registration

from .conftest import (
    PIN,
    SHA_ZERO,
    Snapshot,
    World,
    assert_error,
    authed_routes,
    enrol_device,
    public_key,
    random_service_number,
)


def _pull_all(client: httpx.Client) -> str:
    """Every page a device may pull, as text."""
    since, pages = 0, []
    while True:
        r = client.get("/api/v1/sync/pull", params={"since": since, "limit": 5000})
        assert r.status_code == 200, r.text
        pages.append(r.text)
        body = r.json()
        since = body["next_cursor"]
        if not body["has_more"]:
            return "\n".join(pages)


def test_the_attacks_cover_every_guarded_route(live: LiveHQ, world: World) -> None:
    with live.client() as c:
        spec = c.get("/api/v1/openapi.json").json()
    guarded = {(m.upper(), p) for p, ops in spec["paths"].items() for m, op in ops.items() if op.get("security")}
    listed = {(m, p.replace(world.photo_sha, "{sha256}").replace(SHA_ZERO, "{sha256}")
               .replace("/chunks/0", "/chunks/{index}").replace(world.registration_id, "{registration_id}"))
              for m, p, _ in authed_routes(world)}
    assert listed == guarded


# -- tokens -----------------------------------------------------------------------------------------


def test_the_verify_only_token_opens_no_data_route(live: LiveHQ, world: World) -> None:
    before = Snapshot.take(live)
    with world.client(world.unlock_token) as c:
        for method, path, body in authed_routes(world):
            if path.endswith("/officers/verify"):
                continue
            r = c.request(method, path, **body)
            assert_error(r, 403, "auth", "token_scope")
        # what it is for still works (a wrong PIN here: the answer, not a scope refusal)
        r = c.post("/api/v1/officers/verify", json={"service_number": world.a.handle.officer, "pin": "000000"})
        assert r.status_code in (401, 429), r.text  # 429: other attacks already guessed this officer's PIN
        assert r.json()["error"]["detail"]["code"] in ("wrong_credentials", "throttled")
    before.unchanged()


def test_a_tampered_or_foreign_token_is_unknown(live: LiveHQ, world: World) -> None:
    token = world.a.handle.token
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    before = Snapshot.take(live)
    for bad in (flipped, token[:-1], token + "x", token.upper(), "neo_", "neo_" + "0" * 43,
                token.replace("neo_", "NEO_"), f"{token} {token}", "../" * 10):
        with live.client(bad) as c:
            r = c.get("/api/v1/sync/pull")
            assert r.status_code == 401, (bad, r.text)
            assert r.json()["error"]["kind"] == "auth"
    before.unchanged()
    code = live.enrolment_code(world.a.handle.unit)
    before = Snapshot.take(live)
    with live.client() as c:  # the enrolment code is no token either
        assert_error(c.get("/api/v1/roster", headers={"authorization": f"Bearer {code}"}), 401, "auth",
                     "token_unknown")
    before.unchanged()


def test_a_revoked_device_and_its_unlock_token_get_nothing_anywhere(live: LiveHQ, world: World) -> None:
    unit = world.a.handle.unit
    with live.client() as c:
        enrolled = c.post("/api/v1/enroll", json={"code": live.enrolment_code(unit), "device_public_key": public_key(),
                                                  "device_name": "Tablette volée", "unlock_share": public_key()}).json()
    with world.client(enrolled["token"]) as c:
        assert c.get("/api/v1/roster").status_code == 200
    assert live.hq.revoke_device(enrolled["device_id"])
    before = Snapshot.take(live)
    for token in (enrolled["token"], enrolled["unlock_token"]):
        with world.client(token) as c:
            for method, path, body in authed_routes(world):
                assert_error(c.request(method, path, **body), 403, "revoked", "device_revoked")
    before.unchanged()


def test_another_devices_identity_cannot_be_borrowed(live: LiveHQ, world: World) -> None:
    """With its own token, a device cannot write as another: versions it did not stamp,
    audit events of another device, chunks another device uploaded."""
    a, b = world.a.handle, world.b.handle
    before = Snapshot.take(live)
    with b.client() as c:
        m = b.mutation("test.events", {"n": 1}, officer=world.officer_b)
        m["version"] = m["version"].rsplit(":", 1)[0] + ":" + a.device_id  # stamped as A
        (res,) = c.post("/api/v1/sync/push", json={"mutations": [m]}).json()["results"]
        assert (res["status"], res["reason_code"]) == ("rejected", "version_node")
        m = b.mutation("test.events", {"n": 1}, officer=a.officer)  # A's officer
        (res,) = c.post("/api/v1/sync/push", json={"mutations": [m]}).json()["results"]
        assert (res["status"], res["reason_code"]) == ("rejected", "officer_other_unit")
    before.unchanged(allow=("mutations",))
    before = Snapshot.take(live)
    with b.client() as c:
        from .conftest import audit_events

        assert_error(c.post("/api/v1/audit/push", json={"events": audit_events(a.device_id, 1)}), 422, "rejected",
                     "device_mismatch")
    # chunks are kept per device: A's half-uploaded file cannot be completed by B
    data = uuid.uuid4().bytes * 10
    import hashlib

    sha = hashlib.sha256(data).hexdigest()
    with a.client() as c:
        assert c.put(f"/api/v1/attachments/{sha}/chunks/0", content=data).status_code == 200
    before = Snapshot.take(live)
    with b.client() as c:
        assert c.get(f"/api/v1/attachments/{sha}").json()["received"] == []
        assert_error(c.post(f"/api/v1/attachments/{sha}/complete", json={"size": len(data), "chunk_count": 1}), 422,
                     "rejected", "chunks_missing")
    before.unchanged()


# -- another unit reading this unit's data ----------------------------------------------------------


def test_pull_and_conflicts_show_nothing_of_another_unit(live: LiveHQ, world: World) -> None:
    before = Snapshot.take(live)
    with world.b.handle.client() as c:
        text = _pull_all(c) + c.get("/api/v1/conflicts").text + c.get("/api/v1/roster").text
    for secret in (*world.secret_words, world.event_id, world.private_id, world.registration_id,
                   world.a.handle.officer, world.supervisor_a):
        assert secret not in text, secret
    # a device of the same unit sees the unit's records, not another device's private ones,
    # nor the statements another tablet took (they go back only to that tablet)
    with world.a2.client() as c:
        mine = _pull_all(c)
    assert world.event_id in mine and world.registration_id in mine
    assert world.private_id not in mine and world.statement_id not in mine
    with world.a.handle.client() as c:
        assert world.statement_id in _pull_all(c)
    before.unchanged()


def test_attachments_of_another_unit_cannot_be_downloaded(live: LiveHQ, world: World) -> None:
    before = Snapshot.take(live)
    with world.b.handle.client() as c:
        assert_error(c.get(f"/api/v1/attachments/{world.photo_sha}/content"), 404, "not_found", "attachment_unknown")
        # completing "the same file" without its chunks gives nothing either
        r = c.post(f"/api/v1/attachments/{world.photo_sha}/complete", json={"size": 1, "chunk_count": 1})
        assert r.status_code in (200, 422)
        assert world.photo not in r.content
        assert_error(c.get(f"/api/v1/attachments/{world.photo_sha}/content"), 404, "not_found", "attachment_unknown")
    with world.a2.client() as c:  # the unit's other tablet may
        r = c.get(f"/api/v1/attachments/{world.photo_sha}/content")
        assert r.status_code == 200 and r.content == world.photo
    before.unchanged()


def test_statements_of_another_unit_stay_there(live: LiveHQ, world: World) -> None:
    """Not pulled, files not downloadable, not overwritten with a record of the same id."""
    b = world.b
    before = Snapshot.take(live)
    with b.handle.client() as c:
        assert world.statement_id not in _pull_all(c)
    fake = b.seal({"id": world.statement_id, "narrative": "faux"})
    res = b.push(fake)
    assert res["status"] == "rejected", res
    assert live.hq.statements.show(world.statement_id)["device_id"] == world.a.device_id
    before.unchanged(allow=("mutations", "statements", "statement_attachments"))


def test_lookups_only_for_the_devices_own_officers_and_as_entitled(live: LiveHQ, world: World,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live.hq.lookup, "rate", RateLimiter(100_000))
    admin = random_service_number()
    live.hq.add_officer(admin, "Admin Attaque", world.a.handle.unit, PIN, role="admin")

    def ask(token: str, officer: str, **extra: Any) -> httpx.Response:
        body = {"query_id": str(uuid.uuid4()), "officer": officer, "reason": "recherche",
                "text": world.stolen["plate"], "asked_at_ms": 1_790_000_000_000, **extra}
        with world.client(token) as c:
            return c.post("/api/v1/m/lookup/search", json=body)

    before = Snapshot.take(live)
    # B's tablet asking in the name of A's officer, and of a disabled or unknown one
    assert_error(ask(world.b.handle.token, world.a.handle.officer), 403, "auth", "officer_other_unit")
    assert_error(ask(world.a.handle.token, world.disabled_a), 403, "auth", "officer_disabled")
    assert_error(ask(world.a.handle.token, random_service_number()), 403, "auth", "officer_unknown")
    assert_error(ask(world.a.handle.token, world.officer_b), 403, "auth", "officer_other_unit")
    before.unchanged()
    # an administrator searches nothing; a role restricted to some files gets only those
    answer = ask(world.a.handle.token, admin).json()
    assert answer["searched"] == [] and answer["hits"] == []
    monkeypatch.setattr(live.hq.config, "lookup_files", {"officer": ["vehicle_registrations"], "supervisor": ["*"]})
    answer = ask(world.a.handle.token, world.a.handle.officer, files=["stolen_vehicles", "wanted_persons"]).json()
    assert answer["searched"] == [] and answer["hits"] == []
    assert set(answer["not_entitled"]) == {"stolen_vehicles", "wanted_persons"}
    before = Snapshot.take(live)
    for hostile in ("../stolen_vehicles", "stolen_vehicles' OR 1=1 --", "*", "%", "stolen_vehicles\x00"):
        r = ask(world.a.handle.token, world.a.handle.officer, files=[hostile])
        assert r.status_code in (200, 422), r.text
        if r.status_code == 200:
            assert r.json()["searched"] == [] and r.json()["hits"] == [], (hostile, r.text)
        else:
            assert r.json()["error"]["kind"] == "rejected"
    before.unchanged(allow=("lookup_queries",))
    answer = ask(world.a.handle.token, world.supervisor_a).json()
    assert world.stolen["id"] in json.dumps(answer["hits"])


def test_holiday_watch_homes_of_another_unit(live: LiveHQ, world: World) -> None:
    url = f"/api/v1/m/holiday_watch/registrations/{world.registration_id}/access"
    reveals = len(live.hq.watch.access_log(world.registration_id))
    before = Snapshot.take(live)
    with world.b.handle.client() as c:
        for officer in (world.officer_b, world.a.handle.officer):
            r = c.post(url, json={"officer": officer, "reason": "curiosité"})
            assert r.status_code in (403, 404), r.text
            assert world.access not in r.text
    with world.a.handle.client() as c:  # A's tablet for B's officer, or a disabled one
        for officer in (world.officer_b, world.disabled_a):
            assert_error(c.post(url, json={"officer": officer, "reason": "curiosité"}), 403, "auth", "officer_refused")
    before.unchanged()
    assert len(live.hq.watch.access_log(world.registration_id)) == reveals


def test_a_registration_cannot_be_overwritten_through_the_desk_route(live: LiveHQ, world: World) -> None:
    """The desk route takes new homes: an id HQ already holds is refused, whichever unit's
    tablet sends it (else another unit could change a home's phone or access code)."""
    stored = live.hq.watch.registration(world.registration_id)
    pc = stored["payload"]["address"]["postcode"]
    url = "/api/v1/m/holiday_watch/registrations"
    before = Snapshot.take(live)
    for device, officer in ((world.b.handle, world.officer_b), (world.a2, world.a2.officer)):
        hijack = registration(pc, access="Code changé 0000", id=world.registration_id,
                              citizen={"name": "Escroc (fictif)", "phone": "06 99 99 99 99"})
        with device.client() as c:
            r = c.post(url, json={"officer": officer, "registration": hijack})
        assert_error(r, 409, "conflict", "registration_exists")
    before.unchanged()
    assert live.hq.watch.registration(world.registration_id)["payload"] == stored["payload"]
    with world.a.handle.client() as c:
        r = c.post(f"/api/v1/m/holiday_watch/registrations/{world.registration_id}/access",
                   json={"officer": world.a.handle.officer, "reason": "vérification"})
    assert r.json()["access"] == world.access


def test_a_new_device_of_another_unit_starts_with_nothing(live: LiveHQ, world: World) -> None:
    device = enrol_device(live, world.b.handle.unit)
    with device.client() as c:
        text = _pull_all(c)
        assert c.get(f"/api/v1/attachments/{SHA_ZERO}").json()["complete"] is False
    for secret in world.secret_words:
        assert secret not in text
