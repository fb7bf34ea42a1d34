"""Reference records for the lookup tests: demo records with fresh identifiers (so tests
sharing one HQ never meet each other's data), imported through ``reference.import_file``."""

from __future__ import annotations

import json
import secrets
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from neo.hq import reference
from neo.hq.testing import LiveHQ
from neo.modules.lookup.demo import generate

_SIV = "ABCDEFGHJKLMNPRSTVXYZ"
_VIN = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
_NAME = "bcdfghjklmnprstvz"
_VOWEL = "aeiou"


@lru_cache(maxsize=1)
def _samples() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for r in generate(20261128, 400, 0, 400):
        found.setdefault(r.FILE, r.to_dict())
    return found


def record(file: str, **changes: Any) -> dict[str, Any]:
    """A valid record of ``file`` with a fresh id and ``changes`` applied."""
    data = json.loads(json.dumps(_samples()[file]))
    data["id"] = f"T-{uuid.uuid4().hex[:20]}"
    data.update(changes)
    return data


def plate() -> str:
    a, b = (secrets.choice(_SIV[:12]) + secrets.choice(_SIV) for _ in range(2))
    return f"{a}-{secrets.randbelow(899) + 101}-{b}"


def vin() -> str:
    return "VF1" + "".join(secrets.choice(_VIN) for _ in range(14))


def document_number() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(12))


def surname() -> str:
    """A made-up surname no demo record carries (and no other test's)."""
    return "".join(secrets.choice(_NAME) + secrets.choice(_VOWEL) for _ in range(5)).capitalize()


def import_records(live: LiveHQ, tmp_path: Path, *records: dict[str, Any]) -> None:
    by_file: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_file.setdefault(r["file"], []).append(r)
    for file, rows in by_file.items():
        path = tmp_path / f"{file}-{uuid.uuid4().hex[:8]}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        reference.import_file(live.hq.db, file, path)
