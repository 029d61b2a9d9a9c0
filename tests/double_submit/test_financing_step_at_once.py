"""A financing step (登记评估结果, 审批, ...) double-clicked (attack, 2026-12-07): the two submits of one case page
arrived together; one recorded the step (302), the other answered either 400 with the case page and no word of
why (its refused form was no longer on the page: the case had moved on) or "不能进行该操作（可能已被他人处理）".
Now the step form's one-time key makes the twin answer 303 to the case, one step recorded, the enterprise told
once; a step refused because someone else moved the case meanwhile says so instead of a silent 400."""

import re
from decimal import Decimal

from matchmaker.extensions import db
from matchmaker.financing import services
from matchmaker.models import FinancingCase, FinancingStep, Notification

from ..factories import make_user
from ..financing.test_financing import _partners, _valid_patent
from ..races import posts_at_once


def _client(app, email):
    c = app.test_client()
    assert c.post("/auth/login", data={"email": email, "password": "password123"}).status_code == 302
    return c


def _case(broker_role="broker"):
    p = _partners()
    ent, broker = make_user("enterprise"), make_user(broker_role)
    case = services.apply_for(ent, {"patents": _valid_patent(), "amount_wanted": Decimal(100), "term_months": 6})
    return case, broker, ent, p


def _appraise_form(page, appraiser_id):
    """The 登记评估结果 form of a case page, filled in: its hidden fields as shown (the one-time key too)."""
    form = re.search(r'<form[^>]*>(?:(?!</form>).)*name="action"[^>]*value="appraise"(?:(?!</form>).)*</form>', page,
                     re.S).group(0)  # fmt: skip
    data = dict(re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    data.update(re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="hidden"[^>]*value="([^"]*)"', form))
    assert data.get("action") == "appraise", data
    return dict(data, partner_id=str(appraiser_id), appraised_value="800")


def test_one_step_form_submitted_twice_at_once_records_one_step(file_app):
    with file_app.app_context():
        case, broker, ent, p = _case()
        cid, email, applicant, appraiser = case.id, broker.email, ent.id, p["appraiser"].id
        db.session.remove()
    clients = [_client(file_app, email) for _ in range(2)]
    data = _appraise_form(clients[0].get(f"/financing/{cid}").get_data(as_text=True), appraiser)
    answers = posts_at_once(clients, f"/financing/{cid}/move", data)
    assert sorted(a.status_code for a in answers) == [302, 303], [(a.status_code, a.location) for a in answers]
    assert {a.headers["Location"] for a in answers} == {f"/financing/{cid}"}
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count(FinancingStep.id))) == 1
        assert db.session.get(FinancingCase, cid).status == "appraised"
        told = db.session.scalar(db.select(db.func.count(Notification.id)).filter_by(user_id=applicant))
        assert told == 1
        db.session.remove()
    page = clients[1].post(f"/financing/{cid}/move", data=data, follow_redirects=True).get_data(as_text=True)
    assert "未重复登记" in page and "不能进行该操作" not in page


def test_a_step_refused_because_the_case_moved_meanwhile_says_so(client, auth, monkeypatch):
    """Another broker's step committed between this request's check and its save: told why, not a bare 400."""
    case, broker, _, p = _case()
    other = make_user("broker")
    auth.login(broker)
    data = _appraise_form(client.get(f"/financing/{case.id}").get_data(as_text=True), p["appraiser"].id)
    real = services.move

    def after_the_other(case, action, actor, data, expected=None, **kw):
        real(case, action, other, dict(data, appraised_value=Decimal(6_000_000)), expected)  # the other broker's, first
        return real(case, action, actor, data, expected, **kw)

    monkeypatch.setattr(services, "move", after_the_other)
    resp = client.post(f"/financing/{case.id}/move", data=data)
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "可能已被他人处理" in page and "评估价值 600.00 万元" in page
    assert [s.actor_id for s in db.session.scalars(db.select(FinancingStep))] == [other.id]
