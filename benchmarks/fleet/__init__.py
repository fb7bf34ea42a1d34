"""A fleet of simulated tablets against a real HQ: the load generator of ``fleet.load``
(benchmarks/bench_fleet.py) and the base of the fault run.

Each simulated device is a real client of the sync protocol (docs/sync-protocol.md):
its own enrolment with a one-time code (``POST /enroll``), its own Ed25519 identity key
(statements are sealed with the module's own code, ``neo.modules.statements.seal``, and
verified by HQ against that key), its own token, HTTP/1.1 keep-alive over TLS pinned to
HQ's CA. It repeats *sync sessions* as a tablet does every five minutes, with time
compressed (no think time unless asked):

1. new field work since the last session: holiday-watch visits (some anomalies, with a
   photo), statements with their files (a photo, two drawn signatures, the PDF), lookups
   with a reason, and an audit event for each (a valid hash chain);
2. push the outbox (batches of at most 1000; gzip above 4 KiB), upload the files
   (status, chunks, complete), send the lookups queued, pull from the cursor with
   ``exclude_own`` until ``has_more`` is false, push the audit trail, fetch the roster.

A network error, a timeout or a 5xx is retried with the *same* mutation ids and query ids
(backoff with jitter); what is still unanswered stays queued for the next session, as on a
tablet. Everything is recorded in a :class:`Journal` for a convergence checker.

Usage (the admin side is HQ's own Python API, as ``neo-hq`` uses it)::

    from benchmarks.fleet import Fleet, Mix, stage

    staging = stage(hq_service, devices=50, url=hq_url, fingerprint=fp, seed=1)
    fleet = Fleet(hq_url, ca_pem, staging, seed=1, mix=Mix())
    await fleet.enrol()
    result = await fleet.run(duration_s=60)      # or rounds=3 (sessions per device)
    result.summary()                             # syncs/s, records/s, p50/p95/p99 per op, errors
    await fleet.drain()                          # sessions until everything is delivered
    fleet.journal.save(path)                     # what each device sent and should hold
    await fleet.aclose()

:class:`HqServer` runs ``neo-hq serve --workers N`` on a fresh PostgreSQL database (a
copy of a cached template already seeded with the reference files) for the bench.
"""

from benchmarks.fleet.journal import (
    ACKNOWLEDGED,
    AttachmentEntry,
    DeviceJournal,
    Journal,
    LookupEntry,
    RecordEntry,
)

__all__ = [
    "ACKNOWLEDGED",
    "AttachmentEntry",
    "DeviceJournal",
    "DeviceSeat",
    "Fleet",
    "HqServer",
    "Journal",
    "LookupEntry",
    "Mix",
    "OpStats",
    "RecordEntry",
    "RunResult",
    "Staging",
    "stage",
]


def __getattr__(name: str):  # the heavier parts load on first use
    if name in ("Fleet", "Mix", "RunResult", "OpStats"):
        from benchmarks.fleet import fleet

        return getattr(fleet, name)
    if name in ("DeviceSeat", "Staging", "stage"):
        from benchmarks.fleet import staging

        return getattr(staging, name)
    if name == "HqServer":
        from benchmarks.fleet.server import HqServer

        return HqServer
    raise AttributeError(name)
