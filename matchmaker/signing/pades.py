"""PAdES signatures with pyHanko: each party's signature, then the platform's locking signature.

Every signature is an incremental update (the bytes signed before stay untouched), PAdES
(``ETSI.CAdES.detached``), SHA-256, with an RFC 3161 timestamp from the configured TSA or from
the platform acting as its own timestamp authority.

Why the platform's signature comes last and *locks* rather than *certifies*: in a PDF a
certification (DocMDP) signature must be the first signature of the document (ISO 32000-1
§12.8.2.2, and pyHanko refuses otherwise). The platform's final signature is therefore an
approval signature whose field lock carries ``/P 1`` (ISO 32000-2 §12.8.2.4: no changes allowed
after it), which is how PDF 2.0 lets a later signature close a document: any change after it
is reported as a modification by validators.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import wraps
from io import BytesIO

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

PARTY_FIELDS = ("Signature_PartyA", "Signature_PartyB")
PLATFORM_FIELD = "Signature_Platform"


def outside_event_loop(fn):
    """pyHanko's synchronous calls run their own event loop: inside a running one (an async caller,
    Playwright's sync API in tests) they would fail, so there they run in a worker thread."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return fn(*args, **kwargs)
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(fn, *args, **kwargs).result()

    return wrapper


class SigningFailed(RuntimeError):
    """pyHanko could not sign the document (unreadable PDF, field already signed, key problem)."""


def _asn1_cert(cert_or_pem):
    if isinstance(cert_or_pem, asn1_x509.Certificate):
        return cert_or_pem
    if isinstance(cert_or_pem, bytes):
        return load_cert_from_pemder_data(cert_or_pem)
    return asn1_x509.Certificate.load(cert_or_pem.public_bytes(serialization.Encoding.DER))


def load_cert_from_pemder_data(data: bytes):
    """One certificate from PEM or DER bytes, as asn1crypto (what pyHanko uses)."""
    from pyhanko.keys import load_certs_from_pemder_data

    certs = list(load_certs_from_pemder_data(data))
    if not certs:
        raise ValueError("no certificate found")
    return certs[0]


def make_signer(cert_pem: bytes, private_key, chain=()):
    """A pyHanko signer from a PEM certificate (or a loaded one), a cryptography private key and its issuers.

    It signs with ``private_key`` as given (pyHanko's own signer loads its key again for each signature)."""
    from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from .keyed import LoadedKeySigner

    store = SimpleCertificateStore.from_certs([_asn1_cert(c) for c in chain])
    return LoadedKeySigner(
        signing_cert=_asn1_cert(cert_pem),
        signing_key=translate_pyca_cryptography_key_to_asn1(private_key),
        cert_registry=store,
        private_key=private_key,
    )


def signer_from_pkcs12(data: bytes, passphrase: bytes | None, chain=()):
    """A pyHanko signer from a PKCS#12 (.p12/.pfx) file issued by another (licensed) CA."""
    from pyhanko.sign.signers import SimpleSigner

    try:
        return SimpleSigner.load_pkcs12_data(data, [_asn1_cert(c) for c in chain], passphrase=passphrase)
    except (ValueError, TypeError) as exc:
        raise SigningFailed("PKCS#12 文件无法读取（文件或口令不正确）") from exc


def local_timestamper(tsa_cert, tsa_key, root):
    """The platform as its own RFC 3161 timestamp authority, signing with its TSA certificate and key (as loaded)."""
    from pyhanko.keys.internal import translate_pyca_cryptography_key_to_asn1
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from .keyed import LoadedKeyTimeStamper

    return LoadedKeyTimeStamper(
        tsa_cert=_asn1_cert(tsa_cert),
        tsa_key=translate_pyca_cryptography_key_to_asn1(tsa_key),
        certs_to_embed=SimpleCertificateStore.from_certs([_asn1_cert(root)]),
        private_key=tsa_key,
    )


def http_timestamper(url: str):
    """An external RFC 3161 timestamp authority (a licensed TSA) reached over HTTP."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url)


@dataclass(frozen=True)
class SignRequest:
    """One signature to add: which field, on whose behalf, and whether it closes the document."""

    field_name: str
    reason: str
    name: str = ""  # the person who confirmed (recorded in the signature dictionary)
    location: str = ""
    contact: str = ""
    lock: bool = False  # the platform's final signature: no changes allowed after it


@outside_event_loop
def sign_pdf(pdf_bytes: bytes, signer, request: SignRequest, timestamper=None) -> bytes:
    """``pdf_bytes`` with one more signature, added as an incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError

    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=True)
        existing = {name for name, value, _ in fields.enumerate_sig_fields(writer.prev, filled_status=True)}
        if request.field_name in existing:
            raise SigningFailed(f"签名域 {request.field_name} 已经签署")
        spec = fields.SigFieldSpec(
            sig_field_name=request.field_name,
            field_mdp_spec=fields.FieldMDPSpec(fields.FieldMDPAction.ALL) if request.lock else None,
            doc_mdp_update_value=fields.MDPPerm.NO_CHANGES if request.lock else None,
        )
        meta = signers.PdfSignatureMetadata(
            field_name=request.field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=request.reason or None,
            name=request.name or None,
            location=request.location or None,
            contact_info=request.contact or None,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES if request.lock else fields.MDPPerm.FILL_FORMS,
        )
        pdf_signer = signers.PdfSigner(meta, signer, timestamper=timestamper, new_field_spec=spec)
        out = pdf_signer.sign_pdf(writer)
    except (PdfError, SigningError, ValueError, KeyError) as exc:
        raise SigningFailed(f"签名失败：{exc}") from exc
    return out.getvalue()


def signing_time(pdf_bytes: bytes, field_name: str):
    """When the signature in ``field_name`` says it was made, as the verification reports it: its timestamp's
    time, else the signer's own; naive UTC (as stored), None when the field holds no signature. Recorded with
    the signature, so that the signing page and the verification of the same file show the same second."""
    from datetime import UTC

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    for emb in PdfFileReader(BytesIO(pdf_bytes), strict=False).embedded_signatures:
        if emb.field_name != field_name:
            continue
        tokens = list(extract_tst_data_iter(emb.signer_info, signed=False))
        when = tokens[0]["encap_content_info"]["content"].parsed["gen_time"].native if tokens else None
        when = when or emb.self_reported_timestamp
        return when.astimezone(UTC).replace(tzinfo=None) if when else None
    return None


def sign_party(pdf_bytes, signer, party_index: int, reason: str, name: str = "", timestamper=None, location=""):
    """A party's approval signature (甲方 = 0, 乙方 = 1)."""
    return sign_pdf(pdf_bytes, signer, SignRequest(PARTY_FIELDS[party_index], reason, name, location), timestamper)


def sign_platform(pdf_bytes, signer, reason: str, name: str = "", timestamper=None, location=""):
    """The platform's final signature, with a timestamp, locking the document."""
    return sign_pdf(pdf_bytes, signer, SignRequest(PLATFORM_FIELD, reason, name, location, lock=True), timestamper)
