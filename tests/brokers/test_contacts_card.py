"""The contacts card of someone else's listing offers a way to act, not only "ask a broker"."""

import re

from ..factories import make_need, make_result, make_user
from .conftest import reload


def _card(body):
    return re.search(r'id="contacts".*?</div></div>', body, re.S).group(0)


def test_a_visitor_is_offered_the_login_coming_back_to_the_listing(client, sides):
    """Anonymous: a login link returning to this need, and registration."""
    card = _card(client.get(f"/needs/{sides['need'].id}").get_data(as_text=True))
    assert f'href="/auth/login?next=/needs/{sides["need"].id}"' in card and 'href="/auth/register"' in card
    assert "13800009999" not in card


def test_the_other_side_of_a_pair_asks_for_the_introduction_from_the_card(client, auth, sides):
    """The researcher whose result the matcher paired with the need asks a broker from the need's page."""
    need, s = sides["need"], sides["s"]
    auth.login(sides["res"])
    card = _card(client.get(f"/needs/{need.id}").get_data(as_text=True))
    assert "电池热失控预警技术" in card and f'action="/broker/suggestions/{s.id}/request"' in card
    resp = client.post(f"/broker/suggestions/{s.id}/request", data={"next": f"/needs/{need.id}#contacts"})
    assert resp.status_code == 302 and resp.location.endswith(f"/needs/{need.id}#contacts")
    assert reload(s).owner_requested_at is not None
    card = _card(client.get(f"/needs/{need.id}").get_data(as_text=True))
    assert "请经纪人牵线。" in card and "查看对接进展" in card and "/request" not in card
    assert f'href="/results/{sides["result"].id}#s{s.id}"' in card


def test_the_enterprise_sees_its_pair_from_the_results_page(client, auth, sides):
    """The same from the result's side: the enterprise's need is named, with the button."""
    auth.login(sides["ent"])
    card = _card(client.get(f"/results/{sides['result'].id}").get_data(as_text=True))
    assert "储能电池热管理" in card and f'action="/broker/suggestions/{sides["s"].id}/request"' in card


def test_without_a_pair_the_card_says_how_to_get_one(client, auth, sides):
    """A researcher with no pair for the need is pointed to publishing a result; the same side gets no button."""
    auth.login(make_user("researcher"))
    card = _card(client.get(f"/needs/{sides['need'].id}").get_data(as_text=True))
    assert 'href="/results/new"' in card and "/request" not in card
    auth.logout()
    other = make_need(user=make_user("enterprise"), title="别家需求")
    make_result(user=sides["res"], title="无关成果")
    auth.login(sides["ent"])
    card = _card(client.get(f"/needs/{other.id}").get_data(as_text=True))
    assert "/request" not in card and "/new" not in card
