"""IP-pledge financing referrals (知识产权质押融资, “中山模式”: 政府 + 银行 + 保险 + 评估公司)."""

from ..extensions import db
from .base import utcnow
from .enums import FinancingStatus, SubsidyKind


class FinancingCase(db.Model):
    """An enterprise's application to pledge patents for a loan, and what each partner decided.

    Amounts are exact yuan (Numeric); the rate is a percentage. Every change goes through
    ``financing.workflow.apply`` which also writes a ``FinancingStep``.
    """

    __tablename__ = "financing_case"
    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(db.Integer, db.ForeignKey("organization.id"), nullable=False, index=True)
    applicant_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    patents = db.Column(db.String(500), nullable=False)  # normalised numbers, check digits verified
    amount_wanted = db.Column(db.Numeric(14, 2), nullable=False)
    term_months = db.Column(db.Integer, nullable=False)
    purpose = db.Column(db.Text, nullable=False, default="")
    status = db.Column(db.String(20), nullable=False, default=FinancingStatus.APPLIED.value, index=True)
    applied_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    # appraisal (评估公司)
    appraiser_id = db.Column(db.Integer, db.ForeignKey("organization.id"))
    appraised_value = db.Column(db.Numeric(14, 2))
    # bank (合作银行)
    bank_id = db.Column(db.Integer, db.ForeignKey("organization.id"))
    loan_amount = db.Column(db.Numeric(14, 2))
    loan_rate = db.Column(db.Numeric(5, 2))  # % a year
    loan_term_months = db.Column(db.Integer)
    loan_date = db.Column(db.Date, index=True)  # when the money was paid out
    # insurance (保险)
    insurer_id = db.Column(db.Integer, db.ForeignKey("organization.id"))
    premium = db.Column(db.Numeric(14, 2))
    cover = db.Column(db.Numeric(14, 2))
    # government (补偿 / 贴息)
    government_id = db.Column(db.Integer, db.ForeignKey("organization.id"))
    subsidy_kind = db.Column(db.String(20))
    subsidy_amount = db.Column(db.Numeric(14, 2))
    refused_reason = db.Column(db.String(300))
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    organization = db.relationship("Organization", foreign_keys=[organization_id])
    applicant = db.relationship("User")
    appraiser = db.relationship("Organization", foreign_keys=[appraiser_id])
    bank = db.relationship("Organization", foreign_keys=[bank_id])
    insurer = db.relationship("Organization", foreign_keys=[insurer_id])
    government = db.relationship("Organization", foreign_keys=[government_id])
    steps = db.relationship("FinancingStep", back_populates="case", order_by="FinancingStep.id",
                            cascade="all, delete-orphan")  # fmt: skip

    @property
    def status_label(self):
        return FinancingStatus.label_of(self.status)

    @property
    def subsidy_label(self):
        return SubsidyKind.label_of(self.subsidy_kind)

    @property
    def patent_list(self):
        return [p.strip() for p in (self.patents or "").split(",") if p.strip()]


class FinancingStep(db.Model):
    """One move of a case: who recorded it, for which partner, when, and what was decided."""

    __tablename__ = "financing_step"
    id = db.Column(db.Integer, primary_key=True)
    case_id = db.Column(db.Integer, db.ForeignKey("financing_case.id", ondelete="CASCADE"), nullable=False,
                        index=True)  # fmt: skip
    action = db.Column(db.String(20), nullable=False)
    from_status = db.Column(db.String(20))
    to_status = db.Column(db.String(20), nullable=False)
    partner_id = db.Column(db.Integer, db.ForeignKey("organization.id"))
    actor_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    summary = db.Column(db.String(300), nullable=False, default="")
    note = db.Column(db.String(500))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    case = db.relationship("FinancingCase", back_populates="steps")
    partner = db.relationship("Organization")
    actor = db.relationship("User")
