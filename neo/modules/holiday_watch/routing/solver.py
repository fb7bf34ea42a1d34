"""Ordering the stops of a round: OR-Tools routing, and a pure-Python fallback.

:func:`plan` takes a start (the patrol's position), the stops and a travel
:class:`~.model.Matrix` holding them, and returns a :class:`~.model.Round`. The round is
open (it ends at the last stop) unless ``Constraints.end`` names where it must finish:
the start itself (back where it began) or another point of the matrix (the station).

Solvers:

* ``"ortools"``: OR-Tools routing (one vehicle, costs from the matrix as integers,
  guided local search until ``time_limit_s``), started from a nearest-neighbour tour
  improved by local search, and never worse than that tour.
* ``"heuristic"``: pure Python. Nearest neighbour, then 2-opt and Or-opt moves that
  respect asymmetry (reversing a stretch is priced with the way back along it), then an
  iterated local search (double-bridge kicks, which never reverse anything) until the
  time limit. What runs when OR-Tools is not installed.
* ``"exact"``: Held-Karp dynamic programming, up to :data:`EXACT_MAX_STOPS` stops.
* ``"auto"`` (default): exact for tiny inputs; else the pure-Python search, with
  OR-Tools searching at the same time in a thread when it imports and the machine has
  :data:`PORTFOLIO_MIN_CPUS` CPUs, the better tour winning (``Round.solver`` names
  it). On the demo road graph the pure-Python search found tours as short as OR-Tools'
  guided local search or shorter at every size and time limit measured
  (docs/holiday-watch.md), so it is the planner's own search, not a mere fallback.

Stops to drop so that a round fits ``max_duration_s`` are chosen after the search
(greedily: least urgent first, then the costliest detour), whatever the solver.

Every solver returns a valid round (each stop once, in ``order`` or ``dropped``) even
when the time limit is tiny: the first tour is built before any search.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .model import Leg, Matrix, Metric, Round, RoutingError

EXACT_MAX_STOPS = 9
# "auto" runs OR-Tools beside the pure-Python search only with this many CPUs (the UI
# keeps one): on a busy two-core machine the thread only takes time from the search.
PORTFOLIO_MIN_CPUS = 4
# OR-Tools works on integers: costs are scaled to this many units per metre or second.
ORTOOLS_SCALE = 10

SolverName = Literal["auto", "ortools", "heuristic", "exact"]


@dataclass(frozen=True)
class Constraints:
    """What a round must respect.

    ``end``: ``None`` for an open round, or the id (in the matrix) where it must finish.
    ``metric``: what the tour minimises (``"duration"`` or ``"length"``).
    ``max_duration_s``: the round (driving plus ``service_s`` at each stop) must fit in
    it; stops are dropped to fit, lowest ``priority`` first (default priority 0).
    """

    end: Hashable | None = None
    metric: Metric = "duration"
    max_duration_s: float | None = None
    service_s: float = 0.0
    priority: Mapping[Hashable, int] = field(default_factory=dict)


def _load_ortools() -> Any | None:
    """OR-Tools' routing modules, or ``None`` when they do not import."""
    try:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2
    except ImportError:
        return None
    return pywrapcp, routing_enums_pb2


def _spare_cores() -> bool:
    """Whether OR-Tools may search beside the pure-Python search without slowing it."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return cores >= PORTFOLIO_MIN_CPUS


def ortools_available() -> bool:
    """Whether OR-Tools' routing library imports here."""
    return _load_ortools() is not None


# -- the problem as indices ---------------------------------------------------------------


class _Problem:
    """Stops 1..n between a fixed start (0) and a fixed end (n + 1).

    For an open round the end is a dummy point every stop reaches at no cost.
    """

    def __init__(self, matrix: Matrix, start: Hashable, stops: Sequence[Hashable], constraints: Constraints) -> None:
        if len(set(stops)) != len(stops):
            raise RoutingError("each stop must appear once")
        if start in stops:
            raise RoutingError("the start cannot also be a stop")
        if constraints.end is not None and constraints.end in stops:
            raise RoutingError("the end cannot also be a stop")
        rows = [matrix.index(start), *(matrix.index(s) for s in stops)]
        cost = matrix.cost(constraints.metric)
        n = len(stops)
        size = n + 2
        c = [[0.0] * size for _ in range(size)]
        for a in range(n + 1):
            for b in range(1, n + 1):
                if a != b:
                    c[a][b] = cost[rows[a]][rows[b]]
        if constraints.end is not None:
            end_row = matrix.index(constraints.end)
            for a in range(n + 1):
                c[a][n + 1] = cost[rows[a]][end_row]
        for row in c:
            for v in row:
                if not math.isfinite(v) or v < 0:
                    raise RoutingError("the matrix has a missing or negative cost between these points")
        self.c = c
        self.n = n
        self.open = constraints.end is None
        self._near: tuple[frozenset[int], tuple[list[list[int]], list[list[int]]]] | None = None
        self.clock: Callable[[], float] = time.perf_counter

    def neighbours(self, tour: Sequence[int]) -> tuple[list[list[int]], list[list[int]]]:
        """Neighbour lists over the stops of ``tour`` (cached while the set is the same)."""
        key = frozenset(tour)
        if self._near is None or self._near[0] != key:
            self._near = (key, _neighbours(self, sorted(key)))
        return self._near[1]

    def cost(self, tour: Sequence[int]) -> float:
        """Cost of start -> tour -> end."""
        c = self.c
        path = [0, *tour, self.n + 1]
        return sum(c[a][b] for a, b in itertools.pairwise(path))


# -- pure-Python search -----------------------------------------------------------------


def _nearest_neighbour(p: _Problem, stops: Sequence[int]) -> list[int]:
    c = p.c
    left = set(stops)
    tour: list[int] = []
    here = 0
    while left:
        row = c[here]
        nxt = min(left, key=lambda s: (row[s], s))
        tour.append(nxt)
        left.remove(nxt)
        here = nxt
    return tour


NEIGHBOURS = 12


def _neighbours(p: _Problem, stops: Sequence[int]) -> tuple[list[list[int]], list[list[int]]]:
    """For each point, its ``NEIGHBOURS`` cheapest successors and predecessors."""
    c = p.c
    end = p.n + 1
    heads = [0, *stops]
    tails = [*stops, end]
    near_out: list[list[int]] = [[] for _ in range(p.n + 2)]
    near_in: list[list[int]] = [[] for _ in range(p.n + 2)]
    for x in heads:
        row = c[x]
        near_out[x] = sorted((y for y in tails if y != x), key=row.__getitem__)[:NEIGHBOURS]
    for y in tails:
        near_in[y] = sorted((x for x in heads if x != y), key=lambda x, y=y: c[x][y])[:NEIGHBOURS]
    return near_out, near_in


def _local_search(p: _Problem, tour: list[int], deadline: float, dirty: Sequence[int] | None = None) -> list[int]:
    """2-opt and Or-opt moves on neighbour lists, to a local optimum (or ``deadline``).

    Costs are asymmetric: reversing ``path[i..j]`` is priced with prefix sums of the
    path driven forwards and backwards, so each move is O(1) to evaluate. Only moves
    touching a "dirty" stop are tried (all stops at first; after a kick, the stops next
    to where it cut); the ends of every applied move become dirty again.
    """
    if len(tour) < 2:
        return list(tour)
    c = p.c
    near_out, near_in = p.neighbours(tour)
    end = p.n + 1
    path = [0, *tour, end]
    m = len(path)
    pos = [-1] * (p.n + 2)
    fwd = [0.0] * m
    bwd = [0.0] * m
    eps = 1e-9

    def refresh() -> None:
        for k, node in enumerate(path):
            pos[node] = k
        for k in range(1, m):
            fwd[k] = fwd[k - 1] + c[path[k - 1]][path[k]]
            bwd[k] = bwd[k - 1] + c[path[k]][path[k - 1]]

    def two_opt(v: int) -> tuple[int, ...]:
        # Reverse path[i..j]: arcs a -> b and d -> e become a -> d and b -> e.
        for i in (pos[v], pos[v] + 1):
            if not 1 <= i <= m - 3:
                continue
            a, b = path[i - 1], path[i]
            ca, cb, cab = c[a], c[b], c[a][b]
            for j in {pos[d] for d in near_out[a]} | {pos[e] - 1 for e in near_out[b]}:
                if not i < j <= m - 2:
                    continue
                d, e = path[j], path[j + 1]
                if (ca[d] + cb[e] - cab - c[d][e]) + (bwd[j] - bwd[i]) - (fwd[j] - fwd[i]) < -eps:
                    path[i:j + 1] = path[i:j + 1][::-1]
                    refresh()
                    return a, b, d, e
        return ()

    def or_opt(v: int) -> tuple[int, ...]:
        # Move path[i..last] between x = path[k] and y = path[k + 1], as is or reversed.
        for length in (1, 2, 3):
            for i in (pos[v],) if length == 1 else (pos[v], pos[v] - length + 1):
                last = i + length - 1
                if i < 1 or last > m - 2:
                    continue
                a, s0, s1, z = path[i - 1], path[i], path[last], path[last + 1]
                removed = c[a][s0] + c[s1][z] - c[a][z] - eps
                if length == 1 and removed <= 0:
                    continue  # with the triangle inequality no insertion is cheaper
                cs1, cs0 = c[s1], c[s0]
                # As is: new arcs x -> s0 and s1 -> y.
                for k in [pos[x] for x in near_in[s0]] + [pos[y] - 1 for y in near_out[s1]]:
                    if k < 0 or k > m - 2 or i - 1 <= k <= last:
                        continue
                    x, y = path[k], path[k + 1]
                    cx = c[x]
                    if cx[s0] + cs1[y] - cx[y] < removed:
                        return (*move(i, last, k, False), a, z, x, y)
                if length == 1:
                    continue
                # Reversed: new arcs x -> s1 and s0 -> y, and the stretch driven backwards.
                turn = (bwd[last] - bwd[i]) - (fwd[last] - fwd[i])
                for k in [pos[x] for x in near_in[s1]] + [pos[y] - 1 for y in near_out[s0]]:
                    if k < 0 or k > m - 2 or i - 1 <= k <= last:
                        continue
                    x, y = path[k], path[k + 1]
                    cx = c[x]
                    if cx[s1] + cs0[y] - cx[y] + turn < removed:
                        return (*move(i, last, k, True), a, z, x, y)
        return ()

    def move(i: int, last: int, k: int, reverse: bool) -> tuple[int, ...]:
        segment = path[i:last + 1]
        if reverse:
            segment.reverse()
        rest = path[:i] + path[last + 1:]
        at = k + 1 if k < i else k + 1 - len(segment)
        path[:] = rest[:at] + segment + rest[at:]
        refresh()
        return segment[0], segment[-1]

    refresh()
    queue = deque(path[1:-1] if dirty is None else [v for v in dirty if 0 < v < end and pos[v] > 0])
    waiting = set(queue)
    steps = 0
    while queue:
        steps += 1
        if steps % 16 == 0 and p.clock() >= deadline:
            break
        v = queue.popleft()
        waiting.discard(v)
        touched = two_opt(v) or or_opt(v)
        for w in (*touched, v) if touched else ():
            if 0 < w < end and w not in waiting:
                waiting.add(w)
                queue.append(w)
    return path[1:-1]


def _double_bridge(tour: list[int], rng: random.Random) -> tuple[list[int], list[int]]:
    """Swap two neighbouring stretches (nothing is reversed); also the stops cut apart."""
    n = len(tour)
    if n < 4:
        return tour[::-1], list(tour)
    span = max(3, min(n - 1, max(30, n // 2)))  # measured on the demo graph: 30 at 200 stops was too short
    a = rng.randrange(0, n - 2)
    b, c = sorted(rng.sample(range(a + 1, min(n, a + span) + 1), 2)) if min(n, a + span) - a >= 2 else (a + 1, a + 2)
    new = tour[:a] + tour[b:c] + tour[a:b] + tour[c:]
    cut = {a - 1, a, b - 1, b, c - 1, c}
    return new, [tour[k] for k in cut if 0 <= k < n]


def _heuristic(p: _Problem, stops: Sequence[int], time_limit_s: float, seed: int,
               initial: Sequence[int] | None = None, effort: int | None = None) -> list[int]:
    started = p.clock()
    deadline = started + max(0.0, time_limit_s)
    rng = random.Random(seed)
    tour = list(initial) if initial is not None else _nearest_neighbour(p, stops)
    tour = _local_search(p, tour, deadline)
    best, best_cost = tour, p.cost(tour)
    if len(stops) < 4:
        return best
    kicks = 0
    while p.clock() < deadline and (effort is None or kicks < effort):
        kicks += 1
        kicked, cut = _double_bridge(best, rng)
        candidate = _local_search(p, kicked, deadline, cut)
        cost = p.cost(candidate)
        if cost <= best_cost + 1e-9:
            best, best_cost = candidate, cost
    return best


def _exact(p: _Problem, stops: Sequence[int]) -> list[int]:
    """Held-Karp over ``stops`` (a few only: 2^n * n^2)."""
    k = len(stops)
    if k == 0:
        return []
    c = p.c
    full = (1 << k) - 1
    best: dict[tuple[int, int], tuple[float, int]] = {}
    for j in range(k):
        best[(1 << j, j)] = (c[0][stops[j]], -1)
    for mask in range(1, full + 1):
        for j in range(k):
            if not mask & (1 << j) or (mask, j) not in best:
                continue
            base = best[(mask, j)][0]
            for t in range(k):
                if mask & (1 << t):
                    continue
                key = (mask | (1 << t), t)
                value = base + c[stops[j]][stops[t]]
                if key not in best or value < best[key][0]:
                    best[key] = (value, j)
    end = p.n + 1
    last = min(range(k), key=lambda j: best[(full, j)][0] + c[stops[j]][end])
    order = []
    mask, j = full, last
    while j != -1:
        order.append(stops[j])
        prev = best[(mask, j)][1]
        mask &= ~(1 << j)
        j = prev
    return order[::-1]


# -- OR-Tools ---------------------------------------------------------------------------


def _ortools(p: _Problem, stops: Sequence[int], time_limit_s: float, initial: Sequence[int],
             lib: Any) -> list[int]:
    pywrapcp, enums = lib
    # Nodes of the model: 0 = start, 1..k = the given stops, k + 1 = end.
    nodes = [0, *stops, p.n + 1]
    k = len(stops)
    size = k + 2
    scaled = [[0 if a == b else round(p.c[nodes[a]][nodes[b]] * ORTOOLS_SCALE) for b in range(size)]
              for a in range(size)]
    manager = pywrapcp.RoutingIndexManager(size, 1, [0], [k + 1])
    routing = pywrapcp.RoutingModel(manager)
    transit = routing.RegisterTransitMatrix(scaled)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = enums.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = enums.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    routing.CloseModelWithParameters(params)
    position = {node: i for i, node in enumerate(nodes)}
    start_assignment = routing.ReadAssignmentFromRoutes([[position[s] for s in initial]], True)
    solution = (routing.SolveFromAssignmentWithParameters(start_assignment, params)
                if start_assignment is not None else routing.SolveWithParameters(params))
    if solution is None:
        return list(initial)
    order = []
    index = routing.Start(0)
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        if node != 0:
            order.append(nodes[node])
        index = solution.Value(routing.NextVar(index))
    if sorted(order) != sorted(stops):  # never trust a partial answer
        return list(initial)
    return order if p.cost(order) <= p.cost(initial) else list(initial)


# -- the entry point ----------------------------------------------------------------------


def plan(start: Hashable, stops: Sequence[Hashable], matrix: Matrix, *, time_limit_s: float = 1.0,
         seed: int = 0, constraints: Constraints | None = None, solver: SolverName = "auto",
         effort: int | None = None, clock: Callable[[], float] = time.perf_counter) -> Round:
    """The round from ``start`` through every stop, ordered to minimise the metric.

    ``time_limit_s`` bounds the search (a valid round comes back whatever it is). Stops
    are ids of ``matrix``. ``effort`` caps the pure-Python search at that many kicks of
    its iterated local search: with the same ``seed`` its answer is then the same on any
    machine (unless the time limit cut it short first). ``clock`` measures the time
    limit (``time.process_time`` makes it CPU time: for benchmarks on a shared machine;
    OR-Tools always counts wall time).
    """
    constraints = constraints or Constraints()
    if time_limit_s < 0 or not math.isfinite(time_limit_s):
        raise RoutingError("the time limit must be a positive number of seconds")
    if constraints.max_duration_s is not None and constraints.max_duration_s < 0:
        raise RoutingError("the maximum duration must be positive")
    if constraints.service_s < 0:
        raise RoutingError("the time at each stop must be positive")
    if solver not in ("auto", "ortools", "heuristic", "exact"):
        raise RoutingError(f"unknown solver {solver!r}")
    stops = list(stops)
    problem = _Problem(matrix, start, stops, constraints)
    chosen = list(range(1, len(stops) + 1))
    problem.clock = clock
    deadline = clock() + time_limit_s
    order, used = _solve(problem, chosen, time_limit_s, seed, solver, effort)
    dropped: list[int] = []
    if constraints.max_duration_s is not None:
        order, dropped = _fit(problem, order, matrix, start, stops, constraints, deadline)
    if sorted([*order, *dropped]) != chosen:  # pragma: no cover - a bug, never an input
        raise RuntimeError("the planner lost or repeated a stop")
    ids = [stops[i - 1] for i in order]
    return _round(matrix, start, ids, [stops[i - 1] for i in dropped], constraints, used)


def _solve(p: _Problem, stops: list[int], time_limit_s: float, seed: int, solver: SolverName,
           effort: int | None = None) -> tuple[list[int], str]:
    if not stops:
        return [], "trivial"
    if solver == "exact" or (solver == "auto" and len(stops) <= EXACT_MAX_STOPS):
        if len(stops) > EXACT_MAX_STOPS + 3:
            raise RoutingError(f"the exact solver takes at most {EXACT_MAX_STOPS + 3} stops")
        return _exact(p, stops), "exact"
    lib = _load_ortools() if solver == "ortools" or (solver == "auto" and _spare_cores()) else None
    if lib is None:
        return _heuristic(p, stops, time_limit_s, seed, effort=effort), "heuristic"
    started = p.clock()
    deadline = started + time_limit_s
    # Both start from nearest neighbour + local search (milliseconds).
    initial = _local_search(p, _nearest_neighbour(p, stops), deadline)
    remaining = max(0.001, deadline - p.clock())
    if solver == "ortools":
        return _ortools(p, stops, remaining, initial, lib), "ortools"
    # "auto" with cores to spare: OR-Tools searches in a thread (it releases the GIL)
    # while the pure-Python search runs here; the better tour wins.
    found: list[list[int]] = []

    def work() -> None:
        try:
            found.append(_ortools(p, stops, remaining, initial, lib))
        except Exception:  # a solver failure leaves the pure-Python tour
            logging.getLogger(__name__).exception("OR-Tools failed; keeping the pure-Python round")

    thread = threading.Thread(target=work, name="neo-round-ortools", daemon=True)
    thread.start()
    mine = _heuristic(p, stops, remaining, seed, initial=initial, effort=effort)
    thread.join(remaining + 1.0)  # OR-Tools stops at its own time limit
    if found and p.cost(found[0]) < p.cost(mine) - 1e-9:
        return found[0], "ortools"
    return mine, "heuristic"


def _fit(p: _Problem, order: list[int], matrix: Matrix, start: Hashable, stops: list[Hashable],
         constraints: Constraints, deadline: float) -> tuple[list[int], list[int]]:
    """Drop stops until the round fits ``max_duration_s``: lowest priority first, and
    among equals the one whose detour costs most; then put back what fits again."""
    limit = constraints.max_duration_s
    assert limit is not None
    service = constraints.service_s
    rows = [matrix.index(start), *(matrix.index(s) for s in stops)]
    end_row = matrix.index(constraints.end) if constraints.end is not None else None
    dur = matrix.duration_s
    end = p.n + 1

    def leg(a: int, b: int) -> float:
        if b == end:
            return 0.0 if end_row is None else dur[rows[a]][end_row]
        return dur[rows[a]][rows[b]]

    def duration(tour: list[int]) -> float:
        path = [0, *tour, end]
        return sum(leg(a, b) for a, b in itertools.pairwise(path)) + service * len(tour)

    def urgency(i: int) -> int:
        return constraints.priority.get(stops[i - 1], 0)

    dropped: list[int] = []
    while order and duration(order) > limit:
        path = [0, *order, end]
        victim = min(range(1, len(path) - 1), key=lambda k: (
            urgency(path[k]), -(leg(path[k - 1], path[k]) + leg(path[k], path[k + 1]) - leg(path[k - 1], path[k + 1]))))
        dropped.append(path[victim])
        order = path[1:victim] + path[victim + 1:-1]
        if len(order) > 3:
            # Tidy the shorter round (a local optimum is cheap; the time limit may be spent).
            order = _local_search(p, order, max(deadline, p.clock() + 0.05))
    # Dropping one at a time can overshoot: put back what fits, most urgent first.
    for stop in sorted(dropped, key=lambda i: -urgency(i)):
        path = [0, *order, end]
        now = duration(order)
        best_at, best = -1, math.inf
        for k in range(len(path) - 1):
            extra = leg(path[k], stop) + leg(stop, path[k + 1]) - leg(path[k], path[k + 1])
            if extra < best:
                best_at, best = k, extra
        if now + best + service <= limit:
            order.insert(best_at, stop)
            dropped.remove(stop)
    return order, dropped


def evaluate(start: Hashable, order: Sequence[Hashable], matrix: Matrix, constraints: Constraints | None = None, *,
             dropped: Sequence[Hashable] = (), solver: str = "given") -> Round:
    """The round driving ``order`` from ``start`` (to ``constraints.end``), measured on ``matrix``."""
    constraints = constraints or Constraints()
    return _round(matrix, start, list(order), list(dropped), constraints, solver)


def _round(matrix: Matrix, start: Hashable, order: list[Hashable], dropped: list[Hashable],
           constraints: Constraints, solver: str) -> Round:
    route = [start, *order]
    if constraints.end is not None:
        route.append(constraints.end)
    legs = []
    for a, b in itertools.pairwise(route):
        i, j = matrix.index(a), matrix.index(b)
        legs.append(Leg(a, b, matrix.length_m[i][j], matrix.duration_s[i][j]))
    length = sum(leg.length_m for leg in legs)
    duration = sum(leg.duration_s for leg in legs) + constraints.service_s * len(order)
    return Round(tuple(order), length, duration, tuple(legs), start, constraints.end, tuple(dropped), solver)
