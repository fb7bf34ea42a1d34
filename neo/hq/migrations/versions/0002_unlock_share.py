"""Devices: a verify-only unlock token and the HQ-held unlock share.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("unlock_token_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("unlock_share", sa.Text, nullable=True))
    op.create_index("ix_devices_unlock_token_hash", "devices", ["unlock_token_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_devices_unlock_token_hash", table_name="devices")
    with op.batch_alter_table("devices") as batch:
        batch.drop_column("unlock_share")
        batch.drop_column("unlock_token_hash")
