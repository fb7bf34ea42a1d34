"""Reading the road graph tables of a basemap package (the module's only SQL for routing).

The package is one MBTiles file; besides the tiles it holds ``neo_road_nodes(id, lat,
lon)`` and ``neo_road_edges(src, dst, length_m, speed_kmh, highway, name)``, directed
(a two-way street gives two rows). The file is opened read-only.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .model import RoutingError


@dataclass(frozen=True)
class RoadTables:
    """The raw rows, as read: node ids with coordinates, and directed edges."""

    node_ids: list[int]
    lats: list[float]
    lons: list[float]
    edges: list[tuple[int, int, float, float | None, str | None, str | None]]


def read_road_tables(path: str | Path) -> RoadTables:
    """Read the road graph tables of the package at ``path`` (read-only).

    :class:`RoutingError` when the file is missing, is not SQLite or has no road graph.
    """
    path = Path(path)
    if not path.is_file():
        raise RoutingError(f"no basemap package at {path}")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:  # pragma: no cover - sqlite opens lazily
        raise RoutingError(f"cannot open {path}: {exc}") from exc
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = {"neo_road_nodes", "neo_road_edges"} - tables
        if missing:
            raise RoutingError(f"{path.name} has no road graph (missing {', '.join(sorted(missing))})")
        node_ids: list[int] = []
        lats: list[float] = []
        lons: list[float] = []
        for node_id, lat, lon in conn.execute("SELECT id, lat, lon FROM neo_road_nodes ORDER BY id"):
            node_ids.append(node_id)
            lats.append(lat)
            lons.append(lon)
        edges = conn.execute(
            "SELECT src, dst, length_m, speed_kmh, highway, name FROM neo_road_edges ORDER BY src, dst"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise RoutingError(f"{path.name} is not a readable basemap package: {exc}") from exc
    finally:
        conn.close()
    return RoadTables(node_ids, lats, lons, edges)
