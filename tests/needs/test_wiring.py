"""Needs pages wired to matching and brokers: near-duplicate warning, suggestions on the page."""

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion, TechNeed

from ..factories import make_user
from .helpers import NEED_FORM, need, result


def count_needs():
    return db.session.scalar(db.select(db.func.count(TechNeed.id)))


def test_nearly_identical_need_of_same_organisation_is_warned_before_publishing(client, auth):
    """The second, near-identical submission shows a warning with a link; confirming publishes it."""
    user = auth.login("enterprise")
    assert client.post("/needs/new", data=NEED_FORM).status_code == 302
    first = db.session.scalar(db.select(TechNeed))
    before = count_needs()
    resp = client.post("/needs/new", data=NEED_FORM)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "高度相似" in body and f"/needs/{first.id}" in body
    assert NEED_FORM["problem"] in body  # what was typed is kept
    assert count_needs() == before
    resp = client.post("/needs/new", data=dict(NEED_FORM, confirm_duplicate="1"))
    assert resp.status_code == 302
    assert count_needs() == before + 1
    assert user.organization_id == first.organization_id


def test_different_organisation_is_not_warned(client, auth):
    other = make_user("enterprise")
    need(user=other, title=NEED_FORM["title"], problem=NEED_FORM["problem"], keywords=NEED_FORM["keywords"])
    auth.login("enterprise")
    assert client.post("/needs/new", data=NEED_FORM).status_code == 302


def _pair():
    owner = make_user("enterprise")
    n = need(user=owner, title="锂电池热失控预警算法", problem="储能柜锂电池热失控早期预警，需要电压温度多传感器融合算法",
             keywords="锂电池,热失控,预警")  # fmt: skip
    r = result(title="锂电池热失控早期预警技术", abstract="基于多传感器融合的锂电池热失控预警算法，提前十分钟报警",
               keywords="锂电池,热失控,传感器融合")  # fmt: skip
    s = MatchSuggestion(need_id=n.id, result_id=r.id, score=0.62, reasons=[["热失控", 0.3], ["锂电池", 0.2]])
    db.session.add(s)
    db.session.commit()
    return owner, n, r, s


def test_broker_sees_suggestions_with_reasons_on_need_page(client, auth):
    _, n, r, _ = _pair()
    auth.login("broker")
    body = client.get(f"/needs/{n.id}").get_data(as_text=True)
    assert "匹配的科技成果" in body and f'href="/results/{r.id}"' in body
    assert '<mark class="match-term match-lex">热失控</mark>' in body  # matched terms highlighted


def test_owner_sees_suggested_and_accepted_pairs_and_others_see_none(client, auth, app):
    owner, n, r, s = _pair()
    auth.login(owner)
    body = client.get(f"/needs/{n.id}").get_data(as_text=True)
    # The matcher's suggestion is shown to its owner with the button to ask a broker to introduce it.
    assert "平台匹配与经纪人推荐" in body and f"/results/{r.id}" in body and "请经纪人牵线" in body
    s.status = "accepted"
    db.session.commit()
    body = client.get(f"/needs/{n.id}").get_data(as_text=True)
    assert f"/results/{r.id}" in body and "热失控" in body
    stranger = app.test_client()
    other = make_user("enterprise")
    stranger.post("/auth/login", data={"email": other.email, "password": "password123"})
    body = stranger.get(f"/needs/{n.id}").get_data(as_text=True)
    assert "平台匹配与经纪人推荐" not in body and "匹配的科技成果" not in body


def test_contacts_fall_back_to_the_author_like_the_pair_page(client, auth):
    """With no contact on the need or its organisation, staff see the author's name and e-mail."""
    owner = make_user("enterprise", name="赵刚")
    n = need(user=owner, contact_name=None, contact_phone=None, contact_email=None)
    auth.login("broker")
    body = client.get(f"/needs/{n.id}").get_data(as_text=True)
    contacts = body[body.index('id="contacts"') :]
    assert "赵刚" in contacts and owner.email in contacts
