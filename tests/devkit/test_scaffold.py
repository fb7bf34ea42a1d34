"""``neo new-module``: the project it writes, and that project installed with pip: its
own tests and NEO's contract tests pass as generated, and NEO finds it."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from neo.api import Manifest
from neo.cli import main as neo
from neo.devkit import checks, scaffold
from tests.devkit.kit import REPO, pip_install, run_pytest


@pytest.mark.parametrize(("name", "expected"), [
    ("Vélos volés", "velos_voles"),
    ("  Objets trouvés / perdus ", "objets_trouves_perdus"),
    ("4x4 saisis", "m_4x4_saisis"),
])
def test_the_module_id_comes_from_the_name(name, expected):
    assert scaffold.module_id_from_name(name) == expected


@pytest.mark.parametrize("sync", [False, True])
def test_the_project_is_complete_and_passes_the_static_checks(tmp_path: Path, sync: bool):
    path = scaffold.new_module("Carnet de bord", tmp_path / "project", name_en="Logbook", sync=sync)
    package = path / "neo_carnet_de_bord"
    manifest = Manifest.from_toml(package / "manifest.toml")
    assert (manifest.id, manifest.name.fr, manifest.name.en) == ("carnet_de_bord", "Carnet de bord", "Logbook")
    assert manifest.page == "neo_carnet_de_bord.ui.page:Page" and manifest.migrations
    assert [c.name for c in manifest.collections] == (["carnet_de_bord.shared_notes"] if sync else [])
    assert ("sync" in manifest.permissions) is sync
    pyproject = tomllib.loads((path / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["entry-points"]["neo.modules"] == {"carnet_de_bord": "neo_carnet_de_bord"}
    assert pyproject["tool"]["pytest"]["ini_options"]["neo_module"] == "carnet_de_bord"
    assert (path / "tests" / "test_shared.py").exists() is sync
    for source in path.rglob("*.py"):
        compile(source.read_text(encoding="utf-8"), str(source), "exec")
    assert not list(path.rglob("*.tmpl")) and "#%" not in "".join(p.read_text() for p in path.rglob("*.py"))
    assert checks.manifest_problems(manifest, package) == []
    assert checks.translation_problems(package) == []
    assert checks.import_problems(package, "neo_carnet_de_bord") == []
    ruff = subprocess.run([str(Path(sys.executable).parent / "ruff"), "check", "."], cwd=path,
                          capture_output=True, text=True)
    assert ruff.returncode == 0, ruff.stdout


def test_the_command_refuses_what_it_cannot_make_and_leaves_nothing(tmp_path: Path, capsys, monkeypatch):
    dest = tmp_path / "bikes"
    assert neo(["new-module", "Vélos volés", "--id", "bikes", "--dir", str(dest), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"path": str(dest), "module_id": "bikes", "package": "neo_bikes", "distribution": "neo-bikes"}
    assert neo(["new-module", "Vélos volés", "--id", "bikes", "--dir", str(dest)]) == 2
    assert "already exists and is not empty" in capsys.readouterr().err
    assert neo(["new-module", "Vélos", "--id", "Bikes!", "--dir", str(tmp_path / "x")]) == 2
    assert "not a module id: 'Bikes!'" in capsys.readouterr().err
    assert neo(["new-module", "  ", "--dir", str(tmp_path / "y")]) == 2
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()

    def broken(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(scaffold.Manifest, "from_toml", broken)
    with pytest.raises(OSError, match="disk full"):
        scaffold.new_module("Carnet", tmp_path / "z")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bikes"]  # no staging directory left


@pytest.mark.slow
def test_a_generated_module_installs_shows_on_the_home_screen_and_passes_its_tests(tmp_path: Path):
    """The whole promise: scaffold, pip install, pytest. The generated tests open NEO's
    window and find the tile; the sync variant goes through a real HQ; the contract
    tests run too."""
    project = scaffold.new_module("Vélos volés", tmp_path / "neo-velos", name_en="Stolen bicycles", sync=True)
    target = tmp_path / "site"
    pip_install(project, target)
    run = run_pytest(project, pythonpath=[target, REPO])
    assert run.returncode == 0, run.output
    assert run.outcome("tests.test_page::test_the_module_is_on_the_home_screen_and_its_page_adds_a_note") == "passed"
    assert run.outcome("tests.test_shared::test_a_shared_note_reaches_another_tablet_of_the_unit") == "passed"
    contract = sorted(name for name in run.cases if name.startswith("neo-contract[velos_voles]::"))
    assert len(contract) == 7 and all(run.outcome(name) == "passed" for name in contract), run.output
    # `neo modules` (a separate process, as after `pip install`) lists it from its distribution.
    listing = subprocess.run([sys.executable, "-m", "neo", "modules", "--json", "--data-dir", str(tmp_path / "d")],
                             capture_output=True, text=True, env={**_env(target)}, timeout=120)
    by_id = {m["id"]: m for m in json.loads(listing.stdout)}
    assert by_id["velos_voles"]["distribution"] == "neo-velos-voles"
    assert by_id["velos_voles"]["name_en"] == "Stolen bicycles"


def _env(target: Path) -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(REPO)])}
