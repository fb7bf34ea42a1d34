"""What HQ does, independent of HTTP: enrolment, officer checks, push and pull of records,
audit chains, attachments, and the administration behind ``neo-hq``.

The FastAPI app (:mod:`neo.hq.app`) and the admin CLI (:mod:`neo.hq.cli`) are thin
layers over :class:`Headquarters`. Each public method runs its database work in one
transaction (through :class:`~neo.hq.storage.Database`), so a request either writes
everything it should or nothing.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic_core import PydanticSerializationError, to_json
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from neo import protocol
from neo.audit import GENESIS, verify_chain
from neo.hq.blobs import BlobStore
from neo.hq.collections import CollectionRegistry
from neo.hq.config import CollectionSpec, HQConfig
from neo.hq.errors import AdminError, AuthError, Conflict, NotFound, Rejected, Revoked, ServerError, Throttled, TooLarge
from neo.hq.lookup.hotlist import HotlistService
from neo.hq.lookup.service import LookupService
from neo.hq.security import TOKEN_PREFIX, PinHasher, ShareKeyring, digest, new_enrolment_secret, new_token
from neo.hq.storage import Database
from neo.hq.storage import admin as admin_sql
from neo.hq.storage import attachments as att_sql
from neo.hq.storage import audit as audit_sql
from neo.hq.storage import sync as sync_sql
from neo.hq.storage.schema import utcnow
from neo.hq.validators import RecordValidator
from neo.i18n import tr
from neo.models import Officer, normalize_service_number

log = logging.getLogger(__name__)

TOUCH_EVERY = timedelta(seconds=60)
AUTH_CACHE_SECONDS = 2.0
"""How long a device token checked against the database is trusted without a new check
(in this process). Revoking through this process's :class:`Headquarters` takes effect at
once; a revocation made elsewhere (``neo-hq device revoke``, another HQ worker) takes
effect here within this many seconds."""
_auth_clock = time.monotonic
_SN_RE = re.compile(protocol.SERVICE_NUMBER_PATTERN)


@dataclass(frozen=True)
class Device:
    """An enrolled device, as authenticated for one request."""

    id: str
    name: str
    unit_id: int
    unit: str
    enrolled_at: datetime
    last_seen: datetime | None
    revoked: bool = False
    scope: str = "device"
    """"device" for the device token; "unlock" for the verify-only unlock token."""

    @property
    def audiences(self) -> tuple[str, ...]:
        """The ``records.audience`` values this device may pull."""
        return ("*", f"u:{self.unit_id}", f"d:{self.id}")


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat(timespec="seconds") if dt is not None else None


def _depth_within(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            if depth > limit:
                return False
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            if depth > limit:
                return False
            stack.extend((v, depth + 1) for v in item)
    return True


_PAYLOAD_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def encode_parsed_payload(payload: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """:func:`encode_payload` for a payload parsed from a request body (JSON types only).

    :func:`pydantic_core.to_json` writes the same compact text about four times faster
    than :mod:`json`; numbers in exponent form may be spelled differently (``1e-7`` for
    ``1e-07``), same value. What it would write differently in meaning (NaN, infinities)
    or cannot write takes the :mod:`json` path, which refuses it as before.
    """
    if payload is None:
        return None, None
    try:
        raw = to_json(payload, inf_nan_mode="constants")
    except (PydanticSerializationError, ValueError, TypeError, RecursionError):
        raw = None
    if raw is not None and b"NaN" not in raw and b"Infinity" not in raw:
        if raw.count(b"{") + raw.count(b"[") > protocol.MAX_PAYLOAD_DEPTH and not _depth_within(
                payload, protocol.MAX_PAYLOAD_DEPTH):
            return None, "payload_too_deep"
        if len(raw) > protocol.MAX_PAYLOAD_BYTES:
            return None, "payload_too_large"
        return raw.decode("utf-8"), None
    return encode_payload(payload)


def encode_payload(payload: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """A payload as stored (compact JSON) or the reason code it is refused for."""
    if payload is None:
        return None, None
    try:
        text = _PAYLOAD_ENCODER.encode(payload)
    except (ValueError, TypeError):
        return None, "payload_invalid"
    except RecursionError:
        return None, "payload_too_deep"
    # Only a text with enough brackets can nest too deep: walk the value only then.
    if text.count("{") + text.count("[") > protocol.MAX_PAYLOAD_DEPTH and not _depth_within(
            payload, protocol.MAX_PAYLOAD_DEPTH):
        return None, "payload_too_deep"
    if text.isascii():
        size = len(text)
    else:
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape
            return None, "payload_invalid"
    if size > protocol.MAX_PAYLOAD_BYTES:
        return None, "payload_too_large"
    return text, None


def reason_text(code: str) -> str:
    """The sentence shown to an officer for a rejected mutation."""
    texts = {
        "unknown_collection": tr("Cette collection n'est pas synchronisée par le QG."),
        "hq_authoritative": tr("Ces données appartiennent au QG : l'appareil ne peut pas les modifier."),
        "already_exists": tr("Cet enregistrement existe déjà au QG et ne peut pas être modifié."),
        "no_delete": tr("Cet enregistrement ne peut pas être supprimé."),
        "unknown_record": tr("L'enregistrement modifié n'existe pas au QG."),
        "version_not_newer": tr("La version envoyée n'est pas plus récente que celle du QG."),
        "version_node": tr("La version n'a pas été produite par cet appareil."),
        "officer_unknown": tr("Agent inconnu du QG."),
        "officer_disabled": tr("Le compte de cet agent est désactivé."),
        "officer_other_unit": tr("Cet agent n'appartient pas à l'unité de l'appareil."),
        "payload_too_large": tr("Le contenu de l'enregistrement est trop volumineux."),
        "payload_too_deep": tr("Le contenu de l'enregistrement est trop imbriqué."),
        "payload_invalid": tr("Le contenu de l'enregistrement n'est pas du JSON valide."),
        "mutation_id_reused": tr("Cet identifiant de modification a déjà servi à un autre appareil."),
    }
    return texts.get(code, code)


def _result(mutation_id: str, status: str, *, server_seq: int | None = None, reason_code: str | None = None,
            conflict_id: int | None = None, current_version: str | None = None, reason: str | None = None,
            replayed: bool = False) -> dict[str, Any]:
    """A mutation result as sent: fields that are null (or false) are left out."""
    res: dict[str, Any] = {"mutation_id": mutation_id, "status": status}
    if server_seq is not None:
        res["server_seq"] = server_seq
    if reason_code is not None:
        res["reason_code"] = reason_code
        res["reason"] = reason if reason is not None else reason_text(reason_code)
    elif reason is not None:
        res["reason"] = reason
    if conflict_id is not None:
        res["conflict_id"] = conflict_id
    if current_version is not None:
        res["current_version"] = current_version
    if replayed:
        res["replayed"] = True
    return res


def _superseded_receipt(cur: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """When a record is written again, the answer to the mutation that wrote its previous
    version (kept in ``records.mutation_id``) moves to the mutations table."""
    if not cur.get("mutation_id"):
        return []
    return [{
        "mutation_id": cur["mutation_id"], "device_id": cur["origin_device"], "collection": cur["collection"],
        "record_id": cur["record_id"], "status": "applied", "server_seq": int(cur["server_seq"]),
        "reason_code": None, "reason": None, "conflict_id": None, "current_version": None, "received_at": now,
    }]


def parse_ttl(text: str) -> int:
    """``"24h"``, ``"30m"``, ``"7d"``, ``"90s"`` or plain seconds -> seconds (1 min to 30 days)."""
    m = re.fullmatch(r"\s*(\d{1,7})\s*([smhd]?)\s*", text or "")
    if not m:
        raise AdminError(tr("Durée invalide : {value} (exemples : 30m, 24h, 7d).", value=text))
    seconds = int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if not 60 <= seconds <= 30 * 86400:
        raise AdminError(tr("La durée doit être comprise entre 1 minute et 30 jours."))
    return seconds


class Headquarters:
    def __init__(self, config: HQConfig, *, migrate: bool = True, tls_fingerprint: str | None = None) -> None:
        self.config = config
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(config.database_url)
        if migrate:
            self.db.migrate()
        self.epoch = self.db.write(lambda c: admin_sql.meta_set_default(c, "epoch", uuid.uuid4().hex))
        self.registry = CollectionRegistry.build(config.collections, read_manifests=config.read_manifests)
        self.hasher = PinHasher(config.argon2_time_cost, config.argon2_memory_kib, config.argon2_parallelism)
        self.clock = protocol.HybridLogicalClock(protocol.HQ_NODE)
        self.blobs = BlobStore(config.attachments_dir)
        self.shares = ShareKeyring(config.data_dir / "keys" / "unlock-shares.key")
        self.tls_fingerprint = tls_fingerprint
        self._locks_guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._pin_failures: dict[str, list[float]] = {}
        self._auth_cache: dict[str, tuple[float, Device]] = {}
        """token digest -> (_auth_clock() at the database check, the device then)."""
        self.lookup = LookupService(self.db, config)
        """The record lookup: entitlements, query log, replays (``/m/lookup/search``)."""
        self.hotlist = HotlistService(self.db)
        """The lookup's offline hot-list (``/m/lookup/hotlist``)."""
        self.validators: dict[str, RecordValidator] = {}
        """Per-collection checks on pushed records before they are applied (:mod:`neo.hq.validators`)."""
        from neo.hq.statements.service import StatementService

        self.statements = StatementService(self)
        """Statements: the seal checked on receipt, listing, export, publishing (``neo-hq statements``)."""
        from neo.hq.watch.service import WatchService

        self.watch = WatchService(self)
        """The holiday watch: registrations, access reveals, visits, alerts (``/m/holiday_watch``)."""

    def __enter__(self) -> Headquarters:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.dispose()

    @contextmanager
    def _named_lock(self, name: str) -> Iterator[None]:
        with self._locks_guard:
            lock = self._locks[name]
        with lock:
            yield

    # == devices: authentication ======================================================
    def authenticate_cached(self, token: str | None) -> Device | None:
        """The device of a token checked against the database less than
        :data:`AUTH_CACHE_SECONDS` ago (no database access), else None: then call
        :meth:`authenticate`."""
        if not token:
            return None
        hit = self._auth_cache.get(digest(token))
        if hit is None or _auth_clock() - hit[0] >= AUTH_CACHE_SECONDS:
            return None
        return hit[1]

    def authenticate(self, token: str | None) -> Device:
        if not token:
            raise AuthError(tr("Jeton d'appareil manquant."), code="token_missing")
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            raise AuthError(tr("Jeton d'appareil inconnu."), code="token_unknown")
        token_hash = digest(token)
        checked = _auth_clock()
        row = self.db.read(lambda c: admin_sql.device_by_token_hash(c, token_hash))
        if row is None:
            self._auth_cache.pop(token_hash, None)
            raise AuthError(tr("Jeton d'appareil inconnu."), code="token_unknown")
        if row["revoked"]:
            self._auth_cache.pop(token_hash, None)
            raise Revoked(tr("Cet appareil a été révoqué par le QG."), code="device_revoked")
        now = utcnow()
        if row["last_seen"] is None or now - row["last_seen"] > TOUCH_EVERY:
            self.db.write(lambda c: admin_sql.device_touch(c, row["id"], now))
        device = Device(row["id"], row["name"], int(row["unit_id"]), row["unit"], row["enrolled_at"],
                        row["last_seen"], bool(row["revoked"]), row["scope"])
        if len(self._auth_cache) > 10_000:
            self._auth_cache.clear()
        self._auth_cache[token_hash] = (checked, device)
        return device

    # == enrolment ========================================================================
    def create_enrolment_code(self, *, unit: str | None, ttl_seconds: int, url: str,
                              fingerprint: str | None) -> tuple[protocol.EnrolmentCode, str, str]:
        """A new one-time code: (code, printed form, unit name)."""
        now = utcnow()
        secret = new_enrolment_secret()
        expires = now + timedelta(seconds=ttl_seconds)
        try:
            code = protocol.EnrolmentCode(url=url.rstrip("/"), ca_fingerprint=fingerprint, secret=secret,
                                          expires_at=int(expires.timestamp()))
        except ValueError as exc:
            raise AdminError(tr("Adresse du QG invalide : {url}", url=url)) from exc

        def tx(conn: Connection) -> str:
            if unit:
                row = admin_sql.unit_by_name(conn, unit)
                if row is None:
                    raise AdminError(tr("Unité inconnue : {unit}", unit=unit))
            else:
                units = admin_sql.unit_list(conn)
                if len(units) != 1:
                    raise AdminError(tr("Précisez l'unité de l'appareil avec --unit (unités : {units}).",
                                        units=", ".join(u["name"] for u in units) or "-"))
                row = units[0]
            admin_sql.enrolment_code_insert(conn, secret_hash=digest(secret), unit_id=int(row["id"]), now=now,
                                            expires_at=expires)
            return str(row["name"])

        unit_name = self.db.write(tx)
        return code, code.encode(), unit_name

    def enroll(self, req: protocol.EnrollRequest) -> dict[str, Any]:
        try:
            code = protocol.EnrolmentCode.decode(req.code)
        except ValueError:
            raise AuthError(tr("Code d'enrôlement invalide."), code="enrolment_code_invalid") from None
        secret_hash = digest(code.secret)
        token, unlock_token = new_token(), new_token()
        device_id = req.device_id or str(uuid.uuid4())
        sealed_share = self.shares.seal(device_id, base64.b64decode(req.unlock_share)) if req.unlock_share else None
        now = utcnow()

        def tx(conn: Connection) -> tuple[str, list[dict[str, Any]]]:
            row = admin_sql.enrolment_code_get(conn, secret_hash)
            if row is None:
                raise AuthError(tr("Code d'enrôlement invalide."), code="enrolment_code_invalid")
            if row["used_at"] is not None:
                raise AuthError(tr("Ce code d'enrôlement a déjà servi."), code="enrolment_code_used")
            if row["expires_at"] <= now:
                raise AuthError(tr("Ce code d'enrôlement a expiré."), code="enrolment_code_expired")
            if admin_sql.device_get(conn, device_id) is not None:
                raise Conflict(tr("Un appareil porte déjà cet identifiant."), code="device_exists")
            if not admin_sql.enrolment_code_consume(conn, secret_hash, device_id, now):
                raise AuthError(tr("Ce code d'enrôlement a déjà servi."), code="enrolment_code_used")
            admin_sql.device_insert(conn, device_id=device_id, name=req.device_name, unit_id=int(row["unit_id"]),
                                    public_key=req.device_public_key, key_type=req.device_key_type,
                                    token_hash=digest(token), unlock_token_hash=digest(unlock_token),
                                    unlock_share=sealed_share, now=now)
            unit = admin_sql.unit_by_id(conn, int(row["unit_id"]))
            return str(unit["name"]) if unit else "", admin_sql.officer_list(conn, int(row["unit_id"]))

        unit_name, roster = self._write(tx)
        log.info("device %s (%s) enrolled in %s", device_id, req.device_name, unit_name)
        return {
            "device_id": device_id, "token": token, "unit": unit_name, "hq_ca_fingerprint": self.tls_fingerprint,
            "roster": [self._roster_entry(o) for o in roster], "epoch": self.epoch, "unlock_token": unlock_token,
        }

    @staticmethod
    def _roster_entry(row: dict[str, Any]) -> dict[str, Any]:
        return {"service_number": row["service_number"], "name": row["name"], "unit": row["unit"],
                "role": row["role"], "disabled": bool(row["disabled"])}

    def roster(self, device: Device) -> dict[str, Any]:
        rows = self.db.read(lambda c: admin_sql.officer_list(c, device.unit_id))
        return {"unit": device.unit, "officers": [self._roster_entry(o) for o in rows]}

    def device_info(self, device: Device) -> dict[str, Any]:
        return {"device_id": device.id, "name": device.name, "unit": device.unit,
                "enrolled_at": device.enrolled_at.isoformat(), "revoked": device.revoked}

    # == officers: first unlock on a device ==============================================
    def _pin_delay(self, failures: int) -> float:
        if failures < self.config.pin_free_attempts:
            return 0.0
        return min(self.config.pin_base_delay * 2 ** (failures - self.config.pin_free_attempts),
                   self.config.pin_max_delay)

    def _device_failures(self, device: Device, *, add: bool) -> float:
        """Seconds this device must wait before its next PIN check (a sliding 10-minute window
        over its wrong PINs, whoever the officer: it stops guessing across service numbers)."""
        window, now = 600.0, time.monotonic()
        with self._locks_guard:
            recent = [t for t in self._pin_failures.get(device.id, []) if now - t < window]
            if add:
                recent.append(now)
            self._pin_failures[device.id] = recent
            if len(recent) >= self.config.device_pin_failures:
                return window - (now - recent[-self.config.device_pin_failures])
        return 0.0

    def verify_officer(self, device: Device, service_number: str, pin: str) -> dict[str, Any]:
        wrong = tr("Matricule ou code PIN incorrect.")
        wait_device = self._device_failures(device, add=False)
        if wait_device > 0:
            raise Throttled(tr("Trop d'essais incorrects. Réessayez dans {s} s.", s=int(wait_device + 0.999)),
                            retry_after=wait_device)
        sn = normalize_service_number(service_number)
        if not _SN_RE.match(sn):
            self.hasher.burn(pin)
            self._device_failures(device, add=True)
            raise AuthError(wrong, code="wrong_credentials")
        with self._named_lock("officer:" + sn):
            row = self.db.read(lambda c: admin_sql.officer_get(c, sn))
            if row is None:
                self.hasher.burn(pin)
                self._device_failures(device, add=True)
                raise AuthError(wrong, code="wrong_credentials")
            now = utcnow()
            if row["last_failed_at"] is not None:
                wait = (row["last_failed_at"] + timedelta(seconds=self._pin_delay(row["failed_attempts"])) - now)
                if wait.total_seconds() > 0:
                    raise Throttled(tr("Trop d'essais incorrects. Réessayez dans {s} s.",
                                       s=int(wait.total_seconds() + 0.999)), retry_after=wait.total_seconds())
            if not self.hasher.verify(row["pin_hash"], pin):
                self._device_failures(device, add=True)
                failures = self.db.write(lambda c: admin_sql.officer_record_failure(c, sn, now))
                delay = self._pin_delay(failures)
                extra = {"retry_after": max(1, int(delay + 0.999))} if delay else {}
                raise AuthError(wrong, code="wrong_credentials", **extra)
            if row["failed_attempts"] or self.hasher.needs_rehash(row["pin_hash"]):
                new_hash = self.hasher.hash(pin) if self.hasher.needs_rehash(row["pin_hash"]) else None

                def reset(c: Connection) -> None:
                    admin_sql.officer_reset_failures(c, sn)
                    if new_hash:
                        admin_sql.officer_set_pin_hash(c, sn, new_hash, now)

                self.db.write(reset)
        if row["disabled"]:
            raise AuthError(tr("Ce compte est désactivé. Contactez votre unité."), code="officer_disabled", status=403)
        if int(row["unit_id"]) != device.unit_id:
            raise AuthError(tr("Cet agent n'appartient pas à l'unité de l'appareil."), code="officer_other_unit",
                            status=403)
        answer: dict[str, Any] = {"ok": True, "officer": self._roster_entry(row)}
        sealed = self.db.read(lambda c: admin_sql.device_unlock_share(c, device.id))
        if sealed:
            answer["unlock_share"] = base64.b64encode(self.shares.open(device.id, sealed)).decode("ascii")
        return answer

    # == push ============================================================================
    def _audience(self, spec: CollectionSpec, device: Device) -> str:
        return {"unit": f"u:{device.unit_id}", "origin": f"d:{device.id}", "all": "*", "hq": "hq"}[spec.visibility]

    def _static_reject(self, m: protocol.Mutation, spec: CollectionSpec | None, device: Device,
                       officers: dict[str, dict[str, Any]]) -> str | None:
        if spec is None:
            return "unknown_collection"
        if spec.policy == "hq_authoritative":
            return "hq_authoritative"
        wall, _counter, node = m.version.split(":", 2)
        if node != device.id:
            return "version_node"
        officer = officers.get(m.officer)
        if officer is None:
            return "officer_unknown"
        if int(officer["unit_id"]) != device.unit_id:
            return "officer_other_unit"
        if officer["disabled"]:
            disabled_at = officer["disabled_at"]
            if disabled_at is None or int(wall) > _ms(disabled_at):
                return "officer_disabled"
        return None

    def push(self, device: Device, mutations: Sequence[protocol.Mutation]) -> list[dict[str, Any]]:
        """Apply a batch; one result per mutation, in order. See docs/sync-protocol.md.

        The whole batch is one transaction: the sequence lock, one lookup of the answered
        mutations, one of the records concerned, then one bulk write per table.
        """
        now = utcnow()
        encoded = [encode_parsed_payload(m.payload) for m in mutations]

        def tx(conn: Connection) -> list[dict[str, Any]]:
            seq = start_seq = sync_sql.lock_sequence(conn)
            seen = sync_sql.mutations_get(conn, [m.mutation_id for m in mutations])
            db_state = sync_sql.records_get(
                conn, {(m.collection, m.record_id) for m in mutations if m.mutation_id not in seen})
            officers = admin_sql.officers_get_many(conn, {m.officer for m in mutations if m.mutation_id not in seen})
            state: dict[tuple[str, str], dict[str, Any]] = dict(db_state)
            inserts: dict[tuple[str, str], dict[str, Any]] = {}
            updates: dict[tuple[str, str], dict[str, Any]] = {}
            answered: dict[str, dict[str, Any]] = {}
            receipts: list[dict[str, Any]] = []
            resolutions: list[tuple[list[int], str, str, str]] = []
            results: list[dict[str, Any]] = []

            def receipt(res: dict[str, Any], collection: str, record_id: str) -> None:
                receipts.append({
                    "mutation_id": res["mutation_id"], "device_id": device.id, "collection": collection,
                    "record_id": record_id, "status": res["status"], "server_seq": res.get("server_seq"),
                    "reason_code": res.get("reason_code"), "reason": res.get("reason"),
                    "conflict_id": res.get("conflict_id"), "current_version": res.get("current_version"),
                    "received_at": now,
                })

            for m, (payload_text, payload_problem) in zip(mutations, encoded, strict=True):
                mid = m.mutation_id
                if mid in seen:
                    if seen[mid]["device_id"] != device.id:  # another device's mutation: not its answer
                        results.append(_result(mid, "rejected", reason_code="mutation_id_reused"))
                        continue
                    results.append(_result(mid, **{k: v for k, v in seen[mid].items()
                                                   if k not in ("mutation_id", "device_id")}, replayed=True))
                    continue
                if mid in answered:
                    results.append({**answered[mid], "replayed": True})
                    continue
                key = (m.collection, m.record_id)
                cur = state.get(key)
                if cur is not None and cur.get("mutation_id") == mid and cur.get("origin_device") != device.id:
                    results.append(_result(mid, "rejected", reason_code="mutation_id_reused"))
                    continue
                if cur is not None and cur.get("mutation_id") == mid:
                    # The answer to this very mutation is the record it wrote.
                    res = _result(mid, "applied", server_seq=int(cur["server_seq"]), replayed=key in db_state)
                    if key in db_state:
                        results.append(res)
                        continue
                spec = self.registry.get(m.collection)
                problem = self._static_reject(m, spec, device, officers) or payload_problem
                if problem is None and m.payload is None and not m.tombstone:
                    problem = "payload_invalid"
                if problem is not None:
                    res = _result(mid, "rejected", reason_code=problem)
                    receipt(res, *key)
                    answered[mid] = res
                    results.append(res)
                    continue
                assert spec is not None
                if spec.policy in ("append_only", "immutable"):
                    if cur is None:
                        action = "reject:no_delete" if m.tombstone else "apply"
                    elif cur["version"] == m.version:
                        action = "duplicate"
                    else:
                        action = "reject:already_exists"
                elif cur is not None and cur["version"] == m.version:
                    action = "duplicate"
                elif cur is None:
                    action = "apply" if m.base_version is None else "reject:unknown_record"
                elif m.base_version == cur["version"]:
                    action = "apply" if m.version > cur["version"] else "reject:version_not_newer"
                else:
                    action = "conflict"

                validator = self.validators.get(m.collection) if action == "apply" else None
                refusal = validator.check(conn, device, m) if validator is not None else None
                if refusal is not None:
                    assert validator is not None
                    validator.refused(conn, device, m, refusal)
                    res = _result(mid, "rejected", reason_code=refusal.code, reason=refusal.reason)
                    receipt(res, *key)
                    answered[mid] = res
                    results.append(res)
                    continue
                if action == "apply":
                    seq += 1
                    if cur is not None:
                        # The record's previous writer keeps its answer in the mutations table.
                        receipts.extend(_superseded_receipt(cur, now))
                    row = {
                        "server_seq": seq, "collection": m.collection, "record_id": m.record_id,
                        "version": m.version, "origin_device": device.id, "officer": m.officer,
                        "tombstone": m.tombstone, "payload": payload_text,
                        "audience": cur["audience"] if cur is not None else self._audience(spec, device),
                        "mutation_id": mid, "created_at": now, "updated_at": now,
                    }
                    (updates if key in db_state else inserts)[key] = row
                    state[key] = row
                    res = _result(mid, "applied", server_seq=seq)
                    if validator is not None:
                        validator.applied(conn, device, m, seq)
                    if m.resolves:
                        resolutions.append((list(m.resolves), m.collection, m.record_id, mid))
                elif action == "duplicate":
                    assert cur is not None
                    res = _result(mid, "duplicate", server_seq=int(cur["server_seq"]), current_version=cur["version"])
                    receipt(res, *key)
                elif action == "conflict":
                    assert cur is not None
                    conflict_id = sync_sql.conflict_insert(conn, {
                        "collection": m.collection, "record_id": m.record_id, "mutation_id": mid,
                        "device_id": device.id, "officer": m.officer, "base_version": m.base_version,
                        "incoming_version": m.version, "incoming_tombstone": m.tombstone,
                        "incoming_payload": payload_text, "current_version": cur["version"],
                        "current_tombstone": bool(cur["tombstone"]), "current_payload": cur["payload"],
                        "audience": cur["audience"], "created_at": now,
                    })
                    res = _result(mid, "conflict", conflict_id=conflict_id, current_version=cur["version"],
                                  reason=tr("Conflit : l'enregistrement a été modifié ailleurs entre-temps."))
                    receipt(res, *key)
                else:
                    res = _result(mid, "rejected", reason_code=action.split(":", 1)[1],
                                  current_version=cur["version"] if cur is not None else None)
                    receipt(res, *key)
                answered[mid] = res
                results.append(res)

            sync_sql.records_insert(conn, list(inserts.values()))
            sync_sql.records_update(conn, [
                {**{k: v for k, v in row.items() if k not in ("collection", "record_id", "created_at", "audience")},
                 "k_collection": row["collection"], "k_record_id": row["record_id"]}
                for row in updates.values()
            ])
            if seq != start_seq:
                sync_sql.set_sequence(conn, seq)
            sync_sql.mutations_insert(conn, receipts)
            for ids, collection, record_id, mid in resolutions:
                sync_sql.conflicts_resolve(conn, ids, collection=collection, record_id=record_id,
                                           resolution="device", resolved_by=mid, now=now)
            return results

        return self._write(tx)

    def _write(self, fn: Any) -> Any:
        """A write transaction; database contention becomes a retryable 503."""
        try:
            return self.db.write(fn)
        except IntegrityError as exc:
            log.warning("integrity error, request refused: %s", exc.orig)
            raise Conflict(tr("Écriture concurrente refusée ; renvoyez la requête."), code="concurrent_write") from exc
        except DBAPIError as exc:
            if exc.connection_invalidated or "locked" in str(exc.orig).lower() or "deadlock" in str(exc.orig).lower():
                raise ServerError(tr("Le QG est occupé ; réessayez."), code="busy") from exc
            raise

    # == pull ============================================================================
    def pull(self, device: Device, since: int, limit: int, *, exclude_own: bool = False) -> bytes:
        """A page of changes as a ready-to-send JSON body (see :class:`neo.protocol.PullResponse`).

        ``exclude_own``: leave out records whose current version this device wrote (it
        holds them already). The cursor still moves past them: a page is chosen among the
        records left, and the last page's cursor is the sequence read first.
        """

        def tx(conn: Connection) -> tuple[list[str], int | None, bool, int]:
            # Read the sequence first: every record at or below it is committed and will be
            # seen by the page query, so an empty tail can move the cursor up to it.
            top = sync_sql.current_sequence(conn)
            texts, last, more = sync_sql.pull_page(conn, since=since, limit=limit, audiences=device.audiences,
                                                   exclude_origin=device.id if exclude_own else None)
            return texts, last, more, top

        texts, last, has_more, top = self.db.read(tx)
        if has_more:
            cursor = last if last is not None else since
        else:
            cursor = max(since, top, last or 0)
        head = b'{"changes":['
        tail = f'],"next_cursor":{cursor},"has_more":{"true" if has_more else "false"},"epoch":"{self.epoch}"}}'
        return head + ",".join(texts).encode("utf-8") + tail.encode("ascii")

    def conflicts_for(self, device: Device) -> list[dict[str, Any]]:
        rows = self.db.read(lambda c: sync_sql.conflict_list(c, open_only=True, audiences=device.audiences))
        return [self._conflict_view(r) for r in rows]

    @staticmethod
    def _conflict_view(r: dict[str, Any]) -> dict[str, Any]:
        def load(text: str | None) -> Any:
            return json.loads(text) if text is not None else None

        return {
            "conflict_id": r["id"], "collection": r["collection"], "record_id": r["record_id"],
            "mutation_id": r["mutation_id"], "device_id": r["device_id"], "officer": r["officer"],
            "base_version": r["base_version"],
            "incoming": {"version": r["incoming_version"], "tombstone": bool(r["incoming_tombstone"]),
                         "payload": load(r["incoming_payload"])},
            "current": {"version": r["current_version"], "tombstone": bool(r["current_tombstone"]),
                        "payload": load(r["current_payload"])},
            "created_at": _iso(r["created_at"]), "resolved_at": _iso(r["resolved_at"]),
            "resolution": r["resolution"], "resolved_by": r["resolved_by"],
        }

    # == HQ-authored records (reference files, registrations) ==============================
    def put_hq_records(self, collection: str, items: Iterable[tuple[str, dict[str, Any] | None, str]],
                       *, tombstone: bool = False, also: Any = None) -> int:
        """Write records HQ owns: ``(record_id, payload, audience)``; unchanged ones are skipped.
        Returns how many were written. ``also(conn)``, when given, runs in the same
        transaction after the records are written (an index kept beside them)."""
        batch = list(items)
        for _rid, _payload, audience in batch:
            if not re.fullmatch(r"\*|hq|u:\d+|d:[0-9a-f-]{36}", audience):
                raise AdminError(f"bad audience {audience!r}")
        now = utcnow()

        def tx(conn: Connection) -> int:
            seq = start = sync_sql.lock_sequence(conn)
            current = sync_sql.records_get(conn, {(collection, rid) for rid, _, _ in batch})
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            receipts: list[dict[str, Any]] = []
            for rid, payload, audience in batch:
                text, problem = encode_payload(payload)
                if problem:
                    raise AdminError(f"record {rid}: {problem}")
                cur = current.get((collection, rid))
                if cur is not None and cur["payload"] == text and bool(cur["tombstone"]) == tombstone \
                        and cur["audience"] == audience:
                    continue
                seq += 1
                row = {"collection": collection, "record_id": rid, "server_seq": seq,
                       "version": str(self.clock.now()), "origin_device": protocol.HQ_NODE, "officer": None,
                       "tombstone": tombstone, "payload": text, "audience": audience, "mutation_id": None,
                       "created_at": now, "updated_at": now}
                if cur is None:
                    inserts.append(row)
                    current[(collection, rid)] = row
                else:
                    receipts.extend(_superseded_receipt(cur, now))
                    updates.append({**{k: v for k, v in row.items()
                                       if k not in ("collection", "record_id", "created_at", "audience")},
                                    "k_collection": collection, "k_record_id": rid})
            sync_sql.records_insert(conn, inserts)
            sync_sql.records_update(conn, updates)
            sync_sql.mutations_insert(conn, receipts)
            if seq != start:
                sync_sql.set_sequence(conn, seq)
            if also is not None:
                also(conn)
            return seq - start

        return self.db.write(tx)

    # == audit chains ===================================================================
    def audit_push(self, device: Device, events: Sequence[protocol.AuditEventIn]) -> dict[str, Any]:
        raw = [e.model_dump() for e in events]
        for ev in raw:
            if ev["device_id"] != device.id:
                raise Rejected(tr("Ces événements d'audit viennent d'un autre appareil."), code="device_mismatch")
        try:
            bodies = [json.dumps(ev, sort_keys=True, separators=(",", ":"), allow_nan=False) for ev in raw]
            for ev in raw:
                json.dumps(ev, ensure_ascii=False).encode("utf-8")
        except (ValueError, UnicodeEncodeError, TypeError, RecursionError):
            raise Rejected(tr("Événement d'audit illisible."), code="audit_invalid") from None
        now = utcnow()

        def tx(conn: Connection) -> dict[str, Any]:
            state = audit_sql.chain_get(conn, device.id)
            exists = state is not None
            if state is None:
                state = {"device_id": device.id, "last_seq": 0, "last_hash": GENESIS, "event_count": 0,
                         "broken": False, "first_broken_seq": None, "problem": None, "updated_at": now}
            breaks: list[tuple[int, str]] = []
            old = [(ev, body) for ev, body in zip(raw, bodies, strict=True) if ev["seq"] <= state["last_seq"]]
            stored = audit_sql.event_hashes(conn, device.id, [ev["seq"] for ev, _ in old])
            duplicates = 0
            gap_fill: list[tuple[dict[str, Any], str]] = []
            for ev, body in old:
                have = stored.get(ev["seq"])
                if have == ev["hash"]:
                    duplicates += 1
                elif have is None:
                    gap_fill.append((ev, body))
                    stored[ev["seq"]] = ev["hash"]
                else:
                    breaks.append((ev["seq"], f"event {ev['seq']} differs from the copy HQ received before"))
            new: dict[int, tuple[dict[str, Any], str]] = {}
            for ev, body in zip(raw, bodies, strict=True):
                if ev["seq"] > state["last_seq"]:
                    if ev["seq"] in new and new[ev["seq"]][0]["hash"] != ev["hash"]:
                        breaks.append((ev["seq"], f"event {ev['seq']} was sent twice with different contents"))
                    new.setdefault(ev["seq"], (ev, body))
            ordered = [new[s] for s in sorted(new)]
            if ordered:
                try:
                    verdict = verify_chain([ev for ev, _ in ordered], start_hash=state["last_hash"],
                                           start_seq=state["last_seq"] + 1)
                except (UnicodeEncodeError, TypeError, ValueError):
                    raise Rejected(tr("Événement d'audit illisible."), code="audit_invalid") from None
                if not verdict.ok and verdict.first_broken_seq is not None:
                    breaks.append((verdict.first_broken_seq, verdict.problem or "broken"))
            if gap_fill:
                breaks.append((min(ev["seq"] for ev, _ in gap_fill), "events arrived after later ones"))
            rows = [{
                "device_id": device.id, "seq": ev["seq"], "event_id": ev["id"], "ts": ev["ts"],
                "officer": ev["officer"], "action": ev["action"], "prev_hash": ev["prev_hash"], "hash": ev["hash"],
                "body": body, "received_at": now,
            } for ev, body in gap_fill + ordered]
            audit_sql.events_insert(conn, rows)
            if ordered:
                state["last_seq"] = ordered[-1][0]["seq"]
                state["last_hash"] = ordered[-1][0]["hash"]
            state["event_count"] = int(state["event_count"]) + len(rows)
            if breaks and not state["broken"]:
                first = min(breaks)
                state["broken"], state["first_broken_seq"], state["problem"] = True, first[0], first[1]
                log.warning("audit chain of device %s is broken at %s: %s", device.id, first[0], first[1])
            state["updated_at"] = now
            audit_sql.chain_save(conn, state, exists=exists)
            return {"accepted": len(rows), "duplicates": duplicates, "chain": self._chain_view(state)}

        return self._write(tx)

    @staticmethod
    def _chain_view(state: dict[str, Any]) -> dict[str, Any]:
        return {"ok": not state["broken"], "last_seq": int(state["last_seq"]),
                "first_broken_seq": state["first_broken_seq"], "problem": state["problem"]}

    def audit_chain(self, device: Device) -> dict[str, Any]:
        state = self.db.read(lambda c: audit_sql.chain_get(c, device.id))
        if state is None:
            return {"ok": True, "last_seq": 0, "first_broken_seq": None, "problem": None}
        return self._chain_view(state)

    def verify_audit(self, device_id: str | None = None) -> list[dict[str, Any]]:
        """Re-verify the stored chains from their first event (``neo-hq audit verify``)."""

        def tx(conn: Connection) -> list[dict[str, Any]]:
            if device_id is not None:
                if admin_sql.device_get(conn, device_id) is None and audit_sql.chain_get(conn, device_id) is None:
                    raise AdminError(tr("Appareil inconnu : {id}", id=device_id))
                ids = [device_id]
            else:
                ids = sorted(set(audit_sql.event_devices(conn)) | {c["device_id"] for c in audit_sql.chain_list(conn)})
            out = []
            for did in ids:
                verdict = verify_chain(json.loads(b) for b in audit_sql.event_bodies(conn, did))
                state = audit_sql.chain_get(conn, did) or {}
                flagged = bool(state.get("broken"))
                ok = verdict.ok and not flagged
                first, problem = verdict.first_broken_seq, verdict.problem
                if verdict.ok and flagged:
                    first, problem = state.get("first_broken_seq"), state.get("problem")
                elif flagged and state.get("first_broken_seq") is not None and first is not None \
                        and state["first_broken_seq"] < first:
                    first, problem = state["first_broken_seq"], state.get("problem")
                out.append({"device_id": did, "ok": ok, "events": verdict.count if verdict.ok else int(
                    state.get("event_count") or verdict.count), "first_broken_seq": None if ok else first,
                    "problem": None if ok else problem, "flagged_on_receipt": flagged})
            return out

        return self.db.read(tx)

    # == attachments =====================================================================
    def attachment_status(self, device: Device, sha256: str) -> dict[str, Any]:
        def tx(conn: Connection) -> dict[str, Any]:
            att = att_sql.attachment_get(conn, sha256)
            if att is not None and att["complete"]:
                return {"sha256": sha256, "complete": True, "size": att["size"], "received": [], "received_bytes": 0}
            chunks = att_sql.chunks_of(conn, sha256, device.id)
            return {"sha256": sha256, "complete": False, "size": None, "received": sorted(chunks),
                    "received_bytes": sum(chunks.values())}

        return self.db.read(tx)

    def put_chunk(self, device: Device, sha256: str, idx: int, data: bytes) -> dict[str, Any]:
        if not data:
            raise Rejected(tr("Morceau de pièce jointe vide."), code="empty_chunk")
        if len(data) > self.config.max_chunk_bytes:
            raise TooLarge(tr("Morceau de pièce jointe trop gros."), code="chunk_too_large",
                           limit=self.config.max_chunk_bytes)
        with self._named_lock("att:" + sha256):
            status = self.attachment_status(device, sha256)
            if status["complete"]:
                return status
            if status["received_bytes"] + len(data) > protocol.MAX_ATTACHMENT_BYTES:
                raise TooLarge(tr("Pièce jointe trop volumineuse."), code="attachment_too_large",
                               limit=protocol.MAX_ATTACHMENT_BYTES)
            self.blobs.write_chunk(sha256, device.id, idx, data)
            now = utcnow()

            def tx(conn: Connection) -> None:
                att_sql.attachment_ensure(conn, sha256, unit_id=device.unit_id, device_id=device.id, now=now)
                att_sql.chunk_put(conn, sha256, device.id, idx, len(data), now)

            try:
                self._write(tx)
            except BaseException:
                self.blobs.drop_chunk(sha256, device.id, idx)
                raise
            return self.attachment_status(device, sha256)

    def complete_attachment(self, device: Device, sha256: str, req: protocol.AttachmentComplete) -> dict[str, Any]:
        with self._named_lock("att:" + sha256):
            att = self.db.read(lambda c: att_sql.attachment_get(c, sha256))
            if att is not None and att["complete"]:
                return self.attachment_status(device, sha256)
            chunks = self.db.read(lambda c: att_sql.chunks_of(c, sha256, device.id))
            missing = [i for i in range(req.chunk_count) if i not in chunks]
            if missing:
                raise Rejected(tr("Il manque des morceaux de la pièce jointe."), code="chunks_missing",
                               missing=missing[:1000])
            total = sum(chunks[i] for i in range(req.chunk_count))
            if total != req.size:
                raise Rejected(tr("La taille annoncée ne correspond pas aux morceaux reçus."), code="size_mismatch",
                               received_bytes=total)
            try:
                tmp = self.blobs.assemble(sha256, device.id, req.chunk_count)
            except FileNotFoundError:
                tmp = None
            if tmp is None:
                self.blobs.discard_partial(sha256, device.id)
                self._write(lambda c: att_sql.chunks_drop(c, sha256, device.id))
                raise Rejected(tr("L'empreinte SHA-256 du fichier ne correspond pas : les morceaux ont été effacés, renvoyez le fichier."),
                               code="hash_mismatch")
            self.blobs.publish(tmp, sha256)
            now = utcnow()

            def tx(conn: Connection) -> None:
                att_sql.attachment_ensure(conn, sha256, unit_id=device.unit_id, device_id=device.id, now=now)
                att_sql.attachment_mark_complete(conn, sha256, size=req.size, media_type=req.media_type, now=now)
                for validator in self.validators.values():
                    validator.attachment_completed(conn, sha256)

            self._write(tx)
            self.blobs.discard_partial(sha256)
            return self.attachment_status(device, sha256)

    def attachment_file(self, device: Device, sha256: str) -> tuple[Path, str | None]:
        att = self.db.read(lambda c: att_sql.attachment_get(c, sha256))
        if att is None or not att["complete"] or att["unit_id"] not in (None, device.unit_id):
            raise NotFound(tr("Pièce jointe introuvable."), code="attachment_unknown")
        path = self.blobs.object_path(sha256)
        if not path.is_file():
            raise NotFound(tr("Pièce jointe introuvable."), code="attachment_unknown")
        return path, att["media_type"]

    # == administration (neo-hq) ========================================================
    def add_unit(self, name: str) -> tuple[int, bool]:
        name = " ".join(name.split())
        if not name or len(name) > 120:
            raise AdminError(tr("Nom d'unité invalide."))
        now = utcnow()
        return self.db.write(lambda c: admin_sql.unit_ensure(c, name, now))

    def list_units(self) -> list[dict[str, Any]]:
        return [{"id": u["id"], "name": u["name"], "officers": u["officers"], "devices": u["devices"],
                 "created_at": _iso(u["created_at"])} for u in self.db.read(admin_sql.unit_list)]

    def add_officer(self, service_number: str, name: str, unit: str, pin: str, *, role: str = "officer",
                    create_unit: bool = True, exist_ok: bool = False, disabled: bool = False) -> bool:
        """Add an officer; returns False if ``exist_ok`` and they already exist (left unchanged)."""
        from neo.vault import VaultError, check_pin

        try:
            officer = Officer(service_number=service_number, name=name, unit=unit, role=role)
        except ValueError as exc:
            raise AdminError(tr("Agent invalide : {error}", error=_first_error(exc))) from None
        try:
            check_pin(pin)
        except VaultError as exc:
            raise AdminError(exc.message) from None
        now = utcnow()
        unit_name = " ".join(unit.split())
        if not unit_name:
            raise AdminError(tr("Nom d'unité invalide."))
        existing = self.db.read(lambda c: admin_sql.officer_get(c, officer.service_number))
        if existing is not None:
            if exist_ok:
                return False
            raise AdminError(tr("L'agent {sn} existe déjà.", sn=officer.service_number))
        pin_hash = self.hasher.hash(pin)

        def tx(conn: Connection) -> None:
            row = admin_sql.unit_by_name(conn, unit_name)
            if row is None:
                if not create_unit:
                    raise AdminError(tr("Unité inconnue : {unit}", unit=unit_name))
                unit_id, _ = admin_sql.unit_ensure(conn, unit_name, now)
            else:
                unit_id = int(row["id"])
            if admin_sql.officer_get(conn, officer.service_number) is not None:
                raise AdminError(tr("L'agent {sn} existe déjà.", sn=officer.service_number))
            admin_sql.officer_insert(conn, service_number=officer.service_number, name=officer.name, unit_id=unit_id,
                                     role=officer.role, pin_hash=pin_hash, disabled=disabled, now=now)

        self.db.write(tx)
        return True

    def list_officers(self, unit: str | None = None) -> list[dict[str, Any]]:
        def tx(conn: Connection) -> list[dict[str, Any]]:
            unit_id = None
            if unit:
                row = admin_sql.unit_by_name(conn, unit)
                if row is None:
                    raise AdminError(tr("Unité inconnue : {unit}", unit=unit))
                unit_id = int(row["id"])
            return admin_sql.officer_list(conn, unit_id)

        return [{"service_number": o["service_number"], "name": o["name"], "unit": o["unit"], "role": o["role"],
                 "disabled": bool(o["disabled"]), "failed_attempts": o["failed_attempts"],
                 "created_at": _iso(o["created_at"])} for o in self.db.read(tx)]

    def set_officer_disabled(self, service_number: str, disabled: bool) -> None:
        sn = normalize_service_number(service_number)
        now = utcnow()
        if not self.db.write(lambda c: admin_sql.officer_set_disabled(c, sn, disabled, now)):
            raise AdminError(tr("Agent inconnu : {sn}", sn=sn))
        self.lookup.forget_officers()

    def set_officer_pin(self, service_number: str, pin: str) -> None:
        from neo.vault import VaultError, check_pin

        sn = normalize_service_number(service_number)
        try:
            check_pin(pin)
        except VaultError as exc:
            raise AdminError(exc.message) from None
        if self.db.read(lambda c: admin_sql.officer_get(c, sn)) is None:
            raise AdminError(tr("Agent inconnu : {sn}", sn=sn))
        pin_hash = self.hasher.hash(pin)
        now = utcnow()
        self.db.write(lambda c: admin_sql.officer_set_pin_hash(c, sn, pin_hash, now))

    def list_devices(self) -> list[dict[str, Any]]:
        def tx(conn: Connection) -> list[dict[str, Any]]:
            chains = {c["device_id"]: c for c in audit_sql.chain_list(conn)}
            out = []
            for d in admin_sql.device_list(conn):
                chain = chains.get(d["id"])
                out.append({
                    "device_id": d["id"], "name": d["name"], "unit": d["unit"], "key_type": d["key_type"],
                    "enrolled_at": _iso(d["enrolled_at"]), "last_seen": _iso(d["last_seen"]),
                    "revoked": bool(d["revoked"]), "revoked_at": _iso(d["revoked_at"]),
                    "audit_events": int(chain["event_count"]) if chain else 0,
                    "audit_ok": (not chain["broken"]) if chain else True,
                })
            return out

        return self.db.read(tx)

    def revoke_device(self, device_id: str) -> bool:
        """Revoke; returns False if it was already revoked."""
        now = utcnow()

        def tx(conn: Connection) -> bool:
            if admin_sql.device_get(conn, device_id) is None:
                raise AdminError(tr("Appareil inconnu : {id}", id=device_id))
            return admin_sql.device_revoke(conn, device_id, now)

        try:
            return self.db.write(tx)
        finally:
            # Revocation takes effect at once in this process (see AUTH_CACHE_SECONDS).
            self._auth_cache.clear()

    def list_conflicts(self, *, open_only: bool = True) -> list[dict[str, Any]]:
        return [self._conflict_view(r) for r in self.db.read(lambda c: sync_sql.conflict_list(c, open_only=open_only))]

    def resolve_conflict(self, conflict_id: int, keep: str) -> dict[str, Any]:
        """Close a conflict from the console: ``keep="hq"`` keeps HQ's current record;
        ``keep="device"`` writes the device's version over it (stamped by HQ)."""
        if keep not in ("hq", "device"):
            raise AdminError(tr("Choix invalide : {keep} (hq ou device).", keep=keep))
        now = utcnow()

        def tx(conn: Connection) -> dict[str, Any]:
            c = sync_sql.conflict_get(conn, conflict_id)
            if c is None:
                raise AdminError(tr("Conflit inconnu : {id}", id=conflict_id))
            if c["resolved_at"] is not None:
                raise AdminError(tr("Ce conflit est déjà résolu."))
            if keep == "device":
                seq = sync_sql.lock_sequence(conn) + 1
                cur = sync_sql.record_get(conn, c["collection"], c["record_id"])
                row = {"server_seq": seq, "version": str(self.clock.now()), "origin_device": protocol.HQ_NODE,
                       "officer": c["officer"], "tombstone": bool(c["incoming_tombstone"]),
                       "payload": c["incoming_payload"], "mutation_id": None, "updated_at": now,
                       "k_collection": c["collection"], "k_record_id": c["record_id"]}
                if cur is None:
                    raise AdminError(tr("L'enregistrement n'existe plus."))
                sync_sql.mutations_insert(conn, _superseded_receipt(cur, now))
                sync_sql.records_update(conn, [row])
                sync_sql.set_sequence(conn, seq)
            sync_sql.conflicts_resolve(conn, [conflict_id], collection=c["collection"], record_id=c["record_id"],
                                       resolution=keep, resolved_by="hq-admin", now=now)
            return self._conflict_view(sync_sql.conflict_get(conn, conflict_id) or c)

        return self.db.write(tx)

    def stats(self) -> dict[str, Any]:
        def tx(conn: Connection) -> dict[str, Any]:
            return {"records": sync_sql.record_count(conn), "server_seq": sync_sql.current_sequence(conn)}

        return self.db.read(tx)


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
            return f"{'.'.join(str(p) for p in first.get('loc', ()))}: {first.get('msg')}"
        except Exception:
            pass
    return str(exc)

