"""Technology-broker training: courses, their modules and sessions, enrolments, attendance, certificates."""

from sqlalchemy import event
from sqlalchemy.orm import Session, validates
from sqlalchemy.sql.elements import BindParameter

from ..extensions import db
from .base import today, utcnow
from .enums import CourseStatus, OrgKind, TrainingModuleKind


class TrainingCourse(db.Model):
    """A training course (技术经纪人培训班), usually one a year."""

    __tablename__ = "training_course"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(100), nullable=False)
    year = db.Column(db.Integer, nullable=False, index=True)
    status = db.Column(db.String(20), nullable=False, default=CourseStatus.DRAFT.value, index=True)
    starts_on = db.Column(db.Date)
    ends_on = db.Column(db.Date)
    place = db.Column(db.String(200))
    capacity = db.Column(db.Integer)  # None: no limit
    description = db.Column(db.Text, nullable=False, default="")
    # Years a certificate of this course stays valid.
    certificate_years = db.Column(db.Integer, nullable=False, default=3)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    modules = db.relationship(
        "TrainingModule", back_populates="course", order_by="TrainingModule.position", cascade="all, delete-orphan"
    )
    sessions = db.relationship(
        "TrainingSession",
        back_populates="course",
        order_by="(TrainingSession.starts_at, TrainingSession.id)",
        cascade="all, delete-orphan",
    )

    @property
    def status_label(self):
        return CourseStatus.label_of(self.status)


class TrainingModule(db.Model):
    """One module of a course: 政策解读、理论分析、技术转移实操、案例分享."""

    __tablename__ = "training_module"
    __table_args__ = (db.UniqueConstraint("course_id", "kind", name="uq_training_module_course_kind"),)
    id = db.Column(db.Integer, primary_key=True)
    course_id = db.Column(db.Integer, db.ForeignKey("training_course.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(20), nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    hours = db.Column(db.Integer)
    summary = db.Column(db.String(500), nullable=False, default="")

    course = db.relationship("TrainingCourse", back_populates="modules")

    @property
    def kind_label(self):
        return TrainingModuleKind.label_of(self.kind)


class TrainingSession(db.Model):
    """A dated session of a course (a lecture of one module)."""

    __tablename__ = "training_session"
    id = db.Column(db.Integer, primary_key=True)
    course_id = db.Column(
        db.Integer, db.ForeignKey("training_course.id", ondelete="CASCADE"), nullable=False, index=True
    )
    module_kind = db.Column(db.String(20))
    title = db.Column(db.String(100), nullable=False)
    lecturer = db.Column(db.String(100))
    starts_at = db.Column(db.DateTime, nullable=False)
    place = db.Column(db.String(200))

    course = db.relationship("TrainingCourse", back_populates="sessions")

    @property
    def module_label(self):
        return TrainingModuleKind.label_of(self.module_kind)


training_attendance = db.Table(
    "training_attendance",
    db.Column("enrolment_id", db.Integer, db.ForeignKey("training_enrolment.id", ondelete="CASCADE"), primary_key=True),
    db.Column("session_id", db.Integer, db.ForeignKey("training_session.id", ondelete="CASCADE"), primary_key=True),
)


def reversed_phone(phone):
    """A stored phone backwards (13800138000 -> 00083100831), None for None."""
    return phone[::-1] if phone else None


class TrainingEnrolment(db.Model):
    """A person enrolled in a course: a platform user, or someone an admin enrolled without an account."""

    __tablename__ = "training_enrolment"
    __table_args__ = (
        db.UniqueConstraint("course_id", "user_id", name="uq_training_enrolment_course_user"),
        db.UniqueConstraint("course_id", "phone", name="uq_training_enrolment_course_phone"),
        # A phone searched by its last digits (尾号 8000) reads this index; by its first ones, the unique one above.
        db.Index("ix_training_enrolment_course_phone_reversed", "course_id", "phone_reversed"),
    )
    id = db.Column(db.Integer, primary_key=True)
    course_id = db.Column(db.Integer, db.ForeignKey("training_course.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    name = db.Column(db.String(50), nullable=False)
    org_name = db.Column(db.String(100), nullable=False)
    org_kind = db.Column(db.String(20), nullable=False, index=True)
    phone = db.Column(db.String(30))
    # The phone's characters in reverse order, so that a search by its end is a search by a prefix (an index range)
    phone_reversed = db.Column(
        db.String(30), default=lambda context: reversed_phone(context.get_current_parameters().get("phone"))
    )
    email = db.Column(db.String(120))
    enrolled_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    enrolled_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    score = db.Column(db.Integer)  # assessment, 0–100
    passed = db.Column(db.Boolean)  # None: not assessed yet
    assessed_at = db.Column(db.DateTime)
    assessed_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))

    course = db.relationship("TrainingCourse")
    user = db.relationship("User", foreign_keys=[user_id])
    sessions = db.relationship("TrainingSession", secondary=training_attendance)
    # Every certificate issued, oldest first: revoked ones stay in the history beside a reissued one.
    certificates = db.relationship("Certificate", back_populates="enrolment", order_by="Certificate.id")

    @validates("phone")
    def _reverse_phone(self, _key, phone):
        """phone_reversed follows the phone on every ORM path (the column default covers Core inserts, and
        ``_bulk_phones`` a bulk UPDATE run by a session)."""
        self.phone_reversed = reversed_phone(phone)
        return phone

    @property
    def certificate(self):
        """The live certificate, else the last revoked one, else None: the newest, as at most one is live and a
        new one is issued only after the live one is revoked."""
        return self.certificates[-1] if self.certificates else None

    @property
    def org_kind_label(self):
        return OrgKind.label_of(self.org_kind)


class BulkPhoneError(ValueError):
    """A bulk UPDATE sets trainees' phones to what only the database computes: their phone_reversed would be left
    stale (their 尾号 searches wrong)."""


@event.listens_for(Session, "do_orm_execute")
def _bulk_phones(state):
    """phone_reversed follows the phone in a bulk UPDATE run by a session, which neither ``_reverse_phone`` nor the
        column's insert default sees: ``update(TrainingEnrolment).values(phone=...)`` (ORM or Core, Query.update), or
        by primary key with a list of rows. A phone set to an SQL expression is refused (BulkPhoneError): its reverse
        is no SQL both databases share; set values, or change the rows through the ORM. A connection's own execute (no
    session) is not seen: the app runs none on this table."""
    stmt = state.statement
    if not state.is_update or getattr(getattr(stmt, "table", None), "name", None) != TrainingEnrolment.__tablename__:
        return
    values = {getattr(k, "key", k): v for k, v in (stmt._values or {}).items()}
    if "phone" in values and "phone_reversed" not in values:
        phone = values["phone"]
        if not isinstance(phone, BindParameter) or phone.required or phone.callable is not None:
            raise BulkPhoneError("training_enrolment.phone set to an SQL expression: phone_reversed cannot follow it")
        if stmt._maintain_values_ordering:  # ordered_values() takes no more values
            raise BulkPhoneError("training_enrolment.phone in ordered values: name phone_reversed among them")
        state.statement = stmt.values(phone_reversed=reversed_phone(phone.value))
    rows = state.parameters
    if isinstance(rows, dict):
        rows = [rows]
    if rows and any("phone" in r and "phone_reversed" not in r for r in rows):
        rows = [r if "phone" not in r else {**r, "phone_reversed": reversed_phone(r["phone"])} for r in rows]
        state.parameters = rows if isinstance(state.parameters, list) else rows[0]


class Certificate(db.Model):
    """A broker certificate: a number anyone can verify, a date, a validity; revocable."""

    __tablename__ = "certificate"
    # One live (unrevoked) certificate per enrolment, also for two admins issuing at once; revoked ones stay.
    __table_args__ = (
        db.Index("uq_certificate_enrolment_live", "enrolment_id", unique=True,
                 sqlite_where=db.text("revoked_at IS NULL"), postgresql_where=db.text("revoked_at IS NULL")),
    )  # fmt: skip
    id = db.Column(db.Integer, primary_key=True)
    number = db.Column(db.String(30), nullable=False, unique=True)
    enrolment_id = db.Column(db.Integer, db.ForeignKey("training_enrolment.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    holder_name = db.Column(db.String(50), nullable=False)
    org_name = db.Column(db.String(100), nullable=False)
    issued_on = db.Column(db.Date, nullable=False, index=True)
    valid_until = db.Column(db.Date, nullable=False)
    issued_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    revoked_at = db.Column(db.DateTime)
    revoked_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    revoke_reason = db.Column(db.String(200))

    enrolment = db.relationship("TrainingEnrolment", back_populates="certificates")

    def state(self, on=None):
        """'revoked', 'expired' or 'valid' on a date (today by default)."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.valid_until < (on or today()) else "valid"

    @property
    def state_label(self):
        return {"revoked": "已撤销", "expired": "已过期", "valid": "有效"}[self.state()]
