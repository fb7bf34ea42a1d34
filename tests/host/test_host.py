from __future__ import annotations

import sys
from pathlib import Path

import pytest

from neo import api
from neo.host import ModuleFailure, ModuleHost, ModuleState
from neo.store import repos
from tests.host.modkit import activate_path, deactivate_path, write_module

PACKAGES = ["neo_ext_good", "neo_ext_bad", "neo_ext_old", "neo_ext_broken", "neo_ext_user", "neo_ext_db"]


@pytest.fixture
def ext_root(tmp_path: Path):
    root = tmp_path / "site"
    root.mkdir()
    yield root
    deactivate_path(root, PACKAGES)


def test_builtins_are_discovered_without_importing_their_code(session, monkeypatch):
    for name in [m for m in sys.modules if m.startswith("neo.modules.") and m.count(".") >= 2]:
        monkeypatch.delitem(sys.modules, name)  # put back afterwards: other tests hold these modules
    host = ModuleHost(session, entry_points=False)
    records = host.discover()
    assert [r.id for r in records] == ["lookup", "statements", "holiday_watch"]
    assert all(r.state is ModuleState.DISCOVERED for r in records)
    assert all(r.source == "builtin" for r in records)
    assert not [m for m in sys.modules if m.startswith("neo.modules.lookup.")]
    assert records[0].name("en") == "Record lookup"
    assert records[0].icon_path is not None and records[0].icon_path.suffix == ".svg"


def test_third_party_entry_point_module_is_found_and_activated(session, ext_root):
    write_module(ext_root, "neo_ext_good", "good_ext", dist="neo-ext-good",
                 activate_body='ctx.register("lookup.reference_file", "bikes", {"label": "Vélos volés"})')
    activate_path(ext_root)
    host = ModuleHost(session)
    host.discover()
    rec = host.get("good_ext")
    assert rec.source == "entry-point" and rec.distribution == "neo-ext-good"
    assert "neo_ext_good.module" not in sys.modules
    host.start()
    assert rec.state is ModuleState.ACTIVE
    # (other installed modules may contribute too: the example module of `make test` does)
    values = [c.value for c in host.registry.contributions("lookup.reference_file") if c.module_id == "good_ext"]
    assert values == [{"label": "Vélos volés"}]


def test_module_raising_on_activation_fails_alone_and_is_audited(session, ext_root):
    write_module(ext_root, "neo_ext_good", "good_ext", dist="neo-ext-good")
    write_module(ext_root, "neo_ext_bad", "bad_ext", dist="neo-ext-bad",
                 activate_body='ctx.register("map.layer", "x", 1)\nraise RuntimeError("boom at activation")')
    activate_path(ext_root)
    host = ModuleHost(session)
    host.discover()
    host.start()
    bad, good = host.get("bad_ext"), host.get("good_ext")
    assert bad.state is ModuleState.FAILED
    assert bad.error_stage == "activate" and "boom at activation" in (bad.error or "")
    assert good.state is ModuleState.ACTIVE
    # what it registered before raising is gone
    assert host.registry.contributions("map.layer") == []
    # the built-ins still open
    factory, ctx = host.open_page("lookup")
    assert ctx.module_id == "lookup" and callable(factory)
    failures = session.audit.events(action="module.failed")
    assert [e.details["module"] for e in failures] == ["bad_ext"]
    with pytest.raises(ModuleFailure):
        host.open_page("bad_ext")


def test_import_error_and_incompatible_api(session, ext_root):
    write_module(ext_root, "neo_ext_broken", "broken_ext", dist="neo-ext-broken", activation="on_open")
    (ext_root / "neo_ext_broken" / "module.py").write_text("import does_not_exist_anywhere\n")
    write_module(ext_root, "neo_ext_old", "old_ext", dist="neo-ext-old", api=">=2,<3")
    activate_path(ext_root)
    host = ModuleHost(session)
    host.discover()
    assert host.get("old_ext").state is ModuleState.INCOMPATIBLE
    assert api.API_VERSION in (host.get("old_ext").error or "")
    host.start()
    assert host.get("broken_ext").state is ModuleState.DISCOVERED  # lazy: not imported yet
    with pytest.raises(ModuleFailure):
        host.open_page("broken_ext")
    rec = host.get("broken_ext")
    assert rec.state is ModuleState.FAILED and rec.error_stage == "import"
    assert "does_not_exist_anywhere" in (rec.error or "")


def test_invalid_manifest_is_reported_not_raised(session, ext_root):
    pkg = write_module(ext_root, "neo_ext_bad", "bad_ext", dist="neo-ext-bad")
    (pkg / "manifest.toml").write_text('[module]\nid = "Bad Id!"\nversion = "x"\n')
    activate_path(ext_root)
    host = ModuleHost(session)
    host.discover()
    rec = next(r for r in host.records() if r.package == "neo_ext_bad")
    assert rec.state is ModuleState.FAILED and rec.error_stage == "discover"
    assert "invalid manifest" in (rec.error or "")
    assert host.get("lookup").state is ModuleState.DISCOVERED


def test_disable_removes_everything_and_persists(session, ext_root):
    write_module(ext_root, "neo_ext_good", "good_ext", dist="neo-ext-good", activate_body='''
ctx.register("lookup.reference_file", "a", 1)
ctx.register("statements.template", "b", 2)
calls = ctx.settings.get("calls", 0)
ctx.settings.set("calls", calls + 1)
ctx.on_deactivate(lambda: ctx.settings.set("cleaned", True))
''')
    activate_path(ext_root)
    host = ModuleHost(session)
    host.discover()
    host.start()
    assert len(host.registry.by_module("good_ext")) == 2
    host.set_enabled("good_ext", False)
    assert host.get("good_ext").state is ModuleState.DISABLED
    assert host.registry.by_module("good_ext") == []
    assert session.store.read(lambda c: repos.setting_get(c, "good_ext", "cleaned")) is True
    # a new host (next unlock) remembers it is disabled
    host2 = ModuleHost(session)
    host2.discover()
    host2.start()
    assert host2.get("good_ext").state is ModuleState.DISABLED
    host2.set_enabled("good_ext", True)
    assert host2.get("good_ext").state is ModuleState.ACTIVE
    assert session.store.read(lambda c: repos.setting_get(c, "good_ext", "calls")) == 2


def test_permissions_are_enforced(session, ext_root):
    write_module(ext_root, "neo_ext_user", "user_ext", dist="neo-ext-user", permissions='["audit"]',
                 activate_body="ctx.db")
    activate_path(ext_root)
    host = ModuleHost(session)
    host.discover()
    host.start()
    rec = host.get("user_ext")
    assert rec.state is ModuleState.FAILED
    assert "storage" in (rec.error or "")


def test_module_migrations_and_audit_prefix(session, ext_root):
    write_module(
        ext_root, "neo_ext_db", "db_ext", dist="neo-ext-db",
        migrations='[Migration(1, "bikes", "CREATE TABLE db_ext_bikes(serial TEXT PRIMARY KEY)")]',
        activate_body='''
ctx.db.write(lambda c: c.execute("INSERT OR IGNORE INTO db_ext_bikes VALUES ('WTU123')"))
ctx.audit.log("checked", reason="test", details={"serial": "WTU123"})
''')
    activate_path(ext_root)
    host = ModuleHost(session)
    host.discover()
    host.start()
    assert host.get("db_ext").state is ModuleState.ACTIVE, host.get("db_ext").error
    from neo.store import schema_version

    assert schema_version(session.store, "db_ext") == 1
    ev = session.audit.events(action="db_ext.checked")
    assert ev and ev[0].officer == session.officer.service_number and ev[0].reason == "test"
    assert session.audit.verify().ok


def test_officer_identity_needs_permission(session, ext_root):
    write_module(ext_root, "neo_ext_user", "user_ext", dist="neo-ext-user", permissions="[]",
                 activate_body='ctx.settings.set("seen", ctx.officer.name)')
    activate_path(ext_root)
    host = ModuleHost(session)
    host.discover()
    host.start()
    assert session.store.read(lambda c: repos.setting_get(c, "user_ext", "seen")) == "—"


def test_requires_orders_activation_and_failed_dependency_fails_dependant(session, ext_root):
    write_module(ext_root, "neo_ext_bad", "bad_ext", dist="neo-ext-bad", activation="on_open",
                 activate_body='raise ValueError("nope")')
    write_module(ext_root, "neo_ext_good", "good_ext", dist="neo-ext-good",
                 extra_manifest='requires = ["bad_ext"]')
    activate_path(ext_root)
    host = ModuleHost(session)
    host.discover()
    host.start()
    assert host.get("bad_ext").state is ModuleState.FAILED
    good = host.get("good_ext")
    assert good.state is ModuleState.FAILED and "bad_ext" in (good.error or "")


def test_stop_deactivates_all(session):
    host = ModuleHost(session, entry_points=False)
    host.discover()
    host.activate_all()
    assert all(r.state is ModuleState.ACTIVE for r in host.records())
    host.stop()
    assert all(r.state is ModuleState.DISCOVERED for r in host.records())


def test_activation_refused_when_locked(session):
    host = ModuleHost(session, entry_points=False)
    host.discover()
    session.lock()
    with pytest.raises(ModuleFailure):
        host.activate("lookup")


def test_module_sync_collection_shares_the_session_replica(session, ext_root):
    write_module(ext_root, "neo_ext_db", "db_ext", dist="neo-ext-db", permissions='["sync"]',
                 extra_manifest='[[module.collections]]\nname = "db_ext.sightings"\npolicy = "append_only"',
                 activate_body='ctx.settings.set("rid", ctx.sync.collection("db_ext.sightings").put(None, {"serial": "WTU123"}))')
    activate_path(ext_root)
    host = ModuleHost(session)
    host.discover()
    host.start()
    rec = host.get("db_ext")
    assert rec.state is ModuleState.ACTIVE, rec.error
    from neo.replica import Replica

    replica = Replica.for_session(session)
    rid = session.store.read(lambda c: repos.setting_get(c, "db_ext", "rid"))
    assert replica.get("db_ext.sightings", rid) == {"serial": "WTU123"}
    assert replica.status().pending == 1
