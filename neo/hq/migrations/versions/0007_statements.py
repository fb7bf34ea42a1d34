"""Statements at HQ: their index with the state of each seal, and the files each seal covers.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("officer", sa.String(12), nullable=True),
        sa.Column("kind", sa.String(40), nullable=True),
        sa.Column("template_id", sa.String(80), nullable=True),
        sa.Column("template_version", sa.Integer, nullable=True),
        sa.Column("signed_at", sa.String(40), nullable=True),
        sa.Column("seal_sha256", sa.String(64), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("reason_code", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("corrects", sa.String(36), nullable=True),
        sa.Column("attachment_count", sa.Integer, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("verified_at", TS, nullable=True),
        sa.Column("rejected_payload", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_statements"),
    )
    op.create_index("ix_statements_unit", "statements", ["unit_id", "received_at"])
    op.create_index("ix_statements_received_at", "statements", ["received_at"])
    op.create_index("ix_statements_status", "statements", ["status"])
    op.create_index("ix_statements_corrects", "statements", ["corrects"])

    op.create_table(
        "statement_attachments",
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=True),
        sa.Column("media_type", sa.String(100), nullable=True),
        sa.Column("name", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("statement_id", "idx", name="pk_statement_attachments"),
    )
    op.create_index("ix_statement_attachments_sha256", "statement_attachments", ["sha256"])


def downgrade() -> None:
    op.drop_index("ix_statement_attachments_sha256", table_name="statement_attachments")
    op.drop_table("statement_attachments")
    op.drop_index("ix_statements_corrects", table_name="statements")
    op.drop_index("ix_statements_status", table_name="statements")
    op.drop_index("ix_statements_received_at", table_name="statements")
    op.drop_index("ix_statements_unit", table_name="statements")
    op.drop_table("statements")
