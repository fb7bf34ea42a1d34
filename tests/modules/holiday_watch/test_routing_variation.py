""""Regular but unpredictable" rounds: policy kept over weeks, orders and times vary."""

from __future__ import annotations

import itertools
import math
import random
import statistics
from datetime import date, datetime, timedelta

import pytest

from neo.modules.holiday_watch.routing import (
    Constraints,
    Matrix,
    RoutingError,
    VisitPolicy,
    WatchedHome,
    day_rng,
    day_seed,
    kendall_distance,
    plan,
    plan_day,
    select_homes,
    start_time,
)
from neo.modules.holiday_watch.routing.variation import DUE, EARLY, OVERDUE

FIRST_DAY = date(2026, 7, 1)
DAYS = 28
SECRET = b"unit secret: 32 random bytes in real life"


def town(n_homes: int, seed: int) -> Matrix:
    """Homes and a start on a plane; some ways dearer one way than the other."""
    rng = random.Random(seed)
    ids = ["station", *(f"home-{i:02d}" for i in range(n_homes))]
    pts = [(rng.uniform(0, 4000), rng.uniform(0, 4000)) for _ in ids]
    lengths = [[0.0 if i == j else math.dist(pts[i], pts[j]) * (1.3 + (0.5 if rng.random() < 0.2 else 0.0))
                for j in range(len(ids))] for i in range(len(ids))]
    return Matrix.build(ids, lengths, [[v / 8.0 for v in row] for row in lengths])


POLICIES = [VisitPolicy(every_n_days=1), VisitPolicy(every_n_days=2), VisitPolicy(every_n_days=3),
            VisitPolicy(every_n_days=4), VisitPolicy(min_visits_per_week=2), VisitPolicy(min_visits_per_week=3)]


def simulate(matrix: Matrix, *, secret: bytes = SECRET, constraints: Constraints | None = None,
             shift_hours: float = 10.0) -> tuple[dict[str, list[date]], list, dict[str, WatchedHome]]:
    homes = {}
    for k, hid in enumerate(matrix.ids[1:]):
        begin = FIRST_DAY + timedelta(days=k % 5)  # watches start on different days
        homes[hid] = WatchedHome(hid, POLICIES[k % len(POLICIES)], None, begin, FIRST_DAY + timedelta(days=DAYS - 1))
    visits: dict[str, list[date]] = {hid: [] for hid in homes}
    rounds = []
    for d in range(DAYS):
        day = FIRST_DAY + timedelta(days=d)
        shift_start = datetime(day.year, day.month, day.day, 8, 0)
        result = plan_day(day=day, unit="brigade-beausoleil", secret=secret, start="station",
                          homes=list(homes.values()), matrix=matrix, shift_start=shift_start,
                          shift_end=shift_start + timedelta(hours=shift_hours),
                          constraints=constraints or Constraints(metric="length"))
        rounds.append(result)
        for hid in result.round.order:
            visits[hid].append(day)
            homes[hid] = WatchedHome(hid, homes[hid].policy, day, homes[hid].start_date, homes[hid].end_date)
    return visits, rounds, homes


@pytest.fixture(scope="module")
def month() -> tuple[Matrix, dict[str, list[date]], list, dict[str, WatchedHome]]:
    matrix = town(30, seed=1)
    visits, rounds, homes = simulate(matrix)
    return matrix, visits, rounds, homes


def test_no_home_is_visited_less_often_than_its_policy(month) -> None:
    _matrix, visits, rounds, homes = month
    assert all(not r.round.dropped for r in rounds)
    last_day = FIRST_DAY + timedelta(days=DAYS - 1)
    for hid, home in homes.items():
        days = visits[hid]
        gap = home.policy.max_gap_days
        assert days and days[0] == home.start_date, hid  # due on the first day of the watch
        for a, b in itertools.pairwise(days):
            assert (b - a).days <= gap, (hid, a, b, gap)
        assert (last_day - days[-1]).days < gap, hid
        if home.policy.min_visits_per_week:
            start = home.start_date
            assert start is not None
            for offset in range((last_day - start).days - 5):
                window = {start + timedelta(days=offset + k) for k in range(7)}
                assert len(window & set(days)) >= home.policy.min_visits_per_week, (hid, offset)


def test_homes_are_sometimes_visited_early(month) -> None:
    _matrix, visits, _rounds, homes = month
    gaps = [(b - a).days for hid, days in visits.items() if homes[hid].policy.max_gap_days >= 3
            for a, b in itertools.pairwise(days)]
    assert min(gaps) < max(gaps)  # not a fixed rhythm
    assert len(set(gaps)) >= 3


def test_orders_vary_from_day_to_day_within_the_length_tolerance(month) -> None:
    matrix, _visits, rounds, _homes = month
    orders = [r.round.order for r in rounds]
    assert len(set(orders)) == len(orders)
    distances = [kendall_distance(a, b) for a, b in itertools.pairwise(orders)]
    assert statistics.mean(distances) > 0.15
    # Even over the same homes, the order changes: the daily homes (every day) are a
    # subset common to all rounds.
    daily = [hid for hid in matrix.ids[1:] if all(hid in o for o in orders[5:])]
    assert len(daily) >= 4
    sub = [[h for h in o if h in daily] for o in orders[5:]]
    assert len({tuple(s) for s in sub}) > len(sub) // 3
    for r in rounds[::4]:
        best = plan("station", list(r.round.order), matrix, solver="heuristic", effort=300, time_limit_s=30,
                    constraints=Constraints(metric="length"))
        assert r.round.length_m <= best.length_m * 1.10 + 1e-6


def test_start_times_vary_and_rounds_end_within_the_shift(month) -> None:
    _matrix, _visits, rounds, _homes = month
    starts = {(r.start_at.hour, r.start_at.minute) for r in rounds}
    assert len(starts) > DAYS // 2
    for r in rounds:
        shift_start = datetime(r.day.year, r.day.month, r.day.day, 8, 0)
        assert shift_start <= r.start_at
        assert r.start_at + timedelta(seconds=r.round.duration_s) <= shift_start + timedelta(hours=10)


def test_same_day_and_secret_give_the_same_round_another_secret_another() -> None:
    matrix = town(20, seed=2)
    homes = [WatchedHome(hid, VisitPolicy(every_n_days=3), FIRST_DAY - timedelta(days=1 + k % 3))
             for k, hid in enumerate(matrix.ids[1:])]
    kwargs = dict(day=FIRST_DAY, unit="u1", start="station", homes=homes, matrix=matrix,
                  shift_start=datetime(2026, 7, 1, 8), shift_end=datetime(2026, 7, 1, 18))
    one = plan_day(secret=SECRET, **kwargs)
    again = plan_day(secret=SECRET, **kwargs)
    assert (one.round.order, one.start_at, one.selection) == (again.round.order, again.start_at, again.selection)
    others = [plan_day(secret=bytes([k]) * 32, **kwargs) for k in range(1, 6)]
    assert any((o.round.order, o.start_at) != (one.round.order, one.start_at) for o in others)
    assert day_seed(SECRET, "u1", FIRST_DAY) != day_seed(SECRET, "u2", FIRST_DAY)
    assert day_seed(SECRET, "u1", FIRST_DAY) != day_seed(SECRET, "u1", FIRST_DAY + timedelta(days=1))
    with pytest.raises(RoutingError, match="secret"):
        day_seed(b"", "u1", FIRST_DAY)


def test_selection_puts_overdue_first_and_skips_ended_watches() -> None:
    day = FIRST_DAY
    homes = [
        WatchedHome("late", VisitPolicy(every_n_days=2), day - timedelta(days=5)),
        WatchedHome("due", VisitPolicy(every_n_days=2), day - timedelta(days=2)),
        WatchedHome("fresh", VisitPolicy(every_n_days=7), day - timedelta(days=1)),
        WatchedHome("today", VisitPolicy(every_n_days=1), day),
        WatchedHome("ended", VisitPolicy(every_n_days=1), None, day - timedelta(days=9), day - timedelta(days=1)),
        WatchedHome("later", VisitPolicy(every_n_days=1), None, day + timedelta(days=1)),
        WatchedHome("new", VisitPolicy(min_visits_per_week=3), None, day - timedelta(days=2)),
        WatchedHome("twice-a-day", VisitPolicy(min_visits_per_week=14), day),
    ]
    for seed in range(20):
        sel = select_homes(homes, day, random.Random(seed), earliness=1.0)
        assert set(sel.stops) <= {"late", "due", "fresh", "new", "twice-a-day"}
        assert set(sel.required) == {"late", "due", "new", "twice-a-day"}
        assert sel.priority["late"] == OVERDUE and sel.priority["due"] == DUE and sel.priority["new"] == OVERDUE
        assert sel.stops.index("due") > max(sel.stops.index("late"), sel.stops.index("new"))
        assert sel.priority.get("fresh", EARLY) == EARLY
    drawn = sum("fresh" in select_homes(homes, day, random.Random(s), earliness=1.0).stops for s in range(400))
    assert 400 / 7 * 0.5 < drawn < 400 / 7 * 1.6  # one chance in (days left + 1) = 1/7
    assert not any("fresh" in select_homes(homes, day, random.Random(s), earliness=0.0).stops for s in range(50))


def test_a_short_shift_drops_early_visits_before_due_ones() -> None:
    matrix = town(30, seed=3)
    day = FIRST_DAY
    homes = [WatchedHome(hid, VisitPolicy(every_n_days=4), day - timedelta(days=4 if k < 8 else 1 + k % 3))
             for k, hid in enumerate(matrix.ids[1:])]
    result = plan_day(day=day, unit="u", secret=SECRET, start="station", homes=homes, matrix=matrix,
                      shift_start=datetime(2026, 7, 1, 8), shift_end=datetime(2026, 7, 1, 8, 40),
                      earliness=1.0, constraints=Constraints(metric="length", service_s=60))
    due = {h.id for h in homes[:8]}
    assert result.round.dropped
    assert due <= set(result.round.order)
    assert all(result.selection.priority[h] == EARLY for h in result.round.dropped)
    assert result.round.duration_s <= 40 * 60


def test_kendall_distance() -> None:
    assert kendall_distance("abcd", "abcd") == 0
    assert kendall_distance("abcd", "dcba") == 1
    assert kendall_distance("abcd", "bacd") == pytest.approx(1 / 6)
    assert kendall_distance("abcx", "ycba") == 1  # only shared items count
    assert kendall_distance("a", "a") == 0


def test_start_time_fits_the_shift() -> None:
    rng = day_rng(SECRET, "u", FIRST_DAY)
    begin, end = datetime(2026, 7, 1, 20), datetime(2026, 7, 2, 2)
    for _ in range(50):
        at = start_time(begin, end, 3 * 3600, rng)
        assert begin <= at and at + timedelta(hours=3) <= end and at.second == 0
    assert start_time(begin, end, 10 * 3600, rng) == begin
    with pytest.raises(RoutingError, match="shift"):
        start_time(end, begin, 60, rng)


def test_policies_are_checked() -> None:
    assert VisitPolicy(min_visits_per_week=2).max_gap_days == 3
    assert VisitPolicy(min_visits_per_week=7).max_gap_days == 1
    assert VisitPolicy(min_visits_per_week=14).max_gap_days == 0  # at every round
    assert VisitPolicy(every_n_days=5).max_gap_days == 5
    for bad in ({}, {"every_n_days": 2, "min_visits_per_week": 2}, {"every_n_days": 0},
                {"min_visits_per_week": 22}, {"min_visits_per_week": 0}):
        with pytest.raises(RoutingError):
            VisitPolicy(**bad)
