"""HQ's first schema: units, officers, devices, enrolment codes, records, mutations,
conflicts, attachments, device audit chains.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hq_meta",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_hq_meta"),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_counters"),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_units"),
        sa.UniqueConstraint("name", name="uq_units_name"),
    )
    op.create_table(
        "officers",
        sa.Column("service_number", sa.String(12), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("pin_hash", sa.String(255), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("disabled_at", TS, nullable=True),
        sa.Column("failed_attempts", sa.Integer, nullable=False),
        sa.Column("last_failed_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("service_number", name="pk_officers"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_officers_unit_id_units"),
    )
    op.create_index("ix_officers_unit_id", "officers", ["unit_id"])
    op.create_table(
        "devices",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("key_type", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("enrolled_at", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=True),
        sa.Column("revoked", sa.Boolean, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_devices"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_devices_unit_id_units"),
        sa.UniqueConstraint("token_hash", name="uq_devices_token_hash"),
    )
    op.create_index("ix_devices_unit_id", "devices", ["unit_id"])
    op.create_table(
        "enrolment_codes",
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS, nullable=True),
        sa.Column("device_id", sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint("secret_hash", name="pk_enrolment_codes"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_enrolment_codes_unit_id_units"),
    )
    op.create_table(
        "records",
        sa.Column("server_seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), autoincrement=False,
                  nullable=False),
        sa.Column("collection", sa.String(81), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("version", sa.String(84), nullable=False),
        sa.Column("origin_device", sa.String(36), nullable=False),
        sa.Column("officer", sa.String(12), nullable=True),
        sa.Column("tombstone", sa.Boolean, nullable=False),
        sa.Column("payload", sa.Text, nullable=True),
        sa.Column("audience", sa.String(48), nullable=False),
        sa.Column("mutation_id", sa.String(36), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("server_seq", name="pk_records"),
    )
    op.create_index("ix_records_key", "records", ["collection", "record_id"], unique=True)
    op.create_table(
        "mutations",
        sa.Column("mutation_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("collection", sa.String(81), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("server_seq", sa.BigInteger, nullable=True),
        sa.Column("reason_code", sa.String(32), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("conflict_id", sa.Integer, nullable=True),
        sa.Column("current_version", sa.String(84), nullable=True),
        sa.Column("received_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("mutation_id", name="pk_mutations"),
    )
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("collection", sa.String(81), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("mutation_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("officer", sa.String(12), nullable=True),
        sa.Column("base_version", sa.String(84), nullable=True),
        sa.Column("incoming_version", sa.String(84), nullable=False),
        sa.Column("incoming_tombstone", sa.Boolean, nullable=False),
        sa.Column("incoming_payload", sa.Text, nullable=True),
        sa.Column("current_version", sa.String(84), nullable=True),
        sa.Column("current_tombstone", sa.Boolean, nullable=True),
        sa.Column("current_payload", sa.Text, nullable=True),
        sa.Column("audience", sa.String(48), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("resolved_at", TS, nullable=True),
        sa.Column("resolution", sa.String(16), nullable=True),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_conflicts"),
    )
    op.create_index("ix_conflicts_record", "conflicts", ["collection", "record_id"])
    op.create_table(
        "attachments",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=True),
        sa.Column("media_type", sa.String(100), nullable=True),
        sa.Column("unit_id", sa.Integer, nullable=True),
        sa.Column("created_by", sa.String(36), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("completed_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("sha256", name="pk_attachments"),
    )
    op.create_table(
        "attachment_chunks",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("sha256", "device_id", "idx", name="pk_attachment_chunks"),
    )
    op.create_table(
        "audit_events",
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("ts", sa.String(64), nullable=False),
        sa.Column("officer", sa.String(12), nullable=True),
        sa.Column("action", sa.String(80), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("device_id", "seq", name="pk_audit_events"),
    )
    op.create_table(
        "audit_chains",
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("event_count", sa.BigInteger, nullable=False),
        sa.Column("broken", sa.Boolean, nullable=False),
        sa.Column("first_broken_seq", sa.BigInteger, nullable=True),
        sa.Column("problem", sa.Text, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("device_id", name="pk_audit_chains"),
    )
    op.bulk_insert(
        sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger)),
        [{"name": "server_seq", "value": 0}],
    )


def downgrade() -> None:
    for name in (
        "audit_chains", "audit_events", "attachment_chunks", "attachments", "conflicts", "mutations",
        "records", "enrolment_codes", "devices", "officers", "units", "counters", "hq_meta",
    ):
        op.drop_table(name)
