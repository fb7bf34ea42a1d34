"""The MBTiles reader: metadata, zoom limits, bounds, the TMS row flip, missing tiles, threads."""

from __future__ import annotations

import math
import sqlite3
import threading
from pathlib import Path

import pytest

from neo.modules.holiday_watch.tiles import (
    DEFAULT_ATTRIBUTION,
    MBTiles,
    TilePackageError,
    tile_for,
    tms_row,
)


def make_package(path: Path, tiles: dict[tuple[int, int, int], bytes], metadata: dict[str, str] | None = None) -> Path:
    """An MBTiles file; ``tiles`` are keyed by XYZ (z, x, y) and stored in TMS rows."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", list((metadata or {}).items()))
    conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                     [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()])
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def package(tmp_path: Path) -> MBTiles:
    path = make_package(tmp_path / "area.mbtiles", {
        (14, 8529, 5975): b"tile-14",
        (15, 17059, 11951): b"tile-15",
        (16, 34118, 23902): b"tile-16",
    }, {
        "name": "Demo", "format": "png", "minzoom": "14", "maxzoom": "16",
        "bounds": "7.40,43.70,7.48,43.76", "center": "7.43,43.73,15",
        "attribution": "© OpenStreetMap contributors",
    })
    pkg = MBTiles(path)
    yield pkg
    pkg.close()


def test_metadata_zoom_limits_bounds(package: MBTiles) -> None:
    assert package.name == "Demo"
    assert package.format == "png"
    assert (package.minzoom, package.maxzoom) == (14, 16)
    b = package.bounds
    assert (b.west, b.south, b.east, b.north) == (7.40, 43.70, 7.48, 43.76)
    assert package.center == (43.73, 7.43, 15.0)
    assert package.attribution == DEFAULT_ATTRIBUTION


def test_tiles_are_read_in_xyz_order_from_tms_rows(package: MBTiles) -> None:
    # the row stored in the file is the TMS (south-up) one
    assert tms_row(16, 23902) == 65535 - 23902
    assert package.tile(16, 34118, 23902) == b"tile-16"
    assert package.tile(15, 17059, 11951) == b"tile-15"
    # asking with the TMS row by mistake finds nothing
    assert package.tile(16, 34118, tms_row(16, 23902)) is None


def test_missing_tiles_and_out_of_range_coordinates(package: MBTiles) -> None:
    assert package.tile(16, 34119, 23902) is None
    assert package.has_tile(16, 34118, 23902)
    assert not package.has_tile(12, 0, 0)
    assert package.tile(3, 8, 0) is None  # x beyond 2**3
    assert package.tile(-1, 0, 0) is None


def test_tile_for_matches_the_slippy_map_formula() -> None:
    def reference(lat: float, lon: float, z: int) -> tuple[int, int]:  # the OSM wiki's formula
        n = 2 ** z
        return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    for lat, lon in [(43.7396, 7.4278), (43.7311, 7.4195), (-33.86, 151.21), (64.1, -21.9)]:
        for z in (1, 12, 16, 18):
            assert tile_for(lat, lon, z) == reference(lat, lon, z)
    assert tile_for(0.0, 0.0, 1) == (1, 1)
    assert tile_for(89.9, 179.99, 3) == (7, 0)  # clamped to the last tile


def test_zoom_range_and_bounds_fall_back_when_metadata_lacks_them(tmp_path: Path) -> None:
    path = make_package(tmp_path / "bare.mbtiles", {(12, 1, 2): b"a", (13, 2, 4): b"b"}, {"name": "bare"})
    with MBTiles(path) as pkg:
        assert (pkg.minzoom, pkg.maxzoom) == (12, 13)
        assert pkg.bounds.west == -180
        assert pkg.attribution == DEFAULT_ATTRIBUTION
        assert pkg.center == (0.0, 0.0, 13)  # the middle of the world, the lowest zoom plus two (capped)


def test_the_package_is_opened_read_only(package: MBTiles) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        package._conn().execute("DELETE FROM tiles")


def test_not_a_package(tmp_path: Path) -> None:
    with pytest.raises(TilePackageError):
        MBTiles(tmp_path / "absent.mbtiles")
    junk = tmp_path / "junk.mbtiles"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(TilePackageError):
        MBTiles(junk)
    empty = tmp_path / "empty.mbtiles"
    sqlite3.connect(empty).close()
    with pytest.raises(TilePackageError):
        MBTiles(empty)


def test_each_thread_reads_through_its_own_connection(package: MBTiles) -> None:
    seen: list[tuple[bytes | None, int]] = []
    lock = threading.Lock()

    def read() -> None:
        data = package.tile(15, 17059, 11951)
        with lock:
            seen.append((data, id(package._conn())))

    package._cache.clear()
    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [d for d, _ in seen] == [b"tile-15"] * 4
    assert len({c for _, c in seen}) == 4
    assert id(package._conn()) not in {c for _, c in seen}


def test_recent_tiles_stay_in_a_bounded_cache(tmp_path: Path) -> None:
    path = make_package(tmp_path / "c.mbtiles", {(5, x, 3): bytes([x]) for x in range(8)},
                        {"minzoom": "5", "maxzoom": "5"})
    with MBTiles(path, cache_tiles=3) as pkg:
        for x in range(8):
            assert pkg.tile(5, x, 3) == bytes([x])
        assert list(pkg._cache) == [(5, 5, 3), (5, 6, 3), (5, 7, 3)]
        pkg.tile(5, 5, 3)
        assert list(pkg._cache)[-1] == (5, 5, 3)


def test_closed_package_refuses_new_threads(package: MBTiles) -> None:
    package.close()
    errors: list[BaseException] = []

    def read() -> None:
        try:
            package.tile(14, 8529, 5975)
        except TilePackageError as exc:
            errors.append(exc)

    t = threading.Thread(target=read)
    t.start()
    t.join()
    assert errors
