"""Statements at HQ: devices enrolled with a real Ed25519 identity key, statements sealed
with the module's own sealing code, pushed and uploaded over real HTTP to a live HQ, on
SQLite and PostgreSQL: one HQ per test module here, not the session's shared one, because
templates and offences published here are addressed to every device and would show up in
the pulls of every other test."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from neo import crypto
from neo.hq.testing import LiveHQ
from neo.modules.statements import seal as sealing
from tests.hq.conftest import DeviceHandle, make_config, new_unit
from tests.pg import fresh_database

PNG = b"\x89PNG\r\n\x1a\n" + b"signature strokes"


@pytest.fixture(scope="module")
def live(db_backend: tuple[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHQ]:
    """An HQ of this test module's own (see the module docstring)."""
    name, _shared = db_backend
    databases = fresh_database("neo_hq_statements") if name == "postgres" else None
    url = (next(databases) if databases is not None
           else f"sqlite+pysqlite:///{tmp_path_factory.mktemp('statements-sqlite') / 'hq.db'}")
    with LiveHQ(make_config(tmp_path_factory.mktemp(f"hq-statements-{name}"), url)) as server:
        yield server
    if databases is not None:
        next(databases, None)  # drops the database


@dataclass
class Signer:
    """An enrolled device holding its identity key (as a real tablet does)."""

    handle: DeviceHandle
    private: bytes
    public: bytes

    @property
    def device_id(self) -> str:
        return self.handle.device_id

    def seal(self, payload: dict[str, Any], *, private: bytes | None = None, public: bytes | None = None,
             device_id: str | None = None) -> dict[str, Any]:
        return sealing.sealed(payload, sign=lambda data: crypto.sign(private or self.private, data),
                              public_key=public or self.public, device_id=device_id or self.device_id)

    def push(self, payload: dict[str, Any], *, mutation_id: str | None = None) -> dict[str, Any]:
        m = self.handle.mutation("statements.statements", payload, record_id=payload.get("id") or str(uuid.uuid4()))
        if mutation_id:
            m["mutation_id"] = mutation_id
        with self.handle.client() as c:
            r = c.post("/api/v1/sync/push", json={"mutations": [m]})
        assert r.status_code == 200, r.text
        return dict(r.json()["results"][0])

    def upload(self, data: bytes, media_type: str = "application/octet-stream") -> dict[str, Any]:
        sha = hashlib.sha256(data).hexdigest()
        with self.handle.client() as c:
            assert c.put(f"/api/v1/attachments/{sha}/chunks/0", content=data,
                         headers={"Content-Type": "application/octet-stream"}).status_code == 200
            r = c.post(f"/api/v1/attachments/{sha}/complete",
                       json={"size": len(data), "chunk_count": 1, "media_type": media_type})
        assert r.status_code == 200, r.text
        return dict(r.json())


def enrol_signer(live: LiveHQ, unit: str | None = None, *, key_type: str = "ed25519") -> Signer:
    if unit is None:
        unit, unit_id, sns = new_unit(live)
    else:
        unit_id = next(u["id"] for u in live.hq.list_units() if u["name"] == unit)
        sns = [o["service_number"] for o in live.hq.list_officers(unit)]
    private, public = crypto.generate_signing_keypair()
    code = live.enrolment_code(unit)
    with live.client() as c:
        r = c.post("/api/v1/enroll", json={"code": code, "device_public_key": base64.b64encode(public).decode(),
                                           "device_key_type": key_type, "device_name": "Tablette"})
    assert r.status_code == 200, r.text
    body = r.json()
    from neo import protocol

    handle = DeviceHandle(live, body["device_id"], body["token"], unit, unit_id, sns[0],
                          protocol.HybridLogicalClock(body["device_id"]))
    return Signer(handle, private, public)


@pytest.fixture
def signer(live: LiveHQ) -> Iterator[Signer]:
    s = enrol_signer(live)
    yield s
    for c in s.handle.clients:
        c.close()


def statement(signer: Signer, *, photos: list[bytes] = (), narrative: str = "On m'a volé mon vélo devant la gare.",
              corrects: str | None = None, with_signatures: bool = True, **extra: Any) -> dict[str, Any]:
    """A complaint as the device makes it (unsealed): two parties, facts, photos."""
    attachments = [{"sha256": hashlib.sha256(p).hexdigest(), "media_type": "image/jpeg", "name": f"photo{i + 1}.jpg",
                    "size": len(p)} for i, p in enumerate(photos)]
    payload: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "template": {"id": "plainte_x_biens", "version": 1},
        "kind": "plainte_x",
        "parties": [
            {"role": "declarant", "identity": {"surname": "Durand", "given_names": "Élodie", "birth_date": "1988-04-12",
                                               "birth_place": "Nice", "nationality": "française",
                                               "address": "3 rue de la République, 06500 Menton",
                                               "phone": "0600000000", "document": {"kind": "cni", "number": "X4RTBPFW4"}}},
            {"role": "unknown_author", "description": "Homme d'une vingtaine d'années, capuche grise"},
        ],
        "facts": {
            "when": {"from": "2026-11-27T18:30:00+01:00", "to": "2026-11-27T19:00:00+01:00"},
            "where": {"address": "Place de la Gare, 06500 Menton",
                      "position": {"lat": 43.7747, "lon": 7.4975, "accuracy": 12.5}},
            "offences": [{"natinf": 7875, "label": "VOL"}],
            "items": [{"description": "Vélo de ville bleu", "value_cents": 45000, "serial": "WTU123"}],
        },
        "narrative": narrative,
        "attachments": attachments,
        "signatures": ({role: {"png_sha256": hashlib.sha256(png).hexdigest()}
                        for role, png in zip(("declarant", "officer"), signature_files(signer), strict=True)}
                       if with_signatures else
                       {"declarant": {"refused": {"reason": "ne souhaite pas signer"}}, "officer": {}}),
        "officer": {"service_number": signer.handle.officer, "name": "Agent Test", "unit": signer.handle.unit},
        "created_at": "2026-11-27T19:10:00+01:00",
        "signed_at": "2026-11-27T19:25:00+01:00",
        "corrects": corrects,
    }
    payload.update(extra)
    return payload


def signature_files(signer: Signer) -> list[bytes]:
    """The two drawn signatures (PNG) of this signer's statements (files of its own)."""
    return [PNG + signer.device_id.encode() + b"d", PNG + signer.device_id.encode() + b"o"]
