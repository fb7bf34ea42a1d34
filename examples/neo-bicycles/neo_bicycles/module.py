"""Activation: load the shipped file if it changed, and contribute the file to the
record lookup and the complaint template to the statements. Either module may be absent
from a device (an extension point nobody declares): the module then offers what it can.
"""

from __future__ import annotations

import json
import threading
import weakref
from typing import Any

from neo.api import ExtensionError, ModuleContext

from neo_bicycles.provider import FILE_ID, StolenBicyclesFile
from neo_bicycles.service import DATA_DIR, BicycleService

LOOKUP_POINT = "lookup.reference_file"
TEMPLATE_POINT = "statements.template"

_services: weakref.WeakKeyDictionary[ModuleContext, BicycleService] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def service_for(ctx: ModuleContext) -> BicycleService:
    """The service of this context (the page receives the same ``ctx``)."""
    with _lock:
        service = _services.get(ctx)
        if service is None:
            service = _services[ctx] = BicycleService(ctx)
        return service


def statement_template() -> dict[str, Any]:
    """The complaint for a stolen bicycle (a statements template: data, not code)."""
    return json.loads((DATA_DIR / "statement_template.json").read_text(encoding="utf-8"))


def activate(ctx: ModuleContext) -> None:
    service = service_for(ctx)
    loaded = service.load_registry()
    if loaded:
        ctx.log.info("shipped file of stolen bicycles loaded: %d", loaded)
    offers = ((LOOKUP_POINT, FILE_ID, StolenBicyclesFile(ctx, service)),
              (TEMPLATE_POINT, "plainte_vol_velo", statement_template()))
    for point, key, value in offers:
        try:
            ctx.register(point, key, value)
        except ExtensionError:
            ctx.log.info("%s is not offered on this device: nothing contributed there", point)
    ctx.on_deactivate(lambda: _services.pop(ctx, None))
