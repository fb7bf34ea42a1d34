"""The cryptographic building blocks: Argon2id, AES-256-GCM, sealed boxes, base64."""

from __future__ import annotations

import binascii
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neo import crypto
from neo.crypto import Argon2Params, DecryptionError

CHEAP = Argon2Params(time_cost=1, memory_kib=64, parallelism=1)


def test_derive_key_is_deterministic_and_depends_on_everything() -> None:
    salt = b"s" * 16
    k = crypto.derive_key("482913", salt, CHEAP)
    assert len(k) == 32
    assert crypto.derive_key("482913", salt, CHEAP) == k
    assert crypto.derive_key(b"482913", salt, CHEAP) == k  # str is UTF-8
    assert crypto.derive_key("482914", salt, CHEAP) != k
    assert crypto.derive_key("482913", b"t" * 16, CHEAP) != k
    assert crypto.derive_key("482913", salt, Argon2Params(2, 64, 1)) != k
    assert crypto.derive_key("482913", salt, Argon2Params(1, 128, 1)) != k
    assert len(crypto.derive_key("482913", salt, CHEAP, length=64)) == 64


def test_derive_key_is_argon2id() -> None:
    """The variant matters: Argon2id (not Argon2i or Argon2d), as argon2-cffi computes it."""
    from argon2.low_level import Type, hash_secret_raw

    salt = b"0123456789abcdef"
    derived = crypto.derive_key("pin", salt, CHEAP)
    assert derived == hash_secret_raw(b"pin", salt, 1, 64, 1, 32, Type.ID)
    assert derived != hash_secret_raw(b"pin", salt, 1, 64, 1, 32, Type.I)


def test_argon2_params() -> None:
    default = Argon2Params()
    assert default.as_dict() == {"time_cost": 3, "memory_kib": 65536, "parallelism": 2}
    assert Argon2Params(2, 65536, 2).weaker_than(default)
    assert Argon2Params(3, 1024, 2).weaker_than(default)
    assert not default.weaker_than(default)
    assert not Argon2Params(4, 131072, 1).weaker_than(default)


@settings(max_examples=60)
@given(plaintext=st.binary(max_size=4096), aad=st.binary(max_size=64))
def test_encrypt_round_trips(plaintext: bytes, aad: bytes) -> None:
    key = os.urandom(32)
    blob = crypto.encrypt(key, plaintext, aad)
    assert len(blob) == len(plaintext) + crypto.NONCE_LEN + 16
    assert crypto.decrypt(key, blob, aad) == plaintext


def test_encrypt_uses_a_fresh_nonce_each_time() -> None:
    key = os.urandom(32)
    blobs = {crypto.encrypt(key, b"same message") for _ in range(50)}
    assert len(blobs) == 50


@settings(max_examples=60)
@given(plaintext=st.binary(min_size=1, max_size=256), flip=st.integers(min_value=0))
def test_any_flipped_bit_is_rejected(plaintext: bytes, flip: int) -> None:
    key = os.urandom(32)
    blob = bytearray(crypto.encrypt(key, plaintext))
    bit = flip % (len(blob) * 8)
    blob[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(DecryptionError):
        crypto.decrypt(key, bytes(blob))


def test_decrypt_rejects_wrong_key_wrong_aad_and_short_input() -> None:
    key = os.urandom(32)
    blob = crypto.encrypt(key, b"secret", b"slot-1")
    with pytest.raises(DecryptionError):
        crypto.decrypt(os.urandom(32), blob, b"slot-1")
    with pytest.raises(DecryptionError):
        crypto.decrypt(key, blob, b"slot-2")
    with pytest.raises(DecryptionError):
        crypto.decrypt(key, blob[:20])


@settings(max_examples=40)
@given(plaintext=st.binary(max_size=1024), aad=st.binary(max_size=32))
def test_seal_round_trips(plaintext: bytes, aad: bytes) -> None:
    private, public = crypto.generate_keypair()
    assert len(private) == len(public) == 32
    assert crypto.unseal(private, crypto.seal(public, plaintext, aad), aad) == plaintext


def test_unseal_rejects_the_wrong_key_aad_or_tampering() -> None:
    private, public = crypto.generate_keypair()
    other_private, _ = crypto.generate_keypair()
    box = crypto.seal(public, b"master key", b"master:slot")
    assert crypto.seal(public, b"master key", b"master:slot") != box  # ephemeral key each time
    with pytest.raises(DecryptionError):
        crypto.unseal(other_private, box, b"master:slot")
    with pytest.raises(DecryptionError):
        crypto.unseal(private, box, b"master:other")
    with pytest.raises(DecryptionError):
        crypto.unseal(private, box[:-1] + bytes([box[-1] ^ 1]), b"master:slot")
    with pytest.raises(DecryptionError):
        crypto.unseal(private, box[:40], b"master:slot")


@given(st.binary(max_size=200))
def test_base64_round_trips(data: bytes) -> None:
    assert crypto.b64d(crypto.b64e(data)) == data


def test_base64_decoding_is_strict() -> None:
    with pytest.raises(binascii.Error):
        crypto.b64d("not base64!")
