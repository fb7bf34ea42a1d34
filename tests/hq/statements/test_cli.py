"""``neo-hq statements list|show|export`` on what a live HQ received (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from neo.hq.cli import main
from neo.hq.testing import LiveHQ

from .conftest import Signer, signature_files, statement

PDF = b"%PDF-1.7\n% a statement\n"


def run(capsys: pytest.CaptureFixture[str], live: LiveHQ, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--data-dir", str(live.config.data_dir), "--db", live.config.database_url])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], live: LiveHQ, *argv: str, rc: int = 0) -> Any:
    code, out, err = run(capsys, live, *argv, "--json")
    assert code == rc, err
    return json.loads(out)


def received(signer: Signer, **kw: Any) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A statement with a photo and its PDF, pushed and its files uploaded."""
    photo = b"\xff\xd8\xff" + uuid.uuid4().bytes * 20
    pdf = PDF + uuid.uuid4().bytes
    payload = signer.seal(statement(signer, photos=[photo], **kw))
    # The device renders the PDF after sealing (it prints the seal) and names it in the seal.
    payload["seal"]["pdf_sha256"] = hashlib.sha256(pdf).hexdigest()
    assert signer.push(payload)["status"] == "applied"
    files = {"photo": photo, "pdf": pdf}
    signer.upload(photo, "image/jpeg")
    signer.upload(pdf, "application/pdf")
    for png in signature_files(signer):
        signer.upload(png, "image/png")
    return payload, files


def test_list_show_and_export(capsys: pytest.CaptureFixture[str], live: LiveHQ, signer: Signer,
                              tmp_path: Path) -> None:
    payload, files = received(signer)
    correction = signer.seal(statement(signer, with_signatures=False, corrects=payload["id"],
                                       narrative="Le vélo portait un antivol jaune."))
    assert signer.push(correction)["status"] == "applied"
    tampered = signer.seal(statement(signer, with_signatures=False))
    tampered["narrative"] = "autre récit"
    assert signer.push(tampered)["status"] == "rejected"

    unit = signer.handle.unit
    rows = run_json(capsys, live, "statements", "list", "--unit", unit)
    assert [r["id"] for r in rows] == [tampered["id"], correction["id"], payload["id"]]  # newest first
    by_id = {r["id"]: r for r in rows}
    assert by_id[payload["id"]]["status"] == "verified" and by_id[payload["id"]]["attachment_count"] == 4
    assert by_id[correction["id"]]["corrects"] == payload["id"]
    assert by_id[tampered["id"]]["status"] == "rejected_tampered"
    assert by_id[tampered["id"]]["reason_code"] == "seal_invalid"
    assert [r["id"] for r in run_json(capsys, live, "statements", "list", "--unit", unit, "--status",
                                      "rejected_tampered")] == [tampered["id"]]
    assert run_json(capsys, live, "statements", "list", "--unit", unit, "--since", "2999-01-01") == []
    assert len(run_json(capsys, live, "statements", "list", "--unit", unit, "--since", "2000-01-01T00:00")) == 3
    code, out, _ = run(capsys, live, "statements", "list", "--unit", unit)
    assert code == 0 and payload["id"] in out and "vérifiée" in out and "refusée (sceau)" in out

    # show: parties, facts, offences, files, seal (verified again), the correction chain.
    code, out, _ = run(capsys, live, "statements", "show", payload["id"])
    assert code == 0, out
    for text in ("DURAND Élodie", "unknown_author", "capuche grise", "NATINF 7875", "Vélo de ville bleu (450.00 €)",
                 "On m'a volé mon vélo", "statement.pdf", "(hors sceau)", payload["seal"]["sha256"], "Vérification : intègre",
                 f"corrigée par la déposition {correction['id']}"):
        assert text in out, text
    shown = run_json(capsys, live, "statements", "show", correction["id"])
    assert shown["corrects"] == payload["id"] and shown["verification"]["ok"] is True
    code, out, _ = run(capsys, live, "statements", "show", tampered["id"])
    assert code == 2 and "NON INTÈGRE" in out and "refusée (sceau)" in out
    code, _, err = run(capsys, live, "statements", "show", str(uuid.uuid4()))
    assert code == 1 and "Déposition inconnue" in err

    # export: the statement as received, the canonical bytes, the files, the PDF, the report.
    out_dir = tmp_path / "export"
    report = run_json(capsys, live, "statements", "export", payload["id"], "--out", str(out_dir))
    target = out_dir / payload["id"]
    assert report["ok"] is True and Path(report["directory"]) == target
    assert json.loads((target / "statement.json").read_text(encoding="utf-8")) == payload
    assert hashlib.sha256((target / "canonical.json").read_bytes()).hexdigest() == payload["seal"]["sha256"]
    assert (target / "statement.pdf").read_bytes() == files["pdf"]
    copied = sorted(p.name for p in (target / "files").iterdir())
    assert copied == ["01-photo1.jpg", "02-signature-declarant.png", "03-signature-officer.png",
                      "04-statement.pdf"]
    assert (target / "files" / "01-photo1.jpg").read_bytes() == files["photo"]
    verification = json.loads((target / "verification.json").read_text(encoding="utf-8"))
    assert verification["ok"] is True and verification["seal_ok"] is True
    assert all(f["hash_ok"] for f in verification["files"])
    assert [f["sealed"] for f in verification["files"]] == [True, True, True, False]
    assert "Résultat : intègre" in (target / "verification.txt").read_text(encoding="utf-8")
    assert [p.name for p in out_dir.iterdir()] == [payload["id"]]  # no temporary directory left
    code, _, err = run(capsys, live, "statements", "export", payload["id"], "--out", str(out_dir))
    assert code == 1 and "existe déjà" in err


def test_a_file_altered_at_hq_is_reported(capsys: pytest.CaptureFixture[str], live: LiveHQ, signer: Signer,
                                          tmp_path: Path) -> None:
    payload, files = received(signer)
    blob = live.hq.blobs.object_path(hashlib.sha256(files["photo"]).hexdigest())
    blob.write_bytes(files["photo"][:-1] + b"\x00")
    code, out, _ = run(capsys, live, "statements", "show", payload["id"])
    assert code == 2 and "NON CONFORME" in out and "NON INTÈGRE" in out
    code, out, _ = run(capsys, live, "statements", "export", payload["id"], "--out", str(tmp_path))
    assert code == 2 and "NON INTÈGRE" in out
    report = json.loads((tmp_path / payload["id"] / "verification.json").read_text(encoding="utf-8"))
    assert report["ok"] is False and report["seal_ok"] is True and report["verdict"] == "not_intact"
    assert any("ne correspond pas à son empreinte" in p for p in report["problems"])


def test_bad_arguments(capsys: pytest.CaptureFixture[str], live: LiveHQ) -> None:
    code, _, err = run(capsys, live, "statements", "list", "--since", "hier")
    assert code == 1 and "Date invalide" in err
    code, _, err = run(capsys, live, "statements", "list", "--unit", "Unité qui n'existe pas")
    assert code == 1 and "Unité inconnue" in err
    with pytest.raises(SystemExit):
        main(["statements", "list", "--status", "perdue"])
    capsys.readouterr()


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "etc_passwd"), ("..", "fallback"), (None, "fallback"), (".hidden", "hidden"),
    ("Déposition 1.pdf", "Déposition 1.pdf"), ("a\\b:c*?.png", "a_b_c_.png"), ("x" * 300, "x" * 100),
])
def test_exported_file_names_stay_in_their_directory(name: str | None, expected: str) -> None:
    from neo.hq.statements.service import safe_name

    assert safe_name(name, "fallback") == expected
