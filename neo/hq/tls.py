"""HQ's own small PKI: a CA made on first start and a server certificate it signs.

Files in ``<data dir>/tls/``: ``ca.pem`` (public), ``ca.key`` (0600), ``server.pem``
(the server certificate followed by the CA) and ``server.key`` (0600). Both keys are EC
P-256. Devices pin the CA (the SHA-256 of its DER, carried by the enrolment code), so
the server certificate can be re-issued (new address, expiry) without re-enrolling
anyone: :func:`ensure_server_cert` does it when the names it must cover change.

An operator with their own PKI passes ``--tls-cert/--tls-key`` (and ``--tls-ca`` when
the chain file does not end with the CA that devices should pin).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from neo.protocol import ca_fingerprint

CA_DAYS = 3650
SERVER_DAYS = 825
RENEW_BEFORE = timedelta(days=30)


@dataclass(frozen=True)
class TlsFiles:
    cert_file: Path
    key_file: Path
    ca_file: Path
    fingerprint: str
    """Hex SHA-256 of the pinned CA certificate's DER."""

    @property
    def ca_pem(self) -> bytes:
        return self.ca_file.read_bytes()


class TlsError(Exception):
    pass


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def _write_public(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def fingerprint_of_pem(pem: bytes) -> str:
    cert = x509.load_pem_x509_certificate(pem)
    return ca_fingerprint(cert.public_bytes(serialization.Encoding.DER))


def ensure_ca(tls_dir: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    tls_dir.mkdir(parents=True, exist_ok=True)
    ca_file, key_file = tls_dir / "ca.pem", tls_dir / "ca.key"
    if ca_file.is_file() and key_file.is_file():
        cert = x509.load_pem_x509_certificate(ca_file.read_bytes())
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise TlsError(f"{key_file} is not an EC key")
        return cert, key
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "NEO HQ"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"NEO HQ CA {socket.gethostname()[:40]} {os.urandom(3).hex()}"),
    ])
    now = datetime.now(UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_file, _key_pem(key))
    _write_public(ca_file, cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def default_names(host: str | None = None, extra: list[str] | None = None) -> list[str]:
    """The names and addresses the server certificate covers."""
    names = ["localhost", "127.0.0.1", "::1"]
    hostname = socket.gethostname()
    if hostname:
        names.append(hostname)
        try:
            names += [a for a in socket.gethostbyname_ex(hostname)[2] if a]
        except OSError:
            pass
    if host and host not in ("0.0.0.0", "::", ""):
        names.append(host)
    names += list(extra or [])
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen


def _san(names: list[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for n in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            entries.append(x509.DNSName(n))
    return x509.SubjectAlternativeName(entries)


def _covers(cert: x509.Certificate, names: list[str]) -> bool:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    dns = set(san.get_values_for_type(x509.DNSName))
    ips = {str(a) for a in san.get_values_for_type(x509.IPAddress)}
    for n in names:
        try:
            if str(ipaddress.ip_address(n)) not in ips:
                return False
        except ValueError:
            if n not in dns:
                return False
    return True


def ensure_server_cert(tls_dir: Path, names: list[str]) -> TlsFiles:
    """The CA and a server certificate covering ``names``, made or re-issued as needed."""
    ca_cert, ca_key = ensure_ca(tls_dir)
    cert_file, key_file, ca_file = tls_dir / "server.pem", tls_dir / "server.key", tls_dir / "ca.pem"
    fingerprint = ca_fingerprint(ca_cert.public_bytes(serialization.Encoding.DER))
    if cert_file.is_file() and key_file.is_file():
        try:
            current = x509.load_pem_x509_certificate(cert_file.read_bytes())
            fresh = current.not_valid_after_utc - datetime.now(UTC) > RENEW_BEFORE
            if fresh and current.issuer == ca_cert.subject and _covers(current, names):
                return TlsFiles(cert_file, key_file, ca_file, fingerprint)
        except ValueError:
            pass
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "NEO HQ"),
            x509.NameAttribute(NameOID.COMMON_NAME, names[0] if names else "localhost"),
        ]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(min(now + timedelta(days=SERVER_DAYS), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=True, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(_san(names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(key_file, _key_pem(key))
    _write_public(
        cert_file,
        cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM),
    )
    return TlsFiles(cert_file, key_file, ca_file, fingerprint)


def external(cert_file: Path, key_file: Path, ca_file: Path | None, tls_dir: Path) -> TlsFiles:
    """Files from the operator's own PKI. The pinned CA is ``ca_file``, or else the last
    certificate of the chain in ``cert_file`` (copied to ``tls_dir/pinned-ca.pem``)."""
    for p in (cert_file, key_file, ca_file):
        if p is not None and not Path(p).is_file():
            raise TlsError(f"file not found: {p}")
    if ca_file is None:
        chain = x509.load_pem_x509_certificates(Path(cert_file).read_bytes())
        if not chain:
            raise TlsError(f"no certificate in {cert_file}")
        pem = chain[-1].public_bytes(serialization.Encoding.PEM)
        ca_path = Path(cert_file)
        fingerprint = ca_fingerprint(chain[-1].public_bytes(serialization.Encoding.DER))
        # The CA file served to devices must hold only the pinned certificate.
        pinned = tls_dir / "pinned-ca.pem"
        try:
            tls_dir.mkdir(parents=True, exist_ok=True)
            _write_public(pinned, pem)
            ca_path = pinned
        except OSError as exc:
            raise TlsError(f"cannot write {pinned}: {exc}") from exc
        return TlsFiles(Path(cert_file), Path(key_file), ca_path, fingerprint)
    ca_certs = x509.load_pem_x509_certificates(Path(ca_file).read_bytes())
    if not ca_certs:
        raise TlsError(f"no certificate in {ca_file}")
    return TlsFiles(Path(cert_file), Path(key_file), Path(ca_file),
                    ca_fingerprint(ca_certs[0].public_bytes(serialization.Encoding.DER)))


def ca_only(tls_dir: Path) -> tuple[Path, str]:
    """HQ's own CA (made if missing): its file and fingerprint."""
    cert, _key = ensure_ca(tls_dir)
    return tls_dir / "ca.pem", ca_fingerprint(cert.public_bytes(serialization.Encoding.DER))
