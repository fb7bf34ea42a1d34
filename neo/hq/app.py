"""The HQ web application: the HTTP face of :class:`~neo.hq.service.Headquarters`.

``create_app(config)`` returns a FastAPI app serving the sync protocol under
``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``). The wire models are in
:mod:`neo.protocol`; docs/sync-protocol.md is the prose contract.

Every error, whatever raised it, leaves as ``{"error": {"kind", "message", "detail"}}``
with a 4xx status for anything the client got wrong; a 5xx only for HQ's own failures.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

from fastapi import FastAPI, Header, Path, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from neo import protocol
from neo.hq import tls
from neo.hq.config import HQConfig
from neo.hq.errors import AuthError, HQError, NotFound, Rejected, ServerError
from neo.hq.lookup.service import check_reason
from neo.hq.middleware import ApiGate
from neo.hq.service import Device, Headquarters
from neo.i18n import tr

log = logging.getLogger(__name__)

API = protocol.API_PREFIX
JSON_TYPE = "application/json"

_bearer = HTTPBearer(auto_error=False, description="the device token received at enrolment")

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": protocol.ErrorResponse, "description": "malformed request (bad JSON, bad gzip)"},
    401: {"model": protocol.ErrorResponse, "description": "missing or unknown token (kind auth)"},
    403: {"model": protocol.ErrorResponse, "description": "revoked device (kind revoked) or refused officer (kind auth)"},
    413: {"model": protocol.ErrorResponse, "description": "body too large (kind too_large)"},
    422: {"model": protocol.ErrorResponse, "description": "invalid request (kind rejected)"},
}


def _error_response(err: HQError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status, headers=err.headers or None)


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), status_code=status,
                    media_type=JSON_TYPE)


def device_of(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
) -> Device:
    """The device :class:`~neo.hq.middleware.ApiGate` authenticated for this request."""
    device = getattr(request.state, "device", None)
    if not isinstance(device, Device):
        raise AuthError(tr("Jeton d'appareil manquant."), code="token_missing")
    return device


CurrentDevice = Annotated[Device, Security(device_of)]
Sha = Annotated[str, Path(pattern=protocol.SHA256_PATTERN, description="lowercase hex SHA-256 of the file")]


_RAW_BODY_MODELS: tuple[type[BaseModel], ...] = (protocol.PushRequest, protocol.LookupRequest)


def _json_body(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a JSON body an endpoint parses itself (see :func:`parse_body`)."""
    return {"requestBody": {"required": True, "content": {
        JSON_TYPE: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}


M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M], body: bytes) -> M:
    """Validate a raw JSON body, with the same errors FastAPI's own parsing gives."""
    if not body:
        raise Rejected(tr("Requête invalide."), code="invalid",
                       errors=[{"loc": ["body"], "msg": "Field required", "type": "missing"}])
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = [
            {"loc": ["body", *(str(p) for p in e.get("loc", ()))], "msg": str(e.get("msg", "")),
             "type": str(e.get("type", ""))}
            for e in exc.errors()[:50]
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            raise Rejected(tr("Le corps de la requête n'est pas du JSON valide."), code="malformed_json", status=400,
                           errors=errors) from None
        raise Rejected(tr("Requête invalide."), code="invalid", errors=errors) from None


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak or strong) or is ``*``."""
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def tls_identity(config: HQConfig) -> tuple[str | None, bytes | None]:
    """The pinned CA's fingerprint and PEM (None, None for a plain-HTTP HQ)."""
    if config.insecure:
        return None, None
    if config.tls_cert and config.tls_key:
        files = tls.external(config.tls_cert, config.tls_key, config.tls_ca, config.tls_dir)
        return files.fingerprint, files.ca_pem
    ca_file, fingerprint = tls.ca_only(config.tls_dir)
    return fingerprint, ca_file.read_bytes()


def create_app(config: HQConfig, *, hq: Headquarters | None = None) -> FastAPI:
    fingerprint, ca_pem = tls_identity(config)
    service = hq or Headquarters(config, tls_fingerprint=fingerprint)
    service.tls_fingerprint = fingerprint

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop_watch = service.watch.housekeeping()  # ended holiday watches leave the tablets
        yield
        stop_watch()
        if hq is None:
            service.close()

    app = FastAPI(
        title="NEO HQ",
        summary="Headquarters of the NEO field toolkit: enrolment, sync, audit, attachments.",
        version=f"{protocol.PROTOCOL_VERSION}.0",
        openapi_url=f"{API}/openapi.json",
        docs_url=f"{API}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.hq = service

    # -- errors ----------------------------------------------------------------------
    @app.exception_handler(HQError)
    async def _hq_error(_request: Request, exc: HQError) -> JSONResponse:
        return _error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()[:50]
        ]
        if any(e["type"] == "json_invalid" for e in errors):
            return _error_response(Rejected(tr("Le corps de la requête n'est pas du JSON valide."),
                                            code="malformed_json", status=400, errors=errors))
        return _error_response(Rejected(tr("Requête invalide."), code="invalid", errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            err: HQError = NotFound(tr("Ressource inconnue."), code="no_route")
        elif exc.status_code == 405:
            err = Rejected(tr("Méthode non autorisée."), code="method_not_allowed", status=405)
        elif exc.status_code < 500:
            err = Rejected(tr("Requête invalide."), code="bad_request", status=exc.status_code)
        else:
            err = ServerError(tr("Erreur interne du QG."), code="internal", status=exc.status_code)
        return _error_response(err)

    @app.exception_handler(Exception)
    async def _crash(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return _error_response(ServerError(tr("Erreur interne du QG."), code="internal", status=500))

    # -- public ------------------------------------------------------------------------
    @app.get(f"{API}/health", response_model=protocol.Health, tags=["public"])
    def health() -> Any:
        """Liveness, protocol version, HQ's clock and database epoch. No authentication."""
        import time

        return {"status": "ok", "protocol": protocol.PROTOCOL_VERSION, "server_time_ms": int(time.time() * 1000),
                "epoch": service.epoch}

    @app.get(f"{API}/ca.pem", tags=["public"], responses={200: {"content": {"application/x-pem-file": {}}}})
    def ca_certificate() -> Response:
        """HQ's CA certificate. A device fetches it once, checks its SHA-256 (DER) against the
        fingerprint in its enrolment code, then trusts only it."""
        if ca_pem is None:
            raise NotFound(tr("Ce QG fonctionne sans TLS."), code="no_tls")
        return Response(ca_pem, media_type="application/x-pem-file")

    @app.post(f"{API}/enroll", response_model=protocol.EnrollResponse, tags=["public"], responses=ERRORS)
    def enroll(body: protocol.EnrollRequest) -> Any:
        """Register a device with a one-time enrolment code; returns its id and token (shown
        once), its unit and the roster of that unit."""
        return _json(service.enroll(body))

    # -- device ----------------------------------------------------------------------
    @app.get(f"{API}/device", response_model=protocol.DeviceInfo, tags=["device"], responses=ERRORS)
    def whoami(device: CurrentDevice) -> Any:
        return service.device_info(device)

    @app.get(f"{API}/roster", response_model=protocol.RosterResponse, tags=["device"], responses=ERRORS)
    def roster(device: CurrentDevice) -> Any:
        """The officers of the device's unit, disabled ones flagged (they lose access)."""
        return _json(service.roster(device))

    @app.post(f"{API}/officers/verify", response_model=protocol.OfficerVerifyResponse, tags=["device"],
              responses={**ERRORS, 429: {"model": protocol.ErrorResponse, "description": "too many wrong PINs"}})
    def verify_officer(body: protocol.OfficerVerifyRequest, device: CurrentDevice) -> Any:
        """Check an officer's PIN for their first unlock on this device."""
        return service.verify_officer(device, body.service_number, body.pin)

    # -- sync ---------------------------------------------------------------------------
    @app.post(f"{API}/sync/push", response_model=protocol.PushResponse, tags=["sync"], responses=ERRORS,
              openapi_extra=_json_body(protocol.PushRequest))
    async def push(request: Request, device: CurrentDevice) -> Any:
        """Apply a batch of mutations; one result per mutation, in order. Idempotent by mutation id."""
        body = await request.body()

        def work() -> list[dict[str, Any]]:
            # Parsed and validated in one pass from the raw bytes (the hot path of sync).
            return service.push(device, parse_body(protocol.PushRequest, body).mutations)

        return _json({"results": await run_in_threadpool(work)})

    @app.get(f"{API}/sync/pull", response_model=protocol.PullResponse, tags=["sync"], responses=ERRORS)
    def pull(
        device: CurrentDevice,
        since: Annotated[int, Query(ge=0, le=2**62, description="the cursor from the last page applied (0 at first)")] = 0,
        limit: Annotated[int, Query(ge=1, le=protocol.MAX_PULL_LIMIT)] = protocol.DEFAULT_PULL_LIMIT,
        exclude_own: Annotated[bool, Query(description=(
            "leave out records whose current version this device wrote (it holds them); "
            "the cursor still moves past them"))] = False,
    ) -> Any:
        """Changes visible to the device's unit after ``since``, in server-sequence order."""
        return Response(service.pull(device, since, limit, exclude_own=exclude_own), media_type=JSON_TYPE)

    @app.get(f"{API}/conflicts", tags=["sync"], responses=ERRORS)
    def open_conflicts(device: CurrentDevice) -> Any:
        """Open conflicts on records this device can see, with both sides."""
        return _json({"conflicts": service.conflicts_for(device)})

    # -- attachments -------------------------------------------------------------------
    @app.put(
        f"{API}/attachments/{{sha256}}/chunks/{{index}}", response_model=protocol.AttachmentStatus,
        tags=["attachments"], responses=ERRORS,
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
    )
    async def put_chunk(
        request: Request, sha256: Sha, device: CurrentDevice,
        index: Annotated[int, Path(ge=0, lt=protocol.MAX_ATTACHMENT_CHUNKS)],
    ) -> Any:
        """Upload one chunk (raw bytes). Re-sending a chunk replaces it; after completion it is ignored."""
        data = await request.body()
        return _json(await run_in_threadpool(service.put_chunk, device, sha256, index, data))

    @app.get(f"{API}/attachments/{{sha256}}", response_model=protocol.AttachmentStatus, tags=["attachments"],
             responses=ERRORS)
    def attachment_status(sha256: Sha, device: CurrentDevice) -> Any:
        """Whether HQ has the file, and which chunks this device has uploaded so far."""
        return _json(service.attachment_status(device, sha256))

    @app.post(f"{API}/attachments/{{sha256}}/complete", response_model=protocol.AttachmentStatus,
              tags=["attachments"], responses=ERRORS)
    def complete_attachment(sha256: Sha, body: protocol.AttachmentComplete, device: CurrentDevice) -> Any:
        """Assemble the chunks and verify the SHA-256; on mismatch the chunks are discarded (422)."""
        return _json(service.complete_attachment(device, sha256, body))

    @app.get(f"{API}/attachments/{{sha256}}/content", tags=["attachments"], response_class=FileResponse,
             responses={**ERRORS, 404: {"model": protocol.ErrorResponse}, 200: {
                 "description": "the file, with the media type given at completion (else application/octet-stream)",
                 "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}})
    def attachment_content(sha256: Sha, device: CurrentDevice) -> Any:
        path, media_type = service.attachment_file(device, sha256)
        return FileResponse(path, media_type=media_type or "application/octet-stream")

    # -- audit ---------------------------------------------------------------------------
    @app.post(f"{API}/audit/push", response_model=protocol.AuditPushResponse, tags=["audit"], responses=ERRORS)
    def audit_push(body: protocol.AuditPushRequest, device: CurrentDevice) -> Any:
        """Append the device's audit events; HQ checks the chain continues from what it holds."""
        return _json(service.audit_push(device, body.events))

    @app.get(f"{API}/audit/chain", response_model=protocol.ChainStatus, tags=["audit"], responses=ERRORS)
    def audit_chain(device: CurrentDevice) -> Any:
        """Where the device's chain stands at HQ (last sequence received, first break)."""
        return service.audit_chain(device)

    # -- lookup (the lookup module's routes, under /m/lookup) -----------------------------
    lookups, hotlist = service.lookup, service.hotlist

    @app.post(f"{API}/m/lookup/search", response_model=protocol.LookupResponse, tags=["lookup"],
              responses={**ERRORS, 409: {"model": protocol.ErrorResponse,
                                         "description": "query_id already used by another device or officer"},
                         429: {"model": protocol.ErrorResponse, "description": "too many queries by this officer"}},
              openapi_extra=_json_body(protocol.LookupRequest))
    async def lookup_search(request: Request, device: CurrentDevice) -> Any:
        """One officer's query against every reference file they may search, with its reason.
        Logged at HQ; a query resent with the same ``query_id`` gets the same answer
        (``replayed: true``) and is logged once. See docs/lookup-protocol.md."""
        body = await request.body()

        def work() -> dict[str, Any]:
            try:
                data = json.loads(body)
            except (ValueError, RecursionError):
                data = None
            check_reason(data)
            return lookups.query(device.id, device.unit_id, parse_body(protocol.LookupRequest, body))

        return _json(await run_in_threadpool(work))

    @app.get(f"{API}/m/lookup/hotlist", response_model=protocol.HotlistResponse, tags=["lookup"],
             responses={**ERRORS, 304: {"description": "unchanged: the version named in If-None-Match is current"}})
    def lookup_hotlist(
        device: CurrentDevice,
        if_none_match: Annotated[str | None, Header(max_length=1000, description=(
            "the ETag of the list the device holds"))] = None,
    ) -> Any:
        """Keyed hashes of the identifiers of stolen vehicles and documents and wanted persons,
        for an offline "probable hit". ``ETag`` is the list's version; send it back in
        ``If-None-Match`` to get 304 when nothing changed."""
        current = hotlist.current()
        headers = {"ETag": current.etag, "Cache-Control": "private, no-cache"}
        if if_none_match and etag_matches(if_none_match, current.etag):
            return Response(status_code=304, headers=headers)
        return Response(current.body, media_type=JSON_TYPE, headers=headers)

    from neo.hq.watch.routes import add_watch_routes

    add_watch_routes(app, service)  # the holiday watch, under /m/holiday_watch

    from neo.hq.watch.distribution import add_basemap_routes

    add_basemap_routes(app, config)  # the basemap package for the tablets

    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = default_openapi()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in _RAW_BODY_MODELS:
                model_schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                for name, definition in model_schema.pop("$defs", {}).items():
                    components.setdefault(name, definition)
                components.setdefault(model.__name__, model_schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    app.add_middleware(ApiGate, authenticate=service.authenticate, authenticate_cached=service.authenticate_cached,
                       max_body=config.max_body_bytes, max_chunk=config.max_chunk_bytes)
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=config.gzip_level)
    return app

