"""A real device and a live HQ: a statement sealed with the device's identity key (through
``ctx.device``) and written with its files through ``ctx.sync`` arrives verified; a tampered
one comes back rejected with HQ's reason; templates and the offence list HQ publishes reach
the device through sync and merge with the shipped ones."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from neo.api import Manifest, ModuleContext, ReplicaError
from neo.api.extensions import ExtensionRegistry
from neo.config import Settings
from neo.hq.testing import LiveHQ
from neo.models import Officer
from neo.modules.statements import offences as off
from neo.modules.statements import seal as sealing
from neo.modules.statements import templates as tpl
from neo.replica import Replica
from neo.sync.engine import SyncEngine
from neo.sync.link import save_link
from neo.sync.transport import HqClient
from neo.vault import Session, Vault
from tests.hq.conftest import PIN, new_unit

MANIFEST = Path(tpl.__file__).parent / "manifest.toml"


@dataclass
class Tablet:
    session: Session
    replica: Replica
    ctx: ModuleContext
    client: HqClient

    def sync(self) -> Any:
        report = SyncEngine(self.session, self.client, self.replica).run_once()
        assert report.ok, report
        return report


@pytest.fixture
def tablet(live: LiveHQ, tmp_path: Path) -> Iterator[Tablet]:
    """A device enrolled with its own identity key (the one ``ctx.device`` signs with)."""
    unit, _unit_id, sns = new_unit(live)
    vault = Vault(tmp_path / "tablet", Settings.load(tmp_path / "tablet"))
    session = vault.initialize(Officer(service_number=sns[0], name="Jeanne Martin", unit=unit), PIN)
    manifest = Manifest.from_toml(MANIFEST)
    replica = Replica.for_session(session, {c.name: c.policy for c in manifest.collections})
    ctx = ModuleContext(manifest, store=session.store, audit=session.audit, officer=session.officer,
                        registry=ExtensionRegistry(), replica=replica)
    assert live.ca_file is not None
    ca_pem = live.ca_file.read_text()
    with HqClient(live.url, ca_pem=ca_pem) as enrol:
        answer = enrol.enroll({"code": live.enrolment_code(unit), "device_name": "Tablette",
                               "device_public_key": base64.b64encode(ctx.device.public_key).decode(),
                               "device_key_type": "ed25519", "device_id": session.device_id})
    link = save_link(session.store, {"url": live.url, "ca_pem": ca_pem, "token": answer.token,
                                     "device_id": answer.device_id, "unit": answer.unit, "epoch": answer.epoch})
    client = HqClient(link.url, ca_pem=link.ca_pem, token=link.token, timeout=15.0, backoff=0.01, max_backoff=0.05)
    yield Tablet(session, replica, ctx, client)
    client.close()
    session.lock()


def sign_and_store(t: Tablet, photos: list[bytes], *, narrative: str = "On a forcé la porte de ma cave.",
                   tamper: bool = False) -> dict[str, Any]:
    """What the module does when the officer signs: files kept, payload sealed, record written."""
    coll = t.ctx.sync.collection("statements.statements")
    signature = b"\x89PNG\r\n\x1a\n" + uuid.uuid4().bytes
    attachments = [{"sha256": coll.attach(p, "image/jpeg"), "media_type": "image/jpeg", "name": f"photo{i}.jpg",
                    "size": len(p)} for i, p in enumerate(photos, 1)]
    payload = {
        "id": str(uuid.uuid4()), "template": {"id": "plainte_x", "version": 1}, "kind": "plainte_x",
        "parties": [{"role": "declarant", "identity": {"surname": "Roux", "given_names": "Noé"}}],
        "facts": {"when": {"from": "2026-11-30T02:00:00+01:00", "to": None},
                  "where": {"address": "12 avenue de Verdun, Menton",
                            "position": {"lat": 43.7761, "lon": 7.5032, "accuracy": 8.0}},
                  "offences": [{"natinf": 7875, "label": "VOL"}], "items": []},
        "narrative": narrative, "attachments": attachments,
        "signatures": {"declarant": {"png_sha256": coll.attach(signature, "image/png")},
                       "officer": {"refused": {"reason": "test"}}},
        "officer": {"service_number": t.ctx.officer.service_number, "name": t.ctx.officer.name,
                    "unit": t.ctx.officer.unit},
        "created_at": "2026-11-30T08:00:00+01:00", "signed_at": "2026-11-30T08:20:00+01:00", "corrects": None,
    }
    payload = sealing.sealed(payload, sign=t.ctx.device.sign, public_key=t.ctx.device.public_key,
                             device_id=t.ctx.device.id)
    if tamper:
        payload["narrative"] += " Et ma voiture."
    coll.put(payload["id"], payload)
    return payload


def test_a_statement_sealed_on_the_device_arrives_verified(live: LiveHQ, tablet: Tablet) -> None:
    photos = [b"\xff\xd8\xff" + uuid.uuid4().bytes * 300, b"\xff\xd8\xff" + uuid.uuid4().bytes * 500]
    payload = sign_and_store(tablet, photos)
    coll = tablet.ctx.sync.collection("statements.statements")
    assert coll.state(payload["id"]) == "pending"
    tablet.sync()
    assert coll.state(payload["id"]) == "acknowledged"
    info = live.hq.statements.show(payload["id"])
    assert info["status"] == "verified", info
    assert info["verification"]["ok"] is True and info["device_id"] == tablet.session.device_id
    assert [f["name"] for f in info["files"]] == ["photo1.jpg", "photo2.jpg", "signature-declarant.png"]
    assert hashlib.sha256(live.hq.blobs.object_path(payload["attachments"][1]["sha256"]).read_bytes()
                          ).hexdigest() == payload["attachments"][1]["sha256"]


def test_a_statement_changed_after_sealing_comes_back_rejected(live: LiveHQ, tablet: Tablet) -> None:
    payload = sign_and_store(tablet, [], tamper=True)
    tablet.sync()
    coll = tablet.ctx.sync.collection("statements.statements")
    assert coll.state(payload["id"]) == "rejected"
    [rejection] = [r for r in coll.rejected() if r.record_id == payload["id"]]
    assert rejection.reason_code == "seal_invalid"
    assert rejection.reason and "ne correspond plus à son sceau" in rejection.reason
    assert live.hq.statements.show(payload["id"])["status"] == "rejected_tampered"


def test_published_templates_and_offences_reach_the_device(live: LiveHQ, tablet: Tablet, tmp_path: Path) -> None:
    shipped = {t.id: t for t in tpl.shipped()}["main_courante"]
    data = shipped.model_dump(mode="json")
    version = 100 + int(uuid.uuid4().int % 1000)  # the HQ is shared by the tests of this run
    data.update(version=version, title={"fr": "Main courante (modèle du QG)", "en": "Declaration (HQ template)"})
    template_file = tmp_path / "main_courante.json"
    template_file.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = live.hq.statements.publish_template(template_file)
    assert report["written"] == 1 and report["version"] == version
    assert live.hq.statements.publish_template(template_file)["written"] == 0  # unchanged: nothing new

    listing = json.loads(off.OFFENCES_FILE.read_text(encoding="utf-8"))
    first, dropped = listing["offences"][0], listing["offences"][1]
    first["short"] = "Nom court du QG"
    listing["offences"] = [first, *listing["offences"][2:]]
    offences_file = tmp_path / "offences.json"
    offences_file.write_text(json.dumps(listing, ensure_ascii=False), encoding="utf-8")
    published = live.hq.statements.publish_offences(offences_file)
    assert dropped["natinf"] in published["withdrawn"]

    tablet.sync()
    records = tablet.ctx.sync.collection("statements.templates").list()
    received = [tpl.parse(r.payload) for r in records if r.payload]
    assert [t.key for t in received if t.id == "main_courante"] == [("main_courante", version)]
    merged = tpl.latest(tpl.merge(tpl.shipped(), received))
    assert {t.id: t for t in merged}["main_courante"].title.fr == "Main courante (modèle du QG)"

    hq_offences = [r.payload for r in tablet.ctx.sync.collection("statements.offences").list() if r.payload]
    merged_offences = {o.natinf: o for o in off.merge(off.load().offences, hq_offences)}
    assert merged_offences[first["natinf"]].short == "Nom court du QG"
    assert dropped["natinf"] not in merged_offences
    # Devices cannot write HQ's collections.
    with pytest.raises(ReplicaError):
        tablet.ctx.sync.collection("statements.templates").put(None, data)
