"""The sync engine: one run pushes what the device wrote, uploads its files, pulls what
HQ has, sends the audit trail and refreshes the roster.

``SyncEngine(session, client, replica).run_once()`` does one run and returns a
:class:`SyncReport`. It only uses ``Store.write``/``Store.read`` (through the replica and
the audit log) and the HTTP client, so it runs on any thread but the UI's. Every step
is safe to interrupt (network loss, process killed): the outbox, the pull cursor and
the audit acknowledgement are written in the same transactions as the data they
describe, and HQ's answers are idempotent, so the next run resumes.

Order of a run:

0. priority — entries written with priority (``put(..., priority=True)``: a holiday-watch
   anomaly) are pushed first, before any file, so HQ sees them even when a long upload
   follows; if they do not get through, step 2 sends them again (same mutation ids);
1. attachments — files first, so a record never reaches HQ before the file it names;
2. push — the outbox in batches (at most 1000 mutations, 7 MiB), in order; while HQ
   handles batch *k* the writer thread claims batch *k+1* and applies the answer of
   *k-1*; a batch refused as malformed is split to isolate the culprit, which is marked
   rejected; a batch too large is split;
3. pull — pages since the cursor until ``has_more`` is false, each page applied with its
   cursor in one transaction (the next page is fetched while the previous is applied);
   HQ leaves out the records whose current version this device wrote (``exclude_own``:
   the device holds them); a new HQ epoch restarts from 0, taking everything HQ has;
4. conflicts — when the device holds conflicts, HQ's open conflicts settle the ones
   resolved elsewhere and fill in HQ's side;
5. audit — a ``sync.run`` event, then the device's audit events HQ has not acknowledged;
6. roster — handed to ``on_roster`` (the vault disables officers no longer allowed).

``DeviceRevoked`` is never caught: the caller audits and wipes the device.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from neo import protocol
from neo.i18n import tr
from neo.replica import MAX_BATCH_BYTES, ClaimedBatch, PullTally, PushTally, Replica
from neo.sync.errors import DeviceRevoked, SyncError
from neo.sync.transport import HqClient, parse_pull, parse_push, pull_tail

if TYPE_CHECKING:
    from neo.vault import Session

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int | None], None]
META_AUDIT_ACKED = "audit_acked_seq"
PHASES = ("priority", "attachments", "push", "pull", "conflicts", "audit", "roster")


@dataclass
class SyncReport:
    """What one run did. ``ok`` is false when a phase failed (``errors`` says which, with
    the error kind); the data stays on the device and the next run resumes."""

    started_at: str = ""
    pushed: int = 0
    acknowledged: int = 0
    rejected: int = 0
    conflicts: int = 0
    pulled: int = 0
    applied: int = 0
    attachments: int = 0
    audit_events: int = 0
    roster: int | None = None
    pending: int = 0
    epoch_changed: bool = False
    duration_s: float = 0.0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "started_at": self.started_at, "pushed": self.pushed, "acknowledged": self.acknowledged,
            "rejected": self.rejected, "conflicts": self.conflicts, "pulled": self.pulled, "applied": self.applied,
            "attachments": self.attachments, "audit_events": self.audit_events, "roster": self.roster,
            "pending": self.pending, "epoch_changed": self.epoch_changed,
            "duration_s": round(self.duration_s, 3), "errors": self.errors,
        }


class SyncEngine:
    def __init__(self, session: Session, client: HqClient, replica: Replica, *, batch: int = protocol.MAX_PUSH_BATCH,
                 pull_limit: int = protocol.DEFAULT_PULL_LIMIT, audit_batch: int = 1000,
                 max_batch_bytes: int = MAX_BATCH_BYTES, progress: Progress | None = None,
                 on_roster: Callable[[list[protocol.RosterEntry]], None] | None = None,
                 exclude_own: bool = True) -> None:
        if not 1 <= batch <= protocol.MAX_PUSH_BATCH:
            raise ValueError(f"batch must be 1..{protocol.MAX_PUSH_BATCH}")
        if not 1 <= pull_limit <= protocol.MAX_PULL_LIMIT:
            raise ValueError(f"pull_limit must be 1..{protocol.MAX_PULL_LIMIT}")
        self.session = session
        self.client = client
        self.replica = replica
        self.batch = batch
        self.pull_limit = pull_limit
        self.audit_batch = max(1, min(audit_batch, protocol.MAX_AUDIT_BATCH))
        self.max_batch_bytes = max_batch_bytes
        self.progress = progress
        self.on_roster = on_roster
        self.exclude_own = exclude_own
        """Ask HQ to leave out of pulls the records whose current version this device wrote."""
        self._run_lock = threading.Lock()

    @property
    def store(self) -> Any:
        return self.replica.store

    def _progress(self, phase: str, done: int, total: int | None) -> None:
        if self.progress is None:
            return
        try:
            self.progress(phase, done, total)
        except Exception:  # a broken progress display must not break the sync
            log.exception("progress callback failed")

    # == one run ==========================================================================
    def run_once(self) -> SyncReport:
        """One full sync. Runs one at a time (a second caller waits for the first)."""
        with self._run_lock:
            report = SyncReport(started_at=datetime.now(UTC).isoformat(timespec="seconds"))
            t0 = time.monotonic()
            steps: list[tuple[str, Callable[[SyncReport], None]]] = [
                ("priority", self._push_priority), ("attachments", self._attachments), ("push", self._push),
                ("pull", self._pull),
                ("conflicts", self._conflicts), ("audit", self._audit), ("roster", self._roster),
            ]
            audited = False
            try:
                for phase, step in steps:
                    if phase == "audit":
                        self._audit_run(report, time.monotonic() - t0)
                        audited = True
                    try:
                        step(report)
                    except DeviceRevoked as exc:
                        report.errors.append({"phase": phase, **exc.as_dict()})
                        raise
                    except SyncError as exc:
                        log.warning("sync %s failed: %s", phase, exc)
                        report.errors.append({"phase": phase, **exc.as_dict()})
                        if phase in ("attachments", "conflicts", "audit") and exc.kind not in ("network", "auth"):
                            continue  # these do not hold the others back
                        break
            finally:
                report.duration_s = time.monotonic() - t0
                try:
                    report.pending = self.replica.pending_count()
                    now_ms = str(int(time.time() * 1000))
                    meta = {"last_sync_ms": now_ms, "last_sync_ok": "1" if report.ok else "0"}
                    if report.ok:
                        meta["last_success_ms"] = now_ms  # kept when a later run fails
                    self.replica.set_meta(meta)
                    if not audited:
                        self._audit_run(report, report.duration_s)
                except Exception:
                    log.debug("could not record the end of the sync", exc_info=True)
            return report

    def _audit_run(self, report: SyncReport, elapsed: float) -> None:
        details = {k: v for k, v in report.as_dict().items()
                   if k in ("pushed", "acknowledged", "rejected", "conflicts", "pulled", "attachments")}
        if report.errors:
            details["errors"] = [{"phase": e["phase"], "kind": e["kind"], "code": e.get("code")}
                                 for e in report.errors]
        details["seconds"] = round(elapsed, 2)
        action = "sync.run" if report.ok else "sync.failed"
        self.session.audit.append(action, officer=self.session.officer.service_number, details=details)

    # == attachments =========================================================================
    def _attachments(self, report: SyncReport) -> None:
        from neo.store import sync_sql

        pending = self.store.read(lambda c: sync_sql.attachments_in_state(c, "pending"))
        if not pending:
            return
        self._progress("attachments", 0, len(pending))
        for i, sha in enumerate(pending, start=1):
            try:
                self._upload(sha)
                report.attachments += 1
            except DeviceRevoked:
                raise
            except SyncError as exc:
                if exc.kind in ("network", "auth", "server"):
                    raise
                log.warning("attachment %s refused: %s", sha, exc)
                report.errors.append({"phase": "attachments", "sha256": sha, **exc.as_dict()})
                self.store.write(lambda c, sha=sha, exc=exc: sync_sql.attachment_set_state(
                    c, sha, "failed", error=f"{exc.code}: {exc.message}"))
            self._progress("attachments", i, len(pending))

    def _upload(self, sha: str) -> None:
        from neo.store import sync_sql

        meta = self.replica.attachment_info(sha)
        if meta is None:
            return
        status = self.client.attachment_status(sha)
        for attempt in range(2):
            if not status.complete:
                have = set(status.received)
                for idx in range(meta["chunk_count"]):
                    if idx in have:
                        continue
                    data = self.store.read(lambda c, idx=idx: sync_sql.attachment_chunk(c, sha, idx))
                    if data is None:
                        raise SyncError("rejected", tr("Pièce jointe incomplète sur l'appareil."),
                                        {"code": "local_chunk_missing"})
                    self.client.put_chunk(sha, idx, data)
                try:
                    status = self.client.complete_attachment(sha, size=meta["size"], chunk_count=meta["chunk_count"],
                                                             media_type=meta["media_type"])
                except SyncError as exc:
                    if exc.code in ("hash_mismatch", "chunks_missing") and attempt == 0:
                        # HQ dropped our chunks (hash) or lacks some: ask what it has and resend.
                        status = self.client.attachment_status(sha)
                        continue
                    raise
            break
        self.store.write(lambda c: sync_sql.attachment_set_state(c, sha, "complete",
                                                                 uploaded_ms=int(time.time() * 1000)))

    # == push ===============================================================================
    def _push_priority(self, report: SyncReport) -> None:
        """Push the entries written with priority, before any file or other entry."""
        last: list[int] | None = None
        while True:
            batch = self.store.write(lambda c: self.replica.claim_tx(c, 0, self.batch, self.max_batch_bytes,
                                                                     priority=True))
            if batch is None or batch.seqs == last:  # nothing (left) to send, or nothing moved
                return
            last = batch.seqs
            self._progress("push", 0, len(batch))
            for part, raw, rejected in self._send(batch, *self.client.compress(batch.body)):
                tally = self.store.write(lambda c, p=part, r=raw, j=rejected: self._apply_answer(c, p, r, j))
                self._tally(report, tally)
            report.pushed += len(batch)

    def _claim(self, after: int) -> Future[tuple[ClaimedBatch, bytes, bool] | None]:
        """(Queued on the writer) claim the batch after ``after`` and compress its body,
        ahead of sending it."""

        def task(conn: Any) -> tuple[ClaimedBatch, bytes, bool] | None:
            batch = self.replica.claim_tx(conn, after, self.batch, self.max_batch_bytes)
            if batch is None:
                return None
            wire, packed = self.client.compress(batch.body)
            return batch, wire, packed

        return self.store.submit(task)

    def _push(self, report: SyncReport) -> None:
        total = self.replica.pending_count()
        self._progress("push", 0, total)
        if total == 0:
            return
        claim = self._claim(0)
        applied: list[Future[PushTally]] = []
        done = 0
        try:
            while True:
                claimed = claim.result()
                if claimed is None:
                    break
                batch, wire, packed = claimed
                # Claim the next batch while this one travels (the writer thread is idle meanwhile).
                claim = self._claim(batch.last)
                try:
                    answers = self._send(batch, wire, packed)
                except BaseException as exc:
                    nxt = claim.result()
                    claim = _done(None)
                    if nxt is not None:
                        self.replica.unclaim(nxt[0])
                    if isinstance(exc, SyncError) and exc.code in ("connect", "tls"):
                        self.replica.unclaim(batch)  # it never left the device
                    raise
                report.pushed += len(batch)
                for part, raw, rejected in answers:
                    applied.append(self.store.submit(
                        lambda c, p=part, r=raw, j=rejected: self._apply_answer(c, p, r, j)))
                # Settle answers as they are applied (never more than one batch behind).
                while len(applied) > 1:
                    self._tally(report, applied.pop(0).result())
                done += len(batch)
                self._progress("push", done, max(total, done))
        finally:
            for fut in applied:
                self._tally(report, fut.result())

    def _apply_answer(self, conn: Any, part: ClaimedBatch, raw: bytes | None, rejected: str | None) -> PushTally:
        """(On the writer) parse HQ's answer to one batch and apply it."""
        if rejected is not None:
            return self.replica.apply_results_tx(conn, part, _local_rejections(part, rejected),
                                                 local_reason_code="invalid")
        results = parse_push(raw or b"").results
        if len(results) != len(part) or any(r.mutation_id != m for r, m in zip(results, part.mutation_ids,
                                                                                 strict=True)):
            raise SyncError("server", tr("Réponse du QG illisible."),
                            {"code": "bad_response", "sent": len(part), "answered": len(results)})
        return self.replica.apply_results_tx(conn, part, results)

    @staticmethod
    def _tally(report: SyncReport, tally: PushTally) -> None:
        report.acknowledged += tally.acknowledged
        report.rejected += tally.rejected
        report.conflicts += tally.conflicts

    def _send(self, batch: ClaimedBatch, wire: bytes, packed: bool
              ) -> list[tuple[ClaimedBatch, bytes | None, str | None]]:
        """Push one batch; split it when HQ finds it malformed (422/400) or too large (413).
        Returns (part, HQ's raw answer, or the reason of a local rejection) per part sent."""
        try:
            return [(batch, self.client.push_bytes(wire, gzipped=packed), None)]
        except DeviceRevoked:
            raise
        except SyncError as exc:
            splittable = (exc.kind == "too_large") or (exc.kind == "rejected" and exc.status in (400, 422))
            if not splittable:
                raise
            if len(batch) == 1:
                return [(batch, None, exc.message)]
            if exc.kind == "too_large":
                self.batch = max(1, len(batch) // 2)
            out: list[tuple[ClaimedBatch, bytes | None, str | None]] = []
            for part in batch.split():
                out += self._send(part, *self.client.compress(part.body))
            return out

    # == pull ===============================================================================
    def _pull(self, report: SyncReport) -> None:
        since, epoch = self.replica.cursor()
        self._progress("pull", 0, None)
        # After an epoch change HQ's copy of our own records may differ from ours (a
        # restored database): that run takes everything HQ has, own writes included.
        exclude_own = self.exclude_own

        def fetch(cursor: int) -> bytes:
            return self.client.pull_bytes(cursor, self.pull_limit, exclude_own=exclude_own)

        raw = fetch(since)
        while True:
            page: protocol.PullResponse | None = None
            tail = pull_tail(raw)
            if tail is None:  # not laid out as expected: parse it whole here
                page = parse_pull(raw)
                tail = (page.next_cursor, page.has_more, page.epoch)
            next_cursor, has_more, page_epoch = tail
            if epoch is not None and page_epoch != epoch:
                # HQ's database changed (reset or replaced): start again from nothing.
                log.warning("HQ epoch changed (%s -> %s): pulling from 0", epoch, page_epoch)
                self.replica.reset_cursor(page_epoch)
                report.epoch_changed = True
                epoch, since = page_epoch, 0
                exclude_own = False
                raw = fetch(0)
                continue
            epoch = page_epoch
            fut: Future[PullTally | None] = self.store.submit(
                lambda c, s=since, r=raw, p=page, t=tail: self._apply_page(c, s, r, p, t))
            next_raw: bytes | None = None
            try:
                if has_more:  # the next page travels while the writer parses and applies this one
                    next_raw = fetch(next_cursor)
            finally:
                tally = fut.result()
            if tally is None:
                # Someone else (another sync) applied this page and moved the cursor.
                since, epoch = self.replica.cursor()
                raw = fetch(since)
                continue
            report.pulled += tally.received
            report.applied += tally.applied
            report.conflicts += tally.conflicts
            self._progress("pull", report.pulled, None)
            if next_raw is None:
                break
            since, raw = next_cursor, next_raw

    def _apply_page(self, conn: Any, since: int, raw: bytes, page: protocol.PullResponse | None,
                    tail: tuple[int, bool, str]) -> PullTally | None:
        """(On the writer) parse a pulled page if not done yet, and apply it with its cursor."""
        if page is None:
            page = parse_pull(raw)
            if (page.next_cursor, page.has_more, page.epoch) != tail:
                raise SyncError("server", tr("Réponse du QG illisible."), {"code": "bad_response"})
        return self.replica.apply_pull_tx(conn, since, page.changes, page.next_cursor, page.epoch)

    # == conflicts ===========================================================================
    def _conflicts(self, report: SyncReport) -> None:
        if not self.replica.conflicts():
            return
        self._progress("conflicts", 0, None)
        settled = self.replica.reconcile_conflicts(self.client.conflicts())
        self._progress("conflicts", settled, None)

    # == audit ===============================================================================
    def _audit(self, report: SyncReport) -> None:
        acked_text = self.replica.meta(META_AUDIT_ACKED).get(META_AUDIT_ACKED)
        if acked_text is None:
            # First push from this device: resume where HQ stands (never past the device's own trail).
            acked = min(self.client.audit_chain().last_seq, self.session.audit.count())  # seqs are 1..count
        else:
            acked = int(acked_text)
        events = self.session.audit.events(after_seq=acked)
        total = len(events)
        self._progress("audit", 0, total)
        sent = 0
        for start in range(0, total, self.audit_batch):
            chunk = events[start:start + self.audit_batch]
            self.client.audit_push([e.model_dump() for e in chunk])
            self.replica.set_meta({META_AUDIT_ACKED: str(chunk[-1].seq)})
            sent += len(chunk)
            self._progress("audit", sent, total)
        if acked_text is None and not total:
            self.replica.set_meta({META_AUDIT_ACKED: str(acked)})
        report.audit_events += sent

    # == roster ==============================================================================
    def _roster(self, report: SyncReport) -> None:
        self._progress("roster", 0, None)
        roster = self.client.roster()
        report.roster = len(roster.officers)
        if self.on_roster is not None:
            self.on_roster(list(roster.officers))
        self._progress("roster", report.roster, report.roster)


def _done(value: Any) -> Future[Any]:
    fut: Future[Any] = Future()
    fut.set_result(value)
    return fut


def _local_rejections(batch: ClaimedBatch, reason: str) -> list[protocol.MutationResult]:
    return [protocol.MutationResult(mutation_id=mid, status="rejected", reason=reason) for mid in batch.mutation_ids]
