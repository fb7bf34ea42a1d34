"""A stand-in for the lookup service with the same interface and the service's own data
classes, for page tests that need exact control (an answer arriving on a worker thread,
a failing provider card). The main path is tested against the real service and a real HQ
in test_page_live.py."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from neo.modules.lookup.service import REASON_LABELS, Card, Hit, LookupInputError, Outcome, Preview, ResultAction

WANTED = Hit(file="wanted_persons", record_id="W00000042", score=0.97, severity="alert", matched=("name", "birth_date"),
             instruction="Interpeller et conduire devant l'OPJ ; individu susceptible d'être armé",
             payload={"surname": "DUPONT", "given_names": ["Jean"], "birth_date": "1985-03-12"},
             updated_at=datetime(2026, 11, 20, 8, 30, tzinfo=UTC), source="hq",
             file_label="Fichier des personnes recherchées")
PERSON = Hit(file="persons", record_id="P00000042", score=0.97, severity="info", matched=("name", "birth_date"),
             instruction=None, payload={"surname": "DUPONT", "given_names": ["Jean"], "birth_date": "1985-03-12"},
             updated_at=datetime(2026, 10, 1, 12, 0, tzinfo=UTC), source="hq", file_label="État civil")
LICENCE = Hit(file="driving_licences", record_id="L00000042", score=0.9, severity="warning", matched=("name",),
              instruction=None, payload={"status": "suspendu"}, updated_at=datetime(2026, 9, 1, tzinfo=UTC),
              source="hq", file_label="Permis de conduire")


def card_for(hit: Hit) -> Card:
    lines = (("Nom", "DUPONT"), ("Prénoms", "Jean"), ("Né le", "12/03/1985 à Nice (06)"))
    return Card(title="DUPONT Jean", subtitle="né le 12/03/1985 à Nice", lines=lines, severity=hit.severity,
                instruction=hit.instruction, file_label=hit.file_label,
                updated_label=f"Mis à jour le {hit.updated_at:%d/%m/%Y}" if hit.updated_at else "",
                source_label="HQ (en direct)" if hit.source == "hq" else "Appareil")


class FakeService:
    """``online`` decides whether a search is answered or queued; ``answers`` maps an entry
    to its hits. Records the searches asked."""

    def __init__(self, tr: Callable[..., str] = lambda s, **k: s.format(**k) if k else s) -> None:
        self.tr = tr
        self.online = True
        self.answers: dict[str, list[Hit]] = {"dupont jean 12/03/1985": [PERSON, LICENCE, WANTED]}
        self.searched: list[dict[str, Any]] = []
        self.queue: list[Outcome] = []
        self.done: list[Outcome] = []
        self.subscribers: list[Callable[[Outcome], None]] = []
        self.actions_offered: list[ResultAction] = []
        self.gate: threading.Event | None = None  # set: search() waits for it (a slow HQ)
        self.clock = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
        self.hotlist: list[str] = []

    def reasons(self) -> list[tuple[str, str]]:
        return [(code, self.tr(text)) for code, text in REASON_LABELS]

    def preview(self, text: str) -> Preview:
        if text.upper().replace("-", "").replace(" ", "") == "AB123CD":
            return Preview("plate", "Plaque SIV AB-123-CD", None, (), True)
        if text.upper().startswith("ZZ-000"):
            return Preview("plate", "Plaque SIV ZZ-000-ZZ", "Plaque impossible : le numéro 000 n'est jamais attribué.",
                           (), True)
        return Preview("person", "Nom + date de naissance", None, (), True)

    def search(self, *, text: str | None = None, fields: dict[str, str] | None = None, reason: str,
               reason_text: str = "") -> Outcome:
        if reason == "autre" and not reason_text:
            raise LookupInputError("Précisez le motif.", "reason_text")
        if text == "???":
            raise LookupInputError("Saisie vide ou non reconnue.", "text")
        if self.gate is not None:
            self.gate.wait(10)
        self.searched.append({"text": text, "fields": fields, "reason": reason, "reason_text": reason_text})
        self.clock += timedelta(minutes=1)
        key = text if text is not None else " ".join((fields or {}).values())
        outcome = Outcome(query_id=str(uuid.uuid4()), status="answered" if self.online else "queued",
                          hits=list(self.answers.get(key, [])) if self.online else [],
                          interpretations=["person"], problem=None,
                          message=None if self.online else "HQ injoignable : requête mise en attente.",
                          hotlist=[] if self.online else list(self.hotlist), asked_at=self.clock,
                          answered_at=self.clock if self.online else None, entry=text if text is not None else fields,
                          reason=reason, reason_text=reason_text, officer="100001",
                          searched=["wanted_persons", "persons", "stolen_vehicles"])
        (self.done if self.online else self.queue).append(outcome)
        return outcome

    def pending(self) -> list[Outcome]:
        return list(self.queue)

    def drain(self) -> list[Outcome]:
        if not self.online:
            return []
        answered = []
        for queued in list(self.queue):
            key = queued.entry if isinstance(queued.entry, str) else ""
            outcome = Outcome(**{**queued.__dict__, "status": "answered", "hits": list(self.answers.get(key, [])),
                                 "hotlist": [], "message": None, "answered_at": self.clock})
            self.queue.remove(queued)
            self.done.append(outcome)
            answered.append(outcome)
            for cb in list(self.subscribers):
                cb(outcome)
        return answered

    def history(self, limit: int = 50, *, text: str | None = None) -> list[Outcome]:
        items = [*self.done, *self.queue]
        items.sort(key=lambda o: o.asked_at, reverse=True)
        if text:
            items = [o for o in items if text.lower() in str(o.entry).lower()]
        return items[:limit]

    def get(self, query_id: str) -> Outcome | None:
        return next((o for o in [*self.done, *self.queue] if o.query_id == query_id), None)

    def subscribe(self, callback: Callable[[Outcome], None]) -> Callable[[], None]:
        self.subscribers.append(callback)
        return lambda: self.subscribers.remove(callback) if callback in self.subscribers else None

    def card(self, hit: Hit) -> Card:
        return card_for(hit)

    def files(self) -> list[tuple[str, str]]:
        return [("wanted_persons", "Fichier des personnes recherchées"), ("persons", "État civil"),
                ("stolen_vehicles", "Véhicules volés")]

    def actions(self, hit: Hit) -> list[ResultAction]:
        return list(self.actions_offered)

    def close(self) -> None:
        self.subscribers.clear()
