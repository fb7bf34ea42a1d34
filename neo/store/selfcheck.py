"""The store's part of ``neo self-test``: SQLCipher really encrypts, FTS5 and R*Tree are built in."""

from __future__ import annotations

import os
from pathlib import Path

from neo.store.db import Store, WrongKey


def check_encrypted_store(path: Path) -> None:
    """Writes, FTS5, R*Tree and reads through an encrypted Store; the file must be
    unreadable without the key, and a wrong key must be refused."""
    key = os.urandom(32)
    with Store(path, key) as store:
        store.write(lambda c: c.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)"))
        store.write(lambda c: c.execute("CREATE VIRTUAL TABLE f USING fts5(name)"))
        store.write(lambda c: c.execute("CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy)"))
        store.write(lambda c: c.executemany("INSERT INTO t(name) VALUES (?)", [("Élodie Dupont",), ("Jean Moulin",)]))
        store.write(lambda c: c.execute("INSERT INTO f(name) SELECT name FROM t"))
        hits = store.read(lambda c: c.execute("SELECT name FROM f WHERE f MATCH 'moulin'").fetchall())
        assert hits == [("Jean Moulin",)], hits
    assert not path.read_bytes().startswith(b"SQLite format 3"), "database file is not encrypted"
    assert b"Moulin" not in path.read_bytes()
    try:
        Store(path, os.urandom(32)).close()
    except WrongKey:
        pass
    else:
        raise AssertionError("a wrong key opened the database")
