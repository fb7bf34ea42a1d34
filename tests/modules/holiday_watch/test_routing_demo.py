"""The planner on the real road graph: a clip of Beausoleil from the demo extract.

The package is the one the basemap tests build and cache (``tests/hq/watch/basemap_clip``).
"""

from __future__ import annotations

import itertools
import random
import sqlite3

import pytest

from neo.modules.holiday_watch.routing import Constraints, RoadGraph, haversine_m, plan
from tests.hq.watch.basemap_clip import BEAUSOLEIL, clip_package


@pytest.fixture(scope="module")
def package():
    return clip_package()


@pytest.fixture(scope="module")
def graph(package) -> RoadGraph:
    return RoadGraph.from_package(package)


def _homes(package, graph: RoadGraph, count: int) -> list[tuple[float, float]]:
    """Addressed buildings of the clip near a road of its connected part (the clip cuts
    streets at its border, leaving some buildings with no way in)."""
    west, south, east, north = BEAUSOLEIL
    conn = sqlite3.connect(package)
    try:
        rows = conn.execute("SELECT lat, lon FROM neo_addresses WHERE lat BETWEEN ? AND ? AND lon BETWEEN ? AND ? "
                            "ORDER BY id", (south, north, west, east)).fetchall()
    finally:
        conn.close()
    near = [row for row in rows if graph.snap(*row).distance_m < 80]
    assert len(near) > 3 * count
    return random.Random(5).sample(near, count)


def _line_length(line: list[tuple[float, float]]) -> float:
    return sum(haversine_m(*a, *b) for a, b in itertools.pairwise(line))


def test_the_network_is_contracted_and_mostly_connected(graph: RoadGraph) -> None:
    assert graph.node_count > 500
    assert graph.core_node_count < graph.node_count / 2  # shape points contracted
    # A small clip cuts one-way streets at its border; on the whole demo area the main
    # part holds over 90 % of the junctions.
    assert sum(graph.in_main) > 0.4 * graph.core_node_count


def test_a_one_way_stretch_of_boulevard_de_la_republique(package, graph: RoadGraph) -> None:
    conn = sqlite3.connect(package)
    try:
        src, dst, length = conn.execute(
            "SELECT e.src, e.dst, e.length_m FROM neo_road_edges e WHERE e.name = 'Boulevard de la République' "
            "AND NOT EXISTS (SELECT 1 FROM neo_road_edges r WHERE r.src = e.dst AND r.dst = e.src) "
            "ORDER BY e.length_m DESC LIMIT 1").fetchone()
        (alat, alon), = conn.execute("SELECT lat, lon FROM neo_road_nodes WHERE id = ?", (src,)).fetchall()
        (blat, blon), = conn.execute("SELECT lat, lon FROM neo_road_nodes WHERE id = ?", (dst,)).fetchall()
    finally:
        conn.close()
    assert length > 20
    first = graph.snap(alat + 0.25 * (blat - alat), alon + 0.25 * (blon - alon))
    second = graph.snap(alat + 0.75 * (blat - alat), alon + 0.75 * (blon - alon))
    assert first.reverse == -1 and second.reverse == -1
    ahead, _ = graph.distance(first, second, metric="length")
    back, _ = graph.distance(second, first, metric="length")
    assert ahead == pytest.approx(0.5 * length, rel=0.02)
    assert back > ahead + 50  # round the block, never backwards up the boulevard


def test_matrix_and_paths_on_real_homes(package, graph: RoadGraph) -> None:
    homes = _homes(package, graph, 12)
    snaps = [graph.snap(lat, lon) for lat, lon in homes]
    ids = list(range(len(snaps)))
    m = graph.matrix(ids, snaps, metric="length")
    n = len(ids)
    asymmetric = sum(abs(m.length_m[i][j] - m.length_m[j][i]) > 5 for i in range(n) for j in range(i + 1, n))
    assert asymmetric > 0
    for i, j, k in itertools.permutations(ids, 3):  # shortest paths: no detour is shorter
        assert m.length_m[i][k] <= m.length_m[i][j] + m.length_m[j][k] + 1e-6
    for i, j in [(0, 1), (1, 0), (2, 7), (7, 2), (5, 11)]:
        line = graph.path(snaps[i], snaps[j], metric="length")
        assert _line_length(line) == pytest.approx(m.length_m[i][j], rel=1e-4)
    timed = graph.matrix(ids, snaps, metric="duration")
    for i, j in itertools.permutations(ids, 2):
        assert timed.duration_s[i][j] <= m.duration_s[i][j] + 1e-6  # the fastest way is the fastest
        assert timed.length_m[i][j] >= m.length_m[i][j] - 1e-6  # and the shortest the shortest
    r = plan(0, ids[1:], m, time_limit_s=0.2, constraints=Constraints(metric="length"))
    assert sorted(r.order) == ids[1:]
