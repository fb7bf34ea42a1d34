"""The generator is a pure-Python library: standard library only, nothing from the rest of NEO."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import neo.modules.lookup.demo as demo

PACKAGE = Path(demo.__file__).parent


def test_imports_only_the_standard_library_and_itself() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:          # relative: inside the package
                    continue
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top == "__future__" or top in sys.stdlib_module_names, f"{path.name} imports {name}"
