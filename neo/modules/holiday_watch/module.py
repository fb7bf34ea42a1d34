"""Holiday watch: activation. A placeholder until the module's own issue makes it real."""

from __future__ import annotations

from neo.api import ModuleContext


def activate(ctx: ModuleContext) -> None:
    ctx.log.info("module %s activated", ctx.module_id)
