"""/contracts/new?suggestion_id= for a pair signed already: the refusal names the contract recorded from it."""

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion

from ..factories import make_contract, make_need, make_result, make_user


def test_a_signed_pair_s_refusal_names_its_contract_and_links_the_one_the_broker_may_open(client, auth):
    """Found 2026-12-07: the page said only "「已签约」状态的推荐不能标记为已签约", and the broker had to hunt for
    the contract. It now names each live contract of the pair (number and title), linked when the broker may open
    it; a contract credited to another broker is named but not linked, and a voided one is not named."""
    broker = auth.login("broker")
    other = make_user("broker")
    s = MatchSuggestion(need_id=make_need().id, result_id=make_result().id, status="signed",
                        assigned_broker_id=broker.id)  # fmt: skip
    db.session.add(s)
    db.session.commit()
    mine = make_contract(suggestion_id=s.id, contract_no="HT-2026-018", title="储能隔膜技术转让", broker_id=broker.id)
    theirs = make_contract(suggestion_id=s.id, contract_no="HT-2026-019", title="隔膜涂覆服务", broker_id=other.id)
    make_contract(suggestion_id=s.id, contract_no="HT-2026-017", title="作废的那份", voided=True, void_reason="重复")
    page = client.get(f"/contracts/new?suggestion_id={s.id}").get_data(as_text=True)
    assert "不能从该推荐登记合同：「已签约」状态的推荐不能标记为已签约" in page
    assert f'<a href="/contracts/{mine.id}">HT-2026-018「储能隔膜技术转让」</a>' in page
    assert "HT-2026-019「隔膜涂覆服务」" in page and f'href="/contracts/{theirs.id}"' not in page
    assert "HT-2026-017" not in page
    assert client.get(f"/contracts/{mine.id}").status_code == 200
