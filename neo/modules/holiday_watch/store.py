"""The holiday watch's own table in the device database (encrypted by the store), and its SQL.

Registrations, visits and rounds are synced records (``ctx.sync``); the only thing the
module keeps apart is ``holiday_watch_access_keys``: the per-home key HQ released when an
officer asked for a home's access details (docs/holiday-watch.md, "Access details and
codes"). With it the device opens the home's ``access_sealed`` again without HQ, until
``valid_until`` (the end of the watch plus the grace period); past that day the row is
erased. Every later reveal is audited on the device.

Functions take a DB-API connection (``ctx.db.read(fn)`` / ``ctx.db.write(fn)``).
"""

from __future__ import annotations

from typing import Any

from neo.api import Migration

MIGRATIONS = [
    Migration(1, "holiday watch: access keys released by HQ", """
        CREATE TABLE holiday_watch_access_keys (
            registration_id TEXT PRIMARY KEY,
            key             TEXT NOT NULL,
            valid_until     TEXT NOT NULL,
            released_at     TEXT NOT NULL,
            officer         TEXT NOT NULL
        );
    """),
]


def key_put(conn: Any, registration_id: str, key: str, valid_until: str, released_at: str, officer: str) -> None:
    conn.execute(
        "INSERT INTO holiday_watch_access_keys (registration_id, key, valid_until, released_at, officer) "
        "VALUES (?,?,?,?,?) ON CONFLICT(registration_id) DO UPDATE SET key = excluded.key, "
        "valid_until = excluded.valid_until, released_at = excluded.released_at, officer = excluded.officer",
        (registration_id, key, valid_until, released_at, officer),
    )


def key_get(conn: Any, registration_id: str) -> tuple[str, str] | None:
    """(base64 key, valid_until ISO date) or None."""
    row = conn.execute("SELECT key, valid_until FROM holiday_watch_access_keys WHERE registration_id = ?",
                       (registration_id,)).fetchone()
    return (str(row[0]), str(row[1])) if row is not None else None


def keys_purge(conn: Any, today: str, keep: set[str] | None = None) -> int:
    """Erase the keys past their date (``valid_until < today``) and, when ``keep`` is
    given, those of homes no longer on the tablet."""
    n = conn.execute("DELETE FROM holiday_watch_access_keys WHERE valid_until < ?", (today,)).rowcount
    if keep is not None:
        ids = [r[0] for r in conn.execute("SELECT registration_id FROM holiday_watch_access_keys")]
        gone = [(rid,) for rid in ids if rid not in keep]
        if gone:
            conn.executemany("DELETE FROM holiday_watch_access_keys WHERE registration_id = ?", gone)
            n += len(gone)
    return int(n)


def key_count(conn: Any) -> int:
    return int(conn.execute("SELECT count(*) FROM holiday_watch_access_keys").fetchone()[0])
