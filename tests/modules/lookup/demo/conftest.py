"""One generated sample shared by the demo-data tests (generation is the slow part)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pytest

from neo.modules.lookup.demo import PERSONS, generate

SEED = 20261128
STATS_PERSONS = 100_000   # counted (names, shares)
KEPT_PERSONS = 30_000     # kept whole for record-by-record checks


@dataclass
class Sample:
    persons: int
    records: list = field(default_factory=list)           # the records of the first KEPT_PERSONS persons
    files: Counter = field(default_factory=Counter)        # records per file, over all persons
    surnames: Counter = field(default_factory=Counter)     # birth names, over all persons


@pytest.fixture(scope="session")
def sample() -> Sample:
    s = Sample(STATS_PERSONS)
    keep = f"{KEPT_PERSONS:08d}"
    for r in generate(SEED, STATS_PERSONS):
        s.files[r.FILE] += 1
        if r.FILE == PERSONS:
            s.surnames[r.surname] += 1
        if r.id[1:9] < keep:
            s.records.append(r)
    return s
