"""The fast channel for urgent needs (技术需求快速通道): requests and the admin's service level."""

from ..extensions import db
from .base import utcnow
from .enums import UrgentReason, UrgentStatus


class UrgentRequest(db.Model):
    """A need marked 急需 with a reason, to be reviewed by a broker before ``due_at`` (working time)."""

    __tablename__ = "urgent_request"
    # One open request per need (pending or approved); a refused one stays as it was decided, and the need may
    # be asked again with a new request (the refusal says 修改后重新提交).
    __table_args__ = (
        db.Index(
            "uq_urgent_request_open_need", "need_id", unique=True,
            sqlite_where=db.text("status != 'refused'"), postgresql_where=db.text("status != 'refused'"),
        ),
        # The queue (one status by deadline, 已超时 below now) and the dashboard's counts: a page's rows in order.
        db.Index("ix_urgent_request_status_due_at", "status", "due_at"),
    )  # fmt: skip
    id = db.Column(db.Integer, primary_key=True)
    need_id = db.Column(db.Integer, db.ForeignKey("tech_need.id", ondelete="CASCADE"), nullable=False, index=True)
    organization_id = db.Column(db.Integer, db.ForeignKey("organization.id"), nullable=False, index=True)
    reason_kind = db.Column(db.String(20), nullable=False)
    reason = db.Column(db.String(500), nullable=False)
    # No index of its own: ix_urgent_request_status_due_at (status first) serves every read by status.
    status = db.Column(db.String(20), nullable=False, default=UrgentStatus.PENDING.value)
    requested_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    requested_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    sla_hours = db.Column(db.Integer, nullable=False)  # the service level when it was asked
    due_at = db.Column(db.DateTime, nullable=False, index=True)  # UTC, computed in working time
    reviewed_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    reviewed_at = db.Column(db.DateTime)
    review_note = db.Column(db.String(500))
    sla_met = db.Column(db.Boolean)  # None while pending
    announced = db.Column(db.Integer, nullable=False, default=0)  # researchers told of the need

    need = db.relationship(
        "TechNeed", backref=db.backref("urgent_requests", order_by="UrgentRequest.id", passive_deletes=True)
    )
    organization = db.relationship("Organization")
    requested_by = db.relationship("User", foreign_keys=[requested_by_id])
    reviewed_by = db.relationship("User", foreign_keys=[reviewed_by_id])

    @property
    def status_label(self):
        return UrgentStatus.label_of(self.status)

    @property
    def reason_label(self):
        return UrgentReason.label_of(self.reason_kind)


class UrgentSetting(db.Model):
    """The admin's service level for the fast channel: one row (id 1)."""

    __tablename__ = "urgent_setting"
    id = db.Column(db.Integer, primary_key=True)
    sla_hours = db.Column(db.Integer, nullable=False, default=24)
    # Working time, Beijing time: weekdays (minus holidays, plus make-up days), between these hours.
    day_start = db.Column(db.Integer, nullable=False, default=0)
    day_end = db.Column(db.Integer, nullable=False, default=24)
    holidays = db.Column(db.Text, nullable=False, default="")  # YYYY-MM-DD, one per line
    workdays = db.Column(db.Text, nullable=False, default="")  # make-up working days (调休上班)
    updated_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    updated_at = db.Column(db.DateTime, default=utcnow, onupdate=utcnow)
