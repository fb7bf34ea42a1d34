"""The fleet tests run HQ on SQLite and on PostgreSQL, as tests/hq does (same fixtures)."""

from tests.hq.conftest import db_backend, pg_database

__all__ = ["db_backend", "pg_database"]
