""""Regular but unpredictable": which homes today, in what order, from what time.

A watcher who notes when the patrol passes must not learn a pattern, yet every home is
visited at least as often as the unit's policy says. Three things vary from day to day,
all drawn from generators seeded by the day, the unit and the unit's secret
(:func:`day_seed`, :func:`plan_day`): reproducible for an audit that holds the secret,
not predictable without it.

* **Which homes** (:func:`select_homes`). A home whose policy allows at most ``g`` days
  between visits is *due* on the ``g``-th day after its last visit and *overdue* after;
  both are always in the round (overdue ones first when time is short). Before that it
  may be visited early: on each day of its window the chance is ``earliness / (days
  left + 1)``, so with ``earliness = 1`` the visit day is uniform over the window.
* **The order** (:func:`varied_round`). Among tours no longer than the best one plus a
  tolerance (10 % by default), one is drawn at random: the others come from solving the
  same stops with every cost jittered, and are kept only if their true cost is within
  the tolerance.
* **The time** (:func:`start_time`). The round starts at a random minute of the shift
  such that it ends within it.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import math
import random
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from .model import Matrix, Round, RoutingError
from .solver import EXACT_MAX_STOPS, Constraints, evaluate, plan

OVERDUE, DUE, EARLY = 2, 1, 0
# Up to this many stops every order is tried (6! = 720 tours to price).
EXHAUSTIVE_MAX_STOPS = 6


@dataclass(frozen=True)
class VisitPolicy:
    """How often a home must be visited: every ``every_n_days`` days at most, or at least
    ``min_visits_per_week`` times in any 7 days (read as a gap of ``7 // n`` days, which
    guarantees it; above 7 a week, the home is due at every round)."""

    every_n_days: int | None = None
    min_visits_per_week: int | None = None

    def __post_init__(self) -> None:
        if (self.every_n_days is None) == (self.min_visits_per_week is None):
            raise RoutingError("a visit policy gives either every_n_days or min_visits_per_week")
        if self.every_n_days is not None and self.every_n_days < 1:
            raise RoutingError("every_n_days must be at least 1")
        if self.min_visits_per_week is not None and not 1 <= self.min_visits_per_week <= 21:
            raise RoutingError("min_visits_per_week must be between 1 and 21")

    @property
    def max_gap_days(self) -> int:
        """The most days allowed between two visits (0: at every round, even the same day)."""
        if self.every_n_days is not None:
            return self.every_n_days
        assert self.min_visits_per_week is not None
        return 7 // self.min_visits_per_week


@dataclass(frozen=True)
class WatchedHome:
    """A home under watch, as the planner sees it: its policy and its last visit."""

    id: Hashable
    policy: VisitPolicy
    last_visit: date | None = None
    start_date: date | None = None
    end_date: date | None = None

    def active(self, day: date) -> bool:
        """Whether the watch covers ``day``."""
        return (self.start_date is None or self.start_date <= day) and (self.end_date is None or day <= self.end_date)

    def days_left(self, day: date) -> int:
        """Days until the home is due (0: due today, negative: overdue)."""
        gap = self.policy.max_gap_days
        if self.last_visit is None:
            # Never visited: due on the first day of the watch, overdue after.
            begin = self.start_date or day
            return -(day - begin).days
        return gap - (day - self.last_visit).days


@dataclass(frozen=True)
class Selection:
    """Today's homes: every due or overdue one, and those drawn for an early visit.

    ``priority`` maps each id to :data:`OVERDUE`, :data:`DUE` or :data:`EARLY` (what a
    round too long for the shift drops first is the lowest).
    """

    stops: tuple[Hashable, ...]
    priority: dict[Hashable, int]

    @property
    def required(self) -> tuple[Hashable, ...]:
        """The homes that must be visited today."""
        return tuple(h for h in self.stops if self.priority[h] >= DUE)


def day_seed(secret: bytes, unit: str, day: date, shift: str = "") -> int:
    """A 64-bit seed from the unit's secret, the unit, the day and the shift (HMAC-SHA256)."""
    if not secret:
        raise RoutingError("the unit's secret must not be empty")
    message = f"neo.holiday_watch.round|{unit}|{day.isoformat()}|{shift}".encode()
    return int.from_bytes(hmac.new(secret, message, hashlib.sha256).digest()[:8], "big")


def day_rng(secret: bytes, unit: str, day: date, shift: str = "") -> random.Random:
    """The random generator of one day's round (see :func:`day_seed`)."""
    return random.Random(day_seed(secret, unit, day, shift))


def select_homes(homes: Sequence[WatchedHome], day: date, rng: random.Random, *,
                 earliness: float = 0.5) -> Selection:
    """Today's stops: due and overdue homes, plus some drawn early (see the module doc).

    Homes whose watch does not cover ``day``, or visited ``day`` already, are left out.
    Overdue homes come first, then due ones, then early ones, each group shuffled.
    """
    if not 0 <= earliness <= 1:
        raise RoutingError("earliness is between 0 and 1")
    groups: dict[int, list[Hashable]] = {OVERDUE: [], DUE: [], EARLY: []}
    for home in sorted(homes, key=lambda h: str(h.id)):  # the draw must not depend on input order
        if not home.active(day):
            continue
        if home.last_visit is not None and home.last_visit >= day and home.policy.max_gap_days > 0:
            continue  # visited today already
        left = home.days_left(day)
        draw = rng.random()
        if left < 0:
            groups[OVERDUE].append(home.id)
        elif left == 0:
            groups[DUE].append(home.id)
        elif draw < earliness / (left + 1):
            groups[EARLY].append(home.id)
    stops: list[Hashable] = []
    priority: dict[Hashable, int] = {}
    for level in (OVERDUE, DUE, EARLY):
        rng.shuffle(groups[level])
        stops.extend(groups[level])
        priority.update(dict.fromkeys(groups[level], level))
    return Selection(tuple(stops), priority)


def _jittered(matrix: Matrix, rng: random.Random, spread: float) -> Matrix:
    def shake(rows: tuple[tuple[float, ...], ...]) -> list[list[float]]:
        return [[v * (1.0 + rng.uniform(-spread, spread)) for v in row] for row in rows]

    return Matrix.build(matrix.ids, shake(matrix.length_m), shake(matrix.duration_s))


def varied_round(start: Hashable, stops: Sequence[Hashable], matrix: Matrix, rng: random.Random, *,
                 tolerance: float = 0.10, candidates: int = 6, spread: float = 0.3, effort: int = 100,
                 time_limit_s: float = 10.0, constraints: Constraints | None = None) -> Round:
    """A near-optimal round drawn at random: within ``tolerance`` of the best one found.

    The best round comes from the pure-Python search with ``effort`` kicks; then
    ``candidates`` rounds (``effort // 5`` kicks each) on matrices whose costs are
    jittered by up to ``spread``. Those within the tolerance on the true costs, and the
    best one, are the pool, and one is drawn. Up to :data:`EXHAUSTIVE_MAX_STOPS` stops,
    every order is priced instead. Stops dropped to fit ``max_duration_s`` are the best
    round's. The search is bounded by effort, not time, so the same ``rng`` gives the
    same round (``time_limit_s`` is only a safety net).
    """
    if tolerance < 0 or not math.isfinite(tolerance):
        raise RoutingError("the tolerance must be a positive fraction")
    constraints = constraints or Constraints()
    started = time.perf_counter()
    best = plan(start, stops, matrix, time_limit_s=time_limit_s / 2, seed=rng.getrandbits(32),
                constraints=constraints, solver="exact" if len(stops) <= EXACT_MAX_STOPS else "heuristic", effort=effort)
    metric = constraints.metric

    def cost(r: Round) -> float:
        return r.duration_s if metric == "duration" else r.length_m

    kept = list(best.order)
    pool: dict[tuple[Hashable, ...], Round] = {best.order: best}

    def consider(order: Sequence[Hashable]) -> None:
        true = evaluate(start, order, matrix, constraints, dropped=best.dropped, solver=best.solver)
        if cost(true) <= cost(best) * (1 + tolerance) + 1e-9 and _fits(true, constraints):
            pool.setdefault(true.order, true)

    if len(kept) <= EXHAUSTIVE_MAX_STOPS:
        for order in itertools.permutations(kept):
            consider(order)
    else:
        free = replace(constraints, max_duration_s=None)
        per_candidate = max(0.0, time_limit_s / 2 - (time.perf_counter() - started)) / max(1, candidates)
        for _ in range(candidates):
            shaken = _jittered(matrix, rng, spread)
            other = plan(start, kept, shaken, time_limit_s=per_candidate, seed=rng.getrandbits(32),
                         constraints=free, solver="heuristic", effort=max(1, effort // 5))
            consider(other.order)
    orders = sorted(pool, key=lambda o: [str(x) for x in o])
    return pool[orders[rng.randrange(len(orders))]]


def _fits(r: Round, constraints: Constraints) -> bool:
    return constraints.max_duration_s is None or r.duration_s <= constraints.max_duration_s + 1e-9


def start_time(shift_start: datetime, shift_end: datetime, duration_s: float, rng: random.Random) -> datetime:
    """A random minute to start a round of ``duration_s`` so that it ends within the shift.

    When the round is longer than the shift, it starts when the shift does.
    """
    if shift_end <= shift_start:
        raise RoutingError("the shift must end after it starts")
    slack = (shift_end - shift_start).total_seconds() - duration_s
    minutes = int(slack // 60) if slack > 0 else 0
    return shift_start + timedelta(minutes=rng.randint(0, minutes))


@dataclass(frozen=True)
class DayRound:
    """One day's round: when it starts, the round, and what was chosen and why."""

    day: date
    start_at: datetime
    round: Round
    selection: Selection


def plan_day(*, day: date, unit: str, secret: bytes, start: Hashable, homes: Sequence[WatchedHome],
             matrix: Matrix, shift_start: datetime, shift_end: datetime, shift: str = "",
             tolerance: float = 0.10, earliness: float = 0.5, effort: int = 100,
             constraints: Constraints | None = None) -> DayRound:
    """Select today's homes, draw a near-optimal order and a start time.

    ``matrix`` must hold ``start`` and every home that may be selected. The round must fit
    the shift: stops are dropped to fit it, early visits first, then due, then overdue.
    The homes, the order and the time each have their own generator derived from
    :func:`day_seed`, so the same day, unit and secret give the same round.
    """
    seed = day_seed(secret, unit, day, shift)
    selection = select_homes(homes, day, random.Random(f"{seed}:homes"), earliness=earliness)
    base = constraints or Constraints()
    shift_s = (shift_end - shift_start).total_seconds()
    limit = shift_s if base.max_duration_s is None else min(shift_s, base.max_duration_s)
    fitted = replace(base, max_duration_s=limit, priority={**selection.priority, **base.priority})
    chosen = varied_round(start, selection.stops, matrix, random.Random(f"{seed}:order"), tolerance=tolerance,
                          effort=effort, constraints=fitted)
    at = start_time(shift_start, shift_end, chosen.duration_s, random.Random(f"{seed}:time"))
    return DayRound(day, at, chosen, selection)


def kendall_distance(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Normalised Kendall tau distance between two orders, over the items both hold.

    0 for the same relative order, 1 for the reverse; 0 when fewer than two are shared.
    """
    shared = set(a) & set(b)
    rank = {x: i for i, x in enumerate(x for x in b if x in shared)}
    seq = [rank[x] for x in a if x in shared]
    n = len(seq)
    if n < 2:
        return 0.0
    discordant = sum(1 for i in range(n) for j in range(i + 1, n) if seq[i] > seq[j])
    return discordant / (n * (n - 1) / 2)
