"""Module commands (``[[module.commands]]``, API 1.2): ``neo <name>`` runs a module's
command after unlock, without importing any module code until that command runs."""

from __future__ import annotations

import io
import json
import sys
import textwrap
from pathlib import Path

import pytest

from neo.api import Manifest
from neo.cli import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, core_commands, main
from neo.host import ModuleHost, ModuleState
from tests.host.modkit import activate_path, deactivate_path, write_module

PIN = "482913"
PACKAGES = ["neo_ext_cmd", "neo_ext_shadow", "neo_ext_twin"]

COMMAND = '''
[[module.commands]]
name = "{name}"
help = {{ fr = "{help_fr}", en = "{help_en}" }}
entry = "{package}.cli:main"
'''

CLI = '''
import argparse
import json
import sys


def main(ctx, argv):
    parser = argparse.ArgumentParser(prog="neo greet")
    parser.add_argument("--loud", action="store_true")
    parser.add_argument("--fail", action="store_true")
    parser.add_argument("--hq", action="store_true")
    parser.add_argument("words", nargs="*")
    args = parser.parse_args(argv)
    if args.fail:
        raise RuntimeError("the greeting broke")
    if args.hq:
        ctx.hq.get("anything")
    ctx.audit.log("greeted", reason="test", details={"words": args.words})
    text = " ".join(args.words)
    print(json.dumps({"argv": argv, "text": text.upper() if args.loud else text, "module": ctx.module_id,
                      "officer": ctx.officer.service_number, "online": ctx.hq.online}))
    print("to stderr", file=sys.stderr)
    return 3 if args.loud else 0
'''


def command_module(root: Path, package: str, module_id: str, name: str, *, cli: str = CLI,
                   permissions: str = '["storage", "audit", "hq"]', activation: str = "on_open") -> Path:
    block = COMMAND.format(name=name, help_fr=f"Commande {name} de test", help_en=f"Test {name} command",
                           package=package)
    pkg = write_module(root, package, module_id, dist=package.replace("_", "-"), extra_manifest=block,
                       permissions=permissions, activation=activation)
    (pkg / "cli.py").write_text(textwrap.dedent(cli))
    return pkg


@pytest.fixture
def ext_root(tmp_path: Path):
    root = tmp_path / "site"
    root.mkdir()
    yield root
    deactivate_path(root, PACKAGES)


@pytest.fixture
def device(session, data_dir: Path) -> Path:
    """A device with one officer (100001), locked."""
    session.lock()
    return data_dir


def run(capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    code = main(list(argv), stdin=io.StringIO(stdin))
    out, err = capsys.readouterr()
    return code, out, err


def imported(package: str) -> list[str]:
    return [m for m in sys.modules if m == package or m.startswith(package + ".")]


# -- the manifest -------------------------------------------------------------------------------


def test_manifest_commands_are_validated() -> None:
    base = {"id": "x_mod", "name": {"fr": "X"}, "version": "1.0", "api": ">=1.2,<2"}
    cmd = {"name": "greet", "help": {"fr": "Saluer", "en": "Greet"}, "entry": "pkg.cli:main"}
    manifest = Manifest.model_validate({**base, "commands": [cmd]})
    assert manifest.commands[0].name == "greet" and manifest.commands[0].help.get("en") == "Greet"
    for bad in ({**cmd, "name": "Greet"}, {**cmd, "name": "-x"}, {**cmd, "entry": "pkg.cli"},
                {**cmd, "help": {"en": "no French"}}, {**cmd, "extra": 1}):
        with pytest.raises(ValueError):
            Manifest.model_validate({**base, "commands": [bad]})
    with pytest.raises(ValueError, match="twice"):
        Manifest.model_validate({**base, "commands": [cmd, cmd]})


# -- discovery ----------------------------------------------------------------------------------


def test_commands_are_found_in_manifests_and_core_names_are_refused(session, ext_root) -> None:
    command_module(ext_root, "neo_ext_cmd", "cmd_ext", "greet")
    command_module(ext_root, "neo_ext_shadow", "shadow_ext", "sync")
    command_module(ext_root, "neo_ext_twin", "twin_ext", "greet")
    activate_path(ext_root)
    host = ModuleHost(session)
    host.discover()
    found = {(c.name, c.module_id): c for c in host.commands(core_commands())}
    assert found[("greet", "cmd_ext")].refused is None
    assert "already declared by module 'cmd_ext'" in (found[("greet", "twin_ext")].refused or "")
    assert "core command" in (found[("sync", "shadow_ext")].refused or "")
    assert found[("greet", "cmd_ext")].help("en") == "Test greet command"
    # the rest of the refused modules still works
    assert host.get("shadow_ext").state is ModuleState.DISCOVERED
    assert not imported("neo_ext_cmd") and not imported("neo_ext_shadow")


def test_core_commands_are_what_neo_parses() -> None:
    assert {"officer", "enroll", "unlock", "rekey", "modules", "audit", "sync", "self-test"} <= core_commands()


# -- running --------------------------------------------------------------------------------------


def test_module_command_runs_after_unlock_with_its_own_arguments(device, ext_root, capsys) -> None:
    command_module(ext_root, "neo_ext_cmd", "cmd_ext", "greet")
    activate_path(ext_root)
    code, out, err = run(capsys, "greet", "--data-dir", str(device), "--officer", "100001", "--loud",
                         "--pin-stdin", "bonjour", "--", "--à tous", stdin=PIN + "\n")
    assert code == 3, err
    data = json.loads(out)
    assert data["argv"] == ["--loud", "bonjour", "--", "--à tous"]
    assert data["text"] == "BONJOUR --À TOUS" and data["module"] == "cmd_ext" and data["officer"] == "100001"
    assert data["online"] is None  # nothing known of HQ yet
    assert "to stderr" in err
    # the module's audit event is in the device's trail (read back after another unlock)
    code, out, _ = run(capsys, "audit", "list", "--data-dir", str(device), "--officer", "100001", "--pin-stdin",
                       "--json", "--action", "cmd_ext.greeted", stdin=PIN + "\n")
    assert code == EXIT_OK and json.loads(out)[0]["details"] == {"words": ["bonjour", "--à tous"]}


def test_global_data_dir_before_the_command_and_exit_zero(device, ext_root, capsys) -> None:
    command_module(ext_root, "neo_ext_cmd", "cmd_ext", "greet")
    activate_path(ext_root)
    code, out, err = run(capsys, "--data-dir", str(device), "greet", "--officer", "100001", "--pin-stdin", "salut",
                         stdin=PIN + "\n")
    assert code == EXIT_OK, err
    assert json.loads(out)["text"] == "salut"


def test_module_command_needs_an_unlock(device, ext_root, capsys) -> None:
    command_module(ext_root, "neo_ext_cmd", "cmd_ext", "greet")
    activate_path(ext_root)
    code, _, err = run(capsys, "greet", "--data-dir", str(device), "salut")
    assert code == EXIT_USAGE and "--officer" in err
    code, _, err = run(capsys, "greet", "--data-dir", str(device), "--officer", "100001", "--pin-stdin", "salut",
                       stdin="000000\n")
    assert code == EXIT_REFUSED and err
    assert not imported("neo_ext_cmd")


def test_help_lists_module_commands_without_importing_them(device, ext_root, capsys) -> None:
    command_module(ext_root, "neo_ext_cmd", "cmd_ext", "greet")
    command_module(ext_root, "neo_ext_shadow", "shadow_ext", "sync")
    activate_path(ext_root)
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "greet" in out and "Test greet command" in out and "[module cmd_ext]" in out
    assert "[module shadow_ext]" not in out
    # the command's own help before unlocking
    code, out, _ = run(capsys, "greet", "--help")
    assert code == EXIT_OK and "--officer ID --pin-stdin" in out and "Test greet command" in out
    assert not imported("neo_ext_cmd") and not imported("neo_ext_shadow")
    # the module's argparse help after unlocking: its exit code is the command's
    code, out, _ = run(capsys, "greet", "--data-dir", str(device), "--officer", "100001", "--pin-stdin", "--help",
                       stdin=PIN + "\n")
    assert code == EXIT_OK and "usage: neo greet" in out and "--loud" in out
    code, _, err = run(capsys, "greet", "--data-dir", str(device), "--officer", "100001", "--pin-stdin", "--nope",
                       stdin=PIN + "\n")
    assert code == 2 and "unrecognized arguments" in err


def test_a_core_command_cannot_be_shadowed(device, ext_root, capsys) -> None:
    command_module(ext_root, "neo_ext_shadow", "shadow_ext", "sync",
                   cli="def main(ctx, argv):\n    raise SystemExit(99)\n")
    activate_path(ext_root)
    code, out, err = run(capsys, "sync", "--data-dir", str(device), "--officer", "100001", "--pin-stdin",
                         stdin=PIN + "\n")
    # the core's sync ran (this device is not enrolled: it says so), not the module's
    assert code == 1 and "neo enroll" in err
    assert not imported("neo_ext_shadow")
    code, out, _ = run(capsys, "modules", "--data-dir", str(device), "--json")
    assert code == EXIT_OK
    rec = next(r for r in json.loads(out) if r["id"] == "shadow_ext")
    assert rec["commands"][0]["name"] == "sync" and "core command" in rec["commands"][0]["refused"]
    code, out, _ = run(capsys, "modules", "--data-dir", str(device))
    assert "neo sync" in out and "refusée" in out


def test_a_failing_command_is_reported_and_audited(device, ext_root, capsys, vault) -> None:
    command_module(ext_root, "neo_ext_cmd", "cmd_ext", "greet")
    activate_path(ext_root)
    code, _, err = run(capsys, "greet", "--data-dir", str(device), "--officer", "100001", "--pin-stdin", "--fail",
                       stdin=PIN + "\n")
    assert code == EXIT_REFUSED and "the greeting broke" in err and "cmd_ext" in err
    with vault.unlock("100001", PIN) as session:
        failures = session.audit.events(action="module.failed")
    assert [(e.details["module"], e.details["stage"]) for e in failures] == [("cmd_ext", "command")]


def test_hq_errors_reach_the_officer(device, ext_root, capsys) -> None:
    command_module(ext_root, "neo_ext_cmd", "cmd_ext", "greet")
    activate_path(ext_root)
    code, _, err = run(capsys, "greet", "--data-dir", str(device), "--officer", "100001", "--pin-stdin", "--hq",
                       stdin=PIN + "\n")
    assert code == EXIT_REFUSED and "pas relié à un QG" in err


def test_a_disabled_module_command_does_not_run(device, ext_root, capsys, vault) -> None:
    command_module(ext_root, "neo_ext_cmd", "cmd_ext", "greet")
    activate_path(ext_root)
    with vault.unlock("100001", PIN) as session:
        host = ModuleHost(session)
        host.discover()
        host.set_enabled("cmd_ext", False)
    code, out, err = run(capsys, "greet", "--data-dir", str(device), "--officer", "100001", "--pin-stdin", "x",
                         stdin=PIN + "\n")
    assert code == EXIT_REFUSED and "désactivé" in err and out == ""
    assert not imported("neo_ext_cmd")


def test_an_unknown_command_is_still_a_usage_error(device, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["no-such-command", "--data-dir", str(device)])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_in_a_fresh_process_only_the_invoked_command_imports_module_code(device, ext_root) -> None:
    """As installed: found through its distribution's entry point; importing the module
    leaves a mark, so listing commands provably imports nothing."""
    import os
    import subprocess

    mark = ext_root / "imported.txt"
    side_effect = f"from pathlib import Path\nPath({str(mark)!r}).open('a').write(__name__ + '\\n')\n"
    pkg = command_module(ext_root, "neo_ext_cmd", "cmd_ext", "greet", cli=side_effect + CLI)
    (pkg / "module.py").write_text(side_effect + (pkg / "module.py").read_text())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ext_root), str(Path(__file__).parents[2])])}

    def neo(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "neo", *args], input=stdin, capture_output=True, text=True,
                              env=env, timeout=120)

    r = neo("--help")
    assert r.returncode == 0 and "greet" in r.stdout and "Test greet command" in r.stdout
    r = neo("modules", "--data-dir", str(device), "--json")
    assert r.returncode == 0 and any(m["commands"] and m["commands"][0]["name"] == "greet"
                                     for m in json.loads(r.stdout))
    r = neo("greet", "--help")
    assert r.returncode == 0 and "Test greet command" in r.stdout
    assert not mark.exists()
    r = neo("greet", "--data-dir", str(device), "--officer", "100001", "--pin-stdin", "--loud", "ok", stdin=PIN + "\n")
    assert r.returncode == 3, r.stderr
    assert json.loads(r.stdout)["text"] == "OK"
    assert sorted(mark.read_text().split()) == ["neo_ext_cmd.cli", "neo_ext_cmd.module"]
