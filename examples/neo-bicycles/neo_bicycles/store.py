"""The module's own table in the device database: the file of stolen bicycles shipped
with the module (``data/stolen_bicycles.csv``), indexed by frame and marking keys. The
reports of the unit's officers are not here: they live in the synced collection
``bicycles.reports`` (``service.py``). The only SQL of the module."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from neo.api import Migration

MIGRATIONS = [
    Migration(1, "shipped file of stolen bicycles", """
        CREATE TABLE bicycles_registry (
            id          TEXT PRIMARY KEY,
            frame       TEXT NOT NULL DEFAULT '',
            frame_key   TEXT NOT NULL DEFAULT '',
            marking     TEXT NOT NULL DEFAULT '',
            marking_key TEXT NOT NULL DEFAULT '',
            brand       TEXT NOT NULL DEFAULT '',
            model       TEXT NOT NULL DEFAULT '',
            colour      TEXT NOT NULL DEFAULT '',
            stolen_on   TEXT NOT NULL DEFAULT '',
            stolen_in   TEXT NOT NULL DEFAULT '',
            reference   TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX bicycles_registry_frame ON bicycles_registry(frame_key) WHERE frame_key <> '';
        CREATE INDEX bicycles_registry_marking ON bicycles_registry(marking_key) WHERE marking_key <> '';
        CREATE TABLE bicycles_meta (
            name  TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
    """),
]

COLUMNS = ("id", "frame", "frame_key", "marking", "marking_key", "brand", "model", "colour", "stolen_on",
           "stolen_in", "reference")


def registry_version(conn: Any) -> str | None:
    row = conn.execute("SELECT value FROM bicycles_meta WHERE name = 'registry_version'").fetchone()
    return row[0] if row else None


def replace_registry(conn: Any, rows: Iterable[Mapping[str, str]], version: str) -> int:
    """The whole shipped file replaced, with its version, in the caller's transaction."""
    conn.execute("DELETE FROM bicycles_registry")
    count = 0
    for row in rows:
        conn.execute(f"INSERT INTO bicycles_registry ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                     tuple(row.get(c, "") for c in COLUMNS))
        count += 1
    conn.execute("INSERT INTO bicycles_meta (name, value) VALUES ('registry_version', ?) "
                 "ON CONFLICT(name) DO UPDATE SET value = excluded.value", (version,))
    return count


def find(conn: Any, keys: Iterable[str]) -> list[dict[str, str]]:
    """Bicycles of the shipped file whose frame or marking key is one of ``keys``."""
    wanted = sorted({k for k in keys if k})
    if not wanted:
        return []
    marks = ", ".join("?" * len(wanted))
    rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM bicycles_registry "
                        f"WHERE frame_key IN ({marks}) OR marking_key IN ({marks}) ORDER BY id",
                        (*wanted, *wanted)).fetchall()
    return [dict(zip(COLUMNS, tuple(r), strict=True)) for r in rows]


def all_registry(conn: Any, limit: int) -> list[dict[str, str]]:
    rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM bicycles_registry ORDER BY stolen_on DESC, id LIMIT ?",
                        (int(limit),)).fetchall()
    return [dict(zip(COLUMNS, tuple(r), strict=True)) for r in rows]
