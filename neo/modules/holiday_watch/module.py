"""Holiday watch: activation, and the service of each active context.

``activate(ctx)`` builds the :class:`~neo.modules.holiday_watch.service.WatchService` of
this context and asks ``ctx.hq`` to call it back each time HQ is reached: the basemap
package is fetched when the tablet lacks HQ's (on that worker thread, resumed after a
cut) and the access keys past their date are erased. The page gets the service with
:func:`service_for` (it receives the same ``ctx``).
"""

from __future__ import annotations

import threading
import weakref

from neo.api import ModuleContext
from neo.modules.holiday_watch.service import WatchService

_services: weakref.WeakKeyDictionary[ModuleContext, WatchService] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def service_for(ctx: ModuleContext) -> WatchService:
    """The service of ``ctx`` (made on first use)."""
    with _lock:
        service = _services.get(ctx)
        if service is None:
            service = _services[ctx] = WatchService(ctx)
        return service


def activate(ctx: ModuleContext) -> None:
    service = service_for(ctx)
    ctx.hq.on_reachable(service.on_reachable)
    try:
        service.purge_keys()
    except Exception:  # never stop the module for housekeeping
        ctx.log.exception("could not erase the old access keys")

    def stop() -> None:
        service.close()
        with _lock:
            _services.pop(ctx, None)

    ctx.on_deactivate(stop)
    ctx.log.info("module %s activated", ctx.module_id)
