"""The statements module's own tables in the device database (encrypted by the store), and their SQL.

Drafts only: a signed statement leaves these tables for the synced collection
``statements.statements`` (an immutable record, with its files as sync attachments).

* ``statements_drafts``: one row per draft: its template (id and version), the officer,
  the content as JSON (see ``service.py``), the statement it corrects, and
  ``sealing_id`` (the statement id chosen when signing began: if the device dies between
  writing the statement and deleting the draft, the next attempt finds the statement and
  only deletes the draft).
* ``statements_draft_attachments``: photos and documents of a draft (bytes, hash, type,
  name, order).
* ``statements_draft_signatures``: per role (``declarant``, ``officer``) a drawn PNG or a
  refusal with its reason.

Every function takes a DB-API connection (``ctx.db.read(fn)`` / ``ctx.db.write(fn)``);
each ``ctx.db.write`` is one transaction, so an autosaved change is all or nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from neo.api import Migration

MIGRATIONS = [
    Migration(1, "statement drafts, their attachments and signatures", """
        CREATE TABLE statements_drafts (
            id               TEXT PRIMARY KEY,
            officer          TEXT NOT NULL,
            template_id      TEXT NOT NULL,
            template_version INTEGER NOT NULL,
            created_at       TEXT NOT NULL,
            updated_at       TEXT NOT NULL,
            content          TEXT NOT NULL,
            corrects         TEXT,
            sealing_id       TEXT,
            revision         INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX statements_drafts_officer ON statements_drafts(officer, updated_at);
        CREATE TABLE statements_draft_attachments (
            draft_id   TEXT NOT NULL,
            sha256     TEXT NOT NULL,
            media_type TEXT NOT NULL,
            name       TEXT NOT NULL,
            size       INTEGER NOT NULL,
            position   INTEGER NOT NULL,
            data       BLOB NOT NULL,
            PRIMARY KEY (draft_id, sha256)
        );
        CREATE TABLE statements_draft_signatures (
            draft_id       TEXT NOT NULL,
            role           TEXT NOT NULL,
            png_sha256     TEXT,
            png            BLOB,
            refused_reason TEXT,
            PRIMARY KEY (draft_id, role),
            CHECK ((png IS NOT NULL) <> (refused_reason IS NOT NULL))
        );
    """),
]


@dataclass(frozen=True)
class DraftRow:
    id: str
    officer: str
    template_id: str
    template_version: int
    created_at: str
    updated_at: str
    content: dict[str, Any]
    corrects: str | None
    sealing_id: str | None
    revision: int


@dataclass(frozen=True)
class AttachmentRow:
    sha256: str
    media_type: str
    name: str
    size: int
    position: int


@dataclass(frozen=True)
class SignatureRow:
    role: str
    png_sha256: str | None
    refused_reason: str | None


_DRAFT = ("id, officer, template_id, template_version, created_at, updated_at, content, corrects, sealing_id, "
          "revision")


def _draft(row: Any) -> DraftRow:
    return DraftRow(row[0], row[1], row[2], int(row[3]), row[4], row[5], json.loads(row[6]), row[7], row[8],
                    int(row[9]))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def draft_insert(conn: Any, row: DraftRow) -> None:
    conn.execute(f"INSERT INTO statements_drafts({_DRAFT}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                 (row.id, row.officer, row.template_id, row.template_version, row.created_at, row.updated_at,
                  _json(row.content), row.corrects, row.sealing_id, row.revision))


def draft_get(conn: Any, draft_id: str) -> DraftRow | None:
    row = conn.execute(f"SELECT {_DRAFT} FROM statements_drafts WHERE id = ?", (draft_id,)).fetchone()
    return None if row is None else _draft(row)


def drafts_of(conn: Any, officer: str) -> list[DraftRow]:
    rows = conn.execute(f"SELECT {_DRAFT} FROM statements_drafts WHERE officer = ? "
                        "ORDER BY updated_at DESC, id", (officer,)).fetchall()
    return [_draft(r) for r in rows]


def draft_save_content(conn: Any, draft_id: str, content: dict[str, Any], updated_at: str) -> None:
    conn.execute("UPDATE statements_drafts SET content = ?, updated_at = ?, revision = revision + 1 WHERE id = ?",
                 (_json(content), updated_at, draft_id))


def draft_touch(conn: Any, draft_id: str, updated_at: str) -> None:
    conn.execute("UPDATE statements_drafts SET updated_at = ?, revision = revision + 1 WHERE id = ?",
                 (updated_at, draft_id))


def draft_set_sealing(conn: Any, draft_id: str, statement_id: str) -> None:
    conn.execute("UPDATE statements_drafts SET sealing_id = ? WHERE id = ?", (statement_id, draft_id))


def draft_delete(conn: Any, draft_id: str) -> None:
    conn.execute("DELETE FROM statements_draft_attachments WHERE draft_id = ?", (draft_id,))
    conn.execute("DELETE FROM statements_draft_signatures WHERE draft_id = ?", (draft_id,))
    conn.execute("DELETE FROM statements_drafts WHERE id = ?", (draft_id,))


# -- attachments ---------------------------------------------------------------------------

def attachments_of(conn: Any, draft_id: str) -> list[AttachmentRow]:
    rows = conn.execute("SELECT sha256, media_type, name, size, position FROM statements_draft_attachments "
                        "WHERE draft_id = ? ORDER BY position, sha256", (draft_id,)).fetchall()
    return [AttachmentRow(r[0], r[1], r[2], int(r[3]), int(r[4])) for r in rows]


def attachment_add(conn: Any, draft_id: str, sha256: str, media_type: str, name: str, data: bytes) -> bool:
    """Add a file (False if the draft already holds the same bytes)."""
    if conn.execute("SELECT 1 FROM statements_draft_attachments WHERE draft_id = ? AND sha256 = ?",
                    (draft_id, sha256)).fetchone():
        return False
    position = conn.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM statements_draft_attachments "
                            "WHERE draft_id = ?", (draft_id,)).fetchone()[0]
    conn.execute("INSERT INTO statements_draft_attachments(draft_id, sha256, media_type, name, size, position, data) "
                 "VALUES (?,?,?,?,?,?,?)", (draft_id, sha256, media_type, name, len(data), position, data))
    return True


def attachment_remove(conn: Any, draft_id: str, sha256: str) -> bool:
    cur = conn.execute("DELETE FROM statements_draft_attachments WHERE draft_id = ? AND sha256 = ?",
                       (draft_id, sha256))
    return cur.rowcount > 0


def attachment_data(conn: Any, draft_id: str, sha256: str) -> bytes | None:
    row = conn.execute("SELECT data FROM statements_draft_attachments WHERE draft_id = ? AND sha256 = ?",
                       (draft_id, sha256)).fetchone()
    return None if row is None else bytes(row[0])


# -- signatures ------------------------------------------------------------------------------

def signatures_of(conn: Any, draft_id: str) -> list[SignatureRow]:
    rows = conn.execute("SELECT role, png_sha256, refused_reason FROM statements_draft_signatures "
                        "WHERE draft_id = ? ORDER BY role", (draft_id,)).fetchall()
    return [SignatureRow(r[0], r[1], r[2]) for r in rows]


def signature_set(conn: Any, draft_id: str, role: str, png: bytes | None, png_sha256: str | None,
                  refused_reason: str | None) -> None:
    conn.execute("DELETE FROM statements_draft_signatures WHERE draft_id = ? AND role = ?", (draft_id, role))
    if png is not None or refused_reason is not None:
        conn.execute("INSERT INTO statements_draft_signatures(draft_id, role, png_sha256, png, refused_reason) "
                     "VALUES (?,?,?,?,?)", (draft_id, role, png_sha256, png, refused_reason))


def signature_png(conn: Any, draft_id: str, role: str) -> bytes | None:
    row = conn.execute("SELECT png FROM statements_draft_signatures WHERE draft_id = ? AND role = ?",
                       (draft_id, role)).fetchone()
    return None if row is None or row[0] is None else bytes(row[0])
