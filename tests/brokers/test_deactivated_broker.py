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
