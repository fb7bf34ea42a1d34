"""HQ's own CA and server certificate."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat
from pathlib import Path

from cryptography import x509

from neo.hq import tls


def test_ca_and_server_certificate(tmp_path: Path) -> None:
    files = tls.ensure_server_cert(tmp_path, tls.default_names("127.0.0.1"))
    ca = x509.load_pem_x509_certificate(files.ca_file.read_bytes())
    chain = x509.load_pem_x509_certificates(files.cert_file.read_bytes())
    assert chain[1] == ca and chain[0].issuer == ca.subject
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    san = chain[0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in san.get_values_for_type(x509.DNSName)
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)
    assert chain[0].public_key().curve.name == "secp256r1"
    for key in (tmp_path / "ca.key", files.key_file):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert files.fingerprint == tls.fingerprint_of_pem(files.ca_file.read_bytes())
    assert chain[0].not_valid_after_utc - dt.datetime.now(dt.UTC) > dt.timedelta(days=700)


def test_server_certificate_is_reissued_for_new_names_under_the_same_ca(tmp_path: Path) -> None:
    first = tls.ensure_server_cert(tmp_path, ["localhost", "127.0.0.1"])
    cert1 = first.cert_file.read_bytes()
    assert tls.ensure_server_cert(tmp_path, ["localhost"]).cert_file.read_bytes() == cert1  # already covered
    second = tls.ensure_server_cert(tmp_path, ["localhost", "127.0.0.1", "hq.gendarmerie.test", "10.0.0.5"])
    assert second.cert_file.read_bytes() != cert1
    assert second.fingerprint == first.fingerprint  # devices' pins stay valid


def test_external_certificates(tmp_path: Path) -> None:
    own = tls.ensure_server_cert(tmp_path / "pki", ["localhost"])
    ext = tls.external(own.cert_file, own.key_file, None, tmp_path / "hq")
    assert ext.fingerprint == own.fingerprint  # the last certificate of the chain is the pin
    ext2 = tls.external(own.cert_file, own.key_file, own.ca_file, tmp_path / "hq")
    assert ext2.fingerprint == own.fingerprint
