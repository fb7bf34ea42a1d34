"""Command line: write the demo reference files, the messy queries, or measure the speed.

    python -m neo.modules.lookup.demo files --persons 100000 --out DIR [--seed S] [--workers W]
    python -m neo.modules.lookup.demo queries --population 100000 [--n 300] [--seed S]
    python -m neo.modules.lookup.demo bench [--persons 200000] [--workers 2]

``files`` writes one JSON Lines file per reference file (``DIR/persons.jsonl``…); the bytes
do not depend on ``--workers``. ``bench`` prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .generator import generate
from .messy import messy_queries
from .records import FILES

DEFAULT_SEED = 20261128
CHUNK = 50_000
# Fresh worker processes: safe even when the caller runs threads (Qt, a server).
_SPAWN = multiprocessing.get_context("spawn")


def _slices(persons: int, chunk: int) -> list[tuple[int, int]]:
    return [(s, min(persons, s + chunk)) for s in range(0, persons, chunk)]


def _write_part(seed: int, persons: int, start: int, stop: int, parts: str) -> dict[str, int]:
    handles = {f: open(os.path.join(parts, f"{f}.{start:010d}.jsonl"), "w", encoding="utf-8")
               for f in FILES}
    counts = dict.fromkeys(FILES, 0)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    try:
        for r in generate(seed, persons, start, stop):
            handles[r.FILE].write(dumps(r.to_dict()) + "\n")
            counts[r.FILE] += 1
    finally:
        for h in handles.values():
            h.close()
    return counts


def write_files(seed: int, persons: int, out: Path, workers: int = 1, chunk: int = CHUNK) -> dict[str, int]:
    """Write ``out/<file>.jsonl`` for every reference file; returns the record count per file."""
    out.mkdir(parents=True, exist_ok=True)
    parts = out / ".parts"
    shutil.rmtree(parts, ignore_errors=True)
    parts.mkdir()
    slices = _slices(persons, chunk)
    totals = dict.fromkeys(FILES, 0)
    if workers > 1:
        with ProcessPoolExecutor(workers, mp_context=_SPAWN) as pool:
            results = list(pool.map(_write_part, *zip(*[(seed, persons, a, b, str(parts)) for a, b in slices],
                                                      strict=True)))
    else:
        results = [_write_part(seed, persons, a, b, str(parts)) for a, b in slices]
    for counts in results:
        for f, n in counts.items():
            totals[f] += n
    for f in FILES:
        with open(out / f"{f}.jsonl", "wb") as dst:
            for a, _b in slices:
                with open(parts / f"{f}.{a:010d}.jsonl", "rb") as src:
                    shutil.copyfileobj(src, dst)
    shutil.rmtree(parts)
    return totals


def _count(seed: int, persons: int, start: int, stop: int) -> tuple[int, float]:
    t0 = time.process_time()
    n = sum(1 for _ in generate(seed, persons, start, stop))
    return n, time.process_time() - t0


def bench(persons: int, workers: int, seed: int = DEFAULT_SEED) -> list[dict[str, object]]:
    """Generation speed: one process, then ``workers`` processes on disjoint slices."""
    _count(seed, 2_000, 0, 2_000)     # build the tables first
    rows = []
    t0 = time.perf_counter()
    n, cpu = _count(seed, persons, 0, persons)
    wall = time.perf_counter() - t0
    rows.append({"bench": "lookup.demo.generate", "workers": 1, "persons": persons, "records": n,
                 "seconds": round(wall, 3), "persons_per_s": round(persons / wall),
                 "records_per_s": round(n / wall), "persons_per_cpu_s": round(persons / cpu)})
    if workers > 1:
        slices = _slices(persons, -(-persons // workers))
        t0 = time.perf_counter()
        with ProcessPoolExecutor(workers, mp_context=_SPAWN) as pool:
            pool.submit(_count, seed, 2_000, 0, 2_000).result()
            t0 = time.perf_counter()
            results = list(pool.map(_count, *zip(*[(seed, persons, a, b) for a, b in slices], strict=True)))
        wall = time.perf_counter() - t0
        n = sum(r[0] for r in results)
        rows.append({"bench": "lookup.demo.generate", "workers": workers, "persons": persons, "records": n,
                     "seconds": round(wall, 3), "persons_per_s": round(persons / wall),
                     "records_per_s": round(n / wall)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m neo.modules.lookup.demo", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("files", help="write one JSON Lines file per reference file")
    p.add_argument("--persons", type=int, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--workers", type=int, default=1)
    q = sub.add_parser("queries", help="print labelled messy queries as JSON Lines")
    q.add_argument("--population", type=int, required=True)
    q.add_argument("--n", type=int, default=300)
    q.add_argument("--seed", type=int, default=DEFAULT_SEED)
    b = sub.add_parser("bench", help="measure the generation speed")
    b.add_argument("--persons", type=int, default=200_000)
    b.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)

    if args.command == "files":
        t0 = time.perf_counter()
        counts = write_files(args.seed, args.persons, args.out, args.workers)
        print(json.dumps({"seconds": round(time.perf_counter() - t0, 2), **counts}))
    elif args.command == "queries":
        for query in messy_queries(args.seed, args.n, args.population):
            sys.stdout.write(json.dumps(query.to_dict(), ensure_ascii=False) + "\n")
    else:
        for row in bench(args.persons, args.workers):
            print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
