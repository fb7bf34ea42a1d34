"""The matching library is pure Python: standard library only, nothing from neo."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import neo.modules.lookup.match as match

PACKAGE = Path(match.__file__).parent


def _imports(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {(alias.name, 0) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            out.add((node.module or "", node.level))
    return out


def test_only_standard_library_and_relative_imports() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert len(files) >= 9
    for path in files:
        for module, level in _imports(path):
            if level:
                continue  # within the package
            top = module.split(".")[0]
            assert top in sys.stdlib_module_names or top == "__future__", f"{path.name} imports {module}"


def test_public_names_are_exported() -> None:
    for name in match.__all__:
        assert hasattr(match, name), name
    for expected in ("detect", "name_score", "date_score", "parse_plate", "parse_vin", "parse_mrz",
                     "parse_document_number", "plate_key", "vin_key", "document_key", "person_key"):
        assert expected in match.__all__


def test_every_public_function_is_documented() -> None:
    for name in match.__all__:
        obj = getattr(match, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
