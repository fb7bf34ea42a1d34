"""Enrolling a device with HQ, and verifying an officer's first unlock online.

Enrolment (``neo enroll CODE`` or the app's enrolment screen):

1. decode the one-time code: HQ's address, the fingerprint of HQ's CA, a secret;
2. fetch HQ's CA certificate **without** verification, and accept it only if its
   SHA-256 matches the fingerprint from the code (trust on first use, pinned by the
   code); every later call verifies HQ's certificate against this CA only;
3. make the device's keys (``Vault.prepare_enrolment``) and ``POST /enroll`` with the
   device's identity public key and the HQ-held unlock share;
4. write the device (``Vault.complete_enrolment``): encrypted database, roster, the HQ
   link (token) in the database, and the verify-only unlock token in the vault.

Nothing is written on the device before HQ has accepted the enrolment.

On a managed tablet the fleet's provisioning file (:mod:`neo.provisioning`) names HQ and
its CA: a code for another HQ or CA is refused before anything is sent, and the file may
carry the code and the device's name.
"""

from __future__ import annotations

import base64
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from neo import protocol
from neo.i18n import tr
from neo.provisioning import ProvisioningError, load_provisioning
from neo.vault import PermissionDenied, RevokedByHq, Vault, VaultError, VerifiedOfficer

Progress = Callable[[str], None]
TIMEOUT = httpx.Timeout(15.0, connect=5.0)


class EnrolmentError(VaultError):
    """Enrolment failed; ``message`` tells the officer what to do next (French)."""


@dataclass(frozen=True)
class EnrolmentResult:
    device_id: str
    unit: str
    hq_url: str
    roster: list[dict[str, Any]]


def _error_message(response: httpx.Response) -> tuple[str, str]:
    try:
        body = protocol.ErrorResponse.model_validate(response.json())
        code = (body.error.detail or {}).get("code", "")
        return body.error.kind, f"{body.error.message} ({code})" if code else body.error.message
    except Exception:
        return "server", f"HTTP {response.status_code}"


def fetch_pinned_ca(url: str, fingerprint: str | None) -> str | None:
    """HQ's CA certificate (PEM), accepted only if it matches the pinned fingerprint."""
    if fingerprint is None:
        if url.startswith("https://"):
            raise EnrolmentError(tr("Code d'enrôlement incomplet : l'empreinte du certificat du QG manque."))
        return None
    try:
        # Unverified on purpose: the certificate is checked against the pin below.
        with httpx.Client(verify=False, timeout=TIMEOUT) as client:
            response = client.get(f"{url}{protocol.API_PREFIX}/ca.pem")
    except httpx.HTTPError as exc:
        raise EnrolmentError(
            tr("Le QG ne répond pas ({err}). Vérifiez le réseau puis réessayez.", err=type(exc).__name__)
        ) from exc
    if response.status_code != 200:
        raise EnrolmentError(tr("Le QG n'a pas fourni son certificat (HTTP {code}).", code=response.status_code))
    pem = response.text
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError as exc:
        raise EnrolmentError(tr("Le certificat du QG est illisible.")) from exc
    if protocol.ca_fingerprint(cert.public_bytes(Encoding.DER)) != fingerprint:
        raise EnrolmentError(
            tr("Le certificat du QG ne correspond pas au code d'enrôlement : connexion refusée. "
               "Vérifiez l'adresse du QG ou demandez un nouveau code.")
        )
    return pem


def _verify_arg(ca_pem: str | None) -> ssl.SSLContext | bool:
    if ca_pem is None:
        return True
    ctx = ssl.create_default_context(cadata=ca_pem)
    return ctx


def _host_name() -> str:
    try:
        name = "".join(ch for ch in socket.gethostname().strip() if ch.isprintable())[:80]
    except OSError:
        name = ""
    return name or "NEO"


def enroll(vault: Vault, code: str, device_name: str, *, progress: Progress | None = None,
           on_store: Callable[[Any, dict[str, Any]], None] | None = None) -> EnrolmentResult:
    """Enrol the (blank) device behind ``vault`` with the HQ named in ``code``.

    An empty ``code`` or ``device_name`` is taken from the provisioning file (the name
    then falls back to the host name); a code contradicting that file is refused.

    ``on_store(store, link)`` is called with the open store and the HQ link
    (url, ca_pem, ca_fingerprint, token, device_id, unit, epoch) so the sync layer can
    persist it inside the encrypted database.
    """
    say = progress or (lambda _msg: None)
    if vault.exists():
        raise EnrolmentError(tr("Cet appareil est déjà enrôlé."))
    try:
        provisioned = load_provisioning()
    except ProvisioningError as exc:
        raise EnrolmentError(exc.message) from exc
    code = (code or "").strip() or (provisioned.enrolment_code if provisioned else None) or ""
    if not code:
        raise EnrolmentError(tr("Indiquez le code d'enrôlement (NEO1-…) donné par votre unité."))
    device_name = device_name or (provisioned.device_name if provisioned else None) or _host_name()
    try:
        decoded = protocol.EnrolmentCode.decode(code)
    except ValueError as exc:
        raise EnrolmentError(tr("Code d'enrôlement invalide : vérifiez-le ou demandez-en un nouveau.")) from exc
    if provisioned is not None:
        try:
            provisioned.check_code(decoded)
        except ProvisioningError as exc:
            raise EnrolmentError(exc.message) from exc
    say(tr("Vérification du certificat du QG…"))
    ca_pem = fetch_pinned_ca(decoded.url, decoded.ca_fingerprint)
    prep = vault.prepare_enrolment()
    request = protocol.EnrollRequest(
        code=code.strip(),
        device_public_key=base64.b64encode(prep.identity_public).decode("ascii"),
        device_key_type="ed25519",
        device_name=device_name,
        device_id=prep.device_id,
        unlock_share=base64.b64encode(prep.unlock_share).decode("ascii"),
    )
    say(tr("Enregistrement de l'appareil auprès du QG…"))
    try:
        with httpx.Client(verify=_verify_arg(ca_pem), timeout=TIMEOUT) as client:
            response = client.post(f"{decoded.url}{protocol.API_PREFIX}/enroll", json=request.model_dump())
    except httpx.HTTPError as exc:
        raise EnrolmentError(
            tr("Le QG ne répond pas ({err}). Vérifiez le réseau puis réessayez.", err=type(exc).__name__)
        ) from exc
    if response.status_code != 200:
        _kind, message = _error_message(response)
        raise EnrolmentError(tr("Le QG a refusé l'enrôlement : {msg}", msg=message))
    answer = protocol.EnrollResponse.model_validate(response.json())
    if not answer.unlock_token:
        raise EnrolmentError(tr("Ce QG ne gère pas le premier déverrouillage en ligne ; mettez-le à jour."))
    roster = [entry.model_dump() for entry in answer.roster]
    link = {
        "url": decoded.url,
        "ca_pem": ca_pem,
        "ca_fingerprint": decoded.ca_fingerprint,
        "token": answer.token,
        "device_id": answer.device_id,
        "unit": answer.unit,
        "epoch": answer.epoch,
    }
    say(tr("Création du coffre chiffré de l'appareil…"))
    vault.complete_enrolment(
        prep, hq_url=decoded.url, ca_pem=ca_pem, unlock_token=answer.unlock_token, unit=answer.unit,
        roster=roster, on_store=(lambda store: on_store(store, link)) if on_store else None,
    )
    return EnrolmentResult(answer.device_id, answer.unit, decoded.url, roster)


def make_verifier(vault: Vault) -> Callable[[str, str], VerifiedOfficer | None] | None:
    """A verifier for ``Vault.unlock`` on an enrolled device (None on a local-only device)."""
    info = vault.hq_unlock_info()
    if not info:
        return None

    def verify(service_number: str, pin: str) -> VerifiedOfficer | None:
        body = protocol.OfficerVerifyRequest(service_number=service_number, pin=pin).model_dump()
        try:
            with httpx.Client(verify=_verify_arg(info["ca_pem"]), timeout=TIMEOUT,
                              headers={"Authorization": f"Bearer {info['token']}"}) as client:
                response = client.post(f"{info['url']}{protocol.API_PREFIX}/officers/verify", json=body)
        except httpx.HTTPError as exc:
            raise VaultError(
                tr("Premier déverrouillage sur cet appareil : le QG doit vérifier votre code, mais il est "
                   "injoignable. Connectez l'appareil au réseau puis réessayez.")
            ) from exc
        if response.status_code == 200:
            answer = protocol.OfficerVerifyResponse.model_validate(response.json())
            if not answer.unlock_share:
                raise VaultError(tr("Le QG n'a pas renvoyé la clé de l'appareil ; contactez votre unité."))
            return VerifiedOfficer(answer.officer.model_dump(), base64.b64decode(answer.unlock_share))
        kind, message = _error_message(response)
        code = ""
        try:
            code = (response.json()["error"].get("detail") or {}).get("code", "")
        except Exception:
            code = ""
        if code == "wrong_credentials":
            return None
        if code == "officer_disabled":
            raise PermissionDenied(tr("Ce compte est désactivé. Contactez votre unité."))
        if kind == "revoked":
            raise RevokedByHq()
        raise VaultError(tr("Le QG a refusé le déverrouillage : {msg}", msg=message))

    return verify
