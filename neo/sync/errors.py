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


def message_for(kind: str, detail: str = "", status: int | None = None) -> str:
    """What went wrong and what to do next, for the officer, by error kind (the one
    source of these texts: the CLI and the shell both use it)."""
    if kind == "auth" and status is not None and status != 401:
        advice = tr("Accès refusé par le QG : {msg}", msg=detail)
        detail = ""
    else:
        advice = {
            "network": tr("QG injoignable : les données restent sur l'appareil et partiront à la prochaine "
                          "synchronisation."),
            "auth": tr("Enrôlement refusé par le QG : réenrôlez l'appareil auprès de votre unité."),
            "server": tr("Le QG a un problème : nouvel essai automatique. Les données restent sur l'appareil."),
            "rejected": tr("Le QG a refusé une requête de l'appareil : signalez-le à votre unité. Les données "
                           "restent sur l'appareil."),
            "conflict": tr("Le QG signale un conflit : signalez-le à votre unité. Les données restent sur "
                           "l'appareil."),
            "too_large": tr("Des données sont trop volumineuses pour le QG : signalez-le à votre unité. Elles "
                            "restent sur l'appareil."),
            "not_found": tr("Le QG ne reconnaît pas cette demande : mettez l'application à jour."),
            "revoked": tr("Cet appareil a été révoqué par le QG : ses données ont été effacées. "
                          "Rendez-le à votre unité."),
        }.get(kind) or tr("Échec de la synchronisation : nouvel essai automatique. Les données restent sur "
                          "l'appareil.")
    if detail and kind not in ("network", "revoked"):
        advice += "\n" + tr("Détail : {msg}", msg=detail)
    return advice


def officer_message(error: SyncError) -> str:
    """What to tell the officer, in the current language, for a sync error."""
    return message_for(error.kind, error.message, error.status)
