"""The sync protocol between a device and headquarters (HQ): the wire models.

This module is the contract shared by the HQ server (``neo.hq``) and the device-side
sync engine (``neo.sync``). It holds pydantic models, constants and two small pieces of
pure logic that both sides must compute identically (the hybrid logical clock and the
enrolment code). It imports nothing but pydantic and the standard library: no HTTP, no
SQL. docs/sync-protocol.md explains every model here in prose.

Conventions:

* Request models are strict (``strict=True``: no type coercion, ``"1"`` is not ``1``)
  and forbid unknown fields, so a malformed request is refused with a 4xx.
* Response models ignore unknown fields, so a device keeps working when HQ adds one.
* Identifiers are canonical lowercase UUID strings; attachment names are lowercase hex
  SHA-256; collection names are ``<module>.<name>`` as in the module manifest.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

PROTOCOL_VERSION = 1
API_PREFIX = "/api/v1"

# -- limits ------------------------------------------------------------------------------

MAX_BODY_BYTES = 8 * 1024 * 1024
"""Largest request body HQ reads (after gzip decompression), attachment chunks apart."""
MAX_CHUNK_BYTES = 4 * 1024 * 1024
"""Largest attachment chunk (one PUT body)."""
MAX_ATTACHMENT_BYTES = 512 * 1024 * 1024
MAX_ATTACHMENT_CHUNKS = 10_000
MAX_PUSH_BATCH = 1000
"""Most mutations in one push."""
DEFAULT_PULL_LIMIT = 1000
MAX_PULL_LIMIT = 5000
MAX_PAYLOAD_BYTES = 1024 * 1024
"""Largest record payload, as compact UTF-8 JSON; a larger one is rejected (per mutation)."""
MAX_PAYLOAD_DEPTH = 32
"""Deepest nesting of objects and arrays in a payload; deeper is rejected (per mutation)."""
MAX_AUDIT_BATCH = 5000

# -- patterns ----------------------------------------------------------------------------

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
COLLECTION_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$"
SERVICE_NUMBER_PATTERN = r"^[0-9A-Z]{4,12}$"
NODE_PATTERN = r"[a-z0-9][a-z0-9-]{0,63}"
VERSION_PATTERN = r"^\d{13}:\d{5}:" + NODE_PATTERN + "$"
FREE_TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
HQ_NODE = "hq"
"""The HLC node of versions HQ stamps itself (HQ-authoritative records, resolutions)."""

SyncPolicy = Literal["append_only", "immutable", "hq_authoritative", "mutable_shared"]
"""How HQ treats writes to a collection (same names as ``neo.api.CollectionDecl.policy``):

* ``append_only`` — events (visits, lookups): created once, never changed or deleted;
  they cannot conflict.
* ``immutable`` — signed documents (statements): created once; a correction is a new
  record that references the old one.
* ``hq_authoritative`` — records HQ owns (reference files, watch registrations): devices
  only read them; a device write is rejected.
* ``mutable_shared`` — records several devices edit: each write carries the version it
  was edited from (``base_version``); if HQ holds another version, the write is a
  conflict, kept at HQ for a person to resolve, never silently dropped.
"""

Visibility = Literal["unit", "origin", "all", "hq"]
"""Which devices pull a collection's records: the origin device's unit (default), only
the origin device, every device, or none (kept at HQ only)."""

ErrorKind = Literal["auth", "revoked", "rejected", "conflict", "server", "not_found", "too_large"]
"""The ``kind`` of every HQ error body. The device adds ``network`` for transport failures."""

MutationStatus = Literal["applied", "duplicate", "conflict", "rejected"]

ReasonCode = Literal[
    "unknown_collection",
    "hq_authoritative",
    "already_exists",
    "no_delete",
    "unknown_record",
    "version_not_newer",
    "version_node",
    "officer_unknown",
    "officer_disabled",
    "officer_other_unit",
    "payload_too_large",
    "payload_too_deep",
    "payload_invalid",
    "mutation_id_reused",
    # refused by the collection's own check at HQ (neo.hq.validators)
    "record_invalid",
    "seal_invalid",
    "seal_key_mismatch",
]
"""Machine-readable reason of a ``rejected`` mutation (``reason`` is the text for a person)."""


# -- hybrid logical clock -----------------------------------------------------------------


class Version(NamedTuple):
    """A hybrid-logical-clock stamp: ``"<wall_ms:13 digits>:<counter:5 digits>:<node>"``.

    ``wall_ms`` is Unix time in milliseconds, ``counter`` orders stamps within one
    millisecond, ``node`` is the device id that made the stamp (``"hq"`` for HQ). The
    fixed widths make the string order the clock order, so versions compare as strings.
    """

    wall_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.wall_ms:013d}:{self.counter:05d}:{self.node}"

    @classmethod
    def parse(cls, text: str) -> Version:
        if not isinstance(text, str) or not _VERSION_RE.match(text):
            raise ValueError(f"not an HLC version: {text!r}")
        wall, counter, node = text.split(":", 2)
        return cls(int(wall), int(counter), node)


_VERSION_RE = re.compile(VERSION_PATTERN)
_MAX_COUNTER = 99_999
_MAX_WALL = 10**13 - 1


class HybridLogicalClock:
    """Makes strictly increasing :class:`Version` stamps for one node (thread-safe).

    ``now()`` stamps a local event; ``observe(version)`` folds in a stamp seen from
    another node (a pulled record), so later local stamps sort after it even when this
    device's wall clock is behind.
    """

    def __init__(self, node: str, wall_clock: Callable[[], float] = time.time) -> None:
        if not re.fullmatch(NODE_PATTERN, node):
            raise ValueError(f"not a valid clock node: {node!r}")
        self.node = node
        self._wall = wall_clock
        self._lock = threading.Lock()
        self._last_wall = 0
        self._last_counter = 0

    def _physical(self) -> int:
        return min(int(self._wall() * 1000), _MAX_WALL)

    def _advance(self, wall: int, counter: int) -> None:
        if counter > _MAX_COUNTER:  # more stamps than fit in one millisecond: borrow the next
            wall, counter = wall + 1, 0
        self._last_wall, self._last_counter = wall, counter

    def now(self) -> Version:
        with self._lock:
            physical = self._physical()
            if physical > self._last_wall:
                self._advance(physical, 0)
            else:
                self._advance(self._last_wall, self._last_counter + 1)
            return Version(self._last_wall, self._last_counter, self.node)

    def observe(self, version: str | Version) -> None:
        remote = Version.parse(version) if isinstance(version, str) else version
        with self._lock:
            if (remote.wall_ms, remote.counter) > (self._last_wall, self._last_counter):
                self._advance(remote.wall_ms, remote.counter)


# -- errors -------------------------------------------------------------------------------


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ApiError(_Response):
    kind: ErrorKind
    message: str = Field(description="for a person, in HQ's language")
    detail: dict[str, Any] | None = Field(
        default=None, description="machine-readable: always has a 'code'; validation errors add 'errors'"
    )


class ErrorResponse(_Response):
    """Every 4xx and 5xx body HQ sends: ``{"error": {"kind", "message", "detail"}}``."""

    error: ApiError


# -- enrolment ----------------------------------------------------------------------------

ENROLMENT_CODE_PREFIX = "NEO1-"


class EnrolmentCode(BaseModel):
    """What a one-time enrolment code carries: HQ's address, its CA fingerprint, a secret.

    The printed form is ``NEO1-`` followed by the unpadded base64url of a compact JSON
    object ``{"v":1,"u":url,"f":fingerprint,"s":secret,"x":expires}`` where ``f`` is the
    SHA-256 of HQ's CA certificate (DER) in base64url (absent for a plain-HTTP HQ), ``s``
    is the secret in base64url and ``x`` the expiry in Unix seconds.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = Field(pattern=r"^https?://[^\s/?#]+$", max_length=200)
    ca_fingerprint: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$", description="hex SHA-256 of the CA DER")
    secret: str = Field(pattern=r"^[A-Za-z0-9_-]{16,64}$")
    expires_at: int = Field(ge=0, description="Unix seconds")

    def encode(self) -> str:
        body: dict[str, Any] = {"v": 1, "u": self.url, "s": self.secret, "x": self.expires_at}
        if self.ca_fingerprint:
            body["f"] = _b64u(bytes.fromhex(self.ca_fingerprint))
        raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8")
        return ENROLMENT_CODE_PREFIX + _b64u(raw)

    @classmethod
    def decode(cls, code: str) -> EnrolmentCode:
        """Parse a printed code (whitespace ignored); raises ``ValueError`` if it is not one."""
        if not isinstance(code, str):
            raise ValueError("an enrolment code is a string")
        text = "".join(code.split())
        if not text.upper().startswith(ENROLMENT_CODE_PREFIX):
            raise ValueError(f"an enrolment code starts with {ENROLMENT_CODE_PREFIX}")
        try:
            raw = _b64u_decode(text[len(ENROLMENT_CODE_PREFIX):])
            body = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError("the enrolment code is damaged") from exc
        if not isinstance(body, dict) or body.get("v") != 1:
            raise ValueError("unknown enrolment code version")
        fingerprint = body.get("f")
        try:
            return cls(
                url=body.get("u"),
                ca_fingerprint=_b64u_decode(fingerprint).hex() if isinstance(fingerprint, str) else None,
                secret=body.get("s"),
                expires_at=body.get("x"),
            )
        except Exception as exc:  # pydantic.ValidationError or a bad fingerprint
            raise ValueError("the enrolment code is damaged") from exc


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64u_decode(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


def ca_fingerprint(der: bytes) -> str:
    """The pin of an HQ CA: lowercase hex SHA-256 of its DER encoding."""
    import hashlib

    return hashlib.sha256(der).hexdigest()


class RosterEntry(_Response):
    """An officer of the device's unit, as the device learns it."""

    service_number: str
    name: str
    unit: str
    role: Literal["officer", "supervisor", "admin"] = "officer"
    disabled: bool = False


class EnrollRequest(_Request):
    code: str = Field(min_length=8, max_length=1024, description="the printed enrolment code, NEO1-...")
    device_public_key: str = Field(
        pattern=r"^[A-Za-z0-9+/]{43}=$", description="standard base64 of the device's raw 32-byte public key"
    )
    device_key_type: Literal["x25519", "ed25519"] = "x25519"
    device_name: str = Field(min_length=1, max_length=80, pattern=FREE_TEXT_PATTERN)
    device_id: str | None = Field(
        default=None, pattern=UUID_PATTERN,
        description="the id the device already uses (in its audit chain); HQ makes one if absent",
    )
    unlock_share: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9+/]{43}=$",
        description="standard base64 of the 32-byte key HQ keeps for this device and hands back only after "
                    "verifying an officer's PIN (an officer's first unlock on the device)",
    )


class EnrollResponse(_Response):
    device_id: str
    token: str = Field(description="the device's bearer token; HQ keeps only its hash, it is shown once")
    unit: str
    hq_ca_fingerprint: str | None
    roster: list[RosterEntry]
    epoch: str = Field(description="identity of HQ's database; a change means HQ was reset")
    unlock_token: str | None = Field(
        default=None,
        description="a second token, good only for /officers/verify: the device may keep it outside its "
                    "encrypted database, to verify a first unlock while locked",
    )


class RosterResponse(_Response):
    unit: str
    officers: list[RosterEntry]


class OfficerVerifyRequest(_Request):
    service_number: str = Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z \-]+$")
    pin: str = Field(min_length=1, max_length=64)


class OfficerVerifyResponse(_Response):
    ok: Literal[True] = True
    officer: RosterEntry
    unlock_share: str | None = Field(
        default=None, description="the device's unlock share (base64), if it gave one at enrolment"
    )


class DeviceInfo(_Response):
    device_id: str
    name: str
    unit: str
    enrolled_at: str
    revoked: bool = False


class Health(_Response):
    status: Literal["ok"] = "ok"
    protocol: int = PROTOCOL_VERSION
    server_time_ms: int
    epoch: str


# -- records: push and pull ---------------------------------------------------------------


class Mutation(_Request):
    """One write to one record, made on a device, carried in a push.

    A mutation with ``tombstone`` true deletes the record (its ``payload`` may be null).
    ``base_version`` is the version the device edited from (null when it created the
    record). ``officer`` is the service number of the officer who made the change.
    ``resolves`` lists conflicts (ids from earlier push results) that this write settles,
    written by a person who looked at both sides.
    """

    mutation_id: str = Field(pattern=UUID_PATTERN, description="made on the device; resending it is harmless")
    collection: str = Field(pattern=COLLECTION_PATTERN, max_length=81)
    record_id: str = Field(pattern=UUID_PATTERN)
    version: str = Field(pattern=VERSION_PATTERN, max_length=84)
    base_version: str | None = Field(default=None, pattern=VERSION_PATTERN, max_length=84)
    tombstone: bool = False
    payload: dict[str, Any] | None = None
    officer: str = Field(pattern=SERVICE_NUMBER_PATTERN)
    resolves: list[Annotated[int, Field(ge=1, le=2**62)]] = Field(
        default_factory=list, max_length=100,
        description="ids of conflicts on this record that this write settles (mutable_shared)",
    )

    @model_validator(mode="after")
    def _payload_or_tombstone(self) -> Mutation:
        if self.payload is None and not self.tombstone:
            raise ValueError("payload is required unless tombstone is true")
        return self


class PushRequest(_Request):
    mutations: list[Mutation] = Field(min_length=1, max_length=MAX_PUSH_BATCH)


class MutationResult(_Response):
    """HQ's answer for one mutation. Resending a mutation id returns the stored answer
    again (same fields) with ``replayed`` true, and writes nothing."""

    mutation_id: str
    status: MutationStatus
    server_seq: int | None = Field(default=None, description="the record's sequence after this write (applied, duplicate)")
    reason_code: ReasonCode | None = None
    reason: str | None = None
    conflict_id: int | None = None
    current_version: str | None = Field(default=None, description="HQ's version of the record (conflict, duplicate)")
    replayed: bool = False


class PushResponse(_Response):
    results: list[MutationResult]


class Change(_Response):
    """A record's current state at HQ, as pulled. Records are sent whole, not as diffs."""

    server_seq: int
    collection: str
    record_id: str
    version: str
    origin_device: str
    officer: str | None = None
    tombstone: bool = False
    payload: dict[str, Any] | None = None


class PullResponse(_Response):
    """A page of ``GET /sync/pull?since=&limit=[&exclude_own=true]``. With ``exclude_own``
    HQ leaves out records whose current version the asking device wrote (it holds them);
    ``next_cursor`` still moves past them, so a page may be empty with a larger cursor."""

    changes: list[Change]
    next_cursor: int = Field(description="pass it as since= next time; store it with the applied page")
    has_more: bool
    epoch: str


# -- attachments --------------------------------------------------------------------------


class AttachmentStatus(_Response):
    sha256: str
    complete: bool
    size: int | None = Field(default=None, description="bytes, once complete")
    received: list[int] = Field(default_factory=list, description="chunk indexes this device has uploaded")
    received_bytes: int = 0


class AttachmentComplete(_Request):
    size: int = Field(ge=0, le=MAX_ATTACHMENT_BYTES)
    chunk_count: int = Field(ge=1, le=MAX_ATTACHMENT_CHUNKS)
    media_type: str | None = Field(default=None, pattern=r"^[a-z]+/[a-z0-9.+-]+$", max_length=100)


# -- audit --------------------------------------------------------------------------------


class AuditEventIn(_Request):
    """A device audit event, exactly as the device hashed it (see ``neo.audit``)."""

    seq: int = Field(ge=1, le=2**62)
    id: str = Field(min_length=1, max_length=64, pattern=FREE_TEXT_PATTERN)
    ts: str = Field(min_length=1, max_length=64, pattern=FREE_TEXT_PATTERN)
    device_id: str = Field(pattern=UUID_PATTERN)
    officer: str | None = Field(default=None, pattern=SERVICE_NUMBER_PATTERN)
    action: str = Field(min_length=1, max_length=80, pattern=FREE_TEXT_PATTERN)
    reason: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    lat: int | float | None = None
    lon: int | float | None = None
    accuracy: int | float | None = None
    prev_hash: str = Field(pattern=SHA256_PATTERN)
    hash: str = Field(pattern=SHA256_PATTERN)


class AuditPushRequest(_Request):
    events: list[AuditEventIn] = Field(min_length=1, max_length=MAX_AUDIT_BATCH)


class ChainStatus(_Response):
    ok: bool
    last_seq: int
    first_broken_seq: int | None = None
    problem: str | None = None


class AuditPushResponse(_Response):
    accepted: int = Field(description="events stored by this request")
    duplicates: int = Field(description="events HQ already had, identical")
    chain: ChainStatus


# -- record lookup (module "lookup", routes under /api/v1/m/lookup/) ------------------------

LOOKUP_FILE_PATTERN = r"^[a-z][a-z0-9_]{1,40}$"
LOOKUP_REASONS: tuple[str, ...] = (
    "controle_routier",    # Contrôle routier
    "controle_identite",   # Contrôle d'identité
    "enquete",             # Enquête en cours (procédure)
    "intervention",        # Intervention, flagrant délit
    "recherche",           # Recherche de personne ou de véhicule
    "autre",               # Autre (précision obligatoire)
)
LookupReason = Literal["controle_routier", "controle_identite", "enquete", "intervention", "recherche", "autre"]
Severity = Literal["alert", "warning", "info"]


class LookupPosition(_Request):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy: float | None = Field(default=None, ge=0, le=100_000)


class LookupFields(_Request):
    """Structured entry: each filled field is one criterion (as ``match.Query.from_fields``)."""

    surname: str | None = Field(default=None, max_length=120, pattern=FREE_TEXT_PATTERN)
    given_names: str | None = Field(default=None, max_length=120, pattern=FREE_TEXT_PATTERN)
    birth_date: str | None = Field(default=None, max_length=20, pattern=FREE_TEXT_PATTERN)
    plate: str | None = Field(default=None, max_length=20, pattern=FREE_TEXT_PATTERN)
    vin: str | None = Field(default=None, max_length=30, pattern=FREE_TEXT_PATTERN)
    document: str | None = Field(default=None, max_length=40, pattern=FREE_TEXT_PATTERN)
    serial: str | None = Field(default=None, max_length=60, pattern=FREE_TEXT_PATTERN)
    mrz: str | None = Field(default=None, max_length=300, description="pasted or typed MRZ; lines separated by \\n")


class LookupRequest(_Request):
    """One officer's query. Exactly one of ``text`` (the single search field) and ``fields``.

    ``query_id`` is made on the device: a query queued offline and sent twice is answered
    and logged once. ``asked_at_ms`` is when the officer asked (it may be long before HQ
    receives a queued query). The reason is mandatory; ``reason_text`` is required when
    the reason is ``autre``.
    """

    query_id: str = Field(pattern=UUID_PATTERN)
    officer: str = Field(pattern=SERVICE_NUMBER_PATTERN)
    reason: LookupReason
    reason_text: str = Field(default="", max_length=200, pattern=FREE_TEXT_PATTERN)
    text: str | None = Field(default=None, min_length=1, max_length=400)
    fields: LookupFields | None = None
    files: list[Annotated[str, Field(pattern=LOOKUP_FILE_PATTERN)]] | None = Field(
        default=None, max_length=20, description="restrict to these files (default: all the officer may search)")
    position: LookupPosition | None = None
    asked_at_ms: int = Field(ge=0, le=2**53)
    limit: int = Field(default=20, ge=1, le=50)

    @model_validator(mode="after")
    def _one_entry(self) -> LookupRequest:
        if (self.text is None) == (self.fields is None):
            raise ValueError("give exactly one of text and fields")
        if self.reason == "autre" and not self.reason_text.strip():
            raise ValueError("reason_text is required when the reason is 'autre'")
        return self


class LookupHit(_Response):
    """One record found. ``payload`` is the record as stored (its file's documented columns);
    ``matched`` names what matched (``plate``, ``vin``, ``document``, ``serial``, ``name``,
    ``birth_date``, ``phonetic``…); ``severity`` is ``alert`` for a wanted or missing person,
    a stolen vehicle or document, ``warning`` for a stolen object or a registration or
    licence with a problem (expired insurance, suspended licence…), ``info`` otherwise.
    ``instruction`` is the conduct to follow, when the file gives one."""

    file: str
    record_id: str
    score: float = Field(ge=0, le=1)
    severity: Severity
    matched: list[str] = Field(default_factory=list)
    instruction: str | None = None
    payload: dict[str, Any]
    updated_at_ms: int


class LookupResponse(_Response):
    query_id: str
    searched: list[str] = Field(description="the files searched")
    not_entitled: list[str] = Field(default_factory=list, description="files asked for that this officer may not search")
    interpretations: list[str] = Field(default_factory=list, description="what the entry was read as: person, plate…")
    problem: str | None = Field(default=None, description="why nothing could be searched, for the officer (French)")
    hits: list[LookupHit]
    answered_at_ms: int
    replayed: bool = Field(default=False, description="the same query_id was answered before: this is that answer")


class HotlistResponse(_Response):
    """Keyed hashes of the normalised identifiers (``neo.modules.lookup.match.keys``) of stolen
    vehicles and documents and of wanted persons: ``hashes`` are the first 8 bytes (hex) of
    ``HMAC-SHA256(secret, key)``, sorted. The device can test what the officer typed but
    cannot list the entries. ``version`` changes whenever the list or the secret changes."""

    version: str
    key_version: str = Field(description="the key rules' version, e.g. v1")
    secret: str = Field(description="standard base64 of the 32-byte HMAC secret")
    algorithm: Literal["hmac-sha256-64"] = "hmac-sha256-64"
    generated_at_ms: int
    hashes: list[str]
