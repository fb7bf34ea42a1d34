"""Which collections HQ serves, with which policy and visibility, from its defaults and the
module manifests installed beside it."""

from __future__ import annotations

from neo.api.manifest import CollectionDecl
from neo.hq.collections import DEFAULT_COLLECTIONS, CollectionRegistry, manifest_collections


def test_a_sealed_statement_goes_back_only_to_the_tablet_that_took_it():
    registry = CollectionRegistry.build()
    spec = registry.get("statements.statements")
    assert spec is not None and (spec.policy, spec.visibility) == ("immutable", "origin")


def test_a_manifest_without_visibility_keeps_hqs_own_for_a_built_in_collection():
    by_name = {spec.name: spec for spec in manifest_collections()}
    defaults = {spec.name: spec.visibility for spec in DEFAULT_COLLECTIONS}
    assert by_name["holiday_watch.visits"].visibility == defaults["holiday_watch.visits"] == "unit"
    assert by_name["statements.templates"].visibility == defaults["statements.templates"] == "all"


def test_a_manifest_may_name_a_visibility_and_defaults_to_none():
    assert CollectionDecl(name="bikes.reports", policy="append_only").visibility is None
    assert CollectionDecl(name="bikes.reports", policy="append_only", visibility="origin").visibility == "origin"
