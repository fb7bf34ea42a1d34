"""Sync failures: one exception type with a *kind* the UI can act on.

HQ's error bodies carry ``{"error": {"kind", "message", "detail"}}`` (see
docs/sync-protocol.md); the device adds the ``network`` kind for transport failures
(no answer, TLS failure, timeout). :func:`officer_message` says, in the current
language, what the officer should do about each kind (docs/sync-device.md lists them).
"""

from __future__ import annotations

from typing import Any, Literal

from neo.i18n import tr

SyncErrorKind = Literal["auth", "revoked", "rejected", "conflict", "server", "not_found", "too_large", "network"]
KINDS: tuple[str, ...] = ("auth", "revoked", "rejected", "conflict", "server", "not_found", "too_large", "network")


class SyncError(Exception):
    """A failed exchange with HQ. ``message`` is for a person (French by default: HQ's
    own message when HQ answered, the device's otherwise); ``detail`` is machine-readable
    (always a ``code``), ``status`` the HTTP status when there was one."""

    def __init__(self, kind: str, message: str, detail: dict[str, Any] | None = None, *,
                 status: int | None = None) -> None:
        if kind not in KINDS:
            kind = "server"
        super().__init__(f"{kind}: {message}")
        self.kind: SyncErrorKind = kind  # type: ignore[assignment]
        self.message = message
        self.detail: dict[str, Any] = dict(detail or {})
        self.status = status

    @property
    def code(self) -> str | None:
        code = self.detail.get("code")
        return str(code) if code is not None else None

    @property
    def retry_after(self) -> float | None:
        value = self.detail.get("retry_after")
        try:
            return float(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "code": self.code, "status": self.status,
                "detail": self.detail}


class DeviceRevoked(SyncError):
    """HQ revoked this device: the caller audits and wipes the device."""

    def __init__(self, message: str | None = None, detail: dict[str, Any] | None = None, *,
                 status: int | None = 403) -> None:
        super().__init__("revoked", message or tr("Cet appareil a été révoqué par le QG."), detail, status=status)


def officer_message(error: SyncError) -> str:
    """What to tell the officer, in the current language, for an error of each kind."""
    kind = error.kind
    if kind == "network":
        return tr("QG injoignable : vos données restent sur l'appareil et partiront à la prochaine synchronisation.")
    if kind == "auth":
        if error.status == 401:
            return tr("Le QG ne reconnaît plus cet appareil : faites-le réenrôler par votre unité.")
        return tr("Accès refusé par le QG : {msg}", msg=error.message)
    if kind == "revoked":
        return tr("Cet appareil a été révoqué par le QG : ses données vont être effacées. Rendez-le à votre unité.")
    if kind == "server":
        return tr("Le QG rencontre un problème : nouvel essai automatique plus tard. Vos données sont conservées.")
    if kind == "too_large":
        return tr("Envoi trop volumineux pour le QG : il sera découpé au prochain essai.")
    if kind == "not_found":
        return tr("Le QG ne connaît pas cette ressource : mettez l'application à jour ou contactez votre unité.")
    if kind == "conflict":
        return tr("Le QG signale un conflit : {msg}", msg=error.message)
    return tr("Le QG a refusé une donnée : {msg}", msg=error.message)
