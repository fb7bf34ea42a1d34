"""Round planning on road distances: pure Python and a solver, no Qt, nothing from NEO.

* :mod:`.graph`: the road graph of a basemap package (snapping, shortest paths, the
  travel matrix between stops, the geometry of each leg);
* :mod:`.solver`: the order of the stops (OR-Tools routing with a time limit, a
  pure-Python fallback, an exact solver for a few stops);
* :mod:`.variation`: "regular but unpredictable" rounds (which homes, in what order,
  from what time, drawn from a seed only the unit knows);
* :mod:`.model`: the values they share (:class:`Matrix`, :class:`Round`, :class:`Leg`).

OR-Tools is imported lazily, only when a round is planned with it.
"""

from .graph import RoadGraph, Snap
from .model import Leg, Matrix, Round, RoutingError, haversine_m, straight_line_matrix
from .solver import Constraints, evaluate, ortools_available, plan
from .variation import (
    DayRound,
    Selection,
    VisitPolicy,
    WatchedHome,
    day_rng,
    day_seed,
    kendall_distance,
    plan_day,
    select_homes,
    start_time,
    varied_round,
)

__all__ = [
    "Constraints",
    "DayRound",
    "Leg",
    "Matrix",
    "RoadGraph",
    "Round",
    "RoutingError",
    "Selection",
    "Snap",
    "VisitPolicy",
    "WatchedHome",
    "day_rng",
    "day_seed",
    "evaluate",
    "haversine_m",
    "kendall_distance",
    "ortools_available",
    "plan",
    "plan_day",
    "select_homes",
    "start_time",
    "straight_line_matrix",
    "varied_round",
]
