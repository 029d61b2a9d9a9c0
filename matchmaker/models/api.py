"""API tokens: how the bureau's other systems and scripts authenticate to /api/v1."""

from ..extensions import db
from .base import utcnow
from .enums import ApiScope, ApiTokenKind


class ApiToken(db.Model):
    """A bearer token acting as one user (with that user's role), stored only as its SHA-256.

    The token itself (``mm_`` + 43 random URL-safe characters, 256 bits) is shown once when
    created; ``prefix`` (its first characters) identifies it in lists and logs.
    """

    __tablename__ = "api_token"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    name = db.Column(db.String(100), nullable=False)
    kind = db.Column(db.String(20), nullable=False, default=ApiTokenKind.PERSONAL.value)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    prefix = db.Column(db.String(16), nullable=False)
    scopes = db.Column(db.String(50), nullable=False, default=ApiScope.READ.value)  # space separated
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    expires_at = db.Column(db.DateTime, nullable=False)
    last_used_at = db.Column(db.DateTime)
    revoked_at = db.Column(db.DateTime)
    revoked_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))

    user = db.relationship("User", foreign_keys=[user_id])
    created_by = db.relationship("User", foreign_keys=[created_by_id])

    @property
    def scope_set(self):
        return set((self.scopes or "").split())

    @property
    def scope_labels(self):
        return "、".join(ApiScope.label_of(s) for s in sorted(self.scope_set, key=lambda s: s != "read"))

    @property
    def kind_label(self):
        return ApiTokenKind.label_of(self.kind)

    def state(self, now=None):
        """ "active", "revoked" or "expired"."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= (now or utcnow()):
            return "expired"
        return "active"

    def can_manage(self, user):
        """The token's owner and admins may revoke it."""
        return bool(user.is_authenticated and (user.is_admin or user.id == self.user_id))


class ApiIdempotencyKey(db.Model):
    """An ``Idempotency-Key`` a token's user sent with a create: a repeat returns what the first created.

    Written in the same transaction as the row it created, so a key exists exactly when its row does;
    ``request_hash`` (SHA-256 of the canonical JSON body) tells a repeat from a reuse with another body.
    """

    __tablename__ = "api_idempotency_key"
    __table_args__ = (db.UniqueConstraint("user_id", "key", name="uq_api_idempotency_key_user_id_key"),)
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False)
    key = db.Column(db.String(100), nullable=False)
    request_hash = db.Column(db.String(64), nullable=False)
    contract_id = db.Column(db.Integer, db.ForeignKey("contract.id"), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
