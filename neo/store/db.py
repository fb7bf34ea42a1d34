"""The device database: one SQLCipher file per data directory.

This is the only place in NEO that opens the database and sets its key. Writes go
through a single writer thread (``Store.write`` / ``Store.submit``), each as a
``fn(conn)`` task under ``BEGIN IMMEDIATE`` that commits when ``fn`` returns and rolls
back when it raises. Reads use per-thread reader connections (WAL lets them run while
the writer writes).
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import sqlcipher3

log = logging.getLogger(__name__)

T = TypeVar("T")

Connection = Any  # sqlcipher3.Connection or sqlite3.Connection: same DB-API surface

KEY_LEN = 32


class StoreError(Exception):
    """The database could not be opened or used."""


class WrongKey(StoreError):
    """The key does not open this database (or the file is not a database)."""


class StoreClosed(StoreError):
    """The store was closed (the device locked) while work was still asked of it."""


def _key_pragma(key: bytes) -> str:
    if len(key) != KEY_LEN:
        raise ValueError("the database key must be 32 bytes")
    # A raw key (x'..') skips SQLCipher's own PBKDF2: our key is already random.
    return f"\"x'{key.hex()}'\""


def _connect(path: Path, key: bytes | None) -> Connection:
    if key is None:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    else:
        conn = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_key_pragma(key)}")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except (sqlcipher3.DatabaseError, sqlite3.DatabaseError) as exc:
        conn.close()
        raise WrongKey("the key does not open this database") from exc
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


_STOP = object()


class Store:
    """An open device database.

    ``key=None`` opens a plain SQLite file: it exists only so benchmarks can compare
    the encrypted store with an unencrypted baseline running the same code.
    """

    def __init__(self, path: Path | str, key: bytes | None) -> None:
        self.path = Path(path)
        self.encrypted = key is not None
        self._key = key
        self._closed = False
        self._state_lock = threading.Lock()
        self._gate = threading.Condition()
        self._active_reads = 0
        self._paused = False
        self._writer_conn = _connect(self.path, key)
        mode = self._writer_conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise StoreError(f"could not enable WAL (journal_mode={mode})")
        self._writer_conn.execute("PRAGMA synchronous = NORMAL")
        self._readers: list[Connection] = []
        self._readers_lock = threading.Lock()
        self._local = threading.local()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._run_writer, name="neo-db-writer", daemon=True)
        self._writer.start()

    # -- writer ---------------------------------------------------------------------
    def _run_writer(self) -> None:
        conn = self._writer_conn
        while True:
            item = self._queue.get()
            if item is _STOP:
                break
            fn, fut, transactional = item
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                if transactional:
                    conn.execute("BEGIN IMMEDIATE")
                    try:
                        result = fn(conn)
                    except BaseException:
                        conn.execute("ROLLBACK")
                        raise
                    conn.execute("COMMIT")
                else:
                    result = fn(conn)
            except BaseException as exc:  # handed to the caller through the future
                fut.set_exception(exc)
            else:
                fut.set_result(result)
        conn.close()

    def submit(self, fn: Callable[[Connection], T], *, transaction: bool = True) -> Future[T]:
        """Queue ``fn(conn)`` on the writer thread; returns a future of its result."""
        fut: Future[T] = Future()
        with self._state_lock:
            if self._closed:
                raise StoreClosed("the store is closed")
            self._queue.put((fn, fut, transaction))
        return fut

    def write(self, fn: Callable[[Connection], T], *, transaction: bool = True) -> T:
        """Run ``fn(conn)`` on the writer thread in one transaction and wait for it."""
        if threading.current_thread() is self._writer:
            raise StoreError("Store.write called from inside a write task (would deadlock)")
        return self.submit(fn, transaction=transaction).result()

    # -- readers --------------------------------------------------------------------
    def _reader(self) -> Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise StoreClosed("the store is closed")
            conn = _connect(self.path, self._key)
            conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def read(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn(conn)`` on this thread's reader connection (a consistent snapshot).

        Reads in flight are counted: ``close()`` and ``rekey()`` wait for them before
        closing reader connections, so a connection is never closed under a thread that
        is using it (SQLCipher would crash the process)."""
        if getattr(self._local, "depth", 0):  # a read inside a read joins the outer snapshot
            return fn(self._local.conn)
        with self._gate:
            while self._paused and not self._closed:
                self._gate.wait()
            if self._closed:
                raise StoreClosed("the store is closed")
            self._active_reads += 1
        try:
            conn = self._reader()
            conn.execute("BEGIN")
            self._local.depth = 1
            try:
                return fn(conn)
            finally:
                self._local.depth = 0
                conn.execute("COMMIT")
        finally:
            with self._gate:
                self._active_reads -= 1
                self._gate.notify_all()

    def _quiesce(self, timeout: float = 30.0) -> bool:
        """Hold new reads and wait until none is in flight; False on timeout."""
        with self._gate:
            self._paused = True
            return self._gate.wait_for(lambda: self._active_reads == 0, timeout=timeout)

    def _resume(self) -> None:
        with self._gate:
            self._paused = False
            self._gate.notify_all()

    # -- maintenance ----------------------------------------------------------------
    def rekey(self, new_key: bytes) -> None:
        """Re-encrypt the whole database under ``new_key`` (SQLCipher ``PRAGMA rekey``)."""
        pragma = _key_pragma(new_key)
        if not self._quiesce():
            self._resume()
            raise StoreError("reads are still running: the database was not re-keyed, try again")
        try:
            self._drop_readers()

            def _do(conn: Connection) -> None:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.execute(f"PRAGMA rekey = {pragma}")
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()

            self.write(_do, transaction=False)
            self._key = new_key
        finally:
            self._resume()

    def checkpoint(self) -> None:
        self.write(lambda c: c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone(), transaction=False)

    def _drop_readers(self) -> None:
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            try:
                conn.close()
            except Exception:  # a reader owned by another thread: it reopens lazily
                log.debug("reader close failed", exc_info=True)
        self._local = threading.local()

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.checkpoint()
        except Exception:
            log.warning("checkpoint on close failed", exc_info=True)
        with self._state_lock:
            self._closed = True
            self._queue.put(_STOP)
        with self._gate:
            self._gate.notify_all()  # reads waiting behind a pause give up: closed
            idle = self._gate.wait_for(lambda: self._active_reads == 0, timeout=30)
        self._writer.join(timeout=30)
        if idle:
            self._drop_readers()
        else:  # never close a connection another thread is using; leave it to the collector
            log.warning("store closed with reads still running; their connections are left open")
        self._key = None

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
