"""The demo registrations of ``neo-hq seed-demo``: real buildings and streets of the demo
towns from the OpenStreetMap extract, fictitious residents and numbers, varied dates;
idempotent; skipped with a message when the extract is missing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from neo.hq.config import HQConfig
from neo.hq.service import Headquarters
from neo.hq.storage.schema import records
from neo.hq.watch import demo_osm
from neo.hq.watch.seed import DEMO_POSTCODES, DEMO_UNIT, demo_buildings, seed_demo_watch


@pytest.fixture(scope="module")
def extract() -> Path:
    return demo_osm.ensure_demo_pbf()


@pytest.fixture
def hq(tmp_path: Path) -> Any:
    with Headquarters(HQConfig(data_dir=tmp_path / "hq", read_manifests=False)) as hq:
        hq.add_unit(DEMO_UNIT)
        yield hq


def test_demo_homes_are_real_buildings_with_fictitious_residents(hq: Any, extract: Path) -> None:
    today = date(2026, 7, 15)
    report = seed_demo_watch(hq, print, today=today)
    assert report["homes"] == 50 and report["created"] == 50
    assert {"Beausoleil", "Roquebrune-Cap-Martin", "Èze"} <= set(report["towns"])
    buildings = demo_buildings(print)
    assert buildings
    streets = {(b.postcode, b.street) for b in buildings}
    positions = {(round(b.lat, 7), round(b.lon, 7)) for b in buildings}
    homes = [hq.watch.registration(r["id"])["payload"] for r in hq.watch.registrations(unit=DEMO_UNIT)]
    assert len(homes) == 50
    for home in homes:
        number, street = home["address"]["line"].split(" ", 1)
        assert int(number) > 900 and (home["address"]["postcode"], street) in streets
        assert home["address"]["postcode"] in DEMO_POSTCODES
        assert (home["position"]["lat"], home["position"]["lon"]) in positions
        assert home["citizen"]["name"].endswith("(fictif)")
        assert home["citizen"]["phone"].startswith("06 39 98")
        assert home["unit"] == DEMO_UNIT
    starts = [date.fromisoformat(h["start_date"]) for h in homes]
    ends = [date.fromisoformat(h["end_date"]) for h in homes]
    assert any(s <= today <= e for s, e in zip(starts, ends, strict=True))  # under way
    assert any(s > today for s in starts)                                    # starting soon
    assert any(e < today for e in ends)                                      # just ended
    assert any(h["alarm"]["present"] for h in homes) and any(h["authorised_people"] for h in homes)
    assert any(h["access_sealed"] for h in homes)
    # Seeding again the same day writes nothing new.
    seqs = hq.db.read(lambda c: sorted(c.execute(select(records.c.server_seq)).scalars()))
    again = seed_demo_watch(hq, print, today=today)
    assert again["created"] == 0
    assert hq.db.read(lambda c: sorted(c.execute(select(records.c.server_seq)).scalars())) == seqs


def test_seeding_without_the_extract_is_skipped_with_a_message(hq: Any, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO_OSM_CACHE", str(tmp_path / "no-osm"))
    monkeypatch.setenv("NEO_BASEMAP_CACHE", str(tmp_path / "no-basemap"))
    said: list[str] = []
    assert seed_demo_watch(hq, said.append) == {"skipped": "no extract"}
    assert said and "OpenStreetMap" in said[0]
    assert hq.watch.registrations() == []
    assert [a["postcodes"] for a in hq.watch.areas() if a["unit"] == DEMO_UNIT] == [sorted(DEMO_POSTCODES)]
