"""Attachments: content-addressed, chunked, resumable, verified at HQ, names checked."""

from __future__ import annotations

import hashlib
import os

import httpx
import pytest

from neo.hq.testing import LiveHQ

from .conftest import DeviceHandle, assert_error, counts

CHUNK = 64 * 1024


def chunks_of(data: bytes, size: int = CHUNK) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def put(c: httpx.Client, sha: str, idx: int, data: bytes) -> httpx.Response:
    return c.put(f"/api/v1/attachments/{sha}/chunks/{idx}", content=data,
                 headers={"content-type": "application/octet-stream"})


def test_chunked_resumable_upload_verified_by_hash(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    data = os.urandom(5 * CHUNK + 1234)
    sha = hashlib.sha256(data).hexdigest()
    parts = chunks_of(data)
    assert c.get(f"/api/v1/attachments/{sha}").json() == {
        "sha256": sha, "complete": False, "size": None, "received": [], "received_bytes": 0}
    # Upload some chunks out of order, then "lose the connection".
    for idx in (3, 0, 1):
        assert put(c, sha, idx, parts[idx]).status_code == 200
    status = c.get(f"/api/v1/attachments/{sha}").json()
    assert status["received"] == [0, 1, 3] and status["received_bytes"] == 3 * CHUNK
    # Completing too early names what is missing.
    r = c.post(f"/api/v1/attachments/{sha}/complete", json={"size": len(data), "chunk_count": len(parts)})
    assert assert_error(r, 422, "rejected", "chunks_missing")["detail"]["missing"] == [2, 4, 5]
    # Resume with the rest (a chunk sent twice is fine), then complete.
    for idx in [*status_missing(status, len(parts)), 1]:
        assert put(c, sha, idx, parts[idx]).status_code == 200
    done = c.post(f"/api/v1/attachments/{sha}/complete", json={"size": len(data), "chunk_count": len(parts),
                                                                "media_type": "image/jpeg"})
    assert done.status_code == 200, done.text
    assert done.json()["complete"] is True and done.json()["size"] == len(data)
    # Completing again is harmless; chunks sent after completion are ignored.
    assert c.post(f"/api/v1/attachments/{sha}/complete", json={"size": len(data), "chunk_count": 6}).json()["complete"]
    assert put(c, sha, 0, b"junk").json()["complete"] is True
    got = c.get(f"/api/v1/attachments/{sha}/content")
    assert got.status_code == 200 and got.content == data and got.headers["content-type"] == "image/jpeg"
    stored = live.hq.blobs.object_path(sha)
    assert stored.read_bytes() == data
    assert not (live.hq.blobs.root / "partial" / sha).exists()


def status_missing(status: dict, count: int) -> list[int]:
    return [i for i in range(count) if i not in status["received"]]


def test_hash_mismatch_discards_the_bad_data(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    data = os.urandom(3 * CHUNK)
    sha = hashlib.sha256(data).hexdigest()
    parts = chunks_of(data)
    for idx, part in enumerate(parts):
        corrupted = part if idx != 1 else bytes([part[0] ^ 1]) + part[1:]
        assert put(c, sha, idx, corrupted).status_code == 200
    r = c.post(f"/api/v1/attachments/{sha}/complete", json={"size": len(data), "chunk_count": 3})
    assert_error(r, 422, "rejected", "hash_mismatch")
    assert c.get(f"/api/v1/attachments/{sha}").json()["received"] == []
    assert not live.hq.blobs.object_path(sha).exists()
    assert not (live.hq.blobs.root / "partial" / sha / device.device_id).exists()
    assert list((live.hq.blobs.root / "tmp").iterdir()) == []
    assert_error(c.get(f"/api/v1/attachments/{sha}/content"), 404, "not_found")
    # A clean retry succeeds.
    for idx, part in enumerate(parts):
        put(c, sha, idx, part)
    assert c.post(f"/api/v1/attachments/{sha}/complete", json={"size": len(data), "chunk_count": 3}).json()["complete"]


def test_size_mismatch_is_refused(device: DeviceHandle) -> None:
    c = device.client()
    data = b"signature"
    sha = hashlib.sha256(data).hexdigest()
    put(c, sha, 0, data)
    r = c.post(f"/api/v1/attachments/{sha}/complete", json={"size": 10, "chunk_count": 1})
    assert_error(r, 422, "rejected", "size_mismatch")


@pytest.mark.parametrize("path", [
    "/api/v1/attachments/../../../etc/passwd",
    "/api/v1/attachments/../../../etc/passwd/chunks/0",
    "/api/v1/attachments/..%2F..%2Fetc%2Fpasswd/chunks/0",
    "/api/v1/attachments/%2e%2e/chunks/0",
    "/api/v1/attachments/" + "A" * 64 + "/chunks/0",
    "/api/v1/attachments/" + "0" * 63 + "/chunks/0",
    "/api/v1/attachments/" + "0" * 64 + "/chunks/-1",
    "/api/v1/attachments/" + "0" * 64 + "/chunks/99999",
    "/api/v1/attachments/" + "0" * 64 + "/chunks/..",
    "/api/v1/attachments/" + "0" * 64 + "/chunks/0x1",
    "/api/v1/attachments/" + "0" * 64 + "x/chunks/0",
    "/api/v1/attachments/" + "0" * 60 + "%2F..%2F/chunks/0",
])
def test_names_are_strictly_checked(device: DeviceHandle, live: LiveHQ, path: str) -> None:
    c = device.client()
    before = counts(live)
    # Sent byte for byte (the client must not tidy the path up first).
    for method in ("PUT", "POST"):
        request = c.build_request(method, "/", content=b"data")
        request.url = request.url.copy_with(raw_path=path.encode())
        r = c.send(request)
        assert 400 <= r.status_code < 500, (method, r.status_code, r.text)
        assert r.json()["error"]["kind"] in ("rejected", "not_found")
    assert counts(live) == before
    partial = live.hq.blobs.root / "partial"
    assert all(p.name == "0" * 64 or len(p.name) == 64 for p in partial.iterdir())


@pytest.mark.parametrize("sha", ["0" * 63, "G" * 64, "0" * 64 + "/../x", "%00" + "0" * 61])
def test_status_and_download_check_the_name(device: DeviceHandle, sha: str) -> None:
    c = device.client()
    for suffix in ("", "/content"):
        request = c.build_request("GET", "/")
        request.url = request.url.copy_with(raw_path=f"/api/v1/attachments/{sha}{suffix}".encode())
        assert c.send(request).status_code in (404, 422)


def test_chunk_limits(device: DeviceHandle, live: LiveHQ) -> None:
    c = device.client()
    sha = "ab" * 32
    assert_error(put(c, sha, 0, b""), 422, "rejected", "empty_chunk")
    big = b"x" * (live.hq.config.max_chunk_bytes + 1)
    assert_error(put(c, sha, 0, big), 413, "too_large")
    assert c.get(f"/api/v1/attachments/{sha}").json()["received"] == []


def test_another_unit_cannot_download(make_device) -> None:
    a, b = make_device(), make_device()
    data = b"photo"
    sha = hashlib.sha256(data).hexdigest()
    ca = a.client()
    put(ca, sha, 0, data)
    assert ca.post(f"/api/v1/attachments/{sha}/complete", json={"size": 5, "chunk_count": 1}).json()["complete"]
    assert_error(b.client().get(f"/api/v1/attachments/{sha}/content"), 404, "not_found")
