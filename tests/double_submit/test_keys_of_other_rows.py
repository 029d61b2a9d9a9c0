"""A one-time key carried to another row's form (copied by hand, or a page's form sent again for another pair or
case) was answered as a repeat of its first submit: 303 with "…已由您的上一次提交采纳，未重复处理" (or
"该操作已提交过，未重复登记") though nothing was done to that row. A key is a repeat only on the row and action it was
first used for; anywhere else the submit is carried out (or refused) as a fresh one."""

from decimal import Decimal

from matchmaker.extensions import db
from matchmaker.financing import services as financing
from matchmaker.models import FinancingCase, FinancingStep, MatchSuggestion

from ..factories import make_need, make_result, make_suggestion, make_user
from ..financing.test_financing import _partners, _valid_patent
from .test_financing_step_at_once import _appraise_form
from .test_pair_actions_at_once import _form


def _pairs(broker, n=2):
    ent, res = make_user("enterprise"), make_user("researcher")
    out = []
    for i in range(n):
        need = make_need(user=ent, title=f"储能电池热管理{i}", keywords="储能,电池")
        result = make_result(user=res, title=f"电池热失控预警技术{i}", keywords="电池,储能")
        out.append(make_suggestion(need, result, status="suggested", broker=broker, score=0.6))
    return out


def _flashes(client, resp):
    return client.get(resp.headers["Location"]).get_data(as_text=True)


def test_a_pair_key_sent_for_another_pair_acts_on_that_pair(client, auth):
    """采纳 on pair A, then the same key in pair B's 采纳 form: B is accepted and told so, not "未重复处理"."""
    broker = auth.login("broker")
    a, b = _pairs(broker)
    url_a, url_b = f"/broker/suggestions/{a.id}/accept", f"/broker/suggestions/{b.id}/accept"
    data = _form(client.get(f"/broker/suggestions/{a.id}").get_data(as_text=True), url_a)
    assert client.post(url_a, data=data).status_code == 302
    resp = client.post(url_b, data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-1500:]
    page = _flashes(client, resp)
    assert "已采纳该推荐" in page and "未重复处理" not in page
    db.session.expire_all()
    assert db.session.get(MatchSuggestion, b.id).status == "accepted"


def test_a_pair_key_sent_for_another_action_on_the_same_pair_is_not_a_repeat(client, auth):
    """采纳's key sent with 驳回 on the same (now accepted) pair: refused as the stale form it is, not told
    "该推荐已由您的上一次提交驳回，未重复处理"."""
    broker = auth.login("broker")
    (a,) = _pairs(broker, 1)
    url = f"/broker/suggestions/{a.id}/accept"
    data = _form(client.get(f"/broker/suggestions/{a.id}").get_data(as_text=True), url)
    assert client.post(url, data=data).status_code == 302
    resp = client.post(f"/broker/suggestions/{a.id}/reject", data=dict(data, reason="off_topic", note="方向不符"))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "未重复处理" not in body, (resp.status_code, body[-1500:])
    db.session.expire_all()
    assert db.session.get(MatchSuggestion, a.id).status == "accepted"


def test_a_repeat_on_the_same_pair_is_still_a_repeat(client, auth):
    """The same form sent twice (a double click) is still answered 303 with 未重复处理."""
    broker = auth.login("broker")
    (a,) = _pairs(broker, 1)
    url = f"/broker/suggestions/{a.id}/accept"
    data = _form(client.get(f"/broker/suggestions/{a.id}").get_data(as_text=True), url)
    assert client.post(url, data=data).status_code == 302
    resp = client.post(url, data=data)
    assert resp.status_code == 303
    assert "该推荐已由您的上一次提交采纳，未重复处理" in _flashes(client, resp)


def _case(ent, serial="201910123456"):
    """An open case; two open at once pledge different patents (the same one is refused: apply_for)."""
    data = {"patents": _valid_patent(serial), "amount_wanted": Decimal(100), "term_months": 6}
    return financing.apply_for(ent, data)


def test_a_financing_step_key_sent_for_another_case_records_that_case(client, auth):
    """登记评估结果 on case A, then the same form (its key) for case B: B's step is recorded, not
    "该操作已提交过，未重复登记"."""
    p = _partners()
    ent = make_user("enterprise")
    a, b = _case(ent), _case(ent, "201910123457")
    auth.login("broker")
    data = _appraise_form(client.get(f"/financing/{a.id}").get_data(as_text=True), p["appraiser"].id)
    assert client.post(f"/financing/{a.id}/move", data=data).status_code == 302
    resp = client.post(f"/financing/{b.id}/move", data=data)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-1500:]
    page = _flashes(client, resp)
    assert "未重复登记" not in page and "已登记评估结果" in page, page[-2000:]
    db.session.expire_all()
    assert db.session.get(FinancingCase, b.id).status == "appraised"
    assert db.session.scalar(db.select(db.func.count(FinancingStep.id)).filter_by(case_id=b.id)) == 1


def test_a_financing_step_key_of_another_case_on_a_moved_case_is_not_a_repeat(client, auth):
    """Case B moved on by someone else; case A's used key sent with B's (no longer offered) step: told B's state,
    not that this submit was recorded already."""
    p = _partners()
    ent = make_user("enterprise")
    a, b = _case(ent), _case(ent, "201910123457")
    other = make_user("broker")
    auth.login("broker")
    data = _appraise_form(client.get(f"/financing/{a.id}").get_data(as_text=True), p["appraiser"].id)
    assert client.post(f"/financing/{a.id}/move", data=data).status_code == 302
    financing.move(b, "appraise", other, {"partner_id": p["appraiser"].id, "appraised_value": Decimal(600)})
    resp = client.post(f"/financing/{b.id}/move", data=data)
    page = _flashes(client, resp)
    assert "未重复登记" not in page and "不能进行该操作" in page, page[-2000:]


def test_a_financing_step_key_sent_with_another_step_is_not_a_repeat(client, auth):
    """登记评估结果's key sent with 登记未通过 on the same case: the refusal is recorded, not "未重复登记"."""
    p = _partners()
    a = _case(make_user("enterprise"))
    auth.login("broker")
    data = _appraise_form(client.get(f"/financing/{a.id}").get_data(as_text=True), p["appraiser"].id)
    assert client.post(f"/financing/{a.id}/move", data=data).status_code == 302
    refusal = {
        "action": "refuse",
        "expected": "appraised",
        "note": "评估价值不足",
        "submission_key": data["submission_key"],
    }
    resp = client.post(f"/financing/{a.id}/move", data=refusal)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-1500:]
    assert "未重复登记" not in _flashes(client, resp)
    db.session.expire_all()
    assert db.session.get(FinancingCase, a.id).status == "refused"


def test_the_pair_page_event_form_sent_again_for_another_event_records_that_event(client, auth):
    """记入活动 with event X, then the same form (its key) with event Y chosen: recorded at Y too, not told
    "该配对已由您的上一次提交记入活动「Y」，未重复处理"."""
    from datetime import datetime

    from matchmaker.models import Event

    broker = auth.login("broker")
    (a,) = _pairs(broker, 1)
    x, y = (Event(title=t, starts_at=datetime(2026, 11, d, 9), place="会议室", created_by_id=broker.id)
            for t, d in (("储能对接会", 5), ("电池专场", 6)))  # fmt: skip
    db.session.add_all([x, y])
    db.session.commit()
    url = f"/broker/suggestions/{a.id}/event"
    data = _form(client.get(f"/broker/suggestions/{a.id}").get_data(as_text=True), url)
    assert client.post(url, data=dict(data, event_id=str(x.id))).status_code == 302
    resp = client.post(url, data=dict(data, event_id=str(y.id)))
    assert resp.status_code == 302, resp.get_data(as_text=True)[-1500:]
    assert "已记入活动「电池专场」" in _flashes(client, resp)
    db.session.expire_all()
    assert [e.id for e in db.session.get(Event, y.id).suggestions] == [a.id]


def test_one_key_sent_for_two_pairs_at_the_same_moment_acts_on_both(file_app):
    """The same key with 采纳 of two pairs at once: the second waits for the first's key, finds it was another
    pair's, and accepts its own pair (it was answered as a repeat of the first, its pair left as it was)."""
    from matchmaker.brokers import services
    from matchmaker.models import User
    from matchmaker.utils import once

    from ..races import at_once

    with file_app.app_context():
        broker = make_user("broker")
        sids, bid = [s.id for s in _pairs(broker)], broker.id
        db.session.remove()

    def call(sid):
        def prepare():
            s, actor = db.session.get(MatchSuggestion, sid), db.session.get(User, bid)
            s.status, s.need.title, s.result.title, actor.id  # noqa: B018 - the page had read them
            return lambda: services.accept(s, actor, "suggested", key="k" * 32)

        return prepare

    outcomes = at_once(file_app, [call(sid) for sid in sids], (services.BrokerError, once.Repeat))
    assert outcomes == ["ok", "ok"], outcomes
    with file_app.app_context():
        assert [db.session.get(MatchSuggestion, sid).status for sid in sids] == ["accepted", "accepted"]
        db.session.remove()
