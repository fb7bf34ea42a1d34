"""Reading raster tiles from an MBTiles basemap package (no Qt).

An MBTiles file (spec 1.3) is SQLite: a ``metadata(name, value)`` table and a
``tiles(zoom_level, tile_column, tile_row, tile_data)`` table whose rows count from the
SOUTH (TMS order). The map asks for tiles in the usual web "XYZ" order (rows from the
north), so :meth:`MBTiles.tile` flips the row: ``tms_row = 2**z - 1 - y``.

The file is opened read-only (an SQLite ``file:...?mode=ro`` URI): the map never writes
to the package, and a package being replaced by a download is never touched by a
half-open writer. Tiles are read from the map's loader threads, so each thread gets its
own connection (SQLite connections are not shared across threads). Recently read tiles
stay in a small LRU cache of their bytes.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

DEFAULT_ATTRIBUTION = "© OpenStreetMap contributors"
DEFAULT_CACHE_TILES = 512


class TilePackageError(Exception):
    """The file is not a readable MBTiles package."""


@dataclass(frozen=True)
class Bounds:
    """A WGS84 box (degrees)."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east

    @property
    def center(self) -> tuple[float, float]:
        """(lat, lon) of the middle of the box."""
        return (self.south + self.north) / 2, (self.west + self.east) / 2


def tms_row(z: int, y: int) -> int:
    """The MBTiles (TMS) row of the XYZ tile row ``y`` at zoom ``z`` (the flip is its own inverse)."""
    return (1 << z) - 1 - y


def tile_for(lat: float, lon: float, z: int) -> tuple[int, int]:
    """The XYZ tile (x, y) holding a WGS84 point at zoom ``z`` (Web Mercator)."""
    n = 1 << z
    lat = max(-85.05112878, min(85.05112878, lat))
    x = int((lon + 180.0) / 360.0 * n)
    s = math.sin(math.radians(lat))
    y = int((0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


class MBTiles:
    """A read-only MBTiles package. Thread-safe: one SQLite connection per thread."""

    def __init__(self, path: str | Path, *, cache_tiles: int = DEFAULT_CACHE_TILES) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise TilePackageError(f"no basemap package at {self.path}")
        self._uri = f"file:{quote(str(self.path.resolve()))}?mode=ro"
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[int, int, int], bytes | None] = OrderedDict()
        self._cache_size = max(0, int(cache_tiles))
        self._closed = False
        try:
            rows = self._conn().execute("SELECT name, value FROM metadata").fetchall()
            self._conn().execute("SELECT 1 FROM tiles LIMIT 1").fetchall()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise TilePackageError(f"{self.path.name} is not an MBTiles package: {exc}") from exc
        self.metadata: dict[str, str] = {str(k): "" if v is None else str(v) for k, v in rows}
        self.minzoom, self.maxzoom = self._zoom_range()
        self.bounds = self._bounds()

    # -- connections --------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise TilePackageError("the basemap package is closed")
            conn = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def close(self) -> None:
        """Close every thread's connection (call once the loaders have stopped)."""
        self._closed = True
        with self._lock:
            connections, self._connections = self._connections, []
            self._cache.clear()
        for conn in connections:
            try:
                conn.close()
            except sqlite3.Error:  # pragma: no cover - closing never matters more than that
                pass

    def __enter__(self) -> MBTiles:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- metadata -------------------------------------------------------------------------
    def _zoom_range(self) -> tuple[int, int]:
        md = self.metadata
        try:
            return int(md["minzoom"]), int(md["maxzoom"])
        except (KeyError, ValueError):
            row = self._conn().execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
            if row is None or row[0] is None:
                raise TilePackageError(f"{self.path.name} holds no tiles") from None
            return int(row[0]), int(row[1])

    def _bounds(self) -> Bounds:
        raw = self.metadata.get("bounds", "")
        try:
            west, south, east, north = (float(v) for v in raw.split(","))
            if west < east and south < north:
                return Bounds(west, south, east, north)
        except ValueError:
            pass
        return Bounds(-180.0, -85.05112878, 180.0, 85.05112878)

    @property
    def name(self) -> str:
        return self.metadata.get("name", self.path.stem)

    @property
    def format(self) -> str:
        return self.metadata.get("format", "png")

    @property
    def attribution(self) -> str:
        return self.metadata.get("attribution") or DEFAULT_ATTRIBUTION

    @property
    def center(self) -> tuple[float, float, float]:
        """(lat, lon, zoom) to open the map at: the ``center`` metadata (``lon,lat,zoom``)
        when valid, else the middle of the bounds at the lowest zoom plus two."""
        raw = self.metadata.get("center", "")
        try:
            lon, lat, zoom = (float(v) for v in raw.split(","))
            if self.bounds.contains(lat, lon):
                return lat, lon, min(max(zoom, self.minzoom), self.maxzoom)
        except ValueError:
            pass
        lat, lon = self.bounds.center
        return lat, lon, float(min(self.minzoom + 2, self.maxzoom))

    # -- tiles ----------------------------------------------------------------------------
    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The encoded image of XYZ tile (z, x, y), or None when the package lacks it."""
        key = (z, x, y)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        if z < 0 or not (0 <= x < (1 << z) and 0 <= y < (1 << z)):
            return None
        row = self._conn().execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
            (z, x, tms_row(z, y)),
        ).fetchone()
        data = bytes(row[0]) if row is not None and row[0] is not None else None
        if self._cache_size:
            with self._lock:
                self._cache[key] = data
                self._cache.move_to_end(key)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return data

    def has_tile(self, z: int, x: int, y: int) -> bool:
        return self.tile(z, x, y) is not None


__all__ = ["DEFAULT_ATTRIBUTION", "Bounds", "MBTiles", "TilePackageError", "tile_for", "tms_row"]
