"""The fleet check (``neo-hq check-fleet --journal FILE``): does HQ hold, exactly once,
everything a set of devices says it sent, and does each device hold HQ's current state
of everything it may see?

The devices' side is a **journal**: one JSON object per device (a ``.jsonl`` file with
one object a line, a ``.json`` file holding one object or a list, or a directory of
such files), written by whatever drove the devices (the fleet load and fault runs in
``benchmarks/``, or a tool reading tablets). Format version 1 (:class:`DeviceJournal`)::

    {"journal": 1, "device_id": "<uuid>", "unit": "BTA Menton",
     "mutations": [{"mutation_id": "<uuid>", "collection": "holiday_watch.visits",
                    "record_id": "<uuid>", "version": "<hlc>", "tombstone": false,
                    "payload_sha256": "<payload_digest(payload)>", "status": "applied"}],
     "attachments": [{"sha256": "<hex>", "size": 123456}],
     "audit": {"count": 57, "last_seq": 57, "last_hash": "<hex>"},
     "lookups": ["<query_id>", ...],
     "statements": ["<statement record id>", ...],
     "held": {"holiday_watch.visits": {"<record_id>": "<version>", ...}, ...},
     "scope": null}

* ``mutations``: every write the device made, in the order it made them, each once
  (however many times it was sent), with ``status`` the answer the device kept
  (``applied``, ``duplicate``…), or null if it never got one; ``expected``, when set,
  is the answer HQ must give (``rejected`` for a write made invalid on purpose).
* ``attachments``: the files it uploaded; ``audit``: where its own audit chain ends;
  ``lookups``: the ``query_id`` of every query it sent; ``statements``: the ids of the
  statements it sealed and pushed.
* ``held``: what the device holds after its last pull, collection → record id → version
  (null: convergence is not checked for this device); ``scope``: the collections it
  keeps (null: every collection it may pull).

What is checked, per device (each miss is a :class:`Difference` with a stable ``kind``):

* every mutation has HQ's answer, from this device, the same answer the device kept,
  and HQ has no answer for a mutation the device does not know;
* every record it wrote is at HQ with its latest version and that version's payload
  (unless another device wrote a later version since), and HQ holds no record written
  by this device that it never sent;
* every file is complete at HQ, of the right size, on disk, and its bytes hash to its
  name;
* its audit chain is at HQ up to the same event, as many events as it sent, and
  re-verifies from the first event;
* every lookup query is logged once, for this device, and no other;
* every statement is indexed ``verified``;
* it holds exactly HQ's current version of every record of its audiences (``*``, its
  unit, itself) in its scope: nothing missing, nothing stale, nothing extra.

Nothing is written. The text report is for people (HQ's language); ``--json`` gives the
same as an object; the exit status is 2 when anything differs.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from neo import protocol
from neo.hq.errors import AdminError
from neo.hq.storage import fleet as fleet_sql
from neo.i18n import tr

if TYPE_CHECKING:
    from neo.hq.service import Headquarters

JOURNAL_VERSION = 1
STATUSES = ("applied", "duplicate", "conflict", "rejected")


def payload_digest(payload: Any) -> str | None:
    """SHA-256 of a payload's canonical JSON (sorted keys, compact, UTF-8); None for none.

    The journal's ``payload_sha256``: the writer hashes what it sent, the checker what HQ
    stores, so key order and spacing do not matter."""
    if payload is None:
        return None
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- the journal ----------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SentMutation(_Strict):
    mutation_id: str = Field(pattern=protocol.UUID_PATTERN)
    collection: str = Field(pattern=protocol.COLLECTION_PATTERN)
    record_id: str = Field(min_length=1, max_length=64)
    version: str = Field(pattern=protocol.VERSION_PATTERN)
    tombstone: bool = False
    payload_sha256: str | None = Field(default=None, pattern=protocol.SHA256_PATTERN)
    status: Literal["applied", "duplicate", "conflict", "rejected"] | None = None
    expected: Literal["applied", "duplicate", "conflict", "rejected"] | None = None
    """the answer HQ must give when it is not "applied or duplicate" (a write made invalid
    on purpose: ``rejected``, and then it must not be a record at HQ)"""


class SentAttachment(_Strict):
    sha256: str = Field(pattern=protocol.SHA256_PATTERN)
    size: int = Field(ge=0)


class AuditMark(_Strict):
    count: int = Field(ge=0)
    last_seq: int = Field(ge=0)
    last_hash: str = Field(pattern=protocol.SHA256_PATTERN)


class DeviceJournal(_Strict):
    journal: Literal[1] = JOURNAL_VERSION
    device_id: str = Field(pattern=protocol.UUID_PATTERN)
    unit: str | None = None
    mutations: list[SentMutation] = Field(default_factory=list)
    attachments: list[SentAttachment] = Field(default_factory=list)
    audit: AuditMark | None = None
    lookups: list[str] = Field(default_factory=list)
    statements: list[str] = Field(default_factory=list)
    held: dict[str, dict[str, str]] | None = None
    scope: list[str] | None = None


def _journal_objects(path: Path) -> Iterator[tuple[str, Any]]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".json", ".jsonl") and p.is_file())
        if not files:
            raise AdminError(tr("Aucun journal (.json, .jsonl) dans {path}.", path=path))
        for p in files:
            yield from _journal_objects(p)
        return
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AdminError(tr("Journal illisible : {path} ({err}).", path=path, err=exc.strerror or exc)) from None
    try:
        if path.suffix == ".jsonl":
            for n, line in enumerate(text.splitlines(), 1):
                if line.strip():
                    yield f"{path}:{n}", json.loads(line)
            return
        data = json.loads(text)
    except ValueError as exc:
        raise AdminError(tr("Journal illisible : {path} ({err}).", path=path, err=exc)) from None
    for i, obj in enumerate(data if isinstance(data, list) else [data]):
        yield f"{path}[{i}]", obj


def load_journals(path: Path) -> list[DeviceJournal]:
    """Every device journal under ``path`` (a file or a directory); a malformed one or a
    device journaled twice is an :class:`AdminError` naming where."""
    out: list[DeviceJournal] = []
    seen: set[str] = set()
    for where, obj in _journal_objects(Path(path)):
        try:
            journal = DeviceJournal.model_validate(obj)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(x) for x in first["loc"])
            raise AdminError(tr("Journal invalide : {where} : {loc} : {msg}", where=where, loc=loc,
                                msg=first["msg"])) from None
        if journal.device_id in seen:
            raise AdminError(tr("Journal invalide : {where} : l'appareil {id} y figure deux fois.", where=where,
                                id=journal.device_id))
        seen.add(journal.device_id)
        out.append(journal)
    return out


# -- the report -------------------------------------------------------------------------------


def kind_labels() -> dict[str, str]:
    """Each difference kind, said for a person (in the current language)."""
    return {
        "device_unknown": tr("appareil inconnu du QG"),
        "mutation_unanswered": tr("écriture sans réponse du QG (perdue)"),
        "mutation_other_device": tr("écriture attribuée à un autre appareil"),
        "mutation_status": tr("réponse du QG différente de celle gardée par l'appareil"),
        "mutation_pending": tr("écriture restée sans réponse sur l'appareil"),
        "mutation_refused": tr("écriture refusée ou en conflit au QG"),
        "mutation_extra": tr("écriture au QG que l'appareil ne connaît pas"),
        "record_missing": tr("enregistrement absent du QG"),
        "record_version": tr("version au QG différente de la dernière de l'appareil"),
        "record_payload": tr("contenu au QG différent de celui envoyé"),
        "record_extra": tr("enregistrement au QG que l'appareil n'a jamais envoyé"),
        "attachment_missing": tr("pièce jointe absente ou incomplète au QG"),
        "attachment_size": tr("pièce jointe de taille différente"),
        "attachment_file": tr("fichier de la pièce jointe absent ou altéré sur le disque du QG"),
        "audit_missing": tr("chaîne d'audit incomplète au QG"),
        "audit_count": tr("nombre d'événements d'audit différent (perte ou doublon)"),
        "audit_broken": tr("chaîne d'audit rompue au QG"),
        "lookup_missing": tr("consultation absente du journal du QG"),
        "lookup_other_device": tr("consultation attribuée à un autre appareil"),
        "lookup_extra": tr("consultation au journal du QG que l'appareil n'a pas envoyée"),
        "statement_missing": tr("procès-verbal absent du QG"),
        "statement_status": tr("procès-verbal non vérifié au QG"),
        "statement_extra": tr("procès-verbal au QG que l'appareil n'a pas envoyé"),
        "held_missing": tr("enregistrement du QG absent de l'appareil (pas convergé)"),
        "held_version": tr("version sur l'appareil différente de celle du QG (pas convergé)"),
        "held_extra": tr("enregistrement sur l'appareil que le QG ne lui montre pas"),
    }


@dataclass(frozen=True)
class Difference:
    device_id: str
    kind: str
    key: str
    """what differs: a mutation id, ``collection/record_id``, a SHA-256, a query id…"""
    expected: Any = None
    found: Any = None


@dataclass
class FleetReport:
    devices: int = 0
    checked: Counter[str] = field(default_factory=Counter)
    """How many of each thing were compared (mutations, records, attachments, …)."""
    differences: list[Difference] = field(default_factory=list)
    notes: Counter[str] = field(default_factory=Counter)
    """Harmless leftovers worth knowing (chunks of files completed since, …)."""

    @property
    def ok(self) -> bool:
        return not self.differences

    def by_kind(self) -> dict[str, int]:
        return dict(sorted(Counter(d.kind for d in self.differences).items()))

    def as_dict(self, limit: int | None = None) -> dict[str, Any]:
        shown = self.differences if limit is None else self.differences[:limit]
        return {"ok": self.ok, "devices": self.devices, "checked": dict(sorted(self.checked.items())),
                "differences_by_kind": self.by_kind(), "differences_total": len(self.differences),
                "differences": [asdict(d) for d in shown], "notes": dict(sorted(self.notes.items()))}

    def render(self, limit: int = 50) -> str:
        c = self.checked
        lines = [
            tr("Contrôle de la flotte : {n} appareil(s).", n=self.devices),
            tr("  écritures : {m} ; enregistrements : {r}", m=c["mutations"], r=c["records"]),
            tr("  pièces jointes : {n} (taille et empreinte des octets)", n=c["attachments"]),
            tr("  chaînes d'audit : {n} ({e} événements)", n=c["audit_chains"], e=c["audit_events"]),
            tr("  consultations : {n} ; procès-verbaux : {s}", n=c["lookups"], s=c["statements"]),
            tr("  convergence : {n} appareil(s), {r} enregistrement(s) comparé(s)", n=c["converged_devices"],
               r=c["held_records"]),
        ]
        for note, n in sorted(self.notes.items()):
            lines.append(tr("  note : {what} : {n}", what=note, n=n))
        if self.ok:
            lines.append(tr("Aucune différence."))
            return "\n".join(lines)
        labels = kind_labels()
        lines.append(tr("{n} différence(s) :", n=len(self.differences)))
        for kind, n in self.by_kind().items():
            lines.append(f"  {kind} ({labels.get(kind, kind)}) : {n}")
        lines.append("")
        for d in self.differences[:limit]:
            detail = ""
            if d.expected is not None or d.found is not None:
                detail = "  " + tr("attendu {e}, trouvé {f}", e=_short(d.expected), f=_short(d.found))
            lines.append(f"  {d.device_id}  {d.kind}  {d.key}{detail}")
        if len(self.differences) > limit:
            lines.append(tr("  … et {n} autre(s) (--json pour toutes).", n=len(self.differences) - limit))
        return "\n".join(lines)


def _short(value: Any) -> str:
    if value is None:
        return "-"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- the check ------------------------------------------------------------------------------------


def check_fleet(hq: Headquarters, journals: Iterable[DeviceJournal], *, rehash: bool = True) -> FleetReport:
    """Compare the devices' journals with HQ's database and attachment store."""
    journals = list(journals)
    report = FleetReport(devices=len(journals))
    diff = report.differences.append
    ids = [j.device_id for j in journals]
    known = hq.db.read(lambda c: fleet_sql.devices_get(c, ids))
    for j in journals:
        if j.device_id not in known:
            diff(Difference(j.device_id, "device_unknown", j.device_id, expected=j.unit))
        elif j.unit is not None and known[j.device_id]["unit"] != j.unit:
            diff(Difference(j.device_id, "device_unknown", j.device_id, expected=j.unit,
                            found=known[j.device_id]["unit"]))
    journals = [j for j in journals if j.device_id in known]
    ids = [j.device_id for j in journals]
    _check_mutations(hq, journals, report)
    _check_attachments(hq, journals, report, rehash=rehash)
    _check_audit(hq, journals, report)
    _check_lookups(hq, journals, report)
    _check_statements(hq, journals, report)
    _check_held(hq, journals, {i: int(known[i]["unit_id"]) for i in ids}, report)
    return report


def _check_mutations(hq: Headquarters, journals: list[DeviceJournal], report: FleetReport) -> None:
    diff = report.differences.append
    ids = [j.device_id for j in journals]
    by_origin = hq.db.read(lambda c: fleet_sql.records_by_origin(c, ids))
    answers: dict[str, tuple[str, str]] = {}
    for row in hq.db.read(lambda c: fleet_sql.mutation_answers(c, ids)):
        answers[row["mutation_id"]] = (row["device_id"], row["status"])
    origin_rows: dict[str, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    for row in by_origin:
        origin_rows[row["origin_device"]][(row["collection"], row["record_id"])] = row
        if row["mutation_id"]:
            answers[row["mutation_id"]] = (row["origin_device"], "applied")
    # Records a device wrote whose current version is another device's: fetched by key.
    latest: dict[str, dict[tuple[str, str], SentMutation]] = {}
    wanted: dict[str, set[str]] = defaultdict(set)
    for j in journals:
        last: dict[tuple[str, str], SentMutation] = {}
        for m in j.mutations:
            last[(m.collection, m.record_id)] = m
        latest[j.device_id] = last
        for key in last:
            if key not in origin_rows[j.device_id]:
                wanted[key[0]].add(key[1])
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for collection, rids in wanted.items():
        for row in hq.db.read(lambda c, coll=collection, r=sorted(rids): fleet_sql.records_by_key(c, coll, r)):
            by_key[(row["collection"], row["record_id"])] = row

    sent_ids: dict[str, str] = {}
    for j in journals:
        dev = j.device_id
        for m in j.mutations:
            sent_ids[m.mutation_id] = dev
            report.checked["mutations"] += 1
            answer = answers.get(m.mutation_id)
            if answer is None:
                diff(Difference(dev, "mutation_unanswered", m.mutation_id, expected=m.status))
                continue
            if answer[0] != dev:
                diff(Difference(dev, "mutation_other_device", m.mutation_id, expected=dev, found=answer[0]))
            if m.status is None:
                diff(Difference(dev, "mutation_pending", m.mutation_id, found=answer[1]))
            elif m.status != answer[1] and {m.status, answer[1]} != {"applied", "duplicate"}:
                diff(Difference(dev, "mutation_status", m.mutation_id, expected=m.status, found=answer[1]))
            if m.expected is not None and m.expected != answer[1]:
                diff(Difference(dev, "mutation_status", m.mutation_id, expected=m.expected, found=answer[1]))
            elif m.expected is None and answer[1] in ("rejected", "conflict"):
                diff(Difference(dev, "mutation_refused", m.mutation_id, found=answer[1]))
        mine = origin_rows.get(dev, {})
        for key, m in latest[dev].items():
            report.checked["records"] += 1
            row = mine.get(key) or by_key.get(key)
            name = f"{key[0]}/{key[1]}"
            if m.expected == "rejected":
                if row is not None and row["version"] == m.version:
                    diff(Difference(dev, "record_extra", name, expected="rejected", found=row["version"]))
                continue
            if row is None:
                if answers.get(m.mutation_id, ("", ""))[1] != "rejected":
                    diff(Difference(dev, "record_missing", name, expected=m.version))
                continue
            if row["version"] == m.version:
                found = payload_digest(json.loads(row["payload"])) if row["payload"] is not None else None
                if bool(row["tombstone"]) != m.tombstone or (m.payload_sha256 is not None
                                                             and found != m.payload_sha256):
                    diff(Difference(dev, "record_payload", name, expected=m.payload_sha256, found=found))
            elif not (row["origin_device"] != dev and row["version"] > m.version):
                diff(Difference(dev, "record_version", name, expected=m.version, found=row["version"]))
        for key, row in mine.items():
            if key not in latest[dev]:
                diff(Difference(dev, "record_extra", f"{key[0]}/{key[1]}", found=row["version"]))
    for mutation_id, (dev, status) in answers.items():
        if mutation_id not in sent_ids and dev in latest:
            diff(Difference(dev, "mutation_extra", mutation_id, found=status))


def _check_attachments(hq: Headquarters, journals: list[DeviceJournal], report: FleetReport, *,
                       rehash: bool) -> None:
    diff = report.differences.append
    shas = [a.sha256 for j in journals for a in j.attachments]
    rows = hq.db.read(lambda c: fleet_sql.attachments_get(c, shas))
    hashed: dict[str, tuple[str, int] | None] = {}
    for j in journals:
        for a in j.attachments:
            report.checked["attachments"] += 1
            row = rows.get(a.sha256)
            if row is None or not row["complete"]:
                diff(Difference(j.device_id, "attachment_missing", a.sha256, expected=a.size,
                                found=None if row is None else "incomplete"))
                continue
            if row["size"] != a.size:
                diff(Difference(j.device_id, "attachment_size", a.sha256, expected=a.size, found=row["size"]))
            if a.sha256 not in hashed:
                hashed[a.sha256] = _file_digest(hq.blobs.object_path(a.sha256)) if rehash else (a.sha256, a.size)
            got = hashed[a.sha256]
            if got is None or got != (a.sha256, a.size):
                diff(Difference(j.device_id, "attachment_file", a.sha256, expected=a.size,
                                found=None if got is None else f"{got[0][:16]}… {got[1]}"))
    leftovers = hq.db.read(lambda c: fleet_sql.chunk_counts(c, [j.device_id for j in journals]))
    done = {sha for sha, row in rows.items() if row["complete"]}
    report.notes["chunks_left_after_completion"] += sum(n for (_d, sha), n in leftovers.items() if sha in done)
    report.notes["chunks_of_unfinished_files"] += sum(n for (_d, sha), n in leftovers.items() if sha not in done)
    for key in ("chunks_left_after_completion", "chunks_of_unfinished_files"):
        if not report.notes[key]:
            del report.notes[key]


def _file_digest(path: Path) -> tuple[str, int] | None:
    h = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
                size += len(chunk)
    except OSError:
        return None
    return h.hexdigest(), size


def _check_audit(hq: Headquarters, journals: list[DeviceJournal], report: FleetReport) -> None:
    diff = report.differences.append
    with_audit = [j for j in journals if j.audit is not None]
    states = hq.db.read(lambda c: fleet_sql.audit_states(c, [j.device_id for j in with_audit]))
    for j in with_audit:
        mark = j.audit
        assert mark is not None
        report.checked["audit_chains"] += 1
        report.checked["audit_events"] += mark.count
        state = states.get(j.device_id)
        if state is None:
            if mark.count:
                diff(Difference(j.device_id, "audit_missing", "chain", expected=mark.last_seq, found=0))
            continue
        if int(state["last_seq"]) != mark.last_seq or state["last_hash"] != mark.last_hash:
            diff(Difference(j.device_id, "audit_missing", "last_seq", expected=f"{mark.last_seq} {mark.last_hash[:12]}",
                            found=f"{state['last_seq']} {(state['last_hash'] or '')[:12]}"))
        if state["rows"] != mark.count or int(state["event_count"]) != mark.count:
            diff(Difference(j.device_id, "audit_count", "events", expected=mark.count,
                            found=f"{state['rows']} ({state['event_count']})"))
        (verdict,) = hq.verify_audit(j.device_id)
        if not verdict["ok"]:
            diff(Difference(j.device_id, "audit_broken", f"seq {verdict['first_broken_seq']}",
                            found=verdict["problem"]))


def _check_lookups(hq: Headquarters, journals: list[DeviceJournal], report: FleetReport) -> None:
    diff = report.differences.append
    sent = {q: j.device_id for j in journals for q in j.lookups}
    logged = hq.db.read(lambda c: fleet_sql.lookup_queries_get(c, list(sent)))
    for query_id, dev in sent.items():
        report.checked["lookups"] += 1
        if query_id not in logged:
            diff(Difference(dev, "lookup_missing", query_id))
        elif logged[query_id] != dev:
            diff(Difference(dev, "lookup_other_device", query_id, expected=dev, found=logged[query_id]))
    for query_id, dev in hq.db.read(lambda c: fleet_sql.lookup_query_devices(c, [j.device_id for j in journals])):
        if query_id not in sent:
            diff(Difference(dev, "lookup_extra", query_id))


def _check_statements(hq: Headquarters, journals: list[DeviceJournal], report: FleetReport) -> None:
    diff = report.differences.append
    rows = {r["id"]: r for r in hq.db.read(lambda c: fleet_sql.statements_of(c, [j.device_id for j in journals]))}
    sent: set[str] = set()
    for j in journals:
        for sid in j.statements:
            sent.add(sid)
            report.checked["statements"] += 1
            row = rows.get(sid)
            if row is None or row["device_id"] != j.device_id:
                diff(Difference(j.device_id, "statement_missing", sid))
            elif row["status"] != "verified":
                diff(Difference(j.device_id, "statement_status", sid, expected="verified",
                                found=row["status"] + (f" ({row['reason_code']})" if row["reason_code"] else "")))
    for sid, row in rows.items():
        if sid not in sent:
            diff(Difference(row["device_id"], "statement_extra", sid, found=row["status"]))


def _check_held(hq: Headquarters, journals: list[DeviceJournal], unit_of: dict[str, int],
                report: FleetReport) -> None:
    diff = report.differences.append
    checked = [j for j in journals if j.held is not None]
    if not checked:
        return
    shared = hq.db.read(lambda c: fleet_sql.record_versions_for(c, ["*"]))
    per_unit: dict[int, dict[tuple[str, str], str]] = {}
    own = hq.db.read(lambda c: fleet_sql.records_by_origin(c, [j.device_id for j in checked]))
    own_keys: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in own:
        own_keys[row["origin_device"]].add((row["collection"], row["record_id"]))
    for j in checked:
        assert j.held is not None
        unit_id = unit_of[j.device_id]
        if unit_id not in per_unit:
            per_unit[unit_id] = hq.db.read(lambda c, u=unit_id: fleet_sql.record_versions_for(c, [f"u:{u}"]))
        mine = hq.db.read(lambda c, d=j.device_id: fleet_sql.record_versions_for(c, [f"d:{d}"]))
        expected = {**shared, **per_unit[unit_id], **mine}
        scope = set(j.scope) if j.scope is not None else None
        if scope is not None:
            expected = {k: v for k, v in expected.items() if k[0] in scope}
        held = {(coll, rid): version for coll, recs in j.held.items() if scope is None or coll in scope
                for rid, version in recs.items()}
        report.checked["converged_devices"] += 1
        report.checked["held_records"] += len(expected)
        for key, version in expected.items():
            have = held.get(key)
            if have is None:
                diff(Difference(j.device_id, "held_missing", f"{key[0]}/{key[1]}", expected=version))
            elif have != version:
                diff(Difference(j.device_id, "held_version", f"{key[0]}/{key[1]}", expected=version, found=have))
        for key, version in held.items():
            if key not in expected and key not in own_keys[j.device_id]:
                diff(Difference(j.device_id, "held_extra", f"{key[0]}/{key[1]}", found=version))
