"""The packaged tablet app (the PyInstaller bundle neo.spec builds), run as a deployment
runs it: its own executable, no Python or source checkout behind it.

``make test-bundle`` builds ``dist/neo`` when something changed and runs these tests with
``NEO_BUNDLE=dist/neo``; without ``NEO_BUNDLE`` they are skipped (``make test`` does not
build the bundle; ``.ci/run`` runs ``make test-bundle``).

The frozen executable: passes its self-test headless; keeps an encrypted store (officers
added and unlocked through its command line); enrols with a real HQ on loopback (TLS, the
HQ named and its CA pinned by a provisioning file), looks up a stolen vehicle's plate and
syncs; finds a third-party module installed beside it (a wheel built here), and from
inside that module the built-in modules' data, OR-Tools, reportlab with Pillow, QtPdf and
Qt's image and SVG plug-ins all work; it holds no HQ code and none of the Qt parts left out.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = os.environ.get("NEO_BUNDLE")
if not BUNDLE:
    pytest.skip("the frozen app's tests run with `make test-bundle` (NEO_BUNDLE names the bundle)",
                allow_module_level=True)

os.environ.setdefault("NEO_HQ_ARGON2_MEMORY_KIB", "256")
os.environ.setdefault("NEO_HQ_ARGON2_TIME_COST", "1")
os.environ.setdefault("NEO_HQ_ARGON2_PARALLELISM", "1")

UNIT = "BTA Menton"
SN, PIN = "100001", "482913"
TIMEOUT = 300


@pytest.fixture(scope="module")
def bundle() -> Path:
    path = Path(BUNDLE or "").resolve()
    assert (path / "neo").is_file(), f"no bundle in {path}: make bundle"
    return path


def frozen_env(**extra: str) -> dict[str, str]:
    """The environment of a tablet: nothing of this test's Python, no provisioning file,
    no GPS, a light key derivation (the code paths are the same)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NEO_", "PYTHON", "VIRTUAL_ENV", "PYTEST", "COV_"))}
    env.update(QT_QPA_PLATFORM="offscreen", NEO_GPS_SOURCE="off", NEO_PROVISIONING=os.devnull + ".absent",
               NEO_KDF__TIME_COST="1", NEO_KDF__MEMORY_KIB="8192", NEO_LOOKUP_KDF__MEMORY_KIB="1024")
    env.update(extra)
    return env


def run(exe: Path, *argv: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(exe), *argv], input=stdin, capture_output=True, text=True,
                          env=env or frozen_env(), timeout=TIMEOUT, cwd=exe.parent)


def as_json(proc: subprocess.CompletedProcess[str]) -> Any:
    assert proc.stdout.strip(), f"no output (exit {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout)


# -- the bundle itself ---------------------------------------------------------------------------


def test_name_version_and_what_is_left_out(bundle: Path) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    proc = run(bundle / "neo", "--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"neo {project['version']}"
    files = [p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()]
    for unwanted in ("WebEngine", "Qt6Quick", "Qt6Qml", "Qt63D", "Qt6Charts", "VirtualKeyboard", "qgtk3",
                     "/numpy", "uvloop", "sqlalchemy", "fastapi"):
        assert not [f for f in files if unwanted in f], unwanted
    qms = [f.rsplit("/", 1)[-1] for f in files if f.endswith(".qm")]
    assert qms and all(q.endswith(("_fr.qm", "_en.qm")) for q in qms), qms
    # the code archive holds no HQ module
    from PyInstaller.archive.readers import CArchiveReader

    names = list(CArchiveReader(str(bundle / "neo")).open_embedded_archive("PYZ.pyz").toc)
    assert "neo.cli" in names and "neo.modules.lookup.match" in names
    assert not [n for n in names if n == "neo.hq" or n.startswith("neo.hq.")]


def test_self_test_passes_headless(bundle: Path) -> None:
    proc = run(bundle / "neo", "self-test", "--json")
    report = as_json(proc)
    assert proc.returncode == 0 and report["ok"], json.dumps(report, indent=1)
    assert [c["name"] for c in report["checks"]] == ["crypto", "store", "vault", "host", "gui"]


def test_an_encrypted_store_through_the_command_line(bundle: Path, tmp_path: Path) -> None:
    exe, data = bundle / "neo", str(tmp_path / "tablet")
    proc = run(exe, "officer", "add", "--data-dir", data, "--id", "900001", "--name", "Agent Gelé",
               "--unit", UNIT, "--role", "supervisor", "--pin-stdin", "--json", stdin="582064\n")
    assert proc.returncode == 0, proc.stderr
    proc = run(exe, "officer", "add", "--data-dir", data, "--id", "900002", "--name", "Agent Second",
               "--pin-stdin", "--by", "900001", stdin="913725\n582064\n")
    assert proc.returncode == 0, proc.stderr
    proc = run(exe, "unlock", "--data-dir", data, "--officer", "900002", "--pin-stdin", "--json", stdin="913725\n")
    assert proc.returncode == 0 and as_json(proc)["officer"]["name"] == "Agent Second"
    proc = run(exe, "unlock", "--data-dir", data, "--officer", "900002", "--pin-stdin", stdin="000111\n")
    assert proc.returncode == 1 and proc.stdout == ""
    proc = run(exe, "audit", "verify", "--data-dir", data, "--officer", "900001", "--pin-stdin", "--json",
               stdin="582064\n")
    assert proc.returncode == 0 and as_json(proc)["ok"]
    for f in (tmp_path / "tablet").iterdir():
        blob = f.read_bytes()
        assert b"Agent Second" not in blob and b"900002" not in blob, f.name


# -- against a real HQ ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hq(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """HQ on loopback (TLS, its own CA) with the demo officers and demo reference files."""
    from neo.hq.config import HQConfig
    from neo.hq.demo import OFFICERS
    from neo.hq.reference import seed_demo
    from neo.hq.testing import LiveHQ

    with LiveHQ(HQConfig(data_dir=tmp_path_factory.mktemp("hq"))) as live:
        for officer in OFFICERS:
            live.hq.add_officer(officer.service_number, officer.name, officer.unit, officer.pin,
                                role=officer.role, exist_ok=True, disabled=officer.disabled)
        seed_demo(live.hq.db, 300)
        yield live


def stolen_vehicle() -> dict[str, Any]:
    from neo.hq.reference import DEMO_SEED
    from neo.modules.lookup.demo import generate

    return next(r.to_dict() for r in generate(DEMO_SEED, 300) if r.FILE == "stolen_vehicles")


def test_enrol_look_up_and_sync_against_hq(bundle: Path, hq: Any, tmp_path: Path) -> None:
    exe, data = bundle / "neo", str(tmp_path / "tablet")
    fleet = tmp_path / "device.json"  # what the device-management tool pushes
    fleet.write_text(json.dumps({"version": 1, "hq_url": hq.url, "ca_fingerprint": hq.hq.tls_fingerprint,
                                 "enrolment_code": hq.enrolment_code(UNIT), "device_name": "Tablette paquet 1"}))
    env = frozen_env(NEO_PROVISIONING=str(fleet))
    proc = run(exe, "enroll", "--data-dir", data, "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert as_json(proc)["unit"] == UNIT and as_json(proc)["hq"] == hq.url

    stolen = stolen_vehicle()
    typed = stolen["plate"].replace("-", " ").lower()  # as an officer types it
    proc = run(exe, "lookup", "--data-dir", data, "--officer", SN, "--pin-stdin", "--reason", "controle_routier",
               "--json", typed, stdin=PIN + "\n", env=env)
    assert proc.returncode == 0, proc.stderr
    answer = as_json(proc)
    assert answer["status"] == "answered", answer
    first = answer["hits"][0]
    assert (first["file"], first["severity"], first["source"]) == ("stolen_vehicles", "alert", "hq")
    assert first["record_id"] == stolen["id"] and first["card"]["title"] == stolen["plate"]
    assert len(hq.hq.lookup.log(officer=SN, limit=10)) == 1

    proc = run(exe, "sync", "--data-dir", data, "--officer", SN, "--pin-stdin", "--json", stdin=PIN + "\n", env=env)
    assert proc.returncode == 0, proc.stderr
    report = as_json(proc)
    assert report["roster"] == len(hq.hq.list_officers(UNIT))
    device = next(d for d in hq.hq.list_devices() if d["name"] == "Tablette paquet 1")
    assert device["audit_ok"] and device["audit_events"] >= 2  # the unlocks and the query reached HQ


def test_a_code_for_another_hq_is_refused_by_the_provisioned_pin(bundle: Path, hq: Any, tmp_path: Path) -> None:
    fleet = tmp_path / "device.json"
    fleet.write_text(json.dumps({"hq_url": hq.url, "ca_fingerprint": "0f" * 32}))
    data = tmp_path / "tablet"
    proc = run(bundle / "neo", "enroll", hq.enrolment_code(UNIT), "--data-dir", str(data),
               env=frozen_env(NEO_PROVISIONING=str(fleet)))
    assert proc.returncode == 1 and "fixé par l'administrateur" in proc.stderr
    assert not (data / "vault.json").exists()


# -- a third-party module added by the deployment ----------------------------------------------------


@pytest.fixture(scope="module")
def probe_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The probe module, built into a wheel and installed as a deployment would:
    ``pip install --no-deps --target <folder>``."""
    work = tmp_path_factory.mktemp("probe")
    source = work / "src"
    shutil.copytree(Path(__file__).with_name("probe"), source)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(work / "wheels"), str(source)],
                   check=True, capture_output=True, timeout=TIMEOUT)
    wheel = next((work / "wheels").glob("neo_bundle_probe-*.whl"))
    target = work / "modules"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=TIMEOUT)
    assert (target / "neo_bundle_probe" / "manifest.toml").is_file()
    return target


@pytest.fixture(scope="module")
def example_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example third-party module of examples/ (stolen bicycles), installed the same way."""
    source = ROOT / "examples" / "neo-bicycles"
    if not (source / "pyproject.toml").is_file():
        pytest.skip("no example module in examples/neo-bicycles")
    work = tmp_path_factory.mktemp("example")
    shutil.copytree(source, work / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(work / "wheels"),
                    str(work / "src")], check=True, capture_output=True, timeout=TIMEOUT)
    subprocess.run([*pip, "install", "--no-deps", "--target", str(work / "modules"),
                    str(next((work / "wheels").glob("*.whl")))], check=True, capture_output=True, timeout=TIMEOUT)
    return work / "modules"


@pytest.fixture
def officer_device(bundle: Path, tmp_path: Path) -> str:
    data = str(tmp_path / "tablet")
    proc = run(bundle / "neo", "officer", "add", "--data-dir", data, "--id", "900001", "--name", "Agent Gelé",
               "--pin-stdin", stdin="582064\n")
    assert proc.returncode == 0, proc.stderr
    return data


def test_a_module_on_neo_module_path_is_discovered(bundle: Path, probe_modules: Path, officer_device: str) -> None:
    proc = run(bundle / "neo", "modules", "--data-dir", officer_device, "--officer", "900001", "--pin-stdin", "--json",
               stdin="582064\n", env=frozen_env(NEO_MODULE_PATH=str(probe_modules)))
    assert proc.returncode == 0, proc.stderr
    modules = {m["id"]: m for m in as_json(proc)}
    assert {"lookup", "statements", "holiday_watch"} <= set(modules)
    assert all(modules[m]["source"] == "builtin" and modules[m]["state"] == "active"
               for m in ("lookup", "statements", "holiday_watch")), modules
    probe = modules["bundle_probe"]
    assert (probe["source"], probe["distribution"], probe["error"]) == ("entry-point", "neo-bundle-probe", None)
    assert [c["name"] for c in probe["commands"]] == ["bundle-probe"]
    # without the path, the bundle alone
    proc = run(bundle / "neo", "modules", "--data-dir", officer_device, "--json")
    assert "bundle_probe" not in {m["id"] for m in as_json(proc)}


def test_a_module_beside_the_executable_sees_a_complete_bundle(bundle: Path, probe_modules: Path,
                                                                officer_device: str, tmp_path: Path) -> None:
    # A deployment's copy of the bundle: the executable, the shared _internal, modules/ beside.
    deployed = tmp_path / "opt-neo"
    deployed.mkdir()
    shutil.copy2(bundle / "neo", deployed / "neo")
    (deployed / "_internal").symlink_to(bundle / "_internal", target_is_directory=True)
    shutil.copytree(probe_modules, deployed / "modules")
    proc = run(deployed / "neo", "bundle-probe", "--data-dir", officer_device, "--officer", "900001", "--pin-stdin",
               stdin="582064\n")
    assert proc.returncode == 0, proc.stderr
    report = as_json(proc)
    assert report["frozen"] and report["activated"] == 1
    assert Path(report["probe_file"]).is_relative_to(deployed / "modules")
    assert not report["hq_importable"] and not report["numpy_importable"]

    from neo.modules.statements import offences, templates

    data = report["data"]
    assert "error" not in data, data
    assert Path(data["resources"]) == Path(report["meipass"]) / "resources"
    assert data["templates"] == [t.id for t in templates.shipped()]
    assert data["offences"] == len(offences.load().offences) > 0
    assert data["chime"] and data["module_catalogs"] and data["icons"] > 10
    assert data["themes"] == ["base.qss", "day.qss", "night.qss"]
    assert sorted(data["catalogs"]) == sorted(p.name for p in (ROOT / "resources/translations/en").glob("*.json"))
    assert report["ortools"] == 16, report["ortools"]  # 0 -> 1 -> 2 -> 0
    media = report["media"]
    assert "error" not in media, media
    assert media["pdf_pages"] == 1 and media["pdf_rendered"] and media["jpeg"] and media["svg"]
    assert "qtbase_fr.qm" in media["qt_translations"]


def test_the_example_module_activates_in_the_bundle(bundle: Path, example_modules: Path, officer_device: str) -> None:
    proc = run(bundle / "neo", "modules", "--data-dir", officer_device, "--officer", "900001", "--pin-stdin", "--json",
               stdin="582064\n", env=frozen_env(NEO_MODULE_PATH=str(example_modules)))
    assert proc.returncode == 0, proc.stderr
    modules = {m["id"]: m for m in as_json(proc)}
    example = modules["bicycles"]
    assert (example["source"], example["distribution"]) == ("entry-point", "neo-bicycles")
    assert (example["state"], example["error"]) == ("active", None), example
    assert modules["lookup"]["state"] == "active"
