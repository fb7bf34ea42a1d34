"""The lookup's reference files: records as JSON, and their identifier keys for exact lookups.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_records",
        sa.Column("file", sa.String(40), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("imported_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("file", "record_id", name="pk_reference_records"),
    )
    op.create_table(
        "reference_keys",
        sa.Column("file", sa.String(40), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("file", "record_id", "key", name="pk_reference_keys"),
    )
    op.create_index("ix_reference_keys_key", "reference_keys", ["key"])


def downgrade() -> None:
    op.drop_index("ix_reference_keys_key", table_name="reference_keys")
    op.drop_table("reference_keys")
    op.drop_table("reference_records")
