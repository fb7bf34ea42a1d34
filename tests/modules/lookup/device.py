"""Helpers for the device half of the lookup: the real module host on a real (SQLCipher)
session, with ``ctx.hq`` over a small in-memory HQ (:class:`FakeRemote`) that answers the
lookup's two routes as the protocol says. The end-to-end tests use a real HQ instead."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from neo import protocol
from neo.api import HqRefused, HqResponse, HqUnavailable, ModuleContext, RemoteTransport
from neo.host import ModuleHost
from neo.modules.lookup.match import keys
from neo.modules.lookup.module import service_for
from neo.modules.lookup.service import LookupService

LOOKUP = "neo.modules.lookup"


def hq_hit(file: str, record_id: str, payload: dict[str, Any], *, severity: str = "info", score: float = 0.99,
           matched: list[str] | None = None, instruction: str | None = None) -> dict[str, Any]:
    return {"file": file, "record_id": record_id, "score": score, "severity": severity,
            "matched": matched or ["plate"], "instruction": instruction, "payload": payload,
            "updated_at_ms": 1_700_000_000_000}


STOLEN = {"file": "stolen_vehicles", "id": "S1", "plate": "AB-123-CD", "vin": "VF1RFB00X12345678", "make": "Renault",
          "model": "Clio", "colour": "gris", "stolen_on": "2026-01-02", "stolen_in": "Menton",
          "circumstances": "Vol sur la voie publique", "instruction": "Interpeller le conducteur ; aviser l'OPJ",
          "reference": "PV 1", "requested_by": "BTA Menton", "updated_at": "2026-01-03T10:00:00Z"}
REGISTRATION = {"file": "vehicle_registrations", "id": "V1", "plate": "AB-123-CD", "plate_format": "SIV",
                "vin": "VF1RFB00X12345678", "make": "Renault", "model": "Clio", "category": "VP",
                "energy": "essence", "colour": "gris", "first_registered_on": "2019-05-01",
                "certificate_issued_on": "2019-05-01", "holder_person_id": "P1", "holder_name": "DUPONT Jean",
                "holder_address": "1 rue de la Paix", "holder_postal_code": "06500", "holder_commune": "Menton",
                "insurer": "MAIF", "insurance_valid_until": "2030-01-01", "inspection_valid_until": "2030-01-01",
                "updated_at": "2025-01-01T00:00:00Z"}


@dataclass
class FakeRemote(RemoteTransport):
    """HQ's lookup routes in memory. ``online`` False: every call raises HqUnavailable;
    ``refuse`` set: every search is refused with it. Records every call."""

    online: bool = True
    refuse: HqRefused | None = None
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # plate key -> hits
    hot_keys: list[str] = field(default_factory=list)
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    version: str = "1"
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    answered: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, method: str, path: str, *, body: Mapping[str, Any] | None = None,
                params: Mapping[str, Any] | None = None, etag: str | None = None) -> HqResponse:
        with self.lock:
            self.calls.append((method, path, body if body is not None else etag))
        if not self.online:
            raise HqUnavailable("network", "HQ unreachable", {"code": "connect"})
        if path == "/api/v1/m/lookup/search" and method == "POST":
            if self.refuse is not None:
                raise self.refuse
            request = protocol.LookupRequest.model_validate(body)  # what HQ would refuse, the test refuses too
            if request.query_id in self.answered:
                return HqResponse(200, {**self.answered[request.query_id], "replayed": True})
            key = keys.plate_key(request.text or (request.fields.plate if request.fields else "") or "")
            answer = protocol.LookupResponse(
                query_id=request.query_id, searched=["stolen_vehicles", "vehicle_registrations"],
                interpretations=["plate"], hits=[protocol.LookupHit.model_validate(h)
                                                 for h in self.answers.get(key or "", [])],
                answered_at_ms=1_700_000_000_000).model_dump(mode="json")
            self.answered[request.query_id] = answer
            return HqResponse(200, answer)
        if path == "/api/v1/m/lookup/hotlist" and method == "GET":
            current = f'"{self.version}"'
            if etag == current:
                return HqResponse(304, None, current)
            hashes = sorted(hmac.new(self.secret, k.encode(), hashlib.sha256).digest()[:8].hex() for k in self.hot_keys)
            body_out = protocol.HotlistResponse(version=self.version, key_version="v1",
                                                secret=base64.b64encode(self.secret).decode(),
                                                generated_at_ms=1_700_000_000_000, hashes=hashes)
            return HqResponse(200, body_out.model_dump(mode="json"), current)
        raise HqRefused("not_found", "no such route", {"code": "not_found"}, status=404)

    def searches(self) -> list[dict[str, Any]]:
        return [b for m, p, b in self.calls if p.endswith("/search")]


class Clock:
    """A settable UTC clock for the service (no wall-clock assertions)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def start_host(session: Any, remote: RemoteTransport | None, *, builtins: tuple[str, ...] = (LOOKUP,),
               entry_points: bool = False) -> ModuleHost:
    host = ModuleHost(session, builtins=builtins, entry_points=entry_points, remote=remote)
    host.discover()
    host.start()
    return host


def lookup_service(host: ModuleHost, clock: Callable[[], datetime] | None = None) -> tuple[ModuleContext,
                                                                                            LookupService]:
    """The active lookup context and its service (with ``clock`` when given)."""
    ctx = host.activate("lookup")
    service = service_for(ctx)
    if clock is not None:
        service._clock = clock
    return ctx, service
