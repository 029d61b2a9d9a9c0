"""The platform in real processes: two gunicorn web processes and two consumers on Redis (and
PostgreSQL under CI's PostgreSQL run), and the SQLite default with one consumer.

These need Redis at 127.0.0.1:6379 for the Redis half: they skip without it locally, and fail
under CI=true, where Redis must be running."""

import os
import re
import time

import pytest
from sqlalchemy import select

from matchmaker import jobs
from matchmaker.extensions import db
from matchmaker.listings.tokens import refresh_tokens
from matchmaker.models import MatchSuggestion, PendingJob, TechNeed

from ..conftest import DB_URL
from .cluster import Client, Cluster, need_form, prepare_platform, redis_available, wait_for
from .slow_tasks import slow_mark

pytestmark = pytest.mark.slow
HIDDEN_RE = re.compile(r'<input[^>]*type="hidden"[^>]*>')
NAME_RE = re.compile(r'name="([^"]+)"')
VALUE_RE = re.compile(r'value="([^"]*)"')
NEED = dict(title="智能门锁指纹识别模块开发", keywords="智能门锁,指纹识别",
            problem="需要低功耗的智能门锁指纹识别方案，用于家用防盗门，识别速度快、误识率低。")  # fmt: skip


def _hidden(body):
    out = {}
    for tag in HIDDEN_RE.findall(body):
        name, value = NAME_RE.search(tag), VALUE_RE.search(tag)
        if name:
            out[name.group(1)] = value.group(1) if value else ""
    return out


def publish_need(client: Client, **text) -> int:
    """Publish a need through a web process's form; return its id."""
    status, body = client.request("GET", "/needs/new")
    assert status == 200, body[:300]
    form = need_form("", text.get("title", NEED["title"]))
    form.update(_hidden(body))
    form.update(text)
    status, body = client.request("POST", "/needs/new", form)
    assert status in (302, 303), body[:2000]
    m = re.search(r"/needs/(\d+)", client.last_location or "")
    assert m, client.last_location
    return int(m.group(1))


def _need_redis():
    if redis_available():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("Redis is not reachable at 127.0.0.1:6379: under CI the multi-process tests must run")
    pytest.skip("Redis is not running at 127.0.0.1:6379")


@pytest.fixture(scope="module", params=["redis", "sqlite"])
def cluster(request, tmp_path_factory):
    """web1, web2 and the consumers (two on Redis, one on the SQLite default), the platform prepared."""
    queue = request.param
    if queue == "redis":
        _need_redis()
    c = Cluster(queue=queue, pg_url=DB_URL if queue == "redis" else None, tmp=tmp_path_factory.mktemp(queue))
    try:
        c.capp = c.app()
        c.ids = prepare_platform(c.capp)
        c.start_web("web1")
        c.start_web("web2")
        c.consumers = ["c1", "c2"] if queue == "redis" else ["c1"]
        for name in c.consumers:
            c.start_consumer(name)
        yield c
    finally:
        c.close()


def _suggested(capp, need_id):
    with capp.app_context():
        try:
            return db.session.scalar(select(MatchSuggestion.result_id).where(MatchSuggestion.need_id == need_id))
        finally:
            db.session.remove()


def _engine_needs(client):
    status, body = client.request("GET", "/matches/admin/index/status.json")
    assert status == 200, body[:300]
    import json

    return json.loads(body)["index"]["needs"]


def test_need_published_in_one_process_is_suggested_and_matched_by_the_other(cluster):
    """Published through web1: a consumer stores its suggestion, and web2's engine has it at its next request."""
    web1, web2 = cluster.client("web1"), cluster.client("web2")
    assert web1.login(cluster.ids["enterprise"]) and web2.login(cluster.ids["admin"])
    before = _engine_needs(web2)
    need_id = publish_need(web1, **NEED)
    assert wait_for(lambda: _suggested(cluster.capp, need_id), timeout=60) == cluster.ids["result_id"]
    assert _engine_needs(web2) == before + 1


def test_consumer_killed_mid_job_loses_nothing(cluster, tmp_path):
    """Every consumer is killed while a job runs: the next consumer runs the job again."""
    marks = tmp_path / "marks.txt"
    with cluster.capp.app_context():
        jobs.enqueue(slow_mark, str(marks), 6)
        db.session.remove()
    assert wait_for(lambda: marks.exists() and "start" in marks.read_text(), timeout=60)
    for name in cluster.consumers:
        cluster.kill(name)
    assert "done" not in marks.read_text()
    # Restarted after the lease (5 s here): the new consumer's start-up sweep runs the row at once, where a
    # consumer started sooner would wait for the minute sweep (up to 60 s).
    time.sleep(float(cluster.env["MATCHMAKER_JOBS_LEASE_SECONDS"]) + 1)
    cluster.start_consumer("c-after")
    cluster.consumers = ["c-after"]
    assert wait_for(lambda: "done" in marks.read_text(), timeout=90), cluster.log("c-after")[-3000:]
    with cluster.capp.app_context():
        assert wait_for(lambda: db.session.scalar(select(db.func.count(PendingJob.id))) == 0 or db.session.rollback())
        db.session.remove()


def test_long_transaction_is_not_missed(cluster):
    """A need whose transaction commits 30 s after its change, while others were synced, still reaches every engine."""
    from datetime import timedelta

    from matchmaker.models.base import utcnow
    from matchmaker.suggestions.services import schedule_matching

    web1, web2 = cluster.client("web1"), cluster.client("web2")
    assert web1.login(cluster.ids["enterprise"]) and web2.login(cluster.ids["admin"])
    capp = cluster.capp
    with capp.app_context():
        need = TechNeed(organization_id=cluster.ids["org_id"], created_by_id=cluster.ids["enterprise_id"],
                        status="published", **NEED)  # fmt: skip
        refresh_tokens(need)
        db.session.add(need)
        db.session.flush()
        need.updated_at = utcnow() - timedelta(seconds=30)
        schedule_matching(need)
        db.session.flush()  # on PostgreSQL the transaction stays open while web1 publishes and syncs
        if db.engine.dialect.name == "postgresql":
            other = publish_need(web1, title="工业机器人视觉检测", keywords="工业机器人,机器视觉",
                                 problem="产线需要基于机器视觉的工业机器人缺陷检测系统。")  # fmt: skip
            assert wait_for(lambda: _suggested(capp, other), timeout=60)  # engines synced past our change
        before = _engine_needs(web2)
        db.session.commit()
        need_id = need.id
        db.session.remove()
    assert wait_for(lambda: _suggested(capp, need_id), timeout=60) == cluster.ids["result_id"]
    assert _engine_needs(web2) == before + 1


def test_dictionary_change_is_seen_before_the_next_tokenisation(cluster):
    """A word added through web1 is one token in the next need web2 saves, before any refit."""
    web1, web2 = cluster.client("web1"), cluster.client("web2")
    assert web1.login(cluster.ids["admin"]) and web2.login(cluster.ids["enterprise"])
    word = "锁芯驱动板"
    status, body = web1.request("GET", "/matches/admin/index")
    form = _hidden(body)
    status, _ = web1.request("POST", "/matches/admin/terms", dict(form, words=word))
    assert status in (302, 303)
    need_id = publish_need(web2, title=f"{word}低功耗设计", keywords=word, problem=f"需要{word}的低功耗设计方案。")
    with cluster.capp.app_context():
        tokens = db.session.get(TechNeed, need_id).tokens
        db.session.remove()
    assert word in tokens.split()
