"""The fleet: simulated tablets running sync sessions against HQ (see the package doc).

One asyncio event loop drives every device; each device has its own
``httpx.AsyncClient`` (one keep-alive HTTP/1.1 connection, TLS verified against HQ's CA
only, as the tablet pins it). Every HTTP exchange is timed and classified by operation
(``push``, ``chunk``, ``complete``, ``att_status``, ``lookup``, ``pull``, ``audit``,
``roster``, ``enroll``, ``verify``) and the whole session as ``session``.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import math
import random
import ssl
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks.fleet import content
from benchmarks.fleet.journal import AttachmentEntry, DeviceJournal, Journal, LookupEntry, RecordEntry
from benchmarks.fleet.staging import DeviceSeat, Staging
from neo import crypto, protocol

API = protocol.API_PREFIX
VISITS = "holiday_watch.visits"
STATEMENTS = "statements.statements"
GZIP_FROM = 4096


@dataclass(frozen=True)
class Mix:
    """What a device does per sync session (means; counts are Poisson-distributed).

    The defaults describe a patrol tablet syncing every five minutes at the peak hour:
    about two visits logged since the last sync (8 % with an anomaly and its photo), one
    lookup, one statement in ten syncs (a photo, two signatures and the PDF), and an audit
    event for each action and for the sync itself."""

    visits: float = 2.0
    anomaly_share: float = 0.08
    lookups: float = 1.0
    statements: float = 0.1
    invalid_share: float = 0.0
    """visits made invalid on purpose (HQ must refuse them); 0 for a convergence run"""
    photo_bytes: int = 60_000
    signature_bytes: int = 6_000
    pdf_bytes: int = 40_000
    chunk_bytes: int = 1024 * 1024
    think_s: float = 0.0
    """pause between two sessions of a device (0: back to back, time compressed)"""
    roster: bool = True
    """fetch the roster at the end of each session, as the engine does"""


@dataclass
class OpStats:
    """Latencies (seconds) of one operation's answered exchanges and its errors by kind."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def percentile(self, p: float) -> float | None:
        if not self.latencies:
            return None
        data = sorted(self.latencies)
        k = (len(data) - 1) * p / 100
        lo, hi = math.floor(k), math.ceil(k)
        return data[lo] + (data[hi] - data[lo]) * (k - lo)

    def summary(self) -> dict[str, Any]:
        ms = {f"p{p}_ms": (None if (v := self.percentile(p)) is None else v * 1000) for p in (50, 95, 99)}
        return {"count": len(self.latencies), **ms,
                "max_ms": max(self.latencies) * 1000 if self.latencies else None, "errors": dict(self.errors)}


@dataclass
class RunResult:
    """What :meth:`Fleet.run` measured over its window (after the warm-up)."""

    devices: int
    duration_s: float
    sessions: int = 0
    failed_sessions: int = 0
    records: int = 0
    """mutations HQ answered in the window (applied, duplicate or rejected)"""
    attachments: int = 0
    attachment_bytes: int = 0
    audit_events: int = 0
    lookups: int = 0
    pulled: int = 0
    requests: int = 0
    client_cpu_s: float = 0.0
    ops: dict[str, OpStats] = field(default_factory=dict)

    @property
    def syncs_per_s(self) -> float:
        return self.sessions / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def records_per_s(self) -> float:
        return self.records / self.duration_s if self.duration_s > 0 else 0.0

    def errors(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for op in self.ops.values():
            for kind, n in op.errors.items():
                out[f"{op.name}:{kind}"] += n
        return dict(sorted(out.items()))

    def summary(self) -> dict[str, Any]:
        return {
            "devices": self.devices, "duration_s": self.duration_s, "sessions": self.sessions,
            "failed_sessions": self.failed_sessions, "syncs_per_s": self.syncs_per_s,
            "records_per_s": self.records_per_s, "records": self.records, "attachments": self.attachments,
            "attachment_bytes": self.attachment_bytes, "audit_events": self.audit_events, "lookups": self.lookups,
            "pulled": self.pulled, "requests": self.requests, "client_cpu_s": self.client_cpu_s,
            "errors": self.errors(), "ops": {name: op.summary() for name, op in sorted(self.ops.items())},
        }


class SessionFailed(Exception):
    """A session gave up after its retries (what is unanswered stays queued)."""


class _Deferred(Exception):
    """HQ said to come back later (429): keep it queued, go on with the session."""


@dataclass
class _Device:
    index: int
    seat: DeviceSeat
    rng: random.Random
    device_id: str
    private_key: bytes
    public_key: bytes
    journal: DeviceJournal
    clock: protocol.HybridLogicalClock
    token: str | None = None
    client: httpx.AsyncClient | None = None
    files: dict[str, content.File] = field(default_factory=dict)
    """bytes of the files not yet complete at HQ"""
    officer_turn: int = 0

    @property
    def officer(self) -> str:
        return self.seat.officers[self.officer_turn % len(self.seat.officers)]


class Fleet:
    """``devices`` simulated tablets, one per seat of ``staging``.

    ``retries``: attempts after the first for a request that met a network error, a
    timeout or a 5xx (the same request: same mutation ids, same query id), with an
    exponential backoff from ``backoff_s`` (with jitter, capped at ``backoff_max_s``).
    """

    def __init__(self, hq_url: str, ca_pem: str, staging: Staging, *, seed: int = 0, mix: Mix | None = None,
                 timeout_s: float = 60.0, retries: int = 4, backoff_s: float = 0.2, backoff_max_s: float = 5.0,
                 queries: Sequence[content.Query] | None = None) -> None:
        self.url = hq_url.rstrip("/")
        self.ca_pem = ca_pem
        self.staging = staging
        self.seed = seed
        self.mix = mix or Mix()
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.ssl = ssl.create_default_context(cadata=ca_pem)
        self.queries = list(queries) if queries is not None else content.lookup_queries(
            staging.reference_persons, staging.reference_seed)
        self.journal = Journal(registrations={u: list(ids) for u, ids in staging.registrations.items()})
        self.devices: list[_Device] = []
        for i, seat in enumerate(staging.seats):
            rng = random.Random(f"neo-fleet/{seed}/{i}")
            private, public = crypto.generate_signing_keypair()
            device_id = content.uuid_from(rng)
            dj = DeviceJournal(device_id=device_id, unit=seat.unit, officers=list(seat.officers),
                               public_key=base64.b64encode(public).decode("ascii"))
            self.devices.append(_Device(i, seat, rng, device_id, private, public, dj,
                                        protocol.HybridLogicalClock(device_id)))
        self.outside = RunResult(devices=len(self.devices), duration_s=0.0)
        """exchanges outside :meth:`run` (enrolment, :meth:`drain`): latencies and errors"""
        self._current = self.outside
        self._measuring = True

    # == lifecycle ========================================================================
    async def enrol(self, *, concurrency: int = 16, verify_officers: bool = True) -> None:
        """Enrol every device (``POST /enroll`` with its code and its Ed25519 identity key)
        and, with ``verify_officers``, make each officer's first unlock (``/officers/verify``)."""
        gate = asyncio.Semaphore(concurrency)

        async def one(dev: _Device) -> None:
            async with gate:
                if dev.token is None:
                    await self._enrol(dev)
                if verify_officers:
                    for sn in dev.seat.officers:
                        await self._call(dev, "verify", "POST", "/officers/verify",
                                         body={"service_number": sn, "pin": self.staging.pin}, expect=(200,))

        await asyncio.gather(*(one(d) for d in self.devices))
        for dev in self.devices:
            self.journal.devices[dev.device_id] = dev.journal

    async def _enrol(self, dev: _Device) -> None:
        body = {"code": dev.seat.code, "device_public_key": base64.b64encode(dev.public_key).decode("ascii"),
                "device_key_type": "ed25519", "device_name": f"Tablette charge {dev.index + 1}",
                "device_id": dev.device_id}
        dev.client = self._client(None)
        r = await self._call(dev, "enroll", "POST", "/enroll", body=body, expect=(200,))
        answer = _json_of(r, self._op("enroll"))
        if answer["device_id"] != dev.device_id:
            raise RuntimeError("HQ gave another device id")
        dev.token = answer["token"]
        dev.journal.epoch = answer["epoch"]
        await dev.client.aclose()
        dev.client = self._client(dev.token)

    def _client(self, token: str | None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.url + API, verify=self.ssl, headers=headers,
                                 timeout=httpx.Timeout(self.timeout_s, connect=min(10.0, self.timeout_s)),
                                 # Closed by the client before HQ's keep-alive timeout (uvicorn: 5 s)
                                 # would close it under a request on its way.
                                 limits=httpx.Limits(max_connections=1, max_keepalive_connections=1,
                                                     keepalive_expiry=4.0))

    async def aclose(self) -> None:
        for dev in self.devices:
            if dev.client is not None:
                await dev.client.aclose()
                dev.client = None

    # == runs =============================================================================
    async def run(self, *, duration_s: float | None = None, rounds: int | None = None, warmup_s: float = 0.0,
                  concurrency: int | None = None) -> RunResult:
        """Every device runs sync sessions (new work each time, per :attr:`mix`) until
        ``duration_s`` has passed (sessions in flight then finish but are not counted) or
        it has done ``rounds`` sessions. At most ``concurrency`` sessions at once (default:
        every device). Figures cover the window after ``warmup_s``."""
        if (duration_s is None) == (rounds is None):
            raise ValueError("give exactly one of duration_s and rounds")
        if any(d.token is None for d in self.devices):
            raise RuntimeError("enrol() first")
        gate = asyncio.Semaphore(concurrency or len(self.devices))
        loop = asyncio.get_running_loop()
        start = loop.time()
        stop_at = start + warmup_s + duration_s if duration_s is not None else math.inf
        result = RunResult(devices=len(self.devices), duration_s=0.0)
        self._current, self._measuring = result, warmup_s <= 0
        window_start, cpu_start = time.perf_counter(), time.process_time()

        async def begin_window() -> None:
            nonlocal window_start, cpu_start
            await asyncio.sleep(warmup_s)
            self._measuring = True
            window_start, cpu_start = time.perf_counter(), time.process_time()

        warm = asyncio.ensure_future(begin_window()) if warmup_s > 0 else None

        async def device_loop(dev: _Device) -> None:
            done = 0
            while loop.time() < stop_at and (rounds is None or done < rounds):
                async with gate:
                    if loop.time() >= stop_at:
                        break
                    await self._session(dev, new_work=True, deadline=stop_at)
                done += 1
                if self.mix.think_s > 0:
                    await asyncio.sleep(dev.rng.expovariate(1 / self.mix.think_s))

        await asyncio.gather(*(device_loop(d) for d in self.devices))
        if warm is not None:
            warm.cancel()
        end = time.perf_counter() if duration_s is None else min(time.perf_counter(),
                                                                   window_start + duration_s)
        result.duration_s = max(1e-9, end - window_start)
        result.client_cpu_s = time.process_time() - cpu_start
        self._current, self._measuring = self.outside, True
        return result

    async def drain(self, *, max_rounds: int = 20, concurrency: int = 64) -> bool:
        """Sessions without new work until every device has delivered everything (records
        answered, files complete, audit acknowledged, lookups answered), then one more
        pull for each so every device sees its unit-mates' last records. True when
        everything was delivered."""
        gate = asyncio.Semaphore(concurrency)

        async def one(dev: _Device, pull_only: bool) -> None:
            async with gate:
                try:
                    if pull_only:
                        await self._pull(dev)
                    else:
                        await self._session(dev, new_work=False)
                except SessionFailed:
                    pass

        for _ in range(max_rounds):
            todo = [d for d in self.devices if not d.journal.delivered()]
            if not todo:
                break
            await asyncio.gather(*(one(d, False) for d in todo))
        for _ in range(max_rounds):
            before = {d.device_id: d.journal.cursor for d in self.devices}
            try:
                await asyncio.gather(*(one(d, True) for d in self.devices))
            except SessionFailed:
                continue
            if all(d.journal.cursor == before[d.device_id] for d in self.devices):
                break
        return all(d.journal.delivered() for d in self.devices)

    # == one session ======================================================================
    async def _session(self, dev: _Device, *, new_work: bool, deadline: float = math.inf) -> None:
        t0 = time.perf_counter()
        current, measuring = self._current, self._measuring
        if new_work:
            self._make_work(dev)
        try:
            await self._push(dev)
            await self._upload(dev)
            await self._lookups(dev)
            await self._pull(dev)
            await self._audit(dev)
            if self.mix.roster:
                await self._call(dev, "roster", "GET", "/roster", expect=(200,))
        except SessionFailed:
            dev.journal.failed_sessions += 1
            if measuring:
                current.failed_sessions += 1
            return
        dev.journal.sessions += 1
        dev.officer_turn += 1
        finished_in_time = asyncio.get_running_loop().time() < deadline
        if measuring and self._measuring and current is self._current and finished_in_time:
            current.sessions += 1
            self._op("session").latencies.append(time.perf_counter() - t0)

    def _make_work(self, dev: _Device) -> None:
        rng, mix, dj = dev.rng, self.mix, dev.journal
        officer = dev.officer

        def audit(action: str, details: dict[str, Any]) -> None:
            content.audit_event(dj.audit, device_id=dev.device_id, officer=officer, action=action, details=details,
                                event_id=content.uuid_from(rng))

        audit("sync.started", {"session": dj.sessions + dj.failed_sessions + 1})
        for _ in range(_poisson(rng, mix.visits)):
            anomaly = rng.random() < mix.anomaly_share
            invalid = not anomaly and rng.random() < mix.invalid_share
            photos = [content.photo(rng, mix.photo_bytes)] if anomaly else []
            payload = content.visit(rng, home=rng.choice(dev.seat.homes), officer=officer, anomaly=anomaly,
                                    photos=photos, invalid=invalid)
            self._write(dev, VISITS, payload, officer, photos, expected="rejected" if invalid else "applied")
            audit("holiday_watch.visit_logged", {"visit": payload["id"], "anomaly": anomaly})
        for _ in range(_poisson(rng, mix.statements)):
            photo = content.photo(rng, mix.photo_bytes)
            sigs = (content.signature_png(rng, mix.signature_bytes), content.signature_png(rng, mix.signature_bytes))
            pdf = content.pdf(rng, mix.pdf_bytes)
            payload = content.statement(rng, device_id=dev.device_id, officer=officer, unit=dev.seat.unit,
                                        private_key=dev.private_key, public_key=dev.public_key, photo_file=photo,
                                        signatures=sigs, pdf_file=pdf)
            self._write(dev, STATEMENTS, payload, officer, [photo, *sigs, pdf])
            audit("statements.statement_signed", {"statement": payload["id"], "seal": payload["seal"]["sha256"]})
        for _ in range(_poisson(rng, mix.lookups)):
            q = rng.choice(self.queries)
            entry = LookupEntry(query_id=content.uuid_from(rng), officer=officer, reason=rng.choice(content.REASONS),
                                text=q.text, expected_record=q.expected)
            dj.lookups[entry.query_id] = entry
            audit("lookup.query", {"query_id": entry.query_id, "reason": entry.reason})

    def _write(self, dev: _Device, collection: str, payload: dict[str, Any], officer: str,
               files: list[content.File], *, expected: str = "applied") -> None:
        entry = RecordEntry(collection=collection, record_id=payload["id"], mutation_id=content.uuid_from(dev.rng),
                            version=str(dev.clock.now()), officer=officer, payload=payload, expected=expected,
                            files=[f.sha256 for f in files])
        dev.journal.records[entry.record_id] = entry
        for f in files:
            dev.files[f.sha256] = f
            chunks = max(1, math.ceil(len(f.data) / self.mix.chunk_bytes))
            dev.journal.attachments.setdefault(f.sha256, AttachmentEntry(
                sha256=f.sha256, size=len(f.data), media_type=f.media_type, chunk_count=chunks,
                record_id=entry.record_id))

    # -- the steps ----------------------------------------------------------------------
    async def _push(self, dev: _Device) -> None:
        pending = [r for r in dev.journal.records.values() if r.status is None]
        for i in range(0, len(pending), protocol.MAX_PUSH_BATCH):
            batch = pending[i:i + protocol.MAX_PUSH_BATCH]
            body = {"mutations": [{"mutation_id": r.mutation_id, "collection": r.collection, "record_id": r.record_id,
                                   "version": r.version, "base_version": None, "tombstone": False,
                                   "payload": r.payload, "officer": r.officer, "resolves": []} for r in batch]}
            for r in batch:
                r.attempts += 1
            resp = await self._call(dev, "push", "POST", "/sync/push", body=body, expect=(200,))
            by_id = {r.mutation_id: r for r in batch}
            for res in _json_of(resp, self._op("push"))["results"]:
                r = by_id[res["mutation_id"]]
                r.status, r.reason_code = res["status"], res.get("reason_code")
                r.server_seq, r.replayed = res.get("server_seq"), bool(res.get("replayed"))
            if self._measuring:
                self._current.records += len(batch)

    async def _upload(self, dev: _Device) -> None:
        for att in list(dev.journal.attachments.values()):
            if att.complete:
                continue
            owner = dev.journal.records.get(att.record_id)
            if owner is None or owner.status not in ("applied", "duplicate"):
                continue  # files follow their record (a refused record's files are never sent)
            data = dev.files[att.sha256].data
            att.attempts += 1
            status = _json_of(await self._call(dev, "att_status", "GET", f"/attachments/{att.sha256}", expect=(200,)),
                              self._op("att_status"))
            if not status["complete"]:
                have = set(status["received"])
                size = self.mix.chunk_bytes
                for idx in range(att.chunk_count):
                    if idx in have:
                        continue
                    await self._call(dev, "chunk", "PUT", f"/attachments/{att.sha256}/chunks/{idx}",
                                     content=data[idx * size:(idx + 1) * size],
                                     headers={"Content-Type": "application/octet-stream"}, expect=(200,))
                r = await self._call(dev, "complete", "POST", f"/attachments/{att.sha256}/complete",
                                     body={"size": att.size, "chunk_count": att.chunk_count,
                                           "media_type": att.media_type}, expect=(200, 422))
                if r.status_code == 422:  # hash_mismatch, chunks_missing: HQ dropped them; send again
                    raise SessionFailed(f"attachment {att.sha256}: {_code(r)}")
            att.complete = True
            dev.files.pop(att.sha256, None)
            if self._measuring:
                self._current.attachments += 1
                self._current.attachment_bytes += att.size

    async def _lookups(self, dev: _Device) -> None:
        for q in list(dev.journal.lookups.values()):
            if q.answered:
                continue
            body = {"query_id": q.query_id, "officer": q.officer, "reason": q.reason, "text": q.text,
                    "asked_at_ms": int(time.time() * 1000), "position": {"lat": 43.7764, "lon": 7.5048,
                                                                          "accuracy": 12}}
            q.attempts += 1
            try:
                r = await self._call(dev, "lookup", "POST", "/m/lookup/search", body=body,
                                     expect=(200, 403, 409, 422))
            except _Deferred:  # the officer's rate: the query stays queued
                q.status = 429
                continue
            q.answered, q.status = True, r.status_code
            if r.status_code != 200:  # refused for good (counted as an error by _call)
                continue
            answer = _json_of(r, self._op("lookup"))
            q.replayed = bool(answer.get("replayed"))
            hits = answer.get("hits", [])
            q.hits = len(hits)
            if q.expected_record:
                q.found_expected = any(f"{h['file']}/{h['record_id']}" == q.expected_record for h in hits)
            if self._measuring:
                self._current.lookups += 1

    async def _pull(self, dev: _Device) -> None:
        dj = dev.journal
        while True:
            params = {"since": dj.cursor, "limit": protocol.DEFAULT_PULL_LIMIT, "exclude_own": "true"}
            r = await self._call(dev, "pull", "GET", "/sync/pull", params=params, expect=(200,))
            page = _json_of(r, self._op("pull"))
            if dj.epoch is not None and page["epoch"] != dj.epoch:
                dj.epoch, dj.cursor = page["epoch"], 0  # HQ was reset: start again
                dj.pulled.clear()
                continue
            dj.epoch = page["epoch"]
            for ch in page["changes"]:
                dev.clock.observe(ch["version"])
                dj.pulled[f"{ch['collection']}/{ch['record_id']}"] = ("-" if ch["tombstone"] else "") + ch["version"]
            dj.cursor = page["next_cursor"]
            if self._measuring:
                self._current.pulled += len(page["changes"])
            if not page["has_more"]:
                return

    async def _audit(self, dev: _Device) -> None:
        dj = dev.journal
        while dj.audit_acked < len(dj.audit):
            events = dj.audit[dj.audit_acked:dj.audit_acked + protocol.MAX_AUDIT_BATCH]
            r = await self._call(dev, "audit", "POST", "/audit/push", body={"events": events}, expect=(200,))
            chain = _json_of(r, self._op("audit"))["chain"]
            dj.audit_chain_ok = bool(chain["ok"])
            acked = int(chain["last_seq"])
            if acked < events[-1]["seq"]:
                raise SessionFailed(f"audit: HQ holds up to {acked}, sent up to {events[-1]['seq']}")
            dj.audit_acked = acked
            if self._measuring:
                self._current.audit_events += len(events)

    # == HTTP ==============================================================================
    def _op(self, name: str) -> OpStats:
        op = self._current.ops.get(name)
        if op is None:
            op = self._current.ops[name] = OpStats(name)
        return op

    async def _call(self, dev: _Device, op: str, method: str, path: str, *, body: Any = None,
                    content: bytes | None = None, params: dict[str, Any] | None = None,
                    headers: dict[str, str] | None = None, expect: tuple[int, ...] = (200,)) -> httpx.Response:
        """One request, retried on network errors, timeouts and 5xx; returns the response
        when its status is in ``expect``. A 429 raises :class:`_Deferred`; any other status,
        or retries exhausted, :class:`SessionFailed`."""
        assert dev.client is not None
        hdrs = dict(headers or {})
        data = content
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
            if len(data) > GZIP_FROM:
                data = gzip.compress(data, compresslevel=5)
                hdrs["Content-Encoding"] = "gzip"
        stats = self._op(op)
        for attempt in range(self.retries + 1):
            if attempt:
                delay = min(self.backoff_max_s, self.backoff_s * 2 ** (attempt - 1))
                await asyncio.sleep(delay * (0.5 + dev.rng.random()))
            t0 = time.perf_counter()
            try:
                r = await dev.client.request(method, path, content=data, params=params, headers=hdrs)
            except httpx.TimeoutException:
                self._count_error(stats, "timeout")
                continue
            except httpx.TransportError as exc:
                self._count_error(stats, "network:" + type(exc).__name__)
                continue
            elapsed = time.perf_counter() - t0
            if self._measuring:
                self._current.requests += 1
            if r.status_code in expect and r.status_code < 400:
                if self._measuring:
                    stats.latencies.append(elapsed)
                return r
            self._count_error(stats, f"{r.status_code}:{_code(r)}")
            if r.status_code in expect:
                return r
            if r.status_code >= 500:
                continue
            if r.status_code == 429:
                raise _Deferred()
            raise SessionFailed(f"{method} {path}: {r.status_code} {r.text[:200]}")
        raise SessionFailed(f"{method} {path}: no answer after {self.retries + 1} attempts")

    def _count_error(self, stats: OpStats, kind: str) -> None:
        # Errors count in the warm-up too: none may go unseen.
        stats.errors[kind] += 1


def _code(r: httpx.Response) -> str:
    try:
        return str(r.json()["error"]["detail"]["code"])
    except (ValueError, KeyError, TypeError):
        return "?"


def _json_of(r: httpx.Response, stats: OpStats) -> Any:
    try:
        return r.json()
    except ValueError as exc:  # a body cut short by the network
        stats.errors["bad_body"] += 1
        raise SessionFailed(f"unreadable answer: {exc}") from None


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
