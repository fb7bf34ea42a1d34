"""The HTTP client of HQ's API (docs/sync-protocol.md), over httpx.

* **Pinned TLS**: HQ's certificate is verified against HQ's own CA (the PEM stored at
  enrolment) and nothing else; the system trust store is never consulted. Plain HTTP
  only when asked explicitly (``allow_http=True``, development).
* **Compression**: JSON request bodies above ``gzip_threshold`` bytes are sent with
  ``Content-Encoding: gzip``; gzip responses are accepted (and decoded by httpx).
* **Timeouts and retries**: every call has a timeout; idempotent calls (GETs, push —
  idempotent by mutation ids —, attachment chunks, audit push) are retried on network
  errors, timeouts, ``5xx`` and ``429`` with exponential backoff and full jitter
  (``Retry-After`` is honoured, capped). Enrolment and PIN checks are never retried.
* **Errors**: every failure is a :class:`~neo.sync.errors.SyncError` with a kind (HQ's
  error body parsed per :mod:`neo.protocol`); ``revoked`` is raised as
  :class:`~neo.sync.errors.DeviceRevoked`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
import ssl
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from neo import __version__, protocol
from neo.i18n import tr
from neo.sync.errors import DeviceRevoked, SyncError

M = TypeVar("M", bound=BaseModel)

API = protocol.API_PREFIX
JSON_TYPE = "application/json"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 4
DEFAULT_GZIP_THRESHOLD = 4096
DEFAULT_GZIP_LEVEL = 6
MAX_RETRY_AFTER = 60.0


def _kind_for_status(status: int) -> str:
    if status == 401 or status == 429:
        return "auth"
    if status == 403:
        return "auth"
    if status == 404:
        return "not_found"
    if status == 409:
        return "conflict"
    if status == 413:
        return "too_large"
    if status >= 500:
        return "server"
    return "rejected"


def ssl_context(ca_pem: str | None = None, ca_file: str | Path | None = None) -> ssl.SSLContext:
    """A context that trusts only HQ's CA (hostname checking on, no system store)."""
    if ca_pem is None and ca_file is None:
        raise ValueError("HQ's CA certificate is required for HTTPS (pinning)")
    # With cadata/cafile given, create_default_context loads nothing else.
    ctx = ssl.create_default_context(cafile=str(ca_file) if ca_file is not None else None, cadata=ca_pem)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def pem_fingerprint(ca_pem: str) -> str:
    """The pin of a CA given as PEM: hex SHA-256 of its DER encoding."""
    return protocol.ca_fingerprint(ssl.PEM_cert_to_DER_cert(ca_pem))


def fetch_pinned_ca(base_url: str, fingerprint: str, *, timeout: float = 15.0) -> str:
    """Bootstrap at enrolment: fetch HQ's CA **without** verification and accept it only
    if its fingerprint is the one from the enrolment code."""
    try:
        with httpx.Client(verify=False, timeout=timeout) as client:  # checked against the pin below
            response = client.get(f"{base_url.rstrip('/')}{API}/ca.pem")
    except httpx.HTTPError as exc:
        raise SyncError("network", tr("Le QG ne répond pas ({err}).", err=type(exc).__name__),
                        {"code": "unreachable"}) from exc
    if response.status_code != 200:
        raise _error_from_response(response)
    pem = response.text
    try:
        actual = pem_fingerprint(pem)
    except (ValueError, ssl.SSLError) as exc:
        raise SyncError("rejected", tr("Le certificat du QG est illisible."), {"code": "bad_ca"}) from exc
    if actual != fingerprint.lower():
        raise SyncError("auth", tr("Le certificat du QG ne correspond pas à l'empreinte attendue : connexion refusée."),
                        {"code": "ca_mismatch", "expected": fingerprint, "actual": actual})
    return pem


def parse_push(raw: bytes) -> protocol.PushResponse:
    return _parse_bytes(protocol.PushResponse, raw)


def parse_pull(raw: bytes) -> protocol.PullResponse:
    return _parse_bytes(protocol.PullResponse, raw)


def _parse_bytes(model: type[M], raw: bytes) -> M:
    try:
        return model.model_validate_json(raw)
    except (ValidationError, ValueError) as exc:
        raise SyncError("server", tr("Réponse du QG illisible."),
                        {"code": "bad_response", "model": model.__name__, "error": str(exc)[:300]}) from exc


_PULL_TAIL = re.compile(rb'"next_cursor":(\d+),"has_more":(true|false),"epoch":"([^"\\]*)"\}\s*$')


def pull_tail(raw: bytes) -> tuple[int, bool, str] | None:
    """(next_cursor, has_more, epoch) read from the end of a pull page as HQ renders it,
    without parsing the changes (so the next page can be asked for at once); None if the
    page is not laid out that way (then parse it whole)."""
    m = _PULL_TAIL.search(raw[-400:])
    if m is None:
        return None
    return int(m.group(1)), m.group(2) == b"true", m.group(3).decode("utf-8")


def _error_from_response(response: httpx.Response) -> SyncError:
    status = response.status_code
    try:
        body = protocol.ErrorResponse.model_validate_json(response.content)
    except (ValidationError, ValueError):
        kind = _kind_for_status(status)
        if status >= 500:
            message = tr("Erreur du QG (HTTP {status}).", status=status)
        else:
            message = tr("Le QG a refusé la requête (HTTP {status}).", status=status)
        detail: dict[str, Any] = {"code": f"http_{status}"}
        retry = response.headers.get("Retry-After")
        if retry:
            detail["retry_after"] = retry
        return SyncError(kind, message, detail, status=status)
    err = body.error
    detail = dict(err.detail or {})
    detail.setdefault("code", f"http_{status}")
    if "retry_after" not in detail and response.headers.get("Retry-After"):
        detail["retry_after"] = response.headers["Retry-After"]
    if err.kind == "revoked":
        return DeviceRevoked(err.message, detail, status=status)
    return SyncError(err.kind, err.message, detail, status=status)


class HqClient:
    """One HQ, one device token. Safe to use from a worker thread (not the UI thread:
    every call blocks until HQ answers or the retries are spent)."""

    def __init__(self, base_url: str, *, ca_pem: str | None = None, ca_file: str | Path | None = None,
                 token: str | None = None, timeout: float = DEFAULT_TIMEOUT, connect_timeout: float | None = None,
                 retries: int = DEFAULT_RETRIES, backoff: float = 0.5, max_backoff: float = 30.0,
                 gzip_threshold: int = DEFAULT_GZIP_THRESHOLD, gzip_level: int = DEFAULT_GZIP_LEVEL,
                 allow_http: bool = False, sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None, transport: httpx.BaseTransport | None = None) -> None:
        url = base_url.rstrip("/")
        if url.startswith("https://"):
            verify: ssl.SSLContext | bool = ssl_context(ca_pem, ca_file)
        elif url.startswith("http://") and allow_http:
            verify = False
        elif url.startswith("http://"):
            raise ValueError("plain HTTP to HQ is refused (allow_http=True for development only)")
        else:
            raise ValueError(f"not an HQ address: {base_url!r}")
        if retries < 0 or timeout <= 0:
            raise ValueError("retries must be >= 0 and timeout > 0")
        self.base_url = url
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.gzip_threshold = gzip_threshold
        self.gzip_level = gzip_level
        self._sleep = sleep
        self._rng = rng or random.Random()
        headers = {"User-Agent": f"neo-device/{__version__}", "Accept-Encoding": "gzip"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=url, verify=verify, headers=headers, transport=transport,
            timeout=httpx.Timeout(timeout, connect=connect_timeout if connect_timeout is not None else min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=2),
        )
        self.requests = 0
        """HTTP requests made (retries included), for diagnostics."""
        self.trace: list[tuple[str, str, int, int]] | None = None
        """Set to a list to record (method, path, body bytes sent, bytes received) per answered request."""

    @classmethod
    def from_link(cls, link: Any, **kwargs: Any) -> HqClient:
        """A client for a stored :class:`~neo.sync.link.HqLink`."""
        allow_http = kwargs.pop("allow_http", link.ca_pem is None)
        return cls(link.url, ca_pem=link.ca_pem, token=link.token, allow_http=allow_http, **kwargs)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HqClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- core --------------------------------------------------------------------------
    def _delay(self, attempt: int, error: SyncError) -> float:
        retry_after = error.retry_after
        if retry_after is not None and error.status in (429, 503):
            return min(max(retry_after, 0.0), MAX_RETRY_AFTER)
        # Full jitter: uniform in [0, min(cap, base * 2^attempt)].
        return self._rng.uniform(0.0, min(self.max_backoff, self.backoff * (2 ** attempt)))

    @staticmethod
    def _retryable(error: SyncError) -> bool:
        if error.kind == "network":
            return error.code != "tls"
        return error.status is not None and (error.status >= 500 or error.status == 429)

    def compress(self, body: bytes) -> tuple[bytes, bool]:
        """The body as it goes on the wire: gzipped if it is large enough (thread-safe:
        the engine calls it on the store's writer thread, ahead of sending)."""
        if len(body) >= self.gzip_threshold:
            return gzip.compress(body, compresslevel=self.gzip_level, mtime=0), True
        return body, False

    def request(self, method: str, path: str, *, body: bytes | None = None, content_type: str = JSON_TYPE,
                params: Mapping[str, Any] | None = None, idempotent: bool = True, compress: bool = True,
                gzipped: bool = False, timeout: float | None = None,
                headers: Mapping[str, str] | None = None) -> httpx.Response:
        """Send one call (retrying if idempotent); returns a 2xx response or raises SyncError.
        ``gzipped``: the body is already gzip-compressed; ``headers``: extra request headers."""
        headers = dict(headers or {})
        if body is not None:
            headers["Content-Type"] = content_type
            if gzipped:
                headers["Content-Encoding"] = "gzip"
            elif compress:
                body, packed = self.compress(body)
                if packed:
                    headers["Content-Encoding"] = "gzip"
        extra: dict[str, Any] = {}
        if timeout is not None:
            extra["timeout"] = timeout
        attempt = 0
        while True:
            self.requests += 1
            try:
                response = self._http.request(method, path, content=body, params=params, headers=headers, **extra)
            except httpx.ConnectTimeout as exc:
                error = SyncError("network", tr("Connexion au QG impossible ou interrompue."),
                                  {"code": "connect", "error": type(exc).__name__})
            except httpx.TimeoutException as exc:
                error = SyncError("network", tr("Le QG ne répond pas à temps."),
                                  {"code": "timeout", "error": type(exc).__name__})
            except httpx.TransportError as exc:
                error = self._transport_error(exc)
            else:
                if self.trace is not None:
                    self.trace.append((method, path, len(body or b""), response.num_bytes_downloaded))
                if 200 <= response.status_code < 300:
                    return response
                error = _error_from_response(response)
            if isinstance(error, DeviceRevoked) or not idempotent or not self._retryable(error) \
                    or attempt >= self.retries:
                raise error
            self._sleep(self._delay(attempt, error))
            attempt += 1

    def stream(self, method: str, path: str, *, headers: Mapping[str, str] | None = None,
               timeout: float | None = None) -> Any:
        """One streamed call (``with client.stream(...) as response``), not retried and its
        status not checked: for downloads the caller resumes itself. Transport errors are
        httpx's (see :meth:`transport_error`)."""
        self.requests += 1
        extra: dict[str, Any] = {"timeout": timeout} if timeout is not None else {}
        return self._http.stream(method, path, headers=dict(headers or {}), **extra)

    @classmethod
    def transport_error(cls, exc: httpx.TransportError) -> SyncError:
        """An httpx transport error as a :class:`SyncError` (kind ``network``)."""
        if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
            return SyncError("network", tr("Le QG ne répond pas à temps."),
                             {"code": "timeout", "error": type(exc).__name__})
        return cls._transport_error(exc)

    @staticmethod
    def error_from_response(response: httpx.Response) -> SyncError:
        """HQ's error answer (read) as a :class:`SyncError`."""
        return _error_from_response(response)

    @staticmethod
    def _transport_error(exc: httpx.TransportError) -> SyncError:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ssl.SSLCertVerificationError):
                return SyncError("network", tr("Le certificat du QG n'est pas celui attendu : connexion refusée."),
                                 {"code": "tls", "error": str(cause)[:200]})
            cause = cause.__cause__ or cause.__context__
        if "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return SyncError("network", tr("Le certificat du QG n'est pas celui attendu : connexion refusée."),
                             {"code": "tls", "error": str(exc)[:200]})
        # "connect": nothing reached HQ; "unreachable": the connection broke, HQ may have read the request.
        code = "connect" if isinstance(exc, httpx.ConnectError) else "unreachable"
        return SyncError("network", tr("Connexion au QG impossible ou interrompue."),
                         {"code": code, "error": type(exc).__name__})

    @staticmethod
    def _parse(model: type[M], response: httpx.Response) -> M:
        try:
            return model.model_validate_json(response.content)
        except (ValidationError, ValueError) as exc:
            raise SyncError("server", tr("Réponse du QG illisible."),
                            {"code": "bad_response", "model": model.__name__, "error": str(exc)[:300]},
                            status=response.status_code) from exc

    @staticmethod
    def _json(data: Any) -> bytes:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    # -- public ------------------------------------------------------------------------
    def health(self) -> protocol.Health:
        return self._parse(protocol.Health, self.request("GET", f"{API}/health"))

    def ca_pem(self) -> str:
        """HQ's CA certificate as this (already pinned) connection sees it."""
        return self.request("GET", f"{API}/ca.pem").text

    def enroll(self, request: protocol.EnrollRequest | Mapping[str, Any]) -> protocol.EnrollResponse:
        """Register this device (never retried: a code is single use)."""
        model = request if isinstance(request, protocol.EnrollRequest) else protocol.EnrollRequest(**request)
        body = model.model_dump_json(exclude_none=True).encode("utf-8")
        return self._parse(protocol.EnrollResponse,
                           self.request("POST", f"{API}/enroll", body=body, idempotent=False))

    # -- device ------------------------------------------------------------------------
    def device(self) -> protocol.DeviceInfo:
        return self._parse(protocol.DeviceInfo, self.request("GET", f"{API}/device"))

    def roster(self) -> protocol.RosterResponse:
        return self._parse(protocol.RosterResponse, self.request("GET", f"{API}/roster"))

    def verify_officer(self, service_number: str, pin: str) -> protocol.OfficerVerifyResponse:
        """An officer's first unlock on this device (never retried: wrong PINs count)."""
        body = protocol.OfficerVerifyRequest(service_number=service_number, pin=pin).model_dump_json()
        return self._parse(protocol.OfficerVerifyResponse,
                           self.request("POST", f"{API}/officers/verify", body=body.encode("utf-8"),
                                        idempotent=False, compress=False))

    # -- sync --------------------------------------------------------------------------
    def push(self, mutations: Sequence[protocol.Mutation | Mapping[str, Any]]) -> protocol.PushResponse:
        items = [m.model_dump() if isinstance(m, protocol.Mutation) else dict(m) for m in mutations]
        return self.push_raw(self._json({"mutations": items}))

    def push_raw(self, body: bytes) -> protocol.PushResponse:
        """Send a ready JSON push body (the engine builds it from the outbox)."""
        return self._parse(protocol.PushResponse, self.request("POST", f"{API}/sync/push", body=body))

    def push_bytes(self, body: bytes, *, gzipped: bool = False) -> bytes:
        """Send a ready push body (possibly already gzipped); HQ's answer, unparsed
        (:func:`parse_push` parses it, on whichever thread suits the caller)."""
        return self.request("POST", f"{API}/sync/push", body=body, gzipped=gzipped).content

    def pull(self, since: int = 0, limit: int = protocol.DEFAULT_PULL_LIMIT, *,
             exclude_own: bool = False) -> protocol.PullResponse:
        return parse_pull(self.pull_bytes(since, limit, exclude_own=exclude_own))

    def pull_bytes(self, since: int = 0, limit: int = protocol.DEFAULT_PULL_LIMIT, *,
                   exclude_own: bool = False) -> bytes:
        """A pull page, unparsed (:func:`parse_pull`, :func:`pull_tail`). ``exclude_own``:
        HQ leaves out records whose current version this device wrote (an HQ that does
        not know the option ignores it and sends them: the result is the same)."""
        params: dict[str, Any] = {"since": int(since), "limit": int(limit)}
        if exclude_own:
            params["exclude_own"] = "true"
        return self.request("GET", f"{API}/sync/pull", params=params).content

    def conflicts(self) -> list[dict[str, Any]]:
        response = self.request("GET", f"{API}/conflicts")
        try:
            data = json.loads(response.content)
            items = data["conflicts"]
            if not isinstance(items, list):
                raise TypeError("conflicts is not a list")
        except (ValueError, KeyError, TypeError) as exc:
            raise SyncError("server", tr("Réponse du QG illisible."), {"code": "bad_response"},
                            status=response.status_code) from exc
        return items

    # -- attachments -----------------------------------------------------------------------
    def attachment_status(self, sha256: str) -> protocol.AttachmentStatus:
        return self._parse(protocol.AttachmentStatus, self.request("GET", f"{API}/attachments/{sha256}"))

    def put_chunk(self, sha256: str, index: int, data: bytes) -> protocol.AttachmentStatus:
        return self._parse(protocol.AttachmentStatus, self.request(
            "PUT", f"{API}/attachments/{sha256}/chunks/{int(index)}", body=bytes(data),
            content_type="application/octet-stream", compress=False))

    def complete_attachment(self, sha256: str, *, size: int, chunk_count: int,
                            media_type: str | None = None) -> protocol.AttachmentStatus:
        req = protocol.AttachmentComplete(size=size, chunk_count=chunk_count, media_type=media_type)
        return self._parse(protocol.AttachmentStatus, self.request(
            "POST", f"{API}/attachments/{sha256}/complete", body=req.model_dump_json().encode("utf-8")))

    def download_attachment(self, sha256: str) -> bytes:
        """A complete file from HQ, checked against its name."""
        data = self.request("GET", f"{API}/attachments/{sha256}/content").content
        if hashlib.sha256(data).hexdigest() != sha256:
            raise SyncError("server", tr("Le fichier reçu du QG ne correspond pas à son empreinte."),
                            {"code": "hash_mismatch"})
        return data

    # -- audit ------------------------------------------------------------------------------
    def audit_push(self, events: Iterable[Mapping[str, Any] | BaseModel]) -> protocol.AuditPushResponse:
        items = [e.model_dump() if isinstance(e, BaseModel) else dict(e) for e in events]
        return self._parse(protocol.AuditPushResponse,
                           self.request("POST", f"{API}/audit/push", body=self._json({"events": items})))

    def audit_chain(self) -> protocol.ChainStatus:
        return self._parse(protocol.ChainStatus, self.request("GET", f"{API}/audit/chain"))
