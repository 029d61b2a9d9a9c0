"""Suggestions, their pipeline, brokers' follow-ups, assignments and events."""

from ..extensions import db
from .base import utcnow
from .enums import LabelledEnum, SuggestionStatus


class ResponseKind(LabelledEnum):
    """A side's answer to an introduction."""

    INTERESTED = "interested", "有意向"
    DECLINED = "declined", "暂不考虑"


class DeclineReason(LabelledEnum):
    """Why a side declined an introduction (coded, for the matcher's feedback)."""

    NOT_RELEVANT = "not_relevant", "方向不符"
    TOO_EXPENSIVE = "too_expensive", "价格或预算不合适"
    NOT_MATURE = "not_mature", "技术成熟度不够"
    ALREADY_SOLVED = "already_solved", "已有解决方案"
    TIMING = "timing", "时机不合适"
    OTHER = "other", "其他"


# Statuses after an introduction: the two sides see each other's contact details.
INTRODUCED_STATUSES = ("introduced", "negotiating", "signed", "failed")
# Statuses a listing's owner sees (a broker has vouched for the pair).
OWNER_VISIBLE_STATUSES = ("accepted",) + INTRODUCED_STATUSES
# Statuses still being worked on; these can go stale.
OPEN_STATUSES = ("suggested", "accepted", "introduced", "negotiating")

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


class MatchSuggestion(db.Model):
    """A need ↔ result pair, suggested by the matcher or created by a broker."""

    __tablename__ = "match_suggestion"
    __table_args__ = (
        db.UniqueConstraint("need_id", "result_id", name="uq_match_suggestion_pair"),
        db.Index("ix_match_suggestion_status_broker", "status", "assigned_broker_id"),
        db.Index("ix_match_suggestion_status_score", "status", "score"),
        db.Index("ix_match_suggestion_status_activity", "status", "last_activity_at"),
    )
    id = db.Column(db.Integer, primary_key=True)
    need_id = db.Column(db.Integer, db.ForeignKey("tech_need.id"), nullable=False, index=True)
    result_id = db.Column(db.Integer, db.ForeignKey("result.id"), nullable=False, index=True)
    score = db.Column(db.Float, nullable=False, default=0.0)  # a similarity, not money
    reasons = db.Column(db.JSON, nullable=False, default=list)  # [[term, weight], ...]
    engine_version = db.Column(db.String(40))
    manual = db.Column(db.Boolean, nullable=False, default=False)
    status = db.Column(db.String(20), nullable=False, default=SuggestionStatus.SUGGESTED.value, index=True)
    assigned_broker_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    reject_reason = db.Column(db.String(20))
    reject_note = db.Column(db.String(500))
    decided_at = db.Column(db.DateTime)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    introduced_at = db.Column(db.DateTime)
    need_response = db.Column(db.String(20))  # interested / declined
    need_response_reason = db.Column(db.String(200))  # a DeclineReason code
    need_response_note = db.Column(db.String(500))
    need_responded_at = db.Column(db.DateTime)
    result_response = db.Column(db.String(20))
    result_response_reason = db.Column(db.String(200))
    result_response_note = db.Column(db.String(500))
    result_responded_at = db.Column(db.DateTime)
    created_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))  # the broker, for manual pairs
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    last_activity_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)

    need = db.relationship("TechNeed")
    result = db.relationship("Result")
    assigned_broker = db.relationship("User", foreign_keys=[assigned_broker_id])
    decided_by = db.relationship("User", foreign_keys=[decided_by_id])
    created_by = db.relationship("User", foreign_keys=[created_by_id])

    @property
    def status_label(self):
        return SuggestionStatus.label_of(self.status)

    @property
    def reject_reason_label(self):
        from .enums import RejectReason

        return RejectReason.label_of(self.reject_reason)

    @property
    def is_introduced(self):
        return self.status in INTRODUCED_STATUSES

    def reason_terms(self, limit=8):
        """The shared terms that explain the score, strongest first: [(term, weight)]."""
        out = []
        for item in self.reasons or []:
            if isinstance(item, dict):
                term, weight = item.get("term"), item.get("weight", 0)
            elif isinstance(item, list | tuple) and item:
                term, weight = item[0], (item[1] if len(item) > 1 else 0)
            else:
                term, weight = item, 0
            if term:
                out.append((str(term), weight if isinstance(weight, int | float) else 0))
        return out[:limit]


class SuggestionMove(db.Model):
    """One move of a suggestion through the pipeline: who, when, from and to."""

    __tablename__ = "suggestion_move"
    id = db.Column(db.Integer, primary_key=True)
    suggestion_id = db.Column(db.Integer, db.ForeignKey("match_suggestion.id"), nullable=False, index=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("user.id"), index=True)
    from_status = db.Column(db.String(20))
    to_status = db.Column(db.String(20), nullable=False)
    note = db.Column(db.String(500))
    at = db.Column(db.DateTime, nullable=False, default=utcnow)

    actor = db.relationship("User")


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
        from .enums import FollowUpKind

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
