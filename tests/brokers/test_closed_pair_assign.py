"""An admin's 分配 on a closed pair (signed, failed, rejected): it moved the pair to another broker, or to nobody with
（不分配）, rewriting who handled the closed deal (the workbench's and the reports' counts per broker with it). Now
refused in Chinese, and the page offers no 分配 on a closed pair; open pairs are assigned as before."""

import pytest

from ..factories import make_need, make_result, make_suggestion
from .conftest import reload


@pytest.mark.parametrize("status", ["signed", "failed", "rejected"])
@pytest.mark.parametrize("target", ["b2", "none"])
def test_a_closed_pair_keeps_its_broker(client, auth, sides, status, target):
    s = make_suggestion(make_need(), make_result(), broker=sides["b1"], status=status)
    auth.login("admin")
    assert 'aria-label="分配经纪人"' not in client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    broker_id = sides["b2"].id if target == "b2" else 0
    resp = client.post(f"/broker/suggestions/{s.id}/assign", data={"broker_id": str(broker_id)})
    assert resp.status_code == 409 and "的推荐已结束，不能再分配或取消分配经纪人" in resp.get_data(as_text=True)
    assert reload(s).assigned_broker_id == sides["b1"].id


def test_an_open_pair_is_still_assigned(client, auth, sides):
    s = make_suggestion(make_need(), make_result(), broker=sides["b1"], status="negotiating")
    auth.login("admin")
    assert 'aria-label="分配经纪人"' in client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    resp = client.post(f"/broker/suggestions/{s.id}/assign", data={"broker_id": str(sides["b2"].id)})
    assert resp.status_code == 302 and reload(s).assigned_broker_id == sides["b2"].id
