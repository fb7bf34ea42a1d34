"""The holiday watch at HQ: registrations' index, access keys and their reveals, visits,
alerts, citizen notifications, unit areas and policies.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch_registrations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("postcode", sa.String(5), nullable=False),
        sa.Column("start_date", sa.String(10), nullable=False),
        sa.Column("end_date", sa.String(10), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("removed_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_watch_registrations"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_watch_registrations_unit_id_units"),
    )
    op.create_index("ix_watch_registrations_unit", "watch_registrations", ["unit_id", "end_date"])
    op.create_index("ix_watch_registrations_end_date", "watch_registrations", ["end_date"])

    op.create_table(
        "watch_access",
        sa.Column("registration_id", sa.String(36), nullable=False),
        sa.Column("key_wrapped", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("registration_id", name="pk_watch_access"),
    )

    op.create_table(
        "watch_access_log",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("registration_id", sa.String(36), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=True),
        sa.Column("officer", sa.String(12), nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("revealed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_watch_access_log"),
    )
    op.create_index("ix_watch_access_log_registration", "watch_access_log", ["registration_id", "revealed_at"])

    op.create_table(
        "watch_visits",
        sa.Column("visit_id", sa.String(36), nullable=False),
        sa.Column("registration_id", sa.String(36), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("officer", sa.String(12), nullable=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("visit_id", name="pk_watch_visits"),
    )
    op.create_index("ix_watch_visits_registration", "watch_visits", ["registration_id", "at"])

    op.create_table(
        "watch_alerts",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("visit_id", sa.String(36), nullable=False),
        sa.Column("registration_id", sa.String(36), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("officer", sa.String(12), nullable=True),
        sa.Column("visit_at", TS, nullable=False),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("acknowledged_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_watch_alerts"),
        sa.UniqueConstraint("visit_id", name="uq_watch_alerts_visit_id"),
    )
    op.create_index("ix_watch_alerts_unit", "watch_alerts", ["unit_id", "acknowledged_at"])

    op.create_table(
        "watch_notifications",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("registration_id", sa.String(36), nullable=False),
        sa.Column("visit_id", sa.String(36), nullable=True),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_watch_notifications"),
    )
    op.create_index("ix_watch_notifications_status", "watch_notifications", ["status", "created_at"])

    op.create_table(
        "watch_areas",
        sa.Column("postcode", sa.String(5), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("postcode", name="pk_watch_areas"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_watch_areas_unit_id_units"),
    )

    op.create_table(
        "watch_policies",
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("anomaly_channels", sa.String(32), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("unit_id", name="pk_watch_policies"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_watch_policies_unit_id_units"),
    )


def downgrade() -> None:
    op.drop_table("watch_policies")
    op.drop_table("watch_areas")
    op.drop_index("ix_watch_notifications_status", table_name="watch_notifications")
    op.drop_table("watch_notifications")
    op.drop_index("ix_watch_alerts_unit", table_name="watch_alerts")
    op.drop_table("watch_alerts")
    op.drop_index("ix_watch_visits_registration", table_name="watch_visits")
    op.drop_table("watch_visits")
    op.drop_index("ix_watch_access_log_registration", table_name="watch_access_log")
    op.drop_table("watch_access_log")
    op.drop_table("watch_access")
    op.drop_index("ix_watch_registrations_end_date", table_name="watch_registrations")
    op.drop_index("ix_watch_registrations_unit", table_name="watch_registrations")
    op.drop_table("watch_registrations")
