"""An old page's form sent after the record moved (后退 and submit, a tab left open): another broker rejected the
pair, or the pair failed, before this broker's 采纳 or 登记合同. Refused in Chinese, the other's move kept, nothing
recorded twice or lost."""

from matchmaker.extensions import db
from matchmaker.models import Contract, MatchSuggestion

from ..contracts.test_contracts import GOOD
from ..page_form import form_values
from .test_pair_actions_at_once import _client, _form, _pair, _state


def test_accept_from_a_page_loaded_before_another_broker_rejected_the_pair(file_app):
    ids = _pair(file_app, assigned=False)
    b1, b2 = _client(file_app, ids["b1_email"]), _client(file_app, ids["b2_email"])
    accept, reject = (f"/broker/suggestions/{ids['s']}/{a}" for a in ("accept", "reject"))
    old = _form(b1.get(f"/broker/suggestions/{ids['s']}").get_data(as_text=True), accept)
    data = _form(b2.get(f"/broker/suggestions/{ids['s']}").get_data(as_text=True), reject)
    assert b2.post(reject, data=data | {"reason": "off_topic", "note": "方向不符"}).status_code == 302
    resp = b1.post(accept, data=old, follow_redirects=True)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "该推荐已分配给其他经纪人，只有该经纪人或管理员可以操作" in body
    assert "已驳回" in body  # the pair's page, its history showing the other's move
    st = _state(file_app, ids)
    assert st["status"] == "rejected" and st["moves"] == ["rejected"]
    assert st["told"] == {"ent": 0, "res": 0, "b1": 0}


def test_a_contract_from_a_page_loaded_before_the_pair_failed(file_app):
    ids = _pair(file_app, status="introduced")
    b1 = _client(file_app, ids["b1_email"])
    page = b1.get(f"/contracts/new?suggestion_id={ids['s']}").get_data(as_text=True)
    assert "储能电池热管理" in page or "电池热失控预警技术" in page
    with file_app.app_context():
        db.session.get(MatchSuggestion, ids["s"]).status = "failed"
        db.session.commit()
        db.session.remove()
    form = form_values(page, "suggestion_id") | GOOD | {"title": "回放的合同"}
    assert form["suggestion_id"] == str(ids["s"])
    resp = b1.post("/contracts/new", data=form)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "不能从该推荐登记合同" in body, body[-2000:]
    assert "回放的合同" in body  # what was typed stays on the page
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Contract.id))) == 0
        db.session.remove()
