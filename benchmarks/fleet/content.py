"""What a simulated tablet makes in the field: holiday-watch visits, sealed statements with
their files, lookup queries, audit events. Pure functions of a ``random.Random`` and the
device's identity, valid by HQ's rules (docs/holiday-watch.md "Visits",
docs/statements.md, docs/lookup-protocol.md, neo/audit.py).
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from neo import audit, crypto
from neo.modules.statements import seal as sealing

CHECKS = ("doors", "windows_shutters", "letterbox", "garden", "vehicles")
REASONS = ("controle_routier", "controle_identite", "enquete", "intervention", "recherche")


@dataclass(frozen=True)
class File:
    data: bytes
    media_type: str
    name: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def uuid_from(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def photo(rng: random.Random, size: int) -> File:
    """A JPEG-looking photo of ``size`` bytes (random, so incompressible, as a photo is)."""
    body = rng.randbytes(max(0, size - 24))
    return File(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + body + b"\xff\xd9",
                "image/jpeg", "photo.jpg")


def signature_png(rng: random.Random, size: int) -> File:
    return File(b"\x89PNG\r\n\x1a\n" + rng.randbytes(max(0, size - 8)), "image/png", "signature.png")


def pdf(rng: random.Random, size: int) -> File:
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    tail = b"\n%%EOF\n"
    return File(head + rng.randbytes(max(0, size - len(head) - len(tail))) + tail, "application/pdf",
                "declaration.pdf")


def visit(rng: random.Random, *, home: str, officer: str, anomaly: bool, photos: list[File],
          invalid: bool = False) -> dict[str, Any]:
    """A visit payload (``holiday_watch.visits``); ``invalid``: one HQ must refuse
    (``record_invalid``: a checklist value it does not know)."""
    wrong = {rng.choice(CHECKS)} if anomaly else set()
    checklist = {k: ("anomaly" if k in wrong else rng.choice(("ok", "ok", "ok", "na"))) for k in CHECKS}
    if invalid:
        checklist["doors"] = "cassée"
    return {
        "id": uuid_from(rng), "registration_id": home, "officer": officer,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "position": {"lat": 43.7764 + rng.uniform(-1e-3, 1e-3), "lon": 7.5048 + rng.uniform(-1e-3, 1e-3),
                     "accuracy": round(rng.uniform(3, 25), 1)},
        "distance_m": round(rng.uniform(0, 60), 1), "distance_warning": False,
        "checklist": checklist, "outcome": "anomaly" if anomaly else "all_clear",
        "note": "Volet forcé côté jardin, propriétaire prévenu." if anomaly else "",
        "photos": [f.sha256 for f in photos], "notice_left": rng.random() < 0.5,
    }


def statement(rng: random.Random, *, device_id: str, officer: str, unit: str, private_key: bytes,
              public_key: bytes, photo_file: File, signatures: tuple[File, File], pdf_file: File) -> dict[str, Any]:
    """A complaint sealed with the device's Ed25519 identity key (the module's own sealing
    code), naming its photo, the two drawn signatures and, in the seal, the PDF."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    payload: dict[str, Any] = {
        "id": uuid_from(rng),
        "template": {"id": "plainte_x_biens", "version": 1},
        "kind": "plainte_x",
        "parties": [
            {"role": "declarant", "identity": {
                "surname": rng.choice(("Durand", "Martin", "Bernard", "Petit", "Robert")),
                "given_names": rng.choice(("Élodie", "Marc", "Chloé", "Julien")), "birth_date": "1988-04-12",
                "birth_place": "Nice", "nationality": "française", "address": "3 rue de la République, 06500 Menton",
                "phone": "0639980000", "document": {"kind": "cni", "number": "X4RTBPFW4"}}},
            {"role": "unknown_author", "description": "Homme d'une vingtaine d'années, capuche grise"},
        ],
        "facts": {
            "when": {"from": "2026-11-27T18:30:00+01:00", "to": "2026-11-27T19:00:00+01:00"},
            "where": {"address": "Place de la Gare, 06500 Menton",
                      "position": {"lat": 43.7747, "lon": 7.4975, "accuracy": 12.5}},
            "offences": [{"natinf": 7875, "label": "VOL"}],
            "items": [{"description": "Vélo de ville bleu", "value_cents": rng.randrange(5_000, 200_000),
                       "serial": f"WTU{rng.randrange(10**6):06d}"}],
        },
        "narrative": "On m'a volé mon vélo devant la gare. " * rng.randrange(3, 30),
        "attachments": [{"sha256": photo_file.sha256, "media_type": photo_file.media_type, "name": photo_file.name,
                         "size": len(photo_file.data)}],
        "signatures": {"declarant": {"png_sha256": signatures[0].sha256},
                       "officer": {"png_sha256": signatures[1].sha256}},
        "officer": {"service_number": officer, "name": f"Agent {officer}", "unit": unit},
        "created_at": now, "signed_at": now, "corrects": None,
    }
    sealed = sealing.sealed(payload, sign=lambda data: crypto.sign(private_key, data), public_key=public_key,
                            device_id=device_id)
    sealed["seal"]["pdf_sha256"] = pdf_file.sha256  # the PDF prints the seal: made after it, outside it
    return sealed


def audit_event(chain: list[dict[str, Any]], *, device_id: str, officer: str | None, action: str,
                details: dict[str, Any], event_id: str) -> dict[str, Any]:
    """The next event of ``chain`` (appended and returned), hashed as ``neo.audit`` does."""
    prev = chain[-1]["hash"] if chain else audit.GENESIS
    event: dict[str, Any] = {
        "seq": len(chain) + 1, "id": event_id, "ts": audit.now_iso(), "device_id": device_id, "officer": officer,
        "action": action, "reason": None, "details": details, "lat": None, "lon": None, "accuracy": None,
        "prev_hash": prev,
    }
    event["hash"] = audit.event_hash(event)
    chain.append(event)
    return event


@dataclass(frozen=True)
class Query:
    text: str
    expected: str | None
    """``file/record_id`` the query should find"""


def lookup_queries(persons: int, seed: int, n: int = 400) -> list[Query]:
    """Queries as officers type them (the demo generator's labelled messy queries: names
    with typos, plates, VINs, document numbers) against the reference files HQ holds;
    a few that match nothing when HQ holds no persons."""
    if persons <= 0:
        return [Query(t, None) for t in ("AB-123-CD", "DUPONT Jean 12/03/1980", "VF1AB000000000000")]
    from neo.modules.lookup.demo.messy import messy_queries

    return [Query(q.query, f"{q.file}/{q.record_id}") for q in messy_queries(seed, n, population=persons)]
