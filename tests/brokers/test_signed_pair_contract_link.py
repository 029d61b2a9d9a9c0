"""A signed pair's page links the contract recorded from it, not the whole contract list."""

from matchmaker.extensions import db

from ..factories import make_contract


def _signed(sides):
    """The sides' pair, signed."""
    s = sides["s"]
    s.status = "signed"
    db.session.commit()
    return s


def test_a_signed_pair_links_its_own_contract(client, auth, sides):
    """查看技术合同 opens the pair's contract (a voided one is not offered); before, it opened 技术合同's full list."""
    s = _signed(sides)
    c = make_contract(suggestion_id=s.id, broker_id=sides["b1"].id, contract_no="HT-PAIR-1")
    make_contract(suggestion_id=s.id, broker_id=sides["b1"].id, contract_no="HT-VOID-1", voided=True)
    auth.login(sides["b1"])
    page = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert f'<a href="/contracts/{c.id}">查看技术合同 HT-PAIR-1</a>' in page
    assert "HT-VOID-1" not in page
    assert client.get(f"/contracts/{c.id}").status_code == 200


def test_a_contract_the_broker_cannot_open_is_not_linked(client, auth, sides):
    """The pair's contract credited to another broker (it would answer 404 to this one): the list link stays."""
    s = _signed(sides)
    make_contract(suggestion_id=s.id, broker_id=sides["b2"].id, contract_no="HT-PAIR-2")
    auth.login(sides["b1"])
    page = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert "HT-PAIR-2" not in page and '<a href="/contracts/">查看技术合同</a>' in page
