"""Refits share one job row (lock, heartbeat, recovery) and engines follow the change log."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.listings.tokens import ensure_dictionary, refresh_tokens
from matchmaker.matching import tokenize as tok
from matchmaker.models import DomainTerm, IndexJob, ListingChange
from matchmaker.models.base import utcnow
from matchmaker.suggestions import indexing, refit

from ..factories import make_need, make_result, make_user
from .conftest import NEED_TEXT, RESULT_TEXT


def _changes():
    return [(c.kind, c.listing_id) for c in db.session.scalars(select(ListingChange).order_by(ListingChange.id))]


def test_one_active_refit_job(app):
    """A second start while a refit is queued returns that job instead of starting another."""
    first = indexing.new_job("admin")
    with pytest.raises(indexing.RefitBusy) as busy:
        indexing.new_job("admin")
    assert busy.value.job.id == first.id
    assert refit.start_refit(trigger="admin").id == first.id
    assert db.session.scalar(select(db.func.count(IndexJob.id))) == 1


def test_claim_runs_a_job_once(app):
    """A job delivered twice is run by the first claim only."""
    make_result(**RESULT_TEXT)
    job = indexing.new_job("admin")
    assert refit.run_refit(job.id) is not None
    assert refit.run_refit(job.id) is None  # already done: the repeat does nothing
    db.session.refresh(job)
    assert (job.status, job.active, job.attempts) == ("done", None, 1)
    assert indexing.running_job() is None
    assert refit.start_refit(trigger="admin").status == "done"  # the lock is free again


def test_dead_worker_job_is_requeued_not_blocking(app):
    """A running job whose process stopped beating is run again, and given up after three tries."""
    make_result(**RESULT_TEXT)
    job = indexing.new_job("admin")
    assert indexing.claim_job(job.id)
    job.heartbeat_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert refit.start_refit(trigger="admin").id == job.id  # fresh enough? no: recovered and run now
    db.session.refresh(job)
    assert job.status == "done" and job.attempts == 2 and "中断" in job.message
    stuck = indexing.new_job("admin")
    assert indexing.claim_job(stuck.id)
    stuck.attempts, stuck.heartbeat_at = 3, utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert indexing.recover_stale() == []
    db.session.refresh(stuck)
    assert stuck.status == "failed" and stuck.active is None
    assert indexing.running_job() is None


def test_listing_writes_append_changes_token_caches_do_not(app):
    """Publishing and editing a listing log a change each; writing its token cache does not."""
    need = make_need(**NEED_TEXT)
    result = make_result(**RESULT_TEXT)
    assert set(_changes()) == {("need", need.id), ("result", result.id)}
    before = len(_changes())
    indexing.store_tokens("need", [(need.id, need.tokens, need.updated_at)])
    db.session.commit()
    assert len(_changes()) == before
    need.title = "智能门锁指纹识别模块开发（第二期）"
    db.session.commit()
    assert _changes()[-1] == ("need", need.id)


def test_rollback_logs_nothing(app):
    """A rolled-back write leaves no change behind."""
    make_user("enterprise")
    before = len(_changes())
    need = make_need(**NEED_TEXT)
    need.title = "改了又撤销"
    db.session.flush()
    db.session.rollback()
    assert len(_changes()) == before + 1  # only make_need's own commit


def test_listing_committed_long_after_its_change_is_synced(app):
    """A listing whose updated_at is 30 s before its commit still reaches an engine that synced meanwhile."""
    make_result(**RESULT_TEXT)
    make_need(title="LED照明灯具散热技术", problem="寻求大功率LED照明灯具的散热设计技术。")
    refit.rebuild(trigger="cli")
    engine = indexing.get_engine()
    late = make_result(title="智能门锁指纹识别算法", keywords="指纹识别,智能门锁", abstract="智能门锁指纹识别算法。")
    late.updated_at = utcnow() - timedelta(seconds=30)  # as a bulk import or a lock wait leaves it
    db.session.commit()
    indexing.get_engine()  # the engine syncs
    assert late.id in engine.ids("results")


def test_dictionary_change_reaches_tokenizer_before_next_tokenisation(app):
    """A committed domain word is used by the next tokenisation in this process, before any refit."""
    ensure_dictionary()
    assert tok.tokenize("锁芯驱动板") != ["锁芯驱动板"]
    db.session.add(DomainTerm(word="锁芯驱动板"))
    db.session.commit()
    assert ("dictionary", None) in _changes()
    need = make_need(title="锁芯驱动板设计")
    refresh_tokens(need)
    assert "锁芯驱动板" in need.tokens.split()
    db.session.delete(db.session.scalar(select(DomainTerm)))
    db.session.commit()
    ensure_dictionary()
    assert tok.tokenize("锁芯驱动板") != ["锁芯驱动板"]


def _commits_during(fn):
    """What ``fn()`` returns, and for each commit made meanwhile the tables of the rows it inserted or changed."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    commits, wrote = [], set()

    def flushing(session, *_):
        wrote.update(o.__tablename__ for o in (*session.new, *session.dirty))

    def committed(session):
        commits.append(sorted(wrote))
        wrote.clear()

    listeners = (("before_flush", flushing), ("after_commit", committed), ("after_rollback", lambda _: wrote.clear()))
    for name, listener in listeners:
        event.listen(Session, name, listener)
    try:
        return fn(), commits
    finally:
        for name, listener in listeners:
            event.remove(Session, name, listener)


def test_a_refit_is_queued_in_one_commit(app, monkeypatch):
    """With a worker's queue, the job's row and the queue's row that runs it are one commit (it was two: a crash
    between them left a queued job no worker was told of until the stale sweep); the message is sent after it."""
    from matchmaker.jobs import queue
    from matchmaker.models import PendingJob

    app.config.update(JOBS_IMMEDIATE=False)
    sent = []
    monkeypatch.setattr(queue, "send", sent.append)
    job, commits = _commits_during(lambda: refit.start_refit(trigger="admin"))
    assert commits == [["index_job", "pending_job"]]
    (row,) = db.session.scalars(select(PendingJob)).all()
    assert (row.task, row.args, sent) == ("matchmaker.suggestions.refit:run_refit", [job.id, "admin", None], [row.id])
    assert (job.status, job.active) == ("queued", True)


def test_a_stale_refit_is_requeued_in_one_commit(app, monkeypatch):
    """The sweep's requeue of a refit whose process died: the job back in the queue and its queue row, one commit."""
    from matchmaker.jobs import queue
    from matchmaker.models import PendingJob

    job = indexing.new_job("admin")
    assert indexing.claim_job(job.id)
    job.heartbeat_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    app.config.update(JOBS_IMMEDIATE=False)
    monkeypatch.setattr(queue, "send", lambda row_id: None)
    again, commits = _commits_during(refit.requeue_stale)
    assert again == [job.id] and commits == [["index_job", "pending_job"]]
    assert db.session.scalars(select(PendingJob.args)).all() == [[job.id, "admin", None]]
