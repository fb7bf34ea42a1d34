"""A module shipped as its own distribution, installed with pip, seen by `neo modules`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.host.modkit import write_module

pytestmark = pytest.mark.slow


def _make_project(root: Path, dist: str, package: str, module_id: str, activate_body: str) -> Path:
    project = root / dist
    project.mkdir()
    write_module(project, package, module_id, activate_body=activate_body)
    (project / "pyproject.toml").write_text(f"""
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "1.2.0"

[project.entry-points."neo.modules"]
{module_id} = "{package}"

[tool.setuptools]
packages = ["{package}", "{package}.ui"]

[tool.setuptools.package-data]
"{package}" = ["manifest.toml"]
""")
    return project


def test_pip_installed_modules_listed_and_failure_isolated(tmp_path: Path, data_dir: Path):
    target = tmp_path / "target"
    good = _make_project(tmp_path, "neo-bikes-demo", "neo_bikes_demo", "bikes_demo", "pass")
    bad = _make_project(tmp_path, "neo-crashy", "neo_crashy", "crashy", 'raise RuntimeError("crashy failed")')
    for project in (good, bad):
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
             "--target", str(target), str(project)],
            check=True, capture_output=True, text=True,
        )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(Path(__file__).parents[2])])}

    def neo(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "neo", *args, "--data-dir", str(data_dir)],
                              input=stdin, capture_output=True, text=True, env=env, timeout=120)

    r = neo("officer", "add", "--id", "100001", "--name", "Jeanne Martin", "--pin-stdin", stdin="482913\n")
    assert r.returncode == 0, r.stderr
    listing = json.loads(neo("modules", "--json").stdout)
    by_id = {m["id"]: m for m in listing}
    assert by_id["bikes_demo"]["source"] == "entry-point"
    assert by_id["bikes_demo"]["distribution"] == "neo-bikes-demo"
    assert by_id["bikes_demo"]["version"] == "1.2.0"
    assert {"lookup", "statements", "holiday_watch"} <= by_id.keys()

    r = neo("modules", "--json", "--officer", "100001", "--pin-stdin", stdin="482913\n")
    assert r.returncode == 0, r.stderr
    by_id = {m["id"]: m for m in json.loads(r.stdout)}
    assert by_id["crashy"]["state"] == "failed"
    assert "crashy failed" in by_id["crashy"]["error"]
    assert by_id["bikes_demo"]["state"] == "active"
    assert by_id["lookup"]["state"] == "active"
