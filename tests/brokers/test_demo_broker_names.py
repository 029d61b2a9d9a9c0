"""The demo's brokers have plain names: pages that add the role (经纪人：…) read 经纪人：李建国, not 经纪人：经纪人李强."""

from matchmaker.demo import accounts
from matchmaker.extensions import db

from ..factories import make_need, make_result, make_suggestion


def test_the_demo_brokers_names_read_once_on_an_owners_pair_card(client, auth):
    """Seeded as in `flask demo`, each broker's name is a person's, no other demo user's, and the owner's card of a
    pair the broker accepted names them after 经纪人： once."""
    ctx = {"echo": lambda *a: None, "password": "demo12345"}
    accounts.seed(ctx)
    db.session.commit()
    brokers = ctx["users"]["broker"]
    others = {u.name for role, users in ctx["users"].items() if role != "broker" for u in users}
    assert [b.name for b in brokers] == ["李建国", "钱思远", "孙丽华"] and not others & {b.name for b in brokers}
    ent = ctx["users"]["enterprise"][0]
    need = make_need(user=ent, title="注塑件缺陷在线检测")
    make_suggestion(need, make_result(title="机器视觉缺陷检测系统"), status="accepted", broker=brokers[1])
    auth.login(ent, password="demo12345")
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "经纪人：钱思远" in page and "经纪人：经纪人" not in page
