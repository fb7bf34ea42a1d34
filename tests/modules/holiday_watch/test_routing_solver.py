"""The round solver: valid tours, asymmetry, open and closed rounds, fallback, limits."""

from __future__ import annotations

import itertools
import math
import random
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neo.modules.holiday_watch.routing import Constraints, Matrix, RoutingError, evaluate, ortools_available, plan
from neo.modules.holiday_watch.routing import solver as solver_module


def random_matrix(n_stops: int, seed: int, *, one_way_share: float = 0.3, extra: tuple[str, ...] = ()) -> Matrix:
    """Points on a plane; some pairs cost more one way (one-way streets)."""
    rng = random.Random(seed)
    ids = ["start", *(f"h{i}" for i in range(n_stops)), *extra]
    pts = [(rng.uniform(0, 5000), rng.uniform(0, 5000)) for _ in ids]
    n = len(ids)
    lengths = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i != j:
                d = math.dist(pts[i], pts[j]) * 1.3
                lengths[i][j] = d * (1 + rng.uniform(0.3, 1.0)) if rng.random() < one_way_share else d
    durations = [[v / 8.0 for v in row] for row in lengths]
    return Matrix.build(ids, lengths, durations)


def brute_force(start: str, stops: list[str], m: Matrix, end: str | None, metric: str = "length") -> float:
    best = math.inf
    for perm in itertools.permutations(stops):
        route = [start, *perm, *([end] if end is not None else [])]
        best = min(best, m.route_length(route, metric))
    return best


def assert_valid(r, start, stops, end=None) -> None:
    assert sorted(map(str, r.order + r.dropped)) == sorted(map(str, stops))
    assert len(set(r.order)) == len(r.order)
    route = r.route
    assert route[0] == start
    if end is not None:
        assert route[-1] == end
    assert [(leg.origin, leg.destination) for leg in r.legs] == list(itertools.pairwise(route))
    assert r.length_m == pytest.approx(sum(leg.length_m for leg in r.legs))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 7), seed=st.integers(0, 10**6), closed=st.booleans(),
       solver=st.sampled_from(["exact", "heuristic"]))
def test_small_rounds_are_valid_and_exact_is_optimal(n, seed, closed, solver) -> None:
    m = random_matrix(n, seed, extra=("station",))
    stops = [f"h{i}" for i in range(n)]
    end = "station" if closed else None
    r = plan("start", stops, m, time_limit_s=0.05, seed=seed,
             constraints=Constraints(end=end, metric="length"), solver=solver)
    assert_valid(r, "start", stops, end)
    optimum = brute_force("start", stops, m, end)
    if solver == "exact":
        assert r.length_m == pytest.approx(optimum)
    else:
        assert r.length_m >= optimum - 1e-6


@pytest.mark.parametrize("solver", ["heuristic", "ortools"])
def test_larger_rounds_are_valid_permutations(solver) -> None:
    if solver == "ortools" and not ortools_available():
        pytest.skip("OR-Tools is not installed")
    m = random_matrix(60, 3)
    stops = [f"h{i}" for i in range(60)]
    r = plan("start", stops, m, time_limit_s=0.3, constraints=Constraints(metric="length"), solver=solver)
    assert_valid(r, "start", stops)
    assert r.solver == solver
    # Far better than visiting the homes in the order they were given.
    assert r.length_m < 0.5 * m.route_length(["start", *stops])


def test_search_respects_asymmetry() -> None:
    # Three stops on a one-way loop: a -> b -> c is cheap, any other order is dear.
    ids = ["s", "a", "b", "c"]
    cheap = {("s", "a"): 1, ("a", "b"): 1, ("b", "c"): 1, ("c", "a"): 1}
    lengths = [[0 if x == y else cheap.get((x, y), 50) for y in ids] for x in ids]
    m = Matrix.build(ids, lengths)
    for solver in ("exact", "heuristic"):
        r = plan("s", ["c", "b", "a"], m, constraints=Constraints(metric="length"), solver=solver)
        assert r.order == ("a", "b", "c")
        assert r.length_m == 3


def test_heuristic_on_reversed_costs_keeps_the_asymmetric_optimum() -> None:
    # A line of stops where going east is cheap and west dear: the tour must go east.
    ids = ["s", *(f"p{i}" for i in range(12))]
    x = {pid: i for i, pid in enumerate(ids)}
    lengths = [[0.0 if a == b else (abs(x[a] - x[b]) if x[b] > x[a] else 5.0 * abs(x[a] - x[b])) for b in ids]
               for a in ids]
    m = Matrix.build(ids, lengths)
    shuffled = ids[1:]
    random.Random(4).shuffle(shuffled)
    r = plan("s", shuffled, m, time_limit_s=0.2, constraints=Constraints(metric="length"), solver="heuristic")
    assert list(r.order) == ids[1:]


def test_closed_round_returns_to_the_start() -> None:
    m = random_matrix(12, 9)
    stops = [f"h{i}" for i in range(12)]
    r = plan("start", stops, m, time_limit_s=0.1, constraints=Constraints(end="start", metric="length"),
             solver="heuristic")
    assert_valid(r, "start", stops, "start")
    assert r.legs[-1].destination == "start"
    opened = plan("start", stops, m, time_limit_s=0.1, constraints=Constraints(metric="length"), solver="heuristic")
    assert opened.legs[-1].destination != "start"
    assert opened.length_m < r.length_m


def test_fallback_when_ortools_does_not_import(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ortools.constraint_solver", None)
    assert not ortools_available()
    m = random_matrix(25, 5)
    stops = [f"h{i}" for i in range(25)]
    r = plan("start", stops, m, time_limit_s=0.1, solver="auto")
    assert r.solver == "heuristic"
    assert_valid(r, "start", stops)
    # Asked for OR-Tools by name, it still answers.
    assert plan("start", stops, m, time_limit_s=0.05, solver="ortools").solver == "heuristic"


def test_auto_runs_both_searches_when_ortools_imports_and_exact_for_tiny_rounds(monkeypatch) -> None:
    if not ortools_available():
        pytest.skip("OR-Tools is not installed")
    calls = []
    real = solver_module._ortools

    def spy(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(solver_module, "_ortools", spy)
    monkeypatch.setattr(solver_module, "_spare_cores", lambda: True)
    m = random_matrix(25, 6)
    stops = [f"h{i}" for i in range(25)]
    r = plan("start", stops, m, time_limit_s=0.2)
    assert len(calls) == 1 and len(calls[0]) == 25
    assert r.solver in ("ortools", "heuristic")
    assert_valid(r, "start", stops)
    alone = plan("start", stops, m, time_limit_s=0.2, solver="heuristic", seed=0)
    assert r.length_m <= alone.length_m * 1.05
    assert plan("start", stops[:5], m, time_limit_s=0.2).solver == "exact"
    assert plan("start", [], m).solver == "trivial"
    assert len(calls) == 1
    # On a machine without cores to spare, the pure-Python search alone.
    monkeypatch.setattr(solver_module, "_spare_cores", lambda: False)
    assert plan("start", stops, m, time_limit_s=0.1).solver == "heuristic"
    assert len(calls) == 1


def test_auto_survives_an_ortools_failure(monkeypatch) -> None:
    if not ortools_available():
        pytest.skip("OR-Tools is not installed")

    def broken(*args, **kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(solver_module, "_ortools", broken)
    monkeypatch.setattr(solver_module, "_spare_cores", lambda: True)
    m = random_matrix(30, 7)
    stops = [f"h{i}" for i in range(30)]
    r = plan("start", stops, m, time_limit_s=0.1)
    assert r.solver == "heuristic"
    assert_valid(r, "start", stops)


@pytest.mark.parametrize("solver", ["heuristic", "ortools"])
def test_a_tiny_time_limit_still_gives_a_valid_round(solver) -> None:
    if solver == "ortools" and not ortools_available():
        pytest.skip("OR-Tools is not installed")
    m = random_matrix(150, 8)
    stops = [f"h{i}" for i in range(150)]
    r = plan("start", stops, m, time_limit_s=0.0, solver=solver)
    assert_valid(r, "start", stops)


def test_effort_makes_the_heuristic_reproducible() -> None:
    m = random_matrix(40, 10)
    stops = [f"h{i}" for i in range(40)]
    runs = {plan("start", stops, m, time_limit_s=30, seed=3, effort=30, solver="heuristic").order for _ in range(2)}
    assert len(runs) == 1


def test_rounds_too_long_for_the_shift_drop_the_least_urgent_first() -> None:
    m = random_matrix(15, 11)
    stops = [f"h{i}" for i in range(15)]
    full = plan("start", stops, m, solver="heuristic", time_limit_s=0.1)
    priority = {s: (1 if i < 5 else 0) for i, s in enumerate(stops)}
    urgent_only = plan("start", stops[:5], m, solver="exact")
    limit = urgent_only.duration_s * 1.2
    assert limit < full.duration_s
    r = plan("start", stops, m, solver="heuristic", time_limit_s=0.1,
             constraints=Constraints(max_duration_s=limit, priority=priority))
    assert_valid(r, "start", stops)
    assert r.dropped
    assert r.duration_s <= limit
    assert all(priority[s] == 0 for s in r.dropped)  # the urgent ones stay
    # Time at each stop counts too.
    with_service = plan("start", stops, m, solver="heuristic", time_limit_s=0.1,
                        constraints=Constraints(max_duration_s=limit, service_s=120, priority=priority))
    assert len(with_service.dropped) > len(r.dropped)
    assert with_service.duration_s <= limit


def test_evaluate_measures_a_given_order() -> None:
    m = random_matrix(4, 12, extra=("station",))
    r = evaluate("start", ["h2", "h0", "h1", "h3"], m, Constraints(end="station"))
    assert r.route == ("start", "h2", "h0", "h1", "h3", "station")
    assert r.length_m == pytest.approx(m.route_length(r.route))
    assert r.duration_s == pytest.approx(m.route_length(r.route, "duration"))


def test_bad_input_is_refused() -> None:
    m = random_matrix(3, 1)
    with pytest.raises(RoutingError, match="unknown point"):
        plan("start", ["h0", "nowhere"], m)
    with pytest.raises(RoutingError, match="once"):
        plan("start", ["h0", "h0"], m)
    with pytest.raises(RoutingError, match="start"):
        plan("start", ["start", "h0"], m)
    with pytest.raises(RoutingError, match="time limit"):
        plan("start", ["h0"], m, time_limit_s=-1)
    with pytest.raises(RoutingError, match="unknown solver"):
        plan("start", ["h0"], m, solver="magic")  # type: ignore[arg-type]
    with pytest.raises(RoutingError, match="metric"):
        plan("start", ["h0"], m, constraints=Constraints(metric="speed"))  # type: ignore[arg-type]
    broken = Matrix.build(["s", "a"], [[0, math.inf], [1, 0]])
    with pytest.raises(RoutingError, match="missing or negative"):
        plan("s", ["a"], broken)


def test_exact_solver_refuses_large_inputs() -> None:
    m = random_matrix(20, 2)
    with pytest.raises(RoutingError, match="exact solver"):
        plan("start", [f"h{i}" for i in range(20)], m, solver="exact")
    assert solver_module.EXACT_MAX_STOPS >= 8
