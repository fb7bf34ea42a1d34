"""Fleet load: many simulated tablets syncing at once against HQ on PostgreSQL with
several uvicorn workers, over TLS (the generator: benchmarks/fleet).

``fleet.load``, for each fleet size (concurrent devices):

1. a fresh PostgreSQL database, copied from a template holding the lookup's reference
   files (100,000 demo persons; seeded once and cached, see benchmarks/fleet/server.py);
   ``neo-hq serve --workers W`` on it, in its own processes;
2. the fleet staged at HQ (units of ten tablets, two officers each, twelve registered
   homes per unit), every device enrolled with its own code and key, every officer's
   first unlock verified;
3. a warm-up, then every device runs sync sessions back to back for the measured window
   (visits, statements with files, lookups, audit, pull; the mix of
   ``benchmarks.fleet.Mix``); then the fleet is drained (everything delivered, every
   device caught up) and the result says whether it was.

One JSON line per size: ``syncs_per_s`` (sessions completed in the window / window), with
``records_per_s``, per operation ``latency_ms`` (p50/p95/p99 of the answered exchanges,
``session`` being a whole sync), ``errors`` by operation and kind, and the context: devices,
workers, backend, window, load average, and where the processor time went (the client
process, HQ's processes, PostgreSQL's, and the whole machine) — on a 2-core machine the
client and HQ compete, so ``cpu.client_share`` says how much of the machine the generator
itself took — and ``pg_active``: the average number of the run database's backends busy
in each state (``cpu``, or a wait event such as ``Lock:transactionid``, sampled from
``pg_stat_activity``), which shows where HQ's transactions queue.

Baseline (same run, same machine, same HQ set-up): one device alone, syncing back to
back: ``baseline`` is its syncs/s and ``ratio`` = syncs/s at N devices / that, i.e. how
many lone devices' worth of syncs HQ serves at once at N (N would be perfect scaling).

Sizes: ``NEO_BENCH_FLEET=short`` (the default, what ``make bench`` runs): 50 and 200
devices, 20 s each after 5 s of warm-up; ``full``: 50, 200 and 500 devices, 60 s after
10 s. ``--size N`` (benchmarks.run) measures N devices only. Overrides:
``NEO_BENCH_FLEET_DEVICES=50,200,500``, ``NEO_BENCH_FLEET_SECONDS``,
``NEO_BENCH_FLEET_WORKERS`` (default 2), ``NEO_BENCH_FLEET_PERSONS`` (default 100000).
By hand::

    python -m benchmarks.bench_fleet --devices 50,200,500 --seconds 60 --workers 2

Needs PostgreSQL (``NEO_BENCH_PG``, default postgresql://postgres@127.0.0.1:5432/test);
without it the benchmark says so and yields nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SETTINGS = {
    "short": {"devices": (50, 200), "seconds": 20.0, "warmup": 5.0, "baseline_seconds": 10.0},
    "full": {"devices": (50, 200, 500), "seconds": 60.0, "warmup": 10.0, "baseline_seconds": 20.0},
}
DEFAULT_WORKERS = 2
DEFAULT_PERSONS = 100_000
SEED = 20261128


@dataclass(frozen=True)
class Plan:
    devices: tuple[int, ...]
    seconds: float
    warmup: float
    baseline_seconds: float
    workers: int
    persons: int


def plan_from(size: int | None = None, env: dict[str, str] | None = None) -> Plan:
    env = dict(os.environ if env is None else env)
    name = env.get("NEO_BENCH_FLEET", "short")
    if name not in SETTINGS:
        raise SystemExit(f"NEO_BENCH_FLEET must be one of {', '.join(SETTINGS)} (not {name!r})")
    s = SETTINGS[name]
    devices: tuple[int, ...] = tuple(s["devices"])  # type: ignore[arg-type]
    if env.get("NEO_BENCH_FLEET_DEVICES"):
        devices = tuple(int(x) for x in env["NEO_BENCH_FLEET_DEVICES"].split(",") if x.strip())
    if size is not None:
        devices = (size,)
    seconds = float(env.get("NEO_BENCH_FLEET_SECONDS") or s["seconds"])  # type: ignore[arg-type]
    return Plan(devices=devices, seconds=seconds, warmup=float(s["warmup"]),  # type: ignore[arg-type]
                baseline_seconds=float(s["baseline_seconds"]),  # type: ignore[arg-type]
                workers=int(env.get("NEO_BENCH_FLEET_WORKERS") or DEFAULT_WORKERS),
                persons=int(env.get("NEO_BENCH_FLEET_PERSONS") or DEFAULT_PERSONS))


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def measure(devices: int, plan: Plan, *, seconds: float | None = None) -> dict[str, Any]:
    """One fleet of ``devices`` on a fresh HQ: the run's figures and context."""
    from benchmarks.fleet import Fleet, HqServer, stage
    from benchmarks.fleet.server import PgWaits, machine_cpu, postgres_cpu_seconds

    window = plan.seconds if seconds is None else seconds
    with tempfile.TemporaryDirectory(prefix="neo-bench-fleet-", dir=os.environ.get("NEO_BENCH_DIR")) as tmp, \
            HqServer(Path(tmp), workers=plan.workers, persons=plan.persons, log=_log) as server:
        hq = server.admin()
        try:
            t = time.perf_counter()
            staging = stage(hq, devices=devices, url=server.url, fingerprint=server.fingerprint, seed=SEED,
                            reference_persons=plan.persons)
            staged_s = time.perf_counter() - t
        finally:
            hq.close()
        fleet = Fleet(server.url, server.ca_pem, staging, seed=SEED)

        async def go() -> dict[str, Any]:
            try:
                t = time.perf_counter()
                await fleet.enrol()
                enrol_s = time.perf_counter() - t
                _log(f"fleet.load: {devices} devices enrolled in {enrol_s:.1f} s; warm-up {plan.warmup:.0f} s")
                if plan.warmup > 0:
                    await fleet.run(duration_s=plan.warmup)
                _log(f"fleet.load: measuring {window:.0f} s")
                hq0, pg0, (busy0, total0) = server.cpu_seconds(), postgres_cpu_seconds(), machine_cpu()
                with PgWaits(server.db_name) as waits:
                    result = await fleet.run(duration_s=window)
                hq1, pg1, (busy1, total1) = server.cpu_seconds(), postgres_cpu_seconds(), machine_cpu()
                load = os.getloadavg()
                t = time.perf_counter()
                delivered = await fleet.drain()
                drain_s = time.perf_counter() - t
                pg_s = sum(v - pg0.get(pid, 0.0) for pid, v in pg1.items())
                cores = os.cpu_count() or 1
                elapsed = result.duration_s
                cpu = {"cores": cores, "client_s": result.client_cpu_s, "hq_s": hq1 - hq0, "postgres_s": pg_s,
                       "machine_busy_s": busy1 - busy0, "machine_total_s": total1 - total0}
                for key in ("client", "hq", "postgres"):
                    cpu[f"{key}_share"] = cpu[f"{key}_s"] / (elapsed * cores)
                cpu["machine_busy_share"] = (busy1 - busy0) / max(1e-9, total1 - total0)
                totals = fleet.journal.totals()
                return {"result": result, "cpu": cpu, "load_avg": [round(x, 2) for x in load],
                        "delivered": delivered, "staged_s": staged_s, "enrol_s": enrol_s, "drain_s": drain_s,
                        "totals": totals, "errors_outside": fleet.outside.errors(), "pg_active": waits.shares()}
            finally:
                await fleet.aclose()

        return asyncio.run(go())


def _latencies(result: Any) -> dict[str, Any]:
    out = {}
    for name, op in sorted(result.ops.items()):
        s = op.summary()
        out[name] = {k: s[k] for k in ("count", "p50_ms", "p95_ms", "p99_ms", "max_ms")}
    return out


def bench_load(options: Any) -> Iterator[dict[str, Any]]:
    from benchmarks.fleet.server import PG_SERVER, pg_available

    plan = plan_from(options.size)
    if not pg_available():
        _log(f"fleet.load: PostgreSQL not reachable at {PG_SERVER}: skipped")
        return
    _log(f"fleet.load: baseline, one device alone for {plan.baseline_seconds:.0f} s")
    base = measure(1, plan, seconds=plan.baseline_seconds)
    baseline = base["result"].syncs_per_s
    yield {"metric": "baseline_syncs_per_s", "value": baseline, "unit": "syncs/s", "baseline": None, "ratio": None,
           "devices": 1, "workers": plan.workers, "backend": "postgres", "duration_s": base["result"].duration_s,
           "latency_ms": _latencies(base["result"]), "errors": base["result"].errors(),
           "delivered": base["delivered"]}
    for n in plan.devices:
        _log(f"fleet.load: {n} devices, {plan.workers} HQ workers, {plan.seconds:.0f} s")
        m = measure(n, plan)
        r = m["result"]
        context = {"devices": n, "workers": plan.workers, "backend": "postgres", "duration_s": r.duration_s,
                   "reference_persons": plan.persons, "load_avg": m["load_avg"]}
        yield {"metric": "syncs_per_s", "value": r.syncs_per_s, "unit": "syncs/s", "baseline": baseline,
               "ratio": r.syncs_per_s / baseline if baseline else None, "records_per_s": r.records_per_s,
               "latency_ms": _latencies(r), "errors": r.errors(), "sessions": r.sessions,
               "failed_sessions": r.failed_sessions, "records": r.records, "attachments": r.attachments,
               "attachment_bytes": r.attachment_bytes, "audit_events": r.audit_events, "lookups": r.lookups,
               "pulled": r.pulled, "requests": r.requests, "cpu": m["cpu"], "delivered": m["delivered"],
               "errors_outside_window": m["errors_outside"], "pg_active": m["pg_active"], "enrol_s": m["enrol_s"], "drain_s": m["drain_s"],
               **context}
        yield {"metric": "records_per_s", "value": r.records_per_s, "unit": "records/s", "baseline": None,
               "ratio": None, "attachments_per_s": r.attachments / r.duration_s,
               "lookups_per_s": r.lookups / r.duration_s, "audit_events_per_s": r.audit_events / r.duration_s,
               "requests_per_s": r.requests / r.duration_s, **context}


BENCHMARKS = {"fleet.load": bench_load}


def main(argv: list[str] | None = None) -> int:
    from benchmarks.run import Options, emit

    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_fleet", description=__doc__.splitlines()[0])
    parser.add_argument("--devices", help="fleet sizes, e.g. 50,200,500 (default: the NEO_BENCH_FLEET setting)")
    parser.add_argument("--seconds", type=float, help="measured window per size")
    parser.add_argument("--workers", type=int, help="HQ worker processes")
    parser.add_argument("--persons", type=int, help="persons in the reference files")
    parser.add_argument("--setting", choices=sorted(SETTINGS), help="short or full")
    args = parser.parse_args(argv)
    for flag, var in (("devices", "NEO_BENCH_FLEET_DEVICES"), ("seconds", "NEO_BENCH_FLEET_SECONDS"),
                      ("workers", "NEO_BENCH_FLEET_WORKERS"), ("persons", "NEO_BENCH_FLEET_PERSONS"),
                      ("setting", "NEO_BENCH_FLEET")):
        value = getattr(args, flag)
        if value is not None:
            os.environ[var] = str(value)
    for record in bench_load(Options()):
        emit({"bench": "fleet.load", **record})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
