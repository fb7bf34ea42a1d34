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
import json
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime
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


def _person(p: dict[str, Any], surname: str = "surname") -> list[str | None]:
    try:
        return [match_keys.person_key(p[surname], " ".join(p.get("given_names") or ()), p["birth_date"])]
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


def _write_batch(conn: Any, batch: list[Validated], now: datetime) -> int:
    latest: dict[tuple[str, str], Validated] = {}
    for v in batch:  # the same record twice in a batch: the later line wins
        latest[(v.file, v.record_id)] = v
    rows, keys, names = [], [], []
    for v in latest.values():
        rows.append({"file": v.file, "record_id": v.record_id, "updated_at": v.updated_at, "imported_at": now,
                     "payload": json.dumps(v.payload, ensure_ascii=False, separators=(",", ":"))})
        keys += [{"file": v.file, "record_id": v.record_id, "kind": kind, "key": key}
                 for kind, key in record_keys(v.file, v.payload)]
        names += name_rows(v.file, v.payload)
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


def seed_demo(db: Database, persons: int, progress: Progress | None = None, *, seed: int = DEMO_SEED,
              chunk: int = 1000) -> dict[str, int]:
    """Write the generator's records for ``persons`` persons into the reference files, one
    transaction per chunk of persons (idempotent: the same records are rewritten in place)."""
    from neo.modules.lookup.demo import generate

    now = datetime.now(UTC)
    written: dict[str, int] = {}
    for start in range(0, persons, chunk):
        stop = min(persons, start + chunk)
        batch: list[Validated] = []
        for r in generate(seed, persons, start, stop):
            payload = r.to_dict()
            batch.append(Validated(r.FILE, r.id, payload,
                                   datetime.fromisoformat(payload["updated_at"]).astimezone(UTC)))
            written[r.FILE] = written.get(r.FILE, 0) + 1
        db.write(lambda conn, b=batch: _write_batch(conn, b, now))
        if progress is not None:
            progress(tr("fichiers de référence"), stop, persons)
    return dict(sorted(written.items()))


def counts(db: Database) -> dict[str, int]:
    return db.read(reference_sql.counts)


def find(db: Database, keys: Iterable[str]) -> list[dict[str, Any]]:
    """Records with any of ``keys``, payloads decoded."""
    rows = db.read(lambda c: reference_sql.find_by_keys(c, keys))
    return [{**r, "payload": json.loads(r["payload"])} for r in rows]


__all__ = ["FILES", "ImportFailed", "RowError", "counts", "find", "import_file", "record_keys", "seed_demo",
           "validate"]

