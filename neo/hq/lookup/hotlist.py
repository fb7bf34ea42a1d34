"""The lookup's offline hot-list: keyed hashes of the identifiers of stolen vehicles and
documents and of wanted persons, for a device to flag "probable hit, confirm online"
without being able to list who or what is on it.

Each entry is the first 8 bytes (hex) of ``HMAC-SHA256(secret, key)`` where ``key`` is a
canonical identifier key (:mod:`neo.modules.lookup.match.keys`): ``plate_key`` and
``vin_key`` of a stolen vehicle, ``document_key`` of a stolen or lost document, and the
``person_keys`` variants of a wanted person (birth name, usage name and aliases, each
with their given names and birth date). The device computes the keys of what the officer
typed with the same functions and tests their hashes.

The 32-byte secret is HQ's (``hq_meta``), sent with the list; ``neo-hq lookup
rotate-hotlist-key`` replaces it, which changes every hash and the version. The list is
built from the database and cached until the reference files change (their generation
counter, bumped by every import) or the secret does; ``version`` is derived from the
content, so rebuilding an unchanged list keeps the version and devices do not download
it again.

Security limits (docs/lookup-protocol.md): whoever holds the secret can test a guess
(a plate, a name and birth date) but cannot enumerate the list; 64-bit hashes make a
false "probable hit" about one in 2^64 / n per test; a stolen device's secret is only
in its encrypted database, and rotating the key makes it useless.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from neo.hq.lookup.index import holder_name_parts
from neo.hq.storage import Database
from neo.hq.storage import hotlist as hotlist_sql
from neo.modules.lookup.demo import records as demo_records
from neo.modules.lookup.match import keys as match_keys

ALGORITHM = "hmac-sha256-64"
HASH_BYTES = 8
SECRET_BYTES = 32
SOURCE_FILES: tuple[str, ...] = (demo_records.STOLEN_VEHICLES, demo_records.STOLEN_DOCUMENTS,
                                 demo_records.WANTED_PERSONS)
MAX_AGE_SECONDS = 600.0
"""A cached list is rebuilt at least this often even if no import bumped the generation
(a write that forgot to): cheap, and the content-derived version spares the devices."""

_clock = time.monotonic


def keyed_hash(secret: bytes, key: str) -> str:
    """The hot-list entry of one identifier key."""
    return hmac.new(secret, key.encode("utf-8"), hashlib.sha256).digest()[:HASH_BYTES].hex()


def _person_variants(surname: str | None, given: str, birth_date: str) -> set[str]:
    if not surname:
        return set()
    try:
        return set(match_keys.person_keys(surname, given, birth_date))
    except (ValueError, TypeError):
        return set()


def identifier_keys(file: str, payload: dict[str, Any]) -> set[str]:
    """The canonical keys of one record that go into the hot-list (none for other files)."""
    found: set[str | None] = set()
    if file == demo_records.STOLEN_VEHICLES:
        found |= {match_keys.plate_key(str(payload.get("plate") or "")),
                  match_keys.vin_key(str(payload.get("vin") or ""))}
    elif file == demo_records.STOLEN_DOCUMENTS:
        found.add(match_keys.document_key(str(payload.get("number") or "")))
    elif file == demo_records.WANTED_PERSONS:
        given = " ".join(payload.get("given_names") or ())
        birth = str(payload.get("birth_date") or "")
        found |= _person_variants(payload.get("surname"), given, birth)
        found |= _person_variants(payload.get("usage_name"), given, birth)
        for alias in payload.get("aliases") or ():
            last, first = holder_name_parts(str(alias))
            found |= _person_variants(last, first, birth)
    return {k for k in found if k}


@dataclass(frozen=True)
class Hotlist:
    version: str
    secret: bytes
    generated_at_ms: int
    hashes: tuple[str, ...]
    sources: dict[str, int] = field(default_factory=dict)
    """Records per source file."""
    keys: int = 0
    """Identifier keys hashed (before removing duplicate hashes)."""
    body: bytes = b""
    """The :class:`~neo.protocol.HotlistResponse` as sent (compact JSON)."""

    @property
    def etag(self) -> str:
        return f'"{self.version}"'

    def contains(self, key: str) -> bool:
        """Whether an identifier key is on the list (a device does the same test)."""
        h = keyed_hash(self.secret, key)
        i = bisect.bisect_left(self.hashes, h)
        return i < len(self.hashes) and self.hashes[i] == h


def build(secret: bytes, records: Iterable[tuple[str, dict[str, Any]]]) -> Hotlist:
    """The hot-list of ``records`` (``(file, payload)``) under ``secret``."""
    sources: Counter[str] = Counter()
    all_keys: set[str] = set()
    for file, payload in records:
        sources[file] += 1
        all_keys |= identifier_keys(file, payload)
    hashes = tuple(sorted({keyed_hash(secret, k) for k in all_keys}))
    digest = hashlib.sha256()
    digest.update(f"{match_keys.KEY_VERSION}\n{ALGORITHM}\n".encode("ascii"))
    digest.update(hashlib.sha256(secret).digest())
    digest.update("\n".join(hashes).encode("ascii"))
    version = digest.hexdigest()[:24]
    generated = int(time.time() * 1000)
    body = json.dumps({
        "version": version, "key_version": match_keys.KEY_VERSION,
        "secret": base64.b64encode(secret).decode("ascii"), "algorithm": ALGORITHM,
        "generated_at_ms": generated, "hashes": list(hashes),
    }, separators=(",", ":")).encode("ascii")
    return Hotlist(version, secret, generated, hashes, dict(sorted(sources.items())), len(all_keys), body)


def _new_secret() -> str:
    return base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


class HotlistService:
    """Builds, caches and serves the hot-list of one HQ database (thread-safe)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, str], float, Hotlist] | None = None

    def _state(self) -> tuple[int, str]:
        generation, secret = self.db.read(hotlist_sql.state)
        if secret is None:
            secret = self.db.write(lambda c: hotlist_sql.secret_set_default(c, _new_secret()))
        return generation, secret

    def current(self) -> Hotlist:
        """The hot-list as it stands (built again only if the files or the secret changed)."""
        state = self._state()
        cached = self._cached
        if cached is not None and cached[0] == state and _clock() - cached[1] < MAX_AGE_SECONDS:
            return cached[2]
        with self._lock:
            cached = self._cached
            if cached is not None and cached[0] == state and _clock() - cached[1] < MAX_AGE_SECONDS:
                return cached[2]
            built_at = _clock()
            hotlist = self._build(state[1])
            self._cached = (state, built_at, hotlist)
            return hotlist

    def _build(self, secret_b64: str) -> Hotlist:
        rows = self.db.read(lambda c: hotlist_sql.source_payloads(c, SOURCE_FILES))
        records = []
        for file, text in rows:
            try:
                payload = json.loads(text)
            except ValueError:
                continue
            if isinstance(payload, dict):
                records.append((file, payload))
        return build(base64.b64decode(secret_b64), records)

    def rotate(self) -> Hotlist:
        """Replace the secret (every hash and the version change) and return the new list."""
        self.db.write(lambda c: hotlist_sql.secret_replace(c, _new_secret()))
        return self.current()

    def stats(self) -> dict[str, Any]:
        """What the list holds, for HQ staff (never the secret nor the hashes)."""
        hotlist = self.current()
        generation, _secret = self.db.read(hotlist_sql.state)
        return {"version": hotlist.version, "key_version": match_keys.KEY_VERSION, "algorithm": ALGORITHM,
                "generated_at_ms": hotlist.generated_at_ms, "hashes": len(hotlist.hashes), "keys": hotlist.keys,
                "sources": {f: hotlist.sources.get(f, 0) for f in SOURCE_FILES},
                "reference_generation": generation, "size_bytes": len(hotlist.body),
                "secret_fingerprint": hashlib.sha256(hotlist.secret).hexdigest()[:16]}


__all__ = ["ALGORITHM", "SOURCE_FILES", "Hotlist", "HotlistService", "build", "identifier_keys", "keyed_hash"]
