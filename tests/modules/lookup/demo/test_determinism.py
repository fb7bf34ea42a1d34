"""Same seed, same bytes; any slice equals the same part of a full run."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import date

import pytest

from neo.modules.lookup.demo import MAX_PERSONS, generate, person_records
from neo.modules.lookup.demo.generator import BLOCK


def _lines(records) -> list[str]:
    return [json.dumps(r.to_dict(), ensure_ascii=False) for r in records]


def test_same_seed_same_bytes() -> None:
    a = _lines(generate(7, 1500))
    b = _lines(generate(7, 1500))
    assert a == b
    assert _lines(generate(8, 1500)) != a


def test_slices_equal_the_full_run_across_block_boundaries() -> None:
    full = _lines(generate(3, 2 * BLOCK + 300))
    cuts = [0, 1, BLOCK - 1, BLOCK, BLOCK + 517, 2 * BLOCK + 1, 2 * BLOCK + 300]
    parts: list[str] = []
    for start, stop in itertools.pairwise(cuts):
        parts.extend(_lines(generate(3, 2 * BLOCK + 300, start=start, stop=stop)))
    assert parts == full


def test_a_person_depends_neither_on_the_total_nor_on_the_persons_before() -> None:
    small = list(generate(11, 600))
    assert _lines(generate(11, 50_000, 0, 600)) == _lines(small)
    one = person_records(11, 437)
    assert one[0].id == "P00000437"
    assert _lines(one) == _lines(r for r in small if r.id[1:9] == "00000437")


def test_byte_for_byte_golden_digest() -> None:
    # Pins the exact output: a change here means every demo data set changes (update on purpose only).
    digest = hashlib.sha256("\n".join(_lines(generate(42, 300))).encode()).hexdigest()
    assert digest == GOLDEN, digest


GOLDEN = "42b5fc6df406fbfc68ea59cd00991021047e8111757b310606b36231de0c7ab0"


def test_as_of_moves_the_data_with_it() -> None:
    a = next(iter(generate(5, 1)))
    b = next(iter(generate(5, 1, as_of=date(2027, 11, 1))))
    assert a.birth_date != b.birth_date
    for as_of in (date(2021, 8, 3), date(2044, 12, 31)):      # the ends of the supported range
        records = list(generate(5, 3_000, as_of=as_of))
        assert max(r.updated_at[:10] for r in records) <= as_of.isoformat()
    with pytest.raises(ValueError):
        list(generate(5, 1, as_of=date(2045, 1, 1)))


@pytest.mark.parametrize("args", [(1, -1, 0, None), (1, 10, 5, 4), (1, 10, 0, 11), (1, MAX_PERSONS + 1, 0, 1)])
def test_bad_ranges_are_refused(args) -> None:
    seed, persons, start, stop = args
    with pytest.raises(ValueError):
        list(generate(seed, persons, start, stop))
