"""The HQ database: one SQLAlchemy engine, migrations, and transactions.

Everything that touches the database goes through :meth:`Database.read` or
:meth:`Database.write`, each running ``fn(conn)`` inside exactly one transaction
(commit on return, rollback on raise). So every request's writes land together or not
at all.

SQLite (the default, a file in HQ's data directory) runs in WAL mode; write
transactions start with ``BEGIN IMMEDIATE`` and are serialized in-process by a lock, so
readers never wait and writers never deadlock. PostgreSQL is used as is; the
transactions that hand out server sequence numbers serialize on the ``counters`` row.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, create_engine, event, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from neo.hq.storage import schema

log = logging.getLogger(__name__)

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class DatabaseError(Exception):
    """The database URL is unusable or the database cannot be reached."""


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` (psycopg 3 is the driver) and SQLite URLs."""
    url = url.strip()
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseError(f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL")
    return url


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{Path(path).resolve()}"


def redact(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid url>"


class Database:
    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else None
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(self.url, echo=echo, connect_args={"timeout": 30})
            _install_sqlite_hooks(self.engine)
        else:
            self.engine = create_engine(
                self.url, echo=echo, pool_pre_ping=True, pool_size=8, max_overflow=8,
                connect_args={"connect_timeout": 10},
            )

    # -- transactions -----------------------------------------------------------------
    def read(self, fn: Callable[[Connection], T]) -> T:
        with self.engine.connect() as conn, conn.begin():
            return fn(conn)

    def write(self, fn: Callable[[Connection], T], *, flush: bool = True) -> T:
        """Run ``fn(conn)`` in a write transaction. ``flush=False`` commits without waiting
        for the disk (SQLite ``synchronous=NORMAL``, PostgreSQL ``synchronous_commit=off``):
        still atomic and kept if HQ's process dies, but a power cut may take back the last
        such commits. For records a device does not depend on (the lookup's query log)."""
        if self._write_lock is None:
            with self.engine.connect() as conn, conn.begin():
                if not flush:
                    conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                return fn(conn)
        with self._write_lock, self.engine.connect() as conn:
            conn.execution_options(sqlite_begin="IMMEDIATE")
            if flush:
                with conn.begin():
                    return fn(conn)
            raw = conn.connection.driver_connection  # outside any transaction (SQLite refuses it inside)
            assert raw is not None
            raw.execute("PRAGMA synchronous=NORMAL")
            try:
                with conn.begin():
                    return fn(conn)
            finally:
                raw.execute("PRAGMA synchronous=FULL")

    # -- schema -----------------------------------------------------------------------
    def migrate(self) -> str | None:
        """Bring the schema to the newest migration; returns the revision now in place."""
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        try:
            with self.engine.connect() as conn:
                if self.dialect == "sqlite":
                    conn.execution_options(sqlite_begin="IMMEDIATE")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                conn.commit()
                return MigrationContext.configure(conn).get_current_revision()
        except OperationalError as exc:
            raise DatabaseError(f"cannot open the database {redact(self.url)}: {exc.orig}") from exc

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def meta_get(self, key: str) -> str | None:
        return self.read(lambda c: c.execute(select(schema.hq_meta.c.value).where(schema.hq_meta.c.key == key)).scalar())

    def dispose(self) -> None:
        self.engine.dispose()


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us emit BEGIN ourselves (pysqlite's implicit transactions are disabled).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: a push acknowledged to a device (which then drops its outbox entry) must
        # survive a power cut; in WAL mode that is one fsync per transaction (per batch).
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA cache_size=-65536")  # 64 MiB: the record key index stays in memory
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


__all__ = ["Database", "DatabaseError", "normalize_url", "redact", "sqlite_url"]
