"""A real HQ on loopback for the shell's tests (TLS with HQ's own CA, real HTTP), and
helpers to enrol a device through the enrolment screen."""

from __future__ import annotations

import os

os.environ.setdefault("NEO_HQ_ARGON2_MEMORY_KIB", "256")
os.environ.setdefault("NEO_HQ_ARGON2_TIME_COST", "1")
os.environ.setdefault("NEO_HQ_ARGON2_PARALLELISM", "1")

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from neo.hq.config import HQConfig
from neo.hq.testing import LiveHQ
from neo.ui.qt import Qt
from tests.ui.conftest import OFFICER_NAME, PIN, SERVICE_NUMBER

UNIT = "BTA Menton"
OTHER_NUMBER = "100002"
OTHER_PIN = "739164"


@pytest.fixture
def hq(tmp_path: Path) -> Iterator[LiveHQ]:
    """HQ with the unit "BTA Menton" and two of its officers (100001 and 100002)."""
    with LiveHQ(HQConfig(data_dir=tmp_path / "hq")) as server:
        server.hq.add_unit(UNIT)
        server.hq.add_officer(SERVICE_NUMBER, OFFICER_NAME, UNIT, PIN)
        server.hq.add_officer(OTHER_NUMBER, "Karim Benali", UNIT, OTHER_PIN)
        yield server


def enrol_through_the_screen(qtbot: Any, window: Any, code: str, device_name: str = "Tablette BTA 3") -> None:
    """Type the code and the name, tap "Enrôler l'appareil", wait for the answer."""
    screen = window.enrol_screen
    screen.code.setText(code)
    screen.device_name.setText(device_name)
    with qtbot.waitSignal(screen.sig_attempt_done, timeout=30000):
        qtbot.mouseClick(screen.enrol_button, Qt.MouseButton.LeftButton)
