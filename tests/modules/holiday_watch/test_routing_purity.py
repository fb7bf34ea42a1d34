"""The planner is pure Python: standard library only, OR-Tools imported lazily, no Qt, nothing from NEO."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import neo.modules.holiday_watch.routing as routing

PACKAGE = Path(routing.__file__).parent


def test_only_standard_library_relative_and_lazy_ortools_imports() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert {p.name for p in files} >= {"graph.py", "solver.py", "variation.py", "model.py", "store.py"}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = set(tree.body)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [(alias.name, 0) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [(node.module or "", node.level)]
            else:
                continue
            for module, level in names:
                if level:
                    continue
                top = module.split(".")[0]
                if top == "ortools":
                    assert node not in top_level, f"{path.name} imports OR-Tools at import time"
                    continue
                assert top in sys.stdlib_module_names or top == "__future__", f"{path.name} imports {module}"


def test_importing_the_planner_loads_neither_ortools_nor_qt() -> None:
    code = ("import sys, neo.modules.holiday_watch.routing; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ortools', 'PySide6', 'numpy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names_are_exported_and_documented() -> None:
    for name in routing.__all__:
        obj = getattr(routing, name)
        if callable(obj):
            assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
