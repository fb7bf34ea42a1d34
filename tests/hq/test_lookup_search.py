"""HQ's lookup search on SQLite and PostgreSQL: identifiers typed in any shape, names and
birth dates typed in the rain, ranking, the files filter, hostile input, re-import in
place, the indexes the candidate queries use, and the quality figure on a small demo
population (a regression fails here, not only in the benchmark)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from neo import protocol
from neo.hq import reference
from neo.hq.lookup.quality import evaluate
from neo.hq.lookup.search import SearchResult, search
from neo.hq.storage import Database
from neo.hq.storage.schema import reference_names
from neo.modules.lookup.demo import FILES, generate, messy_queries
from neo.modules.lookup.match import mrz_check_digit
from tests.hq.conftest import BACKENDS
from tests.pg import fresh_database

PERSONS = 2000
TODAY = date(2026, 11, 29)


@pytest.fixture(scope="module", params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A database with the demo files of PERSONS persons (the module's records only)."""
    pg: Iterator[str] | None = None
    if request.param == "postgres":
        pg = fresh_database("neo_lookup_search")
        url = next(pg)
    else:
        url = f"sqlite+pysqlite:///{tmp_path_factory.mktemp('lookup') / 'hq.db'}"
    database = Database(url)
    database.migrate()
    reference.seed_demo(database, PERSONS)
    yield database
    database.dispose()
    if pg is not None:
        pg.close()


@pytest.fixture(scope="module")
def records() -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for r in generate(reference.DEMO_SEED, PERSONS):
        out.setdefault(r.FILE, []).append(r)
    return out


def request(text: str | None = None, *, limit: int = 20, **fields: Any) -> protocol.LookupRequest:
    return protocol.LookupRequest(
        query_id=str(uuid.uuid4()), officer="10000001", reason="controle_routier", asked_at_ms=0, limit=limit,
        text=text, fields=protocol.LookupFields(**fields) if fields else None)


def run(db: Database, text: str | None = None, files: tuple[str, ...] = FILES, **kw: Any) -> SearchResult:
    return search(db, request(text, **kw), files, today=TODAY)


def ids(result: SearchResult) -> list[str]:
    return [h.record_id for h in result.hits]


def top(result: SearchResult, n: int = 10) -> list[str]:
    return ids(result)[:n]


# -- identifiers ---------------------------------------------------------------------------------


def test_plates_in_both_formats_with_messy_spacing(db: Database, records: dict[str, list[Any]]) -> None:
    siv = next(r for r in records["vehicle_registrations"] if r.plate_format == "SIV")
    fni = next(r for r in records["vehicle_registrations"] if r.plate_format == "FNI")
    for typed in (siv.plate, siv.plate.replace("-", "").lower(), "  " + siv.plate.replace("-", " - ") + " ",
                  siv.plate.replace("-", ".")):
        result = run(db, typed)
        assert result.hits[0].record_id == siv.id, typed
        assert "plate" in result.interpretations and "plate" in result.hits[0].matched
        assert result.hits[0].score == 1.0
    for typed in (fni.plate, fni.plate.replace(" ", "").lower(), fni.plate.replace(" ", "-")):
        assert top(run(db, typed), 1) == [fni.id], typed
    # A digit typed as a letter (O for 0) in an old plate still finds it, as a lesser match.
    if "0" in fni.plate:
        assert fni.id in top(run(db, fni.plate.replace("0", "O", 1)))
    assert top(run(db, None, plate=siv.plate.lower()), 1) == [siv.id]


def test_stolen_vehicle_found_by_plate_and_vin_is_an_alert_with_its_instruction(
        db: Database, records: dict[str, list[Any]]) -> None:
    stolen = records["stolen_vehicles"][0]
    for typed in (stolen.plate.lower(), " ".join((stolen.vin[:3], stolen.vin[3:9], stolen.vin[9:])).lower()):
        result = run(db, typed)
        first = result.hits[0]
        assert (first.file, first.record_id, first.severity) == ("stolen_vehicles", stolen.id, "alert")
        assert first.instruction == stolen.instruction
        assert stolen.registration_id in ids(result)  # the registration behind it, below
        assert ids(result).index(stolen.registration_id) > 0


def test_vin_with_look_alike_letters(db: Database, records: dict[str, list[Any]]) -> None:
    reg = records["vehicle_registrations"][3]
    typed = reg.vin.replace("0", "O").replace("1", "I").lower()
    result = run(db, typed)
    assert result.hits[0].record_id == reg.id and "vin" in result.hits[0].matched


def test_document_numbers_with_spaces_and_look_alikes(db: Database, records: dict[str, list[Any]]) -> None:
    doc = next(r for r in records["id_documents"] if r.format == "passeport")
    licence = next(r for r in records["driving_licences"] if "5" in r.number or "8" in r.number)
    assert top(run(db, doc.number[:2] + " " + doc.number[2:].lower()), 1) == [doc.id]
    assert top(run(db, None, document=doc.number), 1) == [doc.id]
    slip = licence.number.replace("5", "S", 1) if "5" in licence.number else licence.number.replace("8", "B", 1)
    result = run(db, slip)
    assert licence.id in top(result, 3)
    hit = next(h for h in result.hits if h.record_id == licence.id)
    assert hit.score < 1.0 and "document" in hit.matched


def _mrz_name(text: str) -> str:
    from neo.modules.lookup.match import normalize_name

    return normalize_name(text).upper().replace(" ", "<")


def td3(surname: str, given: list[str], number: str, birth: str, sex: str, expiry: str) -> str:
    names = f"{_mrz_name(surname)}<<{'<'.join(_mrz_name(g) for g in given)}"
    line1 = f"P<FRA{names}".ljust(44, "<")[:44]
    num = number.ljust(9, "<")
    b = birth[2:4] + birth[5:7] + birth[8:10]
    e = expiry[2:4] + expiry[5:7] + expiry[8:10]
    optional = "<" * 14
    body = f"{num}{mrz_check_digit(num)}FRA{b}{mrz_check_digit(b)}{sex}{e}{mrz_check_digit(e)}{optional}"
    body += mrz_check_digit(optional)
    composite = body[0:10] + body[13:20] + body[21:43]
    return f"{line1}\n{body}{mrz_check_digit(composite)}"


def test_mrz_gives_the_document_and_the_identity(db: Database, records: dict[str, list[Any]]) -> None:
    doc = next(r for r in records["id_documents"] if r.format == "passeport")
    mrz = td3(doc.surname, list(doc.given_names), doc.number, doc.birth_date, doc.sex, doc.expires_on)
    result = run(db, mrz)
    assert result.interpretations[0] == "mrz"
    first = result.hits[0]
    assert first.record_id == doc.id and "document" in first.matched
    person = "P" + doc.id[1:9]
    assert person in top(result)
    assert "mrz" in next(h for h in result.hits if h.record_id == person).matched
    assert top(run(db, None, mrz=mrz), 1) == [doc.id]


# -- names -----------------------------------------------------------------------------------------


def _person(records: dict[str, list[Any]], pick: Any) -> Any:
    return next(p for p in records["persons"] if pick(p))


def _dmy(iso: str) -> str:
    return f"{iso[8:]}/{iso[5:7]}/{iso[:4]}"


def test_name_and_birth_date_as_typed_in_the_rain(db: Database, records: dict[str, list[Any]]) -> None:
    from neo.modules.lookup.demo.messy import strip_accents

    p = _person(records, lambda p: len(p.surname) >= 6 and "-" not in p.surname and " " not in p.surname
                and int(p.birth_date[8:]) <= 12 and p.birth_date[8:] != p.birth_date[5:7])
    first = p.given_names[0]
    d = p.birth_date
    typo = p.surname[:2] + p.surname[3] + p.surname[2] + p.surname[4:]  # two letters swapped
    cases = [
        f"{p.surname} {first} {_dmy(d)}",
        f"{first} {p.surname} {_dmy(d)}",  # names swapped
        strip_accents(f"{p.surname} {first} {_dmy(d)}").lower(),
        f"{typo} {first} {_dmy(d)}".upper(),
        f"{p.surname} {first} {d[:4]}",  # year only
        f"{p.surname} {first} {d[5:7]}/{d[:4]}",  # month and year
        f"{p.surname} {first} {d[5:7]}/{d[8:]}/{d[:4]}",  # day and month swapped
        f"{p.surname} {first} {d[8:]}{d[5:7]}{d[2:4]}",  # run together, two-digit year
        f"{typo} {first} {d[:4]}",
    ]
    for typed in cases:
        result = run(db, typed)
        assert result.interpretations == ["person"], typed
        assert p.id in top(result), typed
    exact = run(db, cases[0])
    hit = next(h for h in exact.hits if h.record_id == p.id)
    assert hit.score >= 0.9 and "birth_date" in hit.matched  # the other given names were not typed
    swapped = run(db, cases[6])
    assert "birth_date_approx" in next(h for h in swapped.hits if h.record_id == p.id).matched
    structured = run(db, None, surname=typo.lower(), given_names=first, birth_date=d[:4])
    assert p.id in top(structured)


def test_particles_and_usage_names(db: Database, records: dict[str, list[Any]]) -> None:
    with_particle = _person(records, lambda p: p.surname.lower().startswith(("de ", "du ", "le ", "la ", "d'")))
    core = with_particle.surname.split(" ", 1)[1] if " " in with_particle.surname else with_particle.surname[2:]
    result = run(db, f"{core} {with_particle.given_names[0]} {_dmy(with_particle.birth_date)}")
    assert with_particle.id in top(result)
    married = _person(records, lambda p: p.usage_name)
    result = run(db, f"{married.usage_name} {married.given_names[0]} {_dmy(married.birth_date)}")
    assert married.id in top(result)


def test_name_without_a_birth_date(db: Database, records: dict[str, list[Any]]) -> None:
    p = _person(records, lambda p: len(p.surname) >= 7 and p.surname.isalpha())
    result = run(db, f"{p.surname.lower()} {p.given_names[0].lower()}")
    assert p.id in top(result)
    assert all(h.score >= 0.5 for h in result.hits) and len(result.hits) <= 20
    assert "birth_date" not in next(h for h in result.hits if h.record_id == p.id).matched
    typo = p.surname[:-2] + p.surname[-1] + p.surname[-2]
    assert p.id in top(run(db, f"{typo} {p.given_names[0]}"))


def test_typos_in_both_names_of_a_record_with_several_given_names(db: Database, tmp_path: Path) -> None:
    """The fuzzy tier judges the words typed against the part of the name they match: the
    given names that were not typed do not push the record out (PostgreSQL's word
    similarity, SQLite's trigram index)."""
    base = next(r for r in generate(reference.DEMO_SEED, 1) if r.FILE == "persons").to_dict()
    row = {**base, "id": "PXW1", "surname": "Desbernoux", "usage_name": None,
           "given_names": ["Julie", "Marie", "Béatrice"], "birth_date": "1986-05-29"}
    path = tmp_path / "persons.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    reference.import_file(db, "persons", path)
    assert "PXW1" in top(run(db, "Desbernojx Iulie 1986"))
    assert "PXW1" in top(run(db, "iulie desbernojx"))


def test_a_name_with_its_full_birth_date_is_answered_from_the_people_born_that_day(
        db: Database, records: dict[str, list[Any]]) -> None:
    """Someone born on the date typed with a name close to the one typed ends the search:
    the tiers for a date typed wrong are not asked."""
    p = _person(records, lambda p: len(p.surname) >= 7 and p.surname.isalpha() and p.given_names[0].isalpha())
    typo = p.surname[:3] + p.surname[4] + p.surname[3] + p.surname[5:]
    seen: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM reference_names" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        result = run(db, f"{typo} {p.given_names[0]} {_dmy(p.birth_date)}")
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert p.id in top(result, 3)
    assert len(seen) == 1 and "birth_date IN" in seen[0]


# -- ranking ---------------------------------------------------------------------------------------


def test_a_wanted_person_comes_above_their_civil_record(db: Database, records: dict[str, list[Any]]) -> None:
    wanted = records["wanted_persons"][0]
    result = run(db, f"{wanted.surname} {wanted.given_names[0]} {_dmy(wanted.birth_date)}")
    assert result.hits[0].record_id == wanted.id
    assert result.hits[0].severity == "alert" and result.hits[0].instruction == wanted.instruction
    assert ids(result).index(wanted.person_id) > 0


def test_exact_before_fuzzy_and_severity_only_among_strong_hits(db: Database, tmp_path: Path) -> None:
    base = next(r for r in generate(reference.DEMO_SEED, 1) if r.FILE == "persons").to_dict()
    people = {"PX0": ("Vantrebiche", "Hortense"), "PX1": ("Vantrebiche", "Hortensia"),
              "PX2": ("Ventrebuche", "Hortense")}
    rows = [{**base, "id": rid, "surname": s, "usage_name": None, "given_names": [g], "birth_date": "1971-04-09"}
            for rid, (s, g) in people.items()]
    missing = next(r for r in generate(reference.DEMO_SEED, 600) if r.FILE == "missing_persons").to_dict()
    alerts = {"MX1": ("Ventrebiche", "Hortensia"), "MX2": ("Vantrebiche", "Horace")}  # strong, weak
    rows_missing = [{**missing, "id": rid, "surname": s, "given_names": [g], "birth_date": "1971-04-09"}
                    for rid, (s, g) in alerts.items()]
    for file, data in (("persons", rows), ("missing_persons", rows_missing)):
        path = tmp_path / f"{file}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data), encoding="utf-8")
        reference.import_file(db, file, path)
    result = run(db, "vantrebiche hortense 09/04/1971")
    scores = {h.record_id: h.score for h in result.hits}
    assert scores["PX0"] > scores["PX1"] > scores["PX2"] >= 0.85 > scores["MX2"]
    # A strong alert first (severity among strong hits), the exact name next, a weak alert
    # after every strong hit.
    assert ids(result)[:5] == ["MX1", "PX0", "PX1", "PX2", "MX2"]


def test_files_not_allowed_never_appear(db: Database, records: dict[str, list[Any]]) -> None:
    wanted = records["wanted_persons"][0]
    typed = f"{wanted.surname} {wanted.given_names[0]} {_dmy(wanted.birth_date)}"
    allowed = ("persons", "driving_licences")
    result = run(db, typed, files=allowed)
    assert result.hits and {h.file for h in result.hits} <= set(allowed)
    stolen = records["stolen_vehicles"][0]
    assert run(db, stolen.plate, files=("persons",)).hits == []
    assert run(db, stolen.plate, files=()).hits == []


# -- hostile input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [
    "' OR 1=1 --", "\"NEAR(", "dupont*", "dupont AND jean", "a\" OR \"b", "NEAR(dup ont)", "%", "_", "*",
    "'; DROP TABLE reference_records; --", "dupont) OR (1=1", "x\x00y", "jean \"dupont\" 1985",
])
def test_injection_looking_input_is_just_text(db: Database, typed: str) -> None:
    result = run(db, typed)
    for hit in result.hits:  # whatever comes back is a real match of the words, not every row
        assert hit.score >= 0.5
    assert len(result.hits) <= 20
    assert db.read(lambda c: c.execute(select(func.count()).select_from(reference_names)).scalar()) > 0


# -- index maintenance -----------------------------------------------------------------------------


def test_reimport_updates_the_name_index_in_place(db: Database, records: dict[str, list[Any]], tmp_path: Path) -> None:
    p = records["persons"][-1].to_dict()
    before = db.read(lambda c: c.execute(select(func.count()).select_from(reference_names)).scalar())
    changed = {**p, "surname": "Quenouillard", "usage_name": None}
    path = tmp_path / "persons.jsonl"
    path.write_text(json.dumps(changed, ensure_ascii=False) + "\n", encoding="utf-8")
    reference.import_file(db, "persons", path)
    assert p["id"] in top(run(db, f"quenouillard {p['given_names'][0]} {_dmy(p['birth_date'])}"))
    old = run(db, f"{p['surname']} {p['given_names'][0]} {_dmy(p['birth_date'])}")
    assert p["id"] not in [h.record_id for h in old.hits if h.score >= 0.85]
    after = db.read(lambda c: c.execute(select(func.count()).select_from(reference_names)).scalar())
    assert after == before - (1 if p["usage_name"] else 0)
    # Put it back for the other tests.
    path.write_text(json.dumps(p, ensure_ascii=False) + "\n", encoding="utf-8")
    reference.import_file(db, "persons", path)


def test_migration_indexes_records_imported_before_it(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from neo.hq.storage.db import MIGRATIONS_DIR

    old = Database(f"sqlite+pysqlite:///{tmp_path / 'old.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with old.engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        conn.commit()
    person = next(r for r in generate(reference.DEMO_SEED, 1) if r.FILE == "persons")
    old.write(lambda c: c.execute(text(
        "INSERT INTO reference_records (file, record_id, payload, updated_at, imported_at) "
        "VALUES ('persons', :id, :p, '2026-11-28 10:00:00.000000', '2026-11-28 10:00:00.000000')"),
        {"id": person.id, "p": json.dumps(person.to_dict(), ensure_ascii=False)}))
    old.migrate()
    result = search(old, request(f"{person.surname} {person.given_names[0]} {_dmy(person.birth_date)}"), FILES)
    assert top(result, 1) == [person.id]
    old.dispose()


def test_candidate_queries_use_indexes(db: Database, records: dict[str, list[Any]]) -> None:
    """Every statement a search runs is served by an index (SQLite's plans; PostgreSQL
    is checked on the benchmark's million-person database, where its planner has statistics)."""
    if db.dialect != "sqlite":
        pytest.skip("query plans checked on SQLite")
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    p = records["persons"][5]
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        for typed in (f"{p.surname} {p.given_names[0]} {_dmy(p.birth_date)}", f"{p.surname}x {p.given_names[0]} "
                      f"{p.birth_date[:4]}", "zzqxw wqpzt", records["vehicle_registrations"][0].plate,
                      records["id_documents"][0].number):
            run(db, typed)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert seen

    def plans(conn: Any) -> list[str]:
        out = []
        for statement, parameters in seen:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            out += [r[3] for r in rows]
        return out

    details = db.read(plans)
    scans = [d for d in details if d.startswith("SCAN") and "VIRTUAL TABLE" not in d and "fts" not in d]
    assert scans == [], scans


# -- quality ---------------------------------------------------------------------------------------


def test_recall_at_10_on_messy_queries(db: Database) -> None:
    queries = messy_queries(reference.DEMO_SEED, 150, PERSONS)
    quality = evaluate(db, queries)
    assert quality.recall >= 0.98, quality.misses
    assert quality.precision_at_1 >= 0.9, quality.misses
