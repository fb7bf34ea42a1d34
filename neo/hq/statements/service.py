"""Statements at HQ: the seal checked when a statement arrives, its files awaited, and what
``neo-hq statements`` shows, exports and publishes.

Receiving (:class:`StatementValidator`, registered for ``statements.statements`` in
``Headquarters.validators``): in the push transaction, before the record is applied,

1. the payload must hold what HQ relies on (:class:`~neo.hq.statements.received.ReceivedStatement`),
   its ``id`` must be the record's id and its officer the mutation's (else
   ``record_invalid``);
2. the seal must name the sending device and the device must have registered an Ed25519
   identity key at enrolment (else ``seal_key_mismatch``);
3. the seal is verified with the module's own code (:func:`neo.modules.statements.seal.verify`)
   against that registered key: a content that no longer matches the sealed hash is
   ``seal_invalid`` (changed after signing); a sealed hash the device's key did not sign
   (the seal names another key, or the signature does not verify) is ``seal_key_mismatch``.

A refused statement is never a record: the device sees ``rejected`` with the reason, HQ
keeps the refused payload in its index (``rejected_tampered`` or ``rejected_invalid``) and
logs a warning. An accepted one is indexed ``received_pending_attachments`` until every
file its seal covers (attachments and drawn signatures, by SHA-256) has arrived complete
(HQ checks each file's SHA-256 on arrival), then ``verified``; a file whose size differs
from the one sealed makes it ``rejected_tampered``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import Connection

from neo import protocol
from neo.hq.errors import AdminError
from neo.hq.statements.received import (
    COLLECTION,
    OFFENCES,
    TEMPLATES,
    ReceivedStatement,
    lenient_fields,
    statement_files,
)
from neo.hq.storage import admin as admin_sql
from neo.hq.storage import attachments as att_sql
from neo.hq.storage import statements as st_sql
from neo.hq.storage.schema import utcnow
from neo.hq.validators import RecordValidator, Refusal
from neo.i18n import tr
from neo.modules.statements import seal as sealing

if TYPE_CHECKING:
    from neo.hq.service import Device, Headquarters

log = logging.getLogger(__name__)

KEY_TYPE = "ed25519"


def refusal_text(code: str) -> str:
    """The sentence an officer sees for a refused statement."""
    return {
        "record_invalid": tr("Déposition refusée par le QG : elle est incomplète ou mal formée."),
        "seal_invalid": tr("Déposition refusée par le QG : son contenu ne correspond plus à son sceau "
                           "(modifiée après la signature)."),
        "seal_key_mismatch": tr("Déposition refusée par le QG : elle n'est pas scellée avec la clé de cet "
                                "appareil enregistrée à l'enrôlement."),
    }[code]


def seal_problems(codes: list[str]) -> list[str]:
    """The problems :func:`neo.modules.statements.seal.verify` found, for a person."""
    texts = {
        "no_seal": tr("la déposition n'a pas de sceau"),
        "canonical": tr("forme canonique inconnue, ou contenu qui n'en a pas"),
        "hash_mismatch": tr("le contenu ne correspond pas à l'empreinte scellée"),
        "wrong_key": tr("le sceau nomme une autre clé que celle de l'appareil"),
        "bad_signature": tr("l'empreinte scellée n'est pas signée par la clé de l'appareil"),
        "signature": tr("signature ou clé du sceau illisible"),
    }
    return [texts.get(code, code) for code in codes]


def _problems(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e.get('loc', ())) or '(root)'}: {e.get('msg')}" for e in exc.errors()[:10]]


def registered_key(device_row: dict[str, Any] | None) -> bytes | None:
    """The device's Ed25519 identity public key as registered at enrolment, or None."""
    if device_row is None or device_row.get("key_type") != KEY_TYPE:
        return None
    try:
        key = base64.b64decode(str(device_row["public_key"]), validate=True)
    except ValueError:
        return None
    return key if len(key) == 32 else None


def check_seal(payload: dict[str, Any], statement: ReceivedStatement, device_id: str,
               device_row: dict[str, Any] | None) -> Refusal | None:
    """The seal of an (already parsed) statement against the key HQ holds for ``device_id``."""
    if statement.seal.device_id != device_id:
        return Refusal("seal_key_mismatch", refusal_text("seal_key_mismatch"),
                       {"problems": [tr("le sceau nomme un autre appareil")]})
    key = registered_key(device_row)
    if key is None:
        return Refusal("seal_key_mismatch", refusal_text("seal_key_mismatch"),
                       {"problems": [tr("le QG ne détient pas de clé d'identité Ed25519 pour cet appareil")]})
    verdict = sealing.verify(payload, public_key=key)
    if verdict.ok:
        return None
    detail = {"problems": seal_problems(list(verdict.codes)), "codes": list(verdict.codes)}
    codes = set(verdict.codes)
    if {"no_seal", "canonical"} & codes:
        return Refusal("record_invalid", refusal_text("record_invalid"), detail)
    if "wrong_key" in codes:
        return Refusal("seal_key_mismatch", refusal_text("seal_key_mismatch"), detail)
    if "hash_mismatch" in codes:  # the content changed after sealing
        return Refusal("seal_invalid", refusal_text("seal_invalid"), detail)
    # The content is the one sealed, but the device's key did not sign that hash.
    return Refusal("seal_key_mismatch", refusal_text("seal_key_mismatch"), detail)


def files_state(conn: Connection, files: list[dict[str, Any]]) -> tuple[str, str | None]:
    """(status, reason) of a received statement from what HQ holds of its files."""
    for f in files:
        att = att_sql.attachment_get(conn, f["sha256"])
        if att is None or not att["complete"]:
            return st_sql.PENDING, None
        if f.get("size") is not None and att["size"] is not None and int(att["size"]) != int(f["size"]):
            return st_sql.REJECTED_TAMPERED, tr("le fichier {sha}… fait {size} octets, le sceau dit {sealed}",
                                                sha=f["sha256"][:12], size=att["size"], sealed=f["size"])
    return st_sql.VERIFIED, None


class StatementValidator(RecordValidator):
    """The seal check of ``statements.statements`` on receipt (see the module docstring)."""

    def _parse(self, mutation: protocol.Mutation) -> tuple[ReceivedStatement | None, Refusal | None]:
        try:
            statement = ReceivedStatement.model_validate(mutation.payload)
        except ValidationError as exc:
            return None, Refusal("record_invalid", refusal_text("record_invalid"), {"problems": _problems(exc)})
        if statement.id != mutation.record_id:
            return None, Refusal("record_invalid", refusal_text("record_invalid"),
                                 {"problems": [tr("l'identifiant de la déposition n'est pas celui de "
                                                  "l'enregistrement")]})
        if statement.officer.service_number != mutation.officer:
            return None, Refusal("record_invalid", refusal_text("record_invalid"),
                                 {"problems": [tr("l'agent de la déposition n'est pas celui qui l'envoie")]})
        return statement, None

    def check(self, conn: Connection, device: Device, mutation: protocol.Mutation) -> Refusal | None:
        if mutation.tombstone or mutation.payload is None:
            return None  # an immutable collection: the push path refuses deletions itself
        statement, refusal = self._parse(mutation)
        if refusal is not None:
            return refusal
        assert statement is not None
        return check_seal(mutation.payload, statement, device.id, admin_sql.device_get(conn, device.id))

    def refused(self, conn: Connection, device: Device, mutation: protocol.Mutation, refusal: Refusal) -> None:
        problems = "; ".join((refusal.detail or {}).get("problems", []))
        log.warning("statement %s from device %s (officer %s) refused: %s (%s)", mutation.record_id, device.id,
                    mutation.officer, refusal.code, problems)
        existing = st_sql.get(conn, mutation.record_id)
        if existing is not None and existing["status"] not in st_sql.REJECTED:
            return
        status = st_sql.REJECTED_INVALID if refusal.code == "record_invalid" else st_sql.REJECTED_TAMPERED
        text, _ = _encode(mutation.payload)
        st_sql.save(conn, {
            "id": mutation.record_id, "unit_id": device.unit_id, "device_id": device.id, "officer": mutation.officer,
            **lenient_fields(mutation.payload), "status": status, "reason_code": refusal.code,
            "reason": f"{refusal.reason} [{problems}]" if problems else refusal.reason, "attachment_count": 0,
            "received_at": utcnow(), "verified_at": None, "rejected_payload": text,
        }, [])

    def applied(self, conn: Connection, device: Device, mutation: protocol.Mutation, server_seq: int) -> None:
        statement, _ = self._parse(mutation)
        if statement is None or mutation.payload is None:
            return
        files = statement_files(statement, mutation.payload)
        status, reason = files_state(conn, files)
        now = utcnow()
        st_sql.save(conn, {
            "id": statement.id, "unit_id": device.unit_id, "device_id": device.id, "officer": mutation.officer,
            "kind": statement.kind, "template_id": statement.template.id,
            "template_version": statement.template.version, "signed_at": statement.signed_at,
            "seal_sha256": statement.seal.sha256, "status": status,
            "reason_code": "file_mismatch" if status == st_sql.REJECTED_TAMPERED else None, "reason": reason,
            "corrects": statement.corrects, "attachment_count": len(files), "received_at": now,
            "verified_at": now if status == st_sql.VERIFIED else None, "rejected_payload": None,
        }, files)
        log.info("statement %s from device %s received (%s)", statement.id, device.id, status)

    def attachment_completed(self, conn: Connection, sha256: str) -> None:
        self.settle(conn, st_sql.pending_with_file(conn, sha256))

    def settle(self, conn: Connection, statement_ids: list[str]) -> None:
        """Move waiting statements whose files are all here to ``verified`` (or
        ``rejected_tampered`` when a file is not the size sealed)."""
        for statement_id in statement_ids:
            status, reason = files_state(conn, st_sql.files_of(conn, statement_id))
            if status == st_sql.PENDING:
                continue
            if status == st_sql.REJECTED_TAMPERED:
                log.warning("statement %s: %s", statement_id, reason)
            st_sql.set_status(conn, statement_id, status,
                              reason_code="file_mismatch" if status == st_sql.REJECTED_TAMPERED else None,
                              reason=reason, verified_at=utcnow() if status == st_sql.VERIFIED else None)


def _encode(payload: Any) -> tuple[str | None, str | None]:
    from neo.hq.service import encode_payload

    return encode_payload(payload if isinstance(payload, dict) else None)


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat(timespec="seconds") if dt is not None else None


def parse_since(text: str) -> datetime:
    """``2026-12-01`` or ``2026-12-01T08:00`` (UTC unless a zone is given)."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise AdminError(tr("Date invalide : {value} (exemple : 2026-12-01 ou 2026-12-01T08:00).",
                            value=text)) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_UNSAFE = re.compile(r"[^\w.\- ]+")


def safe_name(name: str | None, fallback: str) -> str:
    """A file name safe in any directory (no separators, no leading dot, at most 100 characters)."""
    cleaned = _UNSAFE.sub("_", name or "").strip(" ._")[:100]
    return cleaned or fallback


class StatementService:
    """``neo-hq statements``: list, show, verify, export; publishing (templates, offences)."""

    def __init__(self, hq: Headquarters) -> None:
        self.hq = hq
        self.db = hq.db
        self.validator = StatementValidator()
        hq.validators[COLLECTION] = self.validator

    # -- reading -----------------------------------------------------------------------
    def settle_pending(self) -> None:
        """Check again the statements still waiting for their files. On PostgreSQL a file
        completed while the push naming it was still uncommitted is seen by neither
        transaction; every read of the statements settles such ones first."""

        def tx(conn: Connection) -> None:
            self.validator.settle(conn, st_sql.pending_ids(conn))

        if self.db.read(lambda c: bool(st_sql.pending_ids(c, limit=1))):
            self.hq._write(tx)

    def listing(self, *, unit: str | None = None, since: datetime | None = None, status: str | None = None,
             limit: int = 100) -> list[dict[str, Any]]:
        if status is not None and status not in st_sql.STATUSES:
            raise AdminError(tr("État inconnu : {status} (états : {states}).", status=status,
                                states=", ".join(st_sql.STATUSES)))
        if not 1 <= limit <= 10_000:
            raise AdminError(tr("--limit doit être compris entre 1 et 10000."))

        def tx(conn: Connection) -> list[dict[str, Any]]:
            unit_id = None
            if unit:
                row = admin_sql.unit_by_name(conn, unit)
                if row is None:
                    raise AdminError(tr("Unité inconnue : {unit}", unit=unit))
                unit_id = int(row["id"])
            return st_sql.listing(conn, unit_id=unit_id, since=since, status=status, limit=limit)

        self.settle_pending()
        return [self._summary(r) for r in self.db.read(tx)]

    @staticmethod
    def _summary(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": r["id"], "unit": r.get("unit"), "device_id": r["device_id"], "officer": r["officer"],
            "kind": r["kind"], "template": {"id": r["template_id"], "version": r["template_version"]},
            "signed_at": r["signed_at"], "received_at": _iso(r["received_at"]), "status": r["status"],
            "reason_code": r["reason_code"], "reason": r["reason"], "seal_sha256": r["seal_sha256"],
            "corrects": r["corrects"], "attachment_count": r["attachment_count"],
            "verified_at": _iso(r["verified_at"]),
        }

    def _load(self, conn: Connection, statement_id: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        row = st_sql.get(conn, statement_id.strip().lower())
        if row is None:
            raise AdminError(tr("Déposition inconnue : {id}", id=statement_id))
        text = row["rejected_payload"] if row["status"] in st_sql.REJECTED else st_sql.record_payload(
            conn, COLLECTION, row["id"])
        return row, json.loads(text) if text else None

    def show(self, statement_id: str) -> dict[str, Any]:
        """Everything HQ knows of one statement, its seal verified again now."""

        def tx(conn: Connection) -> dict[str, Any]:
            row, payload = self._load(conn, statement_id)
            return {**self._summary(row), "payload": payload, "files": st_sql.files_of(conn, row["id"]),
                    "corrected_by": st_sql.corrections_of(conn, row["id"]),
                    "device": admin_sql.device_get(conn, row["device_id"])}

        self.settle_pending()
        info = self.db.read(tx)
        info["verification"] = self._verify(info["id"], info["payload"], info["device"], info["files"])
        if info["status"] in st_sql.REJECTED:
            info["verification"]["problems"].insert(0, tr("refusée à la réception ({code})",
                                                          code=info["reason_code"]))
            info["verification"]["ok"] = False
            info["verification"]["verdict"] = "not_intact"
        info["files"] = [self._file_view(f, info["verification"]) for f in info["files"]]
        device = info.pop("device")
        info["device_name"] = device["name"] if device else None
        return info

    @staticmethod
    def _file_view(f: dict[str, Any], verification: dict[str, Any]) -> dict[str, Any]:
        checked = {c["sha256"]: c for c in verification["files"]}.get(f["sha256"], {})
        return {"sha256": f["sha256"], "name": f["name"], "media_type": f["media_type"], "size": f["size"],
                "sealed": checked.get("sealed", False), "received": bool(f["complete"]),
                "hash_ok": checked.get("hash_ok")}

    def verify(self, statement_id: str) -> dict[str, Any]:
        """The verification report of one statement (seal and files, checked now)."""
        return self.show(statement_id)["verification"]

    def _verify(self, statement_id: str, payload: dict[str, Any] | None, device: dict[str, Any] | None,
                files: list[dict[str, Any]]) -> dict[str, Any]:
        problems: list[str] = []
        seal_ok = False
        computed = None
        if payload is None:
            problems.append(tr("le QG ne détient pas le contenu de cette déposition"))
        else:
            try:
                computed = sealing.digest(payload)
            except sealing.CanonicalError as exc:
                problems.append(str(exc))
            try:
                statement = ReceivedStatement.model_validate(payload)
            except ValidationError as exc:
                problems.extend(_problems(exc))
            else:
                refusal = check_seal(payload, statement, statement.seal.device_id, device)
                if device is None or statement.seal.device_id != device.get("id"):
                    problems.append(tr("le sceau nomme un appareil inconnu du QG"))
                elif refusal is not None:
                    problems.extend((refusal.detail or {}).get("problems", [refusal.code]))
                else:
                    seal_ok = True
        try:
            sealed_files = set(sealing.file_hashes(payload or {}))
        except (AttributeError, TypeError):
            sealed_files = set()
        checked = []
        missing = 0
        for f in files:
            path = self.hq.blobs.object_path(f["sha256"])
            present = bool(f["complete"]) and path.is_file()
            hash_ok = _sha256_file(path) == f["sha256"] if present else None
            size_ok = None if not present or f["size"] is None else path.stat().st_size == int(f["size"])
            if not present:
                missing += 1
            elif not hash_ok:
                problems.append(tr("le fichier {sha}… ({name}) ne correspond pas à son empreinte",
                                   sha=f["sha256"][:12], name=f["name"] or "-"))
            elif size_ok is False:
                problems.append(tr("le fichier {sha}… ({name}) n'a pas la taille scellée", sha=f["sha256"][:12],
                                   name=f["name"] or "-"))
            checked.append({"sha256": f["sha256"], "name": f["name"], "sealed": f["sha256"] in sealed_files,
                            "present": present, "hash_ok": hash_ok, "size_ok": size_ok})
        seal = (payload or {}).get("seal") if isinstance(payload, dict) else None
        return {
            "statement_id": statement_id, "ok": seal_ok and not problems and not missing,
            "verdict": "not_intact" if not seal_ok or problems else "incomplete" if missing else "intact",
            "seal_ok": seal_ok, "files_missing": missing,
            "canonical": seal.get("canonical") if isinstance(seal, dict) else None,
            "sealed_sha256": seal.get("sha256") if isinstance(seal, dict) else None, "computed_sha256": computed,
            "device_id": device["id"] if device else None,
            "device_key_type": device["key_type"] if device else None,
            "device_public_key": device["public_key"] if device else None,
            "files": checked, "problems": problems, "checked_at": _iso(utcnow()),
        }

    # -- export ------------------------------------------------------------------------
    def export(self, statement_id: str, out_dir: Path) -> dict[str, Any]:
        """Write ``out_dir/<id>/``: ``statement.json`` (as received, with its seal),
        ``canonical.json`` (the exact bytes the seal's SHA-256 covers), ``files/`` (every
        file the seal covers), ``statement.pdf`` (when the device attached one), and the
        verification report (``verification.json``, ``verification.txt``), checked now.
        Written in a temporary directory renamed at the end: nothing half-written."""
        info = self.show(statement_id)
        payload = info["payload"]
        if payload is None:
            raise AdminError(tr("Le QG ne détient pas le contenu de cette déposition."))
        out_dir = Path(out_dir)
        target = out_dir / info["id"]
        if target.exists():
            raise AdminError(tr("{path} existe déjà.", path=str(target)))
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{info['id']}-", dir=out_dir))
        try:
            written: list[str] = []

            def write(name: str, data: bytes) -> None:
                (tmp / name).parent.mkdir(parents=True, exist_ok=True)
                (tmp / name).write_bytes(data)
                written.append(name)

            write("statement.json", json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True).encode())
            try:
                write("canonical.json", sealing.canonical_bytes(payload))
            except sealing.CanonicalError:
                pass
            pdf_done = False
            for i, f in enumerate(info["files"]):
                path = self.hq.blobs.object_path(f["sha256"])
                if not f["received"] or not path.is_file():
                    continue
                name = f"files/{i + 1:02d}-{safe_name(f['name'], f['sha256'][:16])}"
                (tmp / "files").mkdir(exist_ok=True)
                shutil.copyfile(path, tmp / name)
                written.append(name)
                if not pdf_done and (f["media_type"] == "application/pdf"
                                     or (f["name"] or "").lower().endswith(".pdf")):
                    shutil.copyfile(path, tmp / "statement.pdf")
                    written.append("statement.pdf")
                    pdf_done = True
            report = info["verification"]
            write("verification.json", json.dumps(report, ensure_ascii=False, indent=2).encode())
            write("verification.txt", verification_text(info).encode())
            os.replace(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return {"id": info["id"], "directory": str(target), "files": sorted(written), "ok": report["ok"],
                "verification": report}

    # -- publishing --------------------------------------------------------------------
    def publish_template(self, path: Path) -> dict[str, Any]:
        """Publish a template file to every device (``statements.templates``, one record per
        template id and version), validated with the module's own model. A published
        version never changes: the same id and version with other content is refused
        (publish a higher version)."""
        from neo.modules.statements import templates as tpl

        try:
            template = tpl.load_file(Path(path))
        except tpl.TemplateError as exc:
            raise AdminError(tr("Modèle invalide : {error}", error=exc.message.replace("\n", " ; "))) from None
        payload = template.model_dump(mode="json")
        shipped = {t.key: t for t in tpl.shipped()}.get(template.key)
        if shipped is not None and shipped.model_dump(mode="json") != payload:
            raise AdminError(tr("Le modèle {id} version {v} est livré avec l'application sous un autre contenu : "
                                "publiez une version supérieure.", id=template.id, v=template.version))
        record_id = template_record_id(template.id, template.version)
        text, problem = _encode(payload)
        if problem is not None or text is None:
            raise AdminError(tr("Modèle invalide : {error}", error=problem or "-"))
        current = self.db.read(lambda c: st_sql.record_payload(c, TEMPLATES, record_id))
        if current is not None and json.loads(current) != payload:
            raise AdminError(tr("Le modèle {id} version {v} est déjà publié avec un autre contenu : publiez une "
                                "version supérieure.", id=template.id, v=template.version))
        written = self.hq.put_hq_records(TEMPLATES, [(record_id, payload, "*")])
        log.info("template %s version %s published (%s)", template.id, template.version,
                 "written" if written else "unchanged")
        return {"id": template.id, "version": template.version, "kind": template.kind, "record_id": record_id,
                "written": written}

    def publish_offences(self, path: Path) -> dict[str, Any]:
        """Publish the offence list to every device (``statements.offences``: one record per
        NATINF, payload the offence as the module's model holds it). The file is the whole
        list (the shape of the module's ``offences.json``), validated with the module's own
        code: an offence that HQ published before, or that the shipped list holds, and that
        the file leaves out is withdrawn (``{natinf, withdrawn: true}``). One transaction:
        devices never see half of an update."""
        from neo.modules.statements import offences as off

        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AdminError(tr("Liste des infractions illisible : {error}", error=str(exc))) from None
        try:
            catalogue = off.parse(data, Path(path).name)
        except ValueError as exc:
            raise AdminError(tr("Liste des infractions invalide : {error}", error=str(exc))) from None
        if not catalogue.offences:
            raise AdminError(tr("Liste des infractions invalide : {error}", error=tr("la liste est vide")))
        wanted = {o.natinf: o.model_dump(mode="json") for o in catalogue.offences}
        published = self.db.read(lambda c: st_sql.live_record_ids(c, OFFENCES))
        known = {o.natinf for o in off.load().offences}
        for text in published.values():
            entry = json.loads(text) if text else {}
            if isinstance(entry, dict) and isinstance(entry.get("natinf"), int) and not entry.get("withdrawn"):
                known.add(entry["natinf"])
        items: list[tuple[str, dict[str, Any] | None, str]] = [
            (offence_record_id(code), payload, "*") for code, payload in sorted(wanted.items())]
        withdrawn = sorted(known - set(wanted))
        items += [(offence_record_id(code), {"natinf": code, "withdrawn": True}, "*") for code in withdrawn]
        written = self.hq.put_hq_records(OFFENCES, items)
        log.info("offence list published: %d offences, %d withdrawn, %d records written", len(wanted),
                 len(withdrawn), written)
        return {"offences": len(wanted), "withdrawn": withdrawn, "written": written}


_RECORD_NS = uuid.UUID("5f0c3a6e-2d0b-5c55-9d57-6e656f2d7374")


def offence_record_id(natinf: int) -> str:
    """The record of ``statements.offences`` holding one offence (a stable UUID)."""
    return str(uuid.uuid5(_RECORD_NS, f"statements.offences/{natinf}"))


def template_record_id(template_id: str, version: int) -> str:
    """The record of ``statements.templates`` holding one template version (a stable UUID)."""
    return str(uuid.uuid5(_RECORD_NS, f"statements.templates/{template_id}/{version}"))


def verdict_text(verdict: str) -> str:
    """``intact``, ``incomplete`` (files still to come) or ``not_intact``, for a person."""
    return {"intact": tr("intègre"), "incomplete": tr("incomplète : fichiers attendus")}.get(verdict, tr("NON INTÈGRE"))


def verification_text(info: dict[str, Any]) -> str:
    """The verification report for a person (French, as HQ's console)."""
    v = info["verification"]
    lines = [
        tr("Déposition {id}", id=info["id"]),
        tr("État au QG : {status}", status=info["status"]),
        tr("Vérifiée le : {when}", when=v["checked_at"]),
        tr("Forme canonique : {c}", c=v["canonical"] or "-"),
        tr("Empreinte scellée (SHA-256) : {sha}", sha=v["sealed_sha256"] or "-"),
        tr("Empreinte recalculée : {sha}", sha=v["computed_sha256"] or "-"),
        tr("Appareil : {id} (clé {kind} {key})", id=v["device_id"] or "-", kind=v["device_key_type"] or "-",
           key=v["device_public_key"] or "-"),
        tr("Sceau : {verdict}", verdict=tr("valide") if v["seal_ok"] else tr("INVALIDE")),
    ]
    for f in v["files"]:
        state = tr("conforme") if f["hash_ok"] and f["size_ok"] is not False else (
            tr("absent") if not f["present"] else tr("NON CONFORME"))
        if not f["sealed"]:
            state += " " + tr("(hors sceau)")
        lines.append(tr("Fichier {sha} ({name}) : {state}", sha=f["sha256"], name=f["name"] or "-", state=state))
    for p in v["problems"]:
        lines.append(tr("Problème : {p}", p=p))
    lines.append(tr("Résultat : {verdict}", verdict=verdict_text(v["verdict"])))
    return "\n".join(lines) + "\n"
