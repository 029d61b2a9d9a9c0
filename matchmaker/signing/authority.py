"""The platform's own certificate authority, and keys kept encrypted at rest.

Files in the authority's folder (``instance/signing/`` in the app):

- ``master.key``   32 random bytes (hex), mode 0600: the key every private key is encrypted with;
- ``ca.pem``       the root certificate (publish it: verifiers trust it), ``ca.key.pem`` its key;
- ``tsa.pem``      the time-stamping certificate (the platform's own timestamp authority);
- ``platform.pem`` the certificate of the platform's final signature;
- each ``*.key.pem`` is PKCS#8, encrypted with ``master.key`` (``openssl pkey -in ca.key.pem
  -passin file:master.key`` reads it).

Organisations' keys live in the database, encrypted the same way: a database backup alone
reveals no key, and ``master.key`` is backed up separately (see the README).

The platform's own keys (CA, TSA, platform) are decrypted once per process and kept while their
files and the master key stay the same (``_load_once``); an organisation's key is decrypted for
its one signature only.
"""

import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_YEARS = 20
TSA_YEARS = 10
SIGNER_YEARS = 5
ORG_ID_OID = NameOID.ORGANIZATION_IDENTIFIER  # 2.5.4.97, holds the 统一社会信用代码


class AuthorityError(RuntimeError):
    """The authority's files are missing, unreadable or do not belong together."""


# Keys at rest -------------------------------------------------------------------------------


class KeyCipher:
    """Encrypts private keys as PKCS#8 PEM with a secret (scrypt + AES-256, cryptography's best)."""

    def __init__(self, secret: bytes):
        if len(secret) < 16:
            raise AuthorityError("the key-encryption secret is too short")
        self._secret = secret

    def encrypt(self, key) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._secret),
        )

    def decrypt(self, pem: bytes):
        try:
            return serialization.load_pem_private_key(pem, password=self._secret)
        except (ValueError, TypeError) as exc:
            raise AuthorityError("a private key cannot be decrypted with this instance's master.key") from exc

    def encrypt_bytes(self, data: bytes) -> bytes:
        """Small secrets (a PKCS#12 passphrase) with AES-GCM under a key derived from the secret."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(12)
        return nonce + AESGCM(self._derived()).encrypt(nonce, data, b"matchmaker-signing")

    def decrypt_bytes(self, blob: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            return AESGCM(self._derived()).decrypt(blob[:12], blob[12:], b"matchmaker-signing")
        except InvalidTag as exc:
            raise AuthorityError("a stored secret cannot be decrypted with this instance's master.key") from exc

    def _derived(self):
        return hashlib.sha256(b"matchmaker-signing/aes-gcm\0" + self._secret).digest()

    def source(self, *parts: bytes) -> bytes:
        """A digest of ``parts`` and this secret: what a key decrypted from them was loaded from."""
        digest = hashlib.sha256(b"matchmaker-signing/loaded\0" + self._secret)
        for part in parts:
            digest.update(len(part).to_bytes(8, "big") + part)
        return digest.digest()


def load_or_create_master_key(directory: Path) -> bytes:
    """The folder's master key, created (32 random bytes, hex, mode 0600) when there is none."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "master.key"
    if path.exists():
        secret = path.read_text().strip().encode()
        if secret:
            return secret
    secret = secrets.token_hex(32).encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(secret + b"\n")
    return secret


# Loaded once per process -------------------------------------------------------------------
# Decrypting a key (scrypt) and checking it (RSA) cost about 0.05 s on a quiet machine, and every signature needs
# the TSA's key, the platform's final one the platform's too. What is remembered is the loaded key and
# certificate, immutable and shared by threads; each signature builds its own pyHanko objects from them.

_loaded: dict[tuple[str, str], tuple[bytes, object]] = {}  # (folder, file stem) -> (source, what was loaded)
_loading = threading.Lock()


def _load_once(slot, source: bytes, load):
    """``load()``'s result, made once for ``slot`` while ``source`` (a digest of what it reads) stays the same.

    A new source (a key or certificate replaced, another master key) loads again and replaces the one before; a
    load that fails is not remembered. Concurrent first uses wait for one load."""
    entry = _loaded.get(slot)
    if entry is None or entry[0] != source:
        with _loading:
            entry = _loaded.get(slot)
            if entry is None or entry[0] != source:
                entry = (source, load())
                _loaded[slot] = entry
    return entry[1]


@dataclass(frozen=True)
class KeyPair:
    """A certificate of the authority's folder and its private key, decrypted."""

    cert: x509.Certificate
    key: object  # a cryptography private key


# Certificates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """Who a certificate names: an organisation (its 统一社会信用代码 when known)."""

    name: str
    uscc: str = ""
    unit: str = ""

    def x509_name(self):
        attrs = [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.name),
        ]
        if self.unit:
            attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, self.unit))
        if self.uscc:
            attrs.append(x509.NameAttribute(ORG_ID_OID, self.uscc))
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, self.name))
        return x509.Name(attrs)


@dataclass(frozen=True)
class Issued:
    """A certificate the authority issued, with its key encrypted for storage."""

    cert_pem: bytes
    key_pem: bytes  # encrypted PKCS#8
    serial: str  # hex
    fingerprint: str  # SHA-256 of the DER certificate, hex
    not_before: datetime
    not_after: datetime
    subject: str


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _new_key(bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _now():
    return datetime.now(UTC).replace(microsecond=0)


# Signer certificates carry no extended key usage: PDF readers (Adobe's among them) refuse a
# signature whose certificate lists usages they do not know, such as RFC 9336 documentSigning.
def _build(subject, issuer_name, public_key, signing_key, not_before, not_after, *, ca=False, issuer_key=None, eku=()):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key((issuer_key or signing_key).public_key()),
            critical=False,
        )
    )
    if ca:
        usage = dict(digital_signature=False, content_commitment=False, key_cert_sign=True, crl_sign=True)
    else:
        usage = dict(digital_signature=True, content_commitment=True, key_cert_sign=False, crl_sign=False)
    builder = builder.add_extension(
        x509.KeyUsage(key_encipherment=False, data_encipherment=False, key_agreement=False,
                      encipher_only=False, decipher_only=False, **usage),
        critical=True,
    )  # fmt: skip
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=True)
    return builder.sign(signing_key, hashes.SHA256())


class Authority:
    """The platform CA: a root certificate, a timestamp certificate and the platform's signing certificate."""

    def __init__(self, directory: Path, cipher: KeyCipher):
        self.directory = Path(directory)
        self.cipher = cipher
        for cert in ("ca", "tsa", "platform"):  # an incomplete folder is an error now, not at the first signature
            self._cert(cert)

    # Creation ---------------------------------------------------------------------------

    @classmethod
    def exists(cls, directory: Path) -> bool:
        return all((Path(directory) / f).exists() for f in ("ca.pem", "ca.key.pem", "tsa.pem", "platform.pem"))

    @classmethod
    def ensure(cls, directory: Path, name: str = "科技成果转化对接平台") -> "Authority":
        """Load the authority in ``directory``, creating the master key and certificates if absent."""
        import fcntl

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        # Several server processes may need the authority at once: one creates it, the others wait.
        with open(directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            cipher = KeyCipher(load_or_create_master_key(directory))
            if not cls.exists(directory):
                cls._create(directory, cipher, name)
        return cls(directory, cipher)

    @classmethod
    def _create(cls, directory, cipher, name):
        if (directory / "ca.pem").exists():
            raise AuthorityError(f"{directory} holds a partial authority; move it away before creating a new one")
        now = _now()
        root_key = _new_key(3072)
        root_name = Subject(name, unit="电子合同根证书").x509_name()
        root = _build(root_name, root_name, root_key.public_key(), root_key, now - timedelta(minutes=5),
                      now + timedelta(days=365 * ROOT_YEARS), ca=True)  # fmt: skip
        files = {"ca.pem": root.public_bytes(serialization.Encoding.PEM), "ca.key.pem": cipher.encrypt(root_key)}
        for stem, unit, years, eku in (
            ("tsa", "时间戳服务", TSA_YEARS, (ExtendedKeyUsageOID.TIME_STAMPING,)),
            ("platform", "平台签名", SIGNER_YEARS * 2, ()),
        ):
            key = _new_key()
            cert = _build(Subject(name, unit=unit).x509_name(), root.subject, key.public_key(), root_key,
                          now - timedelta(minutes=5), now + timedelta(days=365 * years), eku=eku)  # fmt: skip
            files[f"{stem}.pem"] = cert.public_bytes(serialization.Encoding.PEM)
            files[f"{stem}.key.pem"] = cipher.encrypt(key)
        # Keys first, certificates last: ``exists`` is true only once every file is written.
        for fname in sorted(files, key=lambda f: (not f.endswith(".key.pem"), f != "ca.pem", f)):
            fd = os.open(directory / fname, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(files[fname])

    # Use --------------------------------------------------------------------------------

    # The certificates are read from their files each time: a replaced one (with its key) is used from then on.
    @property
    def root(self) -> x509.Certificate:
        return self._cert("ca")

    @property
    def tsa(self) -> x509.Certificate:
        return self._cert("tsa")

    @property
    def platform(self) -> x509.Certificate:
        return self._cert("platform")

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    @property
    def root_fingerprint(self) -> str:
        return fingerprint(self.root)

    def _read(self, fname) -> bytes:
        try:
            return (self.directory / fname).read_bytes()
        except FileNotFoundError as exc:
            raise AuthorityError(
                f"the certificate authority is incomplete in {self.directory}: {exc.filename}"
            ) from exc

    def _cert(self, stem) -> x509.Certificate:
        pem = self._read(f"{stem}.pem")
        slot = (str(self.directory), f"{stem}.pem")
        return _load_once(slot, hashlib.sha256(pem).digest(), lambda: x509.load_pem_x509_certificate(pem))

    def _pair(self, stem) -> KeyPair:
        """``stem``'s certificate and key as their files are now, decrypted once per process while they stay so."""
        cert_pem, key_pem = self._read(f"{stem}.pem"), self._read(f"{stem}.key.pem")

        def load():
            pair = KeyPair(x509.load_pem_x509_certificate(cert_pem), self.cipher.decrypt(key_pem))
            if pair.key.public_key() != pair.cert.public_key():  # one of the two replaced, not yet the other
                raise AuthorityError(f"{stem}.pem and {stem}.key.pem in {self.directory} do not belong together")
            return pair

        return _load_once((str(self.directory), stem), self.cipher.source(cert_pem, key_pem), load)

    def issue(self, subject: Subject, years: int = SIGNER_YEARS) -> Issued:
        """A new key and certificate for an organisation, signed by the root."""
        root = self._pair("ca")
        key = _new_key()
        now = _now()
        not_after = min(now + timedelta(days=365 * years), root.cert.not_valid_after_utc)
        cert = _build(subject.x509_name(), root.cert.subject, key.public_key(), root.key,
                      now - timedelta(minutes=5), not_after)  # fmt: skip
        return Issued(
            cert_pem=cert.public_bytes(serialization.Encoding.PEM),
            key_pem=self.cipher.encrypt(key),
            serial=format(cert.serial_number, "x"),
            fingerprint=fingerprint(cert),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            subject=subject.name,
        )

    def signer_for(self, cert_pem: bytes, key_pem: bytes):
        """A pyHanko signer for a certificate this authority issued: its key decrypted for this signature only
        (an organisation's key is not kept in the process: its memory holds the platform's keys, not every
        organisation's)."""
        from .pades import make_signer

        return make_signer(cert_pem, self.cipher.decrypt(key_pem), [self.root])

    def platform_signer(self):
        """A pyHanko signer for the platform's final signature (one per signature; the key is loaded once)."""
        from .pades import make_signer

        platform = self._pair("platform")
        return make_signer(platform.cert, platform.key, [self.root])

    def timestamper(self):
        """The platform acting as its own timestamp authority (RFC 3161 tokens signed by tsa.pem)."""
        from .pades import local_timestamper

        tsa = self._pair("tsa")
        return local_timestamper(tsa.cert, tsa.key, self.root)
