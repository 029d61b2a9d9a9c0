"""pyHanko's signer and timestamp authority, signing with a private key already loaded.

pyHanko's ``SimpleSigner`` and ``DummyTimeStamper`` keep their key as DER bytes and load it again
(an RSA key check, about 0.05 s) for each thing they sign: a signature, its timestamp and the dummy
timestamp pyHanko makes first to size the signature. These sign with a ``cryptography`` key object
loaded once. Each object serves one signature (pyHanko changes a signer while it signs): the key
objects they are built from may be shared by threads, these may not.
"""

from asn1crypto import cms, core
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.signers import SimpleSigner
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash


class LoadedKeySigner(SimpleSigner):
    """A ``SimpleSigner`` whose RSA PKCS#1 v1.5 signatures use ``private_key`` as loaded."""

    def __init__(self, *, private_key, **kwargs):
        super().__init__(**kwargs)
        self.private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algo = mechanism.signature_algo
        except ValueError:
            algo = mechanism["algorithm"].native
        if algo == "rsassa_pkcs1v15" and isinstance(self.private_key, RSAPrivateKey):
            return self.private_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)  # other mechanisms as pyHanko signs them


class LoadedKeyTimeStamper(DummyTimeStamper):
    """The platform's own RFC 3161 authority, signing its tokens with ``private_key`` as loaded."""

    def __init__(self, *, private_key: RSAPrivateKey, **kwargs):
        if not isinstance(private_key, RSAPrivateKey):
            raise NotImplementedError("the platform's timestamp authority signs with an RSA key")
        super().__init__(**kwargs)
        self.private_key = private_key

    def _sign_tst_info(self, tst_info_data, md_algorithm, dt):
        # As pyHanko's DummyTimeStamper._sign_tst_info (0.38), without loading the key again.
        md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        md.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", md.finalize()),
            ]
        )
        signature = self.private_key.sign(
            signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, signed_attrs
