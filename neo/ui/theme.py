"""Themes (day / night) and themed icons.

A theme is a palette plus style rules. ``resources/themes/base.qss`` holds the rules
every theme shares; ``resources/themes/<name>.qss`` starts with a palette block::

    /* palette
       bg      #E9EDF2
       text    #0A1020
    */

and may add rules of its own. Rules use ``$bg``, ``$text``...; :func:`stylesheet`
joins the base rules and the theme's own, then substitutes the palette, so each colour is written once and the icon colours (which QSS cannot reach,
since icons are rendered from SVG) come from the same palette through :func:`palette`.

Icons are simple SVG files in ``resources/icons/`` drawn with ``currentColor``; they
are rendered with :class:`QSvgRenderer` in the colour asked for.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from neo.resources import resource_path
from neo.ui.qt import QByteArray, QColor, QIcon, QPainter, QPixmap, QSize, QSvgRenderer, Qt

THEMES = ("day", "night")
_PALETTE_BLOCK = re.compile(r"/\*\s*palette\s*(.*?)\*/", re.S)
_VAR = re.compile(r"\$([a-z][a-z0-9_]*)")


def theme_path(name: str) -> Path:
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}")
    return resource_path("themes", f"{name}.qss")


@lru_cache(maxsize=8)
def _load(name: str) -> tuple[dict[str, str], str]:
    text = theme_path(name).read_text(encoding="utf-8")
    match = _PALETTE_BLOCK.search(text)
    colours: dict[str, str] = {}
    if match:
        for line in match.group(1).splitlines():
            parts = line.split()
            if len(parts) == 2:
                colours[parts[0]] = parts[1]
        text = text[: match.start()] + text[match.end() :]
    text = resource_path("themes", "base.qss").read_text(encoding="utf-8") + "\n" + text

    def sub(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in colours:
            raise KeyError(f"theme {name}: ${key} is not in its palette")
        return colours[key]

    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return colours, _VAR.sub(sub, text)


def palette(name: str) -> dict[str, str]:
    """The named colours of a theme (``text``, ``accent``, ``danger``...)."""
    return dict(_load(name)[0])


def stylesheet(name: str) -> str:
    """The theme's style sheet, with its palette substituted."""
    return _load(name)[1]


# -- icons ---------------------------------------------------------------------------------


def icon_file(name: str) -> Path:
    return resource_path("icons", f"{name}.svg")


@lru_cache(maxsize=256)
def _svg_bytes(path: str, colour: str) -> bytes:
    data = Path(path).read_text(encoding="utf-8")
    return data.replace("currentColor", colour).encode("utf-8")


def render_svg(path: Path, size: int, colour: str, ratio: float = 2.0) -> QPixmap:
    """Render an SVG file into a square pixmap, in one colour (``colour``)."""
    px = max(1, round(size * ratio))
    pixmap = QPixmap(px, px)
    pixmap.fill(Qt.GlobalColor.transparent)
    try:
        data = _svg_bytes(str(path), colour)
    except OSError:
        return pixmap
    renderer = QSvgRenderer(QByteArray(data))
    if renderer.isValid():
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        # Tint: icons are one colour, whatever colours a module's own SVG uses, so they
        # follow the theme (no bright blue logo in the night theme).
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(pixmap.rect(), QColor(colour))
        painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def icon(name: str | Path, colour: str | QColor, size: int = 32) -> QIcon:
    """A themed icon from ``resources/icons/<name>.svg`` (or an SVG path) in ``colour``."""
    path = name if isinstance(name, Path) else icon_file(name)
    hexcolour = colour.name() if isinstance(colour, QColor) else colour
    result = QIcon()
    result.addPixmap(render_svg(path, size, hexcolour))
    return result


def icon_size(size: int) -> QSize:
    return QSize(size, size)
