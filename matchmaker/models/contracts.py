"""Technology contracts and the audit log."""

from decimal import Decimal

from sqlalchemy import BigInteger, Numeric
from sqlalchemy.types import TypeDecorator

from ..extensions import db
from .base import utcnow
from .enums import ContractType, RegistrationStatus

CENT = Decimal("0.01")


class Money(TypeDecorator):
    """Exact yuan amounts: NUMERIC(18,2) on PostgreSQL; integer cents on SQLite.

    SQLite has no exact decimal type (SQLAlchemy would store NUMERIC as REAL, and SUM
    would add floats), so there amounts travel as whole cents and SUM stays exact.
    """

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be a Decimal, never a float")
        value = Decimal(value)
        if value != value.quantize(CENT):
            raise ValueError("money has at most two decimals (cents)")
        if dialect.name == "sqlite":
            return int(value * 100)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(CENT)
        return Decimal(value).quantize(CENT)


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
    amount = db.Column(Money, nullable=False)  # 合同金额, yuan
    transaction_amount = db.Column(Money, nullable=False)  # 技术交易额, yuan
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
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    # Optimistic locking: a save based on a stale version is refused.
    version = db.Column(db.Integer, nullable=False, default=1)
    __mapper_args__ = {"version_id_col": version}
    # Reports filter on (voided, signed_on) and group by one column at a time: this covering
    # index lets every report query read the index alone (SQLite: 10x faster than row lookups).
    __table_args__ = (
        db.Index(
            "ix_contract_report", "voided", "signed_on", "channel", "type", "amount", "transaction_amount",
            "industry", "town", "broker_id", "zone_id", "event_id", "seller_id",
        ),
    )  # fmt: skip

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

    @property
    def registration_label(self):
        return RegistrationStatus.label_of(self.registration_status)

    def can_view(self, user):
        """Admins see every contract; brokers those credited to them or recorded by them."""
        if not user.is_authenticated:
            return False
        return user.is_admin or (user.is_broker and user.id in (self.broker_id, self.created_by_id))

    def can_edit(self, user):
        """Whoever may see a contract may edit or void it, unless it is voided already."""
        return self.can_view(user)


class ContractMonthTotal(db.Model):
    """Valid contracts' count and sums for one signing month and one value of one report dimension.

    Kept in the transaction that writes contracts (``matchmaker/reports/summary.py``), so the report
    adds up a few thousand of these rows instead of reading every contract. ``value`` is the contract
    column's value as text (ids too; NULL kept); the ``signing`` dimension's is ``<channel>:<0|1>``
    (1: signed online on the platform)."""

    __tablename__ = "contract_month_total"
    id = db.Column(db.Integer, primary_key=True)
    month = db.Column(db.Integer, nullable=False, index=True)  # yyyymm
    dimension = db.Column(db.String(20), nullable=False)
    value = db.Column(db.String(200))
    count = db.Column(db.Integer, nullable=False)
    amount = db.Column(Money, nullable=False)
    transaction_amount = db.Column(Money, nullable=False)


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
