"""Demo registrations for ``neo-hq seed-demo``: homes of the demo towns (Beausoleil,
Cap-d'Ail, La Turbie, Èze, Roquebrune-Cap-Martin) at REAL buildings on REAL streets of
the OpenStreetMap extract, with clearly fictitious residents ("(fictif)", names drawn
from the lookup's demo generator), house numbers (the real street, a number from 901 up
that the street does not have) and phone numbers (ARCEP's ranges kept for fiction,
06 39 98 … and 04 65 71 …).

Addresses come from the demo basemap package's ``neo_addresses`` table when it is built
(fast), else from the extract itself (:func:`neo.hq.watch.osm.read_pbf`, a few seconds);
with neither on disk the seeding is skipped with a message (no network is used here: the
demo set-up fetches the extract first). The demo unit, BTA Menton, gets the towns'
postcodes as its area. Deterministic: ids come from the buildings' OpenStreetMap ids,
choices from a fixed seed, so seeding twice the same day changes nothing.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import astuple, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from neo.hq.watch.registrations import RegistrationIn
from neo.i18n import tr

NAMESPACE = uuid.UUID("9b1f5c2e-6a47-4f0e-8d3a-5e2c7b4a1d60")
DEMO_UNIT = "BTA Menton"
DEMO_POSTCODES = {"06190": "Roquebrune-Cap-Martin", "06240": "Beausoleil", "06320": "Cap-d'Ail / La Turbie",
                  "06360": "Èze", "06500": "Menton"}
HOMES = 50
SEED = 20261201

_LEGACY_NAMESPACE = uuid.UUID("6f2b0b8e-3d51-4c7e-9a55-0d8b8f2f4a10")
LEGACY_IDS = tuple(str(uuid.uuid5(_LEGACY_NAMESPACE, f"otv:{unit}:{i}"))
                   for unit, count in (("BTA Menton", 24), ("BTA Beausoleil", 12)) for i in range(count))
"""Homes an earlier demo seeding wrote (another payload shape): seeding removes them."""

Say = Callable[[str], None]


@dataclass(frozen=True)
class Building:
    osm_id: str
    lat: float
    lon: float
    street: str
    postcode: str
    city: str


def _from_package(path: Path) -> list[Building]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT id, lat, lon, street, postcode, city FROM neo_addresses "
                            "WHERE building = 1 AND street IS NOT NULL AND postcode IS NOT NULL "
                            "AND city IS NOT NULL ORDER BY id").fetchall()
    finally:
        conn.close()
    return [Building(str(r[0]), float(r[1]), float(r[2]), r[3], r[4], r[5]) for r in rows]


def _from_pbf(path: Path) -> list[Building]:
    from neo.hq.watch.osm import read_pbf, resolved_addresses

    out = []
    for a in resolved_addresses(read_pbf(path)):
        if a.building and a.street and a.postcode and a.city:
            out.append(Building(a.osm_id, a.lat, a.lon, a.street, a.postcode, a.city))
    return sorted(out, key=lambda b: b.osm_id)


def demo_buildings(say: Say) -> list[Building] | None:
    """Buildings of the demo towns, from the demo package or the extract; None if neither is here."""
    from neo.hq.watch import demo_osm

    package = demo_osm.default_basemap_dir() / demo_osm.BASEMAP_FILE
    pbf = demo_osm.default_cache_dir() / demo_osm.PBF_FILE
    found: list[Building] | None = None
    if package.is_file():
        try:
            found = _from_package(package)
        except sqlite3.Error as exc:
            say(tr("Paquet de fond de carte illisible ({e}) : lecture de l'extrait.", e=exc))
    if found is None and pbf.is_file():
        found = _cached_pbf_buildings(pbf)
    if found is None:
        return None
    return _in_demo_towns(found)


def _in_demo_towns(buildings: list[Building]) -> list[Building]:
    return [b for b in buildings if b.postcode in DEMO_POSTCODES and b.city.casefold() != "monaco"]


def _cached_pbf_buildings(pbf: Path) -> list[Building]:
    """The extract's buildings, kept beside it in ``demo-buildings.json`` (reading the
    extract takes seconds; the next seeding reads the small file)."""
    cache = pbf.with_name("demo-buildings.json")
    stat = pbf.stat()
    key = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    try:
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("key") == key:
            return [Building(*row) for row in data["buildings"]]
    except (OSError, ValueError, TypeError, KeyError):
        pass
    found = _in_demo_towns(_from_pbf(pbf))
    tmp = cache.with_name(cache.name + ".tmp")
    tmp.write_text(json.dumps({"key": key, "buildings": [list(astuple(b)) for b in found]}, ensure_ascii=False),
                   encoding="utf-8")
    tmp.replace(cache)
    return found


def _names() -> tuple[list[str], list[str]]:
    from neo.modules.lookup.demo import data_names as n

    surnames = re.findall(r"([^\s:]+):\d+", n.SURNAMES)[:300]
    first = re.findall(r"([A-ZÀ-Ý][\w'-]+) \d{4}", n.MALE_FIRST_NAMES + " " + n.FEMALE_FIRST_NAMES)
    return surnames, sorted(set(first))


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text).lower() if c.isascii() and (c.isalnum() or c == "-"))


_LETTERS = "ABCDEFGHJKLMNPQRSTVWXYZ"  # SIV letters (no I, O, U)


def _plate(rng: random.Random) -> str:
    return (f"{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}-{rng.randint(100, 999)}-"
            f"{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}")


NOTES = ("", "", "Chien confié à la famille.", "Volets roulants programmés le soir.", "Voisin présent le week-end.",
         "Véhicule au garage.", "Jardinier le mardi matin.", "Courrier relevé par la voisine.",
         "Lumières sur minuterie.", "Piscine couverte, portillon fermé à clé.")
ALARM_COMPANIES = ("Azur Télésurveillance (fictif)", "Riviera Sécurité (fictif)", "Un voisin")


def demo_registrations(buildings: list[Building], today: date, count: int = HOMES) -> list[RegistrationIn]:
    """``count`` registrations spread over the demo towns' streets (one building per street first)."""
    rng = random.Random(SEED)
    by_street: dict[tuple[str, str], list[Building]] = {}
    for b in buildings:
        by_street.setdefault((b.postcode, b.street), []).append(b)
    streets = sorted(by_street)
    rng.shuffle(streets)
    chosen: list[Building] = []
    while len(chosen) < count and streets:
        for key in list(streets):
            pool = by_street[key]
            if not pool:
                streets.remove(key)
                continue
            chosen.append(pool.pop(rng.randrange(len(pool))))
            if len(chosen) == count:
                break
    surnames, first_names = _names()
    numbers: dict[str, int] = {}
    out = []
    for i, b in enumerate(chosen):
        first, last = rng.choice(first_names), rng.choice(surnames)
        numbers[b.street] = numbers.get(b.street, 900) + 1
        kind = rng.random()
        if kind < 0.6:      # under way
            start = today - timedelta(days=rng.randint(1, 12))
            end = max(today + timedelta(days=1), start + timedelta(days=rng.randint(7, 28)))
        elif kind < 0.85:   # starting soon
            start = today + timedelta(days=rng.randint(1, 7))
            end = start + timedelta(days=rng.randint(7, 21))
        else:               # just ended (still on the tablets for the grace period)
            end = today - timedelta(days=rng.randint(0, 1))
            start = end - timedelta(days=rng.randint(7, 14))
        people = [{"name": f"{rng.choice(first_names)} {last} (fictif)",
                   "vehicles": [_plate(rng)] if rng.random() < 0.7 else []}
                  for _ in range(rng.choice((0, 0, 0, 1, 1, 2)))]
        alarm = rng.random() < 0.35
        data: dict[str, Any] = {
            "id": str(uuid.uuid5(NAMESPACE, f"home:{b.osm_id}")),
            "citizen": {"name": f"{first} {last} (fictif)", "phone": f"06 39 98 {i // 100:02d} {i % 100:02d}",
                        "email": f"{_ascii(first)}.{_ascii(last)}@example.org" if rng.random() < 0.6 else None},
            "address": {"line": f"{numbers[b.street]} {b.street}", "postcode": b.postcode, "city": b.city},
            "position": {"lat": round(b.lat, 7), "lon": round(b.lon, 7)},
            "start_date": start.isoformat(), "end_date": end.isoformat(),
            "home_type": rng.choices(("maison", "appartement", "autre"), (55, 40, 5))[0],
            "alarm": {"present": alarm, "monitored_by": rng.choice(ALARM_COMPANIES) if alarm else None},
            "access": rng.choice((None, None, f"Portail : code {rng.randint(1000, 9999)}B",
                                  f"Digicode {rng.randint(1000, 9999)}, clé chez le gardien",
                                  "Clé chez la voisine du rez-de-chaussée")),
            "authorised_people": people,
            "contact": ({"name": f"{rng.choice(first_names)} {rng.choice(surnames)} (fictif)",
                         "phone": f"04 65 71 {i // 100:02d} {i % 100:02d}"} if rng.random() < 0.7 else None),
            "notes": rng.choice(NOTES),
            "visit_policy": ({"min_visits_per_week": rng.randint(2, 5)} if rng.random() < 0.7
                             else {"every_n_days": 2}),
        }
        out.append(RegistrationIn.model_validate(data))
    return out


def seed_demo_watch(hq: Any, say: Say, *, today: date | None = None, count: int = HOMES) -> dict[str, Any]:
    """Give the demo unit its area and write the demo registrations (idempotent)."""
    today = today or date.today()
    units = {u["name"] for u in hq.list_units()}
    if DEMO_UNIT not in units:
        return {"skipped": "no demo unit"}
    hq.watch.set_area(DEMO_UNIT, sorted(DEMO_POSTCODES))
    buildings = demo_buildings(say)
    if buildings is None:
        say(tr("Domiciles de démonstration non créés : l'extrait OpenStreetMap n'est pas là "
               "(make demo le télécharge ; ou neo-hq basemap demo)."))
        return {"skipped": "no extract"}
    regs = demo_registrations(buildings, today, count)
    done = hq.watch.register_many([(i + 1, r) for i, r in enumerate(regs)], source="demo", today=today,
                                  check_dates=False)
    return {"homes": len(done["registered"]), "created": sum(1 for d in done["registered"] if d["created"]),
            "written": done["written"], "towns": sorted({r.address.city for r in regs})}
