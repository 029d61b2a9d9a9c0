"""Online signing (网上签约): organisations' signing credentials, contract documents and their signatures."""

from sqlalchemy import and_, exists, not_, select
from sqlalchemy.orm import deferred

from ..extensions import db
from .base import utcnow
from .enums import CredentialKind, DocumentStatus, SigningParty


class SigningCredential(db.Model):
    """An organisation's certificate and key: issued by the platform CA, or a PKCS#12 from a licensed CA."""

    __tablename__ = "signing_credential"
    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(db.Integer, db.ForeignKey("organization.id"), nullable=False, index=True)
    kind = db.Column(db.String(20), nullable=False, default=CredentialKind.PLATFORM_CA.value)
    subject = db.Column(db.String(200), nullable=False)
    serial = db.Column(db.String(64), nullable=False)
    fingerprint = db.Column(db.String(64), nullable=False, unique=True)  # SHA-256 of the certificate
    certificate_pem = db.Column(db.Text, nullable=False)
    # PKCS#8 encrypted with instance/signing/master.key; empty for a PKCS#12 credential
    private_key_pem = deferred(db.Column(db.Text))
    pkcs12_file = db.Column(db.String(255))  # relative to instance/signing/pkcs12/
    pkcs12_passphrase = deferred(db.Column(db.LargeBinary))  # AES-GCM under master.key
    not_before = db.Column(db.DateTime, nullable=False)
    not_after = db.Column(db.DateTime, nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True, index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    revoked_at = db.Column(db.DateTime)

    organization = db.relationship("Organization")

    @property
    def kind_label(self):
        return CredentialKind.label_of(self.kind)


class ContractDocument(db.Model):
    """One version of a contract's text as a PDF, and its signatures so far.

    ``pdf`` holds the current bytes: the prepared document followed by one incremental update per
    signature. ``document_hash`` is the SHA-256 of the first ``prepared_size`` bytes, the document
    the parties read and sign; it never changes. ``lock_version`` makes concurrent signatures of
    the same document race safely: a save based on old bytes is refused and retried.
    """

    __tablename__ = "contract_document"
    id = db.Column(db.Integer, primary_key=True)
    contract_id = db.Column(db.Integer, db.ForeignKey("contract.id"), nullable=False, index=True)
    version = db.Column(db.Integer, nullable=False)  # 1, 2, … per contract
    status = db.Column(db.String(30), nullable=False, default=DocumentStatus.AWAITING.value, index=True)
    terms = db.Column(db.JSON, nullable=False)  # what the text was built from (re-renders the same text)
    document_hash = db.Column(db.String(64), nullable=False, index=True)
    prepared_size = db.Column(db.Integer, nullable=False)
    pdf = deferred(db.Column(db.LargeBinary, nullable=False))
    current_hash = db.Column(db.String(64), nullable=False, index=True)  # SHA-256 of ``pdf`` as it is now
    buyer_signer_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    seller_signer_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    prepared_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    prepared_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    completed_at = db.Column(db.DateTime)
    withdrawn_at = db.Column(db.DateTime)
    withdrawn_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    withdraw_reason = db.Column(db.String(500))
    lock_version = db.Column(db.Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": lock_version}
    __table_args__ = (db.UniqueConstraint("contract_id", "version", name="uq_contract_document_contract_version"),)

    contract = db.relationship("Contract", backref=db.backref("signing_documents", lazy="dynamic"))
    buyer_signer = db.relationship("User", foreign_keys=[buyer_signer_id])
    seller_signer = db.relationship("User", foreign_keys=[seller_signer_id])
    prepared_by = db.relationship("User", foreign_keys=[prepared_by_id])
    withdrawn_by = db.relationship("User", foreign_keys=[withdrawn_by_id])
    signatures = db.relationship(
        "ContractSignature", back_populates="document", order_by="ContractSignature.id", lazy="selectin"
    )

    @property
    def status_label(self):
        return DocumentStatus.label_of(self.status)

    @property
    def is_awaiting(self):
        return self.status == DocumentStatus.AWAITING.value

    @property
    def is_signed(self):
        return self.status == DocumentStatus.SIGNED.value

    def signature_of(self, party):
        return next((s for s in self.signatures if s.party == str(party)), None)

    def party_of(self, user):
        """The party ("buyer" / "seller") the user is the designated signer for, or None."""
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        if user.id == self.buyer_signer_id:
            return SigningParty.BUYER.value
        if user.id == self.seller_signer_id:
            return SigningParty.SELLER.value
        return None


class ContractSignature(db.Model):
    """A signature applied to a document: which party, which organisation, who confirmed with their password, when."""

    __tablename__ = "contract_signature"
    id = db.Column(db.Integer, primary_key=True)
    document_id = db.Column(db.Integer, db.ForeignKey("contract_document.id"), nullable=False, index=True)
    party = db.Column(db.String(10), nullable=False)  # buyer / seller / platform
    organization_id = db.Column(db.Integer, db.ForeignKey("organization.id"), index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)  # who re-entered the password
    credential_id = db.Column(db.Integer, db.ForeignKey("signing_credential.id"), index=True)
    certificate_fingerprint = db.Column(db.String(64), nullable=False)
    signed_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    password_confirmed_at = db.Column(db.DateTime)
    signed_hash = db.Column(db.String(64), nullable=False)  # SHA-256 of the PDF right after this signature
    size_after = db.Column(db.Integer, nullable=False)  # the PDF's length then: that revision is pdf[:size_after]
    ip_address = db.Column(db.String(45))
    user_agent = db.Column(db.String(200))
    __table_args__ = (db.UniqueConstraint("document_id", "party", name="uq_contract_signature_document_party"),)

    document = db.relationship("ContractDocument", back_populates="signatures")
    organization = db.relationship("Organization")
    user = db.relationship("User")
    credential = db.relationship("SigningCredential")

    @property
    def party_label(self):
        return SigningParty.label_of(self.party)


# SQL conditions on contracts, for reports and lists ------------------------------------------


def contract_awaiting_signatures():
    """The contract has a text out for signing: not signed yet, so not counted as a contract."""
    from .contracts import Contract

    return Contract.id.in_(
        select(ContractDocument.contract_id).where(ContractDocument.status == DocumentStatus.AWAITING.value)
    )


def contract_not_awaiting():
    return not_(contract_awaiting_signatures())


def contract_signed_online():
    """The contract was signed online on the platform (both parties and the platform's final signature)."""
    from .contracts import Contract

    return exists().where(
        and_(ContractDocument.contract_id == Contract.id, ContractDocument.status == DocumentStatus.SIGNED.value)
    )
