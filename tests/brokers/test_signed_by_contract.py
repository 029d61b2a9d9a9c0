"""已签约 only through recording the pair's contract (audit 2026-12): a button moved a pair to signed without a
contract, so the need stayed public and matched, and no contract could be recorded from the pair afterwards."""

from datetime import date
from decimal import Decimal

import pytest

from matchmaker.extensions import db
from matchmaker.models import Contract, TechNeed

from ..contracts.test_contracts import GOOD
from .conftest import moves, reload


def _form(s, broker, **changes):
    need, result = s.need, s.result
    return dict(GOOD, buyer_name=need.organization.name, seller_name=result.organization.name,
                suggestion_id=str(s.id), need_id=str(need.id), result_id=str(result.id), broker_id=str(broker.id),
                **changes)  # fmt: skip


def _contracts():
    return db.session.scalar(db.select(db.func.count(Contract.id)))


def _need_status(sides):
    db.session.expire_all()
    return db.session.get(TechNeed, sides["need"].id).status


def _broker_at(auth, sides, status):
    """The pair moved to ``status``, its broker logged in; returns the pair."""
    s = sides["s"]
    s.status = status
    db.session.commit()
    auth.login(sides["b1"])
    return s


@pytest.mark.parametrize("status", ["introduced", "negotiating"])
def test_the_pair_page_offers_recording_the_contract_not_a_signed_button(client, auth, sides, status):
    s = _broker_at(auth, sides, status)
    page = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert "登记技术合同" in page
    assert "标记已签约" not in page and 'value="signed"' not in page


@pytest.mark.parametrize(("status", "said"), [("signed", "此对接已签约（"), ("failed", "此对接未成交（")])
def test_the_pair_page_says_a_closed_pair_s_status_once(client, auth, sides, status, said):
    """The label carries its own 已: the page said 此对接已已签约 and 此对接已未成交."""
    s = _broker_at(auth, sides, status)
    page = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert said in page
    assert "此对接已已" not in page and "此对接已未" not in page


@pytest.mark.parametrize("status", ["introduced", "negotiating"])
def test_a_hand_posted_move_to_signed_is_refused_and_changes_nothing(client, auth, sides, status):
    s = _broker_at(auth, sides, status)
    resp = client.post(f"/broker/suggestions/{s.id}/move", data={"expected": status, "to": "signed"})
    assert resp.status_code == 409
    assert "已签约须通过登记技术合同完成" in resp.get_data(as_text=True)
    assert reload(s).status == status and moves(s) == []
    assert _need_status(sides) == "published" and _contracts() == 0


def test_an_old_pair_signed_without_a_contract_can_have_it_recorded(client, auth, sides):
    """Old data: a pair marked 已签约 by hand. Its page offers 登记技术合同; recording solves the need, the pair
    stays signed without a second move; afterwards the button is gone and a second recording is refused."""
    s = sides["s"]
    s.status = "signed"
    db.session.commit()
    broker = auth.login(sides["b1"])
    page = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert "登记技术合同" in page and f"/contracts/new?suggestion_id={s.id}" in page
    form = client.get(f"/contracts/new?suggestion_id={s.id}").get_data(as_text=True)
    assert "不能从该推荐登记合同" not in form
    assert client.post("/contracts/new", data=_form(s, broker)).status_code == 302
    assert _contracts() == 1
    contract = db.session.scalars(db.select(Contract)).one()
    assert contract.suggestion_id == s.id
    assert reload(s).status == "signed" and moves(s) == []
    assert _need_status(sides) == "solved"
    page = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert f"/contracts/new?suggestion_id={s.id}" not in page
    again = _form(s, broker, contract_no="HT-2020-002", registration_no="2020440001000124")
    resp = client.post("/contracts/new", data=again)
    assert resp.status_code == 400 and "不能从该推荐登记合同" in resp.get_data(as_text=True)
    assert _contracts() == 1


def test_an_old_signed_pair_is_recorded_only_by_its_broker_or_an_admin(client, auth, sides):
    s = sides["s"]
    s.status = "signed"
    db.session.commit()
    other = auth.login(sides["b2"])
    resp = client.post("/contracts/new", data=_form(s, other))
    assert resp.status_code == 400 and "不能从该推荐登记合同" in resp.get_data(as_text=True)
    assert _contracts() == 0 and _need_status(sides) == "published"


def test_two_contracts_recorded_at_once_from_an_old_signed_pair_make_one(file_app):
    """Two brokers' 登记技术合同 of one pair signed without a contract, at the same moment: one is recorded, the
    other is refused (the pair's row is taken first, then its contracts counted)."""
    from matchmaker.contracts import services as contracts
    from matchmaker.contracts.lifecycle import ContractError
    from matchmaker.models import MatchSuggestion, User

    from ..factories import make_need, make_org, make_result, make_user
    from ..races import at_once

    with file_app.app_context():
        need, result, admin = make_need(), make_result(), make_user("admin")
        make_org("enterprise", name="甲公司")  # the parties exist: their inserts do not put the two in a row
        make_org("university", name="乙大学")
        s = MatchSuggestion(need_id=need.id, result_id=result.id, status="signed")
        db.session.add(s)
        db.session.commit()
        ids = (s.id, admin.id, need.id)
        db.session.remove()

    def recording(no):
        def prepare():
            actor = db.session.get(User, ids[1])
            data = {"contract_no": no, "type": "transfer", "title": "补登合同", "buyer_name": "甲公司",
                    "seller_name": "乙大学", "amount": Decimal("10"), "transaction_amount": Decimal("10"),
                    "signed_on": date(2020, 6, 30), "channel": "offline", "registration_status": "unsubmitted",
                    "registered_on": None}  # fmt: skip
            return lambda: contracts.record_contract(actor, data, suggestion_id=ids[0])

        return prepare

    outcomes = at_once(file_app, [recording("R-1"), recording("R-2")], refused=ContractError)
    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    with file_app.app_context():
        assert _contracts() == 1
        assert db.session.get(TechNeed, ids[2]).status == "solved"
        db.session.remove()
