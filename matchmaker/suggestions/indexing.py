"""The engine inside the platform: one cached engine per process and INDEX_DIR, kept in sync.

``locked_engine()`` switches to the newest index version whose ``IndexVersion`` row says ready
(saved by any process; its files checked against the row's checksum), then applies the change log (``ListingChange``) from the last change id the engine saw:
listings written in any process are added or removed in id order, and a dictionary change makes
this process tokenise with the new words first. A long transaction cannot be skipped, because the
log's ids follow commit order (see models/changes.py). ``fit_index()`` is the full refit.
"""

import logging
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..listings.kinds import KINDS
from ..listings.lifecycle import is_live, live_clause
from ..listings.tokens import ensure_dictionary, ensure_tokens, load_columns, make_doc, store_tokens
from ..matching.engine import MatchEngine
from ..matching.store import ChecksumMismatch, IndexStore
from ..models import DomainTerm, IndexJob, IndexVersion, ListingChange
from ..models.base import db_now, server_now, utcnow
from ..models.changes import DICTIONARY, latest_id
from ..utils import clock

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
        self.cursor = None  # id of the last change-log row applied to the engine
        self.cursor_at = None  # that row's created_at, once read: a restored database no longer has it
        self.refused = None  # a version whose files did not match its checksum: not tried again

    def adopt(self, engine):
        """Make a (re)loaded or freshly fitted engine the current one."""
        self.engine = engine
        # Changes after this id were not in the listings the refit read: they are applied next.
        self.cursor = getattr(engine, "change_id_", None)
        self.cursor_at = None


def setting(name, default=None):
    """A MATCH_* setting with its default (config.py may not define all of them)."""
    value = current_app.config.get(name)
    return default if value is None else value


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


def get_engine():
    """Return this process's engine, current and synced (use locked_engine to query it)."""
    with locked_engine() as engine:
        return engine


def _newest_ready():
    v = IndexVersion
    stmt = select(v.version, v.checksum).where(v.state == "ready").order_by(v.id.desc()).limit(1)
    return db.session.execute(stmt).first()


def _current(slot: _Slot):
    """The engine this process should use now: the newest ready version (loaded when it is not
    the slot's), or the slot's own while that version's files are not in this INDEX_DIR."""
    row = _newest_ready()
    if row is None:  # no version in the database yet (an index saved before): the CURRENT pointer
        return slot.store.maybe_reload(slot.engine)
    if slot.engine is not None and slot.engine.version_ == row.version:
        return slot.engine
    if row.version == slot.refused or not slot.store.has(row.version):  # another machine's INDEX_DIR
        return slot.engine if slot.engine is not None else slot.store.maybe_reload(None)
    try:
        return slot.store.load(row.version, row.checksum)
    except ChecksumMismatch as exc:
        log.error("%s; keeping the index in use", exc)
        slot.refused = row.version
        return slot.engine


def _refresh(slot: _Slot) -> None:
    try:
        engine = _current(slot)
    except (OSError, EOFError, ValueError) as exc:  # a version rotated away mid-load: keep ours
        log.warning("index reload failed: %s", exc)
        engine = slot.engine
    if engine is None:
        engine = fit_index(trigger="auto")
    if engine is not slot.engine:
        slot.adopt(engine)
    if sync(slot) is not None:
        return
    # The database was restored from a backup: the engine holds listings it no longer has, and the log's
    # ids start again below the cursor. Start over from the newest saved version, else a fresh fit.
    log.warning("the change log no longer has the row this process applied last (a restored database): reloading")
    slot.engine = slot.cursor = slot.cursor_at = None
    engine = _current(slot)
    if engine is not None:
        slot.adopt(engine)
        if sync(slot) is not None:
            return
    slot.adopt(fit_index(trigger="auto"))
    sync(slot)


def sync(slot: _Slot) -> int | None:
    """Apply the change log from the slot's cursor: add, replace or remove the changed listings
    (a dictionary change first makes this process use the new words); return how many, or None when
    the row at the cursor is gone or another (the database was restored from a backup)."""
    if slot.cursor is None:  # an index saved before the change log existed: from now on
        slot.cursor = latest_id(db.session)
        return 0
    c = ListingChange
    rows = db.session.execute(
        select(c.id, c.kind, c.listing_id, c.created_at).where(c.id >= slot.cursor).order_by(c.id)
    ).all()
    if slot.cursor:  # the row applied last is read again: the same row, or the log was replaced
        if not rows or rows[0].id != slot.cursor or slot.cursor_at not in (None, rows[0].created_at):
            return None
        slot.cursor_at, rows = rows[0].created_at, rows[1:]
    if not rows:
        return 0
    if any(r.kind == DICTIONARY for r in rows):
        ensure_dictionary()
    engine, n = slot.engine, 0
    for kind, spec in KINDS.items():
        ids = sorted({r.listing_id for r in rows if r.kind == kind})
        model = spec.model
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            found = {x.id: x for x in db.session.scalars(select(model).where(model.id.in_(part)))}
            for i in part:
                row = found.get(i)
                if row is not None and is_live(row) and engine.tokens_current():
                    doc, _ = ensure_tokens(kind, row)
                    (engine.add_need if kind == "need" else engine.add_result)(doc)
                else:
                    (engine.remove_need if kind == "need" else engine.remove_result)(i)
                n += 1
    slot.cursor, slot.cursor_at = rows[-1].id, rows[-1].created_at
    return n


class IndexStale(RuntimeError):
    """The index was fitted on tokens of an older token format: a listing's new tokens wait for its refit."""


def index_listing(kind, listing, doc, query=None):
    """Put one listing into this process's engine at once (doc None: take it out), then run
    ``query(engine)`` under the same lock; return its answer.

    An index of an older token format (``MatchEngine.tokens_current``) never takes today's tokens: the listing is
    taken out of it and IndexStale raised; the refit that replaces the index matches it again."""
    slot = _slot()
    with slot.lock:
        _refresh(slot)
        engine = slot.engine
        if doc is not None and not engine.tokens_current():
            (engine.remove_need if kind == "need" else engine.remove_result)(listing.id)
            raise IndexStale(f"index {engine.version_} needs a refit for the new token format")
        if doc is not None:
            (engine.add_need if kind == "need" else engine.add_result)(doc)
        else:
            (engine.remove_need if kind == "need" else engine.remove_result)(listing.id)
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
        stats["fitted_at_text"] = datetime.fromtimestamp(at, clock.CHINA).strftime("%Y-%m-%d %H:%M") if at else "—"
    return stats


# --------------------------------------------------------------------------- refit
class RefitBusy(RuntimeError):
    """Another refit is queued or running; ``job`` is that job."""

    def __init__(self, job):
        super().__init__(f"index refit {job.id if job else '?'} is already {job.status if job else 'running'}")
        self.job = job


def domain_words() -> list[str]:
    """The admin-defined domain words from the database."""
    return list(db.session.scalars(select(DomainTerm.word).order_by(DomainTerm.word)))


def _last_done():
    return db.session.scalar(select(IndexJob).where(IndexJob.status == "done").order_by(IndexJob.id.desc()).limit(1))


def _job_update(job_id, **values):
    db.session.execute(db.update(IndexJob).where(IndexJob.id == job_id).values(**values))
    db.session.commit()


_LOAD_PAGE = 2000  # listings read per query by a refit


def _load_docs(kind, retokenize, report):
    """All taking-part listings of a kind as Docs, tokenising (and caching) only when needed."""
    model = KINDS[kind].model
    docs, fresh, last = [], [], 0
    stmt = select(*load_columns(kind)).where(live_clause(model)).order_by(model.id).limit(_LOAD_PAGE)
    while True:
        # Pages by id, each read whole: the progress report between pages commits, which would
        # close a PostgreSQL server-side cursor (yield_per) in the middle of the listings.
        rows = db.session.execute(stmt.where(model.id > last)).all()
        for row in rows:
            doc, tokens = ensure_tokens(kind, row, retokenize)
            docs.append(doc)
            if tokens:
                fresh.append((row.id, tokens, row.updated_at))
        if len(rows) < _LOAD_PAGE:
            break
        last = rows[-1].id
        report("load", len(docs), 0)
    for i in range(0, len(fresh), 1000):
        store_tokens(kind, fresh[i : i + 1000])
    db.session.commit()
    return docs


def new_job(trigger, user_id=None, status="queued", then=None) -> IndexJob:
    """Insert the one active refit job (commits once); raise RefitBusy when there already is one. ``then(job)``,
    called before the commit, asks for what follows it (``jobs.after_commit``: its queue message is written with
    the job's commit)."""
    recover_stale()
    now = utcnow()
    job = IndexJob(status=status, active=True, trigger=trigger, requested_by_id=user_id, heartbeat_at=db_now())
    if status == "running":
        job.started_at, job.attempts = now, 1
    db.session.add(job)
    try:
        db.session.flush()
        if then is not None:
            then(job)
        db.session.commit()
    except IntegrityError:  # the unique index on ``active``: someone else's job won
        db.session.rollback()
        raise RefitBusy(running_job()) from None
    return job


def claim_job(job_id) -> bool:
    """Move a queued job to running (commits); False when another process already took it."""
    now = utcnow()
    res = db.session.execute(
        db.update(IndexJob)
        .where(IndexJob.id == job_id, IndexJob.status == "queued")
        .values(status="running", started_at=now, heartbeat_at=db_now(), attempts=IndexJob.attempts + 1)
    )
    db.session.commit()
    return bool(res.rowcount)


@contextmanager
def heartbeat(job_id):
    """Keep the job's heartbeat fresh from a thread of its own while the body runs."""
    engine = db.engine
    every = float(setting("JOBS_HEARTBEAT_SECONDS", 10))
    now_sql = db_now()
    if engine.url.database in (None, "", ":memory:"):  # one shared connection: beat from report() only
        yield
        return
    stop = threading.Event()

    def beat():
        while not stop.wait(every):
            try:
                with engine.begin() as conn:
                    conn.execute(db.update(IndexJob).where(IndexJob.id == job_id).values(heartbeat_at=now_sql))
            except Exception as exc:  # a busy database must not stop the refit itself
                log.warning("refit heartbeat failed: %s", exc)

    thread = threading.Thread(target=beat, name=f"refit-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def fit_index(trigger="cli", user_id=None, progress=None, job_id=None, resuggest=None) -> MatchEngine:
    """Refit vocabulary and IDF over every taking-part listing and save the new version; with
    ``resuggest(engine, synced_at, report)`` also rewrite the stored suggestions before saving.

    ``job_id`` is a job this process has claimed; without it a running job is created (RefitBusy
    when another refit is active), except for the first, automatic fit of an empty INDEX_DIR."""
    t0 = time.perf_counter()
    if job_id is None and trigger == "auto":
        job = IndexJob(status="running", trigger=trigger, requested_by_id=user_id, started_at=utcnow(), attempts=1)
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    elif job_id is None:
        job_id = new_job(trigger, user_id, status="running").id
    last_stage = {"stage": None, "at": 0.0}

    def report(stage, done, total):
        if progress:
            progress(stage, done, total)
        now = time.monotonic()
        if stage != last_stage["stage"] or now - last_stage["at"] > 0.5:
            last_stage.update(stage=stage, at=now)
            _job_update(job_id, stage=stage, done=done, total=total, heartbeat_at=db_now())

    try:
        with heartbeat(job_id):
            return _fit(job_id, t0, report, progress, resuggest)
    except Exception as exc:
        db.session.rollback()
        _job_update(job_id, status="failed", active=None, message=str(exc)[:500], finished_at=utcnow(),
                    seconds=round(time.perf_counter() - t0, 3))  # fmt: skip
        raise


def _fit(job_id, t0, report, progress, resuggest):
    previous = _last_done()
    words = domain_words()
    dict_version = ensure_dictionary(force=True)
    slot = _slot()
    # Cached tokens are reused unless the dictionary (or the token format, part of its version) changed since they
    # were made, or the index in use was fitted on another token format.
    retok = (previous.dictionary != dict_version) if previous else bool(words)
    retok = retok or (slot.engine is not None and not slot.engine.tokens_current())
    report("load", 0, 0)
    change_id = latest_id(db.session)  # read first: every change up to it is in what we load next
    synced_at = utcnow()
    needs = _load_docs("need", retok, report)
    results = _load_docs("result", retok, report)
    params = slot.engine.get_params() if slot.engine is not None else {}
    engine = MatchEngine(**params).fit(needs, results, progress=report)
    engine.change_id_ = change_id
    engine.fitted_docs_ = len(needs) + len(results)
    n_sugg = None
    if resuggest is not None:
        n_sugg = resuggest(engine, synced_at, report)
    report("save", 0, 1)
    version = save_version(slot.store, engine, job_id)
    # Adopt the saved version's memory-mapped arrays, shared with every process that loads it,
    # rather than keep this process's private copy of the fitted ones.
    engine = slot.store.load(version.version, version.checksum)
    with slot.lock:
        slot.adopt(engine)
    stats = engine.stats()
    _job_update(
        job_id, status="done", active=None, stage="done", done=1, total=1, version=engine.version_,
        documents=stats["documents"], vocabulary=stats["vocabulary"], suggestions=n_sugg,
        seconds=round(time.perf_counter() - t0, 3), finished_at=utcnow(), dictionary=dict_version,
    )  # fmt: skip
    if progress:
        progress("done", 1, 1)
    return engine


def save_version(store: IndexStore, engine, job_id=None) -> IndexVersion:
    """Save a fitted engine's files as a new version: its row says ``saving`` while the files are
    written and ``ready`` (with their checksum) once they are complete, the moment every process
    switches to it; versions whose files were pruned become ``retired``. Commits."""
    row = IndexVersion(version=engine.version_, parameters=engine.get_params(), state="saving", job_id=job_id,
                       documents=len(engine.needs_) + len(engine.results_))  # fmt: skip
    db.session.add(row)
    db.session.commit()
    try:
        store.save(engine)
    except Exception:
        db.session.rollback()
        row.state = "failed"
        db.session.commit()
        raise
    row.checksum, row.state, row.ready_at = store.checksum(row.version), "ready", utcnow()
    for old in db.session.scalars(select(IndexVersion).where(IndexVersion.state == "ready", IndexVersion.id != row.id)):
        if not store.has(old.version):
            old.state = "retired"
    db.session.commit()
    return row


def versions(limit=10) -> list:
    """The newest index versions, for the admin page."""
    return db.session.scalars(select(IndexVersion).order_by(IndexVersion.id.desc()).limit(limit)).all()


def running_job():
    """The refit queued or running now, if any."""
    return db.session.scalar(select(IndexJob).where(IndexJob.active.is_(True)).limit(1))


def recover_stale(then=None) -> list[int]:
    """Requeue a running refit whose process stopped beating (killed, machine lost), or give it
    up after three attempts; a queued one nobody took is dispatched again. Return ids to run.
    ``then(job)``: called for a requeued job before the commit (commits once), as in ``new_job``."""
    cutoff = server_now() - timedelta(seconds=float(setting("JOBS_STALE_SECONDS", 120)))  # heartbeats' clock
    job = db.session.scalar(
        select(IndexJob).where(IndexJob.active.is_(True), IndexJob.heartbeat_at < cutoff).with_for_update()
    )
    if job is None:
        return []
    again = []
    if job.status == "running" and job.attempts >= 3:
        job.status, job.active, job.finished_at = "failed", None, utcnow()
        job.message = f"处理进程中断，已尝试 {job.attempts} 次，请检查后台任务进程"
    else:
        if job.status == "running":
            job.message = f"处理进程中断，第 {job.attempts} 次运行未完成，已重新排队"
        job.status, job.stage, job.heartbeat_at = "queued", "", db_now()
        again.append(job.id)
        if then is not None:
            then(job)
    db.session.commit()
    return again


def refit_due(engine) -> str | None:
    """Why a refit should run now (a changed token format, growth, a changed dictionary or age), or None."""
    if not engine.tokens_current():
        return "tokens"
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


__all__ = [
    "IndexStale", "RefitBusy", "claim_job", "heartbeat", "new_job", "recover_stale", "adopt", "current_stats", "domain_words", "fit_index", "get_engine", "index_listing", "locked_engine", "make_doc",
    "refit_due", "running_job", "save_version", "setting", "sync", "versions",
]  # fmt: skip
