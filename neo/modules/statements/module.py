"""Statements: activation, and the service of each active context.

``activate(ctx)`` builds the :class:`~neo.modules.statements.service.StatementService` of
this context; the page gets it with :func:`service_for` (it receives the same ``ctx``).
"""

from __future__ import annotations

import threading
import weakref

from neo.api import ExtensionError, ModuleContext
from neo.modules.statements import lookup_action
from neo.modules.statements.service import StatementService

_services: weakref.WeakKeyDictionary[ModuleContext, StatementService] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def service_for(ctx: ModuleContext) -> StatementService:
    """The service of ``ctx`` (made on first use if the module was not activated through it)."""
    with _lock:
        service = _services.get(ctx)
        if service is None:
            service = _services[ctx] = StatementService(ctx)
        return service


def activate(ctx: ModuleContext) -> None:
    service_for(ctx)
    try:
        lookup_action.register(ctx)  # "Utiliser dans une déposition" on a person's lookup hit
    except ExtensionError:  # no lookup module on this device: nothing to offer there
        ctx.log.info("lookup.result_action unavailable: no action offered on lookup hits")

    def stop() -> None:
        with _lock:
            _services.pop(ctx, None)

    ctx.on_deactivate(stop)
    ctx.log.info("module %s activated", ctx.module_id)
