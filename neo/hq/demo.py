"""Demo data for ``neo-hq seed-demo``: two units, their officers, and HQ-owned records
for the built-in modules (homes registered for the holiday watch, made by
:mod:`neo.hq.watch.seed` from the OpenStreetMap extract). The lookup's reference files are
generated apart, into HQ's reference tables (:func:`neo.hq.reference.seed_demo`).

Everything is deterministic (fixed seed, ids derived with UUIDv5), so seeding twice
changes nothing: existing officers are left alone and unchanged records are skipped.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from neo.hq.service import Headquarters
from neo.hq.storage import sync as sync_sql

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

    # Holiday watch: the demo unit's area and homes at real buildings of the demo towns.
    from neo.hq.watch.seed import LEGACY_IDS, seed_demo_watch

    gone = hq.db.read(lambda c: sync_sql.records_get(c, {("holiday_watch.registrations", rid) for rid in LEGACY_IDS}))
    stale = [(rid, None, row["audience"]) for (_c, rid), row in gone.items() if not row["tombstone"]]
    if stale:  # homes of an older demo, in a shape the module does not read: off the tablets
        hq.put_hq_records("holiday_watch.registrations", stale, tombstone=True)
    report["holiday_watch"] = seed_demo_watch(hq, lambda text: print(text, file=sys.stderr, flush=True))
    report["records_written"] += len(stale) + int(report["holiday_watch"].get("written", 0))
    homes = int(report["holiday_watch"].get("homes", 0))
    tick("domiciles", homes, homes)
    return report
