"""The road graph of a basemap package, from an OpenStreetMap extract.

Nodes are the OSM nodes of drivable roads (:data:`neo.hq.watch.osm.DRIVABLE`: no
footway, steps, path, cycleway, track or pedestrian street; service roads kept;
``access=no`` left out); edges join consecutive nodes of a way, **directed**: a two-way
street gives two edges, a one-way street one in its direction (``oneway=yes``,
roundabouts and motorways), ``oneway=-1`` one against the way's direction. Edges are
not contracted, so a route drawn from them follows the streets exactly.

Each edge has its length in metres (haversine), a speed in km/h (``maxspeed`` when
mapped, else a default per road class, :data:`DEFAULT_SPEED_KMH`, set low enough for
the winding streets of hill towns) and the road's class and name.

Stored in the package as ``neo_road_nodes(id, lat, lon)`` and
``neo_road_edges(src, dst, length_m, speed_kmh, highway, name)`` (index on ``src``).
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass

from shapely.geometry import LineString, box

from neo.hq.watch.osm import BBox, OsmData, Road, is_drivable

DEFAULT_SPEED_KMH: dict[str, float] = {
    "motorway": 110.0, "motorway_link": 60.0, "trunk": 80.0, "trunk_link": 50.0,
    "primary": 50.0, "primary_link": 40.0, "secondary": 50.0, "secondary_link": 40.0,
    "tertiary": 40.0, "tertiary_link": 30.0, "unclassified": 30.0, "residential": 30.0,
    "living_street": 15.0, "service": 15.0, "road": 25.0,
}
EARTH_RADIUS_M = 6_371_008.8

SCHEMA = """
CREATE TABLE neo_road_nodes (id INTEGER PRIMARY KEY, lat REAL NOT NULL, lon REAL NOT NULL);
CREATE TABLE neo_road_edges (src INTEGER NOT NULL, dst INTEGER NOT NULL, length_m REAL NOT NULL,
                             speed_kmh REAL NOT NULL, highway TEXT NOT NULL, name TEXT);
CREATE INDEX neo_road_edges_src ON neo_road_edges (src);
"""


@dataclass(frozen=True, slots=True)
class Edge:
    src: int
    dst: int
    length_m: float
    speed_kmh: float
    highway: str
    name: str | None


@dataclass
class RoadGraph:
    nodes: dict[int, tuple[float, float]]
    """node id -> (lat, lon)."""
    edges: list[Edge]


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _speed(road: Road) -> float:
    if road.maxspeed is not None:
        return road.maxspeed
    return DEFAULT_SPEED_KMH.get(road.highway, 30.0)


def build_graph(data: OsmData, bbox: BBox | None = None) -> RoadGraph:
    """The directed road graph of the drivable roads (those touching ``bbox``, kept whole)."""
    nodes: dict[int, tuple[float, float]] = {}
    edges: list[Edge] = []
    frame = box(*bbox) if bbox is not None else None
    for road in sorted(data.roads, key=lambda r: r.way_id):
        if not is_drivable(road):
            continue
        if frame is not None and not frame.intersects(LineString(road.coords)):
            continue
        speed = _speed(road)
        for node_id, (lon, lat) in zip(road.node_ids, road.coords, strict=True):
            nodes[node_id] = (round(lat, 7), round(lon, 7))
        for i in range(len(road.node_ids) - 1):
            a, b = road.node_ids[i], road.node_ids[i + 1]
            if a == b:
                continue
            (lon1, lat1), (lon2, lat2) = road.coords[i], road.coords[i + 1]
            length = round(haversine_m(lat1, lon1, lat2, lon2), 2)
            if road.oneway >= 0:
                edges.append(Edge(a, b, length, speed, road.highway, road.name))
            if road.oneway <= 0:
                edges.append(Edge(b, a, length, speed, road.highway, road.name))
    return RoadGraph(nodes, edges)


def write_graph(conn: sqlite3.Connection, graph: RoadGraph) -> None:
    """Create and fill the road graph tables in an open package (the caller commits)."""
    conn.executescript(SCHEMA)
    conn.executemany("INSERT INTO neo_road_nodes (id, lat, lon) VALUES (?, ?, ?)",
                     ((nid, lat, lon) for nid, (lat, lon) in sorted(graph.nodes.items())))
    conn.executemany("INSERT INTO neo_road_edges (src, dst, length_m, speed_kmh, highway, name) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     ((e.src, e.dst, e.length_m, e.speed_kmh, e.highway, e.name) for e in graph.edges))


def read_graph(conn: sqlite3.Connection) -> RoadGraph:
    """The graph stored in a package (for checks and tests; the device has its own loader)."""
    nodes = {int(r[0]): (float(r[1]), float(r[2])) for r in conn.execute("SELECT id, lat, lon FROM neo_road_nodes")}
    edges = [Edge(int(r[0]), int(r[1]), float(r[2]), float(r[3]), str(r[4]), r[5]) for r in conn.execute(
        "SELECT src, dst, length_m, speed_kmh, highway, name FROM neo_road_edges ORDER BY rowid")]
    return RoadGraph(nodes, edges)
