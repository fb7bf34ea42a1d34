"""Translations, themes and icons of the shell."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from neo.resources import resource_path
from neo.ui import theme

pytestmark = pytest.mark.qt

UI_DIR = Path(__file__).resolve().parents[2] / "neo" / "ui"


def tr_literals() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(UI_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "tr"
                    and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found.setdefault(node.args[0].value, f"{path.name}:{node.lineno}")
    return found


def test_every_shell_string_has_an_english_translation():
    catalog: dict[str, str] = {}
    for path in resource_path("translations", "en").glob("*.json"):
        catalog.update(json.loads(path.read_text(encoding="utf-8")))
    literals = tr_literals()
    assert len(literals) > 50
    missing = {text: where for text, where in literals.items() if not catalog.get(text)}
    assert missing == {}


def test_ui_catalog_has_no_stale_entries_and_keeps_placeholders():
    ui = json.loads(resource_path("translations", "en", "ui.json").read_text(encoding="utf-8"))
    literals = tr_literals()
    assert sorted(set(ui) - set(literals)) == []
    import string

    for fr, en in ui.items():
        fields_fr = {f for _, f, _, _ in string.Formatter().parse(fr) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(en) if f}
        assert fields_fr == fields_en, fr


def test_both_themes_define_the_same_palette_and_resolve_every_colour():
    day, night = theme.palette("day"), theme.palette("night")
    assert set(day) == set(night)
    for name in theme.THEMES:
        sheet = theme.stylesheet(name)
        assert "$" not in sheet
        assert "min-height: 56px" in sheet  # touch-first buttons


def test_icons_render(qtbot):
    icons = sorted(resource_path("icons").rglob("*.svg"))
    assert {p.stem for p in icons} >= {"lock", "home", "settings", "module", "gps", "gps-off", "sync",
                                       "online", "offline"}
    for path in icons:
        pixmap = theme.render_svg(path, 32, "#102030")
        image = pixmap.toImage()
        assert not pixmap.isNull()
        assert any(image.pixelColor(x, y).alpha() > 0 for x in range(0, image.width(), 2)
                   for y in range(0, image.height(), 2)), path.name


def test_only_neo_ui_qt_imports_the_binding():
    """Like Anki's aqt.qt: the shell reaches PySide6 through neo.ui.qt only."""
    offenders = []
    for path in sorted(UI_DIR.rglob("*.py")):
        if path.name == "qt.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in ("PySide6", "shiboken6")]
    assert offenders == []
