"""Keys for online signing: the platform CA in the instance folder, organisations' credentials, trust.

The only module of the app that touches private keys. An organisation's key is decrypted in memory for one
signature; the platform's own (CA, TSA, platform) once per process (``signing.authority``).
"""

import hashlib
import logging
from datetime import timedelta
from pathlib import Path

from flask import current_app

from ..extensions import db
from ..models import CredentialKind, Organization, SigningCredential
from ..models.base import utcnow
from ..signing import pades
from ..signing.authority import Authority, Subject, fingerprint

log = logging.getLogger(__name__)
RENEW_BEFORE = timedelta(days=30)  # a credential this close to expiry is replaced before signing


def signing_dir() -> Path:
    return Path(current_app.config.get("SIGNING_DIR") or Path(current_app.instance_path) / "signing")


def authority() -> Authority:
    """The platform CA of this instance, created on first use (init-db creates it too). Made again when SIGNING_DIR
    points elsewhere or master.key was replaced; its keys are decrypted once per process while their files and the
    master key stay the same (``signing.authority``)."""
    cache = current_app.extensions.setdefault("signing", {})
    folder = signing_dir()
    seen = _master_key_of(folder)
    if seen is None or cache.get("authority_of") != seen:
        cache["authority"] = Authority.ensure(folder, name=current_app.config["SIGNING_PLATFORM_NAME"])
        cache["authority_of"] = _master_key_of(folder)
    return cache["authority"]


def _master_key_of(folder: Path):
    """The folder and a digest of its master key (None before the authority is created)."""
    try:
        return str(folder), hashlib.sha256((folder / "master.key").read_bytes()).digest()
    except FileNotFoundError:
        return None


def trust_roots():
    """Certificates /contracts/verify trusts: the platform CA, then any configured licensed CA."""
    from cryptography import x509

    roots = [authority().root]
    for path in current_app.config.get("SIGNING_TRUST_ROOTS") or ():
        roots.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    return roots


def timestamper():
    """The configured RFC 3161 TSA, or the platform as its own timestamp authority."""
    url = current_app.config.get("SIGNING_TSA_URL")
    return pades.http_timestamper(url) if url else authority().timestamper()


def _subject(org: Organization):
    return Subject(org.name, org.uscc or "")


def active_credential(org: Organization):
    """The organisation's newest usable credential, or None."""
    return db.session.scalar(
        db.select(SigningCredential)
        .where(
            SigningCredential.organization_id == org.id,
            SigningCredential.active.is_(True),
            SigningCredential.not_after > utcnow() + RENEW_BEFORE,
        )
        .order_by(SigningCredential.id.desc())
        .limit(1)
    )


def credential_for(org: Organization) -> SigningCredential:
    """The organisation's credential, or one the platform CA issues now when it has none: not added to the session.
    The caller saves it with what it signs (so that its transaction writes nothing before: on SQLite a write locks
    the whole database until the commit) and, once committed, logs it (``log_issued``): a signature refused drops it."""
    cred = active_credential(org)
    if cred is not None:
        return cred
    issued = authority().issue(_subject(org))
    return SigningCredential(
        organization_id=org.id,
        kind=CredentialKind.PLATFORM_CA.value,
        subject=issued.subject,
        serial=issued.serial,
        fingerprint=issued.fingerprint,
        certificate_pem=issued.cert_pem.decode(),
        private_key_pem=issued.key_pem.decode(),
        not_before=issued.not_before.replace(tzinfo=None),
        not_after=issued.not_after.replace(tzinfo=None),
    )


def log_issued(serial: str, organization_id: int):
    """The log line of a certificate ``credential_for`` issued, once it is stored (committed)."""
    log.info("issued a signing certificate %s to organisation %s", serial, organization_id)


def signer_for(cred: SigningCredential):
    """A pyHanko signer for a stored credential; the key is decrypted in memory for this signature only."""
    ca = authority()
    if cred.kind == CredentialKind.PKCS12.value:
        data = (signing_dir() / "pkcs12" / cred.pkcs12_file).read_bytes()
        passphrase = ca.cipher.decrypt_bytes(cred.pkcs12_passphrase) if cred.pkcs12_passphrase else None
        return pades.signer_from_pkcs12(data, passphrase)
    return ca.signer_for(cred.certificate_pem.encode(), cred.private_key_pem.encode())


def register_pkcs12(org: Organization, data: bytes, passphrase: bytes | None) -> SigningCredential:
    """Use a licensed CA's PKCS#12 for an organisation from now on (file kept under signing/pkcs12/)."""
    import os

    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    signer = pades.signer_from_pkcs12(data, passphrase)  # refuses a wrong passphrase
    del signer
    _key, cert, _chain = pkcs12.load_key_and_certificates(data, passphrase)
    fp = fingerprint(cert)
    others = db.update(SigningCredential).where(SigningCredential.organization_id == org.id).values(active=False)
    existing = db.session.scalar(db.select(SigningCredential).filter_by(fingerprint=fp))
    if existing is not None:  # the same file again: use it again
        if existing.organization_id != org.id:
            raise ValueError("该证书已登记给其他单位")
        db.session.execute(others)
        existing.active = True
        db.session.commit()
        return existing
    folder = signing_dir() / "pkcs12"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"org{org.id}-{fp[:16]}.p12"
    fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    db.session.execute(others)
    cred = SigningCredential(
        organization_id=org.id,
        kind=CredentialKind.PKCS12.value,
        subject=cert.subject.rfc4514_string()[:200],
        serial=format(cert.serial_number, "x"),
        fingerprint=fp,
        certificate_pem=cert.public_bytes(Encoding.PEM).decode(),
        pkcs12_file=name,
        pkcs12_passphrase=authority().cipher.encrypt_bytes(passphrase) if passphrase else None,
        not_before=cert.not_valid_before_utc.replace(tzinfo=None),
        not_after=cert.not_valid_after_utc.replace(tzinfo=None),
    )
    db.session.add(cred)
    db.session.commit()
    return cred
