"""The offences an officer picks in a statement, with their NATINF codes.

NATINF (*NATure d'INFraction*) is the French justice ministry's numbering of offences:
each offence has a number, an official label (*qualification*), the texts that define
it and those that punish it. ``offences.json`` is a curated list of common ones; each
entry was copied from and checked against the public NATINF table (data.gouv.fr), the
source is recorded in the file. ``short`` is this module's everyday name of the offence
(what officers type); ``label`` is the official qualification, printed on the statement.

HQ can update the list through the ``statements.offences`` collection
(``hq_authoritative``): one record per offence, payload
``{natinf, label, short, category, nature, defined_by, punished_by}``, or
``{natinf, withdrawn: true}`` to take a shipped entry off the device's list. HQ's entry
replaces the shipped one of the same number.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

OFFENCES_FILE = Path(__file__).parent / "offences.json"


class Offence(BaseModel):
    """One offence of the list."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    natinf: int = Field(ge=1, le=999_999)
    label: str = Field(min_length=1, max_length=400)
    short: str = Field(min_length=1, max_length=200)
    category: str = Field(min_length=1, max_length=40)
    nature: str = Field(default="", max_length=60)
    defined_by: str = Field(default="", max_length=1000)
    punished_by: str = Field(default="", max_length=1000)

    def ref(self) -> dict[str, Any]:
        """What a statement keeps of it: ``{natinf, label}``."""
        return {"natinf": self.natinf, "label": self.label}


class Withdrawal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    natinf: int = Field(ge=1, le=999_999)
    withdrawn: bool


@dataclass(frozen=True)
class OffenceList:
    source: dict[str, Any]
    categories: dict[str, str]
    offences: list[Offence]


class OffenceListError(ValueError):
    pass


def load(path: Path = OFFENCES_FILE) -> OffenceList:
    """The shipped list; raises OffenceListError naming every problem."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise OffenceListError(f"{path.name}: {exc}") from exc
    return parse(data, path.name)


def parse(data: Any, source: str = "offences") -> OffenceList:
    if not isinstance(data, Mapping) or not isinstance(data.get("offences"), list):
        raise OffenceListError(f"{source}: an object with an 'offences' list is expected")
    problems: list[str] = []
    offences: list[Offence] = []
    for i, item in enumerate(data["offences"]):
        try:
            offences.append(Offence.model_validate(item))
        except ValidationError as exc:
            problems.extend(f"offences.{i}.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    numbers = [o.natinf for o in offences]
    dupes = sorted({n for n in numbers if numbers.count(n) > 1})
    if dupes:
        problems.append(f"NATINF listed twice: {', '.join(map(str, dupes))}")
    categories = data.get("categories") or {}
    for o in offences:
        if categories and o.category not in categories:
            problems.append(f"NATINF {o.natinf}: unknown category {o.category!r}")
    if problems:
        raise OffenceListError(f"{source}: " + "; ".join(problems))
    return OffenceList(dict(data.get("source") or {}), dict(categories), offences)


def merge(shipped: Iterable[Offence], hq_payloads: Iterable[Mapping[str, Any]],
          log: Any = None) -> list[Offence]:
    """Shipped entries, replaced or withdrawn by HQ's (by NATINF); sorted by everyday name."""
    by_code = {o.natinf: o for o in shipped}
    for payload in hq_payloads:
        try:
            if payload.get("withdrawn"):
                by_code.pop(Withdrawal.model_validate(dict(payload)).natinf, None)
            else:
                offence = Offence.model_validate(dict(payload))
                by_code[offence.natinf] = offence
        except (ValidationError, AttributeError) as exc:
            if log is not None:
                log.warning("offence from HQ ignored (%s): %r", exc, payload)
    return sorted(by_code.values(), key=lambda o: (fold(o.short), o.natinf))


def fold(text: str) -> str:
    """Lowercase without accents, for matching what officers type."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def search(offences: Iterable[Offence], query: str, categories: Mapping[str, str] | None = None) -> list[Offence]:
    """Offences whose every word of ``query`` appears in the everyday name, the official
    label or the category (accents and case ignored), or whose NATINF starts with a
    number typed; everyday-name matches first."""
    words = fold(query).split()
    if not words:
        return list(offences)
    hits: list[tuple[int, Offence]] = []
    for o in offences:
        short = fold(o.short)
        text = " ".join((short, fold(o.label), fold((categories or {}).get(o.category, o.category))))
        ok = True
        for w in words:
            if w.isdigit():
                if not str(o.natinf).startswith(w):
                    ok = False
                    break
            elif w not in text:
                ok = False
                break
        if ok:
            rank = 0 if all(w in short or w.isdigit() for w in words) else 1
            hits.append((rank, o))
    return [o for _, o in sorted(hits, key=lambda h: h[0])]
