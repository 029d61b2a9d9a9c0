"""A broker's account deactivated (they left): their open pairs stayed assigned to them, out of every other
broker's queue and pipeline, and no broker could act on them (该推荐已分配给其他经纪人) until an admin reassigned
each one. Now deactivating a broker returns their open pairs to no broker, and the admin is told how many;
closed pairs keep the broker who handled them."""

from matchmaker.extensions import db

from ..factories import make_need, make_result, make_suggestion
from .conftest import reload


def test_a_deactivated_brokers_open_pairs_go_back_to_everyone(client, auth, sides):
    b1, b2, s = sides["b1"], sides["b2"], sides["s"]
    accepted = make_suggestion(make_need(title="注塑模具冷却需求"), make_result(title="随形冷却流道成果"),
                               broker=b1, status="accepted")  # fmt: skip
    rejected = make_suggestion(make_need(), make_result(), broker=b1, status="rejected")
    auth.login("admin")
    resp = client.post(f"/admin/users/{b1.id}/active", data={"active": "0"}, follow_redirects=True)
    assert "其 2 条进行中的对接已退回未分配" in resp.get_data(as_text=True)
    assert [reload(x).assigned_broker_id for x in (s, accepted, rejected)] == [None, None, b1.id]
    auth.logout()

    auth.login(b2)
    assert "储能电池热管理" in client.get("/broker/").get_data(as_text=True)
    assert "注塑模具冷却需求" in client.get("/broker/pipeline?assigned=mine_or_free").get_data(as_text=True)
    resp = client.post(f"/broker/suggestions/{s.id}/accept", data={"expected": "suggested"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert (reload(s).status, reload(s).assigned_broker_id) == ("accepted", b2.id)


def test_deactivating_another_account_moves_no_pairs(client, auth, sides):
    auth.login("admin")
    resp = client.post(f"/admin/users/{sides['ent'].id}/active", data={"active": "0"}, follow_redirects=True)
    assert "已停用账号" in resp.get_data(as_text=True) and "退回未分配" not in resp.get_data(as_text=True)
    assert reload(sides["s"]).assigned_broker_id == sides["b1"].id


def test_a_broker_deactivated_after_their_page_loaded_cannot_claim(app, sides):
    """The broker's request read their account before the admin's 停用 committed: the claim is refused in
    Chinese and the pair stays with nobody (before: it went to the departed broker, after release_pairs ran)."""
    from matchmaker.auth import services as accounts
    from matchmaker.brokers import services
    from matchmaker.models import User

    from ..factories import make_user

    free = make_suggestion(make_need(), make_result())
    free.assigned_broker_id = None
    db.session.commit()
    b2 = sides["b2"]
    accounts.set_active(db.session.get(User, b2.id), False, make_user("admin"))
    try:
        services.claim(reload(free), b2)
    except services.BrokerError as exc:
        assert "您的账号已被停用" in str(exc)
    else:
        raise AssertionError("a deactivated broker claimed a pair")
    assert reload(free).assigned_broker_id is None
