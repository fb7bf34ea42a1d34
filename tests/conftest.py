"""Shared fixtures. Qt runs offscreen; Argon2 is cheap in tests unless a test asks otherwise."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Cheap key derivation for the suite (real parameters are exercised by dedicated tests).
os.environ.setdefault("NEO_KDF__MEMORY_KIB", "256")
os.environ.setdefault("NEO_KDF__TIME_COST", "1")
os.environ.setdefault("NEO_LOOKUP_KDF__MEMORY_KIB", "64")
os.environ.setdefault("NEO_LOOKUP_KDF__TIME_COST", "1")
# The suite never uses the machine's own positioning (tests that need fixes replay an NMEA log).
os.environ.setdefault("NEO_GPS_SOURCE", "off")

from pathlib import Path

import pytest

from neo.config import Settings
from neo.models import Officer
from neo.vault import Session, Vault

DEMO_PIN = "482913"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "device"
    d.mkdir()
    return d


@pytest.fixture
def vault(data_dir: Path) -> Vault:
    return Vault(data_dir, Settings.load(data_dir))


@pytest.fixture
def session(vault: Vault):
    """An unlocked device with one officer (service number 100001, PIN 482913)."""
    s: Session = vault.initialize(Officer(service_number="100001", name="Jeanne Martin", unit="BTA Menton", role="supervisor"), DEMO_PIN)
    yield s
    s.lock()
