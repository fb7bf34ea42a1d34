"""docs/modules.md: its neo.api reference is the one the docstrings generate (it cannot
drift), and its tutorial works when followed literally, command by command, in a fresh
directory and a fresh environment layered on NEO's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

import neo.api
from neo.devkit import apidoc

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "modules.md"


def test_the_api_reference_in_the_doc_is_the_generated_one():
    text = DOC.read_text(encoding="utf-8")
    committed = text[text.index(apidoc.BEGIN) + len(apidoc.BEGIN):text.index(apidoc.END)]
    assert committed.strip() == apidoc.generate().strip(), (
        "docs/modules.md's neo.api reference is out of date: run python scripts/gen_api_docs.py")
    for name in neo.api.__all__:
        assert f"### `{name}`" in committed


def test_the_check_script_says_when_the_doc_is_stale(tmp_path: Path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_api_docs", REPO / "scripts" / "gen_api_docs.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    stale = tmp_path / "modules.md"
    stale.write_text(f"# doc\n\n{apidoc.BEGIN}\n\nold text\n\n{apidoc.END}\n", encoding="utf-8")
    monkeypatch.setattr(script, "DOC", stale)
    monkeypatch.setattr(script, "ROOT", tmp_path)
    assert script.main(["--check"]) == 1
    assert script.main([]) == 0
    assert script.main(["--check"]) == 0
    assert "### `ModuleContext`" in stale.read_text(encoding="utf-8")


def tutorial_commands() -> str:
    blocks = re.findall(r"^```sh tutorial\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)
    assert blocks, "docs/modules.md has no ```sh tutorial block"
    return "\n".join(blocks)


def _layered_venv(root: Path) -> Path:
    """A new virtual environment that sees NEO's (as `source .venv/bin/activate` would give
    NEO's packages) but installs into itself: the shared venv is left untouched."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "neo-parent-env.pth").write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    scripts = {"neo": "from neo.cli import main", "pytest": "from pytest import console_main as main",
               "pip": "from pip._internal.cli.main import main"}
    for name, line in scripts.items():
        path = venv / "bin" / name
        path.write_text(f"#!{python}\nimport sys\n{line}\nsys.exit(main())\n")
        path.chmod(0o755)
    return venv


@pytest.mark.slow
def test_the_tutorial_works_as_written(tmp_path: Path):
    venv = _layered_venv(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    script = "set -euo pipefail\n" + tutorial_commands()
    env = {**os.environ, "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "HOME": str(tmp_path / "home"), "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INDEX": "1"}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, textwrap.shorten(output, 8000, placeholder=" …") + "\n" + output[-6000:]
    assert re.search(r"passed", output) and "failed" not in output
    listed = [line for line in result.stdout.splitlines() if line.startswith("bikes ")]
    assert listed and "neo-bikes" in listed[0] and "active" in listed[0], result.stdout
    # the shared environment did not get the tutorial's module
    assert not list(Path(sysconfig.get_paths()["purelib"]).glob("*neo_bikes*"))
