"""The record lookup at HQ: quality of the search, and its latency at a million persons.

``lookup.quality``
    The demo generator's labelled messy queries (``neo.modules.lookup.demo.messy``: typos,
    swapped names, accents dropped, partial or swapped dates, plates with any spacing,
    look-alike characters in numbers…) over a seeded population (``--size``, default
    20,000 persons; 400 queries), through ``neo.hq.lookup.search.search`` on SQLite, then
    on PostgreSQL when it answers. Reports ``recall_at_10`` (the record is among the first 10 hits; goal >= 0.98) and
    ``precision_at_1`` (the first hit is the record or another record of the same person
    or vehicle).

``lookup.latency``
    HQ search latency, p50 and p95 in ms, for name + birth date, plate and document
    queries (messy ones, as above), end to end through HTTP: HQ runs in its own process
    (uvicorn, TLS), a device enrols and POSTs ``/api/v1/m/lookup/search``. SQLite first,
    then PostgreSQL when the server at 127.0.0.1:5432 answers (``NEO_BENCH_PG``).
    ``baseline`` is a naive full scan measured in the same run on a few queries of each
    kind (``payload LIKE '%value%'`` over every record, in SQL: no index), ``ratio`` is
    baseline / value. ``load_average`` is the machine's load when each backend starts: on a
    machine busy with other work the figures say little.

    Size: ``NEO_BENCH_LOOKUP_PERSONS`` (or ``--size``), default 1,000,000 persons (the
    generator gives them about 1.1 million identity documents, 610,000 driving licences
    and 570,000 vehicles). Seeding is a bulk load (``neo.hq.reference.seed_demo``: records
    made in worker processes, COPY or executemany, indexes built at the end): about 370
    CPU-seconds at 1M, some 4 minutes on two free cores. The seeded databases are cached: SQLite files under ``.bench-cache/`` and PostgreSQL
    databases named ``neo_bench_lookup_<seed>_<persons>_<key rules>_<index revision>``,
    keyed by seed, size and the index's schema version; progress goes to stderr. For a quick run:
    ``NEO_BENCH_LOOKUP_PERSONS=100000 make bench BENCH=lookup.latency``.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

GOAL_P95_MS = 20.0
GOAL_RECALL = 0.98
SEED = 20261128
PIN = "482913"
PG_SERVER = os.environ.get("NEO_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
CACHE = Path(__file__).resolve().parent.parent / ".bench-cache"
INDEX_REVISION = "0004"  # the migration that made the name index (bump when the index changes)
KINDS = {"name": "name+birth_date", "plate": "plate", "document": "document"}


def _log(msg: str) -> None:
    print(f"  lookup: {msg}", file=sys.stderr, flush=True)


def _schema_version() -> str:
    """What the cached databases depend on: the key rules and the name index's migration.
    A newer migration elsewhere in HQ does not invalidate them (HQ migrates them on start)."""
    from neo.modules.lookup.match import KEY_VERSION

    return f"{KEY_VERSION}_{INDEX_REVISION}"


def _pg_alive() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_SERVER.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
        return True
    except Exception:  # any failure means "skip PostgreSQL"
        return False


def _seeded(backend: str, persons: int) -> str:
    """The URL of a database holding the demo files for ``persons``, seeding it if needed."""
    from neo.hq import reference
    from neo.hq.storage import Database

    name = f"neo_bench_lookup_{SEED}_{persons}_{_schema_version()}"
    if backend == "sqlite":
        CACHE.mkdir(exist_ok=True)
        path = CACHE / f"{name}.db"
        url = f"sqlite+pysqlite:///{path}"
        done = path.with_suffix(".done")
        if done.exists():
            return url
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
    else:
        import psycopg

        admin = PG_SERVER.replace("postgresql+psycopg://", "postgresql://")
        base = admin.rsplit("/", 1)[0]
        url = f"{base}/{name}"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists:
                db = Database(url)
                try:
                    if db.meta_get("bench_seeded") == str(persons):
                        return url
                finally:
                    db.dispose()
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    db = Database(url)
    db.migrate()
    started = time.perf_counter()
    last = [0.0]

    def progress(_what: str, done_n: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 10 or done_n == total:
            last[0] = now
            rate = done_n / max(1e-9, now - started)
            _log(f"seeding {backend}: {done_n:,}/{total:,} persons ({rate:,.0f}/s)")

    _log(f"seeding {backend} with {persons:,} persons (cached afterwards)")
    reference.seed_demo(db, persons, progress, seed=SEED, chunk=5000)
    if backend == "sqlite":
        db.write(lambda c: c.exec_driver_sql("ANALYZE"))
        Path(CACHE / f"{name}.done").write_text("ok\n")
    else:
        from sqlalchemy import text

        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        db.write(lambda c: c.execute(text("INSERT INTO hq_meta (key, value) VALUES ('bench_seeded', :v)"),
                                     {"v": str(persons)}))
    db.dispose()
    _log(f"seeded {backend} in {time.perf_counter() - started:.0f} s")
    return url


# -- the HQ process ----------------------------------------------------------------------------


def _serve_hq(data_dir: str, db_url: str) -> None:
    """(In the child) run HQ on ``db_url``, print how to reach it, serve until stdin closes."""
    os.environ.setdefault("NEO_HQ_ARGON2_MEMORY_KIB", "256")
    os.environ.setdefault("NEO_HQ_ARGON2_TIME_COST", "1")
    from neo.hq.config import HQConfig
    from neo.hq.testing import LiveHQ

    config = HQConfig(data_dir=Path(data_dir), db_url=db_url, read_manifests=False, lookup_rate_per_minute=0)
    with LiveHQ(config) as hq:
        unit = "Unité banc d'essai"
        hq.hq.add_unit(unit)
        hq.hq.add_officer("10000001", "Agent 10000001", unit, PIN, exist_ok=True)
        info = {"url": hq.url, "ca_file": str(hq.ca_file), "code": hq.enrolment_code(unit)}
        print(json.dumps(info), flush=True)
        sys.stdin.read()


@contextlib.contextmanager
def _hq(db_url: str) -> Iterator[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="neo-bench-lookup-") as tmp:
        proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from benchmarks.bench_lookup import _serve_hq; "
                                   "_serve_hq(sys.argv[1], sys.argv[2])", tmp, db_url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            cwd=str(Path(__file__).resolve().parent.parent))
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("HQ did not start")
            yield json.loads(line)
        finally:
            if proc.stdin:
                proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _queries(persons: int, per_kind: int) -> dict[str, list[str]]:
    from neo.modules.lookup.demo import messy_queries

    out: dict[str, list[str]] = {k: [] for k in KINDS}
    for q in messy_queries(SEED, per_kind * 6, persons):
        if q.kind == "name" and {"year_only", "month_year"} & set(q.mess):
            continue  # latency of name + full birth date (partial dates are in the quality bench)
        if q.kind in out and len(out[q.kind]) < per_kind:
            out[q.kind].append(q.query)
    return out


def _load() -> list[float] | None:
    """The machine's load averages (1, 5, 15 minutes) when the measurement starts: the
    figures mean little on a machine busy with other work."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _naive(db_url: str, queries: dict[str, list[str]], sample: int) -> dict[str, float]:
    """Median ms of a full scan per kind: ``payload LIKE '%value%'`` over every record."""
    from sqlalchemy import text

    from neo.hq.storage import Database
    from neo.modules.lookup.match import name_tokens, normalize_serial

    db = Database(db_url)
    out: dict[str, float] = {}
    try:
        for kind, texts in queries.items():
            times = []
            for q in texts[:sample]:
                if kind == "name":
                    words = [w for w in name_tokens(q) if len(w) > 2]
                    needle = max(words, key=len) if words else q
                else:
                    needle = normalize_serial(q)[:6]
                started = time.perf_counter()
                db.read(lambda c, n=needle: c.execute(
                    text("SELECT file, record_id, payload FROM reference_records WHERE lower(payload) LIKE :p"),
                    {"p": f"%{n.lower()}%"}).all())
                times.append((time.perf_counter() - started) * 1000)
            out[kind] = statistics.median(times)
    finally:
        db.dispose()
    return out


def _enrol(info: dict[str, Any]) -> tuple[Any, str]:
    import base64
    import secrets

    import httpx

    client = httpx.Client(base_url=info["url"], verify=info["ca_file"], timeout=60)
    r = client.post("/api/v1/enroll", json={"code": info["code"], "device_name": "Banc",
                                            "device_public_key": base64.b64encode(secrets.token_bytes(32)).decode()})
    r.raise_for_status()
    return client, r.json()["token"]


def _latency(backend: str, persons: int, per_kind: int) -> Iterator[dict[str, Any]]:
    url = _seeded(backend, persons)
    queries = _queries(persons, per_kind)
    context = {"backend": backend, "persons": persons, "n": per_kind, "transport": "https",
               "load_average": _load()}
    baseline = _naive(url, queries, sample=3)
    with _hq(url) as info:
        client, token = _enrol(info)
        headers = {"Authorization": f"Bearer {token}"}
        try:
            for kind, texts in queries.items():
                times: list[float] = []
                hits = 0
                for i, q in enumerate([*texts[:5], *texts]):  # the first five warm up
                    body = {"query_id": str(uuid.uuid4()), "officer": "10000001", "reason": "controle_routier",
                            "text": q, "asked_at_ms": int(time.time() * 1000), "limit": 20}
                    started = time.perf_counter()
                    r = client.post("/api/v1/m/lookup/search", json=body, headers=headers)
                    elapsed = (time.perf_counter() - started) * 1000
                    r.raise_for_status()
                    if i >= 5:
                        times.append(elapsed)
                        hits += bool(r.json()["hits"])
                p50, p95 = _pct(times, 50), _pct(times, 95)
                base = baseline.get(kind)
                for metric, value in (("p50", p50), ("p95", p95)):
                    yield {"metric": f"{KINDS[kind]}.{metric}", "value": value, "unit": "ms", "baseline": base,
                           "ratio": (base / value) if base and value else None, "goal": GOAL_P95_MS
                           if metric == "p95" else None, "answered": hits, **context}
        finally:
            client.close()


def latency(options: Any) -> Iterator[dict[str, Any]]:
    persons = int(os.environ.get("NEO_BENCH_LOOKUP_PERSONS") or options.n(1_000_000))
    per_kind = options.r(200)
    yield from _latency("sqlite", persons, per_kind)
    if _pg_alive():
        yield from _latency("postgres", persons, per_kind)
    else:
        _log(f"PostgreSQL not reachable at {PG_SERVER}: skipped")


def _quality(backend: str, persons: int) -> Iterator[dict[str, Any]]:
    from neo.hq.lookup.quality import evaluate
    from neo.hq.storage import Database
    from neo.modules.lookup.demo import messy_queries

    db = Database(_seeded(backend, persons))
    try:
        queries = messy_queries(SEED, 400, persons)
        q = evaluate(db, queries)
    finally:
        db.dispose()
    for miss in q.misses:
        _log(f"missed ({backend}): {json.dumps(miss, ensure_ascii=False)}")
    context = {"backend": backend, "persons": persons, "n": q.n}
    yield {"metric": "recall_at_10", "value": q.recall, "unit": "ratio", "goal": GOAL_RECALL, **context}
    yield {"metric": "precision_at_1", "value": q.precision_at_1, "unit": "ratio", **context}
    for kind, (n, found, _right) in sorted(q.by_kind.items()):
        yield {"metric": f"recall_at_10.{kind}", "value": found / n, "unit": "ratio", **context, "n": n}


def quality(options: Any) -> Iterator[dict[str, Any]]:
    persons = options.n(20_000)
    yield from _quality("sqlite", persons)
    if _pg_alive():
        yield from _quality("postgres", persons)
    else:
        _log(f"PostgreSQL not reachable at {PG_SERVER}: skipped")


BENCHMARKS = {"lookup.quality": quality, "lookup.latency": latency}
