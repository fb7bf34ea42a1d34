"""The map on the demo basemap, as the patrol sees it: homes at real addresses of
Beausoleil, a round planned on the road graph, the patrol's position from the demo's GPS
log. Saved to docs/screenshots/watch-map.png when that file is missing or when
NEO_SCREENSHOTS=1 (else to the test's temporary directory only)."""

from __future__ import annotations

import os
import random
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from neo.models import Position
from neo.modules.holiday_watch.tiles import MBTiles
from neo.modules.holiday_watch.ui.map import MapWidget, Marker, haversine_m, state_for_age

# slow: the first run builds the whole demo basemap (minutes; then cached in .cache/neo)
pytestmark = [pytest.mark.qt, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[4]
SHOT = REPO / "docs" / "screenshots" / "watch-map.png"
PATROL = (43.74205, 7.42310)  # avenue du Maréchal Foch, Beausoleil


@pytest.fixture(scope="module")
def demo_basemap() -> Path:
    try:
        from neo.hq.watch.demo_osm import ensure_demo_basemap

        return ensure_demo_basemap(say=lambda _text: None)
    except Exception as exc:  # offline without the cached extract
        pytest.skip(f"the demo basemap cannot be built here: {exc}")


def _homes(package: Path) -> list[Marker]:
    rnd = random.Random(6)
    conn = sqlite3.connect(f"file:{package}?mode=ro", uri=True)
    rows = conn.execute("SELECT id, lat, lon, housenumber, street FROM neo_addresses "
                        "WHERE lat BETWEEN 43.7385 AND 43.7465 AND lon BETWEEN 7.4160 AND 7.4300 "
                        "AND street IS NOT NULL ORDER BY id").fetchall()
    conn.close()
    homes = []
    for row in rnd.sample(rows, min(140, len(rows))):
        hours = rnd.choice([None, 5, 30, 50, 90, 130, 200, 300])
        state = state_for_age(hours)
        due = "overdue" if state in ("old", "never") and rnd.random() < 0.5 else "due" if state == "week" else ""
        homes.append(Marker(id=str(row[0]), lat=row[1], lon=row[2], state=state, due=due,
                            label=f"{rnd.randint(1, 40)} {row[4]}"))
    return homes


def _round(package: Path, start: tuple[float, float], stops: list[Marker]) -> tuple[list[tuple[float, float]], list[str]]:
    from neo.modules.holiday_watch.routing import RoadGraph, plan

    graph = RoadGraph.from_package(package)
    snaps = [graph.snap(*start), *(graph.snap(m.lat, m.lon) for m in stops)]
    ids = ["patrol", *(m.id for m in stops)]
    matrix = graph.matrix(ids, snaps)
    planned = plan("patrol", ids[1:], matrix, time_limit_s=5.0, seed=1, solver="heuristic", effort=200)
    where = dict(zip(ids, snaps, strict=True))
    path: list[tuple[float, float]] = []
    for a, b in zip(["patrol", *planned.order], planned.order, strict=False):
        path += graph.path(where[a], where[b])
    return path, list(planned.order)


def test_the_demo_map_screenshot(qtbot, demo_basemap: Path, tmp_path: Path) -> None:
    with MBTiles(demo_basemap) as package:
        w = MapWidget(package)
        w.animation_ms = 0
        qtbot.addWidget(w)
        w.resize(1280, 800)
        homes = _homes(demo_basemap)
        w.set_markers(homes)
        due = sorted((m for m in homes if m.due), key=lambda m: haversine_m(*PATROL, m.lat, m.lon))[:12]
        points, order = _round(demo_basemap, PATROL, due)
        w.set_round(points, order)
        w.set_position(Position(lat=PATROL[0], lon=PATROL[1], accuracy=9.0, heading=235.0))
        w.set_follow(True)
        w.set_zoom(16.4)
        w.show()
        qtbot.waitExposed(w)
        w.load_visible_tiles()
        qtbot.waitUntil(w.tiles_idle, timeout=20000)
        image: QImage = w.grab().toImage()
        w.shutdown()

    # what must be there: tiles (not the background), the attribution, the round
    attribution = w.attribution_rect()
    assert image.pixelColor(attribution.left() + 3, attribution.top() + 3).lightness() > 200
    colours = {image.pixelColor(x, y).name() for x in range(0, 1280, 40) for y in range(0, 800, 40)}
    assert len(colours) > 20
    assert len(order) == len(due) and len(points) > 2 * len(due)

    target = SHOT if (not SHOT.exists() or os.environ.get("NEO_SCREENSHOTS") == "1") else tmp_path / SHOT.name
    target.parent.mkdir(parents=True, exist_ok=True)
    assert image.save(str(target))
