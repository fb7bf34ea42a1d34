"""The lookup's name index: folded names, phonetic keys and birth dates per record, and a
trigram index on the full name (FTS5 on SQLite, pg_trgm on PostgreSQL).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_names",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("file", sa.String(40), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("surname", sa.String(200), nullable=False),
        sa.Column("given", sa.String(200), nullable=False),
        sa.Column("surname_ph", sa.String(64), nullable=False),
        sa.Column("given_ph", sa.String(64), nullable=False),
        sa.Column("birth_date", sa.String(10), nullable=True),
        sa.Column("birth_year", sa.Integer, nullable=True),
        sa.Column("full_name", sa.String(400), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reference_names"),
    )
    op.create_index("ix_reference_names_record", "reference_names", ["file", "record_id"])
    op.create_index("ix_reference_names_birth_date", "reference_names", ["birth_date"])
    op.create_index("ix_reference_names_surname_ph", "reference_names", ["surname_ph", "birth_year"])
    op.create_index("ix_reference_names_given_ph", "reference_names", ["given_ph", "birth_year"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_reference_names_trgm ON reference_names USING gin (full_name gin_trgm_ops)")
    else:
        # External-content FTS5 table over reference_names.full_name, kept in step by triggers.
        op.execute("CREATE VIRTUAL TABLE reference_names_fts USING fts5("
                   "full_name, content='reference_names', content_rowid='id', tokenize='trigram')")
        op.execute("CREATE TRIGGER reference_names_ai AFTER INSERT ON reference_names BEGIN "
                   "INSERT INTO reference_names_fts(rowid, full_name) VALUES (new.id, new.full_name); END")
        op.execute("CREATE TRIGGER reference_names_ad AFTER DELETE ON reference_names BEGIN "
                   "INSERT INTO reference_names_fts(reference_names_fts, rowid, full_name) "
                   "VALUES ('delete', old.id, old.full_name); END")
    _backfill()


def _backfill() -> None:
    """Name rows for the records imported before this revision."""
    import json

    from neo.hq.lookup.index import NAMED_FILES, name_rows

    conn = op.get_bind()
    records = sa.table("reference_records", sa.column("file"), sa.column("record_id"), sa.column("payload"))
    names = sa.table("reference_names", *(sa.column(c) for c in (
        "file", "record_id", "surname", "given", "surname_ph", "given_ph", "birth_date", "birth_year", "full_name")))
    for file in NAMED_FILES:
        last = ""
        while True:
            chunk = conn.execute(sa.select(records.c.record_id, records.c.payload)
                                 .where(records.c.file == file, records.c.record_id > last)
                                 .order_by(records.c.record_id).limit(2000)).all()
            if not chunk:
                break
            rows = [row for r in chunk for row in name_rows(file, json.loads(r.payload))]
            if rows:
                conn.execute(names.insert(), rows)
            last = chunk[-1].record_id


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_reference_names_trgm")
    else:
        op.execute("DROP TRIGGER IF EXISTS reference_names_ad")
        op.execute("DROP TRIGGER IF EXISTS reference_names_ai")
        op.execute("DROP TABLE IF EXISTS reference_names_fts")
    op.drop_index("ix_reference_names_given_ph", table_name="reference_names")
    op.drop_index("ix_reference_names_surname_ph", table_name="reference_names")
    op.drop_index("ix_reference_names_birth_date", table_name="reference_names")
    op.drop_index("ix_reference_names_record", table_name="reference_names")
    op.drop_table("reference_names")
