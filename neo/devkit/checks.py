"""Static checks of a module package: manifest, translations, imports.

The contract tests (:mod:`neo.devkit.contract`) run them on the module under test; they
are plain functions that return a list of problems (empty: fine), each a sentence that
names the file and line, so a module developer can use them without pytest too.
"""

from __future__ import annotations

import ast
import json
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from neo.api import Manifest

QT_PACKAGES = frozenset({"PySide6", "shiboken6", "PySide2", "PyQt5", "PyQt6", "shiboken2", "sip"})
"""Qt bindings: imported only under the module's ``ui/`` package (and only PySide6 works)."""

NETWORK_MODULES = frozenset({
    "socket", "ssl", "http.client", "http.server", "urllib.request", "urllib3", "httpx", "requests",
    "aiohttp", "ftplib", "smtplib", "poplib", "imaplib", "telnetlib", "xmlrpc", "websocket", "websockets",
    "grpc", "paramiko", "PySide6.QtNetwork", "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebSockets",
})
"""No network access except through the API (``ctx.hq``, ``ctx.sync``)."""

INSTALLER_MODULES = frozenset({"pip", "ensurepip", "setuptools", "pkg_resources"})
"""No ``pip install`` (or any installation) at run time."""


@dataclass(frozen=True)
class TrCall:
    """A ``tr("...")`` or ``ctx.tr("...")`` call found in the code."""

    path: Path
    line: int
    text: str | None  # None: not a literal (an f-string, a variable)
    is_fstring: bool = False


def python_files(package_dir: Path) -> list[Path]:
    """Every ``.py`` file of the package (sub-packages included), sorted."""
    return sorted(p for p in Path(package_dir).rglob("*.py") if "__pycache__" not in p.parts)


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_tr(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "tr") or (isinstance(func, ast.Attribute) and func.attr == "tr")


def tr_calls(package_dir: Path) -> Iterator[TrCall]:
    """The ``tr(...)`` calls of the package, in file and line order."""
    for path in python_files(package_dir):
        for node in ast.walk(_parse(path)):
            if isinstance(node, ast.Call) and _is_tr(node.func) and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield TrCall(path, node.lineno, arg.value)
                else:
                    yield TrCall(path, node.lineno, None, isinstance(arg, ast.JoinedStr))


def _fields(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<unbalanced braces>"}


def load_catalog(path: Path) -> dict[str, str]:
    """A translation catalog (French -> translation); ``ValueError`` if it is not one."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ValueError(f"{path}: a catalog is a JSON object of French text -> translated text")
    return data


def translation_problems(package_dir: Path, lang: str = "en") -> list[str]:
    """Literals given to ``tr()`` without a translation in ``translations/<lang>.json``,
    translations whose placeholders differ from the French, empty ones, and ``tr()``
    given an f-string (which no catalog can hold)."""
    package_dir = Path(package_dir)
    catalog_path = package_dir / "translations" / f"{lang}.json"
    problems: list[str] = []
    calls = list(tr_calls(package_dir))
    if not catalog_path.is_file():
        if calls:
            return [f"{catalog_path.relative_to(package_dir.parent)}: missing (the code has {len(calls)} tr() call(s))"]
        return []
    try:
        catalog = load_catalog(catalog_path)
    except ValueError as exc:
        return [str(exc)]
    for source, target in sorted(catalog.items()):
        if not target.strip():
            problems.append(f"{catalog_path.name}: {source!r} has an empty translation")
        elif _fields(source) != _fields(target):
            problems.append(f"{catalog_path.name}: {source!r}: placeholders {sorted(_fields(source))} "
                            f"vs {sorted(_fields(target))} in {target!r}")
    for call in calls:
        where = f"{call.path.relative_to(package_dir.parent)}:{call.line}"
        if call.is_fstring:
            problems.append(f"{where}: tr() is given an f-string; pass the values as keyword arguments")
        elif call.text is not None and call.text not in catalog:
            problems.append(f"{where}: {call.text!r} has no {lang} translation in translations/{lang}.json")
    return problems


def _imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """``(line, dotted name)`` of every absolute import (``from a.b import c`` gives
    ``a.b`` and ``a.b.c``: the latter may be a module)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:
                if alias.name != "*":
                    yield node.lineno, f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value


def _within(name: str, prefixes: frozenset[str] | set[str]) -> str | None:
    for prefix in prefixes:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


def import_problems(package_dir: Path, package: str) -> list[str]:
    """Imports that break the rules of conduct (docs/modules.md):

    * Qt only in the module's ``ui/`` package;
    * from NEO, only ``neo.api`` (and the module's own package);
    * no network library (a module reaches HQ through ``ctx.hq`` and ``ctx.sync``);
    * no installer (``pip``...): nothing is installed at run time.
    """
    package_dir = Path(package_dir)
    problems: list[str] = []
    for path in python_files(package_dir):
        rel = path.relative_to(package_dir)
        in_ui = rel.parts[0] == "ui" if len(rel.parts) > 1 else False
        where_file = f"{package}/{rel.as_posix()}"
        seen: set[tuple[int, str]] = set()
        for line, name in _imports(_parse(path)):
            top = name.split(".", 1)[0]
            problem: str | None = None
            if top in QT_PACKAGES and not in_ui:
                problem = f"imports {name}: Qt belongs in the module's ui/ package only"
            elif _within(name, NETWORK_MODULES):
                problem = f"imports {name}: no network access except through ctx.hq and ctx.sync"
            elif top in INSTALLER_MODULES:
                problem = f"imports {name}: nothing is installed at run time"
            elif top == "neo" and not (
                _within(name, {"neo.api", package}) or name == "neo"
            ):
                problem = f"imports {name}: a module uses only neo.api from NEO"
            if problem is not None and (line, top) not in seen:
                seen.add((line, top))
                problems.append(f"{where_file}:{line}: {problem}")
    return problems


def manifest_problems(manifest: Manifest, package_dir: Path) -> list[str]:
    """What the manifest promises and the package does not hold, and the declarations a
    module owes the officer (English names, a description saying what data it keeps)."""
    package_dir = Path(package_dir)
    problems: list[str] = []
    prefix = manifest.id + "."
    if not manifest.name.en:
        problems.append("manifest: name has no English text (name = { fr = \"…\", en = \"…\" })")
    if manifest.description is None:
        problems.append("manifest: no description; say what the module does and what data it keeps")
    elif not manifest.description.en:
        problems.append("manifest: description has no English text")
    for command in manifest.commands:
        if not command.help.en:
            problems.append(f"manifest: the help of command {command.name!r} has no English text")
    if manifest.icon:
        icon = (package_dir / manifest.icon).resolve()
        if not icon.is_file() or package_dir.resolve() not in icon.parents:
            problems.append(f"manifest: icon {manifest.icon!r} is not a file of the package "
                            "(is it listed in [tool.setuptools.package-data]?)")
    for collection in manifest.collections:
        if not collection.name.startswith(prefix):
            problems.append(f"manifest: collection {collection.name!r} must start with the module id ({prefix})")
    if manifest.collections and "sync" not in manifest.permissions:
        problems.append("manifest: collections are declared but not the 'sync' permission")
    if manifest.migrations and "storage" not in manifest.permissions:
        problems.append("manifest: migrations need the 'storage' permission")
    if manifest.page and not (package_dir / "translations" / "en.json").is_file():
        problems.append("translations/en.json is missing (is it listed in [tool.setuptools.package-data]?)")
    if manifest.id in manifest.requires:
        problems.append("manifest: a module cannot require itself")
    return problems
