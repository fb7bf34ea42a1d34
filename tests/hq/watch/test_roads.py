"""The road graph of the basemap package, from the real demo extract: directed edges,
one-way streets, drivable roads only, connected, stored in the package."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest

from neo.hq.watch import roads
from neo.hq.watch.osm import DRIVABLE, OsmData, Road, read_pbf

from .basemap_clip import BEAUSOLEIL, clip_package, demo_pbf

REPUBLIQUE_WAY = 4230179  # Boulevard de la République, one way
ORCHIDEES_WAY = 4230122  # Rue des Orchidées, both ways


@pytest.fixture(scope="module")
def data() -> OsmData:
    return read_pbf(demo_pbf(), BEAUSOLEIL)


@pytest.fixture(scope="module")
def graph(data: OsmData) -> roads.RoadGraph:
    return roads.build_graph(data, BEAUSOLEIL)


def _pairs(graph: roads.RoadGraph) -> set[tuple[int, int]]:
    return {(e.src, e.dst) for e in graph.edges}


def test_a_one_way_street_has_one_directed_edge_per_segment(data: OsmData, graph: roads.RoadGraph) -> None:
    road = next(r for r in data.roads if r.way_id == REPUBLIQUE_WAY)
    assert road.oneway == 1
    pairs = _pairs(graph)
    for a, b in zip(road.node_ids, road.node_ids[1:], strict=False):
        assert (a, b) in pairs
        assert (b, a) not in pairs
    named = [e for e in graph.edges if e.name == "Boulevard de la République" and e.src in road.node_ids
             and e.dst in road.node_ids]
    assert len(named) == len(road.node_ids) - 1


def test_a_two_way_street_has_both_directions(data: OsmData, graph: roads.RoadGraph) -> None:
    road = next(r for r in data.roads if r.way_id == ORCHIDEES_WAY)
    assert road.oneway == 0
    pairs = _pairs(graph)
    for a, b in zip(road.node_ids, road.node_ids[1:], strict=False):
        assert (a, b) in pairs and (b, a) in pairs


def test_oneway_minus_one_is_reversed_and_footways_are_left_out() -> None:
    coords = ((7.0, 43.0), (7.001, 43.0), (7.002, 43.0))
    data = OsmData(bounds=(6.9, 42.9, 7.1, 43.1), roads=[
        Road(1, "residential", "Rue à contresens", None, -1, None, None, (1, 2, 3), coords),
        Road(2, "footway", "Sentier", None, 0, None, None, (3, 4), (coords[2], (7.003, 43.0))),
        Road(3, "steps", None, None, 0, None, None, (4, 5), ((7.003, 43.0), (7.004, 43.0))),
        Road(4, "service", None, None, 0, 20.0, None, (3, 6), (coords[2], (7.002, 43.001))),
        Road(5, "residential", None, None, 0, None, "no", (6, 7), ((7.002, 43.001), (7.002, 43.002))),
    ])
    graph = roads.build_graph(data)
    assert _pairs(graph) == {(2, 1), (3, 2), (3, 6), (6, 3)}
    lengths = {(e.src, e.dst): e.length_m for e in graph.edges}
    assert lengths[(2, 1)] == pytest.approx(81.3, abs=0.2)  # 0.001° of longitude at 43°N
    assert {e.speed_kmh for e in graph.edges if e.highway == "service"} == {20.0}
    assert set(graph.nodes) == {1, 2, 3, 6}


def test_only_drivable_roads(graph: roads.RoadGraph) -> None:
    assert graph.edges
    assert {e.highway for e in graph.edges} <= DRIVABLE
    assert not {"footway", "steps", "path", "cycleway", "pedestrian", "track"} & {e.highway for e in graph.edges}
    assert all(e.length_m > 0 and e.speed_kmh > 0 for e in graph.edges)
    assert all(e.src in graph.nodes and e.dst in graph.nodes for e in graph.edges)


def _largest_strong_component(nodes: set[int], edges: list[roads.Edge]) -> int:
    out, back = defaultdict(list), defaultdict(list)
    for e in edges:
        out[e.src].append(e.dst)
        back[e.dst].append(e.src)
    order: list[int] = []
    seen: set[int] = set()
    for start in sorted(nodes):
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(out[start]))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                order.append(node)
            elif nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, iter(out[nxt])))
    assigned: set[int] = set()
    best = 0
    for start in reversed(order):
        if start in assigned:
            continue
        size, todo = 0, [start]
        assigned.add(start)
        while todo:
            node = todo.pop()
            size += 1
            for prev in back[node]:
                if prev not in assigned:
                    assigned.add(prev)
                    todo.append(prev)
        best = max(best, size)
    return best


def test_the_graph_is_connected() -> None:
    """Most of the demo area's network is one strongly connected piece: a car can go from
    any node of it to any other, one-way streets respected (the rest: private drives and
    one-way stubs cut by the edge of the extract)."""
    graph = roads.build_graph(read_pbf(demo_pbf()))
    largest = _largest_strong_component(set(graph.nodes), graph.edges)
    assert len(graph.nodes) > 10_000
    assert largest >= 0.85 * len(graph.nodes)


def test_the_package_holds_the_graph_and_addresses() -> None:
    package = clip_package()
    conn = sqlite3.connect(f"file:{package}?mode=ro", uri=True)
    try:
        stored = roads.read_graph(conn)
        plan = " ".join(r[3] for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM neo_road_edges WHERE src = 1"))
        addresses = conn.execute("SELECT id, lat, lon, housenumber, street, city, postcode, building "
                                 "FROM neo_addresses").fetchall()
    finally:
        conn.close()
    assert "neo_road_edges_src" in plan
    assert stored.edges and all(e.src in stored.nodes and e.dst in stored.nodes for e in stored.edges)
    assert any(e.name == "Boulevard de la République" for e in stored.edges)
    buildings = [a for a in addresses if a[7] == 1]
    assert len(buildings) > 100
    assert {a[5] for a in buildings} >= {"Beausoleil"}
    assert any(a[4] and a[6] == "06240" for a in buildings)  # a street and Beausoleil's postcode


def test_read_pbf_refuses_what_is_not_an_extract(tmp_path: Path) -> None:
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    with pytest.raises(ValueError):
        read_pbf(bad)
    with pytest.raises(ValueError):
        read_pbf(tmp_path / "missing.osm.pbf")
