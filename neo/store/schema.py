"""The core's own migration set ("core"): device identity, officers, audit, module state."""

from __future__ import annotations

from neo.store.migrations import Migration

CORE_MIGRATIONS: list[Migration] = [
    Migration(
        1,
        "device, officers, audit trail, module settings",
        """
        CREATE TABLE device_info (
            k TEXT PRIMARY KEY,
            v BLOB NOT NULL
        );
        CREATE TABLE officers (
            service_number TEXT PRIMARY KEY,
            name           TEXT NOT NULL,
            unit           TEXT NOT NULL DEFAULT '',
            role           TEXT NOT NULL DEFAULT 'officer',
            slot_id        TEXT NOT NULL UNIQUE,
            disabled       INTEGER NOT NULL DEFAULT 0,
            created_at     TEXT NOT NULL
        );
        CREATE TABLE audit_events (
            seq       INTEGER PRIMARY KEY,
            id        TEXT NOT NULL UNIQUE,
            ts        TEXT NOT NULL,
            device_id TEXT NOT NULL,
            officer   TEXT,
            action    TEXT NOT NULL,
            reason    TEXT,
            details   TEXT NOT NULL,
            lat       REAL,
            lon       REAL,
            accuracy  REAL,
            prev_hash TEXT NOT NULL,
            hash      TEXT NOT NULL UNIQUE
        );
        CREATE INDEX audit_events_action ON audit_events(action);
        CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
        CREATE TABLE module_settings (
            module_id TEXT NOT NULL,
            key       TEXT NOT NULL,
            value     TEXT NOT NULL,
            PRIMARY KEY (module_id, key)
        );
        CREATE TABLE module_state (
            module_id TEXT PRIMARY KEY,
            enabled   INTEGER NOT NULL
        );
        """,
    ),
]
