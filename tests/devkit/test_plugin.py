"""The pytest plugin: harmless in NEO's own run, and its contract tests and leak check
catch what they promise to catch, with messages that say what to fix."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from neo.devkit import pytest_plugin, scaffold
from tests.devkit.kit import REPO, lay_out, run_pytest

PACKAGE = "neo_broken_kit"
CONTRACT = "neo-contract[broken_kit]::"


def test_the_plugin_is_loaded_here_and_adds_nothing_to_neo_s_own_run(request: pytest.FixtureRequest):
    assert request.config.pluginmanager.has_plugin("neo")
    assert pytest_plugin.module_under_test(request.config) is None
    assert not [item for item in request.session.items if "neo-contract" in item.nodeid]


def test_fixture_names_do_not_clash_with_neo_s_own():
    tree = ast.parse(Path(pytest_plugin.__file__).read_text(encoding="utf-8"))
    fixtures = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)
                and any("fixture" in ast.unparse(d) for d in node.decorator_list)]
    assert fixtures and all(name.startswith("neo_") for name in fixtures)
    for conftest in REPO.joinpath("tests").rglob("conftest.py"):
        names = {node.name for node in ast.walk(ast.parse(conftest.read_text(encoding="utf-8")))
                 if isinstance(node, ast.FunctionDef)}
        assert not names & set(fixtures), conftest


ACTIVATE = '''
from __future__ import annotations

import os
import threading

from neo.api import ModuleContext


def activate(ctx: ModuleContext) -> None:
    defect = os.environ.get("KIT_DEFECT", "")
    if defect == "thread":
        threading.Thread(target=threading.Event().wait, name="broken-kit-worker", daemon=True).start()
    elif defect == "position":
        ctx.position.subscribe(lambda fix: None)
    elif defect == "raise":
        ctx.on_deactivate(lambda: 1 / 0)
'''

PAGE = '''
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

KEPT = []


class Page(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        QVBoxLayout(self).addWidget(QLabel(ctx.tr("Notes de l'agent"), self))
        KEPT.append(QLabel(ctx.tr("Gardé après le verrouillage")))  # a top-level widget nobody deletes
'''

SERVICE_IMPORTS = "import socket\nfrom PySide6.QtCore import QObject\nfrom neo.vault import Vault\n"


@pytest.fixture(scope="module")
def broken_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("broken")
    project = scaffold.new_module("Kit cassé", root / "project", module_id="broken_kit")
    package = project / PACKAGE
    (package / "module.py").write_text(ACTIVATE)
    (package / "ui" / "page.py").write_text(PAGE)
    service = package / "service.py"
    service.write_text(service.read_text().replace("from dataclasses import dataclass\n",
                                                   "from dataclasses import dataclass\n" + SERVICE_IMPORTS, 1))
    manifest = package / "manifest.toml"
    text = manifest.read_text().replace('permissions = ["storage", "audit"]',
                                        'permissions = ["storage", "audit", "position"]')
    manifest.write_text("\n".join(line for line in text.splitlines() if not line.startswith("description")))
    (project / "tests").joinpath("test_service.py").unlink()
    (project / "tests").joinpath("test_page.py").unlink()
    (project / "tests" / "test_nothing.py").write_text("def test_nothing():\n    pass\n")
    site = root / "site"
    lay_out(project, PACKAGE, "broken_kit", site, dist="neo-broken-kit")
    return project, site


@pytest.mark.slow
def test_the_contract_names_every_broken_promise(broken_project: tuple[Path, Path]):
    project, site = broken_project
    run = run_pytest(project, pythonpath=[site, REPO])
    assert run.returncode == 1
    assert run.outcome("tests.test_nothing::test_nothing") == "passed"
    assert run.outcome(CONTRACT + "test_activates") == "passed"
    assert run.outcome(CONTRACT + "test_deactivates_cleanly") == "passed"
    assert run.outcome(CONTRACT + "test_activates_again_after_deactivation") == "passed"

    assert run.outcome(CONTRACT + "test_manifest_and_package") == "failed"
    assert "no description; say what the module does and what data it keeps" in \
        run.message(CONTRACT + "test_manifest_and_package")

    translations = run.message(CONTRACT + "test_translations")
    assert "neo_broken_kit/ui/page.py:13: 'Gardé après le verrouillage' has no en translation" in translations
    assert "Notes de l'agent" not in translations

    imports = run.message(CONTRACT + "test_imports_follow_the_rules")
    assert "imports socket: no network access except through ctx.hq and ctx.sync" in imports
    assert "imports PySide6.QtCore: Qt belongs in the module's ui/ package only" in imports
    assert "imports neo.vault: a module uses only neo.api from NEO" in imports
    assert "neo_broken_kit/service.py:" in imports

    leak = run.message(CONTRACT + "test_page_in_the_shell")
    assert run.outcome(CONTRACT + "test_page_in_the_shell") == "failed"
    assert "widgets still alive after the device locked" in leak and "PySide6.QtWidgets.QLabel x1" in leak


@pytest.mark.slow
@pytest.mark.parametrize(("defect", "message"), [
    ("thread", "threads still running after deactivation: ['broken-kit-worker']"),
    ("position", "a ctx.position.subscribe() listener was not removed"),
    ("raise", "a cleanup raised at deactivation"),
])
def test_what_a_deactivation_leaves_behind_fails_the_contract(broken_project, defect, message):
    project, site = broken_project
    run = run_pytest(project, "-k", "deactivates_cleanly", pythonpath=[site, REPO], env={"KIT_DEFECT": defect})
    assert run.outcome(CONTRACT + "test_deactivates_cleanly") == "failed"
    assert message in run.message(CONTRACT + "test_deactivates_cleanly")


@pytest.mark.slow
def test_contract_tests_are_left_out_when_files_are_named_or_asked(broken_project):
    project, site = broken_project
    named = run_pytest(project, "tests/test_nothing.py", pythonpath=[site, REPO])
    assert list(named.cases) == ["tests.test_nothing::test_nothing"] and named.returncode == 0
    asked = run_pytest(project, "--neo-no-contract", pythonpath=[site, REPO])
    assert list(asked.cases) == ["tests.test_nothing::test_nothing"] and asked.returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize("module_id", [
    "lookup",
    "statements",
    "holiday_watch",
])
def test_the_built_in_modules_pass_the_contract(tmp_path: Path, module_id: str):
    """NEO's own modules are held to the same contract as anyone's."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "pyproject.toml").write_text(textwrap.dedent(f"""
        [tool.pytest.ini_options]
        neo_module = "{module_id}"
        testpaths = ["tests"]
    """))
    run = run_pytest(tmp_path, pythonpath=[REPO])
    failed = {name: message for name, (outcome, message) in run.cases.items() if outcome != "passed"}
    assert len(run.cases) == 7 and not failed, failed
