"""The need and result a contract names, the same whether it was recorded naming them or edited to name them
(listings.lifecycle's ``contract_names``, one owner for both): found 2026-12, an edit naming a need solved nothing
and held nothing, where recording the same contract solved its pair's need. A pair's contract names its pair's
need and result for good (an edit naming others is refused: test_pair_listings.py)."""

from matchmaker.extensions import db
from matchmaker.models import AuditLog, Contract, MatchSuggestion, Result, TechNeed

from ..factories import make_user
from ..needs.helpers import need as published_need
from ..needs.helpers import result as published_result
from .test_contracts import GOOD


def status_of(model, listing_id):
    db.session.expire_all()
    return db.session.get(model, listing_id).status


def edit(client, contract_id, data, **changes):
    """Post the edit form of the contract as loaded now, with ``changes``."""
    c = db.session.get(Contract, contract_id)
    db.session.refresh(c)
    return client.post(f"/contracts/{c.id}/edit", data=dict(data, version=str(c.version), **changes))


def test_a_pairs_contract_solves_its_need_and_an_edit_naming_another_leaves_both_as_they_were(client, auth):
    """Recorded from a pair, the contract solves the pair's need, audited as the contract's move. An edit naming
    another need is refused (a pair's contract keeps the pair's need and result: test_pair_listings.py): that need
    stays 已发布, the pair's 已解决, and its owner may not reopen it while the contract is live."""
    owner, broker = make_user("enterprise"), make_user("broker")
    need, result, other = published_need(user=owner), published_result(), published_need()
    s = MatchSuggestion(need_id=need.id, result_id=result.id, status="negotiating", assigned_broker_id=broker.id)
    db.session.add(s)
    db.session.commit()
    ids = dict(need=need.id, result=result.id, other=other.id)
    auth.login(broker)
    data = dict(GOOD, buyer_name=need.organization.name, seller_name=result.organization.name,
                suggestion_id=str(s.id), need_id=str(need.id), result_id=str(result.id), broker_id=str(broker.id))  # fmt: skip
    assert client.post("/contracts/new", data=data).status_code == 302
    contract_id = db.session.scalars(db.select(Contract.id)).one()
    assert status_of(TechNeed, ids["need"]) == "solved"
    row = db.session.scalars(
        db.select(AuditLog).filter_by(entity="tech_need", entity_id=ids["need"], action="status").order_by(AuditLog.id)
    ).all()[-1]
    assert (row.actor_id, row.before, row.after) == (broker.id, {"status": "published"},
                                                     {"status": "solved", "action": "contract"})  # fmt: skip

    assert edit(client, contract_id, data, need_id=str(ids["other"])).status_code == 400
    db.session.expire_all()
    assert db.session.get(Contract, contract_id).need_id == ids["need"]
    assert status_of(TechNeed, ids["need"]) == "solved"
    assert status_of(TechNeed, ids["other"]) == "published"
    assert status_of(Result, ids["result"]) == "published"
    auth.logout()
    auth.login(owner)
    refused = client.post(f"/needs/{ids['need']}/status", data={"action": "reopen"}, follow_redirects=True)
    assert "该需求仍有未作废的技术合同，不能重新开放" in refused.get_data(as_text=True)


def test_a_contract_edited_to_name_another_need_and_result_leaves_them_as_recording_would(client, auth):
    """A contract recorded without a pair, edited to name another need and result: both keep their status, as
    recording it so would have; the ones it named before keep theirs."""
    broker = auth.login("broker")
    first_need, first_result = published_need(), published_result()
    need, result = published_need(), published_result()
    ids = dict(first_need=first_need.id, first_result=first_result.id, need=need.id, result=result.id)
    data = dict(GOOD, need_id=str(ids["first_need"]), result_id=str(ids["first_result"]), broker_id=str(broker.id))
    assert client.post("/contracts/new", data=data).status_code == 302
    contract_id = db.session.scalars(db.select(Contract.id)).one()
    resp = edit(client, contract_id, data, need_id=str(ids["need"]), result_id=f"#{ids['result']}")
    assert resp.status_code == 302
    db.session.expire_all()
    c = db.session.get(Contract, contract_id)
    assert (c.need_id, c.result_id) == (ids["need"], ids["result"])
    for model, key in ((TechNeed, "need"), (Result, "result"), (TechNeed, "first_need"), (Result, "first_result")):
        assert status_of(model, ids[key]) == "published", key
