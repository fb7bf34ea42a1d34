"""Registrations and visits for the holiday-watch tests at HQ."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from neo.hq.testing import LiveHQ
from neo.hq.watch.registrations import RegistrationIn

ACCESS = "Portail : code 4521B, clé chez la voisine du 2e"


_NEXT = itertools.count(secrets.randbelow(400) + 100)


def postcode() -> str:
    """A postcode no other test of this run uses (areas are global at HQ)."""
    return f"06{next(_NEXT) % 900 + 100:03d}"


def registration(pc: str = "06500", *, today: date | None = None, start: int = 0, days: int = 14,
                 access: str | None = ACCESS, **extra: Any) -> dict[str, Any]:
    today = today or date.today()
    data: dict[str, Any] = {
        "citizen": {"name": "Jeanne Essai (fictif)", "phone": "06 12 34 56 78", "email": "jeanne@example.org"},
        "address": {"line": "12 avenue de Verdun", "postcode": pc, "city": "Menton"},
        "position": {"lat": 43.7764, "lon": 7.5048},
        "start_date": (today + timedelta(days=start)).isoformat(),
        "end_date": (today + timedelta(days=start + days)).isoformat(),
        "home_type": "maison",
        "alarm": {"present": True, "monitored_by": "Télésurveillance Azur"},
        "access": access,
        "authorised_people": [{"name": "Paul Voisin (fictif)", "vehicles": ["ab-123-cd"]}],
        "contact": {"name": "Marc Essai (fictif)", "phone": "+33 4 93 00 00 00"},
        "notes": "Chien chez la voisine.",
    }
    data.update(extra)
    return data


def register(live: LiveHQ, unit: str, pc: str | None = None, **kw: Any) -> str:
    """Register one home for ``unit`` (its area gets the postcode); returns the id."""
    pc = pc or postcode()
    live.hq.watch.set_area(unit, [pc])
    reg = RegistrationIn.model_validate(registration(pc, **kw))
    return str(live.hq.watch.register(reg, source="api")["id"])


def visit(registration_id: str, officer: str, *, outcome: str = "all_clear", at: datetime | None = None,
          anomalies: tuple[str, ...] = (), note: str = "", photos: int = 0, **extra: Any) -> dict[str, Any]:
    checks = {k: ("anomaly" if k in anomalies else "ok") for k in
              ("doors", "windows_shutters", "letterbox", "garden", "vehicles")}
    data: dict[str, Any] = {
        "id": str(uuid.uuid4()), "registration_id": registration_id, "officer": officer,
        "at": (at or datetime.now(UTC)).isoformat(), "position": {"lat": 43.7765, "lon": 7.5049, "accuracy": 8.0},
        "distance_m": 12.5, "distance_warning": False, "checklist": checks, "outcome": outcome, "note": note,
        "photos": [hashlib.sha256(f"photo{i}".encode()).hexdigest() for i in range(photos)], "notice_left": True,
    }
    data.update(extra)
    return data
