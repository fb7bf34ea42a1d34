"""Attachment files on HQ's disk, content-addressed by SHA-256.

Layout under ``<data dir>/attachments/``::

    objects/ab/abcdef...      complete files, named by their SHA-256
    partial/<sha>/<device>/00000.part   chunks received, per uploading device
    tmp/                      files being assembled

Names are only ever built from values that were validated as lowercase hex SHA-256,
canonical UUIDs and integers, and every path is checked to stay under the root, so a
request can never reach outside it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        for sub in ("objects", "partial", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def _inside(self, path: Path) -> Path:
        resolved = path.resolve()
        if self.root not in resolved.parents:
            raise ValueError("path outside the attachment store")
        return resolved

    @staticmethod
    def _check(sha256: str, device_id: str | None = None, idx: int | None = None) -> None:
        if not _SHA_RE.match(sha256):
            raise ValueError("not a SHA-256")
        if device_id is not None and not _ID_RE.match(device_id):
            raise ValueError("not a device id")
        if idx is not None and (not isinstance(idx, int) or idx < 0):
            raise ValueError("not a chunk index")

    def object_path(self, sha256: str) -> Path:
        self._check(sha256)
        return self._inside(self.root / "objects" / sha256[:2] / sha256)

    def _partial_dir(self, sha256: str, device_id: str) -> Path:
        self._check(sha256, device_id)
        return self._inside(self.root / "partial" / sha256 / device_id)

    def chunk_path(self, sha256: str, device_id: str, idx: int) -> Path:
        self._check(sha256, device_id, idx)
        return self._inside(self._partial_dir(sha256, device_id) / f"{idx:05d}.part")

    def write_chunk(self, sha256: str, device_id: str, idx: int, data: bytes) -> None:
        path = self.chunk_path(sha256, device_id, idx)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def drop_chunk(self, sha256: str, device_id: str, idx: int) -> None:
        self.chunk_path(sha256, device_id, idx).unlink(missing_ok=True)

    def assemble(self, sha256: str, device_id: str, chunk_count: int) -> Path | None:
        """Concatenate chunks 0..n-1 into a temporary file; None if the SHA-256 differs
        (the temporary file is then removed). A missing chunk file raises FileNotFoundError."""
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=self.root / "tmp", suffix=".assembling")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for idx in range(chunk_count):
                    with open(self.chunk_path(sha256, device_id, idx), "rb") as fh:
                        while block := fh.read(1024 * 1024):
                            digest.update(block)
                            out.write(block)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if digest.hexdigest() != sha256:
            tmp.unlink(missing_ok=True)
            return None
        return tmp

    def publish(self, tmp: Path, sha256: str) -> Path:
        dest = self.object_path(sha256)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
        return dest

    def discard_partial(self, sha256: str, device_id: str | None = None) -> None:
        """Remove the chunks of one device (or of every device) for ``sha256``."""
        self._check(sha256)
        target = self._partial_dir(sha256, device_id) if device_id else self._inside(self.root / "partial" / sha256)
        shutil.rmtree(target, ignore_errors=True)
