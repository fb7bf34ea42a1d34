"""The registry of synced collections and their conflict policies, as HQ enforces them.

Sources, later ones winning for the same name:

1. HQ's defaults below: the collections of the built-in modules that HQ already
   serves (demo data included), until those modules declare them in their manifests;
2. the ``collections`` of every module manifest HQ can read (built-ins and the
   ``neo.modules`` entry points), read without importing the modules' code;
3. collections passed in :class:`~neo.hq.config.HQConfig` (operators, tests).

A push to a collection that is in none of these is rejected (``unknown_collection``).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
from collections.abc import Iterable
from pathlib import Path

from neo.hq.config import CollectionSpec

log = logging.getLogger(__name__)

DEFAULT_COLLECTIONS: tuple[CollectionSpec, ...] = (
    # (the lookup syncs nothing: reference files stay at HQ, queries go to /m/lookup/search,
    # which logs them; the device only keeps the hot-list of keyed hashes.)
    # statements: signed and sealed documents; a correction is a new record. Only the device
    # that took one gets it back (personal data: other tablets of the unit have no need of it).
    CollectionSpec("statements.statements", "immutable", "origin"),
    # the templates and the offence list HQ publishes (neo-hq statements publish-...).
    CollectionSpec("statements.templates", "hq_authoritative", "all"),
    CollectionSpec("statements.offences", "hq_authoritative", "all"),
    # holiday watch: homes registered at HQ, visits logged on patrol, shared round plans.
    CollectionSpec("holiday_watch.registrations", "hq_authoritative", "unit"),
    CollectionSpec("holiday_watch.visits", "append_only", "unit"),
    CollectionSpec("holiday_watch.rounds", "mutable_shared", "unit"),
)


def manifest_collections() -> list[CollectionSpec]:
    """Collections declared by the module manifests found on this system."""
    try:
        from neo.api.manifest import Manifest
        from neo.modules import BUILTINS
    except Exception:  # pragma: no cover - a broken install; HQ still serves its defaults
        log.exception("module manifests cannot be read")
        return []
    candidates: list[tuple[str, str]] = [(pkg, "manifest.toml") for pkg in BUILTINS]
    for ep in importlib.metadata.entry_points(group="neo.modules"):
        package, _, manifest_file = ep.value.partition(":")
        candidates.append((package.strip(), manifest_file.strip() or "manifest.toml"))
    found: list[CollectionSpec] = []
    for package, manifest_file in candidates:
        try:
            spec = importlib.util.find_spec(package)
            if spec is None or not spec.submodule_search_locations:
                raise LookupError(f"package {package} not found")
            base = Path(next(iter(spec.submodule_search_locations))).resolve()
            path = (base / manifest_file).resolve()
            if base not in path.parents:
                raise ValueError("manifest path escapes its package")
            manifest = Manifest.from_toml(path)
        except Exception as exc:
            log.warning("manifest of %s not read: %s", package, exc)
            continue
        defaults = {spec.name: spec.visibility for spec in DEFAULT_COLLECTIONS}
        for decl in manifest.collections:
            # a manifest that names no visibility keeps HQ's own for a built-in collection
            visibility = getattr(decl, "visibility", None) or defaults.get(decl.name, "unit")
            found.append(CollectionSpec(decl.name, decl.policy, visibility, source=f"module:{manifest.id}"))
    return found


class CollectionRegistry:
    def __init__(self, specs: Iterable[CollectionSpec] = ()) -> None:
        self._specs: dict[str, CollectionSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: CollectionSpec) -> None:
        previous = self._specs.get(spec.name)
        if previous is not None and (previous.policy, previous.visibility) != (spec.policy, spec.visibility):
            log.info("collection %s: %s (%s) replaces %s (%s)", spec.name, spec.policy, spec.source,
                     previous.policy, previous.source)
        self._specs[spec.name] = spec

    def get(self, name: str) -> CollectionSpec | None:
        return self._specs.get(name)

    def all(self) -> list[CollectionSpec]:
        return sorted(self._specs.values(), key=lambda s: s.name)

    @classmethod
    def build(cls, extra: Iterable[CollectionSpec] = (), *, read_manifests: bool = True) -> CollectionRegistry:
        specs = list(DEFAULT_COLLECTIONS)
        if read_manifests:
            specs += manifest_collections()
        specs += list(extra)
        return cls(specs)
