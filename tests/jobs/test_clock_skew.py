"""Machines whose clocks disagree: a lease or heartbeat written by one is judged by the database's clock,
so a machine running a few minutes ahead does not take over work that is alive elsewhere."""

from datetime import timedelta

import pytest

from matchmaker import jobs
from matchmaker.extensions import db
from matchmaker.imports import services as imports
from matchmaker.jobs import backend
from matchmaker.models import IndexJob, PendingJob
from matchmaker.models.base import utcnow
from matchmaker.suggestions import indexing

CALLS = []


@jobs.task(retries=1)
def once_only(value):
    CALLS.append(value)


@pytest.fixture
def clock_ahead(monkeypatch):
    """This process plays a second machine whose clock runs 15 minutes ahead."""

    def ahead():
        return utcnow() + timedelta(minutes=15)

    for module in (backend, indexing, imports):
        monkeypatch.setattr(module, "utcnow", ahead)


def test_a_job_claimed_just_now_is_not_run_again_by_a_machine_ahead(app, clock_ahead):
    CALLS.clear()
    row = PendingJob(task=jobs.name_of(once_only), args=[1], status="running", next_run_at=utcnow())
    db.session.add(row)  # claimed a moment ago by a consumer on a machine with the right time
    db.session.commit()
    assert jobs.run_due() == {"ran": 0, "failed": 0}
    assert CALLS == [] and db.session.get(PendingJob, row.id).status == "running"


def test_a_running_refit_is_not_requeued_by_a_machine_ahead(app, clock_ahead):
    job = IndexJob(status="running", active=True, trigger="admin", heartbeat_at=utcnow(), attempts=1)
    db.session.add(job)  # beating a moment ago on a machine with the right time
    db.session.commit()
    assert indexing.recover_stale() == []
    db.session.expire_all()
    assert (job.status, job.message) == ("running", "")
