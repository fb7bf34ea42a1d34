"""The basemap package built from the real demo extract (a clip of Beausoleil): tiles,
metadata, TMS rows, stored-once images, roads drawn where a known street runs, names,
determinism, and the command line."""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from neo.hq.cli import main
from neo.hq.watch import basemap, demo_osm
from neo.hq.watch.osm import read_pbf

from .basemap_clip import BEAUSOLEIL, CLIP_ZOOMS, clip_package, demo_pbf

REPUBLIQUE_WAY = 4230179
"""Boulevard de la République, Beausoleil (secondary, one way)."""


@pytest.fixture(scope="module")
def package() -> Path:
    return clip_package()


def _db(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _tile(conn: sqlite3.Connection, z: int, x: int, y: int) -> Image.Image:
    row = conn.execute("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                       (z, x, (1 << z) - 1 - y)).fetchone()
    assert row is not None, f"tile {z}/{x}/{y} missing"
    return Image.open(io.BytesIO(row[0]))


def test_metadata(package: Path) -> None:
    meta = basemap.read_metadata(package)
    assert meta["format"] == "png"
    assert (int(meta["minzoom"]), int(meta["maxzoom"])) == CLIP_ZOOMS
    assert meta["attribution"] == "© OpenStreetMap contributors"
    assert [float(v) for v in meta["bounds"].split(",")] == pytest.approx(list(BEAUSOLEIL), abs=1e-6)
    lon, lat, zoom = meta["center"].split(",")
    assert BEAUSOLEIL[0] < float(lon) < BEAUSOLEIL[2] and BEAUSOLEIL[1] < float(lat) < BEAUSOLEIL[3]
    assert CLIP_ZOOMS[0] <= int(zoom) <= CLIP_ZOOMS[1]
    assert meta["neo_source_sha256"] == demo_osm.PBF_SHA256
    assert meta["neo_version"] == basemap.RENDERER_VERSION
    assert basemap.package_is_current(package, demo_osm.PBF_SHA256)
    assert not basemap.package_is_current(package, "0" * 64)


def test_every_tile_of_the_box_is_a_png_and_images_are_stored_once(package: Path) -> None:
    expected = {(z, x, (1 << z) - 1 - y) for z, x, y in basemap.tiles_for(BEAUSOLEIL, range(14, 18))}
    with _db(package) as conn:
        stored = set(conn.execute("SELECT zoom_level, tile_column, tile_row FROM tiles"))
        assert stored == expected
        images = conn.execute("SELECT tile_id, tile_data FROM images").fetchall()
        assert 0 < len(images) <= len(expected)
        for tile_id, data in images:
            assert hashlib.sha256(data).hexdigest() == tile_id
            img = Image.open(io.BytesIO(data))
            assert img.format == "PNG" and img.size == (256, 256)
        zooms = [r[0] for r in conn.execute("SELECT DISTINCT zoom_level FROM tiles ORDER BY 1")]
    assert zooms == list(range(CLIP_ZOOMS[0], CLIP_ZOOMS[1] + 1))


def test_a_known_street_is_drawn_at_z16(package: Path) -> None:
    data = read_pbf(demo_pbf(), BEAUSOLEIL)
    road = next(r for r in data.roads if r.way_id == REPUBLIQUE_WAY)
    assert road.name == "Boulevard de la République"
    lon, lat = road.coords[len(road.coords) // 2]
    wx, wy = basemap.lonlat_to_world(lon, lat, 16)
    x, y = int(wx // 256), int(wy // 256)
    with _db(package) as conn:
        img = _tile(conn, 16, x, y).convert("RGB")
    px, py = int(wx - x * 256), int(wy - y * 256)
    fill = basemap.ROAD_STYLE["secondary"][0]
    near = [img.getpixel((min(255, max(0, px + dx)), min(255, max(0, py + dy))))
            for dx in range(-3, 4) for dy in range(-3, 4)]
    assert any(sum(abs(a - b) for a, b in zip(p, fill, strict=True)) < 40 for p in near), near
    # and the tile is a map, not a flat colour: land, buildings and roads
    assert len(img.getcolors(maxcolors=1 << 16) or []) > 50


def test_street_names_are_placed_without_overlap() -> None:
    data = read_pbf(demo_pbf(), BEAUSOLEIL)
    labels = basemap.place_labels(data, [15, 16, 17])
    assert "Beausoleil" in {label.text for label in labels[15]}  # the town
    texts16 = {label.text for label in labels[16]}
    assert any(t.startswith(("Boulevard", "Avenue", "Rue")) for t in texts16)
    assert len(labels[17]) >= len(labels[16])
    for z, items in labels.items():
        rects = [basemap._rect(lb.x, lb.y, *basemap._text_size(lb.text, lb.size, lb.bold), lb.angle)
                 for lb in items]
        for i, a in enumerate(rects):
            for b in rects[i + 1:]:
                assert not a.intersects(b), f"labels overlap at z{z}"
        assert all(-90 < lb.angle <= 90 for lb in items)  # never upside down


def test_sea_is_water() -> None:
    """Off Cap-d'Ail the tile is sea; inland at La Turbie it is land (the coastline is closed
    along the extract's edge)."""
    data = read_pbf(demo_pbf(), (7.38, 43.70, 7.42, 43.75))
    scene = basemap.build_scene(data, (7.38, 43.70, 7.42, 43.75), [14])
    sea_x, sea_y = basemap.lonlat_to_world(7.405, 43.712, 14)
    img = Image.open(io.BytesIO(basemap.render_tile(14, int(sea_x // 256), int(sea_y // 256), scene))).convert("RGB")
    assert img.getpixel((int(sea_x % 256), int(sea_y % 256))) == basemap.WATER
    land_x, land_y = basemap.lonlat_to_world(7.395, 43.745, 14)
    img = Image.open(io.BytesIO(basemap.render_tile(14, int(land_x // 256), int(land_y // 256), scene))).convert("RGB")
    assert img.getpixel((int(land_x % 256), int(land_y % 256))) != basemap.WATER


def test_the_same_extract_gives_the_same_file(tmp_path: Path) -> None:
    box = (7.4200, 43.7460, 7.4240, 43.7490)
    a, b = tmp_path / "a.mbtiles", tmp_path / "b.mbtiles"
    basemap.build(demo_pbf(), a, bbox=box, zooms=(15, 16), workers=2, name="x")
    basemap.build(demo_pbf(), b, bbox=box, zooms=(15, 16), workers=1, name="x")
    assert a.read_bytes() == b.read_bytes()
    assert not list(tmp_path.glob("*.part"))


def test_options_are_checked() -> None:
    assert basemap.parse_bbox("7.41,43.74,7.43,43.75") == (7.41, 43.74, 7.43, 43.75)
    assert basemap.parse_zooms("12-18") == (12, 18) and basemap.parse_zooms("16") == (16, 16)
    for bad in ("7.43,43.74,7.41,43.75", "1,2,3", "a,b,c,d", "0,0,200,10"):
        with pytest.raises(ValueError):
            basemap.parse_bbox(bad)
    for bad in ("18-12", "x", "12-25", "-1"):
        with pytest.raises(ValueError):
            basemap.parse_zooms(bad)


def test_cli_build_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "small.mbtiles"
    rc = main(["basemap", "build", "--pbf", str(demo_pbf()), "--bbox", "7.4230,43.7415,7.4265,43.7440",
               "--zoom", "16-16", "--out", str(out), "--workers", "1", "--json"])
    captured = capsys.readouterr()
    assert rc == 0
    report = json.loads(captured.out)
    assert report["tiles"] >= 1 and report["road_edges"] > 0 and out.is_file()
    assert "Rendu des tuiles" in captured.err  # progress on stderr
    assert main(["basemap", "build", "--pbf", str(tmp_path / "none.pbf"), "--out", str(out)]) == 1
    assert "introuvable" in capsys.readouterr().err
    assert main(["basemap", "build", "--pbf", str(demo_pbf()), "--bbox", "1,2,3", "--out", str(out)]) == 1
    assert "bounding box" in capsys.readouterr().err
    not_pbf = tmp_path / "bad.osm.pbf"
    not_pbf.write_bytes(b"not an extract")
    assert main(["basemap", "build", "--pbf", str(not_pbf), "--out", str(tmp_path / "x.mbtiles")]) == 1
    assert not (tmp_path / "x.mbtiles").exists()


def test_the_demo_extract_is_checked(tmp_path: Path) -> None:
    """A cached extract that does not match its pinned SHA-256 is taken again from the
    (checked) sdist, never used as is."""
    demo_pbf()
    sdist = demo_osm.default_cache_dir() / "sdist" / demo_osm.SDIST_FILE
    (tmp_path / "sdist").mkdir()
    os.link(sdist, tmp_path / "sdist" / demo_osm.SDIST_FILE)
    (tmp_path / demo_osm.PBF_FILE).write_bytes(b"tampered")
    messages: list[str] = []
    pbf = demo_osm.ensure_demo_pbf(tmp_path, say=messages.append)
    assert pbf == tmp_path / demo_osm.PBF_FILE
    assert demo_osm.sha256_file(pbf) == demo_osm.PBF_SHA256
    assert messages and not list(tmp_path.glob("*.part"))
    assert demo_osm.ensure_demo_pbf(tmp_path, say=messages.append) == pbf  # cached now: nothing said
    assert len(messages) == 1
