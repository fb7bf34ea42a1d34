"""The lookup's reference files at HQ, on both backends: ``neo-hq reference import`` (CSV and
JSON Lines, validated, all or nothing, re-import in place) and ``neo-hq seed-demo --persons``
(the generator's records, found again by their exact identifier keys)."""

from __future__ import annotations

import csv
import json
import secrets
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from neo.hq import reference
from neo.hq.cli import main
from neo.hq.storage import reference as reference_sql
from neo.hq.testing import LiveHQ
from neo.modules.lookup.demo import generate
from neo.modules.lookup.demo.records import columns
from neo.modules.lookup.match.keys import document_key, plate_key, vin_key


def cli(capsys: pytest.CaptureFixture[str], db_backend: tuple[str, str], tmp_path: Path,
        *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--data-dir", str(tmp_path / "hq"), "--db", db_backend[1]])
    out, err = capsys.readouterr()
    return code, out, err


def vehicles(n: int, tag: str) -> list[dict[str, Any]]:
    """``n`` generated registrations under fresh ids (no clash with other tests or runs)."""
    rows = [r.to_dict() for r in generate(11, 400) if r.FILE == "vehicle_registrations"][:n]
    for i, r in enumerate(rows):
        r["id"] = f"{tag}-{i}"
        r["plate"] = f"{tag[:2]}-{100 + i:03d}-ZZ"
    return rows


def write_csv(path: Path, rows: list[dict[str, Any]], file: str, drop: str | None = None) -> Path:
    cols = [c for c in columns(file) if c != drop]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("|".join(v) if isinstance(v, list) else ("" if v is None else v))
                        for k, v in r.items()})
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def stored(live: LiveHQ, file: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = live.hq.db.read(lambda c: reference_sql.get_records(c, [(file, i) for i in ids]))
    return {r["record_id"]: json.loads(r["payload"]) for r in rows}


def tag() -> str:
    return "T" + secrets.token_hex(3).upper()


def test_import_csv_then_jsonl_and_reimport_in_place(live: LiveHQ, db_backend: tuple[str, str], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    t = tag()
    rows = vehicles(5, t)
    code, out, err = cli(capsys, db_backend, tmp_path, "reference", "import", "--kind", "vehicle_registrations",
                         "--file", str(write_csv(tmp_path / "v.csv", rows, "vehicle_registrations")), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["rows"] == 5 and report["written"] == 5
    ids = [r["id"] for r in rows]
    got = stored(live, "vehicle_registrations", ids)
    assert set(got) == set(ids)
    assert got[ids[0]] == {**rows[0], "file": "vehicle_registrations"}  # CSV text read back as the typed record
    before = live.hq.db.read(reference_sql.counts)["vehicle_registrations"]

    # JSON Lines: the same records, one of them changed, plus a new one.
    rows[0]["colour"] = "violet"
    rows[0]["updated_at"] = "2026-11-28T09:00:00Z"
    extra = vehicles(6, t)[5]
    code, out, err = cli(capsys, db_backend, tmp_path, "reference", "import", "--kind", "vehicle_registrations",
                         "--file", str(write_jsonl(tmp_path / "v.jsonl", [*rows, extra])))
    assert code == 0, err
    assert live.hq.db.read(reference_sql.counts)["vehicle_registrations"] == before + 1  # updated in place
    got = stored(live, "vehicle_registrations", [*ids, extra["id"]])
    assert got[ids[0]]["colour"] == "violet" and len(got) == 6
    updated = live.hq.db.read(lambda c: reference_sql.get_records(c, [("vehicle_registrations", ids[0])]))[0]
    assert updated["updated_at"].isoformat() == "2026-11-28T09:00:00+00:00"
    # Keys follow the record: exact lookups by plate and VIN find it, once.
    found = reference.find(live.hq.db, [plate_key(rows[1]["plate"].lower().replace("-", " "))])
    assert [r["record_id"] for r in found] == [ids[1]]
    found = reference.find(live.hq.db, [vin_key(rows[2]["vin"])])
    assert ids[2] in [r["record_id"] for r in found]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("problem", ["wrong_type", "missing_column"])
def test_a_bad_row_is_reported_with_its_line_and_nothing_is_imported(
        live: LiveHQ, db_backend: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        fmt: str, problem: str) -> None:
    t = tag()
    rows = [r.to_dict() for r in generate(5, 300) if r.FILE == "driving_licences"][:4]
    for i, r in enumerate(rows):
        r["id"] = f"{t}-{i}"
    bad = 2  # third record: line 4 of the CSV (after the header), line 3 of the JSON Lines
    if problem == "wrong_type":
        rows[bad]["points"] = "douze"
    if fmt == "csv":
        path = tmp_path / "l.csv"
        write_csv(path, rows, "driving_licences")
        if problem == "missing_column":  # a short row: its last cells are missing
            lines = path.read_text(encoding="utf-8").splitlines()
            lines[bad + 1] = ",".join(next(csv.reader([lines[bad + 1]]))[:5])
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        line = bad + 2
    else:
        if problem == "missing_column":
            del rows[bad]["points"]
        path = write_jsonl(tmp_path / "l.jsonl", rows)
        line = bad + 1
    before = live.hq.db.read(reference_sql.counts)
    code, out, err = cli(capsys, db_backend, tmp_path, "reference", "import", "--kind", "driving_licences",
                         "--file", str(path))
    assert code == 1 and out == ""
    assert f"ligne {line} :" in err and "ligne 1 :" not in err, err
    assert "rien n'a été importé" in err
    assert live.hq.db.read(reference_sql.counts) == before
    assert stored(live, "driving_licences", [r["id"] for r in rows]) == {}


def test_import_rejects_an_unknown_kind(db_backend: tuple[str, str], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = write_jsonl(tmp_path / "x.jsonl", [{"id": "1"}])
    code, _out, err = cli(capsys, db_backend, tmp_path, "reference", "import", "--kind", "nope", "--file", str(path))
    assert code == 1 and "nope" in err


def test_seed_demo_command_writes_the_reference_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A database of its own: seed-demo also writes synced demo records every device pulls,
    # which the shared test server must not see.
    persons = 120
    expected = dict(sorted(Counter(r.FILE for r in generate(reference.DEMO_SEED, persons)).items()))
    for _ in range(2):  # idempotent
        code = main(["seed-demo", "--persons", str(persons), "--data-dir", str(tmp_path / "hq"), "--json"])
        out, err = capsys.readouterr()
        assert code == 0, err
        report = json.loads(out)
        assert report["reference_records"] == expected
        assert report["reference_counts"] == expected


def test_seed_demo_fills_the_reference_files_and_keys_find_the_records(live: LiveHQ) -> None:
    """What ``seed-demo --persons`` writes into the reference files, on both backends."""
    persons = 300
    records = list(generate(reference.DEMO_SEED, persons))
    expected = dict(sorted(Counter(r.FILE for r in records).items()))
    ticks: list[tuple[int, int]] = []
    assert reference.seed_demo(live.hq.db, persons, lambda _l, d, t: ticks.append((d, t)), chunk=100) == expected
    assert ticks == [(100, 300), (200, 300), (300, 300)]
    by_file: dict[str, list[str]] = {}
    for r in records:
        by_file.setdefault(r.FILE, []).append(r.id)
    for file, ids in by_file.items():
        assert len(stored(live, file, ids)) == expected[file], file
    totals = live.hq.db.read(reference_sql.counts)

    # Idempotent: a second run rewrites the same records in place.
    assert reference.seed_demo(live.hq.db, persons) == expected
    assert live.hq.db.read(reference_sql.counts) == totals

    # Exact-key lookups of a generated plate, VIN and document number find their records.
    reg = next(r for r in records if r.FILE == "vehicle_registrations")
    doc = next(r for r in records if r.FILE == "id_documents")
    for key, want in ((plate_key(reg.plate), reg.id), (vin_key(reg.vin), reg.id),
                      (document_key(doc.number), doc.id)):
        assert key is not None
        found = reference.find(live.hq.db, [key])
        assert want in [r["record_id"] for r in found], key
        assert all(key in live.hq.db.read(lambda c, r=r: reference_sql.keys_of(c, r["file"], r["record_id"]))
                   for r in found)
    stolen = [r for r in records if r.FILE == "stolen_vehicles"]
    if stolen:
        found = {(r["file"], r["record_id"]) for r in reference.find(live.hq.db, [plate_key(stolen[0].plate)])}
        assert ("stolen_vehicles", stolen[0].id) in found
