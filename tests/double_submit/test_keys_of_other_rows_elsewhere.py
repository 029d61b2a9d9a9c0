"""Forms acting on an existing row outside the pair and financing pages (an urgent request's review, a need's
申请快速通道, a password reset, a contract's 发起网上签约, a course's 添加课次 and 报名, a visit's 征集需求) took a
one-time key used on one row as a repeat on any other: row A's key sent with row B's form was answered "…未重复处理"
(or sent to where A's submit went) and B was left as it was. A key is a repeat only on the row it was first used
for; on another row the submit is carried out as a fresh one."""

import re

from matchmaker.extensions import db
from matchmaker.models import ContractDocument, UrgentRequest, User
from matchmaker.urgent import services as urgent

from ..factories import make_contract, make_need, make_user


def _key(page):
    found = re.search(r'name="submission_key"[^>]*value="([^"]+)"', page)
    assert found, page[-2000:]
    return found.group(1)


def test_a_review_key_sent_for_another_request_decides_that_request(client, auth):
    """通过 on request A, then A's review form (its key) sent for request B: B is approved, not told
    "该申请已由您的上一次提交处理（待审核），未重复处理"."""
    ent = make_user("enterprise")
    a, b = (
        urgent.mark_existing(make_need(user=ent, title=t), ent, "order", "订单交期紧迫，急需") for t in ("甲", "乙")
    )
    auth.login("broker")
    data = {"decision": "approve", "note": "", "submission_key": _key(client.get(f"/urgent/{a.id}").get_data(True))}
    assert client.post(f"/urgent/{a.id}/review", data=data).status_code == 302
    resp = client.post(f"/urgent/{b.id}/review", data=data, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "未重复处理" not in page and "已通过并发布" in page, page[-2000:]
    db.session.expire_all()
    assert db.session.get(UrgentRequest, b.id).status == "approved"


def test_a_mark_urgent_key_sent_for_another_need_marks_that_need(client, auth):
    """申请快速通道 for need A, then A's form (its key) sent for need B: B is marked and told so, not sent to A's
    request (303, as a repeat) with B left unmarked."""
    ent = auth.login("enterprise")
    a, b = make_need(user=ent, title="甲"), make_need(user=ent, title="乙")
    page = client.get(f"/urgent/needs/{a.id}").get_data(as_text=True)
    data = {"reason_kind": "order", "reason": "订单交期紧迫，急需", "submission_key": _key(page)}
    assert "已申请快速通道" in client.post(f"/urgent/needs/{a.id}", data=data, follow_redirects=True).get_data(True)
    resp = client.post(f"/urgent/needs/{b.id}", data=data, follow_redirects=True)
    assert "已申请快速通道" in resp.get_data(as_text=True), resp.get_data(as_text=True)[-2000:]
    assert db.session.scalar(db.select(db.func.count(UrgentRequest.id)).filter_by(need_id=b.id)) == 1


NEW = "Zq8-reset-by-admin"


def test_a_password_reset_key_sent_for_another_account_resets_that_account(client, auth):
    """An admin resets A's password, then A's form (its key) is sent for B: B's password is set and the admin told
    so, not sent back to the list (303, as a repeat of A's) with B's password unchanged."""
    a, b = make_user("enterprise"), make_user("researcher")
    auth.login("admin")
    page = client.get(f"/admin/users/{a.id}/password").get_data(as_text=True)
    data = {"password": NEW, "password2": NEW, "submission_key": _key(page)}
    assert client.post(f"/admin/users/{a.id}/password", data=data).status_code == 302
    resp = client.post(f"/admin/users/{b.id}/password", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    assert f"已为 {b.name}（{b.email}）设置新密码" in client.get(resp.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, b.id).check_password(NEW)


def test_a_reset_link_form_key_sent_with_another_accounts_link_sets_that_password(app, client):
    """A's reset page's key sent with B's mailed link: B's password is set, not a 303 to the login page as though
    B's link had been used already."""
    from matchmaker.auth import reset

    a, b = make_user("enterprise"), make_user("researcher")
    link_a, link_b = (f"/auth/reset?token={reset.make_token(u)}" for u in (a, b))
    data = {"password": NEW, "password2": NEW, "submission_key": _key(client.get(link_a).get_data(as_text=True))}
    assert client.post(link_a, data=data).status_code == 302
    resp = client.post(link_b, data=data, follow_redirects=True)
    assert "密码已重置" in resp.get_data(as_text=True), resp.get_data(as_text=True)[-2000:]
    db.session.expire_all()
    assert db.session.get(User, b.id).check_password(NEW)


def test_a_prepare_key_sent_for_another_contract_sends_that_contracts_text(client, auth):
    """发起网上签约 on contract A, then A's form (its key) sent for contract B: B's text is made and sent, not
    "该表单已提交过，未重复生成合同文本" with B left unsent."""
    from ..contracts.test_signing import form, setup_parties

    s = setup_parties()
    other = make_contract(buyer=s.buyer, seller=s.seller, amount="1234567.89", type="development",
                          title="高效光伏组件低温封装工艺开发", broker_id=s.broker.id, created_by_id=s.broker.id,
                          channel="offline", contract_no="HT-2024-0013")  # fmt: skip
    auth.login(s.broker)
    url_a, url_b = (f"/contracts/{c.id}/signing/prepare" for c in (s.contract, other))
    data = form(s, submission_key=_key(client.get(url_a).get_data(as_text=True)))
    assert client.post(url_a, data=data).status_code == 303  # to A's signing page
    resp = client.post(url_b, data=data, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "未重复生成合同文本" not in page and "合同文本已生成" in page, page[-2000:]
    count = db.select(db.func.count(ContractDocument.id)).filter_by(contract_id=other.id)
    assert db.session.scalar(count) == 1


KEY = "k3y-of-row-a-form-0123456789"  # a form's key as sent: the same in row A's and row B's form


def _posted(client, url, data):
    """Row A's form sent and its page read (its flash shown there, not on B's)."""
    resp = client.post(url, data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    client.get(resp.headers["Location"])


def test_a_session_forms_key_sent_for_another_course_adds_that_courses_session(client, auth):
    """添加课次 on course A, then A's form (its key) sent for course B: B gets its session and 已添加课次, not a 303
    back to B's page with nothing added."""
    from matchmaker.models import TrainingSession

    from ..training.test_training import make_course

    a, b = make_course(sessions=0), make_course(sessions=0)
    auth.login("admin")
    data = {"title": "政策解读专题", "module_kind": "policy", "starts_at": "2020-09-07T09:00", "submission_key": KEY}
    _posted(client, f"/training/{a.id}/sessions", data)
    resp = client.post(f"/training/{b.id}/sessions", data=data, follow_redirects=True)
    assert "已添加课次" in resp.get_data(as_text=True), resp.get_data(as_text=True)[-2000:]
    assert db.session.scalar(db.select(db.func.count(TrainingSession.id)).filter_by(course_id=b.id)) == 1


def test_an_enrol_forms_key_sent_for_another_course_enrols_in_that_course(client, auth):
    """报名 on course A, then A's form (its key) sent for course B: the person is enrolled in B too."""
    from matchmaker.models import TrainingEnrolment

    from ..training.test_training import make_course

    a, b = make_course(sessions=0), make_course(sessions=0)
    auth.login("admin")
    data = {
        "name": "陈敏",
        "org_name": "某高校",
        "org_kind": "university",
        "phone": "13800138000",
        "submission_key": KEY,
    }
    _posted(client, f"/training/{a.id}/enrolments", data)
    resp = client.post(f"/training/{b.id}/enrolments", data=data, follow_redirects=True)
    assert "已为 陈敏（某高校）报名" in resp.get_data(as_text=True), resp.get_data(as_text=True)[-2000:]
    assert db.session.scalar(db.select(db.func.count(TrainingEnrolment.id)).filter_by(course_id=b.id)) == 1


def test_a_collected_need_forms_key_sent_for_another_visit_collects_that_need(client, auth):
    """征集需求 on visit A, then A's form (its key) sent for visit B: B's need is posted and told so, not a 303 to
    B's page with nothing posted."""
    from matchmaker.models import TechNeed, Visit

    from ..factories import make_org
    from ..visits.test_visits import NEED, _visit_form

    ent = make_org("enterprise", name="固安锁业")
    make_user("enterprise", org=ent)
    auth.login("broker")
    for day in ("2020-07-15", "2020-07-16"):
        assert client.post("/visits/new", data=_visit_form(ent, visited_on=day)).status_code == 302
    a, b = db.session.scalars(db.select(Visit).order_by(Visit.id)).all()
    data = dict(NEED, submission_key=KEY)
    _posted(client, f"/visits/{a.id}/needs/new", data)
    resp = client.post(f"/visits/{b.id}/needs/new", data=data, follow_redirects=True)
    assert f"已登记征集需求“{NEED['title']}”" in resp.get_data(as_text=True), resp.get_data(as_text=True)[-2000:]
    db.session.expire_all()
    assert len(db.session.get(Visit, b.id).needs) == 1
    assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 2
