"""Helpers for the kit's tests: module projects installed the way pip lays them out, and
pytest runs in a subprocess, as a module developer runs them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def pip_install(project: Path, target: Path) -> None:
    """``pip install`` the project into ``target`` (no dependencies: NEO is already there)."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target),
         str(project)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def lay_out(project: Path, package: str, module_id: str, target: Path, dist: str = "neo-test-module") -> None:
    """What pip would leave in site-packages, without building: the package and a
    dist-info with the ``neo.modules`` entry point (fast, for projects made only to fail)."""
    shutil.copytree(project / package, target / package)
    info = target / f"{dist.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[neo.modules]\n{module_id} = {package}\n")


@dataclass
class Run:
    returncode: int
    output: str
    cases: dict[str, tuple[str, str]]  # "file-or-module::test" -> (passed|failed|skipped|error, message)

    def outcome(self, name: str) -> str:
        return self.cases[name][0]

    def message(self, name: str) -> str:
        return self.cases[name][1]


def run_pytest(project: Path, *args: str, pythonpath: list[Path] = (), env: dict[str, str] | None = None,
               timeout: int = 600) -> Run:
    """pytest in ``project`` (its own configuration), in a subprocess; every test's
    outcome from the JUnit report."""
    report = Path(tempfile.mkdtemp(prefix="neo-kit-junit-")) / "report.xml"
    full_env = {**os.environ, **(env or {})}
    if pythonpath:
        full_env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--junitxml={report}", *args],
        cwd=project, capture_output=True, text=True, env=full_env, timeout=timeout)
    cases: dict[str, tuple[str, str]] = {}
    if report.is_file():
        for case in ET.parse(report).getroot().iter("testcase"):
            outcome, message = "passed", ""
            for tag in ("failure", "error", "skipped"):
                node = case.find(tag)
                if node is not None:
                    outcome = {"failure": "failed"}.get(tag, tag)
                    message = (node.get("message") or "") + "\n" + (node.text or "")
                    break
            cases[f"{case.get('classname')}::{case.get('name')}"] = (outcome, message)
    shutil.rmtree(report.parent, ignore_errors=True)
    return Run(result.returncode, result.stdout + result.stderr, cases)
