"""The example third-party module (examples/neo-bicycles) runs its own tests with its own
configuration, as its developer would: its tests and NEO's contract tests pass.

``make test`` installs it into the venv (``pip install -e``); run alone, this test
installs it into a temporary directory instead."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from tests.devkit.kit import REPO, pip_install, run_pytest

EXAMPLE = REPO / "examples" / "neo-bicycles"


def _installed() -> bool:
    try:
        dist = importlib.metadata.distribution("neo-bicycles")
    except importlib.metadata.PackageNotFoundError:
        return False
    return any(ep.group == "neo.modules" and ep.name == "bicycles" for ep in dist.entry_points)


@pytest.mark.slow
def test_the_example_module_passes_its_tests_and_the_contract(tmp_path: Path):
    pythonpath = [REPO]
    if not _installed():
        pip_install(EXAMPLE, tmp_path / "site")
        pythonpath.insert(0, tmp_path / "site")
    run = run_pytest(EXAMPLE, pythonpath=pythonpath)
    assert run.returncode == 0, run.output
    contract = {name: outcome for name, (outcome, _) in run.cases.items() if name.startswith("neo-contract[bicycles]")}
    assert len(contract) == 7 and set(contract.values()) == {"passed"}, contract
    own = [name for name in run.cases if name.startswith("tests.")]
    assert {n.split("::")[0] for n in own} >= {"tests.test_lookup", "tests.test_page", "tests.test_sync",
                                               "tests.test_service", "tests.test_statement_template"}
    assert all(run.outcome(n) == "passed" for n in own)
