"""Names with their real shape, plausible dates, valid places."""

from __future__ import annotations

from collections import Counter
from datetime import date

from neo.modules.lookup.demo import (
    DRIVING_LICENCES,
    ID_DOCUMENTS,
    PERSONS,
    REFERENCE_DATE,
    VEHICLE_REGISTRATIONS,
)
from neo.modules.lookup.demo.tables import tables


def _persons(sample):
    return [r for r in sample.records if r.FILE == PERSONS]


def _age(birth: str, on: date = REFERENCE_DATE) -> float:
    return (on - date.fromisoformat(birth)).days / 365.25


def test_surnames_have_a_steep_head_and_a_long_tail(sample) -> None:
    total = sum(sample.surnames.values())
    assert total == sample.persons
    top = sample.surnames.most_common(10)
    assert top[0][0] == "Martin"
    share10 = sum(c for _, c in top) / total
    assert 0.008 < share10 < 0.04, share10            # France: roughly 1.5 %
    assert len(sample.surnames) > 20_000                # many distinct names at 100k persons
    singletons = sum(1 for c in sample.surnames.values() if c == 1)
    assert singletons > 5_000
    # Head heavier than tail, rank by rank (Zipf-like).
    counts = [c for _, c in sample.surnames.most_common(1000)]
    assert counts[0] > 2 * counts[9] > 2 * counts[200]


def test_names_carry_particles_compounds_and_accents(sample) -> None:
    names = list(sample.surnames)
    assert any(n.startswith("de la ") for n in names)
    assert any(n.startswith("d'") for n in names)
    assert any(n.startswith("du ") for n in names)
    assert any(n.startswith("Le ") for n in names)
    assert any("-" in n and not n.startswith("Saint-") for n in names)     # double names
    assert any("--" in n for n in names)                                    # 2005-2010 civil status
    assert {"Lefèvre", "Noël", "Guérin", "François"} <= set(names)
    counts = Counter(len(p.given_names) for p in _persons(sample))
    assert counts[2] > counts[3] > counts[1] > counts[4] > 0       # civil status: mostly two or three
    given = Counter(g for p in _persons(sample) for g in p.given_names)
    assert {"Jean-Pierre", "Marie-Claire", "Hélène", "Gaël", "Anaïs"} <= set(given)
    assert len(given) > 400


def test_first_names_follow_their_decade(sample) -> None:
    by = Counter()
    for p in _persons(sample):
        by[(p.birth_date[:3], p.sex, p.given_names[0])] += 1

    def top(decade: str, sex: str) -> list[str]:
        names = Counter({n: c for (d, s, n), c in by.items() if d == decade and s == sex})
        return [n for n, _ in names.most_common(8)]

    assert "Jean" in top("193", "M")
    assert "Nathalie" in top("196", "F") or "Nathalie" in top("197", "F")
    assert "Léa" in top("200", "F")
    assert "Jean" not in top("201", "M")


def test_birth_dates_and_documents_are_plausible(sample) -> None:
    ages = [_age(p.birth_date) for p in _persons(sample)]
    assert min(ages) >= 0 and max(ages) <= 101
    assert 38 < sum(ages) / len(ages) < 45            # France: about 42
    assert 0.45 < sum(1 for p in _persons(sample) if p.sex == "F") / len(ages) < 0.56
    births = {p.id: p.birth_date for p in _persons(sample)}
    for r in sample.records:
        if r.FILE == DRIVING_LICENCES:
            assert _age(births[r.person_id], date.fromisoformat(r.first_issued_on)) >= 17.9
            assert r.first_issued_on <= r.issued_on <= REFERENCE_DATE.isoformat()
        elif r.FILE == ID_DOCUMENTS:
            assert r.issued_on <= REFERENCE_DATE.isoformat()
        elif r.FILE == VEHICLE_REGISTRATIONS:
            assert _age(births[r.holder_person_id]) >= 18
            assert "1989" < r.first_registered_on <= r.certificate_issued_on <= REFERENCE_DATE.isoformat()
        assert r.updated_at[:10] <= REFERENCE_DATE.isoformat() and r.updated_at.endswith("Z")


def test_communes_and_departments_are_valid(sample) -> None:
    t = tables()
    communes = {(c.name, c.department): c for c in t.communes}
    for p in _persons(sample):
        c = communes[(p.commune, p.department)]
        assert p.postal_code[:2] == c.postal_code[:2]
        if p.birth_department == "99":
            assert p.birth_country != "France"
        else:
            assert (p.birth_place, p.birth_department) in communes and p.birth_country == "France"
    seen = Counter(p.department for p in _persons(sample))
    assert seen["06"] > 0.2 * len(_persons(sample))     # the demo is played around Menton
    assert len(seen) > 80


def test_the_commune_table() -> None:
    t = tables()
    assert len(t.communes) >= 150
    names06 = {c.name for c in t.communes if c.department == "06"}
    assert {"Menton", "Beausoleil", "Cap-d'Ail", "La Turbie", "Èze", "Roquebrune-Cap-Martin", "Nice"} <= names06
    depts = {c.department for c in t.communes}
    assert {"2A", "2B", "971", "972", "973", "974", "975", "976"} <= depts
    assert depts <= set(t.departments) and len(t.departments) == 102    # 101 + Saint-Pierre-et-Miquelon
    for c in t.communes:
        assert len(c.postal_code) == 5 and c.postal_code.isdigit()
        expected = "20" if c.department in ("2A", "2B") else c.department[:3] if len(c.department) == 3 \
            else c.department
        assert c.postal_code.startswith(expected), c
