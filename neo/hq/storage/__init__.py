"""HQ's storage layer: the only part of ``neo.hq`` that speaks SQL (SQLAlchemy Core).

:class:`Database` owns the engine and the transactions; the sibling modules hold the
statements, as functions of an open connection.
"""

from neo.hq.storage.db import Database, DatabaseError, normalize_url, redact, sqlite_url

__all__ = ["Database", "DatabaseError", "normalize_url", "redact", "sqlite_url"]
