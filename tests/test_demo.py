"""`make demo` sets up an embedded HQ and an enrolled tablet (run headless here)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from neo.config import Settings
from neo.vault import Vault

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_enrols_the_tablet_with_an_embedded_hq(tmp_path: Path):
    device, hq = tmp_path / "device", tmp_path / "hq"
    cmd = [sys.executable, "-m", "neo.demo", "--no-gui", "--data-dir", str(device), "--hq-dir", str(hq),
           "--port", str(_free_port())]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "Appareil enrôlé auprès de l'unité BTA Menton" in first.stdout
    vault = Vault(device, Settings.load(device))
    info = vault.hq_unlock_info()
    assert info is not None and info["url"].startswith("https://127.0.0.1:")
    # a second run reuses the enrolled tablet and the seeded HQ
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "Appareil enrôlé" not in again.stdout
    # HQ was stopped with the demo: nothing listens any more
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", int(info["url"].rsplit(":", 1)[1]))) != 0
