"""Values shared by the road graph, the solver and the variation: matrices and rounds."""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Metric = Literal["length", "duration"]
EARTH_RADIUS_M = 6_371_008.8
UNREACHABLE = math.inf


class RoutingError(ValueError):
    """Bad input for the planner (unknown stop, a stop that cannot be reached, a bad option)."""


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Matrix:
    """Travel lengths (metres) and durations (seconds) between points, ``[from][to]``.

    ``ids`` name the points (a stop's registration id, ``"start"``, ``"station"``...);
    rows and columns follow them. Not symmetric in general: one-way streets make the way
    back longer. ``inf`` marks a pair with no road between them.
    """

    ids: tuple[Hashable, ...]
    length_m: tuple[tuple[float, ...], ...]
    duration_s: tuple[tuple[float, ...], ...]
    _index: dict[Hashable, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.ids)
        if len(set(self.ids)) != n:
            raise RoutingError("matrix ids must be unique")
        for rows in (self.length_m, self.duration_s):
            if len(rows) != n or any(len(r) != n for r in rows):
                raise RoutingError(f"matrix rows must be {n} x {n}")
        object.__setattr__(self, "_index", {pid: i for i, pid in enumerate(self.ids)})

    @classmethod
    def build(cls, ids: Sequence[Hashable], length_m: Sequence[Sequence[float]],
              duration_s: Sequence[Sequence[float]] | None = None) -> Matrix:
        """A matrix from nested sequences (``duration_s`` defaults to ``length_m``)."""
        lengths = tuple(tuple(float(v) for v in row) for row in length_m)
        durations = lengths if duration_s is None else tuple(tuple(float(v) for v in row) for row in duration_s)
        return cls(tuple(ids), lengths, durations)

    def index(self, pid: Hashable) -> int:
        """The row of ``pid``; :class:`RoutingError` when it is not in the matrix."""
        try:
            return self._index[pid]
        except KeyError:
            raise RoutingError(f"unknown point {pid!r}") from None

    def cost(self, metric: Metric) -> tuple[tuple[float, ...], ...]:
        """The rows for ``metric`` (``"length"`` or ``"duration"``)."""
        if metric == "length":
            return self.length_m
        if metric == "duration":
            return self.duration_s
        raise RoutingError(f"unknown metric {metric!r}")

    def sub(self, ids: Sequence[Hashable]) -> Matrix:
        """The matrix restricted to ``ids``, in that order."""
        rows = [self.index(pid) for pid in ids]
        return Matrix(tuple(ids), tuple(tuple(self.length_m[i][j] for j in rows) for i in rows),
                      tuple(tuple(self.duration_s[i][j] for j in rows) for i in rows))

    def route_length(self, route: Sequence[Hashable], metric: Metric = "length") -> float:
        """Sum of the legs of ``route`` (a sequence of ids) in ``metric``."""
        rows = self.cost(metric)
        idx = [self.index(pid) for pid in route]
        return sum(rows[a][b] for a, b in itertools.pairwise(idx))


def straight_line_matrix(ids: Sequence[Hashable], points: Sequence[tuple[float, float]],
                         speed_kmh: float = 30.0) -> Matrix:
    """Great-circle distances between ``points`` (lat, lon), durations at ``speed_kmh``.

    What a planner without a road graph would use: the benchmark compares tours planned on
    it and then driven on the roads with tours planned on the roads.
    """
    if len(ids) != len(points):
        raise RoutingError("one point per id")
    n = len(points)
    lengths = [[0.0 if i == j else haversine_m(*points[i], *points[j]) for j in range(n)] for i in range(n)]
    mps = speed_kmh / 3.6
    return Matrix.build(ids, lengths, [[v / mps for v in row] for row in lengths])


@dataclass(frozen=True)
class Leg:
    """One step of a round: from a point to the next, on the roads."""

    origin: Hashable
    destination: Hashable
    length_m: float
    duration_s: float


@dataclass(frozen=True)
class Round:
    """A planned round: the stops in visiting order and its legs.

    ``order`` holds the stops only (not the start or the end); ``legs`` go from the start
    through every stop (and on to the end when the round returns to the station).
    ``dropped`` lists stops left out because the round had to fit ``max_duration_s``.
    ``solver`` says what planned it (``"ortools"``, ``"heuristic"``, ``"trivial"``).
    """

    order: tuple[Hashable, ...]
    length_m: float
    duration_s: float
    legs: tuple[Leg, ...]
    start: Hashable
    end: Hashable | None = None
    dropped: tuple[Hashable, ...] = ()
    solver: str = "heuristic"

    @property
    def route(self) -> tuple[Hashable, ...]:
        """Start, stops and (for a closed round) the end: the points driven through."""
        tail = (self.end,) if self.end is not None else ()
        return (self.start, *self.order, *tail)
