"""``ctx.device``: the device's identity, and signatures with its identity key (API 1.3).

Every NEO device has an Ed25519 *identity key*, made at enrolment
(``Vault.prepare_enrolment``) and kept in the encrypted database; HQ registered its
public half when the device enrolled. A module with the ``device_signing`` permission
may have bytes signed with it (a sealed statement, say) so that HQ, or anyone holding
the public key, can check later that this device produced them. The private key never
leaves the core: a module gets signatures, not the key.

A device that was never enrolled (a local demo, a test) has no identity key yet: one
is made at the first use and stored in the encrypted database like an enrolled one
(HQ does not know it; signatures made with it are checked on the device only).
"""

from __future__ import annotations

import hashlib
import threading
from typing import TYPE_CHECKING

from neo import crypto
from neo.store import repos

if TYPE_CHECKING:
    from neo.store import Connection, Store

PRIVATE = "identity_private"
PUBLIC = "identity_public"
_lock = threading.Lock()


def _raw(value: bytes | str | None) -> bytes | None:
    if value is None:
        return None
    return value if isinstance(value, bytes) else bytes.fromhex(value)


def key_id(public_key: bytes) -> str:
    """A short stable name of a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def verify(public_key: bytes, signature: bytes, data: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``data`` by ``public_key``."""
    return crypto.verify_signature(public_key, signature, data)


class ModuleDevice:
    """This device as a module sees it: its id, its identity public key, and signing."""

    def __init__(self, store: Store, device_id: str) -> None:
        self._store = store
        self.id = device_id

    def _keys(self) -> tuple[bytes, bytes]:
        def read(conn: Connection) -> tuple[bytes | None, bytes | None]:
            return _raw(repos.device_get(conn, PRIVATE)), _raw(repos.device_get(conn, PUBLIC))

        private, public = self._store.read(read)
        if private is not None and public is not None:
            return private, public
        with _lock:
            private_new, public_new = crypto.generate_signing_keypair()

            def create(conn: Connection) -> tuple[bytes, bytes]:
                # Check again inside the write transaction: another thread may have made it.
                have_private = _raw(repos.device_get(conn, PRIVATE))
                have_public = _raw(repos.device_get(conn, PUBLIC))
                if have_private is not None and have_public is not None:
                    return have_private, have_public
                repos.device_set(conn, PRIVATE, private_new)
                repos.device_set(conn, PUBLIC, public_new)
                return private_new, public_new

            return self._store.write(create)

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key (made at first use on a device never enrolled)."""
        return self._keys()[1]

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``data`` with the device's identity key."""
        private, _ = self._keys()
        return crypto.sign(private, data)

    def verify(self, data: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this device's signature of ``data``."""
        return verify(self.public_key, signature, data)
