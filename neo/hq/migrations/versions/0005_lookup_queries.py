"""The lookup's query log at HQ: one row per query answered, with the answer as sent.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lookup_queries",
        sa.Column("query_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("officer", sa.String(12), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("reason_text", sa.String(200), nullable=False),
        sa.Column("query_text", sa.Text, nullable=True),
        sa.Column("query_fields", sa.Text, nullable=True),
        sa.Column("searched", sa.Text, nullable=False),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("accuracy", sa.Float, nullable=True),
        sa.Column("asked_at_ms", sa.BigInteger, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("result_count", sa.Integer, nullable=False),
        sa.Column("hit_refs", sa.Text, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("query_id", name="pk_lookup_queries"),
    )
    op.create_index("ix_lookup_queries_officer", "lookup_queries", ["officer", "received_at"])
    op.create_index("ix_lookup_queries_received_at", "lookup_queries", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_lookup_queries_received_at", table_name="lookup_queries")
    op.drop_index("ix_lookup_queries_officer", table_name="lookup_queries")
    op.drop_table("lookup_queries")
