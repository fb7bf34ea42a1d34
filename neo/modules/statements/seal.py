"""Sealing a statement: canonical serialisation, SHA-256, Ed25519 signature; verification.

Pure Python (the standard library and ``cryptography``), importing nothing from NEO, so
HQ verifies with the very code that sealed.

Canonical form ``neo-c14n-1`` of a statement payload:

* the payload without its ``seal`` member;
* JSON, UTF-8, keys sorted (by code point), no insignificant whitespace
  (``separators=(",", ":")``), non-ASCII characters written as themselves;
* every string (keys too) NFC-normalised;
* integers as integers; a float with an integral value as that integer (``5.0`` -> ``5``),
  other floats as Python's shortest round-trip form (``48.8566``); NaN and infinities
  are refused. Money is never a float: integer cents.

``seal.sha256`` is the SHA-256 of that form (hex). Each attachment's and each drawn
signature's SHA-256 is part of the payload, so the files are covered too: a changed
byte in a photo changes its hash, which no longer matches the sealed payload.
``seal.signature`` is the Ed25519 signature (standard base64) of the 32 raw digest
bytes, by the device's identity key; ``seal.public_key`` is that key (base64) and
``seal.key_id`` its short name. HQ checks the signature against the key it registered
when the device enrolled, not against ``seal.public_key``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

CANONICAL = "neo-c14n-1"
SEAL_MEMBER = "seal"


class CanonicalError(ValueError):
    """The payload holds something the canonical form refuses (NaN, a non-JSON type)."""


def _normalise(value: Any, where: str = "") -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CanonicalError(f"{where or '(root)'}: {value!r} has no canonical form")
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalError(f"{where or '(root)'}: key {key!r} is not a string")
            nkey = unicodedata.normalize("NFC", key)
            if nkey in out:
                raise CanonicalError(f"{where or '(root)'}: key {key!r} appears twice once normalised")
            out[nkey] = _normalise(item, f"{where}.{nkey}" if where else nkey)
        return out
    if isinstance(value, list | tuple):
        return [_normalise(item, f"{where}.{i}") for i, item in enumerate(value)]
    raise CanonicalError(f"{where or '(root)'}: {type(value).__name__} is not JSON")


def canonical_bytes(payload: Mapping[str, Any]) -> bytes:
    """The canonical form of ``payload`` without its ``seal`` member."""
    content = {k: v for k, v in payload.items() if k != SEAL_MEMBER}
    normalised = _normalise(content)
    return json.dumps(normalised, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def digest(payload: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical form."""
    return hashlib.sha256(canonical_bytes(payload)).hexdigest()


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def make_seal(payload: Mapping[str, Any], *, sign: Callable[[bytes], bytes], public_key: bytes,
              device_id: str) -> dict[str, Any]:
    """The ``seal`` member for ``payload``: ``sign`` signs the raw digest bytes."""
    sha = digest(payload)
    signature = sign(bytes.fromhex(sha))
    return {
        "canonical": CANONICAL,
        "sha256": sha,
        "signature": base64.b64encode(signature).decode("ascii"),
        "device_id": device_id,
        "key_id": key_id(public_key),
        "public_key": base64.b64encode(public_key).decode("ascii"),
    }


def sealed(payload: Mapping[str, Any], *, sign: Callable[[bytes], bytes], public_key: bytes,
           device_id: str) -> dict[str, Any]:
    """A copy of ``payload`` with its ``seal``."""
    out = {k: v for k, v in payload.items() if k != SEAL_MEMBER}
    out[SEAL_MEMBER] = make_seal(out, sign=sign, public_key=public_key, device_id=device_id)
    return out


def _verify_ed25519(public_key: bytes, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`verify`: ``ok`` and, when not, every problem found (English,
    for logs and HQ's rejection reason; codes in ``codes``)."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok


def file_hashes(payload: Mapping[str, Any]) -> dict[str, str]:
    """Every file the payload names, ``sha256 -> what`` (attachments and drawn signatures)."""
    files: dict[str, str] = {}
    for i, att in enumerate(payload.get("attachments") or []):
        if isinstance(att, Mapping) and isinstance(att.get("sha256"), str):
            files[att["sha256"]] = f"attachments.{i}"
    signatures = payload.get("signatures") or {}
    if isinstance(signatures, Mapping):
        for role, sig in signatures.items():
            if isinstance(sig, Mapping) and isinstance(sig.get("png_sha256"), str):
                files[sig["png_sha256"]] = f"signatures.{role}"
    return files


def verify(payload: Mapping[str, Any], *, public_key: bytes | None = None,
           files: Callable[[str], bytes | None] | None = None) -> Verdict:
    """Check the seal of ``payload``.

    ``public_key``: the key the signer must hold (HQ passes the key registered at
    enrolment); None trusts ``seal.public_key`` (checks integrity, not origin).
    ``files``: if given, ``files(sha256)`` returns each named file's bytes (or None if
    absent) and their hashes are checked too.
    """
    problems: list[str] = []
    codes: list[str] = []

    def fail(code: str, message: str) -> Verdict:
        problems.append(message)
        codes.append(code)
        return Verdict(False, problems, codes)

    seal = payload.get(SEAL_MEMBER)
    if not isinstance(seal, Mapping):
        return fail("no_seal", "the statement has no seal")
    if seal.get("canonical") != CANONICAL:
        return fail("canonical", f"unknown canonical form {seal.get('canonical')!r}")
    try:
        sha = digest(payload)
    except CanonicalError as exc:
        return fail("canonical", str(exc))
    if seal.get("sha256") != sha:
        problems.append("the content does not match the sealed hash")
        codes.append("hash_mismatch")
    try:
        signature = base64.b64decode(str(seal.get("signature", "")), validate=True)
        embedded = base64.b64decode(str(seal.get("public_key", "")), validate=True)
    except ValueError:
        return fail("signature", "the seal's signature or key is not base64")
    key = public_key if public_key is not None else embedded
    if public_key is not None and embedded and embedded != public_key:
        problems.append("the seal names another key than the device's")
        codes.append("wrong_key")
    sealed_sha = seal.get("sha256")
    if not _is_hex(sealed_sha) or not signature or not _verify_ed25519(key, signature, bytes.fromhex(sealed_sha)):
        problems.append("the signature does not match the sealed hash")
        codes.append("bad_signature")
    if files is not None:
        for sha256, what in file_hashes(payload).items():
            data = files(sha256)
            if data is None:
                problems.append(f"{what}: file {sha256[:12]}… is missing")
                codes.append("file_missing")
            elif hashlib.sha256(data).hexdigest() != sha256:
                problems.append(f"{what}: file {sha256[:12]}… does not match its hash")
                codes.append("file_mismatch")
    return Verdict(not problems, problems, codes)


def _is_hex(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 64:
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True
