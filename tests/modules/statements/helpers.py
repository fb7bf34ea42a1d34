"""Helpers for the statements tests: the real module host on a real (SQLCipher) session,
a settable clock, PNG images, and a draft filled in as an officer would."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image

from neo.api import ModuleContext
from neo.host import ModuleHost
from neo.modules.statements.service import StatementService

STATEMENTS = "neo.modules.statements"
CAMBRIOLAGE = {"natinf": 7154, "label": "VOL PAR EFFRACTION DANS UN LOCAL D'HABITATION OU UN LIEU D'ENTREPOT"}


class Clock:
    """A settable UTC clock for the service (no wall-clock assertions)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def png(color: str = "white", size: tuple[int, int] = (320, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def start(session: Any, remote: Any = None) -> ModuleHost:
    host = ModuleHost(session, builtins=(STATEMENTS,), entry_points=False, remote=remote)
    host.discover()
    host.start()
    return host


def service_of(host: ModuleHost, clock: Clock | None = None) -> tuple[ModuleContext, StatementService]:
    ctx = host.activate("statements")
    return ctx, StatementService(ctx, clock=clock or Clock())


def fill_complaint(service: StatementService, draft_id: str, *, photos: int = 2, sign: bool = True) -> None:
    """A complaint against person unknown for a burglary, ready to sign."""
    service.update(draft_id, "facts.when", {"from": "2026-11-27T21:00:00Z", "to": "2026-11-28T07:00:00Z"})
    service.update(draft_id, "facts.where", {"address": "12 avenue de Verdun, 06500 Menton",
                                             "position": {"lat": 43.7764, "lon": 7.5048, "accuracy": 8.0}})
    service.update(draft_id, "facts.offences", [CAMBRIOLAGE])
    service.update(draft_id, "facts.items", [{"description": "Ordinateur portable", "value_cents": 89900,
                                              "serial": "C02XK1"}])
    service.update(draft_id, "details.entry_method", "effraction")
    service.update(draft_id, "narrative", "En rentrant de week-end, j'ai trouvé la porte d'entrée fracturée.")
    for i in range(photos):
        service.add_attachment(draft_id, png(("red", "blue", "green")[i % 3], (64 + i, 48)), "image/png",
                               f"photo-{i + 1}.png")
    if sign:
        service.set_signature(draft_id, "declarant", png("white"))
        service.set_signature(draft_id, "officer", png("lightgray"))
