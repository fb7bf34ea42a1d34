"""Path traversal: in the SHA-256 and id path parameters (``../``, percent-encoded dots
and slashes, absolute paths, NUL, backslashes) and in the file names a statement gives
its attachments. Nothing is read or written outside HQ's attachment store, nothing is
written at all for a refused request, and an export stays in its directory."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from neo.hq.testing import LiveHQ
from tests.hq.statements.conftest import signature_files, statement

from .conftest import Snapshot, World, raw_http

BAD_NAMES = [
    "..", "../../../../etc/passwd", "..%2f..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%2e%2e", "%252e%252e%252f", "..%5c..%5cwindows", "/etc/passwd", "%2fetc%2fpasswd", "0" * 63 + "%00",
    "0" * 64 + "%00.txt", "0" * 64 + "/../" + "1" * 64, "0" * 64 + "%2f..%2f" + "1" * 64, "0" * 63 + "G",
    "0" * 63 + "A", "0" * 65, "٠" * 64, "0" * 64 + "%20", "./" + "0" * 64, "~root", "\\\\server\\share",
]
"""What an attacker puts where HQ expects 64 lowercase hex digits (or a UUID)."""


def _outside(live: LiveHQ) -> set[str]:
    """Every file of HQ's data directory outside the attachment store and the database
    (which changes by itself), plus the test's decoy directory."""
    root = live.config.data_dir
    return {str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and "attachments" not in p.parts and not p.name.startswith("hq.db")}


def _send(live: LiveHQ, method: str, path: str, token: str, body: bytes = b"") -> tuple[int, bytes]:
    head = (f"{method} {path} HTTP/1.1\r\nHost: {live.host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return raw_http(live, head.encode("utf-8"), body)


@pytest.mark.parametrize("route", ["status", "chunk", "complete", "content"])
def test_traversal_in_the_sha256_of_every_attachment_route(live: LiveHQ, world: World, route: str) -> None:
    token = world.a.handle.token
    before, outside = Snapshot.take(live), _outside(live)
    for name in BAD_NAMES:
        method, path, body = {
            "status": ("GET", f"/api/v1/attachments/{name}", b""),
            "chunk": ("PUT", f"/api/v1/attachments/{name}/chunks/0", b"pwned"),
            "complete": ("POST", f"/api/v1/attachments/{name}/complete", b'{"size": 5, "chunk_count": 1}'),
            "content": ("GET", f"/api/v1/attachments/{name}/content", b""),
        }[route]
        status, answer = _send(live, method, path, token, body)
        assert status in (400, 404, 405, 422), (name, status, answer[:300])
        assert b"root:" not in answer and b"pwned" not in answer
    before.unchanged()
    assert _outside(live) == outside


def test_traversal_in_the_chunk_index_and_the_registration_id(live: LiveHQ, world: World) -> None:
    token = world.a.handle.token
    before, outside = Snapshot.take(live), _outside(live)
    for index in ("..", "../0", "%2e%2e", "0%2f..%2f..%2fx", "-1", "0%00", "00000.part", "1e3"):
        status, answer = _send(live, "PUT", f"/api/v1/attachments/{'0' * 64}/chunks/{index}", token, b"pwned")
        assert status in (400, 404, 405, 422), (index, status, answer[:300])
    for rid in [*BAD_NAMES, world.registration_id.upper(), world.registration_id + "%00", "*"]:
        status, answer = _send(live, "POST", f"/api/v1/m/holiday_watch/registrations/{rid}/access", token,
                               b'{"officer": "%s", "reason": "curiosite"}' % world.a.handle.officer.encode())
        assert status in (400, 404, 405, 422), (rid, status, answer[:300])
    before.unchanged()
    assert _outside(live) == outside


def test_a_chunk_lands_inside_the_store_under_its_own_name(live: LiveHQ, world: World) -> None:
    data = os.urandom(64)
    sha = hashlib.sha256(data).hexdigest()
    store = live.config.attachments_dir.resolve()
    with world.a2.client() as c:
        assert c.put(f"/api/v1/attachments/{sha}/chunks/7", content=data).status_code == 200
    written = [p for p in store.rglob("*") if p.is_file() and sha in str(p)]
    assert written and all(store in p.resolve().parents for p in written)


HOSTILE_FILE_NAMES = ["../../../../tmp/evil.jpg", "/etc/passwd", "..\\..\\evil.jpg", "",
                      "CON", ".", "..", "x" * 250 + ".jpg", "évidence\u202egpj.exe", "dir/sub/photo.jpg"]


def test_hostile_attachment_names_in_a_statement_stay_in_the_export(live: LiveHQ, world: World,
                                                                     tmp_path: Path) -> None:
    """A statement whose files are named to escape: HQ accepts or refuses it cleanly, and
    ``neo-hq statements export`` writes only inside its directory."""
    signer = world.a
    photos = [os.urandom(32) for _ in HOSTILE_FILE_NAMES]
    payload = statement(signer, photos=photos)
    for item, name in zip(payload["attachments"], HOSTILE_FILE_NAMES, strict=True):
        item["name"] = name
    # a control character in a name: refused (PostgreSQL text cannot even hold a NUL)
    for bad in ("a\x00b.jpg", "a\nb.jpg", "\x1b[31mrouge.jpg"):
        broken = statement(signer, photos=photos[:1])
        broken["attachments"][0]["name"] = bad
        before = Snapshot.take(live)
        refused = signer.push(signer.seal(broken))
        assert (refused["status"], refused["reason_code"]) == ("rejected", "record_invalid"), refused
        before.unchanged(allow=("mutations", "statements"))
    sealed = signer.seal(payload)
    result = signer.push(sealed)
    assert result["status"] == "applied", result  # names are the declarant's business; HQ keeps them
    for data in (*photos, *signature_files(signer)):
        signer.upload(data)
    out = tmp_path / "export"
    out.mkdir()
    decoy = tmp_path / "decoy"
    decoy.mkdir()
    before = {p for p in tmp_path.rglob("*")}
    live.hq.statements.export(payload["id"], out)
    new = {p for p in tmp_path.rglob("*")} - before
    assert new and all(out.resolve() in p.resolve().parents for p in new), sorted(map(str, new))
    files = sorted((out / payload["id"] / "files").iterdir())
    assert len(files) >= len(photos)
    assert not any(name in ("CON", ".", "..") or "\x00" in name or "/" in name for name in (f.name for f in files))
    assert not (Path("/tmp") / "evil.jpg").exists() or (Path("/tmp") / "evil.jpg").stat().st_size != 32
