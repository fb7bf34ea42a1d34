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


def service_for(ctx: ModuleContext) -> LookupService:
    """The service of ``ctx`` (made on first use if the module was not activated through it)."""
    with _lock:
        service = _services.get(ctx)
        if service is None:
            service = _services[ctx] = LookupService(ctx)
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
