"""Writing MatchSuggestion rows from engine answers: upsert, withdraw, full re-suggestion."""

import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

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
from ..models.base import utcnow
from . import routing
from .indexing import index_listing, locked_engine, setting

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


# --------------------------------------------------------------------------- full refit
def _side_pairs(engine, side, k, thr, chunk=256):
    """The top pairs of every listing of one side, scored but not explained, on the engine's threads."""
    ids = list(engine.ids("needs" if side == "need" else "results"))
    ask = engine.results_for_need if side == "need" else engine.needs_for_result
    parts = [ids[s : s + chunk] for s in range(0, len(ids), chunk)]

    def run(part):
        return [m for i in part for m in ask(i, k, thr, explain=False)]

    with ThreadPoolExecutor(max(1, engine.n_jobs)) as ex:
        for out in ex.map(run, parts):
            yield from out


def _write(sql: str, rows: list) -> None:
    """One executemany of a plain SQL statement ("?" placeholders) with tuples, straight to the driver:
    SQLAlchemy's per-row parameter processing cost more than SQLite's own work at 100k listings."""
    if not rows:
        return
    conn = db.session.connection()
    if sql is _INSERT and conn.dialect.name == "postgresql":
        _copy_insert(conn, rows)
        return
    if conn.dialect.paramstyle != "qmark":  # psycopg: %s
        sql = sql.replace("?", "%s")
    conn.exec_driver_sql(sql, rows)


def _copy_insert(conn, rows) -> None:
    """PostgreSQL: COPY the new pairs into a temporary table, then one INSERT ... SELECT (a pipelined
    executemany spent 270 of 299 s on 862k rows)."""
    cur = conn.connection.driver_connection.cursor()
    try:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS new_pair (need_id integer, result_id integer, score float8, "
            "engine_version varchar(40), reasons_pending varchar(6), manual boolean, created_at timestamp, "
            "updated_at timestamp, last_activity_at timestamp) ON COMMIT DELETE ROWS"
        )
        with cur.copy("COPY new_pair FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(
            "INSERT INTO match_suggestion (need_id, result_id, score, engine_version, reasons_pending, manual, "
            "created_at, updated_at, last_activity_at, status, reasons) SELECT need_id, result_id, score, "
            "engine_version, reasons_pending, manual, created_at, updated_at, last_activity_at, 'suggested', '[]' "
            "FROM new_pair ON CONFLICT (need_id, result_id) DO NOTHING"
        )
        cur.execute("DELETE FROM new_pair")
    finally:
        cur.close()


# New rows skip a pair another process inserted meanwhile (ON CONFLICT DO NOTHING, PostgreSQL and SQLite).
_INSERT = (
    "INSERT INTO match_suggestion (need_id, result_id, score, engine_version, reasons_pending, manual, created_at, "
    "updated_at, last_activity_at, status, reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'suggested', '[]') "  # SUGGESTED
    "ON CONFLICT (need_id, result_id) DO NOTHING"
)
_UPDATE = (
    "UPDATE match_suggestion SET score = ?, engine_version = ?, reasons_pending = ?, updated_at = ?, reasons = '[]' "
    "WHERE id = ?"
)
_KEEP = "UPDATE match_suggestion SET engine_version = ? WHERE id = ?"


def _stamp(now):
    """A timestamp as the driver is given it: SQLAlchemy's own text form on SQLite (how it compares)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return now.strftime("%Y-%m-%d %H:%M:%S.%f")
    return now


SAME_SCORE = 5e-5  # stored reasons are rounded to 4 decimals: a score closer than this keeps them


def _existing(pairs: dict) -> dict:
    """The stored rows of a batch's pairs, looked up by the listing whose query found each pair
    (single-column indexes; a (need_id, result_id) IN list of row values scanned the table on SQLite)."""
    t = MatchSuggestion.__table__.c
    cols = (t.id, t.need_id, t.result_id, t.status, t.manual, t.engine_version, t.score, t.reasons_pending)
    out = {}
    for side, col in (("need", t.need_id), ("result", t.result_id)):
        owners = sorted({key[0] if side == "need" else key[1] for key, (_, sd) in pairs.items() if sd == side})
        for i in range(0, len(owners), 500):
            for r in db.session.execute(select(*cols).where(col.in_(owners[i : i + 500]))):
                if (r.need_id, r.result_id) in pairs:
                    out[(r.need_id, r.result_id)] = r
    return out


def _flush(pairs: dict, version: str, now) -> int:
    """Upsert a batch {(need_id, result_id): (MatchResult, side)} in bulk; return how many rows it inserted.

    Scores only: a changed score's reasons are marked pending (``reasons_pending``, computed by
    ``explain_pending`` or when a page shows the pair); a pair whose score did not change keeps its
    reasons. New rows get ``created_at = now``. A few SELECTs of the batch's existing pairs, one
    executemany INSERT of the new ones and executemany UPDATEs of the rest: no ORM object per row."""
    if not pairs:
        return 0
    existing = _existing(pairs)
    inserts, updates, kept = [], [], []
    stamp, no = _stamp(now), False
    for key, (m, side) in pairs.items():
        row = existing.get(key)
        score = float(m.score)
        if row is None:
            inserts.append((key[0], key[1], score, version, side, no, stamp, stamp, stamp))
        elif row.status != SUGGESTED or row.manual:
            continue  # decided or rejected pairs are never touched, nor re-suggested
        elif row.engine_version == version and row.score >= score:
            continue  # already written from the other side with a higher score
        elif row.reasons_pending is None and abs(row.score - score) < SAME_SCORE:
            kept.append((version, row.id))  # same score: its reasons still add up
        else:
            updates.append((score, version, side, stamp, row.id))
    _write(_INSERT, inserts)
    _write(_UPDATE, updates)
    _write(_KEEP, kept)
    return len(inserts)


@contextmanager
def _big_cache(kib=256 * 1024):
    """On SQLite, a page cache of this many KiB for the session's connection while the body writes
    (the default 2 MB made the inserts spill pages: 300k rows took 24 s instead of 11 s, loaded machine)."""
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        db.session.connection().exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def _write_pairs(engine, thr, k, version, now, report) -> int:
    """Every listing's top pairs, both directions, upserted in batches; return how many rows were inserted."""
    total = len(engine.needs_) + len(engine.results_)
    done, batch, created = 0, {}, 0
    seen = None
    for side in ("need", "result"):
        for m in _side_pairs(engine, side, k, thr):
            owner = m.need_id if side == "need" else m.result_id
            if owner != seen:
                seen, done = owner, done + 1
                if len(batch) >= 5000:
                    created += _flush(batch, version, now)
                    db.session.commit()
                    batch = {}
                    report("suggest", done, total)
            key = (m.need_id, m.result_id)
            if key not in batch or batch[key][0].score < m.score:
                batch[key] = (m, side)
    return created + _flush(batch, version, now)


def resuggest_all(engine, synced_at, report) -> int:
    """Write every listing's suggestions from a freshly fitted engine (both directions).

    Scores only: the reasons of new and changed pairs follow (``explain_pending``, queued once
    the new index is saved; a page showing such a pair first computes them itself)."""
    thr, k, version = threshold(), top_k(), engine.version_
    total = len(engine.needs_) + len(engine.results_)
    now = utcnow()  # every row this re-suggestion inserts has it as created_at: how its new rows are found
    report("suggest", 0, total)
    with _big_cache():
        created = _write_pairs(engine, thr, k, version, now, report)
    s = MatchSuggestion
    # Rows this refit no longer finds, and rows of listings that stopped taking part.
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
    if created:  # route the new pairs that survived the clean-up to the brokers
        _announce(db.session.scalars(select(s.id).where(s.created_at == now, s.engine_version == version)).all())
    return db.session.scalar(select(db.func.count(s.id)).where(s.engine_version == version, s.status == SUGGESTED))


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
