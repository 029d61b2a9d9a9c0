"""Technology contracts and the audit log."""

from ..extensions import db
from .base import utcnow
from .enums import ContractType


class Contract(db.Model):
    """A signed technology contract (技术合同); amounts in yuan, exact decimals."""

    __tablename__ = "contract"
    id = db.Column(db.Integer, primary_key=True)
    contract_no = db.Column(db.String(50), nullable=False)
    registration_no = db.Column(db.String(50), unique=True)  # 登记编号, unique when present
    type = db.Column(db.String(20), nullable=False, index=True)
    title = db.Column(db.String(200), nullable=False)
    buyer_id = db.Column(db.Integer, db.ForeignKey("organization.id"), nullable=False, index=True)
    seller_id = db.Column(db.Integer, db.ForeignKey("organization.id"), nullable=False, index=True)
    amount = db.Column(db.Numeric(18, 2), nullable=False)  # 合同金额, yuan
    transaction_amount = db.Column(db.Numeric(18, 2), nullable=False)  # 技术交易额, yuan
    signed_on = db.Column(db.Date, nullable=False, index=True)
    registration_status = db.Column(db.String(20), nullable=False, default="unsubmitted")
    registered_on = db.Column(db.Date)
    channel = db.Column(db.String(20), nullable=False, default="online", index=True)
    event_id = db.Column(db.Integer, db.ForeignKey("event.id"), index=True)
    need_id = db.Column(db.Integer, db.ForeignKey("tech_need.id"), index=True)
    result_id = db.Column(db.Integer, db.ForeignKey("result.id"), index=True)
    suggestion_id = db.Column(db.Integer, db.ForeignKey("match_suggestion.id"), index=True)
    broker_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    # Snapshots taken when recorded, so reports group without joins through listings.
    industry = db.Column(db.String(50), index=True)
    town = db.Column(db.String(50), index=True)
    zone_id = db.Column(db.Integer, db.ForeignKey("zone.id"), index=True)
    note = db.Column(db.Text, nullable=False, default="")
    voided = db.Column(db.Boolean, nullable=False, default=False, index=True)
    void_reason = db.Column(db.String(500))
    voided_at = db.Column(db.DateTime)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    # Optimistic locking: a save based on a stale version is refused.
    version = db.Column(db.Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}

    buyer = db.relationship("Organization", foreign_keys=[buyer_id])
    seller = db.relationship("Organization", foreign_keys=[seller_id])
    broker = db.relationship("User", foreign_keys=[broker_id])
    created_by = db.relationship("User", foreign_keys=[created_by_id])
    event = db.relationship("Event")
    need = db.relationship("TechNeed")
    result = db.relationship("Result")
    suggestion = db.relationship("MatchSuggestion")
    zone = db.relationship("Zone")

    @property
    def type_label(self):
        return ContractType.label_of(self.type)


class AuditLog(db.Model):
    """Who changed what, when, with the values before and after."""

    __tablename__ = "audit_log"
    id = db.Column(db.Integer, primary_key=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    entity = db.Column(db.String(30), nullable=False)
    entity_id = db.Column(db.Integer, nullable=False)
    action = db.Column(db.String(20), nullable=False)  # create / update / void / view
    before = db.Column(db.JSON)
    after = db.Column(db.JSON)

    actor = db.relationship("User")

    __table_args__ = (db.Index("ix_audit_log_entity", "entity", "entity_id"),)
