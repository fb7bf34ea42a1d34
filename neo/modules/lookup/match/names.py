"""Person names: normalisation, French phonetics, typo tolerance and a combined score.

What an officer types in the rain is rarely what the file holds: ``lefevre`` for
*Lefèvre*, ``DUPOND JEAN-PIERRE`` for *Jean-Pierre Dupont*, ``dartagnan`` for
*d'Artagnan*, a first name in the last-name field. This module turns both sides into
comparable tokens and scores how well they agree.

Normalisation (:func:`normalize_name`)
    NFKC, then accents and diacritics removed (``é`` → ``e``, ``ç`` → ``c``) with the
    ligatures and special letters spelled out (``œ`` → ``oe``, ``æ`` → ``ae``,
    ``ß`` → ``ss``, ``ø`` → ``o``, ``ł`` → ``l``, ``đ`` → ``d``); lower case; hyphens,
    apostrophes and any other non-letter become a single space. The result is a
    space-separated list of ``[a-z]+`` tokens and the function is idempotent.

Particles (:data:`PARTICLES`)
    ``de``, ``du``, ``des``, ``d'``, ``le``, ``la``, ``les``, ``l'`` and the common
    foreign ones (``van``, ``von``, ``der``, ``den``, ``da``, ``di``, ``del``, ``della``,
    ``do``, ``dos``, ``das``) at the *start* of a name part are kept as separate tokens
    (``d'Artagnan`` → ``d artagnan``) but are optional in matching: ``Fontaine``,
    ``Lafontaine`` and ``de La Fontaine`` all meet. The last word of a part is never
    taken for a particle: the Vietnamese surname *Lê* stays a name.

Compound first names
    ``Jean-Pierre``, ``Jean Pierre`` and ``Jeanpierre`` compare equal (their compact forms
    do); ``Jean`` against ``Jean-Pierre`` is a partial match.

Phonetics (:func:`soundex2`, :func:`phonetic_key`)
    See the functions' docstrings for the rule sets and their sources.

Typos (:func:`damerau_levenshtein`, :func:`trigram_similarity`)
    A bounded optimal-string-alignment distance (one transposition counts as one edit)
    with a tolerance that grows with the length of the name, and a trigram similarity
    for what is too far apart for the edit bound.

Scoring (:func:`name_score`, :func:`name_match`)
    Exact, particle-free, phonetic, typo, partial (compound, initial, truncated) and
    swap evidence combined into one number in ``[0, 1]``; :func:`name_match` also returns
    which evidence carried the score.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "PARTICLES",
    "NameMatch",
    "NameParts",
    "PersonName",
    "damerau_levenshtein",
    "fold_text",
    "name_match",
    "name_parts",
    "name_score",
    "name_tokens",
    "normalize_name",
    "phonetic_key",
    "phonetic_name_key",
    "soundex2",
    "token_similarity",
    "trigram_similarity",
]

# Letters NFD does not decompose into a base letter plus combining marks.
_SPECIAL_LETTERS = {
    "œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ẞ": "ss",
    "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d",
    "þ": "th", "Þ": "th", "ı": "i", "ħ": "h", "Ħ": "h",
}

PARTICLES: frozenset[str] = frozenset({
    # French
    "de", "du", "des", "d", "le", "la", "les", "l",
    # Dutch, German, Italian, Spanish, Portuguese particles frequent in France
    "van", "von", "der", "den", "da", "di", "del", "della", "do", "dos", "das",
})

_NON_LETTERS = re.compile(r"[^a-z]+")


def fold_text(text: str) -> str:
    """Lower-case ASCII rendering of ``text``: accents dropped, ligatures spelled out.

    Characters that are neither letters nor digits are kept as they are (the callers
    decide what a separator is). ``fold_text("Œuvre Lefèvre-Åström")`` is
    ``"oeuvre lefevre-astrom"``.
    """
    text = unicodedata.normalize("NFKC", text)
    out: list[str] = []
    for ch in text:
        special = _SPECIAL_LETTERS.get(ch)
        if special is not None:
            out.append(special)
            continue
        if ch.isascii():
            out.append(ch)
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return "".join(out).lower()


@lru_cache(maxsize=65536)
def name_tokens(text: str) -> tuple[str, ...]:
    """The normalised tokens of a name: ``"Jean-Pierre D'ARTAGNAN"`` → ``("jean", "pierre", "d", "artagnan")``."""
    return tuple(t for t in _NON_LETTERS.split(fold_text(text)) if t)


def normalize_name(text: str) -> str:
    """Canonical form of a name: folded tokens joined by one space (idempotent).

    >>> normalize_name("  Jean-Pierre  DE LA FONTAINE ")
    'jean pierre de la fontaine'
    >>> normalize_name("Lætitia d’Œillet")
    'laetitia d oeillet'
    """
    return " ".join(name_tokens(text))


@dataclass(frozen=True, slots=True)
class NameParts:
    """One name part (a surname, or the given names) split into particles and core tokens."""

    tokens: tuple[str, ...]
    particles: tuple[str, ...]
    core: tuple[str, ...]

    @property
    def normalized(self) -> str:
        return " ".join(self.tokens)

    @property
    def compact(self) -> str:
        """Core tokens glued together: ``de la fontaine`` → ``fontaine``."""
        return "".join(self.core)

    @property
    def full_compact(self) -> str:
        """All tokens glued together: ``de la fontaine`` → ``delafontaine``."""
        return "".join(self.tokens)

    def compact_variants(self) -> tuple[str, ...]:
        """The compact forms with 0, 1, … leading particles dropped, full form first.

        ``de la fontaine`` → ``("delafontaine", "lafontaine", "fontaine")``.
        """
        n = len(self.particles)
        return tuple("".join(self.tokens[i:]) for i in range(n + 1))

    def __bool__(self) -> bool:
        return bool(self.tokens)


@lru_cache(maxsize=65536)
def _parts_from_tokens(tokens: tuple[str, ...]) -> NameParts:
    i = 0
    while i < len(tokens) - 1 and tokens[i] in PARTICLES:
        i += 1
    return NameParts(tokens=tokens, particles=tokens[:i], core=tokens[i:])


@lru_cache(maxsize=65536)
def name_parts(text: str) -> NameParts:
    """Split one name part (a surname or the given names) into particles and core tokens.

    Particles are recognised only at the start and never as the last token:
    ``name_parts("de La Fontaine").core == ("fontaine",)``,
    ``name_parts("Le").core == ("le",)``.
    """
    return _parts_from_tokens(name_tokens(text))


@dataclass(frozen=True, slots=True)
class PersonName:
    """A name whose parts are known: a record's fields, or what an officer typed in the
    structured fields. ``last`` may hold particles; ``first`` may hold several given names."""

    last: str
    first: str = ""


# ---------------------------------------------------------------------------------------
# Phonetics


def _upper_letters(word: str) -> str:
    return "".join(ch for ch in fold_text(word).upper() if "A" <= ch <= "Z")


_SOUNDEX2_GROUPS = (
    (re.compile("GUI"), "KI"),
    (re.compile("GUE"), "KE"),
    (re.compile("GA"), "KA"),
    (re.compile("GO"), "KO"),
    (re.compile("GU"), "K"),
    (re.compile("CA"), "KA"),
    (re.compile("CO"), "KO"),
    (re.compile("CU"), "KU"),
    (re.compile("Q"), "K"),
    (re.compile("CC"), "K"),
    (re.compile("CK"), "K"),
)
_SOUNDEX2_PREFIXES = (("MAC", "MCC"), ("ASA", "AZA"), ("KN", "NN"), ("PF", "FF"), ("SCH", "SSS"), ("PH", "FF"))
_H_NOT_AFTER_C_OR_S = re.compile(r"(?<=[^CS])H")
_Y_NOT_AFTER_A = re.compile(r"(?<=[^A])Y")
_SILENT_ENDING = re.compile(r"[ADTS]$")


def _squeeze(code: str) -> str:
    if not code:
        return code
    out = [code[0]]
    for ch in code[1:]:
        if ch != out[-1]:
            out.append(ch)
    return "".join(out)


def _soundex2_code(letters: str) -> str:
    """Steps 1-8 of SOUNDEX2 on upper-case A-Z letters (no truncation)."""
    if not letters:
        return ""
    s = letters
    # 1. Consonant groups that sound K (hard G and C, Q, CC, CK).
    for pattern, repl in _SOUNDEX2_GROUPS:
        s = pattern.sub(repl, s)
    # 2. Every vowel but Y and but the first letter becomes A.
    s = s[0] + re.sub("[EIOU]", "A", s[1:])
    # 3. Prefixes.
    for prefix, repl in _SOUNDEX2_PREFIXES:
        if s.startswith(prefix):
            s = repl + s[len(prefix):]
            break
    # 4. H is silent except in CH and SH; 5. Y is dropped except after A.
    s = _H_NOT_AFTER_C_OR_S.sub("", s)
    s = _Y_NOT_AFTER_A.sub("", s)
    # 6. A final A, D, T or S is silent.
    s = _SILENT_ENDING.sub("", s)
    # 7. A is dropped everywhere but in the first position.
    if s:
        s = s[0] + s[1:].replace("A", "")
    # 8. Doubled letters are reduced to one.
    return _squeeze(s)


@lru_cache(maxsize=65536)
def soundex2(word: str) -> str:
    """SOUNDEX2, the French adaptation of Soundex by Frédéric Brouard, as published.

    Rule set (F. Brouard, « L'art des Soundex », sqlpro.developpez.com/cours/soundex,
    also reproduced on J.-M. Carlier's Le Mans university page), applied to the word
    upper-cased with its accents removed and non-letters dropped:

    1. replace GUI→KI, GUE→KE, GA→KA, GO→KO, GU→K, CA→KA, CO→KO, CU→KU, Q→K, CC→K, CK→K;
    2. replace every vowel except Y and except the first letter by A;
    3. replace the prefixes MAC→MCC, ASA→AZA, KN→NN, PF→FF, SCH→SSS, PH→FF;
    4. remove H unless it follows C or S;
    5. remove Y unless it follows A;
    6. remove a final A, D, T or S;
    7. remove every A but a leading one;
    8. reduce doubled letters to one;
    9. keep the first four characters (the published form pads with spaces to four;
       this function returns the code unpadded).

    >>> soundex2("Dupont"), soundex2("Dupond"), soundex2("Gauthier")
    ('DPN', 'DPN', 'KTR')

    Used as published, SOUNDEX2 misses a few classic French surname variants
    (``Lefebvre``/``Lefèvre``, ``Fabre``/``Faivre``, ``Raphaël``/``Rafael``):
    :func:`phonetic_key` is the variant NEO matches on.
    """
    return _soundex2_code(_upper_letters(word))[:4]


_SILENT_LT_LD = re.compile(r"(?:E?AU|O)L[TD]$")
_CH_BEFORE_R_OR_L = re.compile(r"CH(?=[RL])")
_C_BEFORE_CONSONANT = re.compile(r"C(?=[BDFGJKLMNPQRSTVWXZ])")


@lru_cache(maxsize=65536)
def phonetic_key(word: str) -> str:
    """NEO's French phonetic key of one name token: SOUNDEX2 with five documented changes.

    1. Before SOUNDEX2, ``PH`` becomes ``F`` everywhere (Phonex rule 3, F. Brouard; FONEM
       rule C-18, Bouchard, Brard & Lavoie 1981), not only as a prefix, so that
       *Raphaël* meets *Rafael* as *Philippe* meets *Filipe*.
    2. Before SOUNDEX2, the hard C of a consonant cluster is written K: ``CH`` before R or
       L (E. Bergé's « phonétique » rule ``CH(R|LO)`` → ``K``: *Christophe*, *Chloé*) and
       ``C`` before a consonant other than C and H (FONEM rule C-7: *Clément*), so that
       *Christophe*, *Cristophe* and *Kristof* meet.
    3. Before SOUNDEX2, a final ``AULT``, ``AULD`` or ``OLT`` is the sound O (FONEM rules
       V-2 and V-6), so that *Arnault* meets *Arnaud*, *Thibault* *Thibaud*, *Renault*
       *Renaud*.
    4. After SOUNDEX2, ``B`` and ``V`` share one code and the code is squeezed again.
       Phonex gives B and V the code of F (rule « B et V → F »); NEO keeps F apart and
       merges only B with V, which brings together the silent B of *Lefebvre* (FONEM rule
       C-1, ``BV`` → ``V``) and the *Fabre*/*Faivre*/*Favre* family without also merging
       *Faure* (``FR``) into it.
    5. The code is not truncated to four characters: an index key is more selective on
       long names, and typo tolerance is handled separately.

    Classic pairs with equal keys: Dupont/Dupond (DPN), Lefebvre/Lefèvre/Lefeuvre (LFVR),
    Fabre/Faivre/Favre (FVR), Gauthier/Gautier (KTR), Philippe/Filipe (FLP), Thomas/Tomas
    (TM), Mathieu/Matthieu (MT), Nguyen/Nguyên (NKN), Raphaël/Rafael (RFL),
    Christophe/Cristophe/Kristof (KRSTF), Arnaud/Arnault (ARN).

    A word that SOUNDEX2 reduces to nothing (``"a"``) keys as its own upper-case letters.
    """
    letters = _upper_letters(word)
    if not letters:
        return ""
    s = _SILENT_LT_LD.sub("O", letters.replace("PH", "F"))
    s = _CH_BEFORE_R_OR_L.sub("K", s)
    s = _C_BEFORE_CONSONANT.sub("K", s)
    code = _soundex2_code(s)
    code = _squeeze(code.replace("B", "V"))
    return code or letters


def phonetic_name_key(text: str) -> str:
    """Phonetic keys of a name's core tokens joined by spaces (particles left out).

    ``phonetic_name_key("de La Fontaine")`` is ``"FNTN"``; suitable as an HQ index column.
    """
    parts = name_parts(text)
    return " ".join(phonetic_key(t) for t in parts.core)


# ---------------------------------------------------------------------------------------
# Typo tolerance


def damerau_levenshtein(a: str, b: str, max_distance: int | None = None) -> int:
    """Optimal-string-alignment distance (insertions, deletions, substitutions and adjacent
    transpositions each cost 1).

    With ``max_distance``, computation stops as soon as the distance is known to exceed
    it and ``max_distance + 1`` is returned: cheap on long strings that are far apart.
    """
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if max_distance is not None and abs(la - lb) > max_distance:
        return max_distance + 1
    if la == 0 or lb == 0:
        d = max(la, lb)
        return d if max_distance is None or d <= max_distance else max_distance + 1
    prev_prev: list[int] = []
    prev = list(range(lb + 1))
    for i in range(1, la + 1):
        cur = [i] + [0] * lb
        ca = a[i - 1]
        row_min = cur[0]
        for j in range(1, lb + 1):
            cb = b[j - 1]
            cost = 0 if ca == cb else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                v = min(v, prev_prev[j - 2] + 1)
            cur[j] = v
            row_min = min(row_min, v)
        if max_distance is not None and row_min > max_distance:
            return max_distance + 1
        prev_prev, prev = prev, cur
    d = prev[lb]
    if max_distance is not None and d > max_distance:
        return max_distance + 1
    return d


def _trigrams(s: str) -> set[str]:
    padded = f"  {s} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def trigram_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the sets of character trigrams, the word padded with two
    spaces in front and one behind as pg_trgm does for one word; in [0, 1]."""
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    ta, tb = _trigrams(a), _trigrams(b)
    return len(ta & tb) / len(ta | tb)


def _typo_bound(length: int) -> int:
    """How many edits a name of this length may carry and still be the same name."""
    if length <= 3:
        return 0
    if length <= 5:
        return 1
    if length <= 9:
        return 2
    return 3


# Evidence weights: what each kind of agreement is worth on its own.
_EXACT = 1.0
_PARTICLE_DROPPED = 0.96
_PHONETIC_AND_TYPO = 0.94
_PHONETIC = 0.88
_TYPO_1 = 0.86
_TYPO_STEP = 0.1
_PREFIX = 0.72
_INITIAL = 0.62
_TRIGRAM_CAP = 0.6
_SUBSET = 0.82
_SWAP = 0.93


@dataclass(frozen=True, slots=True)
class _Sim:
    score: float
    evidence: frozenset[str]


_NO = _Sim(0.0, frozenset())


@lru_cache(maxsize=65536)
def _string_sim(a: str, b: str) -> _Sim:
    """Similarity of a typed compact, normalised string ``a`` to a filed one ``b``.

    Symmetric except for truncation: ``a`` may be a prefix of ``b`` (a name cut short by
    an MRZ field or by hurried typing), not the other way round.
    """
    if a == b:
        return _Sim(_EXACT, frozenset({"exact"})) if a else _NO
    if not a or not b:
        return _NO
    best = _NO
    longest = max(len(a), len(b))
    bound = _typo_bound(longest)
    # Phonetic agreement alone is coarse (vowels are dropped): it counts only when the
    # spellings are not too far apart either.
    phonetic_reach = max(2, longest // 2)
    d = damerau_levenshtein(a, b, max_distance=max(bound, phonetic_reach))
    same_sound = phonetic_key(a) == phonetic_key(b)
    if same_sound and d <= bound:
        best = _Sim(_PHONETIC_AND_TYPO, frozenset({"phonetic", "typo"}))
    elif same_sound and d <= phonetic_reach:
        best = _Sim(_PHONETIC, frozenset({"phonetic"}))
    elif 1 <= d <= bound:
        best = _Sim(max(0.0, _TYPO_1 - _TYPO_STEP * (d - 1)), frozenset({"typo"}))
    if len(a) == 1 and b.startswith(a):
        cand = _Sim(_INITIAL, frozenset({"initial"}))
        if cand.score > best.score:
            best = cand
    elif 3 <= len(a) < len(b) and b.startswith(a):
        # Truncated (MRZ fields, hurried typing): the more is typed, the surer.
        cand = _Sim(_PREFIX + 0.1 * (len(a) / len(b)), frozenset({"prefix"}))
        if cand.score > best.score:
            best = cand
    if best.score < _TRIGRAM_CAP:
        tri = _TRIGRAM_CAP * trigram_similarity(a, b)
        if tri > best.score:
            best = _Sim(tri, frozenset({"trigram"}))
    return best


def token_similarity(a: str, b: str) -> float:
    """Similarity in [0, 1] of two single names (normalised and compacted first)."""
    return _string_sim("".join(name_tokens(a)), "".join(name_tokens(b))).score


@lru_cache(maxsize=131072)
def _parts_sim(q: NameParts, c: NameParts) -> _Sim:
    """Similarity of two name parts (two surnames, or two sets of given names)."""
    if not q or not c:
        return _NO
    # Whole-part comparison on compact forms, particles optional.
    best = _NO
    qv, cv = q.compact_variants(), c.compact_variants()
    for i, qs in enumerate(qv):
        for j, cs in enumerate(cv):
            sim = _string_sim(qs, cs)
            if sim.score <= 0:
                continue
            if i or j:
                sim = _Sim(sim.score * _PARTICLE_DROPPED, sim.evidence | {"particle"})
            if sim.score > best.score:
                best = sim
    if best.score >= _EXACT:
        return best
    # Initials of a compound name: "JP" for Jean-Pierre.
    if len(c.core) > 1 and len(q.compact) == len(c.core) and q.compact == "".join(t[0] for t in c.core):
        if _INITIAL > best.score:
            best = _Sim(_INITIAL, frozenset({"initial"}))
    # Token by token: compound names where one side has more or fewer names.
    if len(q.core) > 1 or len(c.core) > 1:
        # Pair tokens best-first over all pairs (ties broken on the strings, so the
        # result does not depend on the order the names were written in).
        pairs = sorted(
            ((_string_sim(qt, ct), qt, ct, i, j) for i, qt in enumerate(q.core) for j, ct in enumerate(c.core)),
            key=lambda p: (-p[0].score, p[1], p[2]),
        )
        total = 0.0
        evidence: set[str] = set()
        used_q: set[int] = set()
        used: set[int] = set()
        for sim, qt, _ct, i, j in pairs:
            if i in used_q or j in used or sim.score <= 0:
                continue
            used_q.add(i)
            used.add(j)
            total += sim.score * len(qt)
            evidence |= sim.evidence
        weight = sum(len(t) for t in q.core)
        score = total / weight if weight else 0.0
        if len(c.core) > len(used):
            # The candidate has names the query does not mention: "Jean" for "Jean-Pierre".
            score *= _SUBSET
            evidence.add("partial")
        if score > best.score:
            best = _Sim(score, frozenset(evidence))
    return best


@dataclass(frozen=True, slots=True)
class NameMatch:
    """How a typed name matches a candidate name.

    ``score`` is in [0, 1]. ``last_score`` and ``first_score`` are the part scores under
    the assignment that won (``first_score`` is ``None`` when either side has no given
    name). ``swapped`` says the query's surname matched the candidate's given names (and
    conversely). ``evidence`` names what carried the score: ``exact``, ``particle``,
    ``phonetic``, ``typo``, ``prefix``, ``initial``, ``partial``, ``trigram``, ``swap``.
    """

    score: float
    last_score: float
    first_score: float | None
    swapped: bool
    evidence: frozenset[str]


_NO_FIRST_IN_RECORD = 0.9


def _combine(last: _Sim, first: _Sim | None, query_has_first: bool, candidate_has_first: bool) -> float:
    """Surname gates, given names refine: exact + exact is 1, an exact surname with a wrong
    given name is 0.55, a query without given names is judged on the surname alone, and a
    record without given names caps the score at 0.9 of the surname's."""
    if not query_has_first:
        return last.score
    if not candidate_has_first or first is None:
        return last.score * _NO_FIRST_IN_RECORD
    return last.score * (0.55 + 0.45 * first.score)


_Reading = tuple[NameParts, NameParts | None, bool]


@lru_cache(maxsize=4096)
def _assignments(query: str | PersonName) -> tuple[_Reading, ...]:
    """(surname part, given-names part or None, penalised) readings of the query.

    Penalised readings are the swap of structured fields and, in free text of several
    words, the reading that makes every word part of the surname.
    """
    if isinstance(query, PersonName):
        last = name_parts(query.last)
        first = name_parts(query.first)
        out: list[_Reading] = [(last, first or None, False)]
        if first:
            out.append((first, last, True))
        elif len(last.core) > 1:
            # Both names typed in the surname field.
            out.extend(_free_text_assignments(last.tokens))
        return tuple(out)
    return _free_text_assignments(name_tokens(query))


@lru_cache(maxsize=65536)
def _free_text_assignments(tokens: tuple[str, ...]) -> tuple[_Reading, ...]:
    """Every reading of free text as a surname and given names.

    The order is unknown in free text ("dupont jean" and "jean dupont" are both usual).
    The readings are taken over every rotation of the words: each split into surname and
    given names, in both roles, and "all of it is the surname" (penalised when it holds
    more than one core word). Swapping the surname and the given names is a rotation, so
    the score does not depend on the order typed.
    """
    out: list[_Reading] = []
    seen: set[tuple[tuple[str, ...], tuple[str, ...] | None]] = set()

    def add(last: tuple[str, ...], first: tuple[str, ...] | None, penalised: bool) -> None:
        if (last, first) in seen:
            return
        seen.add((last, first))
        out.append((_parts_from_tokens(last), _parts_from_tokens(first) if first is not None else None, penalised))

    n = len(tokens)
    for r in range(n):
        rotated = tokens[r:] + tokens[:r]
        whole = _parts_from_tokens(rotated)
        add(rotated, None, len(whole.core) > 1)
        for k in range(1, n):
            head, tail = rotated[:k], rotated[k:]
            add(head, tail, False)
            add(tail, head, False)
    return tuple(out)


@lru_cache(maxsize=65536)
def _candidate_parts(candidate: str | PersonName) -> tuple[tuple[NameParts, NameParts], ...]:
    if isinstance(candidate, PersonName):
        return ((name_parts(candidate.last), name_parts(candidate.first)),)
    # A bare string is read as "SURNAME given names", the order of French files; its other
    # splits are tried too, since the order of a string cannot be trusted.
    tokens = name_tokens(candidate)
    splits = _free_text_assignments(tokens)
    return tuple((last, first or _parts_from_tokens(())) for last, first, _ in splits)


def name_match(query: str | PersonName, candidate: str | PersonName) -> NameMatch:
    """Score how well ``query`` (typed by the officer) matches ``candidate`` (a record).

    Either side may be a :class:`PersonName` (parts known) or a string (free text, order
    unknown). Swapped structured fields cost a little (x0.93); free text is order-free.
    """
    best = NameMatch(0.0, 0.0, None, False, frozenset())
    for c_last, c_first in _candidate_parts(candidate):
        if not c_last:
            continue
        for q_last, q_first, penalised in _assignments(query):
            last = _parts_sim(q_last, c_last)
            if last.score <= 0:
                continue
            first = _parts_sim(q_first, c_first) if (q_first is not None and c_first) else None
            score = _combine(last, first, q_first is not None, bool(c_first))
            evidence = set(last.evidence)
            if first is not None:
                evidence |= first.evidence
            if penalised and q_first is not None:
                score *= _SWAP
                evidence.add("swap")
            elif penalised and c_first:
                # Several words read as one surname against a record that has given names.
                score *= _NO_FIRST_IN_RECORD
            score = min(1.0, max(0.0, score))
            if score > best.score:
                best = NameMatch(
                    score=score,
                    last_score=last.score,
                    first_score=first.score if first is not None else None,
                    swapped=penalised and q_first is not None,
                    evidence=frozenset(evidence),
                )
    return best


def name_score(query: str | PersonName, candidate: str | PersonName) -> float:
    """:func:`name_match` reduced to its score, a float in ``[0, 1]``.

    >>> name_score(PersonName("Lefèvre", "Jean-Pierre"), PersonName("LEFEBVRE", "Jean Pierre")) > 0.85
    True
    >>> name_score("dupont jean", PersonName("Dupont", "Jean"))
    1.0
    """
    return name_match(query, candidate).score
