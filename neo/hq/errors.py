"""HQ's errors. Each carries the HTTP status, the protocol error ``kind`` and a stable
machine-readable ``code``; the app turns them into ``{"error": {kind, message, detail}}``."""

from __future__ import annotations

from typing import Any


class HQError(Exception):
    status = 400
    kind = "rejected"

    def __init__(self, message: str, *, code: str, status: int | None = None, headers: dict[str, str] | None = None,
                 **detail: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        if status is not None:
            self.status = status
        self.headers = headers or {}
        self.detail: dict[str, Any] = {"code": code, **detail}

    def body(self) -> dict[str, Any]:
        return {"error": {"kind": self.kind, "message": self.message, "detail": self.detail}}


class AuthError(HQError):
    """Missing or wrong credentials (401), or credentials that are refused (403)."""

    status = 401
    kind = "auth"


class Throttled(AuthError):
    status = 429

    def __init__(self, message: str, *, retry_after: float) -> None:
        seconds = max(1, int(retry_after + 0.999))
        super().__init__(message, code="throttled", headers={"Retry-After": str(seconds)}, retry_after=seconds)


class Revoked(HQError):
    """The device was revoked: it must wipe itself."""

    status = 403
    kind = "revoked"


class Rejected(HQError):
    status = 422
    kind = "rejected"


class Conflict(HQError):
    status = 409
    kind = "conflict"


class NotFound(HQError):
    status = 404
    kind = "not_found"


class TooLarge(HQError):
    status = 413
    kind = "too_large"


class ServerError(HQError):
    status = 503
    kind = "server"


class AdminError(Exception):
    """An admin command cannot be carried out; the message is for the person at the console."""
