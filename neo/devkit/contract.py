"""The contract tests NEO adds to the test run of every module (``neo_module = "<id>"``).

They hold a module to what the host and the shell rely on: a manifest that reads and a
package that holds what it names; activation; a deactivation that leaves nothing
behind (contributions, callbacks, position listeners, threads); activation again after
that (the device locks and unlocks all day); the page in NEO's shell, in French and in
English, with no widget surviving the lock; English for every ``tr()`` literal; and the
rules of conduct for imports. Each failure says what to fix.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest

from neo.devkit import checks
from neo.devkit.harness import KitHost, ShellWindow
from neo.host import ModuleState
from neo.i18n import language, set_language
from neo.store.migrations import schema_version


def _record(host: KitHost, module_id: str) -> Any:
    rec = host.record(module_id)
    if rec.state in (ModuleState.FAILED, ModuleState.INCOMPATIBLE):
        pytest.fail(f"module {module_id!r} is {rec.state} at {rec.error_stage}: {rec.error}", pytrace=False)
    assert rec.manifest is not None and rec.package_dir is not None
    return rec


def _activate(host: KitHost, module_id: str) -> Any:
    rec = _record(host, module_id)
    try:
        return host.activate(module_id)
    except Exception:
        pytest.fail(f"module {module_id!r} did not activate: {rec.state} at {rec.error_stage}: {rec.error}",
                    pytrace=False)


def test_manifest_and_package(neo_host: KitHost, neo_module: str) -> None:
    """The manifest reads, the package holds what it names, English is there, and the
    description is there (it says what the module does and what data it keeps)."""
    rec = _record(neo_host, neo_module)
    problems = checks.manifest_problems(rec.manifest, rec.package_dir)
    assert not problems, "\n".join(problems)


def test_activates(neo_host: KitHost, neo_module: str) -> None:
    """Migrations run, then ``activate(ctx)`` returns: the module is active."""
    rec = _record(neo_host, neo_module)
    ctx = _activate(neo_host, neo_module)
    assert ctx.module_id == neo_module
    assert rec.state is ModuleState.ACTIVE
    if rec.manifest.migrations:
        from neo.host import resolve_ref

        expected = len(list(resolve_ref(rec.manifest.migrations)))
        assert neo_host.session is not None
        assert schema_version(neo_host.session.store, neo_module) == expected


def _alive_threads(ignore: set[int]) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.ident not in ignore and t.is_alive()]


def test_deactivates_cleanly(neo_host: KitHost, neo_module: str, caplog: pytest.LogCaptureFixture) -> None:
    """Deactivation (the device locking, the module disabled) leaves nothing behind:
    no contribution, no ``on_reachable`` callback, no position listener, no thread the
    module started, and no cleanup that raises."""
    threads_before = {t.ident for t in threading.enumerate() if t.ident is not None}
    position = neo_host.position_source
    listeners_before = len(getattr(position, "_listeners", []))
    _activate(neo_host, neo_module)
    registered = [(c.point, c.key) for c in neo_host.registry.by_module(neo_module)]
    with caplog.at_level(logging.WARNING, logger="neo.host"):
        neo_host.deactivate(neo_module)
    rec = neo_host.record(neo_module)
    assert rec.state is ModuleState.DISCOVERED, f"{rec.state}: {rec.error}"
    raised = [r.getMessage() for r in caplog.records if "raised while deactivating" in r.getMessage()]
    assert not raised, "a cleanup raised at deactivation:\n" + "\n".join(raised)
    left = [(c.point, c.key) for c in neo_host.registry.by_module(neo_module)]
    assert not left, f"contributions left after deactivation: {left} (registered: {registered})"
    callbacks = [cb for mid, cb in neo_host.reachability.callbacks() if mid == neo_module]
    assert not callbacks, f"{len(callbacks)} on_reachable callback(s) left after deactivation"
    listeners_after = len(getattr(position, "_listeners", []))
    assert listeners_after <= listeners_before, (
        "a ctx.position.subscribe() listener was not removed: call the function subscribe() returns in "
        "ctx.on_deactivate(...)")
    deadline = time.monotonic() + 5.0
    threads = _alive_threads(threads_before)
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    still = [t.name for t in _alive_threads(threads_before)]
    assert not still, (f"threads still running after deactivation: {still}; stop them in "
                       "ctx.on_deactivate(...) (or return a cleanup function from activate)")


def test_activates_again_after_deactivation(neo_host: KitHost, neo_module: str) -> None:
    """The device locks and unlocks all day: a module activates again after it stopped,
    with what it registered the first time."""
    _activate(neo_host, neo_module)
    first = sorted((c.point, c.key) for c in neo_host.registry.by_module(neo_module))
    neo_host.deactivate(neo_module)
    _activate(neo_host, neo_module)
    again = sorted((c.point, c.key) for c in neo_host.registry.by_module(neo_module))
    assert again == first


def test_page_in_the_shell(neo_window: ShellWindow, neo_module: str) -> None:
    """The module is on the home screen; its page opens in NEO's window, follows a change
    of language, and no widget of it survives the device locking (checked when the test
    ends)."""
    neo_window.unlock()
    rec = neo_window.host.get(neo_module)
    if rec.manifest is None or not rec.manifest.page:
        pytest.skip(f"module {neo_module!r} has no page")
    tile = neo_window.home.tiles.get(neo_module)
    assert tile is not None, f"no tile for {neo_module!r} on the home screen"
    assert tile.state != "failed", f"the tile is failed: {rec.error_stage}: {rec.error}"
    neo_window.open(neo_module)
    neo_window.qtbot.wait(50)  # the page settles as it would before an officer touches it
    before = language()
    try:
        set_language("en" if before != "en" else "fr")
        neo_window.qtbot.wait(50)
    finally:
        set_language(before)
    rec = neo_window.host.get(neo_module)
    assert rec.state is ModuleState.ACTIVE, f"the page failed when the language changed: {rec.error}"


def test_translations(neo_host: KitHost, neo_module: str) -> None:
    """Every ``tr("…")`` literal has its English in ``translations/en.json`` (with the
    same ``{placeholders}``), and no ``tr()`` is given an f-string."""
    rec = _record(neo_host, neo_module)
    problems = checks.translation_problems(rec.package_dir, "en")
    assert not problems, f"{len(problems)} translation problem(s):\n" + "\n".join(problems)


def test_imports_follow_the_rules(neo_host: KitHost, neo_module: str) -> None:
    """Qt only in ``ui/``, only ``neo.api`` from NEO, no network library, no installer."""
    rec = _record(neo_host, neo_module)
    problems = checks.import_problems(rec.package_dir, rec.package)
    assert not problems, "\n".join(problems)
