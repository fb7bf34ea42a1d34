"""The encrypted store against plain SQLite, running the same store code.

``store.overhead`` runs the store's own workload twice per repeat, once on an encrypted
``Store(path, key)`` (SQLCipher, a random 32-byte raw key: no officer, no vault, no
Argon2) and once on ``Store(path, None)`` (plain SQLite through the stdlib), alternating
which goes first, and reports the median time of each and their ratio. The workload:

1. open the store, create a table of reference records (indexed ``ref`` column);
2. insert N records through the writer thread, ``batch`` rows per write task;
3. build an FTS5 index over the records' name and free-text columns;
4. point queries (by ``ref`` and by id), each through ``Store.read``;
5. FTS queries (a surname, a word, two words, a prefix; best 20 by rank), each through
   ``Store.read``;
6. close the store (which checkpoints the WAL).

``store.pragmas`` is the investigation behind the figure: the same workload with one
setting changed at a time (page size, cache size, cipher_memory_security, batch size,
and a baseline on SQLCipher's own engine without a key, which separates the cost of
encryption from the difference between the two SQLite versions). It changes settings by
handing ``neo.store.db`` a connection factory that runs extra PRAGMAs right after the
key; the store code itself is untouched.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlcipher3

import neo.store.db as store_db
from neo.store import Store

GOAL = 1.15  # encrypted / plain, total workload time
DEFAULT_N = 20_000
DEFAULT_REPEATS = 5
DEFAULT_BATCH = 500

# -- data -----------------------------------------------------------------------------------

_FIRST = ["Jeanne", "Karim", "Élodie", "Mathieu", "Inès", "Lucas", "Chloé", "Yanis", "Léa", "Hugo",
          "Manon", "Nathan", "Camille", "Théo", "Sarah", "Louis", "Amandine", "Rayan", "Zoé", "Bastien"]
_LAST = ["Martin", "Benali", "Dubois", "Lefèvre", "Moreau", "Laurent", "Garcia", "Roux", "Fournier",
         "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller", "Faure"]
_WORDS = (
    "véhicule volé signalé parking gare centre commercial nuit portière fracturée témoin "
    "déclare avoir vu individu capuche scooter noir plaque partielle direction rocade "
    "cambriolage résidence secondaire volets forcés bijoux ordinateur portable absent "
    "vacances voisin alerte patrouille passage constat effraction porte arrière jardin "
    "disparition mineur fugue signalement vêtements sac à dos bleu dernière fois vu arrêt bus "
    "permis suspendu contrôle routier alcoolémie refus obtempérer course poursuite "
    "document identité perdu passeport carte grise assurance expirée fourrière"
).split()


_SYLLABLES = ["ba", "be", "bi", "bo", "cha", "che", "da", "de", "di", "fa", "fo", "ga", "gi", "la", "le",
              "li", "lo", "ma", "me", "mi", "mo", "na", "ne", "ni", "pa", "pe", "po", "ra", "re", "ri",
              "ro", "sa", "se", "si", "ta", "te", "ti", "to", "va", "ve", "vi", "ron", "tion", "mont"]


@dataclass(frozen=True)
class Dataset:
    rows: list[tuple[int, str, str, str, str]]
    point_refs: list[str]
    point_ids: list[int]
    fts_terms: list[str]


def make_dataset(n: int, queries: int, seed: int = 20240601) -> Dataset:
    """Deterministic reference records: plate-like refs, names, dates, free text.

    The free text draws from a vocabulary of a few thousand words with a Zipf-like
    distribution (as real statements do), so an FTS query matches a handful to a few
    hundred rows, not half the table.
    """
    rng = random.Random(seed)
    vocab = list(dict.fromkeys(_WORDS + ["".join(rng.choices(_SYLLABLES, k=rng.randrange(2, 5)))
                                         for _ in range(4000)]))
    weights = [1.0 / (rank + 1) for rank in range(len(vocab))]
    letters = "ABCDEFGHJKLMNPRSTVWXYZ"
    rows = []
    for i in range(1, n + 1):
        ref = f"{rng.choice(letters)}{rng.choice(letters)}-{rng.randrange(1000):03d}-{rng.choice(letters)}{i}"
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        birth = f"{rng.randrange(1940, 2010)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        body = " ".join(rng.choices(vocab, weights, k=rng.randrange(20, 60)))
        rows.append((i, ref, name, birth, body))
    point = rng.sample(range(n), min(queries, n))
    mid = vocab[50:1500]  # neither stop-word frequent nor absent
    terms: list[str] = []
    for k in range(queries):
        if k % 4 == 0:
            terms.append(f'"{rng.choice(_LAST)}"')  # a surname
        elif k % 4 == 1:
            terms.append(rng.choice(mid))  # one word
        elif k % 4 == 2:
            terms.append(f"{rng.choice(vocab[:200])} {rng.choice(mid)}")  # two words, AND
        else:
            terms.append(f"{rng.choice(mid)[:4]}*")  # a prefix
    return Dataset(
        rows=rows,
        point_refs=[rows[i][1] for i in point],
        point_ids=[rows[i][0] for i in reversed(point)],
        fts_terms=terms,
    )


# -- the workload ------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE records (
    id    INTEGER PRIMARY KEY,
    ref   TEXT NOT NULL,
    name  TEXT NOT NULL,
    birth TEXT NOT NULL,
    body  TEXT NOT NULL
)
"""
_FTS = (
    "CREATE VIRTUAL TABLE records_fts USING fts5(name, body, content='records', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')"
)
PHASES = ("open", "insert", "index", "point_query", "fts_query", "close")


def run_workload(path: Path, key: bytes | None, data: Dataset, batch: int) -> dict[str, float]:
    """One pass of the workload on a fresh file; returns seconds per phase and in total."""
    times: dict[str, float] = {}
    clock = time.perf_counter
    cpu0 = time.process_time()  # every thread of the process: the writer's work included
    t0 = clock()
    store = Store(path, key)
    try:
        store.write(lambda c: c.execute(_SCHEMA))
        store.write(lambda c: c.execute("CREATE INDEX records_ref ON records(ref)"))
        t1 = clock()
        rows = data.rows
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            store.write(lambda c, chunk=chunk: c.executemany("INSERT INTO records VALUES (?,?,?,?,?)", chunk))
        t2 = clock()

        def _index(c: Any) -> None:
            c.execute(_FTS)
            c.execute("INSERT INTO records_fts(records_fts) VALUES ('rebuild')")

        store.write(_index)
        t3 = clock()
        hits = 0
        for ref, rid in zip(data.point_refs, data.point_ids, strict=True):
            hits += len(store.read(lambda c, ref=ref: c.execute(
                "SELECT id, name, birth FROM records WHERE ref = ?", (ref,)).fetchall()))
            hits += len(store.read(lambda c, rid=rid: c.execute(
                "SELECT ref, name, body FROM records WHERE id = ?", (rid,)).fetchall()))
        t4 = clock()
        for term in data.fts_terms:
            hits += len(store.read(lambda c, term=term: c.execute(
                "SELECT r.id, r.ref, r.name FROM records_fts JOIN records r ON r.id = records_fts.rowid "
                "WHERE records_fts MATCH ? ORDER BY rank LIMIT 20", (term,)).fetchall()))
        t5 = clock()
        if hits == 0:
            raise RuntimeError("the queries found nothing: the workload is broken")
    finally:
        store.close()
    t6 = clock()
    times["cpu"] = time.process_time() - cpu0
    times.update(open=t1 - t0, insert=t2 - t1, index=t3 - t2, point_query=t4 - t3, fts_query=t5 - t4,
                 close=t6 - t5, total=t6 - t0)
    return times


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)


@contextlib.contextmanager
def _workdir() -> Iterator[Path]:
    # NEO_BENCH_DIR puts the files on a chosen disk (the default is the system temp dir).
    d = Path(tempfile.mkdtemp(prefix="neo-bench-", dir=os.environ.get("NEO_BENCH_DIR")))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def _filesystem(path: Path) -> str | None:
    try:
        best, fstype = "", None
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and str(path).startswith(parts[1]) and len(parts[1]) > len(best):
                best, fstype = parts[1], parts[2]
        return fstype
    except OSError:
        return None


def sqlcipher_version() -> str:
    conn = sqlcipher3.connect(":memory:")
    try:
        return str(conn.execute("PRAGMA cipher_version").fetchone()[0])
    finally:
        conn.close()


def engine_versions() -> dict[str, str]:
    conn = sqlcipher3.connect(":memory:")
    try:
        cipher_sqlite = str(conn.execute("SELECT sqlite_version()").fetchone()[0])
    finally:
        conn.close()
    return {"sqlite_version": sqlite3.sqlite_version, "sqlcipher_sqlite_version": cipher_sqlite}


# -- variants (store.pragmas) ------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One change from the store's defaults, applied to the encrypted and/or plain side."""

    name: str
    encrypted_pragmas: tuple[str, ...] = ()  # run right after PRAGMA key
    plain_pragmas: tuple[str, ...] = ()  # run right after connecting
    batch: int = DEFAULT_BATCH
    plain_engine: str = "sqlite3"  # or "sqlcipher3": SQLCipher's engine without a key
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _factory(base: type, pragmas: tuple[str, ...], after_key: bool) -> type:
    class TunedConnection(base):  # type: ignore[misc, valid-type]
        _tuned = not after_key

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if not after_key:
                for p in pragmas:
                    super().execute(p)

        def execute(self, sql: str, *args: Any) -> Any:
            cur = super().execute(sql, *args)
            if after_key and not self._tuned and sql.lstrip().upper().startswith("PRAGMA KEY"):
                self._tuned = True
                for p in pragmas:
                    super().execute(p)
            return cur

    return TunedConnection


@contextlib.contextmanager
def tuned_store(variant: Variant) -> Iterator[None]:
    """Make ``neo.store.db`` open its connections with the variant's PRAGMAs."""
    saved = store_db.sqlite3, store_db.sqlcipher3
    enc_cls = _factory(sqlcipher3.Connection, variant.encrypted_pragmas, after_key=True)
    plain_mod = sqlcipher3 if variant.plain_engine == "sqlcipher3" else sqlite3
    plain_cls = _factory(plain_mod.Connection, variant.plain_pragmas, after_key=False)
    store_db.sqlcipher3 = types.SimpleNamespace(  # type: ignore[assignment]
        connect=lambda *a, **k: sqlcipher3.connect(*a, factory=enc_cls, **k),
        DatabaseError=sqlcipher3.DatabaseError,
    )
    store_db.sqlite3 = types.SimpleNamespace(  # type: ignore[assignment]
        connect=lambda *a, **k: plain_mod.connect(*a, factory=plain_cls, **k),
        DatabaseError=plain_mod.DatabaseError,
    )
    try:
        yield
    finally:
        store_db.sqlite3, store_db.sqlcipher3 = saved


# -- measuring ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _same_engine_plain() -> Iterator[None]:
    """``Store(path, None)`` on SQLCipher's own SQLite build (no key): the baseline that
    isolates the cost of encryption from the difference between SQLite versions."""
    saved = store_db.sqlite3
    store_db.sqlite3 = types.SimpleNamespace(  # type: ignore[assignment]
        connect=sqlcipher3.connect, DatabaseError=sqlcipher3.DatabaseError)
    try:
        yield
    finally:
        store_db.sqlite3 = saved


# A side of a comparison: its name, whether it is encrypted, and what to wrap its runs in.
Side = tuple[str, bool, Callable[[], contextlib.AbstractContextManager[Any]]]
ENCRYPTED: Side = ("encrypted", True, contextlib.nullcontext)
PLAIN: Side = ("plain", False, contextlib.nullcontext)
PLAIN_SAME_ENGINE: Side = ("plain_same_engine", False, _same_engine_plain)


def measure_sides(data: Dataset, repeats: int, batch: int, sides: list[Side],
                  setup: Callable[[], contextlib.AbstractContextManager[Any]] | None = None,
                  ) -> dict[str, list[dict[str, float]]]:
    """Run the workload ``repeats`` times on each side, rotating which side goes first
    so that drift in the machine's load spreads evenly; returns every side's timings."""
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in sides}
    with _workdir() as work, (setup() if setup else contextlib.nullcontext()):
        # Untimed warm-up of every side (imports, OS caches, allocator).
        warm = Dataset(data.rows[:1000], data.point_refs[:50], data.point_ids[:50], data.fts_terms[:50])
        for name, encrypted, wrap in sides:
            path = work / f"warm-{name}.db"
            with wrap():
                run_workload(path, os.urandom(32) if encrypted else None, warm, batch)
            _remove_db(path)
        for r in range(repeats):
            k = r % len(sides)
            order = sides[k:] + sides[:k]
            if (r // len(sides)) % 2:
                order.reverse()
            for name, encrypted, wrap in order:
                path = work / f"{name}-{r}.db"
                gc.collect()
                with wrap():
                    results[name].append(run_workload(path, os.urandom(32) if encrypted else None, data, batch))
                _remove_db(path)
    return results


def measure_pair(data: Dataset, repeats: int, batch: int,
                 setup: Callable[[], contextlib.AbstractContextManager[Any]] | None = None) -> dict[str, list[dict[str, float]]]:
    """Alternate encrypted and plain runs ``repeats`` times each; returns their timings."""
    return measure_sides(data, repeats, batch, [ENCRYPTED, PLAIN], setup)


def _medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in (*PHASES, "total", "cpu")}


def _records(results: dict[str, list[dict[str, float]]], context: dict[str, Any],
             metric_prefix: str = "") -> Iterator[dict[str, Any]]:
    enc, plain = _medians(results["encrypted"]), _medians(results["plain"])
    paired = [e["total"] / p["total"] for e, p in zip(results["encrypted"], results["plain"], strict=True)]
    for phase in (*PHASES, "total", "cpu"):
        rec: dict[str, Any] = {
            "metric": f"{metric_prefix}{phase}_seconds" if phase != "cpu" else f"{metric_prefix}total_cpu_seconds",
            "value": enc[phase],
            "unit": "s",
            "baseline": plain[phase],
            "ratio": enc[phase] / plain[phase] if plain[phase] > 0 else None,
        }
        if phase == "total":
            rec["goal"] = GOAL
            rec["meets_goal"] = rec["ratio"] is not None and rec["ratio"] <= GOAL
            rec["paired_ratios"] = sorted(paired)
        yield {**rec, **context}


def bench_overhead(options: Any) -> Iterator[dict[str, Any]]:
    n = options.n(DEFAULT_N)
    repeats = options.r(DEFAULT_REPEATS)
    queries = max(100, n // 40)
    data = make_dataset(n, queries)
    results = measure_sides(data, repeats, DEFAULT_BATCH, [ENCRYPTED, PLAIN, PLAIN_SAME_ENGINE])
    with _workdir() as work:
        fs = _filesystem(work)
    context = {
        "n": n,
        "batch": DEFAULT_BATCH,
        "queries": {"point": 2 * len(data.point_refs), "fts": len(data.fts_terms)},
        "backend": "sqlcipher vs sqlite3 (Store(path, key) vs Store(path, None))",
        "sqlcipher_version": sqlcipher_version(),
        **engine_versions(),
        "repeats": repeats,
        "statistic": "median",
        "filesystem": fs,
    }
    yield from _records({"encrypted": results["encrypted"], "plain": results["plain"]}, context)
    # The stdlib's SQLite and SQLCipher's are different versions; this line compares the
    # encrypted store with SQLCipher's own engine run without a key (same code, same
    # SQLite), i.e. the cost of encryption alone.
    same = {"encrypted": results["encrypted"], "plain": results["plain_same_engine"]}
    for rec in _records(same, {**context, "backend": "sqlcipher vs sqlcipher engine without a key"},
                        metric_prefix="same_engine_"):
        if rec["metric"] in ("same_engine_total_seconds", "same_engine_total_cpu_seconds"):
            yield rec


VARIANTS: tuple[Variant, ...] = (
    Variant("store defaults", note="what neo.store.db does today"),
    Variant("plain on the sqlcipher engine", plain_engine="sqlcipher3",
            note="baseline: SQLCipher's own SQLite build, no key (isolates encryption)"),
    Variant("cache_size=-2000 (encrypted)", encrypted_pragmas=("PRAGMA cache_size = -2000",),
            note="the encrypted side with the stdlib's default cache (SQLCipher's build uses -8000)"),
    Variant("cache_size=-32000 both", encrypted_pragmas=("PRAGMA cache_size = -32000",),
            plain_pragmas=("PRAGMA cache_size = -32000",)),
    Variant("page_size=8192 both", encrypted_pragmas=("PRAGMA cipher_page_size = 8192",),
            plain_pragmas=("PRAGMA page_size = 8192",)),
    Variant("page_size=16384 both", encrypted_pragmas=("PRAGMA cipher_page_size = 16384",),
            plain_pragmas=("PRAGMA page_size = 16384",)),
    Variant("page_size=16384 + cache_size=-32000 both",
            encrypted_pragmas=("PRAGMA cipher_page_size = 16384", "PRAGMA cache_size = -32000"),
            plain_pragmas=("PRAGMA page_size = 16384", "PRAGMA cache_size = -32000")),
    Variant("cipher_hmac_algorithm=HMAC_SHA256", encrypted_pragmas=("PRAGMA cipher_hmac_algorithm = HMAC_SHA256",),
            note="page HMAC with SHA-256 instead of SHA-512 (a file-format choice: every open must set it)"),
    Variant("cipher_memory_security=ON", encrypted_pragmas=("PRAGMA cipher_memory_security = ON",),
            note="SQLCipher 4.5+ defaults it OFF; shown for its cost"),
    Variant("batch=1", batch=1),
    Variant("batch=50", batch=50),
    Variant("batch=5000", batch=5000),
)


def _measure_variant(variant: Variant, n: int, repeats: int) -> dict[str, Any]:
    queries = max(100, n // 40)
    # batch=1 means one transaction per row: a tenth of the rows keeps it short.
    rows = n if variant.batch >= 50 else max(100, n // 10)
    data = make_dataset(rows, queries)
    results = measure_pair(data, repeats, variant.batch, setup=lambda: tuned_store(variant))
    return {"encrypted": _medians(results["encrypted"]), "plain": _medians(results["plain"]), "n": rows}


def _measure_variant_isolated(index: int, n: int, repeats: int) -> dict[str, Any]:
    """Run one variant in a fresh interpreter: some SQLCipher settings are process-wide
    and cannot be undone (cipher_memory_security stays ON once set)."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_store", str(index), str(n), str(repeats)],
        stdout=subprocess.PIPE, check=True, text=True, cwd=Path(__file__).resolve().parent.parent,
    )
    return json.loads(proc.stdout)


def bench_pragmas(options: Any) -> Iterator[dict[str, Any]]:
    n = options.n(DEFAULT_N // 2)
    repeats = options.r(5)
    version = sqlcipher_version()
    default_enc: float | None = None
    for index, variant in enumerate(VARIANTS):
        print(f"benchmarks: store.pragmas: {variant.name}", file=sys.stderr)
        m = _measure_variant_isolated(index, n, repeats)
        enc, plain = m["encrypted"], m["plain"]
        if index == 0:
            default_enc = enc["total"]
        yield {
            "metric": "total_seconds",
            "variant": variant.name,
            "value": enc["total"],
            "unit": "s",
            "baseline": plain["total"],
            "ratio": enc["total"] / plain["total"],
            "cpu_ratio": enc["cpu"] / plain["cpu"] if plain["cpu"] > 0 else None,
            "phase_ratios": {p: enc[p] / plain[p] if plain[p] > 0 else None for p in PHASES},
            "speedup_vs_store_defaults": (default_enc / enc["total"]) if default_enc and m["n"] == n else None,
            "encrypted_pragmas": list(variant.encrypted_pragmas),
            "plain_pragmas": list(variant.plain_pragmas),
            "plain_engine": variant.plain_engine,
            "note": variant.note,
            "n": m["n"],
            "batch": variant.batch,
            "backend": "sqlcipher vs " + variant.plain_engine,
            "sqlcipher_version": version,
            "repeats": repeats,
            "statistic": "median",
        }


BENCHMARKS = {
    "store.overhead": bench_overhead,
    "store.pragmas": bench_pragmas,
}


if __name__ == "__main__":  # one store.pragmas variant, in its own process
    _index, _n, _repeats = (int(a) for a in sys.argv[1:4])
    print(json.dumps(_measure_variant(VARIANTS[_index], _n, _repeats)))
