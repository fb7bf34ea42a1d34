"""The fleet fault run (``make faults``): the fleet load (benchmarks/fleet) through a
fault-injecting proxy, with HQ's workers killed, HQ restarted and PostgreSQL restarted
while the devices sync; then the network heals, every device syncs until it has delivered
everything and pulled everything, and ``neo-hq check-fleet`` compares both sides.

    python -m benchmarks.fleet_faults                        # the full run (by hand)
    python -m benchmarks.fleet_faults --devices 6 --duration 20 --workers 2 --fault-rate 0.15

What runs, all on loopback:

* a private PostgreSQL cluster (:mod:`benchmarks.fleet_pg`: ``initdb`` in a temporary
  directory, its own port), so restarting it disturbs nothing else on the machine;
* ``neo-hq serve --workers N`` on it, as a process of its own (a worker killed is
  restarted by uvicorn's supervisor; HQ restarted is stopped and started again on the
  same port);
* the proxy (:mod:`benchmarks.fleet_faultproxy`) between the devices and HQ, breaking a
  share of the requests (``--fault-rate``, spread over its seven faults);
* the simulated devices (:class:`benchmarks.fleet.Fleet`), enrolled through the proxy
  with faults off (enrolment is the one call a device does not resend), then syncing
  back to back for ``--duration`` seconds while the disruptions are spread over the run:
  a worker killed with SIGKILL, one with SIGTERM, PostgreSQL restarted (fast, then
  immediate: a crash as far as it knows), the whole HQ restarted (SIGTERM, then SIGKILL).

Devices resend what got no answer with the same mutation ids, query ids and attachment
names, as a tablet's engine does. After the run the faults stop, ``Fleet.drain`` syncs
until everything is delivered and pulled, and the checker runs on the exported journal.

stdout: one JSON object (``"bench": "fleet.faults"``) with what was injected and how often,
the run's figures and the checker's verdict; stderr: progress and the checker's report.
The exit status is 1 if anything differs (or was never delivered).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.fleet_faultproxy import FaultRates, FleetFaultProxy
from benchmarks.fleet_pg import PrivatePostgres, free_port

REPO = Path(__file__).resolve().parents[1]

HQ_ENV = {
    "NEO_HQ_ARGON2_MEMORY_KIB": "256", "NEO_HQ_ARGON2_TIME_COST": "1", "NEO_HQ_ARGON2_PARALLELISM": "1",
    "NEO_HQ_LOOKUP_RATE": "0",
}
"""Cheap PIN hashing (officers are verified at enrolment) and no lookup rate limit (time
is compressed: a device asks in seconds what an officer asks in an hour)."""

DISRUPTIONS = ("worker_kill", "pg_restart_fast", "worker_term", "hq_restart_term", "pg_restart_immediate",
               "hq_restart_kill")
"""The order in which disruptions are spread over the run (cycled when more are asked)."""


def log(text: str) -> None:
    print(f"[faults] {text}", file=sys.stderr, flush=True)


# -- HQ as a process of its own ----------------------------------------------------------------------


class HqProcess:
    """``neo-hq serve`` on a fixed port, that can lose a worker or be restarted."""

    def __init__(self, data_dir: Path, db_url: str, *, port: int, workers: int, log_path: Path) -> None:
        self.data_dir = data_dir
        self.db_url = db_url
        self.port = port
        self.workers = workers
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.ca_file = data_dir / "tls" / "ca.pem"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        cmd = [sys.executable, "-m", "neo.hq.cli", "serve", "--data-dir", str(self.data_dir), "--db", self.db_url,
               "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        if self.workers > 1:
            cmd += ["--workers", str(self.workers)]
        env = {**os.environ, **HQ_ENV}
        with self.log_path.open("ab") as out:
            self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=out, start_new_session=True)
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"neo-hq serve exited ({self.proc.returncode}); see {self.log_path}")
            try:
                if self.ca_file.is_file():
                    r = httpx.get(self.url + "/api/v1/health", timeout=2,
                                  verify=ssl.create_default_context(cafile=str(self.ca_file)))
                    if r.status_code == 200 and len(self.worker_pids()) >= self.workers:
                        return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"HQ did not answer on {self.url} within {timeout:.0f} s; see {self.log_path}")
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        """The processes serving requests: the workers under uvicorn's supervisor (those
        running multiprocessing's spawn), or HQ itself with one worker."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        if self.workers <= 1:
            return [self.proc.pid]
        out = []
        for pid in _children(self.proc.pid):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
                out.append(pid)
        return out

    def kill_worker(self, sig: int, rng_index: int = 0) -> int | None:
        """Signal one worker (uvicorn's supervisor starts a new one); its pid, or None."""
        pids = self.worker_pids()
        if not pids:
            return None
        pid = pids[rng_index % len(pids)]
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        return pid

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # workers left behind by a SIGKILL of the supervisor
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None

    def restart(self, sig: int = signal.SIGTERM) -> None:
        self.stop(sig)
        self.start()


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError, ValueError):
            out += [int(x) for x in (task / "children").read_text().split()]
    return out


# -- the disruptions ---------------------------------------------------------------------------------


@dataclass
class Disruption:
    kind: str
    at_s: float
    took_s: float = 0.0
    detail: str = ""
    error: str | None = None


@dataclass
class Disruptor:
    hq: HqProcess
    pg: PrivatePostgres
    done: list[Disruption] = field(default_factory=list)

    def do(self, kind: str, t0: float) -> Disruption:
        d = Disruption(kind, round(time.monotonic() - t0, 2))
        start = time.monotonic()
        try:
            if kind in ("worker_kill", "worker_term") and self.hq.workers <= 1:  # no supervisor: restart
                sig = signal.SIGKILL if kind == "worker_kill" else signal.SIGTERM
                self.hq.restart(sig)
                d.detail = f"the only worker stopped with {signal.Signals(sig).name}, started again"
            elif kind in ("worker_kill", "worker_term"):
                sig = signal.SIGKILL if kind == "worker_kill" else signal.SIGTERM
                before = set(self.hq.worker_pids())
                pid = self.hq.kill_worker(sig, len(self.done))
                deadline = time.monotonic() + 60
                while pid in self.hq.worker_pids() or len(self.hq.worker_pids()) < self.hq.workers:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"worker {pid} was not replaced")
                    time.sleep(0.1)
                self.hq.wait_ready()
                d.detail = f"worker {pid} ({signal.Signals(sig).name}) replaced by " + ", ".join(
                    str(p) for p in sorted(set(self.hq.worker_pids()) - before))
            elif kind.startswith("pg_restart"):
                mode = kind.rsplit("_", 1)[1]
                self.pg.restart(mode)
                d.detail = f"pg_ctl restart -m {mode}"
            elif kind.startswith("hq_restart"):
                sig = signal.SIGKILL if kind.endswith("kill") else signal.SIGTERM
                self.hq.restart(sig)
                d.detail = f"neo-hq serve stopped with {signal.Signals(sig).name}, started again"
        except Exception as exc:  # a disruption that fails is reported, the run goes on
            d.error = f"{type(exc).__name__}: {exc}"
        d.took_s = round(time.monotonic() - start, 2)
        self.done.append(d)
        log(f"t={d.at_s:.1f}s {kind} ({d.detail}) in {d.took_s:.1f}s" + (f" ERROR {d.error}" if d.error else ""))
        return d

    async def spread(self, kinds: list[str], duration_s: float, t0: float) -> None:
        """The disruptions at even intervals over ``duration_s``, one after the other."""
        for i, kind in enumerate(kinds):
            wait = t0 + duration_s * (i + 1) / (len(kinds) + 1) - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await asyncio.to_thread(self.do, kind, t0)


def disruption_plan(count: int) -> list[str]:
    return [DISRUPTIONS[i % len(DISRUPTIONS)] for i in range(count)]


# -- the run -------------------------------------------------------------------------------------


@dataclass
class FaultRun:
    devices: int = 50
    duration_s: float = 120.0
    workers: int = 4
    fault_rate: float = 0.12
    delay_max_s: float = 8.0
    disruptions: int = 6
    seed: int = 1
    persons: int = 2000
    timeout_s: float = 6.0
    retries: int = 4
    devices_per_unit: int = 10
    mix: dict[str, Any] = field(default_factory=dict)
    work_dir: Path | None = None
    """where HQ's data, the logs and the journal go (default: a temporary directory)"""
    keep_failed: bool = False
    """after a failed check, leave the PostgreSQL cluster running (its URL is in the output)"""


def _expected_answers(journal: Any) -> dict[str, str]:
    """mutation id -> the answer HQ must give, for writes the fleet made invalid on purpose."""
    return {r.mutation_id: r.expected for d in journal.devices.values() for r in d.records.values()
            if r.expected != "applied"}


def export_journal(journal: Any, path: Path) -> Path:
    """The fleet's journal in ``neo-hq check-fleet``'s format, with the answers HQ must give
    to the writes made invalid on purpose."""
    expected = _expected_answers(journal)
    with path.open("w", encoding="utf-8") as fh:
        for obj in journal.check_objects():
            for m in obj["mutations"]:
                if m["mutation_id"] in expected:
                    m["expected"] = expected[m["mutation_id"]]
            fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return path


async def run(opts: FaultRun, progress: Callable[[str], None] = log,
              inspect: Callable[[Any, Path], None] | None = None) -> dict[str, Any]:
    """The whole run; ``inspect(hq, journal_path)`` (a :class:`~neo.hq.service.Headquarters`
    on the run's database) is called after the check, while the database still runs."""
    os.environ.update({k: os.environ.get(k, v) for k, v in HQ_ENV.items()})
    from benchmarks.fleet import Fleet, Mix, stage
    from neo.hq import reference, tls
    from neo.hq.check import check_fleet, load_journals
    from neo.hq.config import HQConfig
    from neo.hq.service import Headquarters

    work = opts.work_dir or Path(tempfile.mkdtemp(prefix="neo-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    data_dir = work / "hq"
    out: dict[str, Any] = {"bench": "fleet.faults", "devices": opts.devices, "duration_s": opts.duration_s,
                           "workers": opts.workers, "seed": opts.seed, "work_dir": str(work)}
    with PrivatePostgres() as pg:
        db_url = pg.create_database("neo_faults")
        progress(f"PostgreSQL 15 cluster of its own on port {pg.port}; HQ data in {data_dir}")
        config = HQConfig(data_dir=data_dir, db_url=db_url)
        files = tls.ensure_server_cert(config.tls_dir, tls.default_names("127.0.0.1"))
        with Headquarters(config) as admin:
            if opts.persons:
                reference.seed_demo(admin.db, opts.persons, workers=0 if opts.persons <= 5000 else None)
        hq = HqProcess(data_dir, db_url, port=free_port(), workers=opts.workers, log_path=work / "hq.log")
        rates = FaultRates.uniform(opts.fault_rate, delay_max=opts.delay_max_s)
        proxy = FleetFaultProxy(hq.url, files.ca_file, files.cert_file, files.key_file, seed=opts.seed)
        hq.start()
        proxy.start()
        fleet = None
        try:
            with Headquarters(config) as admin:
                staging = stage(admin, devices=opts.devices, url=proxy.url, fingerprint=files.fingerprint,
                                seed=opts.seed, devices_per_unit=opts.devices_per_unit,
                                reference_persons=opts.persons or None)
            fleet = Fleet(proxy.url, files.ca_file.read_text(), staging, seed=opts.seed, mix=Mix(**opts.mix),
                          timeout_s=opts.timeout_s, retries=opts.retries)
            progress(f"enrolling {opts.devices} devices through the proxy (faults off)")
            await fleet.enrol()

            progress(f"load for {opts.duration_s:.0f} s: {opts.fault_rate:.0%} of requests broken, "
                     f"{opts.disruptions} disruptions")
            proxy.rates = rates
            disruptor = Disruptor(hq, pg)
            t0 = time.monotonic()
            chaos = asyncio.ensure_future(disruptor.spread(disruption_plan(opts.disruptions), opts.duration_s, t0))
            result = await fleet.run(duration_s=opts.duration_s)
            await chaos
            during = proxy.stats()
            progress("faults off; draining (every device syncs until all is delivered and pulled)")
            proxy.rates = FaultRates()
            hq.wait_ready()
            t_drain = time.monotonic()
            delivered = await fleet.drain()
            drain_s = time.monotonic() - t_drain

            journal_path = export_journal(fleet.journal, work / "journal.jsonl")
            fleet.journal.save(work / "fleet-journal.json")
            with Headquarters(config) as admin:
                report = check_fleet(admin, load_journals(journal_path))
            progress("checker (neo-hq check-fleet --journal " + str(journal_path) + "):\n" + report.render())
            pending = {d.device_id: d.pending() for d in fleet.journal.devices.values() if not d.delivered()}
            out.update({
                "fault_rates": rates.as_dict(),
                "faults_injected": {k: v for k, v in during["by_action"].items() if k != "pass"},
                "faults_total": sum(v for k, v in during["by_action"].items() if k not in ("pass", "upstream_down")),
                "requests_during_run": during["requests"],
                "faults_by_route": {r: {a: n for a, n in c.items() if a != "pass"}
                                    for r, c in during["by_route"].items() if set(c) - {"pass"}},
                "disruptions": [d.__dict__ for d in disruptor.done],
                "pg_restarts": pg.restarts,
                "run": result.summary(),
                "journal": fleet.journal.totals(),
                "drain_s": round(drain_s, 2),
                "delivered": delivered,
                "undelivered": pending,
                "check": report.as_dict(limit=200),
                "ok": report.ok and delivered,
                "db_url": db_url,
            })
            if inspect is not None:
                with Headquarters(config) as admin:
                    inspect(admin, journal_path)
            if opts.keep_failed and not out["ok"]:
                pg.keep = True
                progress(f"PostgreSQL left running for a look: {db_url} (data in {pg.data})")
        finally:
            if fleet is not None:
                await fleet.aclose()
            proxy.stop()
            hq.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.fleet_faults", description=__doc__.split("\n\n")[0])
    d = FaultRun()
    p.add_argument("--devices", type=int, default=d.devices)
    p.add_argument("--duration", type=float, default=d.duration_s, help="seconds of load under faults")
    p.add_argument("--workers", type=int, default=d.workers, help="uvicorn workers of neo-hq serve")
    p.add_argument("--fault-rate", type=float, default=d.fault_rate,
                   help="share of requests broken by the proxy, spread over its seven faults")
    p.add_argument("--delay-max", type=float, default=d.delay_max_s, help="longest delay the proxy adds (s)")
    p.add_argument("--disruptions", type=int, default=d.disruptions,
                   help="worker kills, HQ and PostgreSQL restarts spread over the run")
    p.add_argument("--timeout", type=float, default=d.timeout_s, help="the devices' request timeout (s)")
    p.add_argument("--persons", type=int, default=d.persons, help="persons in the reference files")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--work-dir", type=Path, help="keep HQ's data, logs and the journal here")
    p.add_argument("--keep-failed", action="store_true",
                   help="after a failed check, leave the PostgreSQL cluster running to look at it")
    args = p.parse_args(argv)
    opts = FaultRun(devices=args.devices, duration_s=args.duration, workers=args.workers, fault_rate=args.fault_rate,
                    delay_max_s=args.delay_max, disruptions=args.disruptions, timeout_s=args.timeout,
                    persons=args.persons, seed=args.seed, work_dir=args.work_dir, keep_failed=args.keep_failed)
    out = asyncio.run(run(opts))
    print(json.dumps(out, ensure_ascii=False, default=str), flush=True)
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
