"""The fast channel: posting an urgent need, the broker's review within the service level,
publishing, matching and the researchers' announcement, refusals, and who may do what."""

import re
from datetime import datetime, timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.listings.tokens import refresh_tokens
from matchmaker.models import Notification, TechNeed, UrgentRequest
from matchmaker.urgent import services
from matchmaker.utils import clock

from ..factories import make_need, make_result, make_user

FORM = {
    "title": "口罩熔喷布驻极工艺改进", "summary": "熔喷布过滤效率不稳定",
    "problem": "熔喷布驻极后过滤效率衰减快，口罩生产线急需稳定的驻极工艺",
    "indicators": "过滤效率≥95%", "conditions": "已有熔喷生产线两条", "keywords": "熔喷布,驻极,口罩",
    "industry": "新材料", "field": "", "town": "", "coop_mode": "development", "budget": "面议",
    "valid_until": (clock.today() + timedelta(days=60)).isoformat(), "confidentiality": "public",
    "contact_name": "李工", "contact_phone": "13800001111", "contact_email": "",
    "reason_kind": "epidemic", "reason": "疫情防控物资生产急需，现有工艺合格率低",
}  # fmt: skip


def _fitting_result():
    researcher = make_user("researcher")
    r = make_result(user=researcher, title="熔喷布静电驻极技术", keywords="熔喷布,驻极,过滤效率",
                    abstract="熔喷布驻极工艺，提高口罩过滤效率并减缓衰减。", published_at=datetime(2020, 1, 1))  # fmt: skip
    make_result(title="锂离子电池正极材料", keywords="锂电池,正极", abstract="高镍正极材料制备工艺。")
    refresh_tokens(r)
    db.session.commit()
    return researcher, r


def test_urgent_need_from_posting_to_approval_announces_to_fitting_researchers(client, auth):
    """Posted → pending in the queue with its clock → approved: published, matched, researchers told."""
    researcher, _ = _fitting_result()
    broker = make_user("broker")
    ent = auth.login("enterprise")
    resp = client.post("/urgent/new", data=FORM)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    req = db.session.scalar(db.select(UrgentRequest))
    assert req.status == "pending" and req.need.status == "draft" and req.need.source == "urgent"
    assert req.sla_hours == 24 and req.due_at > req.requested_at
    assert db.session.scalar(db.select(Notification).filter_by(user_id=broker.id, kind="urgent"))
    auth.logout()
    auth.login(broker)
    page = client.get("/urgent/queue").get_data(as_text=True)
    assert "口罩熔喷布驻极工艺改进" in page and "剩余" in page
    detail = client.get(f"/urgent/{req.id}").get_data(as_text=True)
    assert "熔喷布静电驻极技术" in detail  # matched at once, before the decision
    # as every other page shows a match (it showed a bare 0.58 here)
    assert re.search(r"熔喷布静电驻极技术</a> <span class=\"text-muted\">匹配度 \d{1,3}%</span>", detail)
    resp = client.post(f"/urgent/{req.id}/review", data={"decision": "approve", "note": ""})
    assert resp.status_code == 302
    db.session.expire_all()
    req = db.session.get(UrgentRequest, req.id)
    assert req.status == "approved" and req.sla_met is True and req.need.status == "published"
    assert req.announced == 1
    told = db.session.scalar(db.select(Notification).filter_by(user_id=researcher.id, kind="urgent"))
    assert told is not None and f"/needs/{req.need_id}" == told.link
    assert db.session.scalar(db.select(Notification).filter_by(user_id=ent.id, kind="urgent"))


def test_bad_input_is_explained_and_kept(client, auth):
    """No reason chosen, a too-short explanation: Chinese errors, nothing saved, typed text kept."""
    auth.login("enterprise")
    resp = client.post("/urgent/new", data=dict(FORM, reason_kind="", reason="急", title="保留这个标题文字"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "请选择急需原因" in page and "情况说明长度应为 4–500 个字符" in page and "保留这个标题文字" in page
    assert db.session.scalar(db.select(db.func.count(UrgentRequest.id))) == 0
    assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 0


def test_refusal_needs_a_note_and_tells_the_enterprise(client, auth):
    """A refusal without a reason is refused; with one, the enterprise sees it; the need stays a draft."""
    ent = make_user("enterprise")
    need = make_need(user=ent, status="draft")
    req = services.mark_existing(need, ent, "stopped", "生产线停工，急需解决")
    auth.login("broker")
    resp = client.post(f"/urgent/{req.id}/review", data={"decision": "refuse", "note": ""})
    assert resp.status_code == 400 and "退回时请填写原因" in resp.get_data(as_text=True)
    resp = client.post(
        f"/urgent/{req.id}/review", data={"decision": "refuse", "note": "需求描述不完整，请补充技术指标"}
    )
    assert resp.status_code == 302
    db.session.expire_all()
    req = db.session.get(UrgentRequest, req.id)
    assert req.status == "refused" and req.need.status == "draft"
    note = db.session.scalar(db.select(Notification).filter_by(user_id=ent.id, kind="urgent"))
    assert "请补充技术指标" in note.text


def test_a_refused_request_is_asked_again_after_the_need_is_edited(client, auth):
    """The refusal says 修改后重新提交: the enterprise's need page and the request's page offer it, the mark page
    shows the broker's note, and the resubmit is a new request in the queue with the new reason and deadline (it
    was refused with 该需求已申请过快速通道). The refused one stays as decided, shown to the reviewing broker."""
    ent = make_user("enterprise")
    need = make_need(user=ent, status="draft")
    broker = make_user("broker")
    req = services.mark_existing(need, ent, "stopped", "生产线停工，急需解决", now=datetime(2026, 1, 5, 2))
    services.review(req, broker, "refuse", "请补充技术指标")
    auth.login(ent)
    assert "修改需求后重新申请" in client.get(f"/needs/{need.id}").get_data(as_text=True)
    page = client.get(f"/urgent/{req.id}").get_data(as_text=True)
    assert "按审核意见修改需求" in page and f"/urgent/needs/{need.id}" in page
    page = client.get(f"/urgent/needs/{need.id}").get_data(as_text=True)
    assert "审核意见：请补充技术指标" in page and "重新申请快速通道" in page
    resp = client.post(f"/urgent/needs/{need.id}", data={"reason_kind": "order", "reason": "已补充过滤效率等指标"})
    assert resp.status_code == 302
    db.session.expire_all()
    first, again = db.session.scalars(db.select(UrgentRequest).order_by(UrgentRequest.id)).all()
    assert resp.headers["Location"].endswith(f"/urgent/{again.id}") and first.id == req.id
    assert (first.status, first.review_note, first.requested_at) == (
        "refused",
        "请补充技术指标",
        datetime(2026, 1, 5, 2),
    )
    assert (again.status, again.reason_kind, again.reason) == ("pending", "order", "已补充过滤效率等指标")
    assert again.due_at > again.requested_at > first.requested_at
    told = db.session.scalars(db.select(Notification.text).filter_by(user_id=broker.id, kind="urgent")).all()
    assert len(told) == 2  # the brokers are told again
    # The old refusal's page no longer offers to ask again (that would end on 该需求已申请过快速通道), nor the need's.
    page = client.get(f"/urgent/{first.id}").get_data(as_text=True)
    assert "请补充技术指标" in page and "重新申请快速通道" not in page and "按审核意见修改需求" not in page
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert f"/urgent/{again.id}" in page and "修改需求后重新申请" not in page
    auth.logout()
    auth.login(broker)
    assert need.title in client.get("/urgent/queue").get_data(as_text=True)  # pending again
    page = client.get(f"/urgent/{again.id}").get_data(as_text=True)
    assert "此前申请" in page and "已退回：请补充技术指标" in page
    services.review(again, broker, "approve")
    with pytest.raises(services.UrgentError, match="已申请过快速通道"):  # approved: not asked again
        services.mark_existing(db.session.get(TechNeed, need.id), ent, "order", "再次申请急需")


def test_a_request_is_decided_once(app):
    """The second decision on the same request is refused (two brokers at once)."""
    ent = make_user("enterprise")
    req = services.mark_existing(make_need(user=ent), ent, "order", "订单交期紧迫，急需")
    services.review(req, make_user("broker"), "refuse", "不属于急需")
    try:
        services.review(req, make_user("broker"), "approve")
    except services.UrgentError as exc:
        assert "已由其他经纪人处理" in str(exc)
    else:
        raise AssertionError("second decision accepted")


def test_late_review_is_counted_as_missing_the_service_level(app):
    """Decided after the deadline: sla_met False; the report counts asked, decided, within the level."""
    ent = make_user("enterprise")
    broker = make_user("broker")
    friday = datetime(2020, 6, 5, 7)  # 15:00 Beijing time
    late = services.mark_existing(make_need(user=ent), ent, "order", "订单交期紧迫", now=friday)
    on_time = services.mark_existing(make_need(user=ent), ent, "epidemic", "疫情防控急需", now=friday)
    assert late.due_at == datetime(2020, 6, 8, 7)  # Monday 15:00: the weekend does not count
    services.review(on_time, broker, "approve", now=datetime(2020, 6, 7, 23))  # Monday 07:00 Beijing
    services.review(late, broker, "approve", now=datetime(2020, 6, 8, 8))
    assert on_time.sla_met is True and late.sla_met is False
    c = services.counts(datetime(2020, 1, 1), datetime(2021, 1, 1))
    assert c == {"asked": 2, "approved": 2, "refused": 0, "pending": 0, "sla_met": 1}


def test_admin_sets_the_service_level(client, auth):
    """The admin's level applies to later requests; bad hours are explained."""
    auth.login("admin")
    resp = client.post("/urgent/settings", data={"sla_hours": "8", "day_start": "18", "day_end": "9",
                                                 "holidays": "2020-10-01\n国庆", "workdays": ""})  # fmt: skip
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "结束时间须晚于开始时间" in page and "格式不正确" in page
    resp = client.post("/urgent/settings", data={"sla_hours": "8", "day_start": "9", "day_end": "17",
                                                 "holidays": "2020-10-01", "workdays": ""})  # fmt: skip
    assert resp.status_code == 302
    ent = make_user("enterprise")
    req = services.mark_existing(make_need(user=ent), ent, "order", "订单交期紧迫", now=datetime(2020, 9, 30, 1))
    # Wednesday 09:00 Beijing + 8 office hours = 17:00 the same day
    assert req.sla_hours == 8 and req.due_at == datetime(2020, 9, 30, 9)


def test_saving_the_settings_unchanged_leaves_who_saved_them_last(client, auth):
    """Another admin saves the settings page without changing anything: told nothing changed, and the row still
    names the admin who last changed them, and when."""
    from matchmaker.models import UrgentSetting

    from ..stale import version

    first = auth.login("admin")
    data = {"sla_hours": "8", "day_start": "9", "day_end": "17", "holidays": "2020-10-01\r\n2020-10-02", "workdays": ""}
    assert client.post("/urgent/settings", data=data).status_code == 302
    stamped = db.session.get(UrgentSetting, 1).updated_at
    auth.logout()
    auth.login("admin")
    shown = version(client.get("/urgent/settings"))
    resp = client.post("/urgent/settings", data=dict(data, version=shown), follow_redirects=True)
    assert resp.status_code == 200 and "未作修改" in resp.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(UrgentSetting, 1)
    assert (stored.updated_by_id, stored.updated_at) == (first.id, stamped)
    assert (stored.sla_hours, stored.holidays) == (8, "2020-10-01\n2020-10-02")


def test_who_may_see_and_decide(client, auth):
    """Another enterprise gets 403 on a request and on marking a need; an enterprise cannot review."""
    ent = make_user("enterprise")
    req = services.mark_existing(make_need(user=ent), ent, "order", "订单交期紧迫")
    other_need = make_need()
    auth.login("enterprise")
    assert client.get(f"/urgent/{req.id}").status_code == 403
    assert client.get(f"/urgent/needs/{other_need.id}").status_code == 403
    assert client.post(f"/urgent/{req.id}/review", data={"decision": "approve"}).status_code == 403
    auth.logout()
    auth.login(ent)
    assert client.get(f"/urgent/{req.id}").status_code == 200
    assert "订单交期紧迫" in client.get("/urgent/mine").get_data(as_text=True)
    assert "快速通道：待审核" in client.get(f"/needs/{req.need_id}").get_data(as_text=True)
    fresh = make_need(user=ent)
    assert f"/urgent/needs/{fresh.id}" in client.get(f"/needs/{fresh.id}").get_data(as_text=True)
    resp = client.post(f"/urgent/needs/{req.need_id}", data={"reason_kind": "order", "reason": "再次申请急需"})
    assert resp.status_code == 400 and "已申请过快速通道" in resp.get_data(as_text=True)


def _queue_jobs(app, monkeypatch):
    """Jobs as in production: a queued row after the commit, run later (here by ``run_due``)."""
    from matchmaker.jobs import queue

    app.config["JOBS_IMMEDIATE"] = False
    monkeypatch.setattr(queue, "send", lambda row_id: None)


def _urgent_with_queued_jobs(app, monkeypatch):
    """A researcher whose result fits, and an enterprise's need marked urgent; jobs then queue as in production."""
    researcher, _ = _fitting_result()
    ent = make_user("enterprise")
    need = make_need(user=ent, title="口罩熔喷布驻极工艺改进", keywords="熔喷布,驻极,口罩",
                     problem="熔喷布驻极后过滤效率衰减快")  # fmt: skip
    req = services.mark_existing(need, ent, "epidemic", "疫情防控物资急需")
    _queue_jobs(app, monkeypatch)
    return researcher, ent, need, req


def _researcher_told(researcher):
    return db.session.scalar(db.select(Notification).filter_by(user_id=researcher.id, kind="urgent"))


def test_a_need_closed_before_the_review_cannot_be_approved(client, auth):
    """Marked urgent, then closed by its enterprise: the broker's approval is refused in Chinese, nothing
    is published or announced, and the request stays pending (to be refused with a reason)."""
    researcher, _ = _fitting_result()
    ent = auth.login("enterprise")
    need = make_need(user=ent, title="口罩熔喷布驻极工艺改进", keywords="熔喷布,驻极,口罩",
                     problem="熔喷布驻极后过滤效率衰减快")  # fmt: skip
    resp = client.post(f"/urgent/needs/{need.id}", data={"reason_kind": "epidemic", "reason": "疫情防控物资急需"})
    assert resp.status_code == 302
    req_id = db.session.scalar(db.select(UrgentRequest.id))
    assert client.post(f"/needs/{need.id}/status", data={"action": "close"}).status_code == 302
    auth.logout()
    auth.login("broker")
    resp = client.post(f"/urgent/{req_id}/review", data={"decision": "approve", "note": ""})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "需求当前状态为“已关闭”，已不能通过快速通道发布" in page
    db.session.expire_all()
    req = db.session.get(UrgentRequest, req_id)
    assert req.status == "pending" and req.need.status == "closed" and req.announced == 0
    assert _researcher_told(researcher) is None
    texts = db.session.scalars(db.select(Notification.text).filter_by(user_id=ent.id, kind="urgent")).all()
    assert not any("发布" in t or "推送" in t for t in texts)
    resp = client.post(f"/urgent/{req_id}/review", data={"decision": "refuse", "note": "需求已关闭"})
    assert resp.status_code == 302  # refusing it is still possible


def test_a_need_closed_before_the_announcement_runs_is_not_announced(app, client, auth, monkeypatch):
    """Approved, then closed before the queued announcement ran: no researcher is told of the closed need."""
    researcher, ent, need, req = _urgent_with_queued_jobs(app, monkeypatch)
    auth.login("broker")
    assert client.post(f"/urgent/{req.id}/review", data={"decision": "approve", "note": ""}).status_code == 302
    auth.logout()
    auth.login(ent)
    assert client.post(f"/needs/{need.id}/status", data={"action": "close"}).status_code == 302
    from matchmaker import jobs

    assert jobs.run_due()["failed"] == 0
    db.session.expire_all()
    assert _researcher_told(researcher) is None
    assert db.session.get(UrgentRequest, req.id).announced == 0
    assert "未推送" in client.get(f"/urgent/{req.id}").get_data(as_text=True)


def test_approval_says_the_push_is_queued_and_the_page_shows_the_count_once_done(app, client, auth, monkeypatch):
    """The announcement runs after the commit: the broker is told it is queued (not "0 researchers"), the
    enterprise is not told researchers were reached before they were; the count shows once the job ran."""
    researcher, ent, need, req = _urgent_with_queued_jobs(app, monkeypatch)
    auth.login("broker")
    resp = client.post(f"/urgent/{req.id}/review", data={"decision": "approve", "note": ""}, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "已通过并发布，将推送给相关科研人员" in page and "已推送给 0 位" not in page
    assert "正在推送给相关科研人员" in client.get(f"/urgent/{req.id}").get_data(as_text=True)
    texts = db.session.scalars(db.select(Notification.text).filter_by(user_id=ent.id, kind="urgent")).all()
    assert texts == ["您的急需需求“口罩熔喷布驻极工艺改进”已通过快速通道审核并发布"]
    from matchmaker import jobs

    assert jobs.run_due()["failed"] == 0
    db.session.expire_all()
    assert _researcher_told(researcher) is not None
    assert "已推送给 1 位相关科研人员" in client.get(f"/urgent/{req.id}").get_data(as_text=True)
    texts = db.session.scalars(db.select(Notification.text).filter_by(user_id=ent.id, kind="urgent")).all()
    assert "平台已向 1 位相关科研人员推送您的急需需求“口罩熔喷布驻极工艺改进”" in texts


def test_an_announcement_whose_matching_failed_is_retried(app, client, auth, monkeypatch):
    """The matcher failing (a refit, say) ended the announcement for good: the job now fails, its page says
    正在推送, and the retry tells the researchers."""
    from datetime import timedelta

    from matchmaker import jobs
    from matchmaker.models.base import utcnow
    from matchmaker.urgent import services as urgent

    researcher, ent, need, req = _urgent_with_queued_jobs(app, monkeypatch)
    auth.login("broker")
    assert client.post(f"/urgent/{req.id}/review", data={"decision": "approve", "note": ""}).status_code == 302
    real = urgent.matcher.match_listing

    def down(*args, **kw):
        raise RuntimeError("engine refitting")

    monkeypatch.setattr(urgent.matcher, "match_listing", down)
    assert jobs.run_due()["failed"] == 1
    db.session.expire_all()
    assert _researcher_told(researcher) is None
    assert "正在推送给相关科研人员" in client.get(f"/urgent/{req.id}").get_data(as_text=True)
    monkeypatch.setattr(urgent.matcher, "match_listing", real)
    assert jobs.run_due(now=utcnow() + timedelta(hours=1))["failed"] == 0
    db.session.expire_all()
    assert _researcher_told(researcher) is not None
    assert "已推送给 1 位相关科研人员" in client.get(f"/urgent/{req.id}").get_data(as_text=True)


def test_a_full_queue_page_costs_the_same_few_queries_as_a_short_one(client, auth):
    """Each row's need and organisation were loaded one by one (two queries a row): a page of 20 now
    takes as many queries as a page of 2, and lists the same requests, soonest deadline first."""
    from sqlalchemy import event

    def page_queries():
        seen = []

        def note(conn, cursor, statement, *args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            html = client.get("/urgent/queue").get_data(as_text=True)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        return html, len(seen)

    def mark(n, start):  # rows as the service writes them (the service also matches and notifies: slow here)
        for i in range(n):
            ent = make_user("enterprise")
            need = make_need(org=ent.organization, user=ent, title=f"急需队列第{start + i}项")
            at = datetime(2026, 3, 2, 2) + timedelta(hours=start + i)
            db.session.add(UrgentRequest(need_id=need.id, organization_id=ent.organization_id, reason_kind="order",
                                         reason="订单交期紧迫", requested_by_id=ent.id, requested_at=at, sla_hours=24,
                                         due_at=at + timedelta(hours=24)))  # fmt: skip
        db.session.commit()

    mark(2, 0)
    auth.login("broker")
    _, few = page_queries()
    mark(18, 2)
    html, many = page_queries()
    assert many == few, (few, many)
    titles = [int(t) for t in re.findall(r"急需队列第(\d+)项", html)]
    assert titles == list(range(20))  # soonest deadline first


def test_a_review_of_a_request_another_broker_decided_says_so(client, auth):
    """Two brokers with the pending request open: the second's 退回 meets the first's 通过. It is refused with
    该申请已由其他经纪人处理 on the page (the page answered 400 with no word of why: the review form, where the
    message was put, is not shown for a decided request) and the first decision stands."""
    auth.login("enterprise")
    client.post("/urgent/new", data=FORM)
    req = db.session.scalar(db.select(UrgentRequest))
    auth.logout()
    auth.login("broker")
    assert client.post(f"/urgent/{req.id}/review", data={"decision": "approve", "note": ""}).status_code == 302
    resp = client.post(f"/urgent/{req.id}/review", data={"decision": "refuse", "note": "资料不全"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "该申请已由其他经纪人处理" in body and 'role="alert"' in body
    db.session.expire_all()
    assert db.session.get(UrgentRequest, req.id).status == "approved"


def test_a_stale_approval_of_a_decided_request_whose_need_closed_since_says_it_was_decided(client, auth):
    """Approved by one broker, its need then closed by the enterprise: a second broker's 通过 from the page opened
    before was told 需求当前状态为“已关闭”……请退回该申请, though the request had been decided (退回 is refused
    too). Now 该申请已由其他经纪人处理, and the first decision stands."""
    ent = auth.login("enterprise")
    need = make_need(user=ent)
    client.post(f"/urgent/needs/{need.id}", data={"reason_kind": "epidemic", "reason": "疫情防控物资急需"})
    req_id = db.session.scalar(db.select(UrgentRequest.id))
    auth.logout()
    auth.login("broker")
    assert client.post(f"/urgent/{req_id}/review", data={"decision": "approve", "note": ""}).status_code == 302
    auth.logout()
    auth.login(ent)
    assert client.post(f"/needs/{need.id}/status", data={"action": "close"}).status_code == 302
    auth.logout()
    auth.login("broker")
    resp = client.post(f"/urgent/{req_id}/review", data={"decision": "approve", "note": ""})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "该申请已由其他经纪人处理" in body and "请退回该申请" not in body
    db.session.expire_all()
    assert db.session.get(UrgentRequest, req_id).status == "approved"


def test_the_same_urgent_need_sent_again_asks_before_a_second_request(client, auth):
    """The Back button refills the fast-channel form (with a new one-time key): sent again, it made a second
    request for the brokers' queue. Now it asks, as 发布技术需求 does, and makes one only once confirmed."""
    auth.login("enterprise")
    assert client.post("/urgent/new", data=FORM | {"submission_key": "k" * 20}).status_code == 302
    resp = client.post("/urgent/new", data=FORM | {"submission_key": "b" * 20})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "与本条高度相似的已有内容" in body and "口罩熔喷布驻极工艺改进" in body
    assert db.session.scalar(db.select(db.func.count(UrgentRequest.id))) == 1
    resp = client.post("/urgent/new", data=FORM | {"submission_key": "b" * 20, "confirm_duplicate": "1"})
    assert resp.status_code == 302
    assert db.session.scalar(db.select(db.func.count(UrgentRequest.id))) == 2


def test_an_enterprise_user_waiting_to_join_is_told_before_filling_the_form(client, auth):
    """A registrant whose organisation an admin has yet to confirm filled the whole fast-channel form, and only the
    submit said 您的账号未关联单位……请联系管理员; now the form is not offered and the page says what is awaited."""
    from ..factories import make_org

    ent = make_org("enterprise", name="待核实的企业")
    user = make_user("enterprise")
    user.organization, user.requested_organization = None, ent
    db.session.commit()
    auth.login(user)
    resp = client.get("/urgent/new")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/dashboard")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "您申请加入「待核实的企业」尚待平台管理员核实，核实后即可发布需求" in page


def test_the_mark_form_of_a_need_already_in_the_fast_channel_is_not_offered_again(client, auth):
    """/urgent/needs/<id> (Back, a bookmark) showed the whole form for a need whose request was pending: filled in,
    it was refused only on submit (该需求已申请过快速通道). Now the page goes to the request, saying so; a closed
    need's goes to the need, saying why."""
    ent = make_user("enterprise")
    req = services.mark_existing(make_need(user=ent), ent, "order", "订单交期紧迫")
    closed = make_need(user=ent, status="closed")
    auth.login(ent)
    resp = client.get(f"/urgent/needs/{req.need_id}", follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert resp.request.path == f"/urgent/{req.id}" and "该需求已申请快速通道（待审核），无需重复申请" in body
    resp = client.get(f"/urgent/needs/{closed.id}", follow_redirects=True)
    assert resp.request.path == f"/needs/{closed.id}" and "需求当前状态为“已关闭”，不能申请快速通道" in resp.get_data(
        as_text=True
    )
