"""Writing MatchSuggestion rows from engine answers: upsert, withdraw, full re-suggestion."""

import logging
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete, exists, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db
from ..listings.kinds import kind_of
from ..listings.lifecycle import is_live, live_clause
from ..listings.tokens import make_doc, store_tokens
from ..matching.docs import tokenize_doc
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
from .indexing import index_listing, setting

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
    """Recompute one listing's suggestions against the current index; return the new rows."""
    for attempt in range(2):  # a concurrent worker may insert the same pair first
        try:
            rows = _refresh_listing(listing)
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
            continue
        _announce(rows)
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


# --------------------------------------------------------------------------- full refit
def _result_side_pairs(engine, k, thr, chunk=256):
    """The top needs of every result, computed on the engine's threads, result by result."""
    ids = list(engine.ids("results"))
    parts = [ids[s : s + chunk] for s in range(0, len(ids), chunk)]

    def run(part):
        return [m for i in part for m in engine.needs_for_result(i, k, thr)]

    with ThreadPoolExecutor(max(1, engine.n_jobs)) as ex:
        for out in ex.map(run, parts):
            yield from out


def _insert_new():
    """INSERT of new suggestion rows that skips a pair another process inserted meanwhile
    (ON CONFLICT DO NOTHING on PostgreSQL and SQLite), returning the ids it wrote."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(MatchSuggestion).on_conflict_do_nothing(index_elements=["need_id", "result_id"])
    return stmt.returning(MatchSuggestion.id)


def _flush(pairs: dict, version: str) -> list[int]:
    """Upsert a batch {(need_id, result_id): MatchResult} in bulk; return the new rows' ids.

    One SELECT of the batch's existing pairs, one multi-row INSERT of the new ones and one
    executemany UPDATE of the rest: no ORM object per row."""
    if not pairs:
        return []
    s = MatchSuggestion
    keys, existing = list(pairs), {}
    for i in range(0, len(keys), 1000):
        stmt = select(s.id, s.need_id, s.result_id, s.status, s.manual, s.engine_version, s.score).where(
            tuple_(s.need_id, s.result_id).in_(keys[i : i + 1000])
        )
        existing.update(((r.need_id, r.result_id), r) for r in db.session.execute(stmt))
    inserts, updates = [], []
    for key, m in pairs.items():
        row = existing.get(key)
        values = {"score": float(m.score), "reasons": reasons_json(m.reasons, m.rest), "engine_version": version}
        if row is None:
            inserts.append({"need_id": key[0], "result_id": key[1], "status": SUGGESTED, "manual": False, **values})
        elif row.status != SUGGESTED or row.manual:
            continue  # decided or rejected pairs are never touched, nor re-suggested
        elif row.engine_version == version and row.score >= m.score:
            continue  # already written from the other side with a higher score
        else:
            updates.append({"id": row.id, **values})
    new = list(db.session.scalars(_insert_new(), inserts)) if inserts else []
    if updates:
        db.session.execute(update(s), updates)  # bulk UPDATE by primary key (executemany)
    return new


def resuggest_all(engine, synced_at, report) -> int:
    """Write every listing's suggestions from a freshly fitted engine (both directions)."""
    thr, k, version = threshold(), top_k(), engine.version_
    total = len(engine.needs_) + len(engine.results_)
    done, batch, created = 0, {}, []
    seen = None
    report("suggest", 0, total)
    for side, pairs in (("need", engine.all_pairs(k, thr)), ("result", _result_side_pairs(engine, k, thr))):
        for m in pairs:
            owner = m.need_id if side == "need" else m.result_id
            if owner != seen:
                seen, done = owner, done + 1
                if len(batch) >= 2000:
                    created += _flush(batch, version)
                    db.session.commit()
                    batch = {}
                    report("suggest", done, total)
            key = (m.need_id, m.result_id)
            if key not in batch or batch[key].score < m.score:
                batch[key] = m
    created += _flush(batch, version)
    # Rows this refit no longer finds, and rows of listings that stopped taking part.
    s = MatchSuggestion
    db.session.execute(
        delete(s).where(s.engine_version.is_distinct_from(version), s.updated_at < synced_at, _untouched()),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        delete(s).where(
            _untouched(),
            ~s.need_id.in_(select(TechNeed.id).where(live_clause(TechNeed)))
            | ~s.result_id.in_(select(Result.id).where(live_clause(Result))),
        ),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    report("suggest", total, total)
    # Route the new pairs that survived the clean-up to the brokers, a chunk at a time.
    for i in range(0, len(created), 1000):
        alive = db.session.scalars(select(s).where(s.id.in_(created[i : i + 1000]))).all()
        _announce(alive)
        db.session.commit()
    return db.session.scalar(select(db.func.count(s.id)).where(s.engine_version == version, s.status == SUGGESTED))
