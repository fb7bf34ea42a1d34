"""A small MBTiles package of generated PNG tiles for the map's tests (no network)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from neo.modules.holiday_watch.tiles import tile_for

# Beausoleil / Cap-d'Ail, as the demo
WEST, SOUTH, EAST, NORTH = 7.40, 43.72, 7.44, 43.75
MINZOOM, MAXZOOM = 13, 16


def png_tile(z: int, x: int, y: int) -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor("#d8e6c8") if (x + y) % 2 else QColor("#f2efe9"))
    p = QPainter(image)
    p.setPen(QColor("#888888"))
    p.drawRect(0, 0, 255, 255)
    p.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, f"{z}/{x}/{y}")
    p.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    buf.close()
    return bytes(data.data())


def make_png_package(path: Path, zooms: range = range(MINZOOM, MAXZOOM + 1)) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    meta = {"name": "test", "format": "png", "minzoom": str(zooms.start), "maxzoom": str(zooms.stop - 1),
            "bounds": f"{WEST},{SOUTH},{EAST},{NORTH}", "center": f"7.42,43.735,{zooms.start + 1}",
            "attribution": "© OpenStreetMap contributors"}
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
    rows = []
    for z in zooms:
        x0, y0 = tile_for(NORTH, WEST, z)
        x1, y1 = tile_for(SOUTH, EAST, z)
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                rows.append((z, x, (1 << z) - 1 - y, png_tile(z, x, y)))
    conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return path
