"""A 跟进 on a closed pair nobody holds (signed, failed; or released when its broker left): it took the pair into the
writer's queue, rewriting who handled the ended deal, where 认领 and 分配 are refused there. The page offers 跟进 on
signed and failed pairs (after-care, why a deal fell through), so it is still recorded, under its writer, and the
pair keeps nobody; an open pair nobody holds is still taken by the broker who follows it up."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import FollowUp
from matchmaker.utils import clock

from ..factories import make_need, make_result, make_suggestion
from ..page_form import form_values
from .conftest import moves, reload


def _follow_up(client, s, note):
    data = {"kind": "call", "happened_on": clock.today().isoformat(), "note": note}
    return client.post(f"/broker/suggestions/{s.id}/follow-ups", data=data)


def _notes(s):
    return [(f.broker_id, f.note) for f in db.session.scalars(db.select(FollowUp).filter_by(suggestion_id=s.id))]


@pytest.mark.parametrize("status", ["signed", "failed"])
def test_a_follow_up_on_a_closed_pair_is_recorded_without_taking_it(client, auth, sides, status):
    """Saved under the broker who wrote it; the pair stays with nobody, at its status, its timeline unchanged."""
    s = make_suggestion(make_need(), make_result(), status=status)
    history = moves(s)
    auth.login(sides["b2"])
    resp = _follow_up(client, s, "回访：合同履行顺利")
    assert resp.status_code == 302
    assert _notes(s) == [(sides["b2"].id, "回访：合同履行顺利")]
    s = reload(s)
    assert (s.status, s.assigned_broker_id) == (status, None) and moves(s) == history
    assert "回访：合同履行顺利" in client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)


def test_a_follow_up_on_a_closed_pair_keeps_the_broker_who_handled_it(client, auth, sides):
    """An admin's 跟进 on a failed pair of broker 1 leaves it with broker 1."""
    s = make_suggestion(make_need(), make_result(), broker=sides["b1"], status="failed")
    admin = auth.login("admin")
    assert _follow_up(client, s, "企业预算不足").status_code == 302
    assert _notes(s) == [(admin.id, "企业预算不足")] and reload(s).assigned_broker_id == sides["b1"].id


def test_a_follow_up_on_a_rejected_pair_is_still_refused(client, auth, sides):
    """A rejected pair takes no 跟进 at all (its page offers none), as before."""
    s = make_suggestion(make_need(), make_result(), status="rejected")
    auth.login(sides["b2"])
    resp = _follow_up(client, s, "试图跟进")
    assert resp.status_code == 409 and "已驳回的推荐不能再记录跟进" in resp.get_data(as_text=True)
    assert _notes(s) == [] and reload(s).assigned_broker_id is None


@pytest.mark.parametrize("status", ["suggested", "accepted", "introduced", "negotiating"])
def test_a_follow_up_on_an_open_pair_nobody_holds_still_takes_it(client, auth, sides, status):
    """An open pair nobody holds goes to the broker who follows it up, as before."""
    s = make_suggestion(make_need(), make_result(), status=status)
    auth.login(sides["b2"])
    assert _follow_up(client, s, "电话确认意向").status_code == 302
    assert _notes(s) == [(sides["b2"].id, "电话确认意向")]
    assert (reload(s).status, reload(s).assigned_broker_id) == (status, sides["b2"].id)


def test_the_follow_up_form_starts_at_today_and_a_cleared_date_is_still_refused(client, auth, sides):
    """The required 日期 started empty, so a broker picked today for every 跟进; it starts at today, and emptying
    it still says 请填写跟进日期 with the note kept, nothing saved."""
    s = make_suggestion(make_need(), make_result(), status="accepted")
    auth.login(sides["b2"])
    page = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    sent = form_values(page, "happened_on")
    assert sent["happened_on"] == clock.today().isoformat()
    resp = client.post(f"/broker/suggestions/{s.id}/follow-ups", data={**sent, "happened_on": "", "note": "电话沟通"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "请填写跟进日期" in body and "电话沟通" in body and _notes(s) == []
