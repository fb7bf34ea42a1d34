"""HQ's lookup service: who may search what, the query log, and answers to resent queries.

One query (:class:`~neo.protocol.LookupRequest`) from an authenticated device:

1. the officer must be on the roster of the device's unit and not disabled (403, kind
   ``auth``);
2. a query already answered (same ``query_id``) is answered again from the log with
   ``replayed: true`` and not logged twice; the same ``query_id`` from another device or
   officer is refused (409);
3. an officer sends at most ``lookup_rate_per_minute`` queries a minute (429);
4. the files searched are those asked for (all by default) that the officer's role may
   search (:attr:`HQConfig.lookup_files`); the others are listed in ``not_entitled`` and
   never searched;
5. the search (:func:`neo.hq.lookup.search.search`), then the answer and the query are
   logged in one transaction (``lookup_queries``), committed without waiting for the disk
   (the device's own audit trail, pushed to HQ, is the record that must survive).

The roster row of step 1 is cached for :data:`OFFICER_CACHE_SECONDS`.

A query refused at step 1 to 3 writes nothing.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from neo import protocol
from neo.hq.config import LOOKUP_ALL_FILES, HQConfig
from neo.hq.errors import AuthError, Conflict, Rejected, Throttled
from neo.hq.reference import FILES
from neo.hq.storage import Database
from neo.hq.storage import admin as admin_sql
from neo.hq.storage import lookup_log as log_sql
from neo.hq.storage.schema import utcnow
from neo.i18n import tr
from neo.models import normalize_service_number

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
RATE_WINDOW = 60.0
OFFICER_CACHE_SECONDS = 2.0
"""How long an officer's roster row (unit, role, disabled) is trusted without reading it
again, as for device tokens: disabling an officer through this process's
:class:`~neo.hq.service.Headquarters` takes effect at once, elsewhere within this delay."""


def check_reason(data: Any) -> None:
    """Refuse, with a sentence an officer understands, a query body whose reason is missing,
    unknown, or ``autre`` without the free text. ``data`` is the decoded JSON body (anything
    else than an object is left to the full validation)."""
    if not isinstance(data, dict):
        return
    reason = data.get("reason")
    if reason is None or reason == "":
        raise Rejected(tr("Le motif de la consultation est obligatoire."), code="reason_required",
                       reasons=list(protocol.LOOKUP_REASONS))
    if reason not in protocol.LOOKUP_REASONS:
        raise Rejected(tr("Motif de consultation inconnu."), code="reason_unknown",
                       reasons=list(protocol.LOOKUP_REASONS))
    text = data.get("reason_text", "")
    if reason == "autre" and (not isinstance(text, str) or not text.strip()):
        raise Rejected(tr("Le motif « autre » doit être précisé."), code="reason_text_required")


def _check_text(req: protocol.LookupRequest) -> None:
    texts = [req.text] + ([req.fields.mrz] if req.fields is not None else [])
    if any(t is not None and _CONTROL.search(t) for t in texts):
        raise Rejected(tr("La saisie contient des caractères de contrôle."), code="control_characters")


class RateLimiter:
    """At most ``limit`` events per key in any :data:`RATE_WINDOW` seconds (in-process)."""

    def __init__(self, limit: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._lock = threading.Lock()
        self._events: dict[str, deque[float]] = {}

    def take(self, key: str) -> float:
        """Count one event; 0.0 if allowed, else the seconds to wait (not counted)."""
        if self.limit <= 0:
            return 0.0
        now = self.clock()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and now - events[0] >= RATE_WINDOW:
                events.popleft()
            if len(events) >= self.limit:
                return RATE_WINDOW - (now - events[0])
            events.append(now)
            if len(self._events) > 10_000:
                self._events = {k: v for k, v in self._events.items() if v and now - v[-1] < RATE_WINDOW}
            return 0.0


def entitled_files(config: HQConfig, role: str) -> list[str]:
    """The reference files an officer of ``role`` may search, in :data:`FILES` order."""
    allowed = config.lookup_files.get(role, [])
    if LOOKUP_ALL_FILES in allowed:
        return list(FILES)
    return [f for f in FILES if f in allowed]


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


SearchFn = Callable[[Database, protocol.LookupRequest, Sequence[str]], Any]


def _default_search(db: Database, request: protocol.LookupRequest, files: Sequence[str]) -> Any:
    from neo.hq.lookup.search import search

    return search(db, request, files)


class LookupService:
    def __init__(self, db: Database, config: HQConfig, *, search: SearchFn | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.config = config
        self.search_fn: SearchFn = search or _default_search
        self.rate = RateLimiter(config.lookup_rate_per_minute, clock=clock)
        self.clock = clock
        self._officers: dict[str, tuple[float, dict[str, Any]]] = {}  # service number -> (clock, row)

    # -- checks ------------------------------------------------------------------------
    def forget_officers(self) -> None:
        """Drop the cached roster rows (an officer was disabled or moved in this process)."""
        self._officers.clear()

    def _officer_row(self, conn: Connection, service_number: str) -> dict[str, Any] | None:
        """The officer's roster row, read at most every :data:`OFFICER_CACHE_SECONDS`."""
        now = self.clock()
        cached = self._officers.get(service_number)
        if cached is not None and now - cached[0] < OFFICER_CACHE_SECONDS:
            return cached[1]
        row = admin_sql.officer_get(conn, service_number)
        if row is not None:
            if len(self._officers) > 10_000:
                self._officers.clear()
            self._officers[service_number] = (now, row)
        return row

    def _officer(self, conn: Connection, device_unit_id: int, service_number: str) -> dict[str, Any]:
        row = self._officer_row(conn, normalize_service_number(service_number))
        if row is None:
            raise AuthError(tr("Agent inconnu du QG."), code="officer_unknown", status=403)
        if int(row["unit_id"]) != device_unit_id:
            raise AuthError(tr("Cet agent n'appartient pas à l'unité de l'appareil."), code="officer_other_unit",
                            status=403)
        if row["disabled"]:
            raise AuthError(tr("Le compte de cet agent est désactivé."), code="officer_disabled", status=403)
        return row

    @staticmethod
    def _replay(found: dict[str, Any], device_id: str, officer: str) -> dict[str, Any]:
        if found["device_id"] != device_id or found["officer"] != officer:
            raise Conflict(tr("Cet identifiant de consultation a déjà servi pour une autre consultation."),
                           code="query_id_reused")
        answer: dict[str, Any] = json.loads(found["response"])
        answer["replayed"] = True
        return answer

    # -- the query ---------------------------------------------------------------------
    def query(self, device_id: str, device_unit_id: int, req: protocol.LookupRequest) -> dict[str, Any]:
        """Answer one query (a :class:`~neo.protocol.LookupResponse` as a dict)."""
        _check_text(req)
        officer_sn = normalize_service_number(req.officer)

        def check(conn: Connection) -> tuple[dict[str, Any], dict[str, Any] | None]:
            return self._officer(conn, device_unit_id, officer_sn), log_sql.get(conn, req.query_id)

        officer, found = self.db.read(check)
        if found is not None:
            return self._replay(found, device_id, officer_sn)
        wait = self.rate.take(officer_sn)
        if wait > 0:
            raise Throttled(tr("Trop de consultations en peu de temps. Réessayez dans {s} s.",
                               s=int(wait + 0.999)), retry_after=wait)

        entitled = entitled_files(self.config, str(officer["role"]))
        asked = list(dict.fromkeys(req.files)) if req.files is not None else entitled
        searched = [f for f in asked if f in entitled]
        not_entitled = [f for f in asked if f not in entitled]
        hits: list[protocol.LookupHit] = []
        interpretations: list[str] = []
        problem: str | None = None
        if searched:
            result = self.search_fn(self.db, req, searched)
            allowed = set(searched)
            for hit in result.hits:
                h = hit if isinstance(hit, protocol.LookupHit) else protocol.LookupHit.model_validate(hit)
                if h.file in allowed:  # never a file the officer may not search, whatever the engine did
                    hits.append(h)
            hits = hits[:req.limit]
            interpretations = list(result.interpretations)
            problem = result.problem
        else:
            problem = tr("Aucun des fichiers demandés n'est consultable par cet agent.")
        now = utcnow()
        response = protocol.LookupResponse(
            query_id=req.query_id, searched=searched, not_entitled=not_entitled, interpretations=interpretations,
            problem=problem, hits=hits, answered_at_ms=_ms(now), replayed=False,
        )
        answer = response.model_dump(mode="json")
        row = {
            "query_id": req.query_id, "device_id": device_id, "officer": officer_sn, "unit_id": device_unit_id,
            "reason": req.reason, "reason_text": req.reason_text, "query_text": req.text,
            "query_fields": (json.dumps(req.fields.model_dump(exclude_none=True), ensure_ascii=False,
                                        separators=(",", ":")) if req.fields is not None else None),
            "searched": json.dumps(searched, separators=(",", ":")),
            "lat": req.position.lat if req.position else None, "lon": req.position.lon if req.position else None,
            "accuracy": req.position.accuracy if req.position else None,
            "asked_at_ms": req.asked_at_ms, "received_at": now, "result_count": len(hits),
            "hit_refs": json.dumps([f"{h.file}/{h.record_id}" for h in hits], ensure_ascii=False,
                                   separators=(",", ":")),
            "response": json.dumps(answer, ensure_ascii=False, separators=(",", ":")),
        }

        def write(conn: Connection) -> dict[str, Any] | None:
            found = log_sql.get(conn, req.query_id)
            if found is not None:
                return found
            log_sql.insert_query(conn, row)
            return None

        try:
            # The query log is not flushed to disk at each commit (a power cut may lose the
            # last few rows; the device's own audit trail holds every query): an fsync per
            # query would cost more than the search.
            raced = self.db.write(write, flush=False)
        except IntegrityError:  # the same query arrived twice at once (PostgreSQL): the other one won
            raced = self.db.read(lambda c: log_sql.get(c, req.query_id))
            if raced is None:
                raise
        if raced is not None:
            return self._replay(raced, device_id, officer_sn)
        log.info("lookup %s by %s (%s): %d hit(s)", req.query_id, officer_sn, req.reason, len(hits))
        return answer

    # -- HQ staff ----------------------------------------------------------------------
    def log(self, *, officer: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """The latest queries, newest first (``neo-hq lookup log``)."""
        sn = normalize_service_number(officer) if officer else None
        rows = self.db.read(lambda c: log_sql.recent(c, officer=sn, limit=limit))
        out = []
        for r in rows:
            out.append({
                "query_id": r["query_id"], "received_at": r["received_at"].isoformat(timespec="seconds"),
                "asked_at_ms": int(r["asked_at_ms"]), "officer": r["officer"], "officer_name": r["officer_name"],
                "unit": r["unit"], "device_id": r["device_id"], "reason": r["reason"],
                "reason_text": r["reason_text"], "query_text": r["query_text"],
                "query_fields": json.loads(r["query_fields"]) if r["query_fields"] else None,
                "searched": json.loads(r["searched"]),
                "position": ({"lat": r["lat"], "lon": r["lon"], "accuracy": r["accuracy"]}
                             if r["lat"] is not None else None),
                "result_count": int(r["result_count"]), "hits": json.loads(r["hit_refs"]),
            })
        return out


__all__ = ["LookupService", "RateLimiter", "check_reason", "entitled_files"]
