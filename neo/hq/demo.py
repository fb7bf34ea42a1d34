"""Demo data for ``neo-hq seed-demo``: two units, their officers, and HQ-owned records
for the built-in modules (homes registered for the holiday watch). The lookup's reference
files are generated apart, into HQ's reference tables (:func:`neo.hq.reference.seed_demo`).

Everything is deterministic (fixed seed, ids derived with UUIDv5), so seeding twice
changes nothing: existing officers are left alone and unchanged records are skipped.
The payload shapes are a starting point for the modules, which own them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from neo.hq.service import Headquarters

NAMESPACE = uuid.UUID("6f2b0b8e-3d51-4c7e-9a55-0d8b8f2f4a10")

UNITS = ("BTA Menton", "BTA Beausoleil")


@dataclass(frozen=True)
class DemoOfficer:
    service_number: str
    name: str
    unit: str
    pin: str
    role: str = "officer"
    disabled: bool = False


OFFICERS = (
    DemoOfficer("100001", "Jeanne Martin", "BTA Menton", "482913"),
    DemoOfficer("100002", "Karim Benali", "BTA Menton", "739164"),
    DemoOfficer("100003", "Sophie Laurent", "BTA Menton", "615287", role="supervisor"),
    DemoOfficer("100004", "Luc Moreau", "BTA Beausoleil", "294756"),
    DemoOfficer("100005", "Amina Haddad", "BTA Beausoleil", "851372"),
    DemoOfficer("100006", "Paul Girard", "BTA Menton", "360815", disabled=True),
)

_FIRST = ("Jean", "Marie", "Pierre", "Nathalie", "Louis", "Camille", "Nicolas", "Julie", "Thomas", "Sarah",
          "Mehdi", "Inès", "Hugo", "Léa", "Antoine", "Chloé", "Yanis", "Manon", "Éric", "Sandrine")
_LAST = ("Dubois", "Lefèvre", "Garcia", "Roux", "Fontaine", "Chevalier", "Mercier", "Blanc", "Guérin", "Muller",
         "Henry", "Rousseau", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez")
_STREETS = {
    "BTA Menton": ("avenue de Verdun", "rue Longue", "boulevard de Garavan", "avenue Cernuschi",
                   "promenade du Soleil", "rue Partouneaux", "avenue Carnot", "chemin du Val de Menton"),
    "BTA Beausoleil": ("boulevard de la République", "avenue du Général de Gaulle", "rue Jules Ferry",
                       "boulevard du Général Leclerc", "avenue Paul Doumer", "chemin des Moneghetti"),
}
_CITY = {"BTA Menton": ("Menton", 43.7764, 7.5048), "BTA Beausoleil": ("Beausoleil", 43.7425, 7.4230)}


def _rid(kind: str, n: int) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{n}"))


def watch_registrations(unit: str, count: int, today: date) -> Iterator[tuple[str, dict[str, Any]]]:
    """Homes registered for the holiday watch in ``unit`` (HQ-owned, visible to that unit)."""
    rng = random.Random(f"otv:{unit}")
    city, lat0, lon0 = _CITY[unit]
    for i in range(count):
        start = today + timedelta(days=rng.randint(-10, 5))
        yield _rid(f"otv:{unit}", i), {
            "address": f"{rng.randint(1, 120)} {rng.choice(_STREETS[unit])}", "city": city,
            "lat": round(lat0 + rng.uniform(-0.012, 0.012), 6), "lon": round(lon0 + rng.uniform(-0.015, 0.015), 6),
            "owner": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
            "phone": "06 " + " ".join(f"{rng.randint(0, 99):02d}" for _ in range(4)),
            "away_from": start.isoformat(), "away_until": (start + timedelta(days=rng.randint(7, 28))).isoformat(),
            "alarm": rng.random() < 0.4, "key_holder": rng.random() < 0.5,
            "notes": rng.choice(("", "chien dans le jardin", "volets roulants programmés", "voisin présent le soir",
                                 "véhicule au garage")),
        }


Progress = Callable[[str, int, int], None]


def seed(hq: Headquarters, progress: Progress | None = None) -> dict[str, Any]:
    """Create the demo data (idempotent). ``progress(label, done, total)`` is called as it goes."""
    report: dict[str, Any] = {"units_created": [], "officers_added": [], "officers_existing": [], "records_written": 0}

    def tick(label: str, done: int, total: int) -> None:
        if progress is not None:
            progress(label, done, total)

    for name in UNITS:
        _id, created = hq.add_unit(name)
        if created:
            report["units_created"].append(name)
    for i, o in enumerate(OFFICERS):
        tick("agents", i, len(OFFICERS))
        added = hq.add_officer(o.service_number, o.name, o.unit, o.pin, role=o.role, exist_ok=True,
                               disabled=o.disabled)
        report["officers_added" if added else "officers_existing"].append(o.service_number)
    tick("agents", len(OFFICERS), len(OFFICERS))

    units = {u["name"]: u["id"] for u in hq.list_units()}
    today = date.today()
    batches: list[tuple[str, list[tuple[str, dict[str, Any] | None, str]]]] = []
    for unit, count in (("BTA Menton", 24), ("BTA Beausoleil", 12)):
        homes = [(rid, payload, f"u:{units[unit]}") for rid, payload in watch_registrations(unit, count, today)]
        batches.append(("holiday_watch.registrations", homes))
    total = sum(len(b) for _, b in batches)
    done = 0
    for collection, items in batches:
        tick("enregistrements", done, total)
        report["records_written"] += hq.put_hq_records(collection, items)
        done += len(items)
    tick("enregistrements", total, total)
    return report
