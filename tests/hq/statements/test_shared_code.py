"""HQ checks seals, templates and offence lists with the module's own code: those files
must stay pure (nothing from NEO but their own package), so HQ imports no device code."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SHARED = ["neo.modules.statements.seal", "neo.modules.statements.templates", "neo.modules.statements.offences"]


@pytest.mark.parametrize("module", SHARED)
def test_the_code_hq_shares_with_the_module_is_pure(module: str) -> None:
    code = (f"import importlib, json, sys; importlib.import_module({module!r}); "
            "print(json.dumps(sorted(m for m in sys.modules if m == 'neo' or m.startswith('neo.'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(out))
    assert loaded <= {"neo", "neo.modules", "neo.modules.statements", *SHARED}, loaded
