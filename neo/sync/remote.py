"""The device's link to HQ for modules (``ctx.hq``, module API 1.2).

:class:`HqRemote` implements :class:`neo.api.hq.RemoteTransport` on the sync layer's
pinned client (:class:`~neo.sync.transport.HqClient`): the HQ link saved at enrolment
(:mod:`neo.sync.link`) gives the address, HQ's CA (nothing else is trusted) and the
device token, sent exactly as the sync engine sends it. Timeouts suit an officer
waiting for an answer: about ``timeout`` seconds in all (a POST is one attempt, never
retried since HQ may act on it; a GET is retried once on network errors and 5xx, each
attempt getting half the time).

Errors become the module API's: :class:`~neo.api.hq.HqUnavailable` (no link, network,
5xx/429) and :class:`~neo.api.hq.HqRefused` (4xx). When HQ says the device is revoked,
the remote raises ``HqRefused(kind="revoked")`` and calls ``on_revoked`` once: whoever
built it does what the sync does (the shell audits, locks and wipes; ``neo`` commands
too, see :func:`wipe_revoked`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from neo.api.hq import HqRefused, HqResponse, HqUnavailable, RemoteTransport
from neo.i18n import tr
from neo.sync.errors import DeviceRevoked, SyncError
from neo.sync.link import HqLink, load_link
from neo.sync.transport import HqClient

if TYPE_CHECKING:
    from neo.vault import Session, Vault

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 8.0
"""Seconds an officer may wait for HQ's answer to one module call (all attempts)."""
DOWNLOAD_TIMEOUT = 30.0
"""Seconds a download may wait for HQ's next bytes (the transfer itself may take longer)."""
DOWNLOAD_CHUNK = 256 * 1024

_CONTENT_RANGE = re.compile(r"^bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)$")


def _content_range_start(value: str | None) -> int | None:
    m = _CONTENT_RANGE.match((value or "").strip())
    return int(m.group(1)) if m and m.group(1) is not None else None


def _content_range_total(value: str | None) -> int | None:
    m = _CONTENT_RANGE.match((value or "").strip())
    return int(m.group(3)) if m and m.group(3) != "*" else None


def _decode(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError as exc:
        raise HqUnavailable("server", tr("Réponse du QG illisible."), {"code": "bad_response"}) from exc


class HqRemote(RemoteTransport):
    """``ctx.hq``'s transport for one unlocked device.

    ``link`` is called (once, then cached until :meth:`close`) to get the HQ link:
    :meth:`for_session` reads it from the encrypted database. ``on_revoked(error)`` is
    called once, on the calling thread, the first time HQ says the device is revoked.
    """

    def __init__(self, link: Callable[[], HqLink | None], *, timeout: float = DEFAULT_TIMEOUT,
                 on_revoked: Callable[[HqRefused], None] | None = None, **client_options: Any) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be > 0")
        self._load_link = link
        self.timeout = timeout
        self.on_revoked = on_revoked
        self._client_options = client_options
        self._lock = threading.Lock()
        self._client: HqClient | None = None
        self.revoked: HqRefused | None = None
        """Set when HQ said this device is revoked (the caller wipes; see :func:`wipe_revoked`)."""

    @classmethod
    def for_session(cls, session: Session, **kwargs: Any) -> HqRemote:
        """The remote of an unlocked session (its link read from the encrypted database)."""
        return cls(lambda: load_link(session.store), **kwargs)

    # -- the client --------------------------------------------------------------------------
    def _open(self) -> HqClient:
        with self._lock:
            if self._client is not None:
                return self._client
            try:
                link = self._load_link()
            except Exception as exc:  # the store is closed (locked) or unreadable
                log.warning("no HQ link for a module call: %s", exc)
                raise HqUnavailable("no_link", tr("Le lien avec le QG n'est pas disponible (appareil verrouillé ?)."),
                                    {"code": "link_unreadable"}) from exc
            if link is None:
                raise HqUnavailable("no_link", tr("Cet appareil n'est pas relié à un QG."), {"code": "not_enrolled"})
            options: dict[str, Any] = {"timeout": self.timeout, "connect_timeout": min(self.timeout / 2, 5.0),
                                       "retries": 1, "backoff": 0.2, "max_backoff": 0.5}
            options.update(self._client_options)
            self._client = HqClient.from_link(link, **options)
            return self._client

    def close(self) -> None:
        """Drop the connection and the cached link (the next call reads the link again,
        which fails once the device is locked)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    # -- calls -------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, body: Mapping[str, Any] | None = None,
                params: Mapping[str, Any] | None = None, etag: str | None = None) -> HqResponse:
        if not path.startswith("/api/"):
            raise ValueError(f"not an HQ API path: {path!r}")
        if self.revoked is not None:
            raise self.revoked
        client = self._open()
        idempotent = method.upper() in ("GET", "HEAD")
        raw = None
        if body is not None:
            raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"If-None-Match": etag} if etag else None
        timeout = self.timeout / 2 if idempotent else self.timeout
        try:
            response = client.request(method.upper(), path, body=raw, params=params, idempotent=idempotent,
                                      timeout=timeout, headers=headers)
        except DeviceRevoked as exc:
            refused = HqRefused("revoked", exc.message, exc.detail, status=exc.status)
            self._revoked(refused)
            raise refused from exc
        except SyncError as exc:
            if exc.status == 304 and etag:
                return HqResponse(304, None, etag)
            raise _translate(exc) from exc
        return HqResponse(response.status_code, _decode(response.content), response.headers.get("ETag"),
                          dict(response.headers))

    def download(self, path: str, part: Path, *, if_range: str | None = None,
                 progress: Callable[[int, int], None] | None = None) -> str | None:
        if not path.startswith("/api/"):
            raise ValueError(f"not an HQ API path: {path!r}")
        if self.revoked is not None:
            raise self.revoked
        client = self._open()
        for _attempt in range(2):  # a second time only after a 416 on a stale part
            offset = part.stat().st_size if part.is_file() else 0
            # identity: the byte offsets must be those of the file, never of a gzip stream
            headers = {"Accept-Encoding": "identity"}
            if offset:
                headers["Range"] = f"bytes={offset}-"
                if if_range:
                    headers["If-Range"] = if_range
            try:
                with client.stream("GET", path, headers=headers, timeout=DOWNLOAD_TIMEOUT) as response:
                    status = response.status_code
                    if status == 416 and offset:
                        # the part is already whole (or longer than HQ's file): check or restart
                        size = _content_range_total(response.headers.get("Content-Range"))
                        if size is not None and size == offset:
                            return response.headers.get("ETag")
                        part.unlink(missing_ok=True)
                        continue
                    if status not in (200, 206):
                        response.read()
                        raise self._failure(HqClient.error_from_response(response))
                    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
                        raise HqUnavailable("server", tr("Réponse du QG illisible."),
                                            {"code": "encoded_download"})
                    if status == 206:
                        start = _content_range_start(response.headers.get("Content-Range"))
                        if start != offset:
                            raise HqUnavailable("server", tr("Réponse du QG illisible."),
                                                {"code": "bad_range", "range": response.headers.get("Content-Range")})
                        total = _content_range_total(response.headers.get("Content-Range")) or 0
                        mode, done = "ab", offset
                    else:
                        length = response.headers.get("Content-Length")
                        total = int(length) if length and length.isdigit() else 0
                        mode, done = "wb", 0
                    with open(part, mode) as out:
                        if progress is not None:
                            progress(done, total)
                        for chunk in response.iter_raw(DOWNLOAD_CHUNK):
                            out.write(chunk)
                            done += len(chunk)
                            if progress is not None:
                                progress(done, total)
                        out.flush()
                        os.fsync(out.fileno())
                    if total and done != total:
                        raise HqUnavailable("network", tr("Connexion au QG impossible ou interrompue."),
                                            {"code": "short_read", "received": done, "expected": total})
                    return response.headers.get("ETag")
            except httpx.TransportError as exc:
                raise self._failure(HqClient.transport_error(exc)) from exc
        raise HqUnavailable("server", tr("Réponse du QG illisible."), {"code": "bad_range"})

    def _failure(self, exc: SyncError) -> HqRefused | HqUnavailable:
        if isinstance(exc, DeviceRevoked):
            refused = HqRefused("revoked", exc.message, exc.detail, status=exc.status)
            self._revoked(refused)
            return refused
        return _translate(exc)

    def _revoked(self, error: HqRefused) -> None:
        with self._lock:
            first = self.revoked is None
            self.revoked = error
        if first and self.on_revoked is not None:
            try:
                self.on_revoked(error)
            except Exception:
                log.exception("handling the revocation failed")


def _translate(exc: SyncError) -> HqUnavailable | HqRefused:
    """A sync-layer error as the module API tells it."""
    if exc.kind == "network":
        return HqUnavailable("network", exc.message, exc.detail)
    if exc.status is None or exc.status >= 500 or exc.status == 429:
        return HqUnavailable("server", exc.message, exc.detail, status=exc.status)
    return HqRefused(exc.kind, exc.message, exc.detail, status=exc.status)


def wipe_revoked(session: Session, vault: Vault, error: HqRefused | SyncError) -> None:
    """HQ revoked this device: audit it, lock, wipe (as ``neo sync`` does)."""
    try:
        session.audit.append("device.revoked", officer=session.officer.service_number,
                             details={"code": error.code, "by": "hq"})
    except Exception:
        log.warning("could not audit the revocation", exc_info=True)
    session.lock()
    vault.wipe(reason="revoked")
