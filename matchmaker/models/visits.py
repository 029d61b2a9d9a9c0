"""Visits to enterprises (走访 / 来访 / 专家进企业): who went, what was discussed, needs collected, experts."""

from ..extensions import db
from .base import utcnow
from .enums import VisitKind

# Needs collected (征集) during a visit: a need belongs to at most one visit.
visit_need = db.Table(
    "visit_need",
    db.Column("visit_id", db.Integer, db.ForeignKey("visit.id", ondelete="CASCADE"), primary_key=True),
    db.Column(
        "need_id", db.Integer, db.ForeignKey("tech_need.id", ondelete="CASCADE"), primary_key=True, unique=True
    ),  # fmt: skip
)


class Visit(db.Model):
    """A broker's record of one visit to (or from) an enterprise."""

    __tablename__ = "visit"
    id = db.Column(db.Integer, primary_key=True)
    organization_id = db.Column(db.Integer, db.ForeignKey("organization.id"), nullable=False, index=True)
    kind = db.Column(db.String(20), nullable=False, default=VisitKind.VISIT.value, index=True)
    visited_on = db.Column(db.Date, nullable=False, index=True)
    topic = db.Column(db.String(200), nullable=False)
    people = db.Column(db.String(300), nullable=False)  # platform side: brokers, bureau staff
    hosts = db.Column(db.String(200))  # the enterprise's people who received the visit
    summary = db.Column(db.Text, nullable=False, default="")
    recorded_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    organization = db.relationship("Organization")
    recorded_by = db.relationship("User")
    experts = db.relationship("VisitExpert", back_populates="visit", cascade="all, delete-orphan",
                              order_by="VisitExpert.id")  # fmt: skip
    needs = db.relationship("TechNeed", secondary=visit_need, order_by="TechNeed.id")

    @property
    def kind_label(self):
        return VisitKind.label_of(self.kind)

    def can_edit(self, user):
        """The broker who recorded it, and admins."""
        return bool(user.is_authenticated and (user.is_admin or user.id == self.recorded_by_id))


class VisitExpert(db.Model):
    """An expert from a university or institute who came along."""

    __tablename__ = "visit_expert"
    id = db.Column(db.Integer, primary_key=True)
    visit_id = db.Column(db.Integer, db.ForeignKey("visit.id", ondelete="CASCADE"), nullable=False, index=True)
    name = db.Column(db.String(50), nullable=False)
    institution = db.Column(db.String(100), nullable=False)
    organization_id = db.Column(db.Integer, db.ForeignKey("organization.id"))  # when the institution is on the platform
    title = db.Column(db.String(50))  # 教授 / 研究员 …

    visit = db.relationship("Visit", back_populates="experts")
