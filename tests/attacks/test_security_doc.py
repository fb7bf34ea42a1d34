"""docs/security.md names, for each protection, the test that shows it (``file::test``):
every one it names exists, and every attack module of this suite is described there."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")}


def test_every_test_the_threat_model_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    references = REFERENCE.findall(text)
    assert len(references) >= 40, "the threat model should name the tests that show each protection"
    missing = [f"{file}::{name}" for file, name in references
               if not (ROOT / file).is_file() or name not in _tests_in(ROOT / file)]
    assert not missing, missing


def test_every_threat_has_its_protections_limits_and_tests() -> None:
    text = DOC.read_text(encoding="utf-8")
    sections = re.split(r"^## \d\. ", text, flags=re.M)[1:]
    titles = [s.splitlines()[0] for s in sections]
    assert titles == ["A stolen tablet, locked", "A stolen tablet, unlocked", "A malicious module", "A rogue device",
                      "A network attacker", "An insider at HQ"]
    for title, body in zip(titles, sections, strict=True):
        assert "**What protects**" in body and "**Known limits**" in body, title
        assert REFERENCE.search(body), f"{title}: no test named"


def test_every_attack_module_is_described() -> None:
    text = DOC.read_text(encoding="utf-8")
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        if path.name != Path(__file__).name:
            assert f"`{path.name}`" in text, path.name
