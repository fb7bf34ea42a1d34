"""Messy queries: enough, distinct, deterministic, each pointing at a real record."""

from __future__ import annotations

from collections import Counter

import pytest

from neo.modules.lookup.demo import generate
from neo.modules.lookup.demo.messy import _Rng, messy_queries, strip_accents, typo

POPULATION = 20_000


@pytest.fixture(scope="module")
def queries():
    return messy_queries(5, 320, POPULATION)


@pytest.fixture(scope="module")
def records():
    return {r.id: r for r in generate(5, POPULATION)}


def test_at_least_300_distinct_deterministic_queries(queries) -> None:
    assert len(queries) == 320
    assert len({q.query.strip().lower() for q in queries}) == 320
    assert messy_queries(5, 320, POPULATION) == queries
    assert messy_queries(6, 320, POPULATION) != queries


def test_each_query_refers_to_an_existing_record(queries, records) -> None:
    for q in queries:
        rec = records[q.record_id]
        assert rec.FILE == q.file
        assert q.person_id in records and q.person_id[1:] == q.record_id[1:9]
        for other in q.also:
            assert other in records
        if q.kind == "plate":
            assert q.clean in (getattr(rec, "plate", None), getattr(rec, "serial", None))
        elif q.kind == "vin":
            assert q.clean == rec.vin
        elif q.kind == "document":
            assert q.clean == rec.number
        elif q.kind == "serial":
            assert q.clean == rec.serial
        else:
            assert q.clean.startswith(rec.surname) and rec.given_names[0] in q.clean
        assert q.query != q.clean


def test_the_mix_covers_what_officers_get_wrong(queries) -> None:
    kinds = Counter(q.kind for q in queries)
    assert kinds["name"] > 100 and kinds["plate"] > 40 and kinds["vin"] > 15 and kinds["document"] > 30
    files = Counter(q.file for q in queries)
    assert files["wanted_persons"] > 20 and files["stolen_vehicles"] > 20 and files["missing_persons"] > 5
    mess = Counter(m for q in queries for m in q.mess)
    for m in ("typo1_surname", "typo2_surname", "swapped_names", "no_accents", "lowercase", "year_only",
              "month_year", "day_month_swapped", "fni", "siv", "no_separators", "spaces", "dashes"):
        assert mess[m] > 0, m
    assert any(m.startswith("confusable") for q in queries if q.kind == "vin" for m in q.mess)
    assert any(q.kind == "plate" and "fni" in q.mess for q in queries)


def test_typos_are_small_edits() -> None:
    rng = _Rng("t")
    for word in ("Lefèvre", "Dupont", "Martin", "Roquebrune", "Benali"):
        for _ in range(30):
            out = typo(word, rng)
            assert out.lower() != word.lower()
            assert abs(len(out) - len(word)) <= 1
    assert strip_accents("Hélène Noël Gaël Schœlcher") == "Helene Noel Gael Schoelcher"


def test_small_populations_still_work() -> None:
    qs = messy_queries(1, 300, 2_000)
    assert len(qs) == 300
