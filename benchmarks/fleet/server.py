"""HQ under test for the fleet: ``neo-hq serve --workers N`` over TLS, on a fresh
PostgreSQL database, and the processor time each side spends.

Seeding the lookup's reference files (100,000 persons) takes minutes, so it is done once
into a *template* database, named after the persons count and a hash of the code that
shapes its content (the migrations, the reference import, the demo generator and the
matching keys); every run then gets ``CREATE DATABASE … TEMPLATE`` (a file copy, seconds)
and drops it at the end. A template of older code is dropped when a new one is made.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PG_SERVER = os.environ.get("NEO_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
TEMPLATE_PREFIX = "neo_fleet_tpl_"
SHAPING_CODE = ("neo/hq/migrations", "neo/hq/reference.py", "neo/hq/storage/reference.py", "neo/hq/storage/bulk.py",
                "neo/hq/storage/schema.py", "neo/modules/lookup/demo", "neo/modules/lookup/match")
BENCH_ENV = {
    # PIN verifiers as cheap as in the tests: enrolment and first unlocks are not what is measured.
    "NEO_HQ_ARGON2_MEMORY_KIB": "256", "NEO_HQ_ARGON2_TIME_COST": "1", "NEO_HQ_ARGON2_PARALLELISM": "1",
    # Time is compressed (a session every few seconds instead of five minutes): an
    # officer's lookup rate would be far above any real one, so HQ's per-officer limit is off.
    "NEO_HQ_LOOKUP_RATE": "0",
}


def admin_url() -> str:
    return PG_SERVER.replace("postgresql+psycopg://", "postgresql://")


def pg_available() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with psycopg.connect(admin_url(), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def _db_url(name: str) -> str:
    return f"{admin_url().rsplit('/', 1)[0]}/{name}"


def _code_hash(persons: int) -> str:
    h = hashlib.sha256(f"persons={persons}".encode())
    for rel in SHAPING_CODE:
        path = ROOT / rel
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for f in files:
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


def template_database(persons: int, log: Any = print) -> str:
    """The name of a database migrated and seeded with ``persons`` demo persons (made if
    missing: minutes for 100,000)."""
    import psycopg

    name = f"{TEMPLATE_PREFIX}{persons}_{_code_hash(persons)}"
    with psycopg.connect(admin_url(), autocommit=True) as admin:
        names = [r[0] for r in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                             (TEMPLATE_PREFIX + "%",))]
        if name in names:
            return name
        for old in names:
            if old.startswith(f"{TEMPLATE_PREFIX}{persons}_"):
                admin.execute(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
        building = f"{name}_building_{secrets.token_hex(3)}"
        admin.execute(f'CREATE DATABASE "{building}"')
        try:
            log(f"fleet: seeding a template database with {persons} persons (once; {name})")
            started = time.perf_counter()
            _seed(_db_url(building), persons)
            log(f"fleet: template seeded in {time.perf_counter() - started:.0f} s")
            admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        except BaseException:
            admin.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
            raise
    return name


def _seed(db_url: str, persons: int) -> None:
    from neo.hq.reference import seed_demo
    from neo.hq.storage.db import Database

    db = Database(db_url)
    try:
        db.migrate()
        if persons:
            seed_demo(db, persons)
    finally:
        db.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class HqServer:
    """``neo-hq serve --workers N`` on a copy of the template database, in ``workdir``.

    ``url``, ``ca_pem``, ``fingerprint`` once started; :meth:`admin` opens HQ's Python
    API on the same database and data directory (for staging); :meth:`cpu_seconds` is the
    processor time of the server and its workers so far."""

    def __init__(self, workdir: Path, *, workers: int = 2, persons: int = 100_000, log_level: str = "warning",
                 env: dict[str, str] | None = None, log: Any = None) -> None:
        self.workdir = Path(workdir)
        self.workers = workers
        self.persons = persons
        self.log_level = log_level
        self.env = {**BENCH_ENV, **(env or {})}
        self.log = log or (lambda msg: print(msg, file=sys.stderr))
        self.data_dir = self.workdir / "hq"
        self.port = 0
        self.url = ""
        self.ca_pem = ""
        self.fingerprint: str | None = None
        self.db_name = ""
        self.db_url = ""
        self.proc: subprocess.Popen[bytes] | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> HqServer:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> HqServer:
        import psycopg

        template = template_database(self.persons, self.log)
        self.db_name = f"neo_fleet_run_{os.getpid()}_{secrets.token_hex(3)}"
        with psycopg.connect(admin_url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.db_name}" TEMPLATE "{template}"')
        self.db_url = _db_url(self.db_name)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [*self.command(), "serve", "--data-dir", str(self.data_dir), "--db", self.db_url, "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(self.workers), "--log-level", self.log_level],
            env={**os.environ, **self.env}, cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=(self.workdir / "hq.log").open("wb"))
        self._wait_ready()
        info = json.loads((self.data_dir / "server.json").read_text())
        self.fingerprint = info["ca_fingerprint"]
        return self

    @staticmethod
    def command() -> list[str]:
        script = Path(sys.executable).parent / "neo-hq"
        if script.exists():
            return [str(script)]
        return [sys.executable, "-c", "import sys; from neo.hq.cli import main; sys.exit(main())"]

    def _wait_ready(self, timeout: float = 120.0) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        ca = self.data_dir / "tls" / "ca.pem"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"neo-hq serve exited ({self.proc.returncode}); see {self.workdir / 'hq.log'}")
            if ca.is_file() and (self.data_dir / "server.json").is_file():
                self.ca_pem = ca.read_text()
                with contextlib.suppress(httpx.HTTPError):
                    ctx = ssl.create_default_context(cadata=self.ca_pem)
                    # Every worker must be up: ask a few times on fresh connections.
                    ok = 0
                    for _ in range(4 * self.workers):
                        r = httpx.get(f"{self.url}/api/v1/health", verify=ctx, timeout=2)
                        ok += r.status_code == 200
                    if ok == 4 * self.workers and len(self.worker_pids()) >= self.workers:
                        return
            time.sleep(0.2)
        raise RuntimeError(f"neo-hq serve did not answer in {timeout:.0f} s; see {self.workdir / 'hq.log'}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            self.proc = None
        if self.db_name:
            import psycopg

            with psycopg.connect(admin_url(), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            self.db_name = ""
        shutil.rmtree(self.data_dir / "attachments", ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------------
    def admin(self) -> Any:
        """HQ's Python API on the run's database (close it after use)."""
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("NEO_HQ_ARGON2")})
        from neo.hq.config import HQConfig
        from neo.hq.service import Headquarters

        return Headquarters(HQConfig(data_dir=self.data_dir, db_url=self.db_url, public_url=self.url),
                            tls_fingerprint=self.fingerprint)

    def worker_pids(self) -> list[int]:
        return [p for p in _children(self.proc.pid) if _comm(p) != "resource_tracker"] if self.proc else []

    def cpu_seconds(self) -> float:
        """Processor time (user + system) of ``serve`` and every process under it."""
        if self.proc is None:
            return 0.0
        return sum(cpu_of(p) for p in [self.proc.pid, *_descendants(self.proc.pid)])


# -- /proc ---------------------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_of(pid: int) -> float:
    fields = _stat(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _all_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _children(pid: int) -> list[int]:
    out = []
    for p in _all_pids():
        fields = _stat(p)
        if fields is not None and int(fields[1]) == pid:
            out.append(p)
    return out


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        kids = _children(todo.pop())
        out += kids
        todo += kids
    return out


def postgres_cpu_seconds() -> dict[int, float]:
    """Processor time of every running PostgreSQL process, by pid (the server on this
    machine: its backends live as long as the connection pools keep them)."""
    return {p: cpu_of(p) for p in _all_pids() if _comm(p).startswith("postgres")}


def machine_cpu() -> tuple[float, float]:
    """(busy, total) processor seconds of the whole machine since boot (``/proc/stat``)."""
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in parts]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values[:8]) - idle) / tick, sum(values[:8]) / tick


class PgWaits:
    """Samples what the run database's busy backends are doing (``pg_stat_activity``,
    every ``interval`` seconds, in a thread): ``shares()`` gives, for each state
    (``cpu`` when running, else PostgreSQL's wait event, e.g. ``Lock:transactionid`` for a
    transaction waiting on a row another holds, ``IO:WALSync`` for a commit's flush), the
    average number of backends in it."""

    def __init__(self, db_name: str, interval: float = 0.1) -> None:
        self.db_name = db_name
        self.interval = interval
        self.counts: Counter[str] = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-waits", daemon=True)

    def __enter__(self) -> PgWaits:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(admin_url(), autocommit=True) as conn:
            while not self._stop.wait(self.interval):
                rows = conn.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'cpu') FROM pg_stat_activity "
                    "WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid()", (self.db_name,)).fetchall()
                self.samples += 1
                for (state,) in rows:
                    self.counts[state] += 1

    def shares(self) -> dict[str, float]:
        if not self.samples:
            return {}
        return {k: round(v / self.samples, 3) for k, v in self.counts.most_common()}
