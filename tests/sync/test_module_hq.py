"""``ctx.hq`` (module API 1.2): a module's calls to its own routes at a real HQ on
loopback, through the core's pinned link; reachability callbacks; revocation."""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from neo import api
from neo.api import HqRefused, HqResponse, HqUnavailable, ModuleHq, RemoteTransport
from neo.api.hq import HqReachability
from neo.host import ModuleHost, ModuleState
from neo.hq.testing import LiveHQ
from neo.sync.remote import HqRemote
from tests.host.modkit import activate_path, deactivate_path, write_module

from .conftest import PIN, Device, new_unit

PACKAGES = ["neo_ext_hq", "neo_ext_nohq"]


@pytest.fixture
def ext_root(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "site"
    root.mkdir()
    yield root
    deactivate_path(root, PACKAGES)


@pytest.fixture
def device(live: LiveHQ, make_device: Any) -> Device:
    unit, sns = new_unit(live)
    return make_device(live, unit, sns[0])


def hq_module(root: Path, *, activate_body: str = "pass", permissions: str = '["hq", "audit"]',
              activation: str = "on_open", package: str = "neo_ext_hq", module_id: str = "hq_ext") -> None:
    write_module(root, package, module_id, dist=package.replace("_", "-"), permissions=permissions,
                 activation=activation, activate_body=activate_body)
    activate_path(root)


def host_for(device: Device, **remote_options: Any) -> tuple[ModuleHost, HqRemote]:
    remote = HqRemote.for_session(device.session, **remote_options)
    host = ModuleHost(device.session, remote=remote, builtins=())
    host.discover()
    return host, remote


def search_body(officer: str, text: str = "AB-123-CD") -> dict[str, Any]:
    return {"query_id": str(uuid.uuid4()), "officer": officer, "reason": "controle_routier", "text": text,
            "asked_at_ms": 1_700_000_000_000}


class Recording(RemoteTransport):
    """Records what reaches the transport (no HTTP)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def request(self, method: str, path: str, *, body: Mapping[str, Any] | None = None,
                params: Mapping[str, Any] | None = None, etag: str | None = None) -> HqResponse:
        self.calls.append((method, path))
        return HqResponse(200, {"ok": True})


# -- the API --------------------------------------------------------------------------------------


def test_api_version_and_exports() -> None:
    assert api.VERSION >= (1, 2) and api.VERSION[0] == 1 and api.API_VERSION == f"1.{api.VERSION[1]}"
    for name in ("ModuleHq", "HqError", "HqRefused", "HqUnavailable", "HqResponse", "RemoteTransport", "CommandDecl"):
        assert name in api.__all__ and hasattr(api, name)


def test_paths_cannot_leave_the_module_prefix() -> None:
    transport = Recording()
    hq = ModuleHq("hq_ext", transport, HqReachability(), lambda _fn: None)
    assert hq.get_json("hotlist") == {"ok": True}
    assert hq.post("a/b-c_d.e~f", {}) == {"ok": True}
    assert transport.calls == [("GET", "/api/v1/m/hq_ext/hotlist"), ("POST", "/api/v1/m/hq_ext/a/b-c_d.e~f")]
    bad = ["", "/api/v1/device", "../lookup/search", "x/../../../device", "..", ".", "./x", "x//y", "x/",
           "%2e%2e/device", "x%2F..", "https://evil.example/x", "//evil.example/x", "x?since=0", "x#y",
           "x\\..\\y", "C:/x", "x y", "x\n", "..%2f"]
    for path in bad:
        with pytest.raises(ValueError):
            hq.get(path)
        with pytest.raises(ValueError):
            hq.post(path, {})
    assert len(transport.calls) == 2  # nothing refused reached the transport
    with pytest.raises(TypeError):
        hq.post("x", ["not", "an", "object"])  # type: ignore[arg-type]


def test_hq_needs_the_permission(device: Device, ext_root: Path) -> None:
    hq_module(ext_root, permissions='["audit"]')
    host, _ = host_for(device)
    ctx = host.activate("hq_ext")
    with pytest.raises(api.ModulePermissionError, match="'hq'"):
        ctx.hq  # noqa: B018 - the property is what is checked


def test_without_a_link_calls_are_unavailable(session: Any, ext_root: Path) -> None:
    """A device set up locally (never enrolled): HqUnavailable, kind no_link."""
    hq_module(ext_root)
    for remote in (None, HqRemote.for_session(session)):
        host = ModuleHost(session, remote=remote, builtins=())
        host.discover()
        ctx = host.activate("hq_ext")
        with pytest.raises(HqUnavailable) as info:
            ctx.hq.get("hotlist")
        assert info.value.kind == "no_link" and "QG" in info.value.message
        host.stop()


# -- against a real HQ ----------------------------------------------------------------------------


def test_round_trip_through_the_lookup_routes(device: Device, ext_root: Path) -> None:
    """The lookup's own routes, reached as the lookup module reaches them."""
    hq_module(ext_root, module_id="lookup", package="neo_ext_hq")
    host, _ = host_for(device)
    ctx = host.activate("lookup")
    assert ctx.hq.online is None
    body = search_body(device.officer)
    answer = ctx.hq.post("search", body)
    assert answer["query_id"] == body["query_id"] and isinstance(answer["hits"], list)
    assert answer["replayed"] is False
    assert ctx.hq.post("search", body)["replayed"] is True  # the same query, answered once
    assert ctx.hq.online is True
    first = ctx.hq.get("hotlist")
    assert first.status == 200 and first.etag and not first.not_modified
    assert isinstance(first.json, dict) and "hashes" in first.json
    again = ctx.hq.get("hotlist", etag=first.etag)
    assert again.not_modified and again.json is None and again.etag == first.etag
    host.stop()


def test_hq_refusals_carry_status_kind_and_message(device: Device, ext_root: Path) -> None:
    hq_module(ext_root, module_id="lookup", package="neo_ext_hq")
    host, _ = host_for(device)
    ctx = host.activate("lookup")
    with pytest.raises(HqRefused) as info:
        ctx.hq.get("nothing")
    assert info.value.status == 404 and info.value.kind == "not_found"
    with pytest.raises(HqRefused) as info:
        ctx.hq.post("nothing/here", {"x": 1})
    assert info.value.status == 404
    bad = search_body(device.officer)
    del bad["reason"]
    with pytest.raises(HqRefused) as info:
        ctx.hq.post("search", bad)
    assert info.value.status in (400, 422) and info.value.kind == "rejected" and info.value.message
    assert ctx.hq.online is True  # HQ answered
    host.stop()


def test_other_modules_get_404_on_their_own_prefix(device: Device, ext_root: Path) -> None:
    """A module with no routes at HQ: its prefix holds nothing (and it cannot reach the lookup's)."""
    hq_module(ext_root)
    host, _ = host_for(device)
    ctx = host.activate("hq_ext")
    with pytest.raises(HqRefused) as info:
        ctx.hq.post("search", search_body(device.officer))
    assert info.value.status == 404
    with pytest.raises(ValueError):
        ctx.hq.post("../lookup/search", search_body(device.officer))
    host.stop()


def test_hq_stopped_means_unavailable(sqlite_live: LiveHQ, make_device: Any, ext_root: Path) -> None:
    unit, sns = new_unit(sqlite_live)
    device = make_device(sqlite_live, unit, sns[0])
    hq_module(ext_root)
    host, _ = host_for(device, timeout=2.0)
    ctx = host.activate("hq_ext")
    with pytest.raises(HqRefused):
        ctx.hq.get("nothing")
    assert ctx.hq.online is True
    sqlite_live.stop()
    for call in (lambda: ctx.hq.get("nothing"), lambda: ctx.hq.post("nothing", {})):
        with pytest.raises(HqUnavailable) as info:
            call()
        assert info.value.kind == "network" and info.value.message
    assert ctx.hq.online is False
    host.stop()


def test_a_revoked_device_is_refused_and_told_once(sqlite_live: LiveHQ, make_device: Any, ext_root: Path) -> None:
    unit, sns = new_unit(sqlite_live)
    device = make_device(sqlite_live, unit, sns[0])
    hq_module(ext_root)
    told: list[HqRefused] = []
    host, remote = host_for(device, on_revoked=told.append)
    ctx = host.activate("hq_ext")
    sqlite_live.hq.revoke_device(device.device_id)
    with pytest.raises(HqRefused) as info:
        ctx.hq.get("nothing")
    assert info.value.kind == "revoked" and info.value.status == 403
    with pytest.raises(HqRefused):
        ctx.hq.post("nothing", {})
    assert len(told) == 1 and remote.revoked is told[0]
    host.stop()


def test_a_module_command_on_a_revoked_device_wipes_it(sqlite_live: LiveHQ, make_device: Any,
                                                       ext_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from neo.cli import EXIT_WIPED, main

    unit, sns = new_unit(sqlite_live)
    device = make_device(sqlite_live, unit, sns[0])
    pkg = write_module(ext_root, "neo_ext_hq", "hq_ext", dist="neo-ext-hq", permissions='["hq"]',
                       extra_manifest='[[module.commands]]\nname = "ask-hq"\nhelp = { fr = "Demander au QG" }\n'
                                      'entry = "neo_ext_hq.cli:main"\n')
    (pkg / "cli.py").write_text("def main(ctx, argv):\n    ctx.hq.get('nothing')\n    return 0\n")
    activate_path(ext_root)
    device.close()
    sqlite_live.hq.revoke_device(device.device_id)
    code = main(["ask-hq", "--data-dir", str(device.vault.data_dir), "--officer", device.officer, "--pin-stdin"],
                stdin=io.StringIO(PIN + "\n"))
    err = capsys.readouterr().err
    assert code == EXIT_WIPED and "révoqué" in err
    assert not device.vault.exists() and device.vault.was_wiped()["reason"] == "revoked"  # type: ignore[index]


# -- reachability ----------------------------------------------------------------------------------


REACHABLE = '''
import threading
seen = []
def reached():
    seen.append(threading.current_thread().name)
    ctx.settings.set("reached", seen)
ctx.hq.on_reachable(reached)
'''


def test_on_reachable_runs_on_a_worker_and_goes_with_the_module(device: Device, ext_root: Path) -> None:
    hq_module(ext_root, activate_body=REACHABLE)
    host, _ = host_for(device)
    ctx = host.activate("hq_ext")
    assert host.notify_reachable().result(timeout=10) == 1
    assert host.notify_reachable().result(timeout=10) == 1
    names = ctx.settings.get("reached")
    assert len(names) == 2 and threading.current_thread().name not in names
    assert ctx.hq.online is True
    host.notify_unreachable()
    assert ctx.hq.online is False
    host.deactivate("hq_ext")
    assert host.get("hq_ext").state is ModuleState.DISCOVERED
    assert host.notify_reachable().result(timeout=10) == 0
    assert len(ctx.settings.get("reached")) == 2
    host.stop()


def test_a_failing_callback_does_not_stop_the_others() -> None:
    reach = HqReachability()
    ran: list[str] = []

    def boom() -> None:
        raise RuntimeError("callback failed")

    reach.subscribe("a", boom)
    reach.subscribe("b", lambda: ran.append("b"))
    assert reach.notify().result(timeout=10) == 2
    assert ran == ["b"]
    reach.close()
    assert reach.notify().result(timeout=10) == 0  # closed: callbacks forgotten, a new worker serves


def test_neo_sync_tells_the_modules(device: Device, ext_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """After a sync that completed, ``neo sync`` activates the startup modules and runs their
    callbacks: here one that calls HQ (a route it does not have: HQ answers 404)."""
    from neo.sync.cli import main

    hq_module(ext_root, activation="startup", activate_body='''
from neo.api import HqRefused
def reached():
    try:
        ctx.hq.get("nothing")
    except HqRefused as exc:
        ctx.settings.set("status", exc.status)
ctx.hq.on_reachable(reached)
''')
    device.close()
    argv = ["sync", "--data-dir", str(device.vault.data_dir), "--officer", device.officer, "--pin-stdin", "--json",
            "--quiet"]
    code = main(argv, stdin=io.StringIO(PIN + "\n"))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["modules_notified"] >= 1
    code = main([*argv, "--no-modules"], stdin=io.StringIO(PIN + "\n"))
    assert code == 0 and "modules_notified" not in json.loads(capsys.readouterr().out)
    with device.vault.unlock(device.officer, PIN) as session:
        from neo.store import repos

        assert session.store.read(lambda c: repos.setting_get(c, "hq_ext", "status")) == 404
