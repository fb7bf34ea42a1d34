"""The "sync" migration set: the device's replica of synced records, its outbox, its
attachments and the sync bookkeeping (cursor, clock, HQ link).

docs/sync-device.md explains every table and state; the SQL that reads and writes them
is in :mod:`neo.store.sync_sql`.
"""

from __future__ import annotations

from neo.store.migrations import Migration

SET_NAME = "sync"

SYNC_MIGRATIONS: list[Migration] = [
    Migration(
        1,
        "synced records, outbox, attachments, sync state",
        """
        CREATE TABLE sync_meta (
            k TEXT PRIMARY KEY,
            v TEXT NOT NULL
        );
        CREATE TABLE sync_records (
            id            INTEGER PRIMARY KEY,
            collection    TEXT NOT NULL,
            record_id     TEXT NOT NULL,
            version       TEXT NOT NULL,
            origin_device TEXT NOT NULL,
            officer       TEXT,
            tombstone     INTEGER NOT NULL DEFAULT 0,
            payload       TEXT,
            state         TEXT NOT NULL,
            outbox_seq    INTEGER,
            server_seq    INTEGER,
            hq_version    TEXT,
            hq_tombstone  INTEGER,
            hq_payload    TEXT,
            hq_seq        INTEGER,
            hq_origin     TEXT,
            hq_officer    TEXT,
            reason_code   TEXT,
            reason        TEXT,
            conflict_ids  TEXT,
            updated_ms    INTEGER NOT NULL,
            UNIQUE (collection, record_id)
        );
        CREATE INDEX sync_records_attention ON sync_records(state) WHERE state <> 'acknowledged';
        CREATE TABLE sync_outbox (
            seq           INTEGER PRIMARY KEY,
            record_rowid  INTEGER NOT NULL,
            mutation_id   TEXT NOT NULL,
            collection    TEXT NOT NULL,
            record_id     TEXT NOT NULL,
            version       TEXT NOT NULL,
            base_version  TEXT,
            tombstone     INTEGER NOT NULL,
            payload       TEXT,
            officer       TEXT NOT NULL,
            resolves      TEXT,
            state         TEXT NOT NULL,
            reason_code   TEXT,
            reason        TEXT,
            created_ms    INTEGER NOT NULL,
            answered_ms   INTEGER
        );
        CREATE TABLE sync_attachments (
            sha256       TEXT PRIMARY KEY,
            size         INTEGER NOT NULL,
            media_type   TEXT,
            chunk_size   INTEGER NOT NULL,
            chunk_count  INTEGER NOT NULL,
            state        TEXT NOT NULL,
            error        TEXT,
            created_ms   INTEGER NOT NULL,
            uploaded_ms  INTEGER
        );
        CREATE TABLE sync_attachment_chunks (
            id     INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL,
            idx    INTEGER NOT NULL,
            data   BLOB NOT NULL,
            UNIQUE (sha256, idx)
        );
        """,
    ),
    Migration(
        2,
        "outbox priority (pushed before everything else, e.g. a holiday-watch anomaly)",
        """
        ALTER TABLE sync_outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX sync_outbox_priority ON sync_outbox(seq) WHERE priority > 0 AND state = 'pending';
        """,
    ),
]
