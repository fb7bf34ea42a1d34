"""Write small module packages (and their dist-info) to disk, as a separate distribution would."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

PAGE = '''
from PySide6.QtWidgets import QLabel, QWidget


class Page(QLabel):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(ctx.tr("Page de test"), parent)
'''


def write_module(root: Path, package: str, module_id: str, *, activate_body: str = "pass",
                 api: str = ">=1,<2", activation: str = "startup", permissions: str = '["storage", "audit"]',
                 extra_manifest: str = "", page_body: str = PAGE, dist: str | None = None,
                 migrations: str | None = None, init_body: str = "") -> Path:
    pkg = root / package
    (pkg / "ui").mkdir(parents=True)
    (pkg / "__init__.py").write_text(init_body)
    (pkg / "ui" / "__init__.py").write_text("")
    (pkg / "ui" / "page.py").write_text(textwrap.dedent(page_body))
    body = textwrap.indent(textwrap.dedent(activate_body), "    ")
    mig = ""
    if migrations:
        mig = f"\nfrom neo.api import Migration\nMIGRATIONS = {migrations}\n"
    (pkg / "module.py").write_text(f"from neo.api import ModuleContext\n{mig}\n\ndef activate(ctx: ModuleContext):\n{body}\n")
    manifest = f'''
[module]
id = "{module_id}"
version = "1.2.0"
api = "{api}"
name = {{ fr = "Module {module_id}", en = "{module_id} module" }}
permissions = {permissions}
activation = "{activation}"
entry = "{package}.module:activate"
page = "{package}.ui.page:Page"
{"migrations = " + repr(package + ".module:MIGRATIONS").replace("'", '"') if migrations else ""}
{extra_manifest}
'''
    (pkg / "manifest.toml").write_text(manifest)
    if dist:
        info = root / f"{dist.replace('-', '_')}-1.2.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.0\n")
        (info / "entry_points.txt").write_text(f"[neo.modules]\n{module_id} = {package}\n")
    return pkg


def activate_path(root: Path) -> None:
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()


def deactivate_path(root: Path, packages: list[str]) -> None:
    if str(root) in sys.path:
        sys.path.remove(str(root))
    for name in list(sys.modules):
        if any(name == p or name.startswith(p + ".") for p in packages):
            del sys.modules[name]
    importlib.invalidate_caches()
