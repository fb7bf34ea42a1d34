"""Every French message of neo.hq has its English translation."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import neo.hq
from neo.resources import resource_path


def test_every_hq_message_is_translated() -> None:
    catalog: dict[str, str] = {}
    for path in sorted((resource_path("translations") / "en").glob("*.json")):
        catalog.update(json.loads(path.read_text(encoding="utf-8")))
    missing = []
    for path in sorted(Path(neo.hq.__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr" and node.args:
                arg = node.args[0]
                assert isinstance(arg, ast.Constant), f"{path}:{node.lineno}: tr() needs a literal"
                if not catalog.get(arg.value):
                    missing.append(f"{path.name}:{node.lineno}: {arg.value}")
    assert not missing, "\n".join(missing)
