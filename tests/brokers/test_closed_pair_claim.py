"""A broker's 认领 of a closed pair nobody holds (rejected by an admin, signed, failed, or released when its broker
left): it put the ended deal in their queue, rewriting who handled it, where an admin's 分配 is refused. Now refused
in Chinese by the pipeline, the page answering 409 with the message and the pair left as it was; the pair's
page offers no 认领 there (the lists offer it on pending pairs only)."""

import pytest

from ..factories import make_need, make_result, make_suggestion
from .conftest import moves, reload


def _row(s):
    s = reload(s)
    return s.status, s.assigned_broker_id, s.last_activity_at, s.decided_by_id


@pytest.mark.parametrize("status", ["rejected", "signed", "failed"])
def test_a_closed_pair_is_not_claimed(client, auth, sides, status):
    """The 认领 POST answers 409 with the refusal on the pair's page; status, broker and timeline stay."""
    s = make_suggestion(make_need(), make_result(), status=status)
    before, history = _row(s), moves(s)
    auth.login(sides["b2"])
    resp = client.post(f"/broker/suggestions/{s.id}/claim")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "的推荐已结束，不能再认领" in body and "已认领，该推荐进入您的队列" not in body
    assert _row(s) == before and before[1] is None
    assert moves(s) == history


@pytest.mark.parametrize("status", ["suggested", "accepted", "introduced", "negotiating"])
def test_an_open_pair_nobody_holds_is_still_claimed(client, auth, sides, status):
    """Open pairs (a departed broker's released ones too) are claimed as before."""
    s = make_suggestion(make_need(), make_result(), status=status)
    auth.login(sides["b2"])
    resp = client.post(f"/broker/suggestions/{s.id}/claim")
    assert resp.status_code == 302
    assert reload(s).assigned_broker_id == sides["b2"].id and reload(s).status == status


def _claim_button(client, s):
    return f'action="/broker/suggestions/{s.id}/claim"' in client.get(f"/broker/suggestions/{s.id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize("status", ["rejected", "signed", "failed"])
def test_the_page_of_a_closed_pair_offers_no_claim(client, auth, sides, status):
    """A closed pair nobody holds: its page shows no 认领 (pressing it was refused), as it shows no 分配."""
    s = make_suggestion(make_need(), make_result(), status=status)
    auth.login(sides["b2"])
    assert not _claim_button(client, s)
    body = client.get("/broker/pipeline?assigned=all&status=").get_data(as_text=True)
    assert f'id="s{s.id}"' in body or status == "rejected"  # listed (rejected pairs are not, by default)
    assert f"/broker/suggestions/{s.id}/claim" not in body


@pytest.mark.parametrize("status", ["suggested", "accepted", "introduced", "negotiating"])
def test_the_page_of_an_open_pair_nobody_holds_offers_claim(client, auth, sides, status):
    """An open pair nobody holds still offers 认领 on its page (to a broker, not to an admin)."""
    s = make_suggestion(make_need(), make_result(), status=status)
    auth.login(sides["b2"])
    assert _claim_button(client, s)
    auth.logout()
    auth.login("admin")
    assert not _claim_button(client, s)
