"""A fresh PostgreSQL database per test session, shared by the HQ and sync suites.

The server is 127.0.0.1:5432 (trust auth, user postgres; ``NEO_TEST_PG`` overrides it);
tests that need it are marked ``postgres`` and skipped with the reason when it does not
answer.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

PG_SERVER = os.environ.get("NEO_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def admin_url() -> str:
    return PG_SERVER.replace("postgresql+psycopg://", "postgresql://")


def fresh_database(prefix: str) -> Iterator[str]:
    """Create a database, yield its URL, drop it afterwards (for a session fixture)."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        pytest.skip("psycopg is not installed")
    try:
        admin = psycopg.connect(admin_url(), autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL is not reachable at {PG_SERVER} ({str(exc).strip().splitlines()[0]})")
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        base = admin_url().rsplit("/", 1)[0]
        try:
            yield f"{base}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
