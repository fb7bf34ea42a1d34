"""NEO's pytest plugin for module developers (``pytest11`` entry point ``neo``: loaded by
pytest wherever NEO is installed).

Fixtures (all prefixed ``neo_``):

* ``neo_module`` — the id of the module under test (``neo_module = "<id>"`` in the
  project's ``[tool.pytest.ini_options]``, or ``--neo-module ID``);
* ``neo_vault``, ``neo_session`` — a blank device in a temporary directory, and that
  device unlocked by officer 100001 (PIN 482913; locked again after the test);
* ``neo_host`` — NEO's module host on ``neo_session``, every installed module
  discovered, nothing activated: ``neo_host.activate(id)`` returns the module's ``ctx``;
* ``neo_context`` — the module under test activated: its ``ModuleContext``;
* ``neo_hq`` — a real HQ on loopback (TLS, uvicorn thread) with the unit ``BTA Menton``:
  ``enrol(session)``, ``sync(session)``, ``new_device()``, ``hq``; needs NEO's ``hq``
  extra (the test is skipped, saying so, without it);
* ``neo_window`` — NEO's main window on a locked device: ``unlock()``, ``home``,
  ``open(id)``, ``lock()``; fails the test if a widget survives the lock or the window.

With a module under test, every run that collects a directory also gets the **contract
tests** (:mod:`neo.devkit.contract`): manifest and package, activation, clean
deactivation, the page in the shell, translations, imports. ``--neo-no-contract`` leaves
them out; naming files or tests on the command line does too.

In a run without a module under test (NEO's own test suite, another project), the plugin
only offers its fixtures: it changes nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from neo.devkit import harness

INI = "neo_module"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("neo", "NEO module kit")
    group.addoption("--neo-module", dest="neo_module", default=None, metavar="ID",
                    help="id of the NEO module under test (default: the neo_module ini value); adds NEO's "
                         "contract tests to the run")
    group.addoption("--neo-no-contract", dest="neo_no_contract", action="store_true", default=False,
                    help="do not add NEO's contract tests for the module under test")
    parser.addini(INI, "id of the NEO module under test: adds NEO's contract tests to the run", default="")


def module_under_test(config: pytest.Config) -> str | None:
    value = config.getoption("neo_module", None) or config.getini(INI)
    value = str(value or "").strip()
    return value or None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "neo_contract: a contract test NEO adds for the module under test")
    if module_under_test(config):
        # A module's test run: offscreen Qt, no GPS, Argon2id cheap enough for tests
        # (whatever the environment already says wins).
        for key, value in harness.CHEAP_KDF_ENV.items():
            os.environ.setdefault(key, value)


def _names_files_or_tests(config: pytest.Config) -> bool:
    """The command line names test files or test ids only (not a directory)."""
    args = [a for a in config.args if a]
    if not args:
        return False
    root = Path(config.invocation_params.dir)
    for arg in args:
        if "::" in arg:
            continue
        path = (root / arg) if not Path(arg).is_absolute() else Path(arg)
        if path.is_dir():
            return False
    return True


class ContractModule(pytest.Module):
    """The contract tests, collected from :mod:`neo.devkit.contract` as it is installed
    (not imported again from its path)."""

    def _getobj(self) -> Any:
        from neo.devkit import contract

        return contract


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    module_id = module_under_test(config)
    if module_id is None or config.getoption("neo_no_contract", False) or _names_files_or_tests(config):
        return
    from neo.devkit import contract

    node = ContractModule.from_parent(session, path=Path(contract.__file__), name=f"neo-contract[{module_id}]",
                                      nodeid=f"neo-contract[{module_id}]")
    added = [item for item in node.collect() if isinstance(item, pytest.Item)]
    for item in added:
        item.add_marker(pytest.mark.neo_contract)
    items[:0] = added


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A test that used ``neo_window`` and passed fails if widgets survived the lock."""
    result = yield
    shell = getattr(item, "funcargs", {}).get("neo_window")
    if isinstance(shell, harness.ShellWindow):
        try:
            shell.check_no_leak()
        except harness.KitError as exc:
            pytest.fail(str(exc), pytrace=False)
    return result


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def neo_module(request: pytest.FixtureRequest) -> str:
    """The id of the module under test."""
    module_id = module_under_test(request.config)
    if module_id is None:
        pytest.fail('no NEO module under test: set neo_module = "<module id>" in [tool.pytest.ini_options] '
                    "(or run pytest --neo-module ID)", pytrace=False)
    return module_id


@pytest.fixture
def neo_data_dir(tmp_path: Path) -> Path:
    """The data directory of the kit's device (empty until a fixture provisions it)."""
    path = tmp_path / "neo-device"
    path.mkdir()
    return path


@pytest.fixture
def neo_vault(neo_data_dir: Path) -> Any:
    """The vault of a blank device (``neo.vault.Vault``), nothing on it yet."""
    return harness.new_vault(neo_data_dir)


@pytest.fixture
def neo_session(neo_vault: Any) -> Iterator[Any]:
    """The device with officer 100001 (Jeanne Martin, BTA Menton, PIN 482913), unlocked:
    ``store``, ``audit``, ``officer``, ``device_id``. Locked after the test."""
    session = neo_vault.initialize(harness.OFFICER, harness.PIN)
    yield session
    session.lock()


@pytest.fixture
def neo_host(neo_session: Any, request: pytest.FixtureRequest) -> Iterator[harness.KitHost]:
    """NEO's module host on the kit's device: every installed module discovered (nothing
    activated), the link to HQ for ``ctx.hq`` (after ``neo_hq.enrol``), a fixed position
    in Menton. ``activate(id)`` returns a module's ``ctx``. Stopped after the test."""
    module_id = module_under_test(request.config)
    host = harness.kit_host(neo_session, module_id)
    if module_id is not None:
        host.record(module_id)  # a clear failure when the module is not installed
    yield host
    host.stop()


@pytest.fixture
def neo_context(neo_host: harness.KitHost, neo_module: str) -> Any:
    """The module under test, activated (and what it requires): its ``ModuleContext``."""
    rec = neo_host.record(neo_module)
    try:
        return neo_host.activate(neo_module)
    except Exception:
        pytest.fail(f"the module {neo_module!r} did not activate: {rec.state} at {rec.error_stage}: {rec.error}",
                    pytrace=False)


@pytest.fixture
def neo_hq(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[harness.LocalHq]:
    """A real HQ on loopback with the unit BTA Menton and officers 100001 (PIN 482913)
    and 100002 (PIN 739164). ``enrol(session)`` links a device to it, ``sync(session)``
    runs a sync, ``new_device()`` gives another enrolled tablet of the unit, ``hq`` is
    HQ's service object. Skipped when NEO's ``hq`` extra is not installed."""
    try:
        import fastapi  # noqa: F401
        import sqlalchemy  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"neo_hq needs NEO's hq extra (pip install 'neo-field[hq]'): {exc}")
    for key in ("NEO_HQ_ARGON2_MEMORY_KIB", "NEO_HQ_ARGON2_TIME_COST", "NEO_HQ_ARGON2_PARALLELISM"):
        os.environ.setdefault(key, harness.CHEAP_KDF_ENV[key])
    server = harness.LocalHq(tmp_path / "neo-hq", module_under_test(request.config)).start()
    yield server
    server.stop()


@pytest.fixture
def neo_window(neo_data_dir: Path, request: pytest.FixtureRequest) -> Iterator[harness.ShellWindow]:
    """NEO's main window on the kit's device, locked: ``unlock()``, ``home.tiles``,
    ``open(id)`` (the module's page), ``lock()``, ``window`` (the ``MainWindow``).

    After the test it locks the device through the shell and **fails the test if a
    widget made while unlocked is still alive** (a page that keeps a window of its own,
    or a widget without a parent), then closes the window. Do not combine it with
    ``neo_session`` (the window unlocks the device itself: ``neo_window.session``)."""
    if "neo_session" in request.fixturenames:
        pytest.fail("neo_window unlocks the device itself: use neo_window.session instead of neo_session",
                    pytrace=False)
    qtbot = request.getfixturevalue("qtbot")  # pytest-qt: the QApplication
    restore = harness.collect_garbage_on_ui_thread()
    shell = harness.ShellWindow(neo_data_dir, module_under_test(request.config), qtbot)
    try:
        yield shell  # the leak check runs at the end of the test itself (pytest_runtest_call)
    finally:
        if not shell.closed:
            shell.closed = True
            shell.window.shutdown()
            shell.window.close()
            shell.window.deleteLater()
        restore()
