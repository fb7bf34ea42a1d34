"""The lookup's own tables in the device database (encrypted by the store), and their SQL.

* ``lookup_queries``: every query of every officer on this device: the entry, the
  reason, the request as it goes to HQ (so a queued query is sent again unchanged, with
  the same ``query_id``), its status (``queued``, ``answered``, ``refused``) and the
  outcome (hits, interpretations, messages) as JSON. The queue is the ``queued`` rows;
  the history is all of them, per officer, purged past the retention limit.
* ``lookup_hotlist``: one row: the hot-list's version, key rules, HMAC secret, ETag
  and when it was fetched; ``lookup_hotlist_hashes``: its keyed hashes. Nothing here
  names a plate or a person: only HMACs of their normalised keys.

Functions take a DB-API connection (``ctx.db.read(fn)`` / ``ctx.db.write(fn)``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from neo.api import Migration

MIGRATIONS = [
    Migration(1, "lookup queries, queue and hot-list", """
        CREATE TABLE lookup_queries (
            query_id     TEXT PRIMARY KEY,
            officer      TEXT NOT NULL,
            asked_at     TEXT NOT NULL,
            answered_at  TEXT,
            status       TEXT NOT NULL CHECK (status IN ('queued', 'answered', 'refused')),
            reason       TEXT NOT NULL,
            reason_text  TEXT NOT NULL DEFAULT '',
            entry        TEXT NOT NULL,
            search_text  TEXT NOT NULL DEFAULT '',
            request      TEXT NOT NULL,
            outcome      TEXT NOT NULL,
            attempts     INTEGER NOT NULL DEFAULT 0,
            last_error   TEXT
        );
        CREATE INDEX lookup_queries_officer ON lookup_queries(officer, asked_at);
        CREATE INDEX lookup_queries_status ON lookup_queries(status, asked_at);
        CREATE TABLE lookup_hotlist (
            id           INTEGER PRIMARY KEY CHECK (id = 1),
            version      TEXT NOT NULL,
            key_version  TEXT NOT NULL,
            algorithm    TEXT NOT NULL,
            secret       TEXT NOT NULL,
            etag         TEXT,
            generated_at TEXT,
            fetched_at   TEXT NOT NULL,
            count        INTEGER NOT NULL
        );
        CREATE TABLE lookup_hotlist_hashes (
            hash TEXT PRIMARY KEY
        ) WITHOUT ROWID;
    """),
]


@dataclass(frozen=True)
class QueryRow:
    query_id: str
    officer: str
    asked_at: str
    answered_at: str | None
    status: str
    reason: str
    reason_text: str
    entry: Any
    request: dict[str, Any]
    outcome: dict[str, Any]
    attempts: int
    last_error: str | None


_COLUMNS = ("query_id, officer, asked_at, answered_at, status, reason, reason_text, entry, request, outcome, "
            "attempts, last_error")


def _row(r: tuple[Any, ...]) -> QueryRow:
    return QueryRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), json.loads(r[8]), json.loads(r[9]),
                    int(r[10]), r[11])


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


# -- queries ---------------------------------------------------------------------------------------


def insert_query(conn: Any, *, query_id: str, officer: str, asked_at: str, answered_at: str | None, status: str,
                 reason: str, reason_text: str, entry: Any, search_text: str, request: dict[str, Any],
                 outcome: dict[str, Any]) -> None:
    conn.execute(
        f"INSERT INTO lookup_queries ({_COLUMNS}, search_text) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (query_id, officer, asked_at, answered_at, status, reason, reason_text, _json(entry), _json(request),
         _json(outcome), 0, None, search_text),
    )


def settle_query(conn: Any, query_id: str, *, status: str, answered_at: str, outcome: dict[str, Any],
                 error: str | None = None) -> bool:
    """Record the answer (or the refusal) of a queued query; False if it was not queued
    any more (another drain got there first)."""
    cur = conn.execute(
        "UPDATE lookup_queries SET status = ?, answered_at = ?, outcome = ?, last_error = ?, attempts = attempts + 1 "
        "WHERE query_id = ? AND status = 'queued'",
        (status, answered_at, _json(outcome), error, query_id),
    )
    return cur.rowcount == 1


def note_attempt(conn: Any, query_id: str, error: str) -> None:
    conn.execute("UPDATE lookup_queries SET attempts = attempts + 1, last_error = ? WHERE query_id = ?",
                 (error, query_id))


def get_query(conn: Any, query_id: str, officer: str | None = None) -> QueryRow | None:
    sql = f"SELECT {_COLUMNS} FROM lookup_queries WHERE query_id = ?"
    args: list[Any] = [query_id]
    if officer is not None:
        sql += " AND officer = ?"
        args.append(officer)
    r = conn.execute(sql, args).fetchone()
    return _row(r) if r else None


def queued(conn: Any, officer: str) -> list[QueryRow]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM lookup_queries WHERE status = 'queued' AND officer = ? ORDER BY asked_at, rowid",
        (officer,),
    ).fetchall()
    return [_row(r) for r in rows]


def history(conn: Any, officer: str, limit: int, needles: tuple[str, ...] = ()) -> list[QueryRow]:
    """``officer``'s queries, newest first; with ``needles``, those whose search text holds
    any of them."""
    sql = f"SELECT {_COLUMNS} FROM lookup_queries WHERE officer = ?"
    args: list[Any] = [officer]
    needles = tuple(n for n in needles if n)
    if needles:
        sql += " AND (" + " OR ".join("instr(search_text, ?) > 0" for _ in needles) + ")"
        args.extend(needles)
    sql += " ORDER BY asked_at DESC, rowid DESC LIMIT ?"
    args.append(limit)
    return [_row(r) for r in conn.execute(sql, args).fetchall()]


def purge(conn: Any, *, before: str, keep: int) -> int:
    """Delete answered or refused queries asked before ``before`` and, per officer, all but
    the ``keep`` newest; queued ones always stay. Returns the number deleted."""
    n = conn.execute("DELETE FROM lookup_queries WHERE status != 'queued' AND asked_at < ?", (before,)).rowcount
    n += conn.execute(
        "DELETE FROM lookup_queries WHERE status != 'queued' AND rowid IN ("
        " SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY officer ORDER BY asked_at DESC, rowid DESC)"
        " AS rank FROM lookup_queries) WHERE rank > ?)",
        (keep,),
    ).rowcount
    return int(n)


def count_queries(conn: Any) -> int:
    return int(conn.execute("SELECT count(*) FROM lookup_queries").fetchone()[0])


# -- hot-list --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HotlistMeta:
    version: str
    key_version: str
    algorithm: str
    secret: str
    etag: str | None
    generated_at: str | None
    fetched_at: str
    count: int


def hotlist_meta(conn: Any) -> HotlistMeta | None:
    r = conn.execute(
        "SELECT version, key_version, algorithm, secret, etag, generated_at, fetched_at, count "
        "FROM lookup_hotlist WHERE id = 1"
    ).fetchone()
    return HotlistMeta(*r) if r else None


def replace_hotlist(conn: Any, *, version: str, key_version: str, algorithm: str, secret: str, etag: str | None,
                    generated_at: str | None, fetched_at: str, hashes: Iterable[str]) -> int:
    """Swap the whole hot-list (one transaction: the device never sees half a list)."""
    conn.execute("DELETE FROM lookup_hotlist_hashes")
    unique = sorted(set(hashes))
    conn.executemany("INSERT INTO lookup_hotlist_hashes(hash) VALUES (?)", ((h,) for h in unique))
    conn.execute("DELETE FROM lookup_hotlist")
    conn.execute(
        "INSERT INTO lookup_hotlist (id, version, key_version, algorithm, secret, etag, generated_at, fetched_at, count)"
        " VALUES (1,?,?,?,?,?,?,?,?)",
        (version, key_version, algorithm, secret, etag, generated_at, fetched_at, len(unique)),
    )
    return len(unique)


def touch_hotlist(conn: Any, fetched_at: str) -> None:
    conn.execute("UPDATE lookup_hotlist SET fetched_at = ? WHERE id = 1", (fetched_at,))


def hotlist_hits(conn: Any, hashes: Iterable[str]) -> set[str]:
    """Which of ``hashes`` are in the hot-list."""
    wanted = sorted(set(hashes))
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        marks = ",".join("?" * len(chunk))
        found |= {r[0] for r in conn.execute(f"SELECT hash FROM lookup_hotlist_hashes WHERE hash IN ({marks})", chunk)}
    return found
