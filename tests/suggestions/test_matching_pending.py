"""A need just published showed its owner 暂无匹配推荐 while its matching still waited in the job queue (seconds
to minutes on a running site), as if nothing fitted; the page now says matching is under way, and the
suggestions replace that notice once the job has run."""

from matchmaker import jobs
from matchmaker.jobs import queue

from ..factories import make_need
from .conftest import NEED_TEXT

PENDING = "平台正在为该需求匹配科技成果"


def test_a_published_need_says_matching_is_under_way_until_its_job_ran(app, client, auth, corpus, monkeypatch):
    app.config["JOBS_IMMEDIATE"] = False  # as in production: a queued row after the commit
    monkeypatch.setattr(queue, "send", lambda row_id: None)  # ... run later, here by run_due
    ent = auth.login("enterprise")
    need = make_need(user=ent, status="draft", **NEED_TEXT)
    assert client.post(f"/needs/{need.id}/status", data={"action": "publish"}).status_code == 302
    body = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert PENDING in body and corpus["result"].title not in body
    assert jobs.run_due()["failed"] == 0
    body = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert PENDING not in body and corpus["result"].title in body


def test_a_need_matched_long_ago_shows_no_notice(client, auth, corpus):
    ent = auth.login("enterprise")
    need = make_need(user=ent, **NEED_TEXT)
    assert PENDING not in client.get(f"/needs/{need.id}").get_data(as_text=True)


def test_a_closed_need_whose_withdrawal_is_queued_shows_no_notice(app, client, auth, corpus, monkeypatch):
    """Closing queues the withdrawal of its suggestions: not a matching to wait for."""
    app.config["JOBS_IMMEDIATE"] = False
    monkeypatch.setattr(queue, "send", lambda row_id: None)
    ent = auth.login("enterprise")
    need = make_need(user=ent, **NEED_TEXT)
    resp = client.post(f"/needs/{need.id}/status", data={"action": "close"}, follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert "已关闭" in body and PENDING not in body


def test_a_broker_opening_the_new_need_is_told_too(app, client, auth, corpus, monkeypatch):
    """Staff see every suggestion (#match-suggestions): the same notice above the still empty list."""
    app.config["JOBS_IMMEDIATE"] = False
    monkeypatch.setattr(queue, "send", lambda row_id: None)
    ent = auth.login("enterprise")
    need = make_need(user=ent, status="draft", **NEED_TEXT)
    assert client.post(f"/needs/{need.id}/status", data={"action": "publish"}).status_code == 302
    auth.logout()
    auth.login("broker")
    body = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert 'id="match-suggestions"' in body and PENDING in body
    assert jobs.run_due()["failed"] == 0
    assert PENDING not in client.get(f"/needs/{need.id}").get_data(as_text=True)
