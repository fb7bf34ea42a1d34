"""The admin side of a fleet run: units, officers, holiday-watch homes, reference files and
one enrolment code per device, written through HQ's own Python API (what ``neo-hq`` does).

Units are of ``devices_per_unit`` tablets (a brigade's), each tablet with
``officers_per_device`` officers of its unit; each unit has its own postcode (its area) and
``homes_per_unit`` homes registered for the holiday watch, which its tablets pull and visit.
Everything is named from ``seed`` so two runs with the same seed stage the same fleet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

PIN = "482913"
UNIT_PREFIX = "Brigade charge"


@dataclass
class DeviceSeat:
    """What a tablet is handed before it is switched on: its one-time code and who uses it."""

    code: str
    unit: str
    officers: list[str]
    homes: list[str]
    """ids of the unit's registered homes (the visits name them)"""


@dataclass
class Staging:
    seats: list[DeviceSeat]
    registrations: dict[str, list[str]]
    """unit -> ids of its registered homes"""
    reference_persons: int = 0
    """persons in the reference files (the lookup's queries are drawn from them)"""
    reference_seed: int = 0
    pin: str = PIN
    extra: dict[str, Any] = field(default_factory=dict)


def unit_name(i: int) -> str:
    return f"{UNIT_PREFIX} {i + 1:03d}"


def service_number(unit_index: int, n: int) -> str:
    return f"7{unit_index:04d}{n:03d}"


def _registration(pc: str, i: int, today: date) -> dict[str, Any]:
    return {
        "citizen": {"name": f"Résident {i} (fictif)", "phone": f"06 39 98 {i // 100 % 100:02d} {i % 100:02d}"},
        "address": {"line": f"{901 + i} avenue de la Charge", "postcode": pc, "city": "Menton"},
        "position": {"lat": 43.7764 + (i % 50) * 1e-4, "lon": 7.5048 + (i % 37) * 1e-4},
        "start_date": (today - timedelta(days=2)).isoformat(),
        "end_date": (today + timedelta(days=20)).isoformat(),
        "home_type": "maison" if i % 3 else "appartement",
        "alarm": {"present": i % 2 == 0, "monitored_by": None},
        "access": f"Portail : code {1000 + i % 9000}",
        "authorised_people": [],
        "notes": "",
    }


def stage(hq: Any, *, devices: int, url: str, fingerprint: str | None, seed: int = 0, devices_per_unit: int = 10,
          officers_per_device: int = 2, homes_per_unit: int = 12, code_ttl_seconds: int = 7 * 86400,
          reference_persons: int | None = None, reference_seed: int | None = None) -> Staging:
    """Create what ``devices`` tablets need at HQ (``hq``: a :class:`neo.hq.service.Headquarters`
    on the run's database) and one enrolment code each, for ``url`` (HQ's address as the
    tablets reach it) and the CA ``fingerprint``. Idempotent for units, officers and areas.

    ``reference_persons``: how many persons the reference files hold (the caller seeded
    them, e.g. :class:`~benchmarks.fleet.server.HqServer`); None reads the count from HQ.
    """
    from neo.hq.reference import DEMO_SEED
    from neo.hq.watch.registrations import RegistrationIn

    if devices < 1:
        raise ValueError("devices must be >= 1")
    units = (devices + devices_per_unit - 1) // devices_per_unit
    if units > 900:
        raise ValueError("at most 900 units (one postcode 06xxx each)")
    today = date.today()
    seats: list[DeviceSeat] = []
    registrations: dict[str, list[str]] = {}
    for u in range(units):
        name = unit_name(u)
        hq.add_unit(name)
        pc = f"06{(u + 100 + seed) % 900 + 100:03d}"
        hq.watch.set_area(name, [pc])
        homes = [str(r["id"]) for r in hq.watch.registrations(unit=name)][:homes_per_unit]
        for i in range(len(homes), homes_per_unit):
            reg = RegistrationIn.model_validate(_registration(pc, u * homes_per_unit + i, today))
            homes.append(str(hq.watch.register(reg, source="import")["id"]))
        registrations[name] = homes
        in_unit = min(devices_per_unit, devices - u * devices_per_unit)
        for d in range(in_unit):
            officers = [service_number(u, d * officers_per_device + k) for k in range(officers_per_device)]
            for sn in officers:
                hq.add_officer(sn, f"Agent {sn}", name, PIN, exist_ok=True)
            _code, printed, _unit = hq.create_enrolment_code(unit=name, ttl_seconds=code_ttl_seconds, url=url,
                                                              fingerprint=fingerprint)
            seats.append(DeviceSeat(code=printed, unit=name, officers=officers, homes=homes))
    if reference_persons is None:
        reference_persons = _persons(hq)
    return Staging(seats=seats, registrations=registrations, reference_persons=reference_persons,
                   reference_seed=DEMO_SEED if reference_seed is None else reference_seed)


def _persons(hq: Any) -> int:
    from neo.hq import reference

    return int(reference.counts(hq.db).get("persons", 0))
