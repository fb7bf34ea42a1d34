"""Fixtures of the statements tests (device side): the real module host on the test's
SQLCipher session, and the service with a settable clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from neo import i18n
from neo.api import ModuleContext
from neo.host import ModuleHost
from neo.modules.statements.service import StatementService
from tests.modules.statements.helpers import Clock, service_of, start


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    i18n.set_language("fr")
    yield
    i18n.set_language("fr")


@pytest.fixture
def host(session: Any) -> Iterator[ModuleHost]:
    h = start(session)
    yield h
    h.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ctx_service(host: ModuleHost, clock: Clock) -> tuple[ModuleContext, StatementService]:
    return service_of(host, clock)


@pytest.fixture
def service(ctx_service: tuple[ModuleContext, StatementService]) -> StatementService:
    return ctx_service[1]
