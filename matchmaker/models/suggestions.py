"""Suggestions (need <-> result pairs) and the moves of their pipeline."""

from ..extensions import db
from .base import utcnow
from .enums import ACTIVE_STATUSES, INTRODUCED_STATUSES, RejectReason, SuggestionStatus


class MatchSuggestion(db.Model):
    """A need ↔ result pair, suggested by the matcher or created by a broker."""

    __tablename__ = "match_suggestion"
    __table_args__ = (
        db.UniqueConstraint("need_id", "result_id", name="uq_match_suggestion_pair"),
        db.Index("ix_match_suggestion_status_broker", "status", "assigned_broker_id"),
        # The pair lists' sorts (推荐度, 最久未跟进, 最新推荐 / 最早推荐: the key, then id) read a status's pairs in
        # these orders, both ways; id in them, or PostgreSQL sorts each run of ties (SQLite's end in the rowid).
        db.Index("ix_match_suggestion_status_score", "status", "score", "id"),
        db.Index("ix_match_suggestion_status_activity", "status", "last_activity_at", "id"),
        db.Index("ix_match_suggestion_status_created", "status", "created_at", "id"),
        # The pairs an owner asked to have introduced, which the lists show first: a status's few of them.
        db.Index("ix_match_suggestion_status_requested", "status", "owner_requested_at"),
    )
    id = db.Column(db.Integer, primary_key=True)
    # need_id is served by the pair's unique index, status by the status-first ones above.
    need_id = db.Column(db.Integer, db.ForeignKey("tech_need.id"), nullable=False)
    result_id = db.Column(db.Integer, db.ForeignKey("result.id"), nullable=False, index=True)
    score = db.Column(db.Float, nullable=False, default=0.0)  # a similarity, not money
    # [{term, weight, lexical, semantic, need, result}, ..., {rest}] adding up to score (older rows: [[term, weight]])
    reasons = db.Column(db.JSON, nullable=False, default=list)
    engine_version = db.Column(db.String(40))
    # "need" or "result" while the reasons are still to be computed (a full re-suggestion stores
    # scores first): the side whose listing's query gave the score. NULL once reasons match the score.
    reasons_pending = db.Column(db.String(6), index=True)
    manual = db.Column(db.Boolean, nullable=False, default=False)
    status = db.Column(db.String(20), nullable=False, default=SuggestionStatus.SUGGESTED.value)
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
    # An owner pressed 请经纪人牵线: the pair goes to the top of the broker's queue.
    owner_requested_at = db.Column(db.DateTime)  # indexed after status (every query on it names the status)
    owner_requested_by_id = db.Column(db.Integer, db.ForeignKey("user.id"))

    need = db.relationship("TechNeed")
    result = db.relationship("Result")
    assigned_broker = db.relationship("User", foreign_keys=[assigned_broker_id])
    decided_by = db.relationship("User", foreign_keys=[decided_by_id])
    owner_requested_by = db.relationship("User", foreign_keys=[owner_requested_by_id])
    created_by = db.relationship("User", foreign_keys=[created_by_id])

    @property
    def status_label(self):
        return SuggestionStatus.label_of(self.status)

    @property
    def reject_reason_label(self):
        return RejectReason.label_of(self.reject_reason)

    @property
    def closed_side(self):
        """ "该技术需求已关闭"-style text when either listing is no longer public (the pair cannot be accepted or
        introduced: suggestions.pipeline.require_open_listings), else None."""
        for listing, noun in ((self.need, "技术需求"), (self.result, "科技成果")):
            if listing is not None and listing.status not in ACTIVE_STATUSES:
                return f"该{noun}当前状态为“{listing.status_label}”"
        return None

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
