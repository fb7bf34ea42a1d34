"""Names: normalisation, particles, phonetics, typo distance and the combined score."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neo.modules.lookup.match import (
    PersonName,
    damerau_levenshtein,
    fold_text,
    name_match,
    name_parts,
    name_score,
    name_tokens,
    normalize_name,
    phonetic_key,
    phonetic_name_key,
    soundex2,
    token_similarity,
    trigram_similarity,
)

# --- normalisation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DUPONT", "dupont"),
        ("Lefèvre", "lefevre"),
        ("  Jean-Pierre   DE LA FONTAINE ", "jean pierre de la fontaine"),
        ("D'ARTAGNAN", "d artagnan"),
        ("d’Artagnan", "d artagnan"),
        ("L'Hermite", "l hermite"),
        ("Lætitia", "laetitia"),
        ("Œillet", "oeillet"),
        ("Cœur", "coeur"),
        ("Straße", "strasse"),
        ("François", "francois"),
        ("Hélène Noël", "helene noel"),
        ("Nguyễn", "nguyen"),
        ("Åström", "astrom"),
        ("Søren Łukasz Đorđe", "soren lukasz dorde"),
        ("Marie—Claire", "marie claire"),
        ("O'Neill", "o neill"),
        ("Jean-Pierre", "jean pierre"),
        ("Jean  Pierre", "jean pierre"),
        ("ＤＵＰＯＮＴ", "dupont"),
        ("", ""),
        ("  - ' ", ""),
    ],
)
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


def test_fold_text_keeps_separators_for_callers() -> None:
    assert fold_text("Œuvre Lefèvre-Åström") == "oeuvre lefevre-astrom"


def test_name_tokens() -> None:
    assert name_tokens("Jean-Pierre D'ARTAGNAN") == ("jean", "pierre", "d", "artagnan")


@given(st.text())
def test_normalize_name_is_idempotent(text: str) -> None:
    once = normalize_name(text)
    assert normalize_name(once) == once


@given(st.text())
def test_normalized_names_are_ascii_lowercase_tokens(text: str) -> None:
    out = normalize_name(text)
    assert out == " ".join(out.split())
    assert all("a" <= ch <= "z" or ch == " " for ch in out)


@given(st.text(alphabet=st.sampled_from("abcdeéèêëàçœæßÉÈ-' "), max_size=30))
def test_case_and_accents_do_not_change_the_normal_form(text: str) -> None:
    assert normalize_name(text.upper()) == normalize_name(text.lower())


# --- particles -----------------------------------------------------------------------------


def test_particles_are_separate_optional_tokens() -> None:
    p = name_parts("de La Fontaine")
    assert p.tokens == ("de", "la", "fontaine")
    assert p.particles == ("de", "la")
    assert p.core == ("fontaine",)
    assert p.compact == "fontaine"
    assert p.full_compact == "delafontaine"
    assert p.compact_variants() == ("delafontaine", "lafontaine", "fontaine")


@pytest.mark.parametrize(
    ("raw", "core"),
    [
        ("d'Artagnan", ("artagnan",)),
        ("Du Guesclin", ("guesclin",)),
        ("des Rosiers", ("rosiers",)),
        ("Le Gall", ("gall",)),
        ("van der Berg", ("berg",)),
        ("Da Silva", ("silva",)),
        ("dos Santos", ("santos",)),
        ("Le", ("le",)),  # a Vietnamese surname, not a particle
        ("De La", ("la",)),  # never all particles
        ("Martin", ("martin",)),
        ("Martin de la Tour", ("martin", "de", "la", "tour")),  # particles only in front
    ],
)
def test_particle_core(raw: str, core: tuple[str, ...]) -> None:
    assert name_parts(raw).core == core


# --- phonetics -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Dupont", "Dupond"),
        ("Lefebvre", "Lefèvre"),
        ("Lefebvre", "Lefeuvre"),
        ("Lefèvre", "Lefeuvre"),
        ("Fabre", "Faivre"),
        ("Fabre", "Favre"),
        ("Gauthier", "Gautier"),
        ("Philippe", "Filipe"),
        ("Thomas", "Tomas"),
        ("Mathieu", "Matthieu"),
        ("Nguyen", "Nguyên"),
        ("Raphaël", "Rafael"),
        ("Stéphane", "Stefane"),
        ("Christophe", "Cristophe"),
        ("Rousseau", "Rouseau"),
        ("Guillaume", "Guilaume"),
        ("Quentin", "Kentin"),
        ("Jacques", "Jaques"),
        ("Bertrand", "Bertran"),
        ("Arnaud", "Arnault"),
        ("Thibaud", "Thibault"),
        ("Renaud", "Renault"),
        ("Christophe", "Kristof"),
        ("Clément", "Klément"),
    ],
)
def test_classic_french_pairs_share_a_phonetic_key(a: str, b: str) -> None:
    assert phonetic_key(a) == phonetic_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Faure", "Fabre"),
        ("Martin", "Bernard"),
        ("Petit", "Durand"),
        ("Thomas", "Dupont"),
        ("Moreau", "Morel"),
        ("Paul", "Pô"),
        ("Leclerc", "Lecomte"),
    ],
)
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert phonetic_key(a) != phonetic_key(b)


@pytest.mark.parametrize(
    ("word", "code"),
    [
        # SOUNDEX2 as published (unpadded, 4 characters at most).
        ("Dupont", "DPN"),
        ("Dupond", "DPN"),
        ("Gauthier", "KTR"),
        ("Gautier", "KTR"),
        ("Philippe", "FLP"),
        ("Thomas", "TM"),
        ("Mathieu", "MT"),
        ("Matthieu", "MT"),
        ("Nguyen", "NKN"),
        ("Lefebvre", "LFBV"),
        ("Lefèvre", "LFVR"),
        ("Fabre", "FBR"),
        ("Faivre", "FVR"),
        ("Schmitt", "SMT"),  # SCH -> SSS prefix, then squeezed
        ("Knapp", "NP"),  # KN -> NN prefix, then squeezed
        ("Mac Donald", "MCDN"),  # MAC -> MCC
        ("", ""),
    ],
)
def test_soundex2_follows_the_published_rules(word: str, code: str) -> None:
    assert soundex2(word) == code


def test_soundex2_alone_misses_the_variants_phonetic_key_catches() -> None:
    assert soundex2("Lefebvre") != soundex2("Lefèvre")
    assert soundex2("Fabre") != soundex2("Faivre")
    assert soundex2("Raphaël") != soundex2("Rafael")
    assert phonetic_key("Lefebvre") == phonetic_key("Lefèvre") == "LFVR"


def test_phonetic_key_of_degenerate_words() -> None:
    assert phonetic_key("") == ""
    assert phonetic_key("--") == ""
    assert phonetic_key("A") == "A"


def test_phonetic_name_key_skips_particles() -> None:
    assert phonetic_name_key("de La Fontaine") == phonetic_name_key("Fontaine") == "FNTN"
    assert phonetic_name_key("Jean-Pierre") == "JN PR"


@given(st.text(max_size=40))
def test_phonetic_key_is_stable_under_normalisation(text: str) -> None:
    assert phonetic_key(text) == phonetic_key(normalize_name(text).replace(" ", ""))
    assert phonetic_key(text) == phonetic_key(text.upper())


# --- typo distance ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "d"),
    [
        ("dupont", "dupont", 0),
        ("dupont", "dupond", 1),
        ("dupont", "duopnt", 1),  # transposition
        ("martin", "matrin", 1),
        ("martin", "martine", 1),
        ("martin", "marti", 1),
        ("lefebvre", "lefevre", 1),
        ("kitten", "sitting", 3),
        ("", "abc", 3),
        ("abc", "", 3),
        ("ca", "abc", 3),  # optimal string alignment, not full Damerau
    ],
)
def test_damerau_levenshtein(a: str, b: str, d: int) -> None:
    assert damerau_levenshtein(a, b) == d


def test_damerau_levenshtein_bound_stops_early() -> None:
    assert damerau_levenshtein("abcdefghij", "klmnopqrst", max_distance=2) == 3
    assert damerau_levenshtein("abc", "abcdefgh", max_distance=2) == 3
    assert damerau_levenshtein("dupont", "dupond", max_distance=2) == 1


@given(st.text(max_size=12), st.text(max_size=12), st.integers(min_value=0, max_value=4))
def test_bounded_distance_agrees_with_exact(a: str, b: str, bound: int) -> None:
    exact = damerau_levenshtein(a, b)
    assert damerau_levenshtein(a, b, max_distance=bound) == min(exact, bound + 1)
    assert exact == damerau_levenshtein(b, a)


def test_trigram_similarity() -> None:
    assert trigram_similarity("dupont", "dupont") == 1.0
    assert trigram_similarity("", "") == 1.0
    assert trigram_similarity("dupont", "") == 0.0
    assert 0 < trigram_similarity("dupont", "dupond") < 1
    assert trigram_similarity("dupont", "zzz") == 0.0


def test_token_similarity_ladder() -> None:
    exact = token_similarity("Lefèvre", "LEFEVRE")
    phonetic_and_typo = token_similarity("Dupont", "Dupond")
    typo = token_similarity("Dupont", "Dupomt")
    initial = token_similarity("J", "Jean")
    unrelated = token_similarity("Dupont", "Zimmermann")
    assert exact == 1.0
    assert 1.0 > phonetic_and_typo > typo > initial > unrelated
    assert unrelated < 0.3


def test_phonetic_agreement_alone_needs_close_spellings() -> None:
    # Same SOUNDEX-like key (TM) but nothing alike in writing.
    assert phonetic_key("Thomas") == phonetic_key("Tim")
    assert token_similarity("Thomas", "Tim") < 0.5


# --- the combined score ----------------------------------------------------------------------


JP = PersonName("Dupont", "Jean-Pierre")


@pytest.mark.parametrize(
    ("query", "low", "high"),
    [
        (PersonName("Dupont", "Jean-Pierre"), 1.0, 1.0),
        (PersonName("DUPONT", "jean pierre"), 1.0, 1.0),
        (PersonName("dupont", "jeanpierre"), 1.0, 1.0),
        ("dupont jean-pierre", 1.0, 1.0),
        ("jean pierre dupont", 1.0, 1.0),
        ("DUPONT", 1.0, 1.0),
        (PersonName("Dupond", "Jean-Pierre"), 0.9, 0.99),  # phonetic + typo
        (PersonName("Dupont", "Jean"), 0.75, 0.95),  # one of a compound first name
        ("dupont jp", 0.7, 0.9),  # initials of a compound first name
        ("dupont j", 0.7, 0.9),  # an initial
        (PersonName("Jean-Pierre", "Dupont"), 0.85, 0.95),  # fields swapped
        (PersonName("Dupont", "Marcel"), 0.5, 0.7),  # right surname, wrong first name
        ("martin", 0.0, 0.2),
        ("", 0.0, 0.0),
    ],
)
def test_name_score_ranges(query: str | PersonName, low: float, high: float) -> None:
    assert low <= name_score(query, JP) <= high


def test_particles_are_optional_in_matching() -> None:
    record = PersonName("de La Fontaine", "Jean")
    assert name_score(PersonName("de la fontaine", "jean"), record) == 1.0
    assert name_score(PersonName("Delafontaine", "Jean"), record) == 1.0
    assert 0.9 <= name_score(PersonName("Lafontaine", "Jean"), record) < 1.0
    assert 0.9 <= name_score(PersonName("Fontaine", "Jean"), record) < 1.0
    assert name_score("Jean-Pierre DE LA FONTAINE", PersonName("de La Fontaine", "Jean-Pierre")) == 1.0
    assert name_score("dartagnan", PersonName("d'Artagnan", "Charles")) == 1.0
    assert name_score("artagnan charles", PersonName("d'Artagnan", "Charles")) > 0.9


def test_classic_variants_score_high_but_below_exact() -> None:
    for typed, filed in [
        ("Lefèvre", "Lefebvre"),
        ("Lefeuvre", "Lefebvre"),
        ("Faivre", "Fabre"),
        ("Gautier", "Gauthier"),
        ("Filipe", "Philippe"),
        ("Tomas", "Thomas"),
        ("Matthieu", "Mathieu"),
    ]:
        s = name_score(PersonName(typed, "Jean"), PersonName(filed, "Jean"))
        assert 0.85 <= s < 1.0, (typed, filed, s)
    assert name_score(PersonName("Nguyen", "Van"), PersonName("Nguyên", "Văn")) == 1.0


def test_ranking_prefers_better_evidence() -> None:
    query = "lefevre jean 1985"
    candidates = [
        PersonName("Lefèvre", "Jean"),
        PersonName("Lefebvre", "Jean"),
        PersonName("Lefèvre", "Paul"),
        PersonName("Lefort", "Jean"),
        PersonName("Martin", "Jean"),
    ]
    scores = [name_score(query.rsplit(" ", 1)[0], c) for c in candidates]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 1.0 and scores[-1] < 0.3


def test_name_match_explains_itself() -> None:
    m = name_match(PersonName("Jean", "Dupont"), PersonName("Dupont", "Jean"))
    assert m.swapped and "swap" in m.evidence
    assert m.last_score == 1.0 and m.first_score == 1.0
    m = name_match("Dupond Jean", PersonName("Dupont", "Jean"))
    assert not m.swapped and {"phonetic", "typo"} <= m.evidence
    m = name_match("Dupont", PersonName("Dupont", "Jean"))
    assert m.first_score is None and m.score == 1.0


def test_record_without_first_name() -> None:
    record = PersonName("Dupont", "")
    assert name_score("Dupont", record) == 1.0
    assert name_score(PersonName("Dupont", "Jean"), record) == pytest.approx(0.9)


def test_candidate_as_a_string_is_read_in_either_order() -> None:
    assert name_score("jean dupont", "DUPONT Jean") == 1.0
    assert name_score(PersonName("Dupont", "Jean"), "Jean DUPONT") == 1.0


def test_both_names_typed_in_the_surname_field() -> None:
    assert name_score(PersonName("dupont jean", ""), PersonName("Dupont", "Jean")) == 1.0


_NAMES = st.sampled_from(
    ["Dupont", "Martin", "Lefèvre", "de La Fontaine", "Jean-Pierre", "Marie Claire", "Nguyen", "Le", "d'Artagnan", "Éloïse"]
)


@given(_NAMES, _NAMES, _NAMES, _NAMES)
def test_free_text_order_does_not_matter(last: str, first: str, c_last: str, c_first: str) -> None:
    candidate = PersonName(c_last, c_first)
    assert name_score(f"{last} {first}", candidate) == name_score(f"{first} {last}", candidate)


@given(_NAMES, _NAMES)
def test_swap_is_symmetric(last: str, first: str) -> None:
    straight = PersonName(last, first)
    swapped = PersonName(first, last)
    assert name_score(straight, swapped) == name_score(swapped, straight)


@given(st.text(max_size=30), st.text(max_size=30), st.text(max_size=30), st.text(max_size=30))
def test_scores_are_in_unit_interval(a: str, b: str, c: str, d: str) -> None:
    for q in (a, PersonName(a, b)):
        for cand in (c, PersonName(c, d)):
            assert 0.0 <= name_score(q, cand) <= 1.0


@given(_NAMES, _NAMES)
def test_a_name_matches_itself_perfectly(last: str, first: str) -> None:
    assert name_score(PersonName(last, first), PersonName(last, first)) == 1.0
    assert name_score(f"{last} {first}", PersonName(last, first)) == 1.0
