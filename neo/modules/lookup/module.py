"""Record lookup: activation, and the service of each active context.

``activate(ctx)`` builds the :class:`~neo.modules.lookup.service.LookupService` of this
context and asks ``ctx.hq`` to call it back each time HQ is reached (refresh the
hot-list, send the queued queries). The page and the command line get the service with
:func:`service_for` (the page receives the same ``ctx`` in its constructor).
"""

from __future__ import annotations

import threading
import weakref

from neo.api import ModuleContext
from neo.modules.lookup.service import LookupService

_services: weakref.WeakKeyDictionary[ModuleContext, LookupService] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


# Settings of the module's section (ctx.settings), with their defaults.
SETTINGS_DEFAULTS: dict[str, float] = {
    "hotlist_refresh_minutes": 15.0,  # fetch the hot-list at most this often (when HQ is reached)
    "history_retention_days": 90,     # answered queries older than this are deleted
    "history_max": 1000,              # and at most this many are kept per officer
}


def _setting(ctx: ModuleContext, key: str) -> float:
    value = ctx.settings.get(key, SETTINGS_DEFAULTS[key])
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if number <= 0:
        ctx.log.warning("setting %s=%r is not a positive number: %s used", key, value, SETTINGS_DEFAULTS[key])
        return SETTINGS_DEFAULTS[key]
    return number


def service_for(ctx: ModuleContext) -> LookupService:
    """The service of ``ctx`` (made on first use if the module was not activated through it)."""
    with _lock:
        service = _services.get(ctx)
        if service is None:
            service = _services[ctx] = LookupService(
                ctx, hotlist_refresh_minutes=_setting(ctx, "hotlist_refresh_minutes"),
                retention_days=int(_setting(ctx, "history_retention_days")),
                history_max=int(_setting(ctx, "history_max")))
        return service


def activate(ctx: ModuleContext) -> None:
    service = service_for(ctx)

    def on_reachable() -> None:
        service.refresh_hotlist()
        service.drain()

    ctx.hq.on_reachable(on_reachable)

    def stop() -> None:
        service.close()
        with _lock:
            _services.pop(ctx, None)

    ctx.on_deactivate(stop)
    ctx.log.info("module %s activated", ctx.module_id)
