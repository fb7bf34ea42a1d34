"""HQ's tables, as SQLAlchemy Core metadata.

This is the current shape of the schema; the Alembic scripts in ``neo/hq/migrations``
build it step by step, and a test checks the two agree. Times are timezone-aware UTC
(``timestamptz`` on PostgreSQL, ISO text on SQLite).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone: we add it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("UTCDateTime needs an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


hq_meta = Table(
    "hq_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

counters = Table(
    "counters", metadata,
    Column("name", String(32), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

units = Table(
    "units", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

officers = Table(
    "officers", metadata,
    Column("service_number", String(12), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("pin_hash", String(255), nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("disabled_at", UTCDateTime, nullable=True),
    Column("failed_attempts", Integer, nullable=False),
    Column("last_failed_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

devices = Table(
    "devices", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(80), nullable=False),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False, index=True),
    Column("public_key", String(64), nullable=False),
    Column("key_type", String(16), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("enrolled_at", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=True),
    Column("revoked", Boolean, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    # Migration 0002: the verify-only token, and the device's unlock share encrypted with
    # HQ's share key (keys/unlock-shares.key in the data directory, not in the database).
    Column("unlock_token_hash", String(64), nullable=True),
    Column("unlock_share", Text, nullable=True),
    Index("ix_devices_unlock_token_hash", "unlock_token_hash", unique=True),
)

enrolment_codes = Table(
    "enrolment_codes", metadata,
    Column("secret_hash", String(64), primary_key=True),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("device_id", String(36), nullable=True),
)

# The current state of every synced record. ``server_seq`` moves to a new, higher value
# on every write, so "changes since N" is one range scan of the primary key.
# ``audience`` says who pulls the record: "*" everyone, "u:<unit id>", "d:<device id>",
# or "hq" (nobody). ``mutation_id`` is the device mutation that wrote this version (null
# for HQ's own writes).
records = Table(
    "records", metadata,
    # INTEGER PRIMARY KEY on SQLite: the table is stored in server_seq order (inserts
    # append, a pull page is a contiguous range).
    Column("server_seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("collection", String(81), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("version", String(84), nullable=False),
    Column("origin_device", String(36), nullable=False),
    Column("officer", String(12), nullable=True),
    Column("tombstone", Boolean, nullable=False),
    Column("payload", Text, nullable=True),
    Column("audience", String(48), nullable=False),
    Column("mutation_id", String(36), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_records_key", "collection", "record_id", unique=True),
)

# Answers to mutations, so that a resend gets the same answer. The answer to the mutation
# that wrote a record's current version is not here but in ``records.mutation_id`` (one
# row less per record pushed); it moves here when the record is written again.
mutations = Table(
    "mutations", metadata,
    Column("mutation_id", String(36), primary_key=True),
    Column("device_id", String(36), nullable=False),
    Column("collection", String(81), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("status", String(10), nullable=False),
    Column("server_seq", BigInteger, nullable=True),
    Column("reason_code", String(32), nullable=True),
    Column("reason", Text, nullable=True),
    Column("conflict_id", Integer, nullable=True),
    Column("current_version", String(84), nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
)

# True conflicts on mutable_shared records, kept until a person resolves them.
conflicts = Table(
    "conflicts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("collection", String(81), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("mutation_id", String(36), nullable=False),
    Column("device_id", String(36), nullable=False),
    Column("officer", String(12), nullable=True),
    Column("base_version", String(84), nullable=True),
    Column("incoming_version", String(84), nullable=False),
    Column("incoming_tombstone", Boolean, nullable=False),
    Column("incoming_payload", Text, nullable=True),
    Column("current_version", String(84), nullable=True),
    Column("current_tombstone", Boolean, nullable=True),
    Column("current_payload", Text, nullable=True),
    Column("audience", String(48), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("resolution", String(16), nullable=True),
    Column("resolved_by", String(64), nullable=True),
    Index("ix_conflicts_record", "collection", "record_id"),
)

attachments = Table(
    "attachments", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("complete", Boolean, nullable=False),
    Column("size", BigInteger, nullable=True),
    Column("media_type", String(100), nullable=True),
    Column("unit_id", Integer, nullable=True),
    Column("created_by", String(36), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("completed_at", UTCDateTime, nullable=True),
)

# Chunks received and not yet assembled, per uploading device (so two devices uploading
# the same file never mix their chunks).
attachment_chunks = Table(
    "attachment_chunks", metadata,
    Column("sha256", String(64), nullable=False),
    Column("device_id", String(36), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("sha256", "device_id", "idx", name="pk_attachment_chunks"),
)

# Device audit events as received. ``body`` is the event's JSON exactly as the device
# hashed it (the columns beside it are copies for searching).
audit_events = Table(
    "audit_events", metadata,
    Column("device_id", String(36), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("ts", String(64), nullable=False),
    Column("officer", String(12), nullable=True),
    Column("action", String(80), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("device_id", "seq", name="pk_audit_events"),
)

# Where each device's chain stands at HQ, and the first break seen while receiving it.
audit_chains = Table(
    "audit_chains", metadata,
    Column("device_id", String(36), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("event_count", BigInteger, nullable=False),
    Column("broken", Boolean, nullable=False),
    Column("first_broken_seq", BigInteger, nullable=True),
    Column("problem", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Migration 0003: the lookup's reference files (wanted persons, registrations…), one row per
# record of a file, the record itself as JSON text. ``reference_keys`` holds each record's
# canonical identifier keys (``neo.modules.lookup.match.keys``: ``v1:plate:AB123CD``…) for
# exact lookups; a record's keys are replaced whenever the record is re-imported.
reference_records = Table(
    "reference_records", metadata,
    Column("file", String(40), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("file", "record_id", name="pk_reference_records"),
)

reference_keys = Table(
    "reference_keys", metadata,
    Column("file", String(40), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("key", String(255), nullable=False),
    PrimaryKeyConstraint("file", "record_id", "key", name="pk_reference_keys"),
    Index("ix_reference_keys_key", "key"),
)

# Migration 0004: the lookup's name index. One row per name a record carries (its birth
# name, its usage name, each alias), folded (``neo.modules.lookup.match.names``): the
# B-tree indexes serve candidate generation by birth date and by French phonetic key;
# ``full_name`` carries the fuzzy index, which is dialect-specific and so lives outside
# this metadata (``FUZZY_INDEX_OBJECTS``): an FTS5 trigram table on SQLite, a pg_trgm GIN
# index on PostgreSQL, both made by the migration. Rows are replaced with their record.
reference_names = Table(
    "reference_names", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file", String(40), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("surname", String(200), nullable=False),
    Column("given", String(200), nullable=False),
    Column("surname_ph", String(64), nullable=False),
    Column("given_ph", String(64), nullable=False),
    Column("birth_date", String(10), nullable=True),
    Column("birth_year", Integer, nullable=True),
    Column("full_name", String(400), nullable=False),
    Index("ix_reference_names_record", "file", "record_id"),
    Index("ix_reference_names_birth_date", "birth_date"),
    Index("ix_reference_names_surname_ph", "surname_ph", "birth_year"),
    Index("ix_reference_names_given_ph", "given_ph", "birth_year"),
)

# Made by migration 0004 outside the metadata above; schema comparisons leave them out.
FUZZY_INDEX_OBJECTS: frozenset[str] = frozenset({
    "reference_names_fts", "reference_names_fts_data", "reference_names_fts_idx", "reference_names_fts_content",
    "reference_names_fts_docsize", "reference_names_fts_config", "ix_reference_names_trgm",
})

# Migration 0005: the lookup's query log at HQ, one row per query answered. ``query_id`` is
# made on the device, so a query queued offline and sent twice is answered from here (the
# ``response`` as sent) and logged once. ``asked_at_ms`` is the device's time of asking
# (kept as sent: a device clock can be wrong); ``received_at`` is HQ's. ``query_text`` is
# the single search field as typed, ``query_fields`` the structured entry (JSON);
# ``hit_refs`` the records returned (JSON list of "file/record_id").
lookup_queries = Table(
    "lookup_queries", metadata,
    Column("query_id", String(36), primary_key=True),
    Column("device_id", String(36), nullable=False),
    Column("officer", String(12), nullable=False),
    Column("unit_id", Integer, nullable=False),
    Column("reason", String(24), nullable=False),
    Column("reason_text", String(200), nullable=False),
    Column("query_text", Text, nullable=True),
    Column("query_fields", Text, nullable=True),
    Column("searched", Text, nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("accuracy", Float, nullable=True),
    Column("asked_at_ms", BigInteger, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("result_count", Integer, nullable=False),
    Column("hit_refs", Text, nullable=False),
    Column("response", Text, nullable=False),
    Index("ix_lookup_queries_officer", "officer", "received_at"),
    Index("ix_lookup_queries_received_at", "received_at"),
)

# Migration 0006: the holiday watch ("Opération Tranquillité Vacances") at HQ. The
# registrations themselves are synced records (``holiday_watch.registrations``, HQ
# authoritative, audience of their unit); ``watch_registrations`` indexes them by unit and
# dates (which unit, when they end, when HQ removed them from the tablets).
# ``watch_access`` holds each registration's access key wrapped with HQ's key file
# (``keys/watch-access.key``): the access details travel encrypted under that key in the
# payload, so neither the database nor the payload holds them in clear; every reveal is
# logged in ``watch_access_log``. Visits arrive as ``holiday_watch.visits`` records and are
# indexed in ``watch_visits``; an anomaly raises a ``watch_alerts`` row and the citizen
# notifications the unit's policy (``watch_policies``) asks for (``watch_notifications``).
# ``watch_areas`` assigns postcodes to units.
watch_registrations = Table(
    "watch_registrations", metadata,
    Column("id", String(36), primary_key=True),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False),
    Column("postcode", String(5), nullable=False),
    Column("start_date", String(10), nullable=False),
    Column("end_date", String(10), nullable=False),
    Column("source", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("removed_at", UTCDateTime, nullable=True),
    Index("ix_watch_registrations_unit", "unit_id", "end_date"),
    Index("ix_watch_registrations_end_date", "end_date"),
)

watch_access = Table(
    "watch_access", metadata,
    Column("registration_id", String(36), primary_key=True),
    Column("key_wrapped", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

watch_access_log = Table(
    "watch_access_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("registration_id", String(36), nullable=False),
    Column("unit_id", Integer, nullable=False),
    Column("device_id", String(36), nullable=True),
    Column("officer", String(12), nullable=True),
    Column("actor", String(64), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("revealed_at", UTCDateTime, nullable=False),
    Index("ix_watch_access_log_registration", "registration_id", "revealed_at"),
)

watch_visits = Table(
    "watch_visits", metadata,
    Column("visit_id", String(36), primary_key=True),
    Column("registration_id", String(36), nullable=False),
    Column("unit_id", Integer, nullable=False),
    Column("device_id", String(36), nullable=False),
    Column("officer", String(12), nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Index("ix_watch_visits_registration", "registration_id", "at"),
)

watch_alerts = Table(
    "watch_alerts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("visit_id", String(36), nullable=False, unique=True),
    Column("registration_id", String(36), nullable=False),
    Column("unit_id", Integer, nullable=False),
    Column("officer", String(12), nullable=True),
    Column("visit_at", UTCDateTime, nullable=False),
    Column("raised_at", UTCDateTime, nullable=False),
    Column("summary", Text, nullable=False),
    Column("acknowledged_by", String(64), nullable=True),
    Column("acknowledged_at", UTCDateTime, nullable=True),
    Index("ix_watch_alerts_unit", "unit_id", "acknowledged_at"),
)

watch_notifications = Table(
    "watch_notifications", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("registration_id", String(36), nullable=False),
    Column("visit_id", String(36), nullable=True),
    Column("unit_id", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Index("ix_watch_notifications_status", "status", "created_at"),
)

watch_areas = Table(
    "watch_areas", metadata,
    Column("postcode", String(5), primary_key=True),
    Column("unit_id", Integer, ForeignKey("units.id"), nullable=False),
)

watch_policies = Table(
    "watch_policies", metadata,
    Column("unit_id", Integer, ForeignKey("units.id"), primary_key=True),
    Column("anomaly_channels", String(32), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Migration 0007: statements at HQ. The statements themselves are synced records
# (``statements.statements``, immutable); ``statements`` indexes them with the state of their
# seal (received_pending_attachments, verified, rejected_tampered, rejected_invalid), and
# keeps the payload of a refused one as evidence (a refused statement is never a record).
# ``statement_attachments`` lists the files each statement's seal covers, by SHA-256.
statements = Table(
    "statements", metadata,
    Column("id", String(36), primary_key=True),
    Column("unit_id", Integer, nullable=False),
    Column("device_id", String(36), nullable=False),
    Column("officer", String(12), nullable=True),
    Column("kind", String(40), nullable=True),
    Column("template_id", String(80), nullable=True),
    Column("template_version", Integer, nullable=True),
    Column("signed_at", String(40), nullable=True),
    Column("seal_sha256", String(64), nullable=True),
    Column("status", String(32), nullable=False),
    Column("reason_code", String(32), nullable=True),
    Column("reason", Text, nullable=True),
    Column("corrects", String(36), nullable=True),
    Column("attachment_count", Integer, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("verified_at", UTCDateTime, nullable=True),
    Column("rejected_payload", Text, nullable=True),
    Index("ix_statements_unit", "unit_id", "received_at"),
    Index("ix_statements_received_at", "received_at"),
    Index("ix_statements_status", "status"),
    Index("ix_statements_corrects", "corrects"),
)

statement_attachments = Table(
    "statement_attachments", metadata,
    Column("statement_id", String(36), nullable=False),
    Column("idx", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=True),
    Column("media_type", String(100), nullable=True),
    Column("name", String(255), nullable=True),
    PrimaryKeyConstraint("statement_id", "idx", name="pk_statement_attachments"),
    Index("ix_statement_attachments_sha256", "sha256"),
)
