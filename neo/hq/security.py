"""Secrets HQ hands out or checks: device tokens, enrolment secrets, officer PINs.

Tokens and enrolment secrets are long random strings, so HQ stores only their SHA-256
(a slow hash adds nothing to 256 random bits). Officer PINs are short: HQ keeps an
Argon2id verifier (argon2-cffi's encoded hash, parameters included, upgraded on the
next successful check when the configured cost rises).
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TOKEN_PREFIX = "neo_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_enrolment_secret() -> str:
    return secrets.token_urlsafe(16)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class PinHasher:
    def __init__(self, time_cost: int = 3, memory_kib: int = 64 * 1024, parallelism: int = 2) -> None:
        self._ph = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        self._dummy: str | None = None

    def hash(self, pin: str) -> str:
        return self._ph.hash(pin)

    def verify(self, pin_hash: str, pin: str) -> bool:
        try:
            return self._ph.verify(pin_hash, pin)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def burn(self, pin: str) -> None:
        """Spend the time of a real check (for unknown service numbers)."""
        if self._dummy is None:
            self._dummy = self._ph.hash(secrets.token_hex(8))
        self.verify(self._dummy, pin)

    def needs_rehash(self, pin_hash: str) -> bool:
        try:
            return self._ph.check_needs_rehash(pin_hash)
        except InvalidHashError:
            return True


class ShareKeyring:
    """Encrypts the devices' unlock shares at rest with a key kept in a file beside the
    database (``keys/unlock-shares.key``, mode 0600), so a copy of the database alone does
    not hold them. AES-256-GCM, the device id as associated data."""

    def __init__(self, key_file: Path) -> None:
        self.key_file = Path(key_file)
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def _load(self) -> bytes:
        with self._lock:
            if self._key is None:
                if not self.key_file.is_file():
                    self.key_file.parent.mkdir(parents=True, exist_ok=True)
                    tmp = self.key_file.with_suffix(".tmp")
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(os.urandom(32))
                    os.replace(tmp, self.key_file)
                key = self.key_file.read_bytes()
                if len(key) != 32:
                    raise ValueError(f"{self.key_file} is not a 32-byte key")
                self._key = key
            return self._key

    def seal(self, device_id: str, share: bytes) -> str:
        from neo import crypto

        return base64.b64encode(crypto.encrypt(self._load(), share, device_id.encode())).decode("ascii")

    def open(self, device_id: str, sealed: str) -> bytes:
        from neo import crypto

        return crypto.decrypt(self._load(), base64.b64decode(sealed), device_id.encode())
