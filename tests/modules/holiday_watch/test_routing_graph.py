"""The road graph: loading a package, snapping, shortest paths, matrices and geometry."""

from __future__ import annotations

import itertools
import math
import random
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neo.modules.holiday_watch.routing import Matrix, RoadGraph, RoutingError, haversine_m

LAT0, LON0 = 43.74, 7.42


def write_package(path: Path, nodes: list[tuple[int, float, float]],
                  edges: list[tuple[int, int, float, float]]) -> Path:
    """A basemap package holding only the road graph tables of the team contract."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE metadata (name TEXT, value TEXT);"
        "CREATE TABLE neo_road_nodes (id INTEGER PRIMARY KEY, lat REAL, lon REAL);"
        "CREATE TABLE neo_road_edges (src INTEGER, dst INTEGER, length_m REAL, speed_kmh REAL, highway TEXT, name TEXT);"
        "CREATE INDEX neo_road_edges_src ON neo_road_edges (src);"
    )
    conn.executemany("INSERT INTO neo_road_nodes VALUES (?, ?, ?)", nodes)
    conn.executemany("INSERT INTO neo_road_edges VALUES (?, ?, ?, ?, 'residential', NULL)", edges)
    conn.commit()
    conn.close()
    return path


def at(dx_m: float, dy_m: float) -> tuple[float, float]:
    """The point ``dx_m`` east and ``dy_m`` north of the origin."""
    lat = LAT0 + dy_m / 111_195.0
    lon = LON0 + dx_m / (111_195.0 * math.cos(math.radians(LAT0)))
    return lat, lon


def geometric(nodes: dict[int, tuple[float, float]], pairs: list[tuple[int, int]], two_way: set[tuple[int, int]],
              speed: float = 36.0) -> tuple[list[tuple[int, float, float]], list[tuple[int, int, float, float]]]:
    rows = [(i, *nodes[i]) for i in sorted(nodes)]
    edges = []
    for a, b in pairs:
        d = haversine_m(*nodes[a], *nodes[b])
        edges.append((a, b, d, speed))
        if (a, b) in two_way:
            edges.append((b, a, d, speed))
    return rows, edges


def floyd(n: int, edges: list[tuple[int, int, float]]) -> list[list[float]]:
    dist = [[0.0 if i == j else math.inf for j in range(n)] for i in range(n)]
    for a, b, w in edges:
        dist[a][b] = min(dist[a][b], w)
    for k in range(n):
        for i in range(n):
            dik = dist[i][k]
            if dik == math.inf:
                continue
            for j in range(n):
                if dik + dist[k][j] < dist[i][j]:
                    dist[i][j] = dik + dist[k][j]
    return dist


@st.composite
def road_networks(draw: st.DrawFn) -> tuple[int, list[tuple[float, float]], list[tuple[int, int, float, float]]]:
    """A strongly connected directed network: a ring (each link one-way or two-way) with
    extra random links; lengths have nothing to do with the geometry on purpose."""
    n = draw(st.integers(min_value=2, max_value=11))
    rng = random.Random(draw(st.integers(0, 2**32)))
    coords = [(LAT0 + rng.random() * 0.01, LON0 + rng.random() * 0.01) for _ in range(n)]
    length = st.floats(min_value=1.0, max_value=2000.0)
    speed = st.sampled_from([15.0, 30.0, 50.0, 90.0])
    edges = []
    for i in range(n):
        j = (i + 1) % n
        edges.append((i, j, draw(length), draw(speed)))
        if draw(st.booleans()):
            edges.append((j, i, draw(length), draw(speed)))
    for _ in range(draw(st.integers(0, 2 * n))):
        a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if a != b:
            edges.append((a, b, draw(length), draw(speed)))
    return n, coords, edges


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(road_networks(), st.sampled_from(["length", "duration"]))
def test_matrix_between_nodes_matches_brute_force(network, metric) -> None:
    n, coords, edges = network
    graph = RoadGraph(list(range(n)), [c[0] for c in coords], [c[1] for c in coords], edges)
    weighted = [(a, b, w if metric == "length" else w / (s / 3.6)) for a, b, w, s in edges]
    expected = floyd(n, weighted)
    snaps = [graph.snap(*coords[i]) for i in range(n)]
    assert all(s.distance_m < 0.01 for s in snaps)
    matrix = graph.matrix(list(range(n)), snaps, metric=metric)
    got = matrix.cost(metric)
    for i in range(n):
        for j in range(n):
            assert got[i][j] == pytest.approx(expected[i][j], rel=1e-9, abs=1e-6), (i, j)


def test_one_way_street_is_not_driven_backwards(tmp_path: Path) -> None:
    # a -> b is one-way (100 m); going back from b to a takes the loop through c.
    nodes = {0: at(0, 0), 1: at(100, 0), 2: at(50, 300)}
    rows, edges = geometric(nodes, [(0, 1), (1, 2), (2, 0)], two_way={(1, 2), (2, 0)})
    graph = RoadGraph.from_package(write_package(tmp_path / "p.mbtiles", rows, edges))
    a, b = graph.snap(*nodes[0]), graph.snap(*nodes[1])
    there, _ = graph.distance(a, b, metric="length")
    back, _ = graph.distance(b, a, metric="length")
    assert there == pytest.approx(100, rel=1e-3)
    loop = haversine_m(*nodes[1], *nodes[2]) + haversine_m(*nodes[2], *nodes[0])
    assert back == pytest.approx(loop, rel=1e-6)
    line = graph.path(b, a, metric="length")
    assert any(p == pytest.approx(nodes[2]) for p in line)


def test_matrix_is_asymmetric_and_measures_both_metrics(tmp_path: Path) -> None:
    # A one-way square: every pair is near one way and around the block the other.
    nodes = {0: at(0, 0), 1: at(200, 0), 2: at(200, 200), 3: at(0, 200)}
    rows, edges = geometric(nodes, [(0, 1), (1, 2), (2, 3), (3, 0)], two_way=set())
    graph = RoadGraph.from_package(write_package(tmp_path / "p.mbtiles", rows, edges))
    snaps = [graph.snap(*at(100, -5)), graph.snap(*at(205, 100))]  # mid-edge, beside the road
    m = graph.matrix(["x", "y"], snaps, metric="length")
    assert m.length_m[0][1] == pytest.approx(200, rel=1e-3)
    assert m.length_m[1][0] == pytest.approx(600, rel=1e-3)
    assert m.duration_s[0][1] == pytest.approx(200 / 10, rel=1e-3)  # 36 km/h
    assert snaps[0].distance_m == pytest.approx(5, abs=0.1)
    assert snaps[0].road_lat == pytest.approx(at(100, 0)[0], abs=1e-7)


def test_two_points_on_one_street(tmp_path: Path) -> None:
    # One long two-way street with shape points: both ways along it, no detour.
    nodes = {i: at(100 * i, 0) for i in range(6)}
    nodes[6] = at(250, 300)
    pairs = [(i, i + 1) for i in range(5)] + [(0, 6), (6, 5)]
    rows, edges = geometric(nodes, pairs, two_way=set(pairs))
    graph = RoadGraph.from_package(write_package(tmp_path / "p.mbtiles", rows, edges))
    assert graph.core_node_count < graph.node_count  # shape points contracted
    p, q = graph.snap(*at(130, 10)), graph.snap(*at(370, -10))
    m = graph.matrix(["p", "q"], [p, q], metric="length")
    assert m.length_m[0][1] == pytest.approx(240, rel=1e-3)
    assert m.length_m[1][0] == pytest.approx(240, rel=1e-3)
    line = graph.path(p, q, metric="length")
    assert line[0] == pytest.approx((p.road_lat, p.road_lon))
    assert line[-1] == pytest.approx((q.road_lat, q.road_lon))
    assert [pt for pt in line[1:-1]] == [pytest.approx(nodes[2]), pytest.approx(nodes[3])]


def test_point_behind_on_a_one_way_street_goes_around(tmp_path: Path) -> None:
    nodes = {i: at(100 * i, 0) for i in range(4)}
    nodes[4] = at(150, 200)
    pairs = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]
    rows, edges = geometric(nodes, pairs, two_way={(3, 4), (4, 0)})
    graph = RoadGraph.from_package(write_package(tmp_path / "p.mbtiles", rows, edges))
    ahead, behind = graph.snap(*at(250, 0)), graph.snap(*at(50, 0))
    forward, _ = graph.distance(behind, ahead, metric="length")
    around, _ = graph.distance(ahead, behind, metric="length")
    assert forward == pytest.approx(200, rel=1e-3)
    loop = 300 + haversine_m(*nodes[3], *nodes[4]) + haversine_m(*nodes[4], *nodes[0])
    assert around == pytest.approx(loop - 200, rel=1e-3)
    line = graph.path(ahead, behind, metric="length")
    drawn = sum(haversine_m(*a, *b) for a, b in itertools.pairwise(line))
    assert drawn == pytest.approx(around, rel=1e-3)


def test_snapping_keeps_to_the_connected_network(tmp_path: Path) -> None:
    # A triangle, plus a one-way spur leaving it for a dead end: nothing comes back from
    # the spur, so a point beside it is put on the triangle.
    nodes = {0: at(0, 0), 1: at(300, 0), 2: at(150, 300), 3: at(600, 0), 4: at(900, 0)}
    rows, edges = geometric(nodes, [(0, 1), (1, 2), (2, 0), (1, 3), (3, 4)], two_way={(0, 1), (1, 2), (2, 0)})
    graph = RoadGraph.from_package(write_package(tmp_path / "p.mbtiles", rows, edges))
    snap = graph.snap(*at(890, 10))
    assert (snap.road_lat, snap.road_lon) == pytest.approx(nodes[1])
    with pytest.raises(RoutingError, match="no road within"):
        graph.snap(*at(890, 10), max_distance_m=100)


def test_paths_follow_the_matrix_on_a_grid(tmp_path: Path) -> None:
    rng = random.Random(7)
    nodes = {r * 6 + c: at(c * 120 + rng.uniform(-20, 20), r * 120 + rng.uniform(-20, 20))
             for r in range(6) for c in range(6)}
    pairs, two_way = [], set()
    for r in range(6):
        for c in range(6):
            v = r * 6 + c
            for w in ((v + 1) if c < 5 else None, (v + 6) if r < 5 else None):
                if w is None:
                    continue
                pair = (v, w) if rng.random() < 0.5 else (w, v)
                pairs.append(pair)
                if rng.random() < 0.6:
                    two_way.add(pair)
    rows, edges = geometric(nodes, pairs, two_way)
    graph = RoadGraph.from_package(write_package(tmp_path / "p.mbtiles", rows, edges))
    points = [graph.snap(*at(rng.uniform(0, 600), rng.uniform(0, 600))) for _ in range(8)]
    m = graph.matrix(list(range(8)), points, metric="length")
    asymmetric = 0
    for i in range(8):
        for j in range(8):
            if i == j:
                continue
            line = graph.path(points[i], points[j], metric="length")
            drawn = sum(haversine_m(*a, *b) for a, b in itertools.pairwise(line))
            assert drawn == pytest.approx(m.length_m[i][j], rel=1e-6, abs=1e-3)
            asymmetric += abs(m.length_m[i][j] - m.length_m[j][i]) > 1
    assert asymmetric > 0


def test_bad_packages_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RoutingError, match="no basemap package"):
        RoadGraph.from_package(tmp_path / "missing.mbtiles")
    empty = tmp_path / "tiles-only.mbtiles"
    sqlite3.connect(empty).executescript("CREATE TABLE tiles (zoom_level INTEGER);")
    with pytest.raises(RoutingError, match="no road graph"):
        RoadGraph.from_package(empty)
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(RoutingError, match="not a readable basemap package"):
        RoadGraph.from_package(junk)
    with pytest.raises(RoutingError, match="unknown node"):
        RoadGraph([1, 2], [LAT0, LAT0], [LON0, LON0 + 0.001], [(1, 3, 10.0, 30.0)])
    with pytest.raises(RoutingError, match="bad length"):
        RoadGraph([1, 2], [LAT0, LAT0], [LON0, LON0 + 0.001], [(1, 2, -1.0, 30.0)])


def test_bad_positions_are_refused(tmp_path: Path) -> None:
    nodes = {0: at(0, 0), 1: at(100, 0)}
    rows, edges = geometric(nodes, [(0, 1)], two_way={(0, 1)})
    graph = RoadGraph.from_package(write_package(tmp_path / "p.mbtiles", rows, edges))
    for lat, lon in ((math.nan, 7.0), (91.0, 7.0), (43.0, 181.0)):
        with pytest.raises(RoutingError, match="bad position"):
            graph.snap(lat, lon)


def test_matrix_subsets_and_route_lengths() -> None:
    m = Matrix.build(["s", "a", "b"], [[0, 1, 5], [2, 0, 3], [4, 6, 0]])
    assert m.route_length(["s", "a", "b"]) == 4
    sub = m.sub(["b", "s"])
    assert sub.length_m == ((0.0, 4.0), (5.0, 0.0))
    with pytest.raises(RoutingError, match="unknown point"):
        m.index("z")
    with pytest.raises(RoutingError, match="unique"):
        Matrix.build(["a", "a"], [[0, 1], [1, 0]])
