"""Write the demo's GPS log: a patrol car driving real streets of Beausoleil and Cap-d'Ail.

    python scripts/make_demo_nmea.py                       # uses the demo basemap package
    python scripts/make_demo_nmea.py --package FILE.mbtiles --out resources/gps/demo-patrol.nmea

The drive follows the road graph packaged with the demo basemap (``neo_road_nodes`` /
``neo_road_edges``, directed: one-way streets are respected) through a few waypoints,
fastest path between each, from the centre of Beausoleil down through Monaco to
Cap-d'Ail and back up, with two stops of about half a minute (a home being checked).

The log is what a GNSS receiver in the car would say, one fix a second: ``$GPGGA``
(position, satellites, HDOP) and ``$GPRMC`` (speed over ground, course, date) sentences.
Speeds follow the streets (85 % of the limit, slower in turns, with limited
acceleration and braking); the position wanders a few metres around the true one (a
correlated error, as a receiver's is) and HDOP varies between about 0.7 and 2.4 (Qt
reports a horizontal accuracy of 2 × HDOP × the user equivalent range error the app
sets, 2.5 m: 3.5 m to 12 m). Stopped, the course is left empty, as receivers do.
Deterministic: the same graph and seed give the same file.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import math
import random
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "resources" / "gps" / "demo-patrol.nmea"
START = datetime(2025, 7, 15, 7, 0, 0, tzinfo=UTC)  # 9:00 in Beausoleil, summer holidays
EARTH_RADIUS_M = 6_371_008.8
KNOTS_PER_MS = 1.943844

# (lat, lon, stop seconds, what is there)
WAYPOINTS: list[tuple[float, float, int, str]] = [
    (43.74320, 7.42567, 0, "Beausoleil, boulevard de la République"),
    (43.74203, 7.42298, 35, "Beausoleil, avenue du Maréchal Foch"),
    (43.73939, 7.41672, 0, "Beausoleil, rue des Martyrs de la Résistance"),
    (43.72364, 7.40399, 30, "Cap-d'Ail, avenue du 3 Septembre"),
    (43.72194, 7.40597, 0, "Cap-d'Ail, avenue Winston Churchill"),
]


# -- NMEA ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fix:
    """One receiver fix: where, when, how fast and which way, how good."""

    time: datetime
    lat: float
    lon: float
    speed_ms: float = 0.0
    course: float | None = None  # degrees from north, None when stopped
    hdop: float = 1.0
    satellites: int = 9
    altitude_m: float = 60.0


def _checksummed(body: str) -> str:
    c = 0
    for ch in body:
        c ^= ord(ch)
    return f"${body}*{c:02X}"


def _angle(value: float, degree_digits: int) -> str:
    value = abs(value)
    degrees = int(value)
    minutes = (value - degrees) * 60
    if round(minutes, 4) >= 60:  # 59.99999 would print as 60.0000
        degrees, minutes = degrees + 1, 0.0
    return f"{degrees:0{degree_digits}d}{minutes:07.4f}"


def nmea_sentences(fix: Fix) -> list[str]:
    """The GGA and RMC sentences of a fix (without line ends)."""
    t = fix.time.astimezone(UTC)
    hhmmss = f"{t:%H%M%S}.{t.microsecond // 10000:02d}"
    lat, ns = _angle(fix.lat, 2), "N" if fix.lat >= 0 else "S"
    lon, ew = _angle(fix.lon, 3), "E" if fix.lon >= 0 else "W"
    gga = _checksummed(f"GPGGA,{hhmmss},{lat},{ns},{lon},{ew},1,{fix.satellites:02d},{fix.hdop:.1f},"
                       f"{fix.altitude_m:.1f},M,48.9,M,,")
    course = "" if fix.course is None else f"{round(fix.course, 1) % 360:.1f}"
    rmc = _checksummed(f"GPRMC,{hhmmss},A,{lat},{ns},{lon},{ew},{fix.speed_ms * KNOTS_PER_MS:.1f},{course},"
                       f"{t:%d%m%y},,,A")
    return [gga, rmc]


def write_nmea(fixes: Iterable[Fix], path: Path) -> int:
    """Write the log (CRLF line ends, as receivers send); returns the number of fixes."""
    n = 0
    lines: list[str] = []
    for fix in fixes:
        lines += nmea_sentences(fix)
        n += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(("\r\n".join(lines) + "\r\n").encode("ascii"))
    tmp.replace(path)
    return n


# -- the road graph ----------------------------------------------------------------------------


@dataclass
class Graph:
    nodes: dict[int, tuple[float, float]]
    out: dict[int, list[tuple[int, float, float, str]]]  # src -> (dst, length m, speed km/h, name)


def load_graph(package: Path) -> Graph:
    conn = sqlite3.connect(f"file:{package}?mode=ro", uri=True)
    try:
        nodes = {int(i): (float(lat), float(lon)) for i, lat, lon in conn.execute(
            "SELECT id, lat, lon FROM neo_road_nodes")}
        out: dict[int, list[tuple[int, float, float, str]]] = {}
        for src, dst, length, speed, name in conn.execute(
                "SELECT src, dst, length_m, speed_kmh, COALESCE(name, '') FROM neo_road_edges"):
            out.setdefault(int(src), []).append((int(dst), float(length), float(speed), str(name)))
    finally:
        conn.close()
    if not nodes or not out:
        raise SystemExit(f"{package} holds no road graph")
    return Graph(nodes, out)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360


def nearest_node(graph: Graph, lat: float, lon: float) -> int:
    """The closest node that has a way out (a dead node cannot start a drive)."""
    return min((n for n in graph.nodes if n in graph.out),
               key=lambda n: haversine_m(lat, lon, *graph.nodes[n]))


def fastest_path(graph: Graph, src: int, dst: int) -> list[tuple[int, float, str]]:
    """Dijkstra on travel time: [(node, speed km/h of the edge reaching it, street name)]."""
    best = {src: 0.0}
    prev: dict[int, tuple[int, float, str]] = {}
    queue = [(0.0, src)]
    while queue:
        t, node = heapq.heappop(queue)
        if node == dst:
            break
        if t > best.get(node, math.inf):
            continue
        for nxt, length, speed, name in graph.out.get(node, ()):
            nt = t + length / max(speed, 5.0)
            if nt < best.get(nxt, math.inf):
                best[nxt] = nt
                prev[nxt] = (node, speed, name)
                heapq.heappush(queue, (nt, nxt))
    if dst not in best:
        raise SystemExit(f"no drivable path from node {src} to node {dst}")
    path: list[tuple[int, float, str]] = []
    node = dst
    while node != src:
        before, speed, name = prev[node]
        path.append((node, speed, name))
        node = before
    path.append((src, 0.0, ""))
    path.reverse()
    return path


# -- driving ------------------------------------------------------------------------------------


@dataclass
class _Vertex:
    lat: float
    lon: float
    s: float  # distance from the start, metres
    limit: float  # m/s allowed on the edge that leaves this vertex
    cap: float  # m/s allowed at the vertex itself (turns, stops)
    stop_s: int = 0


def _route(graph: Graph, waypoints: Sequence[tuple[float, float, int, str]]) -> tuple[list[_Vertex], list[str]]:
    nodes = [nearest_node(graph, lat, lon) for lat, lon, _, _ in waypoints]
    vertices: list[_Vertex] = []
    streets: list[str] = []
    for leg, (a, b) in enumerate(itertools.pairwise(nodes)):
        path = fastest_path(graph, a, b)
        if vertices:
            path = path[1:]
        for node, speed_kmh, name in path:
            lat, lon = graph.nodes[node]
            s = 0.0 if not vertices else vertices[-1].s + haversine_m(vertices[-1].lat, vertices[-1].lon, lat, lon)
            if vertices:
                # a patrol in town: about 85 % of the limit, never over 50 km/h
                vertices[-1].limit = min(speed_kmh * 0.85, 50.0) / 3.6
            vertices.append(_Vertex(lat, lon, s, 30 / 3.6, math.inf))
            if name and (not streets or streets[-1] != name):
                streets.append(name)
        vertices[-1].stop_s = waypoints[leg + 1][2]
    vertices[0].cap = 0.0
    vertices[-1].cap = 0.0
    for i in range(1, len(vertices) - 1):
        v0, v1, v2 = vertices[i - 1], vertices[i], vertices[i + 1]
        if v1.stop_s:
            v1.cap = 0.0
            continue
        if v1.s - v0.s < 0.5 or v2.s - v1.s < 0.5:
            continue
        turn = abs((bearing(v1.lat, v1.lon, v2.lat, v2.lon) - bearing(v0.lat, v0.lon, v1.lat, v1.lon) + 180) % 360 - 180)
        if turn > 100:
            v1.cap = 3.0  # a hairpin
        elif turn > 60:
            v1.cap = 4.5
        elif turn > 30:
            v1.cap = 7.0
    return vertices, streets


def _speed_profile(vertices: list[_Vertex], accel: float = 1.3, brake: float = 1.8) -> list[float]:
    """The speed reachable at each vertex given the caps and the acceleration limits."""
    v = [min(x.cap, x.limit) for x in vertices]
    v[0] = 0.0
    for i in range(1, len(v)):  # accelerating
        d = vertices[i].s - vertices[i - 1].s
        v[i] = min(v[i], vertices[i - 1].limit, math.sqrt(v[i - 1] ** 2 + 2 * accel * d))
    for i in range(len(v) - 2, -1, -1):  # braking
        d = vertices[i + 1].s - vertices[i].s
        v[i] = min(v[i], math.sqrt(v[i + 1] ** 2 + 2 * brake * d))
    return v


def drive(graph: Graph, waypoints: Sequence[tuple[float, float, int, str]] = WAYPOINTS, *, seed: int = 2025,
          start: datetime = START, accel: float = 1.3, brake: float = 1.8) -> tuple[list[Fix], list[str]]:
    """The fixes of the drive (one a second) and the streets it takes, in order."""
    rnd = random.Random(seed)
    vertices, streets = _route(graph, waypoints)
    vmax = _speed_profile(vertices, accel, brake)
    last = len(vertices) - 1
    dt, per_fix = 0.1, 10
    fixes: list[Fix] = []
    i, s, speed, dwell, step = 0, 0.0, 0.0, 0.0, 0
    err_e = err_n = 0.0
    hdop = 1.0
    course_prev: float | None = None
    while True:
        if dwell > 0:
            dwell -= dt
            speed = 0.0
        elif i < last:
            nxt = vertices[i + 1]
            allowed = min(vertices[i].limit, math.sqrt(vmax[i + 1] ** 2 + 2 * brake * max(0.0, nxt.s - s)))
            speed = max(0.7, min(speed + accel * dt, allowed))  # creeps the last metres to a stop
            s += speed * dt
            while i < last and s >= vertices[i + 1].s:
                i += 1
                if vertices[i].stop_s:
                    s, speed, dwell = vertices[i].s, 0.0, float(vertices[i].stop_s)
                    break
        step += 1
        if step % per_fix == 0:
            fix = _fix(vertices, i, s, speed, start + timedelta(seconds=step * dt), rnd, err_e, err_n, hdop,
                       course_prev)
            fixes.append(fix)
            course_prev = fix.course if fix.course is not None else course_prev
            err_e = 0.88 * err_e + rnd.gauss(0, 1.1)
            err_n = 0.88 * err_n + rnd.gauss(0, 1.1)
            hdop = min(2.4, max(0.7, hdop + rnd.gauss(0, 0.08) + (1.1 - hdop) * 0.05))
            if i >= last and dwell <= 0:
                return fixes, streets


def _fix(vertices: list[_Vertex], i: int, s: float, speed: float, when: datetime, rnd: random.Random,
         err_e: float, err_n: float, hdop: float, course_prev: float | None) -> Fix:
    a = vertices[i]
    b = vertices[min(i + 1, len(vertices) - 1)]
    span = b.s - a.s
    f = 0.0 if span <= 0 else min(1.0, max(0.0, (s - a.s) / span))
    lat = a.lat + (b.lat - a.lat) * f
    lon = a.lon + (b.lon - a.lon) * f
    lat += err_n / 111_195.0
    lon += err_e / (111_195.0 * math.cos(math.radians(lat)))
    course: float | None = None
    if speed > 0.8 and span > 0:
        course = (bearing(a.lat, a.lon, b.lat, b.lon) + rnd.gauss(0, 1.5)) % 360
    elif speed > 0.8:
        course = course_prev
    return Fix(time=when, lat=lat, lon=lon, speed_ms=speed + (rnd.gauss(0, 0.15) if speed > 0.8 else 0.0),
               course=course, hdop=round(hdop, 1), satellites=max(5, min(12, round(12 - 3 * hdop + rnd.gauss(0, 0.7)))),
               altitude_m=60.0 + rnd.gauss(0, 1.5))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--package", type=Path, help="basemap package with the road graph (default: the demo's)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    package = args.package
    if package is None:
        sys.path.insert(0, str(REPO))
        from neo.hq.watch.demo_osm import ensure_demo_basemap

        package = ensure_demo_basemap()
    graph = load_graph(package)
    fixes, streets = drive(graph, seed=args.seed)
    n = write_nmea(fixes, args.out)
    length = sum(haversine_m(a.lat, a.lon, b.lat, b.lon) for a, b in itertools.pairwise(fixes))
    print(f"{args.out}: {n} fixes ({n // 60} min {n % 60} s), about {length / 1000:.1f} km", file=sys.stderr)
    print("streets: " + " → ".join(streets), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
