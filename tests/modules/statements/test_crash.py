"""A draft survives a kill: a real process types a narrative through the service (one
update per keystroke, each acknowledged on stdout once the call returned), is SIGKILLed
mid-typing, and the draft reopened in another process holds what was acknowledged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from neo.config import Settings
from neo.vault import Vault
from tests.conftest import DEMO_PIN
from tests.modules.statements.helpers import service_of, start

TEXT = ("Le 27 novembre vers 21 h, j'ai quitté mon domicile en fermant la porte à clé. "
        "À mon retour, la serrure était forcée et mon ordinateur portable avait disparu. ") * 3

CHILD = r"""
import sys
from pathlib import Path
from neo.config import Settings
from neo.host import ModuleHost
from neo.modules.statements.service import StatementService
from neo.vault import Vault

data_dir, pin, draft_id, text = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
session = Vault(data_dir, Settings.load(data_dir)).unlock("100001", pin)
host = ModuleHost(session, builtins=("neo.modules.statements",), entry_points=False)
host.discover()
host.start()
service = StatementService(host.activate("statements"))
print("ready", flush=True)
typed = ""
for i, ch in enumerate(text):
    typed += ch
    service.update(draft_id, "narrative", typed)
    service.update(draft_id, "details.witnesses_present", i % 2 == 0)
    print(f"ack {len(typed)}", flush=True)
print("done", flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_process_leaves_the_draft_as_of_its_last_acknowledged_update(
        session: Any, data_dir: Path) -> None:
    host = start(session)
    try:
        _, service = service_of(host)
        draft_id = service.new_draft("plainte_x", {"surname": "DUPONT", "given_names": "Zoé"})
    finally:
        host.stop()
    session.lock()

    repo = Path(__file__).resolve().parents[3]
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(data_dir), DEMO_PIN, draft_id, TEXT],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=repo,
                            env={**os.environ, "PYTHONPATH": str(repo)})
    assert proc.stdout is not None
    acked = 0
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        for line in proc.stdout:
            if line.startswith("ack "):
                acked = int(line.split()[1])
                if acked >= 60:  # mid-typing
                    proc.send_signal(signal.SIGKILL)
                    break
        # lines written before the kill are still in the pipe: the last one is the last acknowledgement
        for line in proc.stdout:
            if line.startswith("ack "):
                acked = int(line.split()[1])
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert 60 <= acked < len(TEXT)

    reopened = Vault(data_dir, Settings.load(data_dir)).unlock("100001", DEMO_PIN)
    host = start(reopened)
    try:
        _, service = service_of(host)
        draft = service.load(draft_id)
        narrative = draft.content["narrative"]
        # Exactly what was acknowledged; at most the one update in flight at the kill (written,
        # its acknowledgement not yet printed) on top - never a torn or older state.
        assert narrative in (TEXT[:acked], TEXT[:acked + 1]), (acked, len(narrative))
        assert draft.content["parties"][0]["identity"] == {"surname": "DUPONT", "given_names": "Zoé"}
        if narrative == TEXT[:acked]:
            assert draft.content["details"]["witnesses_present"] == ((acked - 1) % 2 == 0)
        service.update(draft_id, "narrative", narrative + " (repris)")  # the officer goes on typing
        assert service.load(draft_id).content["narrative"].endswith("(repris)")
    finally:
        host.stop()
        reopened.lock()
