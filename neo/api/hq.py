"""``ctx.hq``: a module's calls to its own routes at HQ, through the core (API 1.2).

A module never does HTTP itself. With the ``hq`` permission it asks ``ctx.hq`` to call
the routes HQ serves for it under ``/api/v1/m/<module id>/``; the core sends the call
over the device's pinned, authenticated link (the same CA pin and device token as the
sync engine), with a short timeout suited to an officer waiting for an answer.

* Paths are **relative to the module's prefix**: the lookup module's ``post("search",
  ...)`` is ``POST /api/v1/m/lookup/search``. A path that is absolute, a URL, or that
  tries to leave the prefix (``..``, ``.``, empty segments, ``%``-escapes, ``?``/``#``,
  backslashes) raises ``ValueError``: a module reaches its own routes only.
* Every failure is an :class:`HqError`: :class:`HqUnavailable` (the device is not
  enrolled, offline, HQ does not answer in time, the connection broke, or HQ failed
  with a 5xx: keep the work and retry later) or :class:`HqRefused` (HQ answered with a
  4xx: ``status``, ``kind``, ``message`` for the officer in French, ``detail``). A
  device HQ has revoked gets ``HqRefused(kind="revoked")``, and the core does what the
  sync does on revocation (the shell audits, locks and wipes; ``neo`` commands too).
* ``online`` is the last known reachability of HQ (None: not known yet), and
  :meth:`ModuleHq.on_reachable` runs a callback, on a worker thread, each time the
  device has just reached HQ (after each successful sync, and when a health check finds
  HQ again after a period offline): the moment to send what waited offline.

Calls block until HQ answers or the timeout is spent: make them from a worker thread,
never from the UI thread (a page runs them on a ``QThreadPool`` worker and comes back
with a signal).

:class:`RemoteTransport` is what the core gives the host (the device side lives in
``neo.sync.remote``); nothing in ``neo.api`` does HTTP.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neo.i18n import tr

log = logging.getLogger(__name__)

MODULE_PREFIX = "/api/v1/m/"
"""Every module route at HQ lives under ``/api/v1/m/<module id>/``."""

_SEGMENT = re.compile(r"^[A-Za-z0-9_\-~]+(?:\.[A-Za-z0-9_\-~]+)*$")


# -- errors ------------------------------------------------------------------------------------


class HqError(Exception):
    """A call to HQ that did not give an answer the module can use.

    ``kind`` says what happened (see the subclasses), ``message`` is for the officer
    (French, the source language; HQ's own words when HQ answered), ``detail`` is
    machine-readable (always a ``code``), ``status`` the HTTP status when HQ answered.
    """

    def __init__(self, kind: str, message: str, detail: Mapping[str, Any] | None = None, *,
                 status: int | None = None) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.detail: dict[str, Any] = dict(detail or {})
        self.status = status

    @property
    def code(self) -> str | None:
        code = self.detail.get("code")
        return str(code) if code is not None else None


class HqUnavailable(HqError):
    """HQ cannot be reached now: keep the work and try again later (``on_reachable``).

    ``kind`` is ``"no_link"`` (the device is not enrolled with an HQ, or is locking),
    ``"network"`` (offline, timeout, connection refused or reset, TLS pin mismatch:
    ``detail["code"]`` says which) or ``"server"`` (HQ answered 5xx or 429 after the
    retries, or an unreadable answer)."""


class HqRefused(HqError):
    """HQ answered and said no (a 4xx). Retrying the same call will not help.

    ``status`` is the HTTP status (400, 401, 403, 404, 409, 413, 422...), ``kind`` the
    protocol's error kind (``"rejected"``, ``"auth"``, ``"not_found"``, ``"conflict"``,
    ``"too_large"``, or ``"revoked"`` when HQ has revoked this device: the core then
    locks and wipes it, as the sync does)."""


# -- what the core provides ------------------------------------------------------------------------


@dataclass(frozen=True)
class HqResponse:
    """HQ's answer to :meth:`ModuleHq.get`.

    ``status`` is 200 (or another 2xx) with the decoded JSON body in ``json``, or 304
    (``not_modified``: the resource still has the ``etag`` the module sent, ``json`` is
    None). ``etag`` is HQ's entity tag for the body, when HQ sent one: keep it and pass
    it back as ``get(..., etag=...)`` to fetch the body only when it changed."""

    status: int
    json: Any = None
    etag: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class RemoteTransport(ABC):
    """The device's link to HQ as the core hands it to the module host.

    Implemented in ``neo.sync.remote`` (over the pinned HTTP client); tests may give a
    fake. ``path`` is absolute on HQ (``/api/v1/m/<id>/...``): :class:`ModuleHq` builds
    and checks it. Raises :class:`HqUnavailable` or :class:`HqRefused`; a revoked
    device raises ``HqRefused(kind="revoked")`` after doing what the sync does.
    """

    @abstractmethod
    def request(self, method: str, path: str, *, body: Mapping[str, Any] | None = None,
                params: Mapping[str, Any] | None = None, etag: str | None = None) -> HqResponse:
        """Send one call and return HQ's 2xx (or 304, when ``etag`` was given) answer."""

    def download(self, path: str, part: Path, *, if_range: str | None = None,
                 progress: Callable[[int, int], None] | None = None) -> str | None:
        """Fetch ``GET path`` into the file ``part``, resuming it (API 1.3).

        If ``part`` already holds bytes, ask only for the rest (``Range: bytes=N-``, with
        ``If-Range: if_range`` when given): a 206 answer is appended, a 200 answer (the
        file changed, or HQ ignores ranges) replaces the part. Bytes are on disk as they
        arrive, so a broken connection (``HqUnavailable``) leaves the part for the next
        try. ``progress(done, total)`` is called as bytes arrive. Returns HQ's ``ETag``.
        """
        raise HqUnavailable("no_link", tr("Cet appareil n'est pas relié à un QG."), {"code": "no_download"})

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release connections (the host calls it when it stops; a later call reopens)."""


class HqReachability:
    """What the core knows of HQ's reachability, and the modules' ``on_reachable`` callbacks.

    Owned by the module host. ``notify_reachable()`` (the shell's sync controller and
    ``neo sync`` call it through the host) runs every callback on one worker thread:
    notifications are serialized (a callback never runs twice at once), and a
    notification asked for while one is still waiting to start is merged into it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._online: bool | None = None
        self._callbacks: list[tuple[str, Callable[[], None]]] = []
        self._executor: ThreadPoolExecutor | None = None
        self._queued: Future[int] | None = None

    @property
    def online(self) -> bool | None:
        return self._online

    def mark(self, online: bool) -> None:
        """Record what a call just showed (without running callbacks)."""
        self._online = bool(online)

    def subscribe(self, module_id: str, callback: Callable[[], None]) -> Callable[[], None]:
        entry = (module_id, callback)
        with self._lock:
            self._callbacks.append(entry)

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._callbacks:
                    self._callbacks.remove(entry)

        return unsubscribe

    def callbacks(self) -> list[tuple[str, Callable[[], None]]]:
        with self._lock:
            return list(self._callbacks)

    def notify(self) -> Future[int]:
        """HQ was just reached: mark online and run the callbacks on the worker thread.
        The future gives how many callbacks ran (tests and ``neo sync`` wait on it)."""
        self._online = True
        with self._lock:
            if self._queued is not None and not self._queued.done() and not self._queued.running():
                return self._queued
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="neo-hq-reachable")
            fut = self._executor.submit(self._run)
            self._queued = fut
            return fut

    def _run(self) -> int:
        ran = 0
        for entry in self.callbacks():
            with self._lock:
                if entry not in self._callbacks:  # removed meanwhile (module deactivated)
                    continue
            module_id, callback = entry
            try:
                callback()
            except Exception:
                log.exception("on_reachable callback of module %s failed", module_id)
            ran += 1
        return ran

    def close(self) -> None:
        """Forget every callback and stop the worker (after the callbacks running now)."""
        with self._lock:
            self._callbacks.clear()
            executor, self._executor = self._executor, None
            self._queued = None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- what a module uses --------------------------------------------------------------------------


def module_path(module_id: str, path: str) -> str:
    """The absolute HQ path of ``path`` under the module's prefix; ``ValueError`` for a
    path that is not a plain relative path inside it."""
    if not isinstance(path, str) or not path:
        raise ValueError("an HQ path is required (relative to the module's prefix, e.g. 'search')")
    if path.startswith("/") or "\\" in path or "://" in path or ":" in path:
        raise ValueError(f"HQ paths are relative to the module's prefix: {path!r}")
    if any(ch in path for ch in "?#%") or any(ch.isspace() or ord(ch) < 32 for ch in path):
        raise ValueError(f"not a plain HQ path (query parameters go in params=): {path!r}")
    segments = path.split("/")
    for segment in segments:
        if segment in ("", ".", "..") or not _SEGMENT.match(segment):
            raise ValueError(f"HQ path outside the module's prefix or malformed: {path!r}")
    return f"{MODULE_PREFIX}{module_id}/{path}"


class ModuleHq:
    """``ctx.hq``: the module's routes at HQ (``/api/v1/m/<module id>/...``). Needs the
    ``hq`` permission. Calls block (a few seconds at most): use a worker thread."""

    def __init__(self, module_id: str, transport: RemoteTransport | None, reachability: HqReachability,
                 on_deactivate: Callable[[Callable[[], None]], None]) -> None:
        self.module_id = module_id
        self.prefix = f"{MODULE_PREFIX}{module_id}/"
        self._transport = transport
        self._reachability = reachability
        self._on_deactivate = on_deactivate

    def path(self, path: str) -> str:
        """The absolute HQ path a relative ``path`` names (checked: see :func:`module_path`)."""
        return module_path(self.module_id, path)

    def _call(self, method: str, path: str, *, body: Mapping[str, Any] | None = None,
              params: Mapping[str, Any] | None = None, etag: str | None = None) -> HqResponse:
        full = self.path(path)
        if body is not None:
            if not isinstance(body, Mapping):
                raise TypeError("the body of an HQ call is a JSON object (a dict)")
            body = dict(body)
        if self._transport is None:
            raise HqUnavailable("no_link", tr("Cet appareil n'est pas relié à un QG."), {"code": "not_enrolled"})
        try:
            response = self._transport.request(method, full, body=body, params=params, etag=etag)
        except HqError as exc:
            if exc.kind == "network":
                self._reachability.mark(False)
            elif exc.kind != "no_link":
                self._reachability.mark(True)  # HQ answered, if only to refuse
            raise
        self._reachability.mark(True)
        return response

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """``POST`` a JSON object to the module's route; returns HQ's decoded JSON answer.
        Not retried (HQ may act on it); raises :class:`HqUnavailable` or :class:`HqRefused`."""
        return self._call("POST", path, body=body).json

    def get(self, path: str, params: Mapping[str, Any] | None = None, *, etag: str | None = None) -> HqResponse:
        """``GET`` the module's route (retried once on network errors and 5xx).

        With ``etag`` (from an earlier :class:`HqResponse`), HQ may answer 304: the
        response then has ``not_modified`` true and no body, and the module keeps what
        it has. Raises :class:`HqUnavailable` or :class:`HqRefused`."""
        return self._call("GET", path, params=params, etag=etag)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """``GET`` the module's route and return its decoded JSON body."""
        return self.get(path, params).json

    def download(self, path: str, dest: Path, *, sha256: str | None = None,
                 progress: Callable[[int, int], None] | None = None) -> Path:
        """Download a (large) file from the module's route to ``dest`` (API 1.3).

        The bytes go to ``dest.part`` first. A part left by an earlier try is resumed
        (HQ must answer ranges: ``Range``/``If-Range``, 206); with ``sha256`` (lowercase
        hex) the whole file is checked before it is renamed to ``dest`` (atomically), and
        ``dest`` already holding that content is returned at once. ``progress(done,
        total)`` is called from the calling thread as bytes arrive (``total`` 0 when
        unknown). Blocks for as long as the transfer takes: call it from a worker thread.

        Raises :class:`HqUnavailable` when the connection breaks (the part stays for the
        next try) or the file does not match ``sha256`` (``code`` ``"checksum"``: the
        part is deleted, the next try starts over), :class:`HqRefused` for a 4xx.
        """
        if sha256 is not None and not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError("sha256 is 64 lowercase hex digits")
        full = self.path(path)
        dest = Path(dest)
        part = dest.with_name(dest.name + ".part")
        if sha256 is not None and dest.is_file() and _sha256_file(dest) == sha256:
            return dest
        if self._transport is None:
            raise HqUnavailable("no_link", tr("Cet appareil n'est pas relié à un QG."), {"code": "not_enrolled"})
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._transport.download(full, part, if_range=f'"{sha256}"' if sha256 else None, progress=progress)
        except HqError as exc:
            if exc.kind == "network":
                self._reachability.mark(False)
            elif exc.kind != "no_link":
                self._reachability.mark(True)
            raise
        self._reachability.mark(True)
        if sha256 is not None:
            actual = _sha256_file(part)
            if actual != sha256:
                part.unlink(missing_ok=True)
                raise HqUnavailable("server", tr("Le fichier reçu du QG est altéré ; il sera téléchargé à nouveau."),
                                    {"code": "checksum", "expected": sha256, "actual": actual})
        os.replace(part, dest)
        return dest

    @property
    def online(self) -> bool | None:
        """Whether HQ answered the last time the device tried (sync, health check or a
        module call); None when not known yet."""
        return self._reachability.online

    def on_reachable(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Run ``callback()`` on a worker thread (never the UI thread) each time the
        device has just reached HQ: after each successful sync, and when a health check
        finds HQ again after a period offline. Callbacks never run twice at once.
        Removed when the module is deactivated; the returned function removes it sooner."""
        unsubscribe = self._reachability.subscribe(self.module_id, callback)
        self._on_deactivate(unsubscribe)
        return unsubscribe
