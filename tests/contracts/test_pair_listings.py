"""A contract recorded from a pair keeps the pair's need and result when edited: found 2026-12, an edit could name
another need or result, leaving the pair 已签约 and its need 已解决 for a contract that no longer named them. The
form shows them read-only; a posted change (a tampered form) is refused. A contract without a pair still names
what it likes (test_named_listings.py)."""

import re

import pytest

from matchmaker.extensions import db
from matchmaker.models import Contract, MatchSuggestion, Result, TechNeed

from ..factories import make_user
from ..needs.helpers import need as published_need
from ..needs.helpers import result as published_result
from .test_contracts import GOOD
from .test_named_listings import edit, status_of

NOTE = "登记的合同，需求与成果不可更改；如登记有误请作废后重新登记"


def pairs_contract(client, auth):
    """A broker logged in, a contract recorded from their negotiating pair: (ids, form data as recorded)."""
    broker = make_user("broker")
    need, result = published_need(), published_result()
    other_need, other_result = published_need(), published_result()
    s = MatchSuggestion(need_id=need.id, result_id=result.id, status="negotiating", assigned_broker_id=broker.id)
    db.session.add(s)
    db.session.commit()
    auth.login(broker)
    data = dict(GOOD, buyer_name=need.organization.name, seller_name=result.organization.name,
                suggestion_id=str(s.id), need_id=str(need.id), result_id=str(result.id), broker_id=str(broker.id))  # fmt: skip
    assert client.post("/contracts/new", data=data).status_code == 302
    ids = dict(suggestion=s.id, need=need.id, result=result.id, other_need=other_need.id,
               other_result=other_result.id, contract=db.session.scalars(db.select(Contract.id)).one())  # fmt: skip
    return ids, data


def test_the_edit_page_of_a_pairs_contract_shows_its_need_and_result_read_only(client, auth):
    """Titles and the reason shown, the ids posted as stored (hidden), no box to type another number in."""
    ids, _ = pairs_contract(client, auth)
    page = client.get(f"/contracts/{ids['contract']}/edit").get_data(as_text=True)
    assert f"由推荐 #{ids['suggestion']} {NOTE}" in page
    assert db.session.get(TechNeed, ids["need"]).title in page
    assert db.session.get(Result, ids["result"]).title in page
    assert f'<input type="hidden" name="need_id" value="{ids["need"]}">' in page
    assert f'<input type="hidden" name="result_id" value="{ids["result"]}">' in page
    assert 'id="need_id"' not in page and 'id="result_id"' not in page
    assert "保存后该推荐将标记为" not in page  # what recording it did, not what this save does


@pytest.mark.parametrize(
    "changes",
    [{"need_id": "other_need"}, {"result_id": "other_result"}, {"need_id": ""}, {"result_id": ""}],
    ids=["another need", "another result", "no need", "no result"],
)
def test_a_posted_change_of_a_pairs_need_or_result_is_refused(client, auth, changes):
    """A tampered form: 400 with the reason, nothing saved (the listings' statuses as recording left them), and
    what was typed in the other fields still in the form."""
    ids, data = pairs_contract(client, auth)
    before = db.session.get(Contract, ids["contract"])
    version = before.version
    posted = {k: str(ids[v]) if v else "" for k, v in changes.items()}
    resp = edit(client, ids["contract"], data, title="改过的合同名称", note="新的备注", amount="600", **posted)
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert f"未保存：由推荐 #{ids['suggestion']} {NOTE}" in page
    assert 'value="改过的合同名称"' in page and "新的备注" in page and 'value="600"' in page
    assert f'<input type="hidden" name="need_id" value="{ids["need"]}">' in page  # the stored one, to resubmit
    db.session.expire_all()
    c = db.session.get(Contract, ids["contract"])
    assert (c.need_id, c.result_id, c.version, c.title, c.note) == (
        ids["need"],
        ids["result"],
        version,
        GOOD["title"],
        "",
    )
    assert db.session.get(MatchSuggestion, ids["suggestion"]).status == "signed"
    assert status_of(TechNeed, ids["need"]) == "solved"
    assert status_of(TechNeed, ids["other_need"]) == "published"


def test_an_edit_of_a_pairs_contract_keeping_its_need_and_result_saves(client, auth):
    """The page's own post (need and result as the page holds them) saves the other fields."""
    ids, data = pairs_contract(client, auth)
    page = client.get(f"/contracts/{ids['contract']}/edit").get_data(as_text=True)
    held = dict(re.findall(r'<input type="hidden" name="(need_id|result_id)" value="([^"]*)">', page))
    assert held == {"need_id": str(ids["need"]), "result_id": str(ids["result"])}
    resp = edit(client, ids["contract"], data, title="改过的合同名称", amount="600", **held)
    assert resp.status_code == 302
    db.session.expire_all()
    c = db.session.get(Contract, ids["contract"])
    assert (c.title, str(c.amount), c.need_id, c.result_id) == (
        "改过的合同名称",
        "6000000.00",
        ids["need"],
        ids["result"],
    )
    assert db.session.get(MatchSuggestion, ids["suggestion"]).status == "signed"
    assert status_of(TechNeed, ids["need"]) == "solved"


def test_a_contract_without_a_pair_still_edits_its_need_and_result(client, auth):
    """Typed boxes on the page, and a change saved."""
    broker = auth.login("broker")
    need, result, other_need, other_result = published_need(), published_result(), published_need(), published_result()
    ids = dict(other_need=other_need.id, other_result=other_result.id)
    data = dict(GOOD, need_id=str(need.id), result_id=str(result.id), broker_id=str(broker.id))
    assert client.post("/contracts/new", data=data).status_code == 302
    contract_id = db.session.scalars(db.select(Contract.id)).one()
    page = client.get(f"/contracts/{contract_id}/edit").get_data(as_text=True)
    assert 'id="need_id"' in page and 'id="result_id"' in page and NOTE not in page
    resp = edit(client, contract_id, data, need_id=str(ids["other_need"]), result_id=str(ids["other_result"]))
    assert resp.status_code == 302
    db.session.expire_all()
    c = db.session.get(Contract, contract_id)
    assert (c.need_id, c.result_id) == (ids["other_need"], ids["other_result"])
