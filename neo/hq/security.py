"""Secrets HQ hands out or checks: device tokens, enrolment secrets, officer PINs.

Tokens and enrolment secrets are long random strings, so HQ stores only their SHA-256
(a slow hash adds nothing to 256 random bits). Officer PINs are short: HQ keeps an
Argon2id verifier (argon2-cffi's encoded hash, parameters included, upgraded on the
next successful check when the configured cost rises).
"""

from __future__ import annotations

import hashlib
import secrets

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
