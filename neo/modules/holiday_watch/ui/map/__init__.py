"""The offline patrol map (Qt): tiles from the basemap package, homes, the round, the patrol.

Public surface for the module's pages: :class:`MapWidget`, :class:`Marker` and
:func:`state_for_age`, :class:`MapProjection` (what a ``map.layer`` paints through) and
:func:`contributed_layers`.
"""

from __future__ import annotations

from neo.modules.holiday_watch.ui.map.layers import EXTENSION_POINT, MapLayer, contributed_layers
from neo.modules.holiday_watch.ui.map.markers import MARKER_STATES, STATE_COLOURS, Marker, state_for_age
from neo.modules.holiday_watch.ui.map.projection import MapProjection, haversine_m, metres_per_pixel
from neo.modules.holiday_watch.ui.map.widget import MapWidget

__all__ = [
    "EXTENSION_POINT",
    "MARKER_STATES",
    "STATE_COLOURS",
    "MapLayer",
    "MapProjection",
    "MapWidget",
    "Marker",
    "contributed_layers",
    "haversine_m",
    "metres_per_pixel",
    "state_for_age",
]
