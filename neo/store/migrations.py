"""Named migration sets.

Each part of NEO (the core, and every module) owns a *named* set of migrations.
The version reached by each set lives in the database itself (``neo_migrations``),
and every migration is committed in the same transaction as its record, so a crash
never leaves a half-applied step behind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neo.store.db import Connection, Store


class MigrationError(Exception):
    pass


@dataclass(frozen=True)
class Migration:
    """One schema step: ``up`` is SQL (several statements allowed) or ``fn(conn)``."""

    version: int
    name: str
    up: str | Callable[[Connection], None]


_BOOTSTRAP = """
CREATE TABLE IF NOT EXISTS neo_migrations (
    set_name   TEXT NOT NULL,
    version    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    PRIMARY KEY (set_name, version)
)
"""


def _split_sql(script: str) -> list[str]:
    import sqlite3

    statements, buf = [], ""
    parts = script.split(";")
    for i, part in enumerate(parts):
        buf += part if i == len(parts) - 1 else part + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip().rstrip(";").strip():
                statements.append(buf.strip())
            buf = ""
    if buf.strip():
        statements.append(buf.strip())
    return statements


def validate(set_name: str, migrations: Sequence[Migration]) -> list[Migration]:
    if not set_name or not set_name.replace("_", "").replace(".", "").isalnum():
        raise MigrationError(f"invalid migration set name {set_name!r}")
    ordered = sorted(migrations, key=lambda m: m.version)
    for expected, mig in enumerate(ordered, start=1):
        if mig.version != expected:
            raise MigrationError(
                f"migration set {set_name!r}: versions must be 1..n without gaps (got {mig.version})"
            )
    return ordered


def schema_version(store: Store, set_name: str) -> int:
    def _q(conn: Connection) -> int:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='neo_migrations'"
        ).fetchone()
        if not exists:
            return 0
        row = conn.execute(
            "SELECT max(version) FROM neo_migrations WHERE set_name = ?", (set_name,)
        ).fetchone()
        return int(row[0] or 0)

    return store.read(_q)


def migrate(store: Store, set_name: str, migrations: Sequence[Migration]) -> int:
    """Apply the missing migrations of ``set_name``; returns the version reached."""
    ordered = validate(set_name, migrations)
    store.write(lambda c: c.execute(_BOOTSTRAP))

    def _current(conn: Connection) -> int:
        row = conn.execute(
            "SELECT max(version) FROM neo_migrations WHERE set_name = ?", (set_name,)
        ).fetchone()
        return int(row[0] or 0)

    current = store.write(_current)
    if current > len(ordered):
        raise MigrationError(
            f"the database has {set_name!r} at version {current}, newer than this code knows "
            f"({len(ordered)}): refusing to run an older NEO on newer data"
        )
    for mig in ordered[current:]:

        def _apply(conn: Connection, mig: Migration = mig) -> None:
            # Re-check inside the transaction: another opener may have applied it.
            row = conn.execute(
                "SELECT 1 FROM neo_migrations WHERE set_name = ? AND version = ?",
                (set_name, mig.version),
            ).fetchone()
            if row:
                return
            if callable(mig.up):
                mig.up(conn)
            else:
                for stmt in _split_sql(mig.up):
                    conn.execute(stmt)
            conn.execute(
                "INSERT INTO neo_migrations(set_name, version, name, applied_at) VALUES (?,?,?,?)",
                (set_name, mig.version, mig.name, datetime.now(UTC).isoformat()),
            )

        store.write(_apply)
    return len(ordered)
