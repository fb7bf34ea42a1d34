"""How well the search finds what an officer means: recall at k and precision of the first
hit over the demo generator's labelled messy queries (``neo.modules.lookup.demo.messy``).

A query is *found* when its record is among the first ``k`` hits; its first hit is
*right* when it is that record or one of the records that rightly match the same query
(``also``: the same person's other files, the registration behind a stolen vehicle…).
Used by the ``lookup.quality`` benchmark and by a test that guards against regressions.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from neo import protocol
from neo.hq.lookup.search import search
from neo.hq.storage import Database
from neo.modules.lookup.demo import FILES, MessyQuery

__all__ = ["Quality", "evaluate"]


@dataclass
class Quality:
    n: int = 0
    found: int = 0
    first_right: int = 0
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [n, found, first right]
    misses: list[dict[str, Any]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.n if self.n else 0.0

    @property
    def precision_at_1(self) -> float:
        return self.first_right / self.n if self.n else 0.0


def request_for(text: str, limit: int = 10) -> protocol.LookupRequest:
    return protocol.LookupRequest(query_id=str(uuid.uuid4()), officer="10000001", reason="controle_routier",
                                  text=text, asked_at_ms=0, limit=limit)


def evaluate(db: Database, queries: Sequence[MessyQuery], files: Sequence[str] = FILES, *, k: int = 10,
             today: date | None = None) -> Quality:
    q = Quality()
    for mq in queries:
        result = search(db, request_for(mq.query, k), files, today=today)
        ids = [h.record_id for h in result.hits[:k]]
        found = mq.record_id in ids
        right = bool(ids) and (ids[0] == mq.record_id or ids[0] in mq.also)
        q.n += 1
        q.found += found
        q.first_right += right
        counts = q.by_kind.setdefault(mq.kind, [0, 0, 0])
        counts[0] += 1
        counts[1] += found
        counts[2] += right
        if not found:
            q.misses.append({"query": mq.query, "kind": mq.kind, "mess": list(mq.mess), "want": mq.record_id,
                             "clean": mq.clean, "got": ids[:3], "read_as": result.interpretations})
    return q
