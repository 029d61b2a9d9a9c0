"""Writing MatchSuggestion rows from engine answers: upsert, withdraw, full re-suggestion."""

import logging

from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..listings.kinds import kind_of
from ..listings.lifecycle import is_live, live_clause
from ..listings.tokens import make_doc, store_tokens
from ..matching.docs import tokenize_doc
from ..matching.explain import explain_pairs
from ..models import (
    Contract,
    FollowUp,
    MatchSuggestion,
    Result,
    SuggestionMove,
    SuggestionStatus,
    TechNeed,
    event_suggestion,
)
from . import routing
from .indexing import IndexStale, index_listing, locked_engine, setting

log = logging.getLogger(__name__)

SUGGESTED = SuggestionStatus.SUGGESTED.value
REJECTED = SuggestionStatus.REJECTED.value
WIDE_K = 200  # existing suggestions are kept while they stay above the threshold in this many


def threshold() -> float:
    """The minimum score of a stored suggestion (config MATCH_THRESHOLD)."""
    return float(setting("MATCH_THRESHOLD", 0.35))


def top_k() -> int:
    """How many new suggestions one listing gets at most (config MATCH_TOP_K)."""
    return int(setting("MATCH_TOP_K", 10))


def reasons_json(reasons, rest=None) -> list:
    """Reasons as stored: one dict per reason, strongest first, then the remainder if any.

    ``{"term", "weight", "lexical", "semantic", "need", "result"}``: weight = lexical + semantic,
    need/result the words to highlight on each side; all weights and ``rest`` add up to the score.
    """
    out = []
    for r in reasons:
        if hasattr(r, "lexical"):
            out.append({
                "term": r.term, "weight": round(r.weight, 4), "lexical": round(r.lexical, 4),
                "semantic": round(r.semantic, 4), "need": list(r.need_words), "result": list(r.result_words),
            })  # fmt: skip
        else:  # (term, weight) pairs, as manual pairs and older engines give them
            t, w = r
            out.append({"term": str(t), "weight": round(float(w), 4)})
    if rest is not None and abs(rest) >= 5e-5:
        out.append({"rest": round(float(rest), 4)})
    return out


def _untouched():
    """Suggested, matcher-made rows nobody has worked on yet: safe to update or delete."""
    s = MatchSuggestion
    return (
        (s.status == SUGGESTED)
        & s.manual.is_(False)
        & ~exists().where(FollowUp.suggestion_id == s.id)
        & ~exists().where(SuggestionMove.suggestion_id == s.id)
        & ~exists().where(Contract.suggestion_id == s.id)
        & ~exists().where(event_suggestion.c.suggestion_id == s.id)
    )


def withdraw(kind: str, listing_id: int) -> int:
    """Delete a listing's untouched suggestions (decided rows stay); return how many."""
    col = MatchSuggestion.need_id if kind == "need" else MatchSuggestion.result_id
    res = db.session.execute(delete(MatchSuggestion).where(col == listing_id, _untouched()))
    return res.rowcount or 0


def _announce(rows) -> None:
    """Route new suggestions to the brokers' queues (and tell the brokers)."""
    if rows:
        routing.suggestions_created(rows)


def refresh_listing(listing) -> list:
    """Recompute one listing's suggestions against the current index; return the new rows.

    An index of an older token format takes no new tokens (IndexStale): the listing keeps its stored suggestions
    until the refit the worker's periodic check starts (``refit.check_schedule``, every 10 minutes) matches every
    listing again."""
    for attempt in range(2):  # a concurrent worker may insert the same pair first
        try:
            rows = _refresh_listing(listing)
            # Routed in the same transaction: a job dying after the commit must not leave new pairs
            # that its retry (finding them stored) never routes to a broker.
            if rows:
                routing.route_suggestions(rows)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
            continue
        except IndexStale as exc:  # refit_due says "tokens": the worker's periodic check starts that refit
            db.session.rollback()
            log.info("%s: the listing waits for the scheduled refit", exc)
            return []
        return rows
    return []


def _refresh_listing(listing) -> list:
    kind = kind_of(listing)
    if not is_live(listing):
        index_listing(kind, listing, None)
        withdraw(kind, listing.id)
        return []
    doc = tokenize_doc(make_doc(kind, listing, retokenize=True))
    mine, theirs = (MatchSuggestion.need_id, MatchSuggestion.result_id)
    if kind == "result":
        mine, theirs = theirs, mine
    existing = {
        getattr(r, theirs.key): r for r in db.session.scalars(select(MatchSuggestion).where(mine == listing.id))
    }
    rejected = {o for o, r in existing.items() if r.status == REJECTED}
    thr = threshold()

    def query(engine):
        ask = engine.results_for_need if kind == "need" else engine.needs_for_result
        return ask(listing.id, top_k=WIDE_K, min_score=thr, exclude=rejected), engine.version_

    # The engine's lock is taken before this transaction writes anything: on SQLite a write holds the
    # database's lock, and a request fitting the index under the engine's lock (first use) waits for it.
    hits, version = index_listing(kind, listing, doc, query)
    # Still live? Read under a row lock (PostgreSQL), taken once the engine's lock is released: a close
    # committed meanwhile is seen, and one from now on waits for these pairs, which its job then withdraws.
    model = type(listing)
    live_now = select(model.id).where(model.id == listing.id, live_clause(model))
    if db.session.scalar(live_now.with_for_update(key_share=True)) is None:
        return []
    store_tokens(kind, [(listing.id, doc.tokens, listing.updated_at)])
    set_committed_value(listing, "tokens", doc.tokens)
    other_model = Result if kind == "need" else TechNeed
    other_of = (lambda m: m.result_id) if kind == "need" else (lambda m: m.need_id)
    ids = [other_of(h) for h in hits]
    live = set(db.session.scalars(select(other_model.id).where(other_model.id.in_(ids), live_clause(other_model))))
    hits = [h for h in hits if other_of(h) in live and other_of(h) not in rejected]
    keep, new, k = set(), [], top_k()
    for rank, h in enumerate(hits):
        other = other_of(h)
        row = existing.get(other)
        if row is None and rank < k:
            row = MatchSuggestion(need_id=h.need_id, result_id=h.result_id, status=SUGGESTED)
            new.append(row)
            db.session.add(row)
        elif row is None or row.status != SUGGESTED or row.manual:
            continue  # below the top k, or decided by a broker: never touched
        row.score, row.reasons, row.engine_version = float(h.score), reasons_json(h.reasons, h.rest), version
        row.reasons_pending = None
        keep.add(other)
    stale = [r.id for o, r in existing.items() if r.status == SUGGESTED and not r.manual and o not in keep]
    if stale:
        db.session.execute(
            delete(MatchSuggestion).where(MatchSuggestion.id.in_(stale), _untouched()),
            execution_options={"synchronize_session": False},
        )
        for o in [o for o, r in existing.items() if r.id in stale]:
            db.session.expire(existing[o])
    db.session.flush()
    return new


SAME_SCORE = 5e-5  # stored reasons are rounded to 4 decimals: a score closer than this keeps them
# The full re-suggestion after a refit (all pairs, written in bulk) is in bulk.py.


# --------------------------------------------------------------------------- reasons afterwards
def _explain(items) -> dict:
    """Reasons of pending pairs from this process's engine: ``items`` are (id, need_id, result_id,
    side, score); returns {id: (score, reasons as stored)} for the pairs the side's query still
    finds with something to show, and {id: None} for the others."""
    groups = {}
    for item in items:
        owner = item[1] if item[3] == "need" else item[2]
        groups.setdefault((item[3], owner), []).append(item)
    out = {}
    with locked_engine() as engine:
        for (side, owner), part in groups.items():
            others = [p[2] if side == "need" else p[1] for p in part]
            found = explain_pairs(engine, side == "need", owner, others)
            for p, other in zip(part, others):
                hit = found.get(other)
                out[p[0]] = (hit[0], reasons_json(hit[1], hit[2])) if hit and hit[1] else None
    return out


def explain_shown(rows):
    """Give the pending pairs among rows a page is about to show their reasons, computed now
    (score and reasons from one query, so they add up); ``explain_pending`` stores them. Returns rows."""
    pending = [r for r in rows if r is not None and r.reasons_pending]
    if pending:
        found = _explain([(r.id, r.need_id, r.result_id, r.reasons_pending, r.score) for r in pending])
        for r in pending:
            score, reasons = found.get(r.id) or (r.score, reasons_json([], r.score))
            set_committed_value(r, "score", score)
            set_committed_value(r, "reasons", reasons)
    return rows


def explain_pending(limit=5000, batch=500) -> tuple[int, bool]:
    """Compute and store the reasons of up to ``limit`` pending pairs, a batch per transaction;
    untouched pairs the engine no longer finds with anything to show are deleted. Returns (pairs
    done, whether more are pending)."""
    s, done = MatchSuggestion, 0
    while done < limit:
        rows = db.session.execute(
            select(s.id, s.need_id, s.result_id, s.reasons_pending, s.score)
            .where(s.reasons_pending.is_not(None))
            .order_by(s.id)
            .limit(batch)
        ).all()
        if not rows:
            return done, False
        found = _explain([tuple(r) for r in rows])
        updates = [
            {"id": i, "score": hit[0], "reasons": hit[1], "reasons_pending": None}
            for i, hit in found.items()
            if hit is not None
        ]
        gone = [i for i, hit in found.items() if hit is None]
        if updates:
            db.session.execute(update(s), updates)
        if gone:  # nothing to show: no suggestion; a pair someone works on keeps its score, all "other"
            db.session.execute(
                delete(s).where(s.id.in_(gone), _untouched()), execution_options={"synchronize_session": False}
            )
            left = set(db.session.scalars(select(s.id).where(s.id.in_(gone))))
            scores = {r.id: r.score for r in rows}
            kept = [
                {"id": i, "reasons": reasons_json([], scores[i]), "reasons_pending": None} for i in gone if i in left
            ]
            if kept:
                db.session.execute(update(s), kept)
        db.session.commit()
        done += len(rows)
    return done, has_pending()


def has_pending() -> bool:
    """Whether some stored pair still waits for its reasons."""
    s = MatchSuggestion
    return db.session.scalar(select(s.id).where(s.reasons_pending.is_not(None)).limit(1)) is not None
