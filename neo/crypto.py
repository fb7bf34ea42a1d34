"""Small, reviewed cryptographic building blocks used by the vault and the audit trail.

Everything here relies on the ``cryptography`` and ``argon2-cffi`` packages; nothing
is home-made beyond the composition:

* :func:`derive_key` — Argon2id, parameters carried with the result so they can be
  raised later.
* :func:`seal` / :func:`unseal` — anonymous public-key encryption (X25519 + HKDF-SHA256
  + AES-256-GCM, the ECIES construction), used to hand a secret to a key pair whose
  private half is not available right now.
* :func:`encrypt` / :func:`decrypt` — AES-256-GCM with a random 96-bit nonce.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "Argon2Params",
    "DecryptionError",
    "b64d",
    "b64e",
    "decrypt",
    "derive_key",
    "encrypt",
    "generate_keypair",
    "generate_signing_keypair",
    "private_bytes",
    "public_bytes",
    "seal",
    "sign",
    "unseal",
    "verify_signature",
]

NONCE_LEN = 12
X25519_LEN = 32


class DecryptionError(Exception):
    """The ciphertext does not open with this key (wrong key or tampered data)."""


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost parameters. Stored beside every derived key so they can be raised."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 2

    def as_dict(self) -> dict[str, int]:
        return {"time_cost": self.time_cost, "memory_kib": self.memory_kib, "parallelism": self.parallelism}

    def weaker_than(self, other: Argon2Params) -> bool:
        return self.time_cost < other.time_cost or self.memory_kib < other.memory_kib


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def derive_key(secret: str | bytes, salt: bytes, params: Argon2Params, length: int = 32) -> bytes:
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    return hash_secret_raw(
        secret=secret,
        salt=salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_kib,
        parallelism=params.parallelism,
        hash_len=length,
        type=Type.ID,
    )


def encrypt(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    nonce = os.urandom(NONCE_LEN)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    if len(blob) < NONCE_LEN + 16:
        raise DecryptionError("ciphertext too short")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_LEN], blob[NONCE_LEN:], aad)
    except InvalidTag as exc:
        raise DecryptionError("authentication failed") from exc


def generate_keypair() -> tuple[bytes, bytes]:
    """A new X25519 key pair as (private, public) raw bytes."""
    private = X25519PrivateKey.generate()
    return private_bytes(private), public_bytes(private.public_key())


def private_bytes(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def public_bytes(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _seal_key(shared: bytes, eph_pub: bytes, recipient_pub: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=eph_pub + recipient_pub, info=b"neo-seal-v1"
    ).derive(shared)


def seal(recipient_public: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """Encrypt for the holder of the private key matching ``recipient_public``."""
    eph = X25519PrivateKey.generate()
    eph_pub = public_bytes(eph.public_key())
    shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient_public))
    return eph_pub + encrypt(_seal_key(shared, eph_pub, recipient_public), plaintext, aad)


def unseal(recipient_private: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    if len(blob) < X25519_LEN + NONCE_LEN + 16:
        raise DecryptionError("sealed box too short")
    private = X25519PrivateKey.from_private_bytes(recipient_private)
    eph_pub = blob[:X25519_LEN]
    recipient_pub = public_bytes(private.public_key())
    shared = private.exchange(X25519PublicKey.from_public_bytes(eph_pub))
    return decrypt(_seal_key(shared, eph_pub, recipient_pub), blob[X25519_LEN:], aad)


def generate_signing_keypair() -> tuple[bytes, bytes]:
    """A new Ed25519 key pair as (private, public) raw bytes: the device's identity key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return raw_private, raw_public


def sign(private: bytes, message: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(private).sign(message)


def verify_signature(public: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
