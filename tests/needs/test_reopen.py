"""重新开放 (audit 2026-12): a need solved by a contract that was then voided stayed 已解决 for good, though the
void left the deal undone; its owner or an admin now reopens it, once no live contract of it remains."""

from datetime import timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.models import AuditLog, Contract, MatchSuggestion, TechNeed
from matchmaker.utils import clock

from ..conftest import DB_URL
from ..contracts.test_contracts import GOOD
from ..factories import make_result, make_user
from .helpers import need as make_published_need


@pytest.fixture
def deal(client, auth):
    """A need solved by a contract recorded (through the pages) from a negotiating pair."""
    owner = make_user("enterprise", name="需求方")
    n = make_published_need(user=owner, title="储能电池热管理需求")
    result = make_result()
    broker = make_user("broker", name="经纪人")
    s = MatchSuggestion(need_id=n.id, result_id=result.id, status="negotiating", assigned_broker_id=broker.id)
    db.session.add(s)
    db.session.commit()
    auth.login(broker)
    data = dict(GOOD, buyer_name=n.organization.name, seller_name=result.organization.name, suggestion_id=str(s.id),
                need_id=str(n.id), result_id=str(result.id), broker_id=str(broker.id))  # fmt: skip
    assert client.post("/contracts/new", data=data).status_code == 302
    contract = db.session.scalars(db.select(Contract)).one()
    assert status_of(n) == "solved"
    auth.logout()
    return dict(owner=owner, need=n, broker=broker, contract=contract)


def status_of(n):
    db.session.expire_all()
    return db.session.get(TechNeed, n.id).status


def void(client, auth, deal):
    auth.login(deal["broker"])
    c = db.session.get(Contract, deal["contract"].id)
    assert (
        client.post(f"/contracts/{c.id}/void", data={"reason": "交易未成", "version": str(c.version)}).status_code
        == 302
    )
    auth.logout()


def reopen(client, n):
    return client.post(f"/needs/{n.id}/status", data={"action": "reopen"}, follow_redirects=True)


def test_a_need_with_a_live_contract_is_not_reopened(client, auth, deal):
    n = deal["need"]
    auth.login(deal["owner"])
    assert 'value="reopen"' not in client.get(f"/needs/{n.id}").get_data(as_text=True)
    page = reopen(client, n).get_data(as_text=True)
    assert "该需求仍有未作废的技术合同，不能重新开放" in page
    assert status_of(n) == "solved"
    assert db.session.scalar(db.select(AuditLog).filter_by(entity="tech_need", entity_id=n.id, action="status")
                             .order_by(AuditLog.id.desc())).after["action"] == "contract"  # fmt: skip


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_after_the_contract_is_voided_its_owner_or_an_admin_reopens_it(client, auth, deal, who):
    n = deal["need"]
    void(client, auth, deal)
    assert status_of(n) == "solved"  # the void itself leaves the need as it is
    actor = auth.login(deal["owner"] if who == "owner" else make_user("admin"))
    assert 'value="reopen"' in client.get(f"/needs/{n.id}").get_data(as_text=True)
    reopen(client, n)
    assert status_of(n) == "published"
    row = db.session.scalar(
        db.select(AuditLog).filter_by(entity="tech_need", entity_id=n.id, action="status").order_by(AuditLog.id.desc())
    )
    assert (row.actor_id, row.before, row.after) == (actor.id, {"status": "solved"},
                                                     {"status": "published", "action": "reopen"})  # fmt: skip
    auth.logout()
    assert "储能电池热管理需求" in client.get("/needs/").get_data(as_text=True)


def test_a_broker_does_not_reopen_a_need(client, auth, deal):
    n = deal["need"]
    void(client, auth, deal)
    auth.login(deal["broker"])
    assert 'value="reopen"' not in client.get(f"/needs/{n.id}").get_data(as_text=True)
    assert client.post(f"/needs/{n.id}/status", data={"action": "reopen"}).status_code == 403
    assert status_of(n) == "solved"


def test_a_need_past_its_validity_is_reopened_with_a_new_one_as_renew_gives(client, auth, deal):
    n = deal["need"]
    void(client, auth, deal)
    stored = db.session.get(TechNeed, n.id)
    stored.valid_until = clock.today() - timedelta(days=5)
    db.session.commit()
    auth.login(deal["owner"])
    assert "有效期已过" in client.get(f"/needs/{n.id}").get_data(as_text=True)
    reopen(client, n)
    assert status_of(n) == "published"
    assert db.session.get(TechNeed, n.id).valid_until == clock.today() + timedelta(days=180)


def _solved_after_a_voided_deal(file_app):
    """A solved need whose only contract is voided, its pair still negotiating, and the parties' organisations:
    the ids of the need, its owner, the pair's broker and the pair (committed)."""
    from ..factories import make_contract, make_org

    with file_app.app_context():
        owner, broker = make_user("enterprise"), make_user("broker")
        n = make_published_need(user=owner)
        s = MatchSuggestion(
            need_id=n.id, result_id=make_result().id, status="negotiating", assigned_broker_id=broker.id
        )
        db.session.add(s)
        make_contract(need_id=n.id, voided=True)
        n.status = "solved"
        make_org("enterprise", name="甲公司")
        make_org("university", name="乙大学")
        db.session.commit()
        ids = dict(need=n.id, owner=owner.id, broker=broker.id, pair=s.id)
        db.session.remove()
    return ids


@pytest.mark.skipif(not DB_URL, reason="needs PostgreSQL (MATCHMAKER_DATABASE_URL)")
def test_a_reopen_while_a_contract_is_being_recorded_waits_and_is_refused(file_app, monkeypatch):
    """A broker records a contract from another pair of a solved need (its first contract voided) and has not
    committed when the owner reopens it: the reopen waits for the contract and is refused (it counted no live
    contract and left the need 已发布 with one)."""
    import threading
    from datetime import date
    from decimal import Decimal

    from matchmaker.contracts import services as contracts
    from matchmaker.listings import lifecycle, services
    from matchmaker.models import User

    ids = _solved_after_a_voided_deal(file_app)
    written, errors, real_commit = threading.Event(), [], contracts._commit

    def commit_after_a_while(contract):
        written.set()
        threading.Event().wait(1.0)  # the owner's reopen arrives meanwhile
        return real_commit(contract)

    monkeypatch.setattr(contracts, "_commit", commit_after_a_while)

    def record():
        with file_app.app_context():  # the broker's request on another web process
            try:
                data = {"contract_no": "R-1", "type": "transfer", "title": "另一份合同", "buyer_name": "甲公司",
                        "seller_name": "乙大学", "amount": Decimal("10"), "transaction_amount": Decimal("10"),
                        "signed_on": date(2020, 6, 30), "channel": "offline", "registration_status": "unsubmitted",
                        "registered_on": None}  # fmt: skip
                contracts.record_contract(db.session.get(User, ids["broker"]), data, suggestion_id=ids["pair"])
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=record)
    thread.start()
    assert written.wait(30)
    with file_app.app_context():
        with pytest.raises(lifecycle.LifecycleError, match="仍有未作废的技术合同"):
            services.change_status(
                db.session.get(TechNeed, ids["need"]), "reopen", actor=db.session.get(User, ids["owner"])
            )
        db.session.remove()
    thread.join(30)
    assert not errors
    with file_app.app_context():
        assert db.session.get(TechNeed, ids["need"]).status == "solved"
        db.session.remove()


def test_a_reopen_and_a_contract_at_once_never_leave_a_public_need_with_a_live_contract(file_app):
    """The owner reopens a need (its first contract voided) while a broker records a contract from another pair of
    it: whichever is first, the other sees it (the contract waits and solves the need again, or the reopen waits
    and is refused); never 已发布 with a live contract."""
    from datetime import date
    from decimal import Decimal

    from matchmaker.contracts import services as contracts
    from matchmaker.contracts.lifecycle import ContractError
    from matchmaker.listings import lifecycle, services
    from matchmaker.models import User

    from ..races import at_once

    ids = _solved_after_a_voided_deal(file_app)

    def reopening():
        need, actor = db.session.get(TechNeed, ids["need"]), db.session.get(User, ids["owner"])
        return lambda: services.change_status(need, "reopen", actor=actor)

    def recording():
        actor = db.session.get(User, ids["broker"])
        data = {"contract_no": "R-1", "type": "transfer", "title": "另一份合同", "buyer_name": "甲公司",
                "seller_name": "乙大学", "amount": Decimal("10"), "transaction_amount": Decimal("10"),
                "signed_on": date(2020, 6, 30), "channel": "offline", "registration_status": "unsubmitted",
                "registered_on": None}  # fmt: skip
        return lambda: contracts.record_contract(actor, data, suggestion_id=ids["pair"])

    outcomes = at_once(file_app, [reopening, recording], refused=(lifecycle.LifecycleError, ContractError))
    assert outcomes[1] == "ok", outcomes
    with file_app.app_context():
        assert db.session.get(TechNeed, ids["need"]).status == "solved", outcomes
        db.session.remove()
