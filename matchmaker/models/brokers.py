"""Brokers' work around a pair: follow-ups, routing assignments, matchmaking events."""

from ..extensions import db
from .base import utcnow
from .enums import FollowUpKind

event_need = db.Table(
    "event_need",
    db.Column("event_id", db.Integer, db.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    db.Column("need_id", db.Integer, db.ForeignKey("tech_need.id", ondelete="CASCADE"), primary_key=True),
)
event_result = db.Table(
    "event_result",
    db.Column("event_id", db.Integer, db.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    db.Column("result_id", db.Integer, db.ForeignKey("result.id", ondelete="CASCADE"), primary_key=True),
)
event_suggestion = db.Table(
    "event_suggestion",
    db.Column("event_id", db.Integer, db.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    db.Column("suggestion_id", db.Integer, db.ForeignKey("match_suggestion.id", ondelete="CASCADE"), primary_key=True),
)


class FollowUp(db.Model):
    """A broker's follow-up on a suggestion (call, visit, meeting, event)."""

    __tablename__ = "follow_up"
    id = db.Column(db.Integer, primary_key=True)
    suggestion_id = db.Column(db.Integer, db.ForeignKey("match_suggestion.id"), nullable=False, index=True)
    broker_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    event_id = db.Column(db.Integer, db.ForeignKey("event.id"), index=True)
    kind = db.Column(db.String(20), nullable=False)
    happened_on = db.Column(db.Date, nullable=False)
    note = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    broker = db.relationship("User")
    event = db.relationship("Event")

    @property
    def kind_label(self):
        return FollowUpKind.label_of(self.kind)


class BrokerAssignment(db.Model):
    """Routes new suggestions of an industry or zone to a broker's queue."""

    __tablename__ = "broker_assignment"
    id = db.Column(db.Integer, primary_key=True)
    broker_id = db.Column(db.Integer, db.ForeignKey("user.id"), nullable=False, index=True)
    industry = db.Column(db.String(50), index=True)
    zone_id = db.Column(db.Integer, db.ForeignKey("zone.id"), index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    broker = db.relationship("User")
    zone = db.relationship("Zone")


class Event(db.Model):
    """A matchmaking event (对接活动)."""

    __tablename__ = "event"
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(100), nullable=False)
    online = db.Column(db.Boolean, nullable=False, default=False)
    starts_at = db.Column(db.DateTime, nullable=False, index=True)
    place = db.Column(db.String(200))
    link = db.Column(db.String(300))
    zone_id = db.Column(db.Integer, db.ForeignKey("zone.id"))
    description = db.Column(db.Text, nullable=False, default="")
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    zone = db.relationship("Zone")
    needs = db.relationship("TechNeed", secondary=event_need)
    results = db.relationship("Result", secondary=event_result)
    suggestions = db.relationship("MatchSuggestion", secondary=event_suggestion)
    created_by = db.relationship("User")

    def can_edit(self, user):
        """The creator and admins edit an event; any broker may record pairs at it."""
        return bool(user.is_authenticated and (user.is_admin or user.id == self.created_by_id))
