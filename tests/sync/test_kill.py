"""``neo sync`` killed with SIGKILL at random points of a large sync, then run again:
nothing lost, nothing duplicated, on the pushing device, at HQ and on a device that pulls.

Each run is a real process (``python -m neo.sync.cli sync``) that unlocks the device,
syncs through TLS with a live HQ, and is killed after a random number of progress lines
plus a random delay (after the unlock, so a kill never lands on the PIN check, which a
real officer would simply retry). The final run is left to finish.
"""

from __future__ import annotations

import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from neo.config import Settings
from neo.hq.testing import LiveHQ
from neo.replica import Replica
from neo.sync.link import load_link
from neo.vault import Vault

from .conftest import PIN, POLICIES, Device, new_unit
from .test_faults import check_exactly_once

REPO = Path(__file__).resolve().parents[2]
KILLS_PER_DEVICE = 7


def _command(data_dir: Path, officer: str) -> list[str]:
    return [sys.executable, "-m", "neo.sync.cli", "sync", "--data-dir", str(data_dir), "--officer", officer,
            "--pin-stdin", "--json", "--batch", "40", "--pull-limit", "40", "--timeout", "20"]


def _start(data_dir: Path, officer: str) -> tuple[subprocess.Popen[str], queue.Queue[str | None]]:
    proc = subprocess.Popen(_command(data_dir, officer), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO, env=dict(os.environ))
    assert proc.stdin is not None and proc.stderr is not None
    proc.stdin.write(PIN + "\n")
    proc.stdin.close()
    lines: queue.Queue[str | None] = queue.Queue()

    def pump(stream: Any = proc.stderr) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def _kill_after(proc: subprocess.Popen[str], lines: queue.Queue[str | None], after_lines: int, delay: float) -> bool:
    """Kill once ``after_lines`` progress lines were printed (+ ``delay`` s); False if the
    sync finished first."""
    seen = 0
    while seen < after_lines:
        try:
            line = lines.get(timeout=60)
        except queue.Empty:
            break
        if line is None:
            proc.wait(timeout=30)
            return False
        seen += 1
        if os.environ.get("NEO_KILL_DEBUG"):
            print("line:", line.rstrip(), file=sys.stderr)
    time.sleep(delay)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    return True


def _reopen(data_dir: Path, officer: str, live: LiveHQ) -> Device:
    vault = Vault(data_dir, Settings.load(data_dir))
    session = vault.unlock(officer, PIN)
    link = load_link(session.store)
    assert link is not None
    return Device(data_dir.name, live, vault, session, Replica.for_session(session, POLICIES), link, officer)


@pytest.mark.slow
def test_sigkill_at_random_points_loses_and_duplicates_nothing(sqlite_live: LiveHQ, make_device: Any,
                                                                 tmp_path: Path) -> None:
    live = sqlite_live
    rng = random.Random(int(os.environ.get("NEO_KILL_SEED", "20240607")))
    unit, sns = new_unit(live, officers=2)
    a = make_device(live, unit, sns[0], "alpha")
    b = make_device(live, unit, sns[1], "bravo")
    a.replica.put_many("test.events", [(None, {"n": i, "texte": "passage " * 5}) for i in range(2400)])
    notes = a.replica.put_many("test.notes", [(None, {"n": i}) for i in range(200)])
    for rid in notes[:50]:
        a.replica.put("test.notes", rid, {"n": "modifié"})
    photo = random.Random(1).randbytes(2_200_000)
    sha = a.replica.attach(photo, "image/jpeg")
    b.replica.put_many("test.events", [(None, {"n": i, "par": "b"}) for i in range(300)])
    dirs = {"alpha": (tmp_path / "alpha", a.officer), "bravo": (tmp_path / "bravo", b.officer)}
    a.close()
    b.close()

    kills = 0
    for name in ("alpha", "bravo", "alpha", "bravo"):
        data_dir, officer = dirs[name]
        for _ in range(KILLS_PER_DEVICE // 2 + 1):
            proc, lines = _start(data_dir, officer)
            killed = _kill_after(proc, lines, rng.randint(1, 9), rng.uniform(0.0, 0.25))
            kills += killed
            if not killed:
                assert proc.returncode == 0, proc.returncode
    assert kills >= KILLS_PER_DEVICE, kills  # most runs were really cut short

    for name in ("alpha", "bravo", "alpha"):  # left to finish
        data_dir, officer = dirs[name]
        proc, lines = _start(data_dir, officer)
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.wait(timeout=300)
        err = "".join(line for line in iter(lines.get, None))
        assert proc.returncode == 0, (out, err)
        assert json.loads(out.strip().splitlines()[-1])["ok"]

    a2 = _reopen(*dirs["alpha"], live)
    b2 = _reopen(*dirs["bravo"], live)
    try:
        check_exactly_once(live, [a2, b2], {"test.events": 2700, "test.notes": 200})
        assert b2.replica.get("test.notes", notes[0]) == {"n": "modifié"}
        assert a2.replica.attachment_info(sha)["state"] == "complete"  # type: ignore[index]
        assert a2.client().download_attachment(sha) == photo
        for device in (a2, b2):
            (verdict,) = live.hq.verify_audit(device.device_id)
            assert verdict["ok"], verdict
    finally:
        a2.close()
        b2.close()
