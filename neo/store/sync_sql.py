"""SQL for the sync tables (the "sync" migration set, :mod:`neo.store.schema_sync`).

Callers pass a connection from ``Store.read``/``Store.write``; the logic (states,
policies, what to send) lives in :mod:`neo.replica` and :mod:`neo.sync`. Functions that
touch many rows take lists and use ``executemany``: one statement per batch, not per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from neo.store.db import Connection

# -- sync_meta ---------------------------------------------------------------------------------


def meta_get(conn: Connection, key: str) -> str | None:
    row = conn.execute("SELECT v FROM sync_meta WHERE k = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def meta_get_many(conn: Connection, keys: Sequence[str]) -> dict[str, str]:
    if not keys:
        return {}
    marks = ",".join("?" * len(keys))
    return {str(k): str(v) for k, v in conn.execute(f"SELECT k, v FROM sync_meta WHERE k IN ({marks})", list(keys))}


def meta_set(conn: Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO sync_meta(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v", (key, value)
    )


def meta_set_many(conn: Connection, values: Mapping[str, str]) -> None:
    conn.executemany(
        "INSERT INTO sync_meta(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v",
        list(values.items()),
    )


def meta_delete(conn: Connection, key: str) -> None:
    conn.execute("DELETE FROM sync_meta WHERE k = ?", (key,))


# -- sync_records ------------------------------------------------------------------------------

RECORD_COLS = (
    "collection", "record_id", "version", "origin_device", "officer", "tombstone", "payload", "state",
    "outbox_seq", "server_seq", "hq_version", "hq_tombstone", "hq_payload", "hq_seq", "hq_origin", "hq_officer",
    "reason_code", "reason",
    "conflict_ids", "updated_ms",
)  # fmt: skip
_RECORD_SELECT = ", ".join(f"r.{c}" for c in RECORD_COLS) + (
    ", (SELECT CAST(v AS INTEGER) FROM sync_meta WHERE k = 'sent_upto'), r.id")
_RECORD_FROM = "sync_records r"
_SETTABLE = frozenset(RECORD_COLS) - {"collection", "record_id"}


def _record(row: Sequence[Any]) -> dict[str, Any]:
    out = dict(zip(RECORD_COLS, row, strict=False))
    out["sent_upto"] = row[len(RECORD_COLS)] or 0
    out["rowid"] = row[len(RECORD_COLS) + 1]
    return out


def record_get(conn: Connection, collection: str, record_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        f"SELECT {_RECORD_SELECT} FROM {_RECORD_FROM} WHERE r.collection = ? AND r.record_id = ?",
        (collection, record_id),
    ).fetchone()
    return None if row is None else _record(row)


def records_get_many(conn: Connection, collection: str, record_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for start in range(0, len(record_ids), 900):
        chunk = list(record_ids[start:start + 900])
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            f"SELECT {_RECORD_SELECT} FROM {_RECORD_FROM} WHERE r.collection = ? AND r.record_id IN ({marks})",
            [collection, *chunk],
        ):
            rec = _record(row)
            out[rec["record_id"]] = rec
    return out


def records_list(conn: Connection, collection: str, *, include_deleted: bool = False,
                 limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
    sql = f"SELECT {_RECORD_SELECT} FROM {_RECORD_FROM} WHERE r.collection = ?"
    if not include_deleted:
        sql += " AND r.tombstone = 0"
    sql += " ORDER BY r.id LIMIT ? OFFSET ?"
    return [_record(r) for r in conn.execute(sql, (collection, -1 if limit is None else limit, offset))]


def records_in_states(conn: Connection, states: Sequence[str], collection: str | None = None) -> list[dict[str, Any]]:
    """Records in the given states (never 'acknowledged': this walks the attention index)."""
    marks = ",".join("?" * len(states))
    sql = f"SELECT {_RECORD_SELECT} FROM {_RECORD_FROM} WHERE r.state <> 'acknowledged' AND r.state IN ({marks})"
    args: list[Any] = list(states)
    if collection is not None:
        sql += " AND r.collection = ?"
        args.append(collection)
    return [_record(r) for r in conn.execute(sql + " ORDER BY r.id", args)]


def record_counts(conn: Connection) -> dict[str, int]:
    """Live (not deleted) records per collection."""
    return {str(c): int(n) for c, n in conn.execute(
        "SELECT collection, count(*) FROM sync_records WHERE tombstone = 0 GROUP BY collection")}


def state_counts(conn: Connection) -> dict[str, int]:
    """Records needing attention, per stored state (acknowledged ones are not counted)."""
    return {str(s): int(n) for s, n in conn.execute(
        "SELECT state, count(*) FROM sync_records WHERE state <> 'acknowledged' GROUP BY state")}


_LOCAL_INSERT = (
    "INSERT INTO sync_records(id, collection, record_id, version, origin_device, officer, tombstone, payload, state, "
    "outbox_seq, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
)


def records_insert_local(conn: Connection, rows: Iterable[Sequence[Any]]) -> None:
    """New local records: (rowid, collection, record_id, version, origin_device, officer,
    tombstone, payload, state, outbox_seq, updated_ms)."""
    conn.executemany(_LOCAL_INSERT, rows)


def records_update_local(conn: Connection, rows: Iterable[Sequence[Any]]) -> None:
    """Local edits of existing records: (version, origin_device, officer, tombstone, payload,
    state, outbox_seq, updated_ms, collection, record_id)."""
    conn.executemany(
        "UPDATE sync_records SET version = ?, origin_device = ?, officer = ?, tombstone = ?, payload = ?, "
        "state = ?, outbox_seq = ?, updated_ms = ?, reason_code = NULL, reason = NULL "
        "WHERE collection = ? AND record_id = ?",
        rows,
    )


def record_set(conn: Connection, collection: str, record_id: str, fields: Mapping[str, Any]) -> None:
    """Set some columns of one record (the rare paths: conflicts, rejections)."""
    if not fields:
        return
    bad = set(fields) - _SETTABLE
    if bad:
        raise ValueError(f"not a settable record column: {sorted(bad)}")
    cols = list(fields)
    conn.execute(
        f"UPDATE sync_records SET {', '.join(f'{c} = ?' for c in cols)} WHERE collection = ? AND record_id = ?",
        [*(fields[c] for c in cols), collection, record_id],
    )


def records_acknowledge(conn: Connection, rows: Iterable[Sequence[Any]]) -> None:
    """The common answer: the record's latest local write is at HQ as it is here.
    Rows: (server_seq, record rowid)."""
    conn.executemany(
        "UPDATE sync_records SET state = 'acknowledged', outbox_seq = NULL, server_seq = ?1, hq_version = version, "
        "hq_seq = ?1, hq_payload = NULL, hq_tombstone = NULL, hq_origin = NULL, hq_officer = NULL, reason_code = NULL, "
        "reason = NULL, conflict_ids = NULL WHERE id = ?2",
        rows,
    )


def records_note_hq(conn: Connection, rows: Iterable[Sequence[Any]]) -> None:
    """An earlier write of a record with later local writes still outstanding reached HQ.
    Rows: (version, server_seq, collection, record_id); only moves forward."""
    conn.executemany(
        "UPDATE sync_records SET hq_version = ?1, server_seq = ?2, hq_seq = ?2 "
        "WHERE collection = ?3 AND record_id = ?4 AND (hq_seq IS NULL OR hq_seq < ?2)",
        rows,
    )


def records_brief(conn: Connection, collection: str, record_ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    """For the records of ``record_ids`` that exist: (rowid, version, server_seq, state)."""
    out: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(record_ids), 900):
        chunk = list(record_ids[start:start + 900])
        marks = ",".join("?" * len(chunk))
        for rid, rowid, version, server_seq, state in conn.execute(
            f"SELECT record_id, id, version, server_seq, state FROM sync_records "
            f"WHERE collection = ? AND record_id IN ({marks})",
            [collection, *chunk],
        ):
            out[rid] = (rowid, version, server_seq, state)
    return out


def records_insert_pulled(conn: Connection, rows: Iterable[Sequence[Any]]) -> None:
    """Records new to the device, as HQ has them. Rows: (collection, record_id, version,
    origin_device, officer, tombstone, payload, server_seq, updated_ms)."""
    conn.executemany(
        "INSERT INTO sync_records(collection, record_id, version, origin_device, officer, tombstone, payload, "
        "state, server_seq, hq_version, hq_seq, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'acknowledged', "
        "?8, ?3, ?8, ?9)",
        rows,
    )


def records_update_pulled(conn: Connection, rows: Iterable[Sequence[Any]]) -> None:
    """HQ's newer state of acknowledged records. Rows: (version, origin_device, officer,
    tombstone, payload, server_seq, updated_ms, rowid)."""
    conn.executemany(
        "UPDATE sync_records SET version = ?1, origin_device = ?2, officer = ?3, tombstone = ?4, payload = ?5, "
        "server_seq = ?6, hq_version = ?1, hq_seq = ?6, updated_ms = ?7 WHERE id = ?8 AND state = 'acknowledged'",
        rows,
    )


# -- sync_outbox -------------------------------------------------------------------------------

OUTBOX_COLS = (
    "seq", "record_rowid", "mutation_id", "collection", "record_id", "version", "base_version", "tombstone", "payload",
    "officer", "resolves", "state", "reason_code", "reason", "created_ms", "answered_ms",
)  # fmt: skip


def _outbox(row: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(OUTBOX_COLS, row, strict=True))


def outbox_insert(conn: Connection, rows: Iterable[Sequence[Any]]) -> None:
    """Rows: (seq, record_rowid, mutation_id, collection, record_id, version, base_version,
    tombstone, payload, officer, resolves, created_ms, priority); state 'pending'."""
    conn.executemany(
        "INSERT INTO sync_outbox(seq, record_rowid, mutation_id, collection, record_id, version, base_version, "
        "tombstone, payload, officer, resolves, state, created_ms, priority) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,'pending',?,?)",
        rows,
    )


_WIRE_COLS = "seq, mutation_id, collection, record_id, version, base_version, tombstone, payload, officer, resolves"


def outbox_claim(conn: Connection, after_seq: int, limit: int) -> list[tuple[Any, ...]]:
    """The next outstanding entries (not answered yet), in order. Tuples in the order of
    ``_WIRE_COLS``. Whether an entry was sent is not a column: entries up to the
    ``sent_upto`` mark (sync_meta) were, so claiming a batch is one write, not one per row."""
    return conn.execute(
        f"SELECT {_WIRE_COLS} FROM sync_outbox WHERE seq > ? AND state = 'pending' ORDER BY seq LIMIT ?",
        (after_seq, limit),
    ).fetchall()


def outbox_claim_priority(conn: Connection, limit: int) -> list[tuple[Any, ...]]:
    """The outstanding entries written with priority, in order (``_WIRE_COLS``), with the
    earlier outstanding entries of the same records (a version needs its base first)."""
    return conn.execute(
        f"SELECT {_WIRE_COLS} FROM sync_outbox WHERE state = 'pending' AND record_rowid IN "
        "(SELECT record_rowid FROM sync_outbox WHERE priority > 0 AND state = 'pending') ORDER BY seq LIMIT ?",
        (limit,),
    ).fetchall()


def outbox_delete_pending(conn: Connection, seqs: Iterable[int]) -> None:
    """These entries, if still outstanding (a batch that is not a seq range: priority)."""
    conn.executemany("DELETE FROM sync_outbox WHERE seq = ? AND state = 'pending'", [(s,) for s in seqs])


def outbox_batch_records(conn: Connection, first_seq: int, last_seq: int) -> dict[int, dict[str, Any]]:
    """For each outstanding entry in a seq range: the entry's key fields and its record's
    sync state, keyed by seq."""
    out: dict[int, dict[str, Any]] = {}
    for row in conn.execute(
        "SELECT o.seq, o.collection, o.record_id, o.version, o.record_rowid, r.state, r.outbox_seq, r.hq_seq, "
        "r.hq_version, r.conflict_ids FROM sync_outbox o LEFT JOIN sync_records r ON r.id = o.record_rowid "
        "WHERE o.seq BETWEEN ? AND ? AND o.state = 'pending'",
        (first_seq, last_seq),
    ):
        out[int(row[0])] = {
            "seq": int(row[0]), "collection": row[1], "record_id": row[2], "version": row[3], "rowid": row[4],
            "record_state": row[5], "outbox_seq": row[6], "hq_seq": row[7], "hq_version": row[8],
            "conflict_ids": row[9],
        }
    return out


def next_record_rowid(conn: Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM sync_records").fetchone()[0])


def outbox_delete(conn: Connection, seqs: Iterable[int]) -> None:
    conn.executemany("DELETE FROM sync_outbox WHERE seq = ?", [(s,) for s in seqs])


def outbox_delete_range(conn: Connection, first_seq: int, last_seq: int) -> None:
    """Every outstanding entry of a seq range (a batch HQ answered; rejected ones were
    marked before, and stay)."""
    conn.execute("DELETE FROM sync_outbox WHERE seq BETWEEN ? AND ? AND state = 'pending'", (first_seq, last_seq))


def outbox_answer(conn: Connection, rows: Iterable[Sequence[Any]]) -> None:
    """Keep answered entries (rejected) with HQ's reason. Rows: (state, reason_code,
    reason, answered_ms, seq)."""
    conn.executemany(
        "UPDATE sync_outbox SET state = ?, reason_code = ?, reason = ?, answered_ms = ? WHERE seq = ?", rows
    )


def outbox_for_record(conn: Connection, collection: str, record_id: str) -> list[dict[str, Any]]:
    return [_outbox(r) for r in conn.execute(
        f"SELECT {', '.join(OUTBOX_COLS)} FROM sync_outbox WHERE collection = ? AND record_id = ? ORDER BY seq",
        (collection, record_id))]


def outbox_delete_unsent(conn: Connection, collection: str, record_id: str, sent_upto: int) -> int:
    return int(conn.execute(
        "DELETE FROM sync_outbox WHERE collection = ? AND record_id = ? AND state = 'pending' AND seq > ?",
        (collection, record_id, sent_upto)).rowcount)


def outbox_in_states(conn: Connection, states: Sequence[str], collection: str | None = None) -> list[dict[str, Any]]:
    marks = ",".join("?" * len(states))
    sql = f"SELECT {', '.join(OUTBOX_COLS)} FROM sync_outbox WHERE state IN ({marks})"
    args: list[Any] = list(states)
    if collection is not None:
        sql += " AND collection = ?"
        args.append(collection)
    return [_outbox(r) for r in conn.execute(sql + " ORDER BY seq", args)]


def outbox_delete_answered(conn: Connection, seq: int) -> bool:
    return conn.execute("DELETE FROM sync_outbox WHERE seq = ? AND state <> 'pending'", (seq,)).rowcount > 0


def outbox_counts(conn: Connection, sent_upto: int) -> dict[str, int]:
    """Entries per state: 'pending' (not sent), 'sent' (sent, no answer), 'rejected'."""
    out: dict[str, int] = {}
    for state, sent, n in conn.execute(
            "SELECT state, state = 'pending' AND seq <= ?, count(*) FROM sync_outbox GROUP BY 1, 2", (sent_upto,)):
        key = "sent" if sent else str(state)
        out[key] = out.get(key, 0) + int(n)
    return out


def outbox_outstanding(conn: Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM sync_outbox WHERE state = 'pending'").fetchone()[0])


# -- attachments -----------------------------------------------------------------------------


def attachment_get(conn: Connection, sha256: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT sha256, size, media_type, chunk_size, chunk_count, state, error, created_ms, uploaded_ms "
        "FROM sync_attachments WHERE sha256 = ?", (sha256,)).fetchone()
    if row is None:
        return None
    keys = ("sha256", "size", "media_type", "chunk_size", "chunk_count", "state", "error", "created_ms", "uploaded_ms")
    return dict(zip(keys, row, strict=True))


def attachment_insert(conn: Connection, sha256: str, *, size: int, media_type: str | None, chunk_size: int,
                      chunks: Sequence[bytes], state: str, now_ms: int) -> bool:
    """Store a file and its chunks; False (nothing written) if it is already there."""
    cur = conn.execute(
        "INSERT INTO sync_attachments(sha256, size, media_type, chunk_size, chunk_count, state, created_ms) "
        "VALUES (?,?,?,?,?,?,?) ON CONFLICT(sha256) DO NOTHING",
        (sha256, size, media_type, chunk_size, len(chunks), state, now_ms),
    )
    if cur.rowcount == 0:
        return False
    conn.executemany(
        "INSERT INTO sync_attachment_chunks(sha256, idx, data) VALUES (?,?,?)",
        [(sha256, i, bytes(c)) for i, c in enumerate(chunks)],
    )
    return True


def attachment_chunk(conn: Connection, sha256: str, idx: int) -> bytes | None:
    row = conn.execute(
        "SELECT data FROM sync_attachment_chunks WHERE sha256 = ? AND idx = ?", (sha256, idx)).fetchone()
    return None if row is None else bytes(row[0])


def attachment_chunks_store(conn: Connection, sha256: str, chunks: Sequence[tuple[int, bytes]]) -> None:
    conn.executemany(
        "INSERT INTO sync_attachment_chunks(sha256, idx, data) VALUES (?,?,?) "
        "ON CONFLICT(sha256, idx) DO UPDATE SET data = excluded.data",
        [(sha256, i, bytes(d)) for i, d in chunks],
    )


def attachments_in_state(conn: Connection, state: str) -> list[str]:
    return [str(r[0]) for r in conn.execute(
        "SELECT sha256 FROM sync_attachments WHERE state = ? ORDER BY created_ms, sha256", (state,))]


def attachment_set_state(conn: Connection, sha256: str, state: str, *, error: str | None = None,
                         uploaded_ms: int | None = None) -> None:
    conn.execute(
        "UPDATE sync_attachments SET state = ?, error = ?, uploaded_ms = coalesce(?, uploaded_ms) WHERE sha256 = ?",
        (state, error, uploaded_ms, sha256),
    )


def attachment_counts(conn: Connection) -> dict[str, int]:
    return {str(s): int(n) for s, n in conn.execute("SELECT state, count(*) FROM sync_attachments GROUP BY state")}
