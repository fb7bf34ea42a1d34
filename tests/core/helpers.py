"""Helpers shared by the core tests (importable as ``tests.core.helpers``)."""

from __future__ import annotations

from pathlib import Path


class FakeClock:
    """An injectable clock for the vault's delays: time moves only when told to."""

    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def db_files(path: Path) -> dict[str, bytes]:
    """The bytes of a database and its WAL/SHM side files, by suffix."""
    out = {}
    for suffix in ("", "-wal", "-shm"):
        p = Path(str(path) + suffix)
        if p.exists():
            out[suffix] = p.read_bytes()
    return out
