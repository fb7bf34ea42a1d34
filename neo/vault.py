"""The vault: key slots that open the device database, and what happens on a wrong PIN.

Layout of a device data directory::

    vault.json          key slots and the failed-unlock counters (no names, no numbers)
    neo.db (+ -wal)     the SQLCipher database, encrypted with the master key
    audit-pending.jsonl events that happened while locked, sealed to the device audit key
    settings.json       non-secret preferences (language, theme, timeouts)

Key slots work as in LUKS. A random 256-bit *master key* encrypts the database. Each
officer on the device has a slot, found by a keyed hash of their service number
(Argon2id with a per-device salt, then HMAC), so the file holds no roster. A slot holds
an X25519 key pair: the private half is wrapped (AES-256-GCM) with a key derived from
the officer's PIN (Argon2id, parameters recorded in the slot); the master key is
*sealed* to the public half. So:

* unlocking = derive the PIN key, unwrap the slot's private key, unseal the master key;
* adding or removing an officer never re-encrypts the database;
* ``rekey`` rotates the master key and re-seals it to every slot's public key, without
  anyone's PIN; the switch is crash-safe (the next key is written before
  ``PRAGMA rekey`` and kept until the vault records the change);
* raising the Argon2id parameters upgrades each slot at its officer's next unlock.

Failed unlocks are counted per slot (and, for unknown service numbers, per device):
after ``delay_after`` failures each new attempt waits a doubling delay; at
``wipe_after`` the device wipes itself: the vault is overwritten and deleted (which
alone makes the database unreadable), then the database files are removed. Each
failure and the wipe are audited first: while locked, events are sealed to the device
audit key and join the hash chain at the next unlock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from neo import crypto
from neo.audit import AuditLog, now_iso
from neo.config import Settings
from neo.i18n import tr
from neo.models import Officer, Position, normalize_service_number
from neo.store import Store, WrongKey, migrate, repos
from neo.store.schema import CORE_MIGRATIONS

log = logging.getLogger(__name__)

VAULT_FILE = "vault.json"
DB_FILE = "neo.db"
PENDING_AUDIT_FILE = "audit-pending.jsonl"
WIPE_NOTICE_FILE = "wipe-notice.json"
VAULT_FORMAT = 1
MIN_PIN_LEN = 6
MAX_PIN_LEN = 64

Clock = Callable[[], float]


# -- errors ------------------------------------------------------------------------------


class VaultError(Exception):
    """Base of every vault error; ``message`` is for the officer (translated)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotProvisioned(VaultError):
    def __init__(self) -> None:
        super().__init__(tr("Aucun agent n'est enregistré sur cet appareil. Enrôlez l'appareil d'abord."))


class WrongCredentials(VaultError):
    """Unknown service number or wrong PIN: deliberately indistinguishable."""

    def __init__(self, attempts_left: int, retry_after: float = 0.0) -> None:
        msg = tr("Matricule ou code PIN incorrect.")
        if attempts_left <= 3:
            msg += " " + tr("Attention : encore {n} essai(s) avant l'effacement de l'appareil.", n=attempts_left)
        if retry_after > 0:
            msg += " " + tr("Prochain essai possible dans {s} s.", s=int(retry_after + 0.999))
        super().__init__(msg)
        self.attempts_left = attempts_left
        self.retry_after = retry_after


class LockedOut(VaultError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(
            tr("Trop d'essais incorrects. Réessayez dans {s} s.", s=int(retry_after + 0.999))
        )
        self.retry_after = retry_after


class DeviceWiped(VaultError):
    def __init__(self) -> None:
        super().__init__(
            tr("Trop d'essais incorrects : les données de l'appareil ont été effacées. Contactez votre unité pour le réenrôler.")
        )


class RevokedByHq(VaultError):
    """HQ says this device is revoked: the vault audits it and wipes the device."""

    def __init__(self) -> None:
        super().__init__(tr("Cet appareil a été révoqué par le QG : ses données ont été effacées. Rendez-le à votre unité."))


class InvalidPin(VaultError):
    pass


class OfficerExists(VaultError):
    pass


class UnknownOfficer(VaultError):
    pass


class PermissionDenied(VaultError):
    pass


def check_pin(pin: str) -> str:
    if not isinstance(pin, str) or not (MIN_PIN_LEN <= len(pin) <= MAX_PIN_LEN):
        raise InvalidPin(tr("Le code PIN doit compter de {a} à {b} caractères.", a=MIN_PIN_LEN, b=MAX_PIN_LEN))
    if not pin.isprintable():
        raise InvalidPin(tr("Le code PIN contient un caractère non autorisé."))
    if len(set(pin)) == 1 or pin in "01234567890" or pin in "98765432109":
        raise InvalidPin(tr("Ce code PIN est trop simple (chiffres tous identiques ou qui se suivent)."))
    return pin


# -- file helpers ---------------------------------------------------------------------------


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def _shred(path: Path) -> None:
    if not path.exists():
        return
    try:
        size = path.stat().st_size
        with open(path, "r+b") as fh:
            fh.write(secrets.token_bytes(max(size, 1)))
            fh.flush()
            os.fsync(fh.fileno())
    except OSError:
        log.warning("could not overwrite %s before deleting it", path)
    path.unlink(missing_ok=True)


# -- enrolment ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedEnrolment:
    """Keys of a device being enrolled, before anything is written to disk."""

    device_id: str
    identity_private: bytes = field(repr=False)
    identity_public: bytes
    unlock_share: bytes = field(repr=False)  # sent to HQ once, never stored on the device
    unlock_share_public: bytes
    master: bytes = field(repr=False)


@dataclass(frozen=True)
class VerifiedOfficer:
    """HQ's answer to an officer's first unlock: who they are, and the unlock share."""

    officer: dict[str, Any]
    unlock_share: bytes = field(repr=False)


class HqVerifier(Protocol):
    """Checks a service number and PIN with HQ online. Returns None when HQ says the
    credentials are wrong; raises :class:`VaultError` (with a message for the officer)
    when HQ cannot be reached or refuses for another reason."""

    def __call__(self, service_number: str, pin: str) -> VerifiedOfficer | None: ...


# -- session -----------------------------------------------------------------------------------


@dataclass
class Session:
    """An unlocked device: the open store, the officer, and the audit trail."""

    vault: Vault
    store: Store
    officer: Officer
    device_id: str
    audit: AuditLog
    _master_key: bytearray = field(repr=False)
    unlocked_at: float = field(default_factory=time.time)
    _replica: Any = field(default=None, repr=False)  # the sync replica, made on first use

    @property
    def locked(self) -> bool:
        return self.store.closed

    def lock(self) -> None:
        if self.store.closed:
            return
        try:
            self.audit.append("device.lock", officer=self.officer.service_number)
        except Exception:
            log.warning("could not audit the lock", exc_info=True)
        self.store.close()
        for i in range(len(self._master_key)):
            self._master_key[i] = 0

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock()

    def master_key(self) -> bytes:
        if self.store.closed:
            raise VaultError(tr("L'appareil est verrouillé."))
        return bytes(self._master_key)


# -- the vault ------------------------------------------------------------------------------------


class Vault:
    def __init__(self, data_dir: Path | str, settings: Settings | None = None, clock: Clock = time.time) -> None:
        self.data_dir = Path(data_dir)
        self.settings = settings or Settings.load(self.data_dir)
        self.clock = clock
        self._lock = threading.RLock()

    # paths
    @property
    def vault_path(self) -> Path:
        return self.data_dir / VAULT_FILE

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILE

    @property
    def pending_audit_path(self) -> Path:
        return self.data_dir / PENDING_AUDIT_FILE

    def exists(self) -> bool:
        return self.vault_path.is_file()

    def was_wiped(self) -> dict[str, Any] | None:
        path = self.data_dir / WIPE_NOTICE_FILE
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return {"wiped": True}

    # header io
    def _read(self) -> dict[str, Any]:
        if not self.vault_path.is_file():
            raise NotProvisioned()
        try:
            header = json.loads(self.vault_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise VaultError(tr("Le coffre de l'appareil est illisible ; contactez votre unité.")) from exc
        if header.get("format") != VAULT_FORMAT:
            raise VaultError(tr("Format de coffre inconnu ; mettez l'application à jour."))
        return header

    def _write(self, header: dict[str, Any]) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.vault_path, json.dumps(header, indent=1, sort_keys=True).encode("utf-8"))

    # slot lookup
    def _slot_id(self, header: dict[str, Any], service_number: str) -> str:
        lk = header["lookup"]
        params = crypto.Argon2Params(**lk["params"])
        stretched = crypto.derive_key(normalize_service_number(service_number), crypto.b64d(lk["salt"]), params, 32)
        return hmac.new(crypto.b64d(lk["key"]), stretched, hashlib.sha256).hexdigest()[:32]

    def _new_slot(self, slot_id: str, pin: str, master_key: bytes) -> dict[str, Any]:
        params = crypto.Argon2Params(**self.settings.kdf.model_dump())
        salt = os.urandom(16)
        kek = crypto.derive_key(pin, salt, params)
        priv, pub = crypto.generate_keypair()
        return {
            "id": slot_id,
            "kdf": {"alg": "argon2id", "salt": crypto.b64e(salt), **params.as_dict()},
            "public": crypto.b64e(pub),
            "private": crypto.b64e(crypto.encrypt(kek, priv, slot_id.encode())),
            "master": crypto.b64e(crypto.seal(pub, master_key, b"master:" + slot_id.encode())),
            "failures": 0,
            "locked_until": 0.0,
            "created": int(self.clock()),
        }

    def _new_header(self, audit_pub: bytes) -> dict[str, Any]:
        return {
            "format": VAULT_FORMAT,
            "lookup": {
                "salt": crypto.b64e(os.urandom(16)),
                "key": crypto.b64e(os.urandom(32)),
                "params": crypto.Argon2Params(**self.settings.lookup_kdf.model_dump()).as_dict(),
            },
            "audit_public": crypto.b64e(audit_pub),
            "unknown": {},
            "slots": [],
        }

    def _clear_leftovers(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for leftover in (self.db_path, Path(str(self.db_path) + "-wal"), Path(str(self.db_path) + "-shm")):
            leftover.unlink(missing_ok=True)
        (self.data_dir / WIPE_NOTICE_FILE).unlink(missing_ok=True)
        self.pending_audit_path.unlink(missing_ok=True)  # sealed to a key that no longer exists

    # -- enrolment with HQ -----------------------------------------------------------
    def prepare_enrolment(self, device_id: str | None = None) -> PreparedEnrolment:
        """Make the keys of a new enrolled device; nothing is written until
        :meth:`complete_enrolment` (so a failed enrolment leaves no trace)."""
        if self.exists():
            raise VaultError(tr("Cet appareil est déjà initialisé."))
        identity_private, identity_public = crypto.generate_signing_keypair()
        share_private, share_public = crypto.generate_keypair()
        return PreparedEnrolment(
            device_id=device_id or str(uuid.uuid4()),
            identity_private=identity_private,
            identity_public=identity_public,
            unlock_share=share_private,
            unlock_share_public=share_public,
            master=os.urandom(32),
        )

    def complete_enrolment(self, prep: PreparedEnrolment, *, hq_url: str, ca_pem: str | None,
                           unlock_token: str, unit: str, roster: list[dict[str, Any]],
                           on_store: Callable[[Store], None] | None = None) -> None:
        """Create the enrolled device: database, roster, HQ link (``on_store``), and the
        HQ-held unlock share: the master key sealed to a key pair whose private half only
        HQ keeps, released to this device when HQ has verified an officer's PIN online."""
        with self._lock:
            if self.exists():
                raise VaultError(tr("Cet appareil est déjà initialisé."))
            self._clear_leftovers()
            audit_priv, audit_pub = crypto.generate_keypair()
            header = self._new_header(audit_pub)
            header["hq_unlock"] = {
                "url": hq_url,
                "ca_pem": ca_pem,
                "token": unlock_token,
                "public": crypto.b64e(prep.unlock_share_public),
                "master": crypto.b64e(crypto.seal(prep.unlock_share_public, prep.master, b"master:hq")),
            }
            store = Store(self.db_path, prep.master)
            try:
                migrate(store, "core", CORE_MIGRATIONS)

                def _init(conn: Any) -> None:
                    repos.device_set(conn, "device_id", prep.device_id)
                    repos.device_set(conn, "audit_private", audit_priv)
                    repos.device_set(conn, "identity_private", prep.identity_private)
                    repos.device_set(conn, "identity_public", prep.identity_public)
                    repos.device_set(conn, "unit", unit)
                    self._roster_rows(conn, header, roster)

                store.write(_init)
                AuditLog(store, prep.device_id).append(
                    "device.enrolled", details={"hq": hq_url, "unit": unit, "roster": len(roster)}
                )
                if on_store is not None:
                    on_store(store)
                store.close()
                self._write(header)
            except BaseException:
                store.close()
                for leftover in (self.db_path, Path(str(self.db_path) + "-wal"), Path(str(self.db_path) + "-shm")):
                    leftover.unlink(missing_ok=True)
                raise

    def hq_unlock_info(self) -> dict[str, Any] | None:
        """Where to verify an officer's first unlock (URL, CA, a verify-only token), if enrolled."""
        try:
            header = self._read()
        except VaultError:
            return None
        info = header.get("hq_unlock")
        return {k: info[k] for k in ("url", "ca_pem", "token")} if info else None

    def _roster_rows(self, conn: Any, header: dict[str, Any], roster: list[dict[str, Any]]) -> list[str]:
        """Insert or update the roster's officers; returns the service numbers now disabled."""
        disabled: list[str] = []
        for entry in roster:
            officer = Officer(**{k: entry[k] for k in ("service_number", "name", "unit", "role", "disabled")
                                 if k in entry})
            slot_id = self._slot_id(header, officer.service_number)
            existing = repos.officer_get(conn, officer.service_number)
            if existing is None:
                repos.officer_insert(conn, {**officer.model_dump(), "slot_id": slot_id, "created_at": now_iso()})
            else:
                repos.officer_update(conn, officer.model_dump())
            if officer.disabled:
                disabled.append(officer.service_number)
        return disabled

    def apply_roster(self, session: Session, roster: list[dict[str, Any]]) -> dict[str, list[str]]:
        """HQ's roster of the unit: update officers, and remove the key slots of officers
        HQ disabled or no longer lists (they lose access at once, even offline later)."""
        with self._lock:
            header = self._read()
            listed = {normalize_service_number(e["service_number"]) for e in roster}

            def _apply(conn: Any) -> tuple[list[str], list[str]]:
                disabled = self._roster_rows(conn, header, roster)
                removed = []
                for row in repos.officer_list(conn):
                    if row["service_number"] not in listed and not row["disabled"]:
                        repos.officer_set_disabled(conn, row["service_number"], True)
                        removed.append(row["service_number"])
                gone = set(disabled) | set(removed)
                for sn in sorted(gone):
                    session.audit.append_in(conn, action="officer.access_revoked",
                                            officer=session.officer.service_number,
                                            details={"service_number": sn, "by": "hq"})
                return disabled, removed

            before = {s["id"] for s in header["slots"]}
            disabled, removed = session.store.write(_apply)
            drop = {self._slot_id(header, sn) for sn in (*disabled, *removed)}
            header["slots"] = [s for s in header["slots"] if s["id"] not in drop]
            if {s["id"] for s in header["slots"]} != before:
                self._write(header)
            return {"disabled": disabled, "removed": removed}

    # ---------------------------------------------------------------------------------
    def initialize(self, officer: Officer, pin: str, *, device_id: str | None = None) -> Session:
        """First provisioning of a blank device: creates the master key, the DB and the first slot."""
        check_pin(pin)
        with self._lock:
            if self.exists():
                raise VaultError(tr("Cet appareil est déjà initialisé."))
            self._clear_leftovers()
            master = os.urandom(32)
            audit_priv, audit_pub = crypto.generate_keypair()
            header = self._new_header(audit_pub)
            slot_id = self._slot_id(header, officer.service_number)
            header["slots"].append(self._new_slot(slot_id, pin, master))
            device_id = device_id or str(uuid.uuid4())
            store = Store(self.db_path, master)
            try:
                migrate(store, "core", CORE_MIGRATIONS)

                def _init(conn: Any) -> None:
                    repos.device_set(conn, "device_id", device_id)
                    repos.device_set(conn, "audit_private", audit_priv)
                    repos.officer_insert(
                        conn, {**officer.model_dump(), "slot_id": slot_id, "created_at": now_iso()}
                    )

                store.write(_init)
                audit = AuditLog(store, device_id)
                audit.append("device.initialized", officer=officer.service_number)
                audit.append("officer.added", officer=officer.service_number,
                             details={"service_number": officer.service_number})
                self._write(header)
            except BaseException:
                store.close()
                raise
            session = Session(self, store, officer, device_id, audit, bytearray(master))
            audit.append("device.unlock", officer=officer.service_number)
            return session

    # ---------------------------------------------------------------------------------
    def unlock(self, service_number: str, pin: str, *, position: Position | None = None,
               verifier: HqVerifier | None = None) -> Session:
        """Open the device for an officer.

        An officer of the unit without a slot yet (their first unlock on this device) is
        verified by HQ online through ``verifier``; HQ then releases the unlock share, and
        a slot is made for them so later unlocks work offline.
        """
        with self._lock:
            if self.was_wiped() and not self.exists():
                raise DeviceWiped()
            header = self._read()
            now = self.clock()
            slot_id = self._slot_id(header, service_number)
            slot = next((s for s in header["slots"] if s["id"] == slot_id), None)
            counter = slot if slot is not None else self._unknown_counter(header, slot_id)
            if counter.get("locked_until", 0) > now:
                raise LockedOut(counter["locked_until"] - now)
            # Count the attempt before checking the PIN: if recording the failure later
            # fails (full disk, process killed), the attempt has still been counted.
            counter["failures"] = int(counter.get("failures", 0)) + 1
            self._write(header)

            master: bytes | None = None
            private: bytes | None = None
            kek_params = None
            if slot is not None:
                kdf = slot["kdf"]
                kek_params = crypto.Argon2Params(kdf["time_cost"], kdf["memory_kib"], kdf["parallelism"])
                kek = crypto.derive_key(pin, crypto.b64d(kdf["salt"]), kek_params)
                try:
                    private = crypto.decrypt(kek, crypto.b64d(slot["private"]), slot_id.encode())
                    master = crypto.unseal(private, crypto.b64d(slot["master"]), b"master:" + slot_id.encode())
                except crypto.DecryptionError:
                    master = None
            elif verifier is not None and header.get("hq_unlock"):
                try:
                    verified = verifier(normalize_service_number(service_number), pin)
                except RevokedByHq:
                    self._seal_pending(header, "device.revoked", {"by": "hq", "at": "first_unlock"}, position)
                    self._write(header)
                    self.wipe(reason="revoked")
                    raise
                except VaultError:
                    counter["failures"] -= 1  # HQ could not answer: not a wrong PIN
                    self._write(header)
                    raise
                if verified is not None:
                    try:
                        master = crypto.unseal(verified.unlock_share, crypto.b64d(header["hq_unlock"]["master"]),
                                               b"master:hq")
                    except crypto.DecryptionError:
                        raise VaultError(tr("Le QG a renvoyé une clé qui n'ouvre pas cet appareil ; contactez votre unité.")) from None
                    return self._first_unlock(header, counter, slot_id, pin, master, verified, position)
            else:
                # Same work as a real slot, so timing does not tell enrolled numbers apart.
                crypto.derive_key(pin, b"\0" * 16, crypto.Argon2Params(**self.settings.kdf.model_dump()))

            if master is None:
                return self._failed(header, counter, slot_id if slot else None, position)
            # The PIN is right: the attempt is not a failure, whatever happens next.
            after_failures = int(counter["failures"]) - 1
            counter["failures"] = 0
            counter["locked_until"] = 0.0
            self._write(header)

            store, master = self._open_store(header, slot, private, master)
            try:
                migrate(store, "core", CORE_MIGRATIONS)
                device_id = store.read(lambda c: repos.device_get(c, "device_id"))
                row = store.read(lambda c: repos.officer_by_slot(c, slot_id))
                if row is None or device_id is None:
                    raise VaultError(tr("Ce compte n'existe plus sur l'appareil."))
                officer = Officer(**{k: row[k] for k in ("service_number", "name", "unit", "role", "disabled")})
                audit = AuditLog(store, str(device_id))
                self._ingest_pending(store, audit)
                if officer.disabled:
                    audit.append("unlock.refused", officer=officer.service_number, details={"why": "disabled"})
                    raise PermissionDenied(tr("Ce compte est désactivé. Contactez votre unité."))
                audit.append("device.unlock", officer=officer.service_number, position=position,
                             details={"after_failures": after_failures})
            except BaseException:
                store.close()
                raise
            # Success: reset the counter, upgrade the slot's KDF if policy rose.
            slot["failures"] = 0
            slot["locked_until"] = 0.0
            wanted = crypto.Argon2Params(**self.settings.kdf.model_dump())
            if kek_params is not None and kek_params.weaker_than(wanted) and private is not None:
                fresh = self._new_slot(slot_id, pin, master)
                slot.update(fresh)
            self._write(header)
            return Session(self, store, officer, str(device_id), audit, bytearray(master))

    def _first_unlock(self, header: dict[str, Any], counter: dict[str, Any], slot_id: str, pin: str,
                      master: bytes, verified: VerifiedOfficer, position: Position | None) -> Session:
        check_pin(pin)
        officer = Officer(**{k: v for k, v in verified.officer.items()
                             if k in ("service_number", "name", "unit", "role", "disabled")})
        if officer.disabled:
            raise PermissionDenied(tr("Ce compte est désactivé. Contactez votre unité."))
        counter["failures"] = 0
        counter["locked_until"] = 0.0
        header.get("unknown", {}).pop(slot_id, None)
        store = Store(self.db_path, master)
        try:
            migrate(store, "core", CORE_MIGRATIONS)
            device_id = str(store.read(lambda c: repos.device_get(c, "device_id")))
            audit = AuditLog(store, device_id)
            self._ingest_pending(store, audit)

            def _add(conn: Any) -> None:
                self._roster_rows(conn, header, [officer.model_dump()])
                audit.append_in(conn, action="officer.first_unlock", officer=officer.service_number,
                                details={"verified_by": "hq"}, position=position)
                audit.append_in(conn, action="device.unlock", officer=officer.service_number, position=position)

            store.write(_add)
        except BaseException:
            store.close()
            raise
        header["slots"].append(self._new_slot(slot_id, pin, master))
        self._write(header)
        return Session(self, store, officer, device_id, audit, bytearray(master))

    @staticmethod
    def _unknown_counter(header: dict[str, Any], slot_id: str) -> dict[str, Any]:
        """Counters for numbers without a slot, keyed like slots: an unknown number then
        behaves exactly like an enrolled one with a wrong PIN (no shared lockout)."""
        unknown = header.setdefault("unknown", {})
        if "failures" in unknown:  # the older single shared counter
            unknown.clear()
        counter = unknown.setdefault(slot_id, {"failures": 0, "locked_until": 0.0})
        if len(unknown) > 256:  # bounded: forget the least recently locked
            for old_id in sorted(unknown, key=lambda k: unknown[k]["locked_until"])[: len(unknown) - 256]:
                if old_id != slot_id:
                    del unknown[old_id]
        return counter

    def _open_store(self, header: dict[str, Any], slot: dict[str, Any], private: bytes,
                    master: bytes) -> tuple[Store, bytes]:
        try:
            return Store(self.db_path, master), master
        except WrongKey:
            pending = slot.get("master_next")
            if not pending:
                raise VaultError(tr("La base de l'appareil ne s'ouvre pas avec cette clé ; contactez votre unité.")) from None
            # A rekey was interrupted after PRAGMA rekey: finish it now.
            nxt = crypto.unseal(private, crypto.b64d(pending), b"master:" + slot["id"].encode())
            store = Store(self.db_path, nxt)
            for s in [*header["slots"], *([header["hq_unlock"]] if header.get("hq_unlock") else [])]:
                if "master_next" in s:
                    s["master"] = s.pop("master_next")
            self._write(header)
            return store, nxt

    def _failed(self, header: dict[str, Any], counter: dict[str, Any], slot_id: str | None,
                position: Position | None) -> Session:
        policy = self.settings.unlock
        now = self.clock()
        failures = int(counter["failures"])  # already counted before the PIN check
        attempts_left = policy.wipe_after - failures
        retry_after = 0.0
        if failures >= policy.delay_after:
            retry_after = min(policy.max_delay_seconds,
                              policy.base_delay_seconds * 2 ** (failures - policy.delay_after))
            counter["locked_until"] = now + retry_after
        details: dict[str, Any] = {"failures": failures, "known_slot": slot_id is not None}
        if slot_id:
            details["slot"] = slot_id
        self._seal_pending(header, "unlock.failed", details, position)
        if attempts_left <= 0:
            self._seal_pending(header, "device.wiped", {"reason": "too many failed unlocks",
                                                      "failures": failures}, position)
            self._write(header)
            self.wipe(reason="failed_unlocks")
            raise DeviceWiped()
        self._write(header)
        raise WrongCredentials(attempts_left, retry_after)

    # -- events while locked -------------------------------------------------------
    def _seal_pending(self, header: dict[str, Any], action: str, details: dict[str, Any],
                      position: Position | None) -> None:
        event = {
            "id": str(uuid.uuid4()),
            "ts": now_iso(),
            "action": action,
            "details": details,
            "lat": position.lat if position else None,
            "lon": position.lon if position else None,
            "accuracy": position.accuracy if position else None,
        }
        blob = crypto.seal(crypto.b64d(header["audit_public"]), json.dumps(event).encode("utf-8"), b"audit")
        with open(self.pending_audit_path, "a", encoding="ascii") as fh:
            fh.write(crypto.b64e(blob) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def _ingest_pending(self, store: Store, audit: AuditLog) -> int:
        path = self.pending_audit_path
        if not path.is_file():
            return 0
        priv = store.read(lambda c: repos.device_get(c, "audit_private"))
        lines = [ln for ln in path.read_text(encoding="ascii").splitlines() if ln.strip()]
        events = []
        for ln in lines:
            try:
                events.append(json.loads(crypto.unseal(priv, crypto.b64d(ln), b"audit")))
            except (crypto.DecryptionError, ValueError):
                events.append({"id": str(uuid.uuid4()), "ts": now_iso(), "action": "audit.pending_unreadable",
                               "details": {}, "lat": None, "lon": None, "accuracy": None})

        def _apply(conn: Any) -> None:
            for ev in events:
                if repos.audit_exists(conn, ev["id"]):
                    continue
                pos = Position(lat=ev["lat"], lon=ev["lon"], accuracy=ev["accuracy"]) if ev.get("lat") is not None else None
                details = dict(ev.get("details") or {})
                slot = details.pop("slot", None)
                if slot:
                    target = repos.officer_by_slot(conn, slot)
                    details["target_officer"] = target["service_number"] if target else None
                audit.append_in(conn, action=ev["action"], details=details, position=pos,
                                ts=ev["ts"], event_id=ev["id"])

        store.write(_apply)
        path.unlink()
        return len(events)

    # -- management (needs an unlocked session) -------------------------------------
    def add_officer(self, session: Session, officer: Officer, pin: str) -> None:
        check_pin(pin)
        if session.officer.role not in ("supervisor", "admin"):
            raise PermissionDenied(tr("Seul un gradé (superviseur ou administrateur) peut ajouter un agent."))
        with self._lock:
            header = self._read()
            slot_id = self._slot_id(header, officer.service_number)
            if any(s["id"] == slot_id for s in header["slots"]):
                raise OfficerExists(tr("Cet agent est déjà enregistré sur l'appareil."))
            slot = self._new_slot(slot_id, pin, session.master_key())

            def _add(conn: Any) -> None:
                if repos.officer_get(conn, officer.service_number):
                    raise OfficerExists(tr("Cet agent est déjà enregistré sur l'appareil."))
                repos.officer_insert(conn, {**officer.model_dump(), "slot_id": slot_id, "created_at": now_iso()})
                session.audit.append_in(conn, action="officer.added", officer=session.officer.service_number,
                                        details={"service_number": officer.service_number})

            session.store.write(_add)
            header["slots"].append(slot)
            self._write(header)

    def remove_officer(self, session: Session, service_number: str) -> None:
        sn = normalize_service_number(service_number)
        with self._lock:
            header = self._read()

            def _rm(conn: Any) -> str:
                row = repos.officer_get(conn, sn)
                if row is None:
                    raise UnknownOfficer(tr("Agent inconnu sur cet appareil."))
                if len(repos.officer_list(conn)) <= 1:
                    raise PermissionDenied(tr("Impossible de retirer le dernier agent : plus personne ne pourrait ouvrir l'appareil."))
                repos.officer_delete(conn, sn)
                session.audit.append_in(conn, action="officer.removed", officer=session.officer.service_number,
                                        details={"service_number": sn})
                return str(row["slot_id"])

            slot_id = session.store.write(_rm)
            header["slots"] = [s for s in header["slots"] if s["id"] != slot_id]
            self._write(header)

    def change_pin(self, session: Session, new_pin: str) -> None:
        check_pin(new_pin)
        with self._lock:
            header = self._read()
            slot_id = self._slot_id(header, session.officer.service_number)
            header["slots"] = [
                self._new_slot(slot_id, new_pin, session.master_key()) if s["id"] == slot_id else s
                for s in header["slots"]
            ]
            self._write(header)
            session.audit.append("officer.pin_changed", officer=session.officer.service_number)

    def rekey(self, session: Session, *, _fail_after_pragma: bool = False) -> None:
        """Rotate the master key: re-encrypt the DB and re-seal the key to every slot."""
        with self._lock:
            header = self._read()
            new_master = os.urandom(32)
            for s in header["slots"]:
                s["master_next"] = crypto.b64e(
                    crypto.seal(crypto.b64d(s["public"]), new_master, b"master:" + s["id"].encode())
                )
            hq = header.get("hq_unlock")
            if hq:
                hq["master_next"] = crypto.b64e(crypto.seal(crypto.b64d(hq["public"]), new_master, b"master:hq"))
            self._write(header)  # 1. the next key is durable before the DB changes
            session.store.rekey(new_master)  # 2. the DB is re-encrypted
            if _fail_after_pragma:
                raise RuntimeError("simulated crash after PRAGMA rekey")
            for s in [*header["slots"], *([hq] if hq else [])]:  # 3. the vault records the switch
                s["master"] = s.pop("master_next")
            self._write(header)
            session._master_key[:] = new_master
            session.audit.append("device.rekey", officer=session.officer.service_number)

    # -- wipe ------------------------------------------------------------------------
    def wipe(self, *, reason: str) -> None:
        """Destroy the device data. The vault goes first: without it the DB is noise."""
        with self._lock:
            notice = {"wiped": True, "at": datetime.now(UTC).isoformat(), "reason": reason}
            _shred(self.vault_path)
            for suffix in ("", "-wal", "-shm", "-journal"):
                _shred(Path(str(self.db_path) + suffix))
            for extra in self.data_dir.glob("*.tmp"):
                extra.unlink(missing_ok=True)
            attachments = self.data_dir / "attachments"
            if attachments.is_dir():
                shutil.rmtree(attachments, ignore_errors=True)
            _atomic_write(self.data_dir / WIPE_NOTICE_FILE, json.dumps(notice).encode("utf-8"))
            log.warning("device data wiped (%s)", reason)


def validate_officer(**fields: Any) -> Officer:
    """Build an :class:`Officer`, turning validation errors into one clear French message."""
    try:
        return Officer(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise VaultError(tr("Donnée invalide ({field}) : {msg}", field=where, msg=first["msg"])) from exc
