"""The gate every API request passes before routing: device authentication, then the
request body (size limit, gzip decoding).

Authentication comes first so a revoked device is told it is revoked whatever else is
wrong with its request, and an unauthenticated client never gets its body read. The
body is read whole (it is bounded) and replayed to the app, decompressed when it came
with ``Content-Encoding: gzip``; the decompressed size is bounded too.
"""

from __future__ import annotations

import json
import logging
import re
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from starlette.requests import ClientDisconnect

from neo import protocol
from neo.hq.errors import AuthError, HQError, Rejected, ServerError, TooLarge
from neo.i18n import tr

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PUBLIC_PATHS = frozenset({
    f"{protocol.API_PREFIX}/health",
    f"{protocol.API_PREFIX}/enroll",
    f"{protocol.API_PREFIX}/ca.pem",
    f"{protocol.API_PREFIX}/openapi.json",
    f"{protocol.API_PREFIX}/docs",
    f"{protocol.API_PREFIX}/docs/oauth2-redirect",
})
UNLOCK_TOKEN_PATHS = frozenset({f"{protocol.API_PREFIX}/officers/verify"})
"""What the verify-only unlock token may call."""
CHUNK_PATH = re.compile(r"^" + re.escape(protocol.API_PREFIX) + r"/attachments/[^/]+/chunks/[^/]+$")
DRAIN_LIMIT = 64 * 1024 * 1024  # read (and drop) at most this much of an oversized body
MAX_HEADER_BYTES = 32 * 1024
"""All request headers together (names and values); more is refused with 431."""
SINGLE_HEADERS = frozenset({"authorization", "content-length", "content-encoding", "content-type"})
"""Headers a request may carry once: with two, which one counts would be a guess (one
Authorization checked by the gate, another read by the route)."""


async def send_error(send: Send, error: HQError) -> None:
    body = json.dumps(error.body(), ensure_ascii=False).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in error.headers.items()]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class ApiGate:
    def __init__(self, app: ASGIApp, *, authenticate: Callable[[str | None], Any], max_body: int,
                 max_chunk: int, authenticate_cached: Callable[[str | None], Any] | None = None) -> None:
        self.app = app
        self.authenticate = authenticate
        self.authenticate_cached = authenticate_cached
        """A check without database access (None when it cannot tell): no thread hop."""
        self.max_body = max_body
        self.max_chunk = max_chunk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        try:
            headers = _headers(scope)
            if path.startswith(protocol.API_PREFIX + "/") and path not in PUBLIC_PATHS:
                token = _bearer(headers.get("authorization"))
                try:
                    device = self.authenticate_cached(token) if self.authenticate_cached else None
                    if device is None:
                        device = await anyio.to_thread.run_sync(self.authenticate, token)
                except HQError:
                    raise
                except Exception as exc:
                    log.error("device authentication failed", exc_info=exc)
                    raise ServerError(tr("Le QG est occupé ; réessayez."), code="busy") from exc
                if getattr(device, "scope", "device") != "device" and path not in UNLOCK_TOKEN_PATHS:
                    raise AuthError(tr("Ce jeton ne sert qu'à vérifier un agent."), code="token_scope", status=403)
                scope.setdefault("state", {})["device"] = device
            if scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
                limit = self.max_chunk if CHUNK_PATH.match(path) else self.max_body
                receive, scope = await self._body(scope, receive, headers, limit)
        except HQError as err:
            await send_error(send, err)
            return
        except ClientDisconnect:  # the body was cut short: nobody to answer, nothing to handle
            return
        await self.app(scope, receive, send)

    async def _body(self, scope: Scope, receive: Receive, headers: dict[str, str],
                    limit: int) -> tuple[Receive, Scope]:
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("identity", "gzip", ""):
            raise Rejected(tr("Encodage de requête non pris en charge : {enc}.", enc=encoding),
                           code="unsupported_encoding", status=415)
        too_large = TooLarge(tr("Requête trop volumineuse (limite : {n} octets).", n=limit), code="body_too_large",
                             limit=limit)
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                raise Rejected(tr("En-tête Content-Length invalide."), code="bad_content_length", status=400)
            if int(declared) > limit:
                await _drain(receive, min(int(declared), DRAIN_LIMIT))
                raise too_large
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                # Never hand a partial body on as if it were whole (a cut chunk upload
                # would be stored short and the file could never complete).
                raise ClientDisconnect()
            data = message.get("body", b"")
            size += len(data)
            more = message.get("more_body", False)
            if size > limit:
                if more:
                    await _drain(receive, DRAIN_LIMIT)
                raise too_large
            chunks.append(data)
        body = b"".join(chunks)
        if encoding == "gzip" and body:
            body = _gunzip(body, limit, too_large)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        new_headers = [
            (k, v) for k, v in scope["headers"] if k.lower() not in (b"content-encoding", b"content-length")
        ]
        new_headers.append((b"content-length", str(len(body)).encode()))
        return replay, {**scope, "headers": new_headers}


def _gunzip(data: bytes, limit: int, too_large: TooLarge) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
        if len(out) > limit or inflater.unconsumed_tail:
            raise too_large
        out += inflater.flush()
    except zlib.error:
        raise Rejected(tr("Corps gzip illisible."), code="bad_gzip", status=400) from None
    if len(out) > limit:
        raise too_large
    if not inflater.eof:
        raise Rejected(tr("Corps gzip illisible."), code="bad_gzip", status=400)
    return out


async def _drain(receive: Receive, budget: int) -> None:
    """Read and drop the rest of a refused body, so the client can read our answer."""
    seen = 0
    while seen <= budget:
        message = await receive()
        if message["type"] != "http.request":
            return
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    size = 0
    for k, v in scope.get("headers", []):
        name = k.decode("latin-1").lower()
        size += len(k) + len(v)
        if name in out and name in SINGLE_HEADERS:
            raise Rejected(tr("En-tête {name} en double.", name=name), code="duplicate_header", status=400,
                           header=name)
        out[name] = v.decode("latin-1")
    if size > MAX_HEADER_BYTES:
        raise Rejected(tr("En-têtes de requête trop volumineux (limite : {n} octets).", n=MAX_HEADER_BYTES),
                       code="headers_too_large", status=431, limit=MAX_HEADER_BYTES)
    return out


def _bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(tr("En-tête Authorization invalide (attendu : Bearer <jeton>)."), code="token_malformed")
    return token.strip()
