"""The encrypted store: one writer thread, transactions, readers, WAL, keys."""

from __future__ import annotations

import os
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlcipher3

from neo.store import Store, StoreClosed, StoreError, WrongKey

SQLITE_HEADER = b"SQLite format 3\x00"


def _make_table(store: Store) -> None:
    store.write(lambda c: c.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))


def _rows(store: Store) -> list[tuple]:
    return store.read(lambda c: c.execute("SELECT id, v FROM t ORDER BY id").fetchall())


# -- the writer thread --------------------------------------------------------------------


def test_writes_run_one_at_a_time_on_the_single_writer_thread(store: Store) -> None:
    store.write(lambda c: c.execute("CREATE TABLE counter (n INTEGER NOT NULL)"))
    store.write(lambda c: c.execute("INSERT INTO counter VALUES (0)"))
    seen_threads: set[str] = set()
    active = 0
    max_active = 0
    guard = threading.Lock()

    def bump(conn) -> None:
        nonlocal active, max_active
        with guard:
            active += 1
            max_active = max(max_active, active)
            seen_threads.add(threading.current_thread().name)
        try:
            # Read-modify-write: lost updates would show if two tasks overlapped.
            n = conn.execute("SELECT n FROM counter").fetchone()[0]
            threading.Event().wait(0.0005)
            conn.execute("UPDATE counter SET n = ?", (n + 1,))
        finally:
            with guard:
                active -= 1

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(store.write, bump) for _ in range(200)]
        for f in futures:
            f.result()

    assert store.read(lambda c: c.execute("SELECT n FROM counter").fetchone()[0]) == 200
    assert max_active == 1
    assert seen_threads == {"neo-db-writer"}


def test_submit_returns_a_future_and_tasks_run_in_submission_order(store: Store) -> None:
    _make_table(store)
    futures = [store.submit(lambda c, i=i: c.execute("INSERT INTO t(v) VALUES (?)", (f"v{i}",)).lastrowid)
               for i in range(50)]
    assert [f.result() for f in futures] == list(range(1, 51))
    assert [v for _, v in _rows(store)] == [f"v{i}" for i in range(50)]


def test_a_raising_task_rolls_back_and_the_store_keeps_working(store: Store) -> None:
    _make_table(store)
    store.write(lambda c: c.execute("INSERT INTO t(v) VALUES ('kept')"))

    def half_done(conn) -> None:
        conn.execute("INSERT INTO t(v) VALUES ('lost 1')")
        conn.execute("UPDATE t SET v = 'overwritten' WHERE v = 'kept'")
        conn.execute("INSERT INTO t(v) VALUES ('lost 2')")
        raise ValueError("the task failed halfway")

    with pytest.raises(ValueError, match="halfway"):
        store.write(half_done)
    assert [v for _, v in _rows(store)] == ["kept"]

    # A failing SQL statement is rolled back the same way.
    def bad_sql(conn) -> None:
        conn.execute("INSERT INTO t(v) VALUES ('lost 3')")
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(sqlcipher3.OperationalError):
        store.write(bad_sql)
    assert [v for _, v in _rows(store)] == ["kept"]

    # And the writer thread is still alive and transactional.
    store.write(lambda c: c.execute("INSERT INTO t(v) VALUES ('after')"))
    assert [v for _, v in _rows(store)] == ["kept", "after"]
    assert store.write(lambda c: c.in_transaction) is True


def test_write_from_inside_a_write_task_is_refused_instead_of_deadlocking(store: Store) -> None:
    with pytest.raises(StoreError, match="deadlock"):
        store.write(lambda c: store.write(lambda c2: None))
    assert store.write(lambda c: 42) == 42


def test_readers_see_committed_data_and_never_uncommitted_data(store: Store) -> None:
    _make_table(store)
    inside = threading.Event()
    release = threading.Event()

    def slow_insert(conn) -> None:
        conn.execute("INSERT INTO t(v) VALUES ('pending')")
        inside.set()
        assert release.wait(10)

    fut = store.submit(slow_insert)
    assert inside.wait(10)
    # The write transaction is open: a reader (WAL) runs and does not see it.
    assert _rows(store) == []
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(_rows, store).result() == []
    release.set()
    fut.result()
    assert _rows(store) == [(1, "pending")]
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert pool.submit(_rows, store).result() == [(1, "pending")]


def test_a_read_is_a_consistent_snapshot(store: Store) -> None:
    _make_table(store)
    store.write(lambda c: c.execute("INSERT INTO t(v) VALUES ('one')"))

    def read_twice(conn) -> tuple[int, int]:
        first = conn.execute("SELECT count(*) FROM t").fetchone()[0]
        store.write(lambda c: c.execute("INSERT INTO t(v) VALUES ('two')"))
        second = conn.execute("SELECT count(*) FROM t").fetchone()[0]
        return first, second

    assert store.read(read_twice) == (1, 1)
    assert store.read(lambda c: c.execute("SELECT count(*) FROM t").fetchone()[0]) == 2


def test_nested_reads_on_one_thread_share_the_snapshot(store: Store) -> None:
    """Layered code reads inside reads (a service calling a helper that reads its
    settings): the inner read must join the outer snapshot, not fail."""
    _make_table(store)
    store.write(lambda c: c.execute("INSERT INTO t(v) VALUES ('one')"))

    def inner(conn) -> int:
        return conn.execute("SELECT count(*) FROM t").fetchone()[0]

    def outer(conn) -> tuple[int, int]:
        before = inner(conn)
        return before, store.read(inner)

    assert store.read(outer) == (1, 1)
    assert store.read(inner) == 1


def test_reader_connections_are_read_only(store: Store) -> None:
    _make_table(store)
    with pytest.raises(sqlcipher3.OperationalError):
        store.read(lambda c: c.execute("INSERT INTO t(v) VALUES ('no')"))
    assert _rows(store) == []


def test_wal_mode_is_on(store: Store, db_path: Path) -> None:
    _make_table(store)
    assert store.read(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal"
    assert store.write(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0], transaction=False).lower() == "wal"
    assert Path(str(db_path) + "-wal").exists()


def test_closed_store_refuses_work(db_path: Path, key: bytes) -> None:
    s = Store(db_path, key)
    _make_table(s)
    s.close()
    assert s.closed
    with pytest.raises(StoreClosed):
        s.write(lambda c: None)
    with pytest.raises(StoreClosed):
        s.read(lambda c: None)
    s.close()  # closing twice is harmless


# -- keys and the file on disk -------------------------------------------------------------


def test_encrypted_file_has_no_sqlite_header_and_no_plaintext(db_path: Path, key: bytes, tmp_path: Path) -> None:
    secret = "Témoin : Jeanne Martin, né le 02/03/1981"
    with Store(db_path, key) as s:
        _make_table(s)
        s.write(lambda c: c.execute("INSERT INTO t(v) VALUES (?)", (secret,)))
    data = db_path.read_bytes()
    assert len(data) > 0
    assert not data.startswith(SQLITE_HEADER)
    assert secret.encode() not in data
    assert b"CREATE TABLE" not in data

    # The baseline store, by contrast, is a plain SQLite file: the check above means something.
    plain = tmp_path / "plain.db"
    with Store(plain, None) as s:
        _make_table(s)
        s.write(lambda c: c.execute("INSERT INTO t(v) VALUES (?)", (secret,)))
    assert plain.read_bytes().startswith(SQLITE_HEADER)
    assert secret.encode() in plain.read_bytes()


def test_plain_sqlite_cannot_read_the_encrypted_file(db_path: Path, key: bytes) -> None:
    with Store(db_path, key) as s:
        _make_table(s)
    conn = sqlite3.connect(str(db_path))
    try:
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()


def test_wrong_key_raises_wrong_key(db_path: Path, key: bytes) -> None:
    with Store(db_path, key) as s:
        _make_table(s)
    with pytest.raises(WrongKey):
        Store(db_path, os.urandom(32))
    with pytest.raises(WrongKey):
        Store(db_path, None)  # no key at all
    with Store(db_path, key) as s:  # the right key still works afterwards
        assert _rows(s) == []


def test_a_file_that_is_not_a_database_raises_wrong_key(tmp_path: Path, key: bytes) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(8192))
    with pytest.raises(WrongKey):
        Store(junk, key)


@pytest.mark.parametrize("bad", [b"", b"short", os.urandom(31), os.urandom(33)])
def test_keys_must_be_32_bytes(db_path: Path, bad: bytes) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        Store(db_path, bad)


def test_rekey_keeps_the_data_and_the_old_key_no_longer_opens(db_path: Path, key: bytes) -> None:
    new_key = os.urandom(32)
    s = Store(db_path, key)
    _make_table(s)
    s.write(lambda c: c.executemany("INSERT INTO t(v) VALUES (?)", [(f"row {i}",) for i in range(500)]))
    before = _rows(s)
    s.rekey(new_key)
    assert _rows(s) == before  # same open store, readers reopened under the new key
    s.write(lambda c: c.execute("INSERT INTO t(v) VALUES ('after rekey')"))
    s.close()

    with pytest.raises(WrongKey):
        Store(db_path, key)
    with Store(db_path, new_key) as s2:
        rows = _rows(s2)
    assert rows[:-1] == before
    assert rows[-1][1] == "after rekey"


def test_close_waits_for_a_read_in_flight_on_another_thread(store: Store) -> None:
    """Locking the device while a sync thread reads must not close the connection under
    it (SQLCipher crashes the process when that happens)."""
    import threading

    _make_table(store)
    store.write(lambda c: c.executemany("INSERT INTO t(v) VALUES (?)", [(str(i),) for i in range(200)]))
    inside, release = threading.Event(), threading.Event()
    result: list[object] = []

    def slow_read(conn):
        rows = conn.execute("SELECT count(*) FROM t").fetchone()[0]
        inside.set()
        release.wait(10)
        return rows + conn.execute("SELECT count(*) FROM t").fetchone()[0]

    reader = threading.Thread(target=lambda: result.append(store.read(slow_read)))
    reader.start()
    assert inside.wait(10)
    closer = threading.Thread(target=store.close)
    closer.start()
    closer.join(0.2)
    assert closer.is_alive(), "close() did not wait for the read in flight"
    release.set()
    reader.join(10)
    closer.join(10)
    assert result == [400] and store.closed
    with pytest.raises(StoreClosed):
        store.read(lambda c: c.execute("SELECT 1").fetchone())
