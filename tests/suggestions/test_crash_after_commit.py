"""A matching job that dies after storing suggestions: when it runs again, nothing is lost."""

from datetime import datetime

from matchmaker import jobs
from matchmaker.extensions import db
from matchmaker.models import BrokerAssignment, MatchSuggestion, Notification
from matchmaker.suggestions import routing
from matchmaker.suggestions.services import schedule_matching

from ..factories import make_need, make_user
from .conftest import NEED_TEXT

LATER = datetime(9999, 1, 1)


def test_suggestions_of_a_job_killed_before_routing_still_reach_the_broker(app, corpus, monkeypatch):
    """The job stored the pair, then died before routing it: its retry must give the pair to the broker
    (and tell them), not leave it in nobody's queue for good."""
    broker = make_user("broker")
    db.session.add(BrokerAssignment(broker_id=broker.id, industry="智能家电"))
    db.session.commit()
    real, calls = routing.route_suggestions, []

    def dies_first_time(rows, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("worker killed")
        return real(rows, *args, **kwargs)

    monkeypatch.setattr(routing, "route_suggestions", dies_first_time)
    need = make_need(user=corpus["enterprise"], **NEED_TEXT)
    schedule_matching(need)
    db.session.commit()  # the job runs (immediate mode) and dies after storing the pair
    assert jobs.run_due(now=LATER)["ran"] == 1  # the retry
    db.session.expire_all()
    pair = db.session.scalars(db.select(MatchSuggestion).filter_by(need_id=need.id)).one()
    assert pair.result_id == corpus["result"].id
    assert pair.assigned_broker_id == broker.id
    texts = db.session.scalars(db.select(Notification.text).filter_by(user_id=broker.id)).all()
    assert texts == ["有 1 条新的匹配推荐待您审核"]


def test_pairs_of_a_refit_killed_before_routing_reach_the_broker_when_it_runs_again(app, corpus, monkeypatch):
    """A refit stored its new pairs and died before routing them (on PostgreSQL it commits them a batch at a
    time, so a kill mid-refit leaves some stored): the refit run again must route them, not keep them
    as already known."""
    from datetime import timedelta

    import pytest

    from matchmaker.models import IndexJob
    from matchmaker.models.base import utcnow
    from matchmaker.suggestions import bulk, refit

    broker = make_user("broker")
    db.session.add(BrokerAssignment(broker_id=broker.id, industry="智能家电"))
    db.session.commit()
    need = make_need(user=corpus["enterprise"], **NEED_TEXT)  # no matching job: the refit finds the pair
    real = bulk._announce

    def killed(rows):
        monkeypatch.setattr(bulk, "_announce", real)
        raise SystemExit("worker killed")

    monkeypatch.setattr(bulk, "_announce", killed)
    with pytest.raises(SystemExit):
        refit.start_refit(trigger="admin", background=False)
    db.session.rollback()
    job = db.session.scalars(db.select(IndexJob).filter_by(active=True)).one()
    job.heartbeat_at = utcnow() - timedelta(minutes=10)  # its process is gone
    db.session.commit()
    assert refit.requeue_stale(background=False) == [job.id]
    db.session.expire_all()
    assert job.status == "done"
    pair = db.session.scalars(db.select(MatchSuggestion).filter_by(need_id=need.id)).one()
    assert pair.assigned_broker_id == broker.id
    assert db.session.scalars(db.select(Notification.text).filter_by(user_id=broker.id)).all()
