"""The lookup's reference files at HQ: import of CSV or JSON Lines extracts, and the demo
data from the generator.

Each file kind (``wanted_persons``, ``vehicle_registrations``…) has the documented columns
of ``neo.modules.lookup.demo.records``; every row is validated with pydantic against them
before anything is written, so a bad row is reported with its line number and the import
writes nothing. Records are stored as JSON with their canonical identifier keys
(``neo.modules.lookup.match.keys``) for exact lookups; re-importing a record (same file,
same ``id``) replaces it in place.

CSV: one header line with the column names (``file`` optional); a list column (given names,
aliases, licence categories) is a JSON array or values separated by ``|``; an empty cell of
an optional column is null. JSON Lines: one object per line, as ``to_dict()`` writes it.
"""

from __future__ import annotations

import csv
import functools
import itertools
import json
import multiprocessing
import os
import types
import typing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError, create_model

from neo.hq.errors import AdminError
from neo.hq.lookup.index import name_rows
from neo.hq.storage import Database
from neo.hq.storage import hotlist as hotlist_sql
from neo.hq.storage import reference as reference_sql
from neo.i18n import tr
from neo.modules.lookup.demo import records as demo_records
from neo.modules.lookup.match import DatePrecision, parse_birth_date
from neo.modules.lookup.match import keys as match_keys

Progress = Callable[[str, int, int], None]

FILES: tuple[str, ...] = demo_records.FILES
BATCH = 1000
DEMO_SEED = 20261128
MAX_ERRORS = 20


# -- validation ----------------------------------------------------------------------------------


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


def _model(file: str) -> type[BaseModel]:
    cls = demo_records.RECORD_TYPE[file]
    hints = typing.get_type_hints(cls)
    spec: dict[str, Any] = {"file": (str | None, None)}
    for f in fields(cls):  # type: ignore[arg-type]
        t = hints[f.name]
        if f.name == "updated_at":
            t = AwareDatetime
        elif t == tuple[str, ...]:
            t = list[str]
        elif isinstance(t, types.UnionType) and type(None) in t.__args__:
            spec[f.name] = (t, ...)  # required column, null allowed
            continue
        spec[f.name] = (t, ...)
    return create_model(f"{file}_row", __base__=_Row, **spec)


MODELS: dict[str, type[BaseModel]] = {file: _model(file) for file in FILES}


def _list_columns(file: str) -> set[str]:
    hints = typing.get_type_hints(demo_records.RECORD_TYPE[file])
    return {name for name, t in hints.items() if t == tuple[str, ...]}


def _optional_columns(file: str) -> set[str]:
    hints = typing.get_type_hints(demo_records.RECORD_TYPE[file])
    return {name for name, t in hints.items() if isinstance(t, types.UnionType) and type(None) in t.__args__}


class RowError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{line}: {message}")
        self.line = line
        self.message = message


@dataclass
class Validated:
    file: str
    record_id: str
    payload: dict[str, Any]
    updated_at: datetime


def _describe(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        where = ".".join(str(x) for x in e["loc"]) or "?"
        parts.append(f"{where}: {e['msg']}")
    return "; ".join(parts)


def validate(file: str, data: dict[str, Any], line: int) -> Validated:
    """One row as a stored record, or :class:`RowError` naming the line and the problem."""
    model = MODELS[file]
    try:
        row = model.model_validate(data)
    except ValidationError as exc:
        raise RowError(line, _describe(exc)) from None
    if row.file not in (None, file):  # type: ignore[attr-defined]
        raise RowError(line, tr("fichier {got!r} au lieu de {want!r}", got=row.file, want=file))  # type: ignore[attr-defined]
    payload = row.model_dump(mode="json", exclude={"file"})
    payload = {"file": file, **payload, "updated_at": data["updated_at"] if isinstance(data["updated_at"], str)
               else payload["updated_at"]}
    if not payload["id"]:
        raise RowError(line, tr("id vide"))
    return Validated(file, payload["id"], payload, row.updated_at.astimezone(UTC))  # type: ignore[attr-defined]


# -- reading -------------------------------------------------------------------------------------


def _csv_rows(text: Iterable[str], file: str) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    reader = csv.DictReader(text)
    lists, optional = _list_columns(file), _optional_columns(file)
    for raw in reader:
        line = reader.line_num
        if None in raw:
            yield line, RowError(line, tr("plus de valeurs que de colonnes"))
            continue
        row: dict[str, Any] = {}
        for name, value in raw.items():
            if value is None:  # fewer cells than columns
                continue
            if name in lists:
                v = value.strip()
                if v.startswith("["):
                    try:
                        row[name] = json.loads(v)
                    except ValueError:
                        yield line, RowError(line, tr("{col} : liste JSON illisible", col=name))
                        break
                else:
                    row[name] = [x for x in v.split("|") if x] if v else []
            elif value == "" and name in optional:
                row[name] = None
            else:
                row[name] = value
        else:
            yield line, row


def _jsonl_rows(text: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    for line, raw in enumerate(text, 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except ValueError as exc:
            yield line, RowError(line, tr("JSON illisible : {e}", e=str(exc)))
            continue
        if not isinstance(data, dict):
            yield line, RowError(line, tr("un objet JSON est attendu"))
            continue
        yield line, data


def _format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    raise AdminError(tr("Format de fichier inconnu : {p} (attendu : .csv ou .jsonl).", p=path))


def _read(path: Path, file: str) -> Iterator[tuple[int, Validated | RowError]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = _csv_rows(fh, file) if _format(path) == "csv" else _jsonl_rows(fh)
        for line, row in rows:
            if isinstance(row, RowError):
                yield line, row
                continue
            try:
                yield line, validate(file, row, line)
            except RowError as exc:
                yield line, exc


# -- keys ----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def _full_birth_date(text: str, today: date) -> date | None:
    """The day a birth date names (as a person key reads it), None if it names no day;
    cached: a million persons share some 40,000 birth dates."""
    parsed = parse_birth_date(text, today=today)
    if parsed is None or parsed.value is None or parsed.precision != DatePrecision.DAY:
        return None
    return parsed.value.to_date()


_KEY_DAY = date(2000, 1, 1)


@functools.lru_cache(maxsize=1 << 16)
def _person_key_prefix(last: str, first: str) -> str:
    """``person_key(last, first, day)`` but the day (``v1:person:dupont:jean:``): the names'
    part, cached, as names repeat."""
    key = match_keys.person_key(last, first, _KEY_DAY)
    assert key.endswith(_KEY_DAY.isoformat())
    return key[:-len(_KEY_DAY.isoformat())]


def _person(p: dict[str, Any], surname: str = "surname") -> list[str | None]:
    try:
        birth = p["birth_date"]
        day = _full_birth_date(birth, date.today()) if isinstance(birth, str) else birth
        if not isinstance(day, date):
            return []
        return [_person_key_prefix(p[surname], " ".join(p.get("given_names") or ())) + day.isoformat()]
    except (ValueError, KeyError, TypeError):
        return []


def record_keys(file: str, p: dict[str, Any]) -> list[tuple[str, str]]:
    """``(kind, key)`` of a record's identifiers, without duplicates."""
    found: list[str | None] = []
    if file in (demo_records.VEHICLE_REGISTRATIONS, demo_records.STOLEN_VEHICLES):
        found += [match_keys.plate_key(p["plate"]), match_keys.vin_key(p["vin"])]
    elif file in (demo_records.ID_DOCUMENTS, demo_records.STOLEN_DOCUMENTS):
        found.append(match_keys.document_key(p["number"]))
    elif file == demo_records.DRIVING_LICENCES:
        found += [match_keys.document_key(p["number"]),
                  match_keys.document_key(p["card_number"]) if p.get("card_number") else None]
    elif file == demo_records.STOLEN_OBJECTS:
        found.append(match_keys.serial_number_key(p["serial"]))
        if p.get("serial_kind") == "plaque":
            found.append(match_keys.plate_key(p["serial"]))
    if file in (demo_records.PERSONS, demo_records.ID_DOCUMENTS, demo_records.DRIVING_LICENCES,
                demo_records.WANTED_PERSONS, demo_records.MISSING_PERSONS):
        found += _person(p)
    out: dict[str, str] = {}
    for key in found:
        if key and len(key) <= 255:
            out[key] = key.split(":", 2)[1]
    return [(kind, key) for key, kind in out.items()]


# -- writing -------------------------------------------------------------------------------------


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _rows_of(v: Validated, now: datetime) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """One record's rows: ``reference_records``, its ``reference_keys``, its name-index rows."""
    row = {"file": v.file, "record_id": v.record_id, "payload": _dumps(v.payload), "updated_at": v.updated_at,
           "imported_at": now}
    keys = [{"file": v.file, "record_id": v.record_id, "kind": kind, "key": key}
            for kind, key in record_keys(v.file, v.payload)]
    return row, keys, name_rows(v.file, v.payload)


def _write_batch(conn: Any, batch: list[Validated], now: datetime) -> int:
    latest: dict[tuple[str, str], Validated] = {}
    for v in batch:  # the same record twice in a batch: the later line wins
        latest[(v.file, v.record_id)] = v
    rows, keys, names = [], [], []
    for v in latest.values():
        row, k, n = _rows_of(v, now)
        rows.append(row)
        keys += k
        names += n
    hotlist_sql.bump_reference_generation(conn)  # the hot-list's cache is stale
    return reference_sql.upsert_records(conn, rows, keys, names)


class ImportFailed(AdminError):
    """Bad rows in an import (nothing was written)."""

    def __init__(self, path: Path, errors: list[RowError], more: bool) -> None:
        lines = "\n".join(tr("  ligne {n} : {msg}", n=e.line, msg=e.message) for e in errors)
        super().__init__(tr("{p} : ligne(s) invalide(s), rien n'a été importé :\n{lines}", p=path, lines=lines)
                         + ("\n  …" if more else ""))
        self.errors = errors


def import_file(db: Database, file: str, path: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Validate every row of ``path``, then write them all in one transaction (all or nothing)."""
    if file not in MODELS:
        raise AdminError(tr("Fichier de référence inconnu : {k} (connus : {all}).", k=file, all=", ".join(FILES)))
    path = Path(path)
    if not path.is_file():
        raise AdminError(tr("Fichier introuvable : {p}", p=path))
    errors: list[RowError] = []
    total = 0
    more = False
    for _line, row in _read(path, file):
        if isinstance(row, RowError):
            if len(errors) < MAX_ERRORS:
                errors.append(row)
            else:
                more = True
        else:
            total += 1
        if progress is not None and total % BATCH == 0:
            progress(tr("validation"), total, 0)
    if errors:
        raise ImportFailed(path, errors, more)
    now = datetime.now(UTC)

    def write(conn: Any) -> int:
        written = 0
        batch: list[Validated] = []
        for _line, row in _read(path, file):
            assert isinstance(row, Validated)  # validated above
            batch.append(row)
            if len(batch) >= BATCH:
                written += _write_batch(conn, batch, now)
                batch = []
                if progress is not None:
                    progress(tr("import"), written, total)
        written += _write_batch(conn, batch, now)
        if progress is not None:
            progress(tr("import"), total, total)
        return written

    written = db.write(write)
    return {"file": file, "path": str(path), "rows": total, "written": written,
            "counts": db.read(reference_sql.counts)}


# -- demo ----------------------------------------------------------------------------------------


_SPAWN = multiprocessing.get_context("spawn")  # fresh workers: safe under threads (a server, Qt)
WORKERS_FROM = 20_000  # persons from which the demo records are made in worker processes


@dataclass
class _DemoPart:
    """The demo records of persons ``[start, stop)``, ready to write."""

    stop: int
    counts: dict[str, int]
    batch: list[Validated] | None = None  # for the upsert path
    rows: dict[str, list[tuple[Any, ...]]] | None = None  # for a bulk load: table -> encoded rows


def _demo_validated(seed: int, persons: int, start: int, stop: int) -> tuple[list[Validated], dict[str, int]]:
    from neo.modules.lookup.demo import generate

    batch: list[Validated] = []
    counts: dict[str, int] = {}
    for r in generate(seed, persons, start, stop):
        payload = r.to_dict()
        batch.append(Validated(r.FILE, r.id, payload, datetime.fromisoformat(payload["updated_at"]).astimezone(UTC)))
        counts[r.FILE] = counts.get(r.FILE, 0) + 1
    return batch, counts


def _demo_part(seed: int, persons: int, start: int, stop: int, now: datetime, bulk_dialect: str | None) -> _DemoPart:
    """(In a worker process, or in-process for a small population.) The records of
    persons ``[start, stop)``: validated records for the upsert path, or, with
    ``bulk_dialect``, every table's rows encoded for a bulk load."""
    batch, counts = _demo_validated(seed, persons, start, stop)
    if bulk_dialect is None:
        return _DemoPart(stop, counts, batch=batch)
    encode = _encoder(bulk_dialect)
    records, keys, names = reference_sql.BULK_TABLES
    out: dict[str, list[tuple[Any, ...]]] = {records.name: [], keys.name: [], names.name: []}
    for v in batch:
        row, k, n = _rows_of(v, now)
        out[records.name].append(encode(records.name, row))
        out[keys.name] += [encode(keys.name, x) for x in k]
        out[names.name] += [encode(names.name, x) for x in n]
    return _DemoPart(stop, counts, rows=out)


_ENCODERS: dict[str, Callable[[str, dict[str, Any]], tuple[Any, ...]]] = {}


def _encoder(dialect: str) -> Callable[[str, dict[str, Any]], tuple[Any, ...]]:
    if dialect not in _ENCODERS:
        _ENCODERS[dialect] = reference_sql.bulk_encoder(dialect)
    return _ENCODERS[dialect]


def _demo_parts(seed: int, persons: int, chunk: int, workers: int, now: datetime,
                bulk_dialect: str | None) -> Iterator[_DemoPart]:
    """The parts in order, made by ``workers`` processes (in-process when 0), at most two
    per worker ahead of the writer."""
    slices = [(a, min(persons, a + chunk)) for a in range(0, persons, chunk)]
    if workers <= 0:
        for a, b in slices:
            yield _demo_part(seed, persons, a, b, now, bulk_dialect)
        return
    pool = ProcessPoolExecutor(workers, mp_context=_SPAWN)
    try:
        pending: deque[Future[_DemoPart]] = deque()
        todo = iter(slices)
        for a, b in itertools.islice(todo, 2 * workers):
            pending.append(pool.submit(_demo_part, seed, persons, a, b, now, bulk_dialect))
        while pending:
            part = pending.popleft().result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append(pool.submit(_demo_part, seed, persons, nxt[0], nxt[1], now, bulk_dialect))
            yield part
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def seed_demo(db: Database, persons: int, progress: Progress | None = None, *, seed: int = DEMO_SEED,
              chunk: int = 1000, workers: int | None = None, bulk: bool | None = None) -> dict[str, int]:
    """Write the generator's records for ``persons`` persons into the reference files
    (idempotent: the same records are rewritten in place). Returns the records per file.

    Into empty reference tables (``bulk``, the default then) everything is written in one
    transaction with the indexes built at the end (:func:`neo.hq.storage.reference.bulk_begin`);
    otherwise in one transaction per ``chunk`` persons, each record upserted with its keys
    and names. From :data:`WORKERS_FROM` persons, the records are made in ``workers``
    spawned processes (default: one per CPU) while this one writes. ``progress`` is told
    after each chunk (a bulk load's last chunk once the indexes are built).
    """
    if workers is None:
        workers = (os.cpu_count() or 1) if persons >= WORKERS_FROM else 0
    if bulk is None:
        bulk = persons > 0 and db.read(reference_sql.is_empty)
    now = datetime.now(UTC)
    written: dict[str, int] = {}
    label = tr("fichiers de référence")

    def tally(part: _DemoPart) -> None:
        for file, n in part.counts.items():
            written[file] = written.get(file, 0) + n

    if bulk:
        def load(conn: Any) -> None:
            state = reference_sql.bulk_begin(conn)
            hotlist_sql.bump_reference_generation(conn)  # the hot-list's cache is stale
            for part in _demo_parts(seed, persons, chunk, workers, now, conn.dialect.name):
                assert part.rows is not None
                reference_sql.bulk_insert(conn, part.rows)
                tally(part)
                if progress is not None and part.stop < persons:
                    progress(label, part.stop, persons)
            reference_sql.bulk_finish(conn, state)

        db.write(load)
        with db.engine.connect() as conn:
            reference_sql.wal_truncate(conn)
        if progress is not None:
            progress(label, persons, persons)
        return dict(sorted(written.items()))
    for part in _demo_parts(seed, persons, chunk, workers, now, None):
        assert part.batch is not None
        db.write(lambda conn, b=part.batch: _write_batch(conn, b, now))
        tally(part)
        if progress is not None:
            progress(label, part.stop, persons)
    return dict(sorted(written.items()))


def counts(db: Database) -> dict[str, int]:
    return db.read(reference_sql.counts)


def find(db: Database, keys: Iterable[str]) -> list[dict[str, Any]]:
    """Records with any of ``keys``, payloads decoded."""
    rows = db.read(lambda c: reference_sql.find_by_keys(c, keys))
    return [{**r, "payload": json.loads(r["payload"])} for r in rows]


__all__ = ["FILES", "ImportFailed", "RowError", "counts", "find", "import_file", "record_keys", "seed_demo",
           "validate"]

