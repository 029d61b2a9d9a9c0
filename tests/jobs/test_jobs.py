"""Jobs: what follows a write runs after its commit; a failure is kept for a retry and never undoes the write."""

from datetime import datetime

import pytest

from matchmaker import jobs
from matchmaker.extensions import db
from matchmaker.models import AuditLog, Contract, MatchSuggestion, PendingJob, Result, TechNeed
from matchmaker.suggestions import tasks

from ..contracts.test_contracts import GOOD
from ..factories import make_need, make_result, make_suggestion, make_user
from ..needs.conftest import lists  # noqa: F401
from ..needs.helpers import NEED_FORM
from ..results.test_results import FORM as RESULT_FORM

CALLS = []
LATER = datetime(9999, 1, 1)


@jobs.task(retries=2)
def remember(value):
    """A job leaving a trace (and a row, to prove it has a session of its own)."""
    CALLS.append(value)


@jobs.task(retries=1)
def explode(value):
    """A job that always fails."""
    raise RuntimeError(f"boom {value}")


@pytest.fixture(autouse=True)
def _clear():
    CALLS.clear()


def pending():
    db.session.expire_all()
    return db.session.scalars(db.select(PendingJob).order_by(PendingJob.id)).all()


def test_after_commit_runs_once_after_the_commit(app):
    """Asked twice in one transaction, the job runs once, and only when the transaction commits."""
    make_user()
    jobs.after_commit(remember, 1)
    jobs.after_commit(remember, 1)
    assert CALLS == []
    db.session.commit()
    assert CALLS == [1]
    db.session.commit()
    assert CALLS == [1]


def test_after_commit_is_dropped_on_rollback(app):
    """A rolled-back transaction takes its follow-up work with it."""
    jobs.after_commit(remember, 2)
    db.session.rollback()
    db.session.commit()
    assert CALLS == []


def test_only_tasks_are_accepted(app):
    with pytest.raises(TypeError):
        jobs.after_commit(print, 1)


def test_failure_is_recorded_and_retried_until_exhausted(app):
    """A failing job leaves a failed row with its error; retries count up, then stop."""
    jobs.enqueue(explode, 7)
    (row,) = pending()
    assert (row.status, row.attempts, row.args) == ("failed", 1, [7]) and "boom 7" in row.last_error
    assert row.next_run_at is not None
    assert jobs.run_due() == {"ran": 0, "failed": 0}  # not due yet
    assert jobs.run_due(now=LATER) == {"ran": 0, "failed": 1}
    (row,) = pending()
    assert row.attempts == 2 and row.next_run_at is None  # retries used up: by hand only
    assert jobs.run_due(now=LATER) == {"ran": 0, "failed": 0}


def test_queued_when_not_immediate_and_run_by_the_cli(app, runner):
    """JOBS_IMMEDIATE off stores the job; `flask jobs retry` runs it and removes the row."""
    app.config["JOBS_IMMEDIATE"] = False
    jobs.enqueue(remember, 3)
    assert CALLS == [] and [r.status for r in pending()] == ["queued"]
    assert "queued" in runner.invoke(args=["jobs", "list"]).output
    out = runner.invoke(args=["jobs", "retry"])
    assert out.exit_code == 0 and "已执行 1 个任务" in out.output
    assert CALLS == [3] and pending() == []


@pytest.fixture
def broken_matcher(monkeypatch):
    """The matcher raises, as it did when the index could not be read."""

    def fail(listing):
        raise RuntimeError("index unreadable")

    monkeypatch.setattr(tasks, "_refresh", fail)
    return monkeypatch


def _heal_and_retry(monkeypatch):
    seen = []
    monkeypatch.setattr(tasks, "_refresh", lambda listing: seen.append((type(listing).__name__, listing.id)))
    assert jobs.run_due(now=LATER)["ran"] == 1
    assert pending() == []
    return seen


def test_need_published_while_matcher_fails_is_kept_and_matched_later(client, auth, broken_matcher):
    """The need is stored and the page says so; matching is retried later."""
    auth.login("enterprise")
    resp = client.post("/needs/new", data=NEED_FORM, follow_redirects=True)
    assert resp.status_code == 200 and "需求已发布" in resp.get_data(as_text=True)
    need = db.session.scalars(db.select(TechNeed)).one()
    assert need.status == "published"
    (row,) = pending()
    assert row.status == "failed" and row.args == ["need", need.id] and "index unreadable" in row.last_error
    assert _heal_and_retry(broken_matcher) == [("TechNeed", need.id)]


def test_result_published_while_matcher_fails_is_kept_and_matched_later(client, auth, broken_matcher):
    auth.login("researcher")
    resp = client.post("/results/new", data=RESULT_FORM, follow_redirects=True)
    assert resp.status_code == 200 and "成果已发布" in resp.get_data(as_text=True)
    result = db.session.scalars(db.select(Result)).one()
    (row,) = pending()
    assert row.args == ["result", result.id]
    assert _heal_and_retry(broken_matcher) == [("Result", result.id)]


def test_contract_recorded_while_matcher_fails_is_kept(client, auth, broken_matcher):
    """Issue 10: the contract and its audit row survive a matcher failure; the need is withdrawn later."""
    broker = auth.login("broker")
    need, result = make_need(), make_result()
    s = make_suggestion(need, result, status="negotiating", broker=broker)
    data = dict(GOOD, buyer_name=need.organization.name, seller_name=result.organization.name,
                suggestion_id=str(s.id), need_id=str(need.id), result_id=str(result.id), broker_id=str(broker.id))  # fmt: skip
    resp = client.post("/contracts/new", data=data, follow_redirects=True)
    assert resp.status_code == 200 and "已登记" in resp.get_data(as_text=True)
    db.session.expire_all()
    contract = db.session.scalars(db.select(Contract)).one()
    assert db.session.scalars(db.select(AuditLog).filter_by(entity="contract", entity_id=contract.id)).one()
    assert db.session.get(MatchSuggestion, s.id).status == "signed"
    assert db.session.get(TechNeed, need.id).status == "solved"
    (row,) = pending()
    assert row.args == ["need", need.id]
    assert _heal_and_retry(broken_matcher) == [("TechNeed", need.id)]
