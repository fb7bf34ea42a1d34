"""``neo new-module NAME``: a new module package, ready to install and test.

The package is written from the templates in ``template/`` (``${name}`` placeholders;
lines between ``#%if sync`` and ``#%endif`` only with ``--sync``; files named
``*.sync.tmpl`` only with ``--sync``; ``__package__`` in a path is the package name).
Everything is written to a temporary directory beside the destination and moved into
place at the end: a failure leaves nothing half-written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import string
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from neo.api.manifest import ID_PATTERN, Manifest

TEMPLATE_DIR = Path(__file__).parent / "template"
PACKAGE_TOKEN = "__package__"


class ScaffoldError(ValueError):
    """The module cannot be made as asked; the message says why."""


@dataclass(frozen=True)
class ModuleSpec:
    """What the templates are filled with."""

    name_fr: str
    name_en: str
    module_id: str
    sync: bool = False

    @property
    def package(self) -> str:
        return f"neo_{self.module_id}"

    @property
    def dist(self) -> str:
        return "neo-" + self.module_id.replace("_", "-")

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.module_id.split("_") if part)

    def values(self) -> dict[str, str]:
        # At most 200 characters each (the manifest's limit), whatever the name.
        description_fr = ("Notes de l'agent. Données conservées : texte, matricule et date de chaque note, "
                          "dans la base chiffrée de l'appareil.")
        description_en = ("The officer's notes. Data kept: each note's text, service number and date, "
                          "in the device's encrypted database.")
        if self.sync:
            description_fr += " Les notes partagées vont au QG et à l'unité."
            description_en += " Shared notes go to HQ and to the unit."
        return {
            "module_id": self.module_id,
            "package": self.package,
            "dist": self.dist,
            "class_name": self.class_name,
            "name_fr": self.name_fr,
            "name_en": self.name_en,
            "name_fr_toml": _toml_string(self.name_fr),
            "name_en_toml": _toml_string(self.name_en),
            "description_fr_toml": _toml_string(description_fr),
            "description_en_toml": _toml_string(description_en),
        }


def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def module_id_from_name(name: str) -> str:
    """``"Vélos volés"`` -> ``"velos_voles"``: ASCII, lower case, underscores."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "_", folded).strip("_")
    if slug and slug[0].isdigit():
        slug = "m_" + slug
    return slug[:41].rstrip("_")


def make_spec(name: str, *, module_id: str | None = None, name_en: str | None = None, sync: bool = False) -> ModuleSpec:
    name = " ".join(str(name).split())
    if not name:
        raise ScaffoldError("the module needs a name (shown on the home screen), e.g. neo new-module \"Vélos volés\"")
    if len(name) > 200 or any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ScaffoldError(f"not a usable module name: {name!r}")
    mid = module_id if module_id is not None else module_id_from_name(name)
    if not re.fullmatch(ID_PATTERN, mid or ""):
        hint = "" if module_id is not None else f" (made from the name {name!r}; choose one with --id)"
        raise ScaffoldError(f"not a module id: {mid!r}: 2 to 41 characters, a-z, 0-9 and _, "
                            f"starting with a letter{hint}")
    return ModuleSpec(name_fr=name, name_en=" ".join((name_en or name).split()), module_id=mid, sync=sync)


def _preprocess(text: str, flags: dict[str, bool], where: str) -> str:
    """Keep or drop the lines between ``#%if FLAG`` / ``#%else`` / ``#%endif``."""
    out: list[str] = []
    stack: list[bool] = []
    for line in text.splitlines(keepends=True):
        directive = line.strip()
        if directive.startswith("#%if "):
            stack.append(flags[directive[5:].strip()])
        elif directive == "#%else":
            stack[-1] = not stack[-1]
        elif directive == "#%endif":
            stack.pop()
        elif all(stack):
            out.append(line)
    if stack:
        raise RuntimeError(f"template {where}: #%if without #%endif")
    return "".join(out)


def render(spec: ModuleSpec) -> dict[str, str]:
    """``{relative path: content}`` of the module project."""
    values = spec.values()
    files: dict[str, str] = {}
    for path in sorted(TEMPLATE_DIR.rglob("*.tmpl")):
        rel = path.relative_to(TEMPLATE_DIR).as_posix()
        if rel.endswith(".sync.tmpl"):
            if not spec.sync:
                continue
            rel = rel[: -len(".sync.tmpl")]
        else:
            rel = rel[: -len(".tmpl")]
        rel = rel.replace(PACKAGE_TOKEN, spec.package)
        text = _preprocess(path.read_text(encoding="utf-8"), {"sync": spec.sync}, rel)
        try:
            files[rel] = string.Template(text).substitute(values)
        except (KeyError, ValueError) as exc:  # a template bug, not the user's
            raise RuntimeError(f"template {rel}: {exc}") from exc
    return files


def new_module(name: str, directory: Path | None = None, *, module_id: str | None = None,
               name_en: str | None = None, sync: bool = False) -> Path:
    """Write the project of a new module and return its directory (default:
    ``./neo-<id>``). Refuses a destination that exists and is not empty."""
    spec = make_spec(name, module_id=module_id, name_en=name_en, sync=sync)
    dest = Path(directory) if directory is not None else Path.cwd() / spec.dist
    dest = dest.expanduser().resolve()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ScaffoldError(f"{dest} already exists and is not empty: choose another place with --dir")
    files = render(spec)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        for rel, content in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        Manifest.from_toml(staging / spec.package / "manifest.toml")  # what was written reads back
        if dest.exists():
            dest.rmdir()  # empty (checked above)
        os.replace(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return dest
