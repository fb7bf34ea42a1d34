"""The road graph of a basemap package: snapping, shortest paths, travel matrices, geometry.

The package's directed edges (``neo_road_edges``: a two-way street gives two rows, a
one-way street one) are loaded into compact CSR arrays. Most OpenStreetMap nodes only
shape a street between two junctions, so chains of such nodes are contracted once at
load time: the searches run on junctions only (about 8x fewer nodes on the demo area)
and every original edge remembers its chain and its offset in it, for snapping and for
drawing. One-way streets stay one-way chains.

* :meth:`RoadGraph.snap` puts a lat/lon on the nearest point of the nearest street (a
  spatial grid of segments), within the largest strongly connected part of the network
  (so every snapped point can reach every other: an extract clipped at its border leaves
  bits of road that lead nowhere).
* :meth:`RoadGraph.matrix` runs one Dijkstra (binary heap) per point, stopped as soon as
  every destination is settled: lengths and durations between all points, asymmetric.
* :meth:`RoadGraph.path` gives the polyline of the way from one point to the next.

Pure Python (standard library only): it runs on the tablet. On the demo area (16,000
road nodes, 1,900 after contraction) loading takes about 0.2 s of CPU and a 201-point
matrix about 0.5 s (``make bench BENCH=watch.round``).
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .model import EARTH_RADIUS_M, Matrix, Metric, RoutingError, haversine_m
from .store import read_road_tables

DEFAULT_SPEED_KMH = 30.0
GRID_CELL_M = 100.0
INF = math.inf


@dataclass(frozen=True)
class Snap:
    """A point put on the road network.

    ``edge`` is the directed edge (u -> v) the point lies on, at fraction ``t`` from u;
    ``reverse`` the edge v -> u of a two-way street (-1 for a one-way street).
    ``distance_m`` is how far the asked position was from the road.
    """

    lat: float
    lon: float
    road_lat: float
    road_lon: float
    distance_m: float
    edge: int
    reverse: int
    t: float


@dataclass(frozen=True)
class _Position:
    """Where a snapped point sits on one chain: offset from the chain's tail, both metrics."""

    chain: int
    length: float
    duration: float


@dataclass(frozen=True)
class _Place:
    """A snapped point for the searches: its positions on chains (one per direction of
    its street) and the core node it sits on (-1 when it is not on a junction)."""

    positions: tuple[_Position, ...]
    core: int


@dataclass(frozen=True)
class _Arrival:
    """How the cheapest way reaches a target: ``direct`` (along the origin's chain),
    ``chain`` (through the tail of the target's chain) or ``junction``."""

    kind: str
    target: _Position | None = None
    origin: _Position | None = None


class RoadGraph:
    """A directed road graph, contracted for searching; see the module docstring."""

    def __init__(self, node_ids: Sequence[int], lats: Sequence[float], lons: Sequence[float],
                 edges: Iterable[tuple[int, int, float, float | None]]) -> None:
        if not (len(node_ids) == len(lats) == len(lons)):
            raise RoutingError("one latitude and one longitude per node")
        index = {node_id: i for i, node_id in enumerate(node_ids)}
        if len(index) != len(node_ids):
            raise RoutingError("road node ids must be unique")
        self.lat = array("d", lats)
        self.lon = array("d", lons)
        src, dst, length, duration = array("i"), array("i"), array("d"), array("d")
        for row in edges:
            a, b, metres, speed = row[0], row[1], row[2], row[3]
            if a not in index or b not in index:
                raise RoutingError(f"road edge {a} -> {b} names an unknown node")
            if metres is None or not math.isfinite(metres) or metres < 0:
                raise RoutingError(f"road edge {a} -> {b} has a bad length {metres!r}")
            if a == b:
                continue  # a loop on one node never shortens a path
            kmh = speed if speed is not None and math.isfinite(speed) and speed > 0 else DEFAULT_SPEED_KMH
            src.append(index[a])
            dst.append(index[b])
            length.append(float(metres))
            duration.append(float(metres) / (kmh / 3.6))
        self.node_ids = array("q", node_ids)
        self.edge_src, self.edge_dst, self.edge_length, self.edge_duration = src, dst, length, duration
        self._contract()
        self._components()
        self._build_grid()

    # -- loading -------------------------------------------------------------------------

    @classmethod
    def from_package(cls, path: str | Path) -> RoadGraph:
        """The graph held by the basemap package (MBTiles) at ``path``."""
        tables = read_road_tables(path)
        graph = cls(tables.node_ids, tables.lats, tables.lons, ((e[0], e[1], e[2], e[3]) for e in tables.edges))
        if not graph.core_node_count:
            raise RoutingError(f"the road graph of {Path(path).name} is empty")
        return graph

    @property
    def node_count(self) -> int:
        return len(self.lat)

    @property
    def edge_count(self) -> int:
        return len(self.edge_src)

    @property
    def core_node_count(self) -> int:
        """Junctions, dead ends and other nodes kept after contraction."""
        return len(self.core_node)

    # -- contraction ---------------------------------------------------------------------

    def _contract(self) -> None:
        n, m = self.node_count, self.edge_count
        out_edges: list[list[int]] = [[] for _ in range(n)]
        in_edges: list[list[int]] = [[] for _ in range(n)]
        for e in range(m):
            out_edges[self.edge_src[e]].append(e)
            in_edges[self.edge_dst[e]].append(e)
        src, dst = self.edge_src, self.edge_dst

        def through(v: int) -> bool:
            outs, ins = out_edges[v], in_edges[v]
            if len(outs) == 1 and len(ins) == 1:
                return dst[outs[0]] != src[ins[0]]  # one-way street going on
            if len(outs) == 2 and len(ins) == 2:
                ahead = {dst[e] for e in outs}
                return len(ahead) == 2 and ahead == {src[e] for e in ins}  # two-way street going on
            return False

        kept = [bool(out_edges[v] or in_edges[v]) and not through(v) for v in range(n)]
        edge_chain = array("i", [-1]) * m
        chain_tail, chain_head = array("i"), array("i")
        chain_first = array("i", [0])
        chain_edges = array("i")
        before_len, before_dur = array("d", [0.0]) * m, array("d", [0.0]) * m
        chain_len, chain_dur = array("d"), array("d")

        def walk(first_edge: int) -> None:
            c = len(chain_tail)
            e = first_edge
            total_len = total_dur = 0.0
            while True:
                edge_chain[e] = c
                before_len[e], before_dur[e] = total_len, total_dur
                total_len += self.edge_length[e]
                total_dur += self.edge_duration[e]
                chain_edges.append(e)
                v = dst[e]
                if kept[v]:
                    break
                back = src[e]
                nxt = [f for f in out_edges[v] if dst[f] != back or len(out_edges[v]) == 1]
                e = nxt[0]
            chain_tail.append(src[first_edge])
            chain_head.append(dst[e])
            chain_len.append(total_len)
            chain_dur.append(total_dur)
            chain_first.append(len(chain_edges))

        for v in range(n):
            if kept[v]:
                for e in out_edges[v]:
                    walk(e)
        # Rings made only of "through" nodes: keep one node of each and walk from it.
        for e in range(m):
            if edge_chain[e] == -1:
                kept[src[e]] = True
                for f in out_edges[src[e]]:
                    if edge_chain[f] == -1:
                        walk(f)

        self.kept = kept
        self.edge_chain, self.edge_before_len, self.edge_before_dur = edge_chain, before_len, before_dur
        self.chain_tail, self.chain_head, self.chain_len, self.chain_dur = chain_tail, chain_head, chain_len, chain_dur
        self.chain_first, self.chain_edges = chain_first, chain_edges
        # Core graph: kept nodes renumbered 0..K-1, chains as its edges (CSR by tail).
        core_node = array("i", (v for v in range(n) if kept[v]))
        core_of = array("i", [-1]) * n
        for k, v in enumerate(core_node):
            core_of[v] = k
        order = sorted(range(len(chain_tail)), key=lambda c: core_of[chain_tail[c]])
        first = array("i", [0]) * (len(core_node) + 1)
        for c in order:
            first[core_of[chain_tail[c]] + 1] += 1
        for k in range(len(core_node)):
            first[k + 1] += first[k]
        self.core_node, self.core_of, self.core_first = core_node, core_of, first
        # Lists (not arrays) for the inner loop: indexing them does not box floats.
        self._adj_chain = order
        self._adj_head = [core_of[chain_head[c]] for c in order]
        self._adj_len = [chain_len[c] for c in order]
        self._adj_dur = [chain_dur[c] for c in order]
        self._first = list(first)

    def _components(self) -> None:
        """Mark the largest strongly connected part of the core graph (Kosaraju, iterative)."""
        k_count = self.core_node_count
        first, head = self._first, self._adj_head
        rev: list[list[int]] = [[] for _ in range(k_count)]
        for u in range(k_count):
            for i in range(first[u], first[u + 1]):
                rev[head[i]].append(u)
        seen = [False] * k_count
        finish: list[int] = []
        for root in range(k_count):
            if seen[root]:
                continue
            seen[root] = True
            stack = [(root, first[root])]
            while stack:
                u, i = stack[-1]
                if i < first[u + 1]:
                    stack[-1] = (u, i + 1)
                    v = head[i]
                    if not seen[v]:
                        seen[v] = True
                        stack.append((v, first[v]))
                else:
                    stack.pop()
                    finish.append(u)
        comp = [-1] * k_count
        sizes: list[int] = []
        for root in reversed(finish):
            if comp[root] != -1:
                continue
            label = len(sizes)
            comp[root] = label
            size, todo = 0, [root]
            while todo:
                u = todo.pop()
                size += 1
                for v in rev[u]:
                    if comp[v] == -1:
                        comp[v] = label
                        todo.append(v)
            sizes.append(size)
        main = max(range(len(sizes)), key=sizes.__getitem__) if sizes else -1
        self.in_main = [c == main for c in comp]

    # -- snapping ------------------------------------------------------------------------

    def _build_grid(self) -> None:
        lat0 = (min(self.lat) + max(self.lat)) / 2 if self.node_count else 0.0
        self._ky = EARTH_RADIUS_M * math.pi / 180
        self._kx = self._ky * math.cos(math.radians(lat0))
        pair: dict[tuple[int, int], int] = {}
        for e in range(self.edge_count):
            pair.setdefault((self.edge_src[e], self.edge_dst[e]), e)
        core_of, in_main = self.core_of, self.in_main
        segments: list[tuple[int, int]] = []
        done: set[tuple[int, int]] = set()
        for (u, v), e in pair.items():
            c = self.edge_chain[e]
            if not (in_main[core_of[self.chain_tail[c]]] and in_main[core_of[self.chain_head[c]]]):
                continue
            if (v, u) in done:
                continue
            done.add((u, v))
            r = pair.get((v, u), -1)
            if r != -1:
                rc = self.edge_chain[r]
                if not (in_main[core_of[self.chain_tail[rc]]] and in_main[core_of[self.chain_head[rc]]]):
                    r = -1
            segments.append((e, r))
        self._segments = segments
        cells: dict[tuple[int, int], list[int]] = {}
        size = GRID_CELL_M
        for s, (e, _r) in enumerate(segments):
            ax, ay = self._xy(self.edge_src[e])
            bx, by = self._xy(self.edge_dst[e])
            for ix in range(math.floor(min(ax, bx) / size), math.floor(max(ax, bx) / size) + 1):
                for iy in range(math.floor(min(ay, by) / size), math.floor(max(ay, by) / size) + 1):
                    cells.setdefault((ix, iy), []).append(s)
        self._cells = cells
        if cells:
            xs = [k[0] for k in cells]
            ys = [k[1] for k in cells]
            self._cell_bounds = (min(xs), min(ys), max(xs), max(ys))

    def _xy(self, v: int) -> tuple[float, float]:
        return self.lon[v] * self._kx, self.lat[v] * self._ky

    def snap(self, lat: float, lon: float, *, max_distance_m: float | None = None) -> Snap:
        """The nearest point of the connected road network to (``lat``, ``lon``).

        :class:`RoutingError` when the graph has no roads, or when the nearest road is
        farther than ``max_distance_m``.
        """
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            raise RoutingError(f"bad position {lat!r}, {lon!r}")
        if not self._cells:
            raise RoutingError("the road graph has no connected roads")
        qx, qy = lon * self._kx, lat * self._ky
        size = GRID_CELL_M
        cx, cy = math.floor(qx / size), math.floor(qy / size)
        x0, y0, x1, y1 = self._cell_bounds
        best = (INF, -1, 0.0)
        seen: set[int] = set()
        radius = 0
        max_radius = max(abs(cx - x0), abs(cx - x1), abs(cy - y0), abs(cy - y1))
        while radius <= max_radius:
            for ix in range(cx - radius, cx + radius + 1):
                ring_row = ix in (cx - radius, cx + radius)
                for iy in range(cy - radius, cy + radius + 1) if ring_row else (cy - radius, cy + radius):
                    for s in self._cells.get((ix, iy), ()):
                        if s in seen:
                            continue
                        seen.add(s)
                        d, t = self._project(s, qx, qy)
                        if d < best[0]:
                            best = (d, s, t)
            # Anything in a cell past this ring is at least radius * size away.
            if best[1] != -1 and best[0] <= radius * size:
                break
            radius += 1
        _, s, t = best
        e, r = self._segments[s]
        u, v = self.edge_src[e], self.edge_dst[e]
        road_lat = self.lat[u] + t * (self.lat[v] - self.lat[u])
        road_lon = self.lon[u] + t * (self.lon[v] - self.lon[u])
        distance = haversine_m(lat, lon, road_lat, road_lon)
        if max_distance_m is not None and distance > max_distance_m:
            raise RoutingError(f"no road within {max_distance_m:.0f} m of {lat:.6f}, {lon:.6f}")
        return Snap(lat, lon, road_lat, road_lon, distance, e, r, t)

    def _project(self, s: int, qx: float, qy: float) -> tuple[float, float]:
        e = self._segments[s][0]
        ax, ay = self._xy(self.edge_src[e])
        bx, by = self._xy(self.edge_dst[e])
        dx, dy = bx - ax, by - ay
        den = dx * dx + dy * dy
        t = 0.0 if den == 0 else max(0.0, min(1.0, ((qx - ax) * dx + (qy - ay) * dy) / den))
        px, py = ax + t * dx, ay + t * dy
        return math.hypot(qx - px, qy - py), t

    def _place(self, snap: Snap) -> _Place:
        positions = []
        for e, t in ((snap.edge, snap.t), (snap.reverse, 1.0 - snap.t)):
            if e < 0:
                continue
            positions.append(_Position(self.edge_chain[e], self.edge_before_len[e] + t * self.edge_length[e],
                                       self.edge_before_dur[e] + t * self.edge_duration[e]))
        # On a junction itself, every street through it leaves from and arrives at it.
        node = self.edge_src[snap.edge] if snap.t == 0.0 else self.edge_dst[snap.edge] if snap.t == 1.0 else -1
        core = self.core_of[node] if node >= 0 else -1
        return _Place(tuple(positions), core)

    # -- searching -----------------------------------------------------------------------

    def _dijkstra(self, seeds: Sequence[tuple[int, float, float]], metric: Metric, targets: set[int] | None,
                  with_parents: bool = False) -> tuple[list[float], list[float], list[int] | None]:
        """Costs from ``seeds`` (core node, cost, other metric) over the core graph.

        Stops once every core node of ``targets`` is settled. ``parents`` holds the chain
        that reached each node, or ``-1 - i`` for the node of seed ``i``.
        """
        k_count = self.core_node_count
        first, head = self._first, self._adj_head
        cost, other = (self._adj_len, self._adj_dur) if metric == "length" else (self._adj_dur, self._adj_len)
        dist = [INF] * k_count
        aux = [INF] * k_count
        parent = [-1] * k_count if with_parents else None
        heap: list[tuple[float, int]] = []
        for i, (node, c, a) in enumerate(seeds):
            if c < dist[node]:
                dist[node], aux[node] = c, a
                if parent is not None:
                    parent[node] = -1 - i
                heap.append((c, node))
        heapq.heapify(heap)
        remaining = set(targets) if targets is not None else None
        pop, push = heapq.heappop, heapq.heappush
        chains = self._adj_chain
        while heap:
            d, u = pop(heap)
            if d > dist[u]:
                continue
            if remaining is not None:
                remaining.discard(u)
                if not remaining:
                    break
            au = aux[u]
            for i in range(first[u], first[u + 1]):
                v = head[i]
                nd = d + cost[i]
                if nd < dist[v]:
                    dist[v] = nd
                    aux[v] = au + other[i]
                    if parent is not None:
                        parent[v] = chains[i]
                    push(heap, (nd, v))
        return dist, aux, parent

    def _seeds(self, place: _Place, metric: Metric) -> list[tuple[int, float, float]]:
        """Where a search from ``place`` starts: the head of each chain it is on (after
        driving the rest of the chain), and its junction if it is on one. Seed ``i`` is
        ``place.positions[i]``; the last one, past them, is the junction."""
        seeds = []
        for p in place.positions:
            rest_len = self.chain_len[p.chain] - p.length
            rest_dur = self.chain_dur[p.chain] - p.duration
            c, a = (rest_len, rest_dur) if metric == "length" else (rest_dur, rest_len)
            seeds.append((self.core_of[self.chain_head[p.chain]], c, a))
        if place.core >= 0:
            seeds.append((place.core, 0.0, 0.0))
        return seeds

    def _arrival_nodes(self, place: _Place) -> set[int]:
        nodes = {self.core_of[self.chain_tail[q.chain]] for q in place.positions}
        if place.core >= 0:
            nodes.add(place.core)
        return nodes

    @staticmethod
    def _pick(p: _Position, metric: Metric) -> tuple[float, float]:
        return (p.length, p.duration) if metric == "length" else (p.duration, p.length)

    def _best_arrival(self, origin: _Place, target: _Place, dist: list[float], aux: list[float],
                      metric: Metric) -> tuple[float, float, _Arrival]:
        """The cheapest way to ``target``: along the same chain, through a chain's tail,
        or at its junction."""
        best = (INF, INF, _Arrival("none"))
        for q in target.positions:
            qc, qa = self._pick(q, metric)
            for p in origin.positions:
                if p.chain == q.chain and q.length >= p.length and q.duration >= p.duration:
                    pc, pa = self._pick(p, metric)
                    if qc - pc < best[0]:
                        best = (qc - pc, qa - pa, _Arrival("direct", q, p))
            tail = self.core_of[self.chain_tail[q.chain]]
            if dist[tail] + qc < best[0]:
                best = (dist[tail] + qc, aux[tail] + qa, _Arrival("chain", q))
        if target.core >= 0 and dist[target.core] < best[0]:
            best = (dist[target.core], aux[target.core], _Arrival("junction"))
        return best

    def matrix(self, ids: Sequence[Hashable], snaps: Sequence[Snap], *, metric: Metric = "duration") -> Matrix:
        """Lengths and durations between every pair of ``snaps`` (named by ``ids``).

        Paths are the cheapest in ``metric``; the other figure is measured along them.
        One Dijkstra per point, stopped when every point is reached.
        """
        if metric not in ("length", "duration"):
            raise RoutingError(f"unknown metric {metric!r}")
        if len(ids) != len(snaps):
            raise RoutingError("one snapped point per id")
        places = [self._place(s) for s in snaps]
        targets = set().union(*(self._arrival_nodes(p) for p in places)) if places else set()
        n = len(snaps)
        costs = [[0.0] * n for _ in range(n)]
        others = [[0.0] * n for _ in range(n)]
        for i in range(n):
            dist, aux, _ = self._dijkstra(self._seeds(places[i], metric), metric, targets)
            for j in range(n):
                if i != j:
                    costs[i][j], others[i][j], _how = self._best_arrival(places[i], places[j], dist, aux, metric)
        if metric == "length":
            return Matrix.build(ids, costs, others)
        return Matrix.build(ids, others, costs)

    def distance(self, a: Snap, b: Snap, *, metric: Metric = "duration") -> tuple[float, float]:
        """(length m, duration s) of the cheapest way from ``a`` to ``b`` in ``metric``."""
        m = self.matrix(("a", "b"), (a, b), metric=metric)
        return m.length_m[0][1], m.duration_s[0][1]

    # -- geometry ------------------------------------------------------------------------

    def _chain_nodes(self, chain: int, start: int, stop: int) -> list[int]:
        """The first node of each edge of ``chain`` at positions ``start`` to ``stop - 1``."""
        edges = self.chain_edges
        base = self.chain_first[chain]
        return [self.edge_src[edges[base + k]] for k in range(start, stop)]

    def _edge_at(self, p: _Position) -> int:
        """Position in the chain (0-based) of the edge holding ``p``."""
        base, end = self.chain_first[p.chain], self.chain_first[p.chain + 1]
        for k in range(base, end):
            e = self.chain_edges[k]
            if self.edge_before_len[e] + self.edge_length[e] >= p.length:
                return k - base
        return end - base - 1

    def path(self, a: Snap, b: Snap, *, metric: Metric = "duration") -> list[tuple[float, float]]:
        """The polyline (lat, lon) of the cheapest way from ``a`` to ``b``, road points only."""
        origin, target = self._place(a), self._place(b)
        dist, aux, parent = self._dijkstra(self._seeds(origin, metric), metric, self._arrival_nodes(target),
                                           with_parents=True)
        assert parent is not None
        cost, _other, how = self._best_arrival(origin, target, dist, aux, metric)
        if cost == INF:
            raise RoutingError("no road between these points")
        nodes: list[int] = []
        if how.kind == "direct":
            assert how.target is not None and how.origin is not None
            ka, kb = self._edge_at(how.origin), self._edge_at(how.target)
            nodes = self._chain_nodes(how.target.chain, ka + 1, kb + 1)
        else:
            # Walk back from where the target is reached to a seed.
            if how.kind == "chain":
                assert how.target is not None
                node = self.core_of[self.chain_tail[how.target.chain]]
            else:
                node = target.core
            chains: list[int] = []
            while parent[node] >= 0:
                c = parent[node]
                chains.append(c)
                node = self.core_of[self.chain_tail[c]]
            seed = -1 - parent[node]
            if seed < len(origin.positions):  # left along a chain, to its head
                start = origin.positions[seed]
                k0 = self._edge_at(start)
                count = self.chain_first[start.chain + 1] - self.chain_first[start.chain]
                nodes = self._chain_nodes(start.chain, k0 + 1, count)
                nodes.append(self.chain_head[start.chain])
            for c in reversed(chains):
                count = self.chain_first[c + 1] - self.chain_first[c]
                nodes.extend(self._chain_nodes(c, 1, count))
                nodes.append(self.chain_head[c])
            if how.kind == "chain":
                assert how.target is not None
                kb = self._edge_at(how.target)
                nodes.extend(self._chain_nodes(how.target.chain, 1, kb + 1))
        line = [(a.road_lat, a.road_lon)]
        line.extend((self.lat[v], self.lon[v]) for v in nodes)
        line.append((b.road_lat, b.road_lon))
        # A point on a junction is also the first or last road point: draw it once.
        return [pt for k, pt in enumerate(line) if k == 0 or pt != line[k - 1]]
