"""Sync end to end: one device pushes N small records to HQ, then pulls (over loopback,
TLS on), against a baseline in the same run: the same bytes through the same TLS and
HTTP stack to a minimal endpoint that does nothing with them.

``sync.push_pull``:

1. HQ runs in its own process (``neo-hq``'s app under uvicorn, TLS with its own CA,
   SQLite in a fresh data directory, or a fresh PostgreSQL database); the device is this
   process: an encrypted store (SQLCipher, random key), the replica, the engine.
2. The device writes N records to its replica (``put_many``, 1000 per transaction: not
   timed as sync, reported as ``local_write``), enrols with a code HQ made, then runs one
   ``SyncEngine.run_once()``: push the N records (1000 per batch), then pull from cursor 0
   (with ``exclude_own``, as the engine does: HQ leaves out the N records this device
   wrote, so the pull only moves the cursor past them), audit trail and roster.
   ``records_per_s`` = N / duration of that run.
3. A second, fresh device of the same unit runs one sync (``pull_only``): it has nothing
   to push and every pulled change is new to it.
   ``hq_cpu_s`` and ``device_cpu_s`` are the CPU seconds HQ's process and the device's
   process spent during the timed run: they show which side bounds the figure.
4. Baseline: every request body the device sent (as sent: gzipped when it was) is POSTed
   to a minimal ASGI app (uvicorn, TLS, its own process), which answers with as many bytes
   as HQ answered. ``ratio`` = baseline time / sync time (the share of the time the bare
   transport accounts for; 1.0 would mean the sync costs nothing but moving bytes), that is
   ``value / baseline`` in records/s.

Each figure is the median of ``--repeats`` runs (default 1: a run moves N records four
times); PostgreSQL runs only when the server at 127.0.0.1:5432 answers (``NEO_BENCH_PG``
overrides the URL), and reports ``backend: "postgres"``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

GOAL = 30_000  # records/s end to end, SQLite at HQ
DEFAULT_N = 100_000
DEFAULT_REPEATS = 1
COLLECTION = "bench.items"
PIN = "482913"
PG_SERVER = os.environ.get("NEO_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


# -- the HQ process ---------------------------------------------------------------------------


def _serve_hq(data_dir: str, db_url: str) -> None:
    """(In the child) run HQ, print how to reach it, serve until stdin closes."""
    os.environ.setdefault("NEO_HQ_ARGON2_MEMORY_KIB", "256")
    os.environ.setdefault("NEO_HQ_ARGON2_TIME_COST", "1")
    from neo.hq.config import CollectionSpec, HQConfig
    from neo.hq.testing import LiveHQ

    config = HQConfig(data_dir=Path(data_dir), db_url=db_url or None, read_manifests=False,
                      collections=(CollectionSpec(COLLECTION, "append_only", "unit"),))
    with LiveHQ(config) as hq:
        unit = "Unité banc d'essai"
        hq.hq.add_unit(unit)
        officers = ["10000001", "10000002"]
        for sn in officers:
            hq.hq.add_officer(sn, f"Agent {sn}", unit, PIN)
        info = {"url": hq.url, "ca_file": str(hq.ca_file), "unit": unit, "officers": officers,
                "codes": [hq.enrolment_code(unit) for _ in range(2)]}
        print(json.dumps(info), flush=True)
        sys.stdin.read()


_BASELINE_APP = '''
import sys, uvicorn

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    more = True
    while more:
        msg = await receive()
        more = msg.get("more_body", False)
    size = 0
    for k, v in scope["headers"]:
        if k == b"x-reply-bytes":
            size = int(v)
    body = b"x" * size
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/octet-stream"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), ssl_certfile=sys.argv[2], ssl_keyfile=sys.argv[3],
            log_level="warning", lifespan="on")
'''


@contextlib.contextmanager
def _hq_process(workdir: Path, db_url: str) -> Iterator[dict[str, Any]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_sync", "--serve-hq", str(workdir / "hq"), db_url],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1],
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the HQ process did not start")
        yield {**json.loads(line), "pid": proc.pid}
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def _baseline_process(workdir: Path, hq_dir: Path) -> Iterator[str]:
    """The minimal endpoint, with HQ's server certificate (same TLS as HQ)."""
    import socket

    cert, key = hq_dir / "tls" / "server.pem", hq_dir / "tls" / "server.key"
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    script = workdir / "baseline_app.py"
    script.write_text(_BASELINE_APP)
    proc = subprocess.Popen([sys.executable, str(script), str(port), str(cert), str(key)])
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the baseline server did not start")
            time.sleep(0.05)
        yield f"https://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


# -- the device ---------------------------------------------------------------------------------


def _device(path: Path, info: dict[str, Any], officer: str, code: str) -> Any:
    import base64

    from neo.audit import AuditLog
    from neo.models import Officer
    from neo.replica import Replica
    from neo.store import Store, migrate
    from neo.store.schema import CORE_MIGRATIONS
    from neo.sync.link import save_link
    from neo.sync.transport import HqClient

    store = Store(path, os.urandom(32))
    migrate(store, "core", CORE_MIGRATIONS)
    device_id = str(uuid.uuid4())
    ca_pem = Path(info["ca_file"]).read_text()
    with HqClient(info["url"], ca_pem=ca_pem) as client:
        answer = client.enroll({"code": code, "device_public_key": base64.b64encode(secrets.token_bytes(32)).decode(),
                                "device_name": "Banc d'essai", "device_id": device_id})
    link = save_link(store, {"url": info["url"], "ca_pem": ca_pem, "token": answer.token, "device_id": device_id,
                             "unit": answer.unit, "epoch": answer.epoch})
    session = types.SimpleNamespace(store=store, device_id=device_id, audit=AuditLog(store, device_id),
                                    officer=Officer(service_number=officer, name="Agent", unit=info["unit"]))
    replica = Replica(store, device_id, officer, {COLLECTION: "append_only"})
    return session, replica, link


def _payload(i: int) -> dict[str, Any]:
    return {"n": i, "home": f"rec-{i:06d}", "checked": ["portail", "volets"], "anomaly": i % 17 == 0,
            "note": "passage de routine, rien à signaler"}


def _run_once(workdir: Path, db_url: str, n: int) -> dict[str, Any]:
    from neo.sync.engine import SyncEngine
    from neo.sync.transport import HqClient

    out: dict[str, Any] = {}
    with _hq_process(workdir, db_url) as info:
        session, replica, link = _device(workdir / "a.db", info, info["officers"][0], info["codes"][0])
        t = time.perf_counter()
        for start in range(0, n, 1000):
            replica.put_many(COLLECTION, [(None, _payload(i)) for i in range(start, min(n, start + 1000))])
        out["local_write_s"] = time.perf_counter() - t

        phases: dict[str, float] = {}
        marks: dict[str, float] = {}

        def progress(phase: str, done: int, total: int | None) -> None:
            now = time.perf_counter()
            if phase not in marks:
                marks[phase] = now
            phases[phase] = now - marks[phase]

        client = HqClient.from_link(link, timeout=120)
        client.trace = []
        engine = SyncEngine(session, client, replica, progress=progress)
        hq_cpu, dev_cpu = _cpu_seconds(info["pid"]), time.process_time()
        t = time.perf_counter()
        report = engine.run_once()
        out["sync_s"] = time.perf_counter() - t
        out["device_cpu_s"] = time.process_time() - dev_cpu
        out["hq_cpu_s"] = _cpu_seconds(info["pid"]) - hq_cpu
        if not report.ok or report.acknowledged != n or replica.cursor()[0] < n:
            raise RuntimeError(f"the sync did not complete: {report.as_dict()}")
        out["push_s"] = marks.get("pull", 0) - marks.get("push", 0)
        out["pull_s"] = marks.get("audit", marks.get("conflicts", 0)) - marks.get("pull", 0)
        trace = list(client.trace)
        client.close()
        out["bytes_sent"] = sum(t[2] for t in trace)
        out["bytes_received"] = sum(t[3] for t in trace)

        # A second device: every pulled change is new to it (it has nothing to push).
        session_b, replica_b, link_b = _device(workdir / "b.db", info, info["officers"][1], info["codes"][1])
        client_b = HqClient.from_link(link_b, timeout=120)
        t = time.perf_counter()
        report_b = SyncEngine(session_b, client_b, replica_b).run_once()
        out["pull_only_s"] = time.perf_counter() - t
        if not report_b.ok or report_b.applied < n:
            raise RuntimeError(f"the second device did not pull everything: {report_b.as_dict()}")
        client_b.close()
        session.store.close()
        session_b.store.close()

        # Baseline: the same bytes, both ways, to an endpoint that does nothing.
        bodies = _request_bodies(trace)
        with _baseline_process(workdir, workdir / "hq") as base_url:
            import httpx

            from neo.sync.transport import ssl_context

            with httpx.Client(base_url=base_url, verify=ssl_context(ca_file=info["ca_file"]), timeout=60) as http:
                http.post("/warmup", content=b"x")
                t = time.perf_counter()
                for body, reply in bodies:
                    r = http.post("/", content=body, headers={"x-reply-bytes": str(reply)})
                    r.read()
                out["baseline_s"] = time.perf_counter() - t
    return out


def _request_bodies(trace: list[tuple[str, str, int, int]]) -> list[tuple[bytes, int]]:
    """One bare POST per request the sync made: a body of the size the sync sent (as sent,
    compressed when it was; random bytes: the endpoint never reads them) and the size HQ
    answered with as the reply."""
    import random

    rng = random.Random(1)
    return [(rng.randbytes(sent), received) for _method, _path, sent, received in trace]


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process, from /proc (NaN where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def _pg_url() -> str | None:
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(PG_SERVER.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return PG_SERVER
    except psycopg.Error:
        return None


@contextlib.contextmanager
def _pg_database() -> Iterator[str]:
    import psycopg

    admin_url = PG_SERVER.replace("postgresql+psycopg://", "postgresql://")
    name = f"neo_bench_sync_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{admin_url.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_push_pull(options: Any) -> Iterator[dict[str, Any]]:
    n = options.n(DEFAULT_N)
    repeats = options.r(DEFAULT_REPEATS)
    backends = ["sqlite"]
    if _pg_url() is not None:
        backends.append("postgres")
    else:
        print(f"sync.push_pull: PostgreSQL not reachable at {PG_SERVER}: SQLite only", file=sys.stderr)
    for backend in backends:
        runs = []
        for r in range(repeats):
            workdir = Path(tempfile.mkdtemp(prefix="neo-bench-sync-", dir=os.environ.get("NEO_BENCH_DIR")))
            try:
                with contextlib.ExitStack() as stack:
                    db_url = stack.enter_context(_pg_database()) if backend == "postgres" else ""
                    print(f"sync.push_pull: {backend} run {r + 1}/{repeats}, n={n}", file=sys.stderr)
                    runs.append(_run_once(workdir, db_url, n))
            finally:
                shutil.rmtree(workdir, ignore_errors=True)

        def med(key: str, runs: list[dict[str, Any]] = runs) -> float:
            return statistics.median(run[key] for run in runs)

        context = {"n": n, "backend": backend, "repeats": repeats}
        sync_rate = n / med("sync_s")
        base_rate = n / med("baseline_s")
        yield {"metric": "records_per_s", "value": sync_rate, "unit": "records/s", "baseline": base_rate,
               "ratio": med("baseline_s") / med("sync_s"), "goal": GOAL if backend == "sqlite" else None,
               "push_s": med("push_s"), "pull_s": med("pull_s"), "sync_s": med("sync_s"),
               "baseline_s": med("baseline_s"), "hq_cpu_s": med("hq_cpu_s"), "device_cpu_s": med("device_cpu_s"),
               "bytes_sent": med("bytes_sent"),
               "bytes_received": med("bytes_received"), **context}
        yield {"metric": "pull_only_records_per_s", "value": n / med("pull_only_s"), "unit": "records/s",
               "baseline": None, "ratio": None, **context}
        yield {"metric": "local_write_records_per_s", "value": n / med("local_write_s"), "unit": "records/s",
               "baseline": None, "ratio": None, **context}


BENCHMARKS = {"sync.push_pull": bench_push_pull}


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--serve-hq":
        _serve_hq(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "")
    else:
        raise SystemExit("usage: python -m benchmarks.bench_sync --serve-hq DATA_DIR [DB_URL]")
