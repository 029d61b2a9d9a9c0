"""Live classes and online matchmaking sessions: schedule, links, registration, attendance."""

from ..extensions import db
from .base import utcnow
from .enums import AttendanceImportStatus, AttendanceSource, LiveKind


class LiveSession(db.Model):
    """One online session (直播课堂 / 线上对接活动), optionally part of a matchmaking event."""

    __tablename__ = "live_session"
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(20), nullable=False, default=LiveKind.CLASS.value, index=True)
    event_id = db.Column(db.Integer, db.ForeignKey("event.id", ondelete="SET NULL"), index=True)
    title = db.Column(db.String(100), nullable=False)
    # Beijing time as scheduled (shown as typed; no time-zone conversion).
    starts_at = db.Column(db.DateTime, nullable=False, index=True)
    ends_at = db.Column(db.DateTime)
    speaker = db.Column(db.String(100), nullable=False)
    speaker_intro = db.Column(db.String(300))
    live_link = db.Column(db.String(300))
    replay_link = db.Column(db.String(300))
    materials = db.Column(db.Text, nullable=False, default="")  # lines “name URL”
    capacity = db.Column(db.Integer)  # None: no limit
    description = db.Column(db.Text, nullable=False, default="")
    published = db.Column(db.Boolean, nullable=False, default=True)
    # Viewers in the live platform's exports who are not registered here (counted as attendance): those
    # imported (one LiveGuest each) plus any recorded before guests were kept one by one.
    guest_attendees = db.Column(db.Integer, nullable=False, default=0)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    event = db.relationship("Event")
    created_by = db.relationship("User")
    registrations = db.relationship("LiveRegistration", back_populates="session", cascade="all, delete-orphan",
                                    lazy="dynamic")  # fmt: skip

    @property
    def kind_label(self):
        return LiveKind.label_of(self.kind)

    @property
    def material_links(self):
        """[(name, url)] from the materials text (“name URL” per line; a bare URL names itself)."""
        out = []
        for line in (self.materials or "").splitlines():
            parts = line.strip().rsplit(None, 1)
            if parts:
                out.append((parts[0] if len(parts) == 2 else parts[-1], parts[-1]))
        return out

    def can_edit(self, user):
        """Its creator and admins."""
        return bool(user.is_authenticated and (user.is_admin or user.id == self.created_by_id))


class LiveRegistration(db.Model):
    """A user's registration for a session, and whether (and how long) they attended."""

    __tablename__ = "live_registration"
    __table_args__ = (db.UniqueConstraint("session_id", "user_id", name="uq_live_registration_session_user"),)
    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.Integer, db.ForeignKey("live_session.id", ondelete="CASCADE"), nullable=False,
                           index=True)  # fmt: skip
    user_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    organization_id = db.Column(db.Integer, db.ForeignKey("organization.id"), index=True)
    registered_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    attended = db.Column(db.Boolean)  # None: not known yet
    minutes = db.Column(db.Integer)  # watched, from the live platform's export
    attendance_source = db.Column(db.String(20))  # an AttendanceSource, None: not known yet
    reminded_at = db.Column(db.DateTime)

    session = db.relationship("LiveSession", back_populates="registrations")
    user = db.relationship("User")

    @property
    def attendance_source_label(self):
        return AttendanceSource.label_of(self.attendance_source)


class LiveGuest(db.Model):
    """An unregistered viewer counted from an imported export, kept so that a session's export imported as
    several files counts each viewer once. ``key``: "email:…" or "phone:…" as the import identifies a viewer;
    "row:<file digest>:<row>" for a row with neither (the same file imported again adds nothing)."""

    __tablename__ = "live_guest"
    __table_args__ = (db.UniqueConstraint("session_id", "key", name="uq_live_guest_session_key"),)
    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.Integer, db.ForeignKey("live_session.id", ondelete="CASCADE"), nullable=False)
    key = db.Column(db.String(300), nullable=False)
    minutes = db.Column(db.Integer)
    imported_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class AttendanceImport(db.Model):
    """An uploaded export of a session's viewers, read and applied by a background job
    (classes.services.run_attendance_import): importing -> done, or rejected (the file cannot be used;
    nothing changed) or error. Its content is dropped once read (it holds viewers' e-mails and mobiles)."""

    __tablename__ = "attendance_import"
    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.Integer, db.ForeignKey("live_session.id", ondelete="CASCADE"), nullable=False,
                           index=True)  # fmt: skip
    filename = db.Column(db.String(200), nullable=False)
    file_format = db.Column(db.String(10), nullable=False)  # xlsx / csv
    content = db.Column(db.LargeBinary, nullable=False)
    min_minutes = db.Column(db.Integer, nullable=False, default=1)
    replace_guests = db.Column(db.Boolean, nullable=False, default=False)
    status = db.Column(
        db.String(20), nullable=False, default=AttendanceImportStatus.IMPORTING.value
    )  # an AttendanceImportStatus
    processed_rows = db.Column(db.Integer, nullable=False, default=0)  # rows read so far (the page shows them)
    # When done: {"rows", "matched", "guests", "guest_total", "short" (viewers), "merged" (viewers on several
    # rows, their minutes added up), "typed": [[row, as typed, minutes read]],
    # "n_typed", "unmarked", "skipped": [[row, column, reason]], "n_skipped"} (typed: watch times written in
    # full-width digits, read as half-width, listed to check; unmarked: registered users an earlier import marked
    # attended whom a corrected file does not count; skipped: rows the reader left out, a cell over the size limit)
    result = db.Column(db.JSON)
    message = db.Column(db.String(500))
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))  # who uploaded it
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime)
    # Set when a worker takes the import and as it reads the export (with processed_rows, from a connection of
    # its own); one whose worker died (no beat for JOBS_STALE_SECONDS) is taken again by the minute's sweep.
    heartbeat_at = db.Column(db.DateTime)
    # Workers that took it: after classes.services.STALE_ATTEMPTS that died the sweep gives up, with a message.
    attempts = db.Column(db.Integer, nullable=False, default=0, server_default="0")

    # Lists load it with their query (classes.services.import_query); raise rather than read it one row at a time.
    created_by = db.relationship("User", lazy="raise")

    @property
    def status_label(self):
        return AttendanceImportStatus.label_of(self.status)
