"""Fixtures for the core tests: real SQLCipher files in a temporary directory, no Qt."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from neo import i18n
from neo.store import Store
from tests.core.helpers import FakeClock


@pytest.fixture
def key() -> bytes:
    return os.urandom(32)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def store(db_path: Path, key: bytes) -> Iterator[Store]:
    s = Store(db_path, key)
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _french_ui() -> Iterator[None]:
    """Every core test starts and ends in the source language."""
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
