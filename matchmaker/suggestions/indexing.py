"""The engine inside the platform: one cached engine per process and INDEX_DIR, kept in sync.

``locked_engine()`` reloads a newer index version saved by any process (IndexStore's CURRENT
pointer), then adds or removes the listings changed in the database since the engine's
watermark, so a listing published in one worker is matched in every other without a refit.
``rebuild()`` is the full refit (vocabulary, IDF) from cached tokens, saved atomically.
"""

import logging
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..listings.kinds import KINDS
from ..listings.lifecycle import is_live, live_clause
from ..listings.tokens import ensure_tokens, load_columns, make_doc, store_tokens
from ..matching import tokenize as tok
from ..matching.engine import MatchEngine
from ..matching.store import IndexStore
from ..models import DomainTerm, IndexJob
from ..models.base import utcnow
from ..signals import refit_due as refit_due_signal

log = logging.getLogger(__name__)

_MAX_SLOTS = 8  # tests build many apps in one process; keep the newest few engines only
_slots: "OrderedDict[tuple, _Slot]" = OrderedDict()
_slots_lock = threading.Lock()


class _Slot:
    """The engine of one INDEX_DIR (and database) in this process, with its sync state."""

    def __init__(self, directory):
        self.lock = threading.RLock()
        self.store = IndexStore(directory)
        self.engine = None
        self.watermark = None  # listings updated after this are synced into the engine
        self.recent = {}  # (kind, id) -> updated_at already synced inside the overlap window
        self.checked_at = 0.0  # monotonic time of the last refit-schedule check

    def adopt(self, engine):
        """Make a (re)loaded or freshly fitted engine the current one."""
        self.engine = engine
        self.watermark = getattr(engine, "synced_at_", None)
        # Listings the refit already read inside the overlap window need no re-adding.
        self.recent = dict(getattr(engine, "recent_", {}))


def setting(name, default=None):
    """A MATCH_* setting with its default (config.py may not define all of them)."""
    value = current_app.config.get(name)
    return default if value is None else value


def background_default():
    return not current_app.testing


def _slot() -> _Slot:
    cfg = current_app.config
    key = (str(cfg["INDEX_DIR"]), str(cfg.get("SQLALCHEMY_DATABASE_URI")))
    with _slots_lock:
        slot = _slots.get(key)
        if slot is None:
            slot = _slots[key] = _Slot(key[0])
            while len(_slots) > _MAX_SLOTS:
                _slots.popitem(last=False)
        _slots.move_to_end(key)
        return slot


@contextmanager
def locked_engine():
    """Yield this process's engine, current and synced, holding its lock."""
    slot = _slot()
    with slot.lock:
        _refresh(slot)
        yield slot.engine
    _maybe_schedule(slot)


def get_engine():
    """Return this process's engine, current and synced (use locked_engine to query it)."""
    with locked_engine() as engine:
        return engine


def _refresh(slot: _Slot) -> None:
    try:
        engine = slot.store.maybe_reload(slot.engine)
    except (OSError, EOFError, ValueError) as exc:  # a version rotated away mid-load: keep ours
        log.warning("index reload failed: %s", exc)
        engine = slot.engine
    if engine is None:
        engine = fit_index(trigger="auto")
    if engine is not slot.engine:
        slot.adopt(engine)
    sync(slot)


def sync(slot: _Slot) -> int:
    """Add or remove listings changed since the watermark; return how many were synced."""
    engine = slot.engine
    now = utcnow()
    overlap = timedelta(seconds=setting("MATCH_SYNC_OVERLAP_SECONDS", 10))
    if slot.watermark is None:
        slot.watermark = now - overlap  # an index saved without a watermark: from now on
    since = slot.watermark - overlap  # commits may land a little after their updated_at
    n = 0
    for kind, spec in KINDS.items():
        model = spec.model
        rows = db.session.scalars(select(model).where(model.updated_at > since).order_by(model.id)).all()
        new_tokens = []
        for row in rows:
            key = (kind, row.id)
            if slot.recent.get(key) == row.updated_at:
                continue
            slot.recent[key] = row.updated_at
            n += 1
            if is_live(row):
                doc, fresh = ensure_tokens(kind, row)
                if fresh:
                    new_tokens.append((row.id, fresh, row.updated_at))
                (engine.add_need if kind == "need" else engine.add_result)(doc)
            else:
                (engine.remove_need if kind == "need" else engine.remove_result)(row.id)
        if new_tokens:
            store_tokens(kind, new_tokens)
            db.session.commit()
    slot.recent = {k: v for k, v in slot.recent.items() if v > since}
    slot.watermark = now
    return n


def index_listing(kind, listing, doc, query=None):
    """Put one listing into this process's engine at once (doc None: take it out), then run
    ``query(engine)`` under the same lock; return its answer."""
    slot = _slot()
    with slot.lock:
        _refresh(slot)
        engine = slot.engine
        if doc is not None:
            (engine.add_need if kind == "need" else engine.add_result)(doc)
        else:
            (engine.remove_need if kind == "need" else engine.remove_result)(listing.id)
        slot.recent[(kind, listing.id)] = listing.updated_at
        return query(engine) if query else None


def adopt(engine) -> None:
    """Install a freshly saved engine in this process without waiting for the reload."""
    slot = _slot()
    with slot.lock:
        slot.adopt(engine)


def current_stats() -> dict:
    """Index state for the admin page: sizes, version, last refit and its time."""
    with locked_engine() as engine:
        stats = engine.stats()
        stats["pending"] = len(engine.needs_.d_ids) + len(engine.results_.d_ids)
        stats["user_words"] = len(getattr(engine, "user_words_", ()))
        stats["fitted_docs"] = getattr(engine, "fitted_docs_", stats["documents"])
        at = stats.get("fitted_at")
        stats["fitted_at_text"] = datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M") if at else "—"
    return stats


# --------------------------------------------------------------------------- refit
def domain_words() -> list[str]:
    """The admin-defined domain words from the database."""
    return list(db.session.scalars(select(DomainTerm.word).order_by(DomainTerm.word)))


def _last_done():
    return db.session.scalar(select(IndexJob).where(IndexJob.status == "done").order_by(IndexJob.id.desc()).limit(1))


def _job_update(job_id, **values):
    db.session.execute(db.update(IndexJob).where(IndexJob.id == job_id).values(**values))
    db.session.commit()


def _load_docs(kind, retokenize, report, recent, since):
    """All taking-part listings of a kind as Docs, tokenising (and caching) only when needed."""
    model = KINDS[kind].model
    docs, fresh = [], []
    stmt = select(*load_columns(kind)).where(live_clause(model)).order_by(model.id)
    for row in db.session.execute(stmt.execution_options(yield_per=2000)):
        doc, tokens = ensure_tokens(kind, row, retokenize)
        docs.append(doc)
        if row.updated_at > since:
            recent[(kind, row.id)] = row.updated_at
        if tokens:
            fresh.append((row.id, tokens, row.updated_at))
        if len(docs) % 2000 == 0:
            report("load", len(docs), 0)
    for i in range(0, len(fresh), 1000):
        store_tokens(kind, fresh[i : i + 1000])
    db.session.commit()
    return docs


def fit_index(trigger="cli", user_id=None, progress=None, job_id=None, resuggest=None) -> MatchEngine:
    """Refit vocabulary and IDF over every taking-part listing and save the new version; with
    ``resuggest(engine, synced_at, report)`` also rewrite the stored suggestions before saving."""
    t0 = time.perf_counter()
    if job_id is None:
        job = IndexJob(status="running", trigger=trigger, requested_by_id=user_id, started_at=utcnow())
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    else:
        _job_update(job_id, status="running", started_at=utcnow())
    last_stage = {"stage": None, "at": 0.0}

    def report(stage, done, total):
        if progress:
            progress(stage, done, total)
        now = time.monotonic()
        if stage != last_stage["stage"] or now - last_stage["at"] > 0.5:
            last_stage.update(stage=stage, at=now)
            _job_update(job_id, stage=stage, done=done, total=total)

    try:
        previous = _last_done()
        words = domain_words()
        tok.set_user_words(words)
        dict_version = tok.dictionary_version()
        # Cached tokens are reused unless the dictionary changed since they were made.
        retok = (previous.dictionary != dict_version) if previous else bool(words)
        synced_at = utcnow()
        report("load", 0, 0)
        recent, since = {}, synced_at - timedelta(seconds=setting("MATCH_SYNC_OVERLAP_SECONDS", 10))
        needs = _load_docs("need", retok, report, recent, since)
        results = _load_docs("result", retok, report, recent, since)
        slot = _slot()
        params = slot.engine.get_params() if slot.engine is not None else {}
        engine = MatchEngine(**params).fit(needs, results, progress=report)
        engine.synced_at_ = synced_at
        engine.recent_ = recent
        engine.fitted_docs_ = len(needs) + len(results)
        n_sugg = None
        if resuggest is not None:
            n_sugg = resuggest(engine, synced_at, report)
        report("save", 0, 1)
        slot.store.save(engine)
        with slot.lock:
            slot.adopt(engine)
        stats = engine.stats()
        _job_update(
            job_id, status="done", stage="done", done=1, total=1, version=engine.version_,
            documents=stats["documents"], vocabulary=stats["vocabulary"], suggestions=n_sugg,
            seconds=round(time.perf_counter() - t0, 3), finished_at=utcnow(), dictionary=dict_version,
        )  # fmt: skip
        if progress:
            progress("done", 1, 1)
        return engine
    except Exception as exc:
        db.session.rollback()
        _job_update(job_id, status="failed", message=str(exc)[:500], finished_at=utcnow(),
                    seconds=round(time.perf_counter() - t0, 3))  # fmt: skip
        raise


def running_job():
    """The refit queued or running now (ignoring ones abandoned for over two hours)."""
    cutoff = utcnow() - timedelta(hours=2)
    return db.session.scalar(
        select(IndexJob)
        .where(IndexJob.status.in_(("queued", "running")), IndexJob.created_at >= cutoff)
        .order_by(IndexJob.id.desc())
        .limit(1)
    )


def refit_due(engine) -> str | None:
    """Why a refit should run now (age, growth or a changed dictionary), or None."""
    hours = setting("MATCH_REFIT_HOURS", 24)
    docs = len(engine.needs_) + len(engine.results_)
    fitted = getattr(engine, "fitted_docs_", docs)
    if docs > 1.2 * fitted + 20:
        return "growth"
    if tuple(sorted(domain_words())) != tuple(sorted(getattr(engine, "user_words_", ()))):
        return "dictionary"
    if hours and time.time() - getattr(engine, "fitted_at_", time.time()) > hours * 3600:
        return "schedule"
    return None


def _maybe_schedule(slot: _Slot) -> None:
    """Start a background refit when one is due; checked at most once a minute per process."""
    if not setting("MATCH_SCHEDULE", background_default()):
        return
    now = time.monotonic()
    if now - slot.checked_at < setting("MATCH_SCHEDULE_CHECK_SECONDS", 60) or slot.engine is None:
        return
    slot.checked_at = now
    reason = refit_due(slot.engine)
    if reason and running_job() is None:
        log.info("scheduling an index refit: %s", reason)
        refit_due_signal.send(current_app._get_current_object(), reason=reason)


__all__ = [
    "adopt", "current_stats", "domain_words", "fit_index", "get_engine", "index_listing", "locked_engine", "make_doc",
    "refit_due", "running_job", "setting", "sync",
]  # fmt: skip
