"""The only bridge between the database and the matching engine: use cases of the suggestions area."""

import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import jobs
from ..extensions import db
from ..jobs import queue
from ..listings.kinds import kind_of, model_of
from ..listings.lifecycle import is_live
from ..listings.tokens import make_doc
from ..matching.docs import Doc
from ..matching.duplicates import DEFAULT_DUPLICATE_THRESHOLD, find_near_duplicates
from ..matching.normalize import normalize
from ..models import DomainTerm, IndexJob, PendingJob, Result, TechNeed, User
from ..models.enums import DUPLICATE_CHECK_STATUSES
from ..utils.search import contains_any
from . import indexing, tasks
from .display import (  # noqa: F401  (re-exported)
    highlight,
    listing_url,
    marked,
    match_spans,
    reason_bar,
    reason_bar_for,
    suggestions_for,
)
from .indexing import RefitBusy, current_stats, get_engine, locked_engine, running_job, setting  # noqa: F401
from .refit import rebuild, start_refit  # noqa: F401  (re-exported)
from .store import refresh_listing, threshold

log = logging.getLogger(__name__)


def listing_changed(listing):
    """Recompute or withdraw a listing's suggestions now, in this session (commits; errors propagate).

    Services do not call this inside their transaction: they call ``schedule_matching``."""
    return refresh_listing(listing)


def matching_pending(listing):
    """Whether the listing's (re)matching is still waiting in the job queue or running (a publication's
    suggestions appear seconds later: its page says so instead of only 暂无匹配推荐)."""
    kind = kind_of(listing)
    one, many = jobs.name_of(tasks.refresh_listing), jobs.name_of(tasks.refresh_listings)
    waiting = (PendingJob.status.in_(("queued", "running"))) | (
        (PendingJob.status == "failed") & PendingJob.next_run_at.is_not(None)
    )
    rows = db.session.execute(select(PendingJob.task, PendingJob.args).where(PendingJob.task.in_((one, many)), waiting))
    for task, args in rows:
        if args and args[0] == kind and (args[1] == listing.id if task == one else listing.id in args[1]):
            return True
    return False


def schedule_matching(listing):
    """Have the listing (re)matched once the current transaction commits (nothing if it rolls back).

    A failure there is logged and retried by the jobs module; it never undoes the listing's write."""
    if listing.id is None:
        db.session.flush()
    jobs.after_commit(tasks.refresh_listing, kind_of(listing), listing.id)


def schedule_matching_many(kind, listing_ids):
    """``schedule_matching`` for many listings of one kind (one job)."""
    if listing_ids:
        jobs.after_commit(tasks.refresh_listings, kind, list(listing_ids))


def match_listing(kind: str, listing_id: int, top_k=10):
    """Live top matches of a stored listing with reasons: [(other listing, MatchResult)]."""
    model = model_of(kind)
    listing = db.session.get(model, listing_id)
    if listing is None:
        return None
    doc = make_doc(kind, listing)
    with locked_engine() as engine:
        ask = engine.results_for_need if kind == "need" else engine.needs_for_result
        try:  # an index of an older token format answers from the rows it holds, never from today's tokens
            hits = ask(doc if engine.tokens_current() else listing_id, top_k=top_k * 3, min_score=0.0)
        except KeyError:  # not among them (written since): matched again by the refit
            hits = []
    other_model = Result if kind == "need" else TechNeed
    other_of = (lambda m: m.result_id) if kind == "need" else (lambda m: m.need_id)
    others = {
        o.id: o for o in db.session.scalars(select(other_model).where(other_model.id.in_([other_of(h) for h in hits])))
    }
    out = [(others[other_of(h)], h) for h in hits if other_of(h) in others and is_live(others[other_of(h)])]
    return listing, out[:top_k]


# --------------------------------------------------------------------------- near-duplicates
_OWN_LIMIT = 500  # an organisation's own listings compared directly (newest first)


def _body(body) -> str:
    return "\n".join(b or "" for b in body) if isinstance(body, list | tuple) else (body or "")


def near_duplicates(kind, title, keywords, body, organization_id, exclude_id=None):
    """Listings nearly identical to the one being written: the organisation's own (and, for
    results, any published one), as [(listing, similarity)] best first."""
    model = model_of(kind)
    doc = Doc(-1, title or "", keywords or "", _body(body))
    if not normalize(f"{title}{keywords}{_body(body)}").strip():
        return []
    limit = float(setting("MATCH_DUPLICATE_THRESHOLD", DEFAULT_DUPLICATE_THRESHOLD))
    found = {}
    own = db.session.scalars(
        select(model)
        .where(model.organization_id == organization_id, model.status.in_(DUPLICATE_CHECK_STATUSES))
        .order_by(model.id.desc())
        .limit(_OWN_LIMIT)
    ).all()
    own = [x for x in own if x.id != exclude_id]
    if not own and kind != "result":
        return []
    with locked_engine() as engine:  # the platform's vocabulary and IDF, not one over these few
        vec, current = engine.vectorizer_, engine.tokens_current()
    if not current:  # an index of an older token format meets no new tokens: no warning until its refit
        return []
    if own:
        for i, sim in find_near_duplicates(doc, [make_doc(kind, x) for x in own], limit, vectorizer=vec):
            found[i] = sim
    if kind == "result":
        with locked_engine() as engine:
            for i, sim in engine.near_duplicates(doc, side="results", threshold=limit):
                if i != exclude_id:
                    found[i] = max(sim, found.get(i, 0.0))
    if not found:
        return []
    rows = {x.id: x for x in db.session.scalars(select(model).where(model.id.in_(list(found))))}
    pairs = [(rows[i], s) for i, s in found.items() if i in rows]
    return sorted(pairs, key=lambda p: (-p[1], p[0].id))[:10]


# --------------------------------------------------------------------------- domain dictionary
class TermError(ValueError):
    """A domain word that cannot be added; the message is shown to the admin."""


def parse_terms(text: str) -> list[str]:
    """Split the editor's input (lines, spaces, commas) into normalised words."""
    for sep in ",，、;；\n\t":
        text = (text or "").replace(sep, " ")
    seen = []
    for word in text.split():
        word = normalize(word).strip()
        if word and word not in seen:
            seen.append(word)
    return seen


def add_terms(text: str, user) -> tuple[list[str], list[str]]:
    """Add domain words (effective at the next index refit); return (added, already present); commits. A word
    another request added at the same moment counts as present."""
    words = parse_terms(text)
    if not words:
        raise TermError("请填写至少一个词条")
    for w in words:
        if len(w) > 50:
            raise TermError(f"词条“{w[:20]}…”过长（不超过 50 个字符）")
        if len(w) < 2:
            raise TermError(f"词条“{w}”过短（至少 2 个字符）")
        if not any(c.isalnum() for c in w):
            raise TermError(f"词条“{w}”须包含文字或数字")
    if len(words) > 200:
        raise TermError("一次最多添加 200 个词条")
    for attempt in range(3):
        present = set(db.session.scalars(select(DomainTerm.word).where(DomainTerm.word.in_(words))))
        added = [w for w in words if w not in present]
        for w in added:
            db.session.add(DomainTerm(word=w, added_by_id=user.id))
        try:
            db.session.commit()
        except IntegrityError:  # another admin added one of these words meanwhile: now present, read again
            db.session.rollback()
            if attempt == 2:
                raise
        else:
            return added, [w for w in words if w in present]


def delete_term(term) -> None:
    """Remove a domain word (effective at the next index refit)."""
    db.session.delete(term)
    db.session.commit()


def term_query(q: str | None):
    """Domain words, newest first, optionally filtered."""
    stmt = select(DomainTerm).order_by(DomainTerm.id.desc())
    if q:
        stmt = stmt.where(contains_any(normalize(q).strip(), DomainTerm.word))
    return stmt


def term_authors(terms) -> dict:
    """Names of the admins who added these words: {user id: name}."""
    ids = {t.added_by_id for t in terms if t.added_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def index_state() -> dict:
    """Everything the admin page and its JSON show: index stats, running and recent jobs."""
    stats = current_stats()
    jobs = db.session.scalars(select(IndexJob).order_by(IndexJob.id.desc()).limit(10)).all()
    terms = db.session.scalar(select(func.count(DomainTerm.id)))
    due = indexing.refit_due(get_engine())
    return {"stats": stats, "jobs": jobs, "job": running_job(), "terms": terms, "threshold": threshold(), "due": due,
            "queue": queue.overview(), "versions": indexing.versions()}  # fmt: skip


def job_json(job) -> dict | None:
    """A refit job as the admin page's script reads it."""
    if job is None:
        return None
    return {
        "id": job.id, "status": job.status, "status_label": job.status_label, "stage": job.stage,
        "stage_label": job.stage_label, "done": job.done, "total": job.total, "percent": job.percent,
        "version": job.version, "documents": job.documents, "vocabulary": job.vocabulary,
        "suggestions": job.suggestions, "seconds": job.seconds, "message": job.message if job.status == "failed" else "",
    }  # fmt: skip


__all__ = [
    "RefitBusy", "TermError", "add_terms", "delete_term", "get_engine", "highlight", "index_state", "job_json",
    "listing_changed", "listing_url", "match_listing", "near_duplicates", "parse_terms", "rebuild",
    "schedule_matching", "schedule_matching_many", "start_refit", "suggestions_for", "term_query",
]  # fmt: skip
