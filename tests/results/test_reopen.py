"""重新开放 for results: a result marked 已转化 whose deal fell through (the contract naming it voided) stayed
已转化 for good; its researcher or an admin now reopens it, as a need's owner does, once no live contract names it
(listings.lifecycle's one ``reopen``)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from matchmaker.extensions import db
from matchmaker.models import AuditLog, Contract, MatchSuggestion, Result
from matchmaker.utils import clock

from ..conftest import DB_URL
from ..contracts.test_contracts import GOOD
from ..factories import make_user
from ..needs.helpers import need as make_published_need
from ..needs.helpers import result as make_published_result

CONFIRM = "重新开放后该成果将重新公开展示并参与匹配"
LIVE = "该成果仍有未作废的技术合同，不能重新开放；如交易未成，请先作废该合同"


@pytest.fixture
def deal(client, auth):
    """A result named by a contract recorded (through the pages) from a negotiating pair, then marked 已转化 by
    its researcher."""
    owner = make_user("researcher", name="成果方")
    r = make_published_result(user=owner, title="固态电池电解质制备技术")
    n = make_published_need()
    broker = make_user("broker", name="经纪人")
    s = MatchSuggestion(need_id=n.id, result_id=r.id, status="negotiating", assigned_broker_id=broker.id)
    db.session.add(s)
    db.session.commit()
    auth.login(broker)
    data = dict(GOOD, buyer_name=n.organization.name, seller_name=r.organization.name, suggestion_id=str(s.id),
                need_id=str(n.id), result_id=str(r.id), broker_id=str(broker.id))  # fmt: skip
    assert client.post("/contracts/new", data=data).status_code == 302
    contract = db.session.scalars(db.select(Contract)).one()
    assert contract.result_id == r.id
    auth.logout()
    auth.login(owner)
    client.post(f"/results/{r.id}/status", data={"action": "solve"})
    assert status_of(r) == "solved"
    auth.logout()
    return dict(owner=owner, result=r, broker=broker, contract=contract)


def status_of(r):
    db.session.expire_all()
    return db.session.get(Result, r.id).status


def last_move(r):
    return db.session.scalar(
        db.select(AuditLog).filter_by(entity="result", entity_id=r.id, action="status").order_by(AuditLog.id.desc())
    )


def void(client, auth, deal):
    auth.login(deal["broker"])
    c = db.session.get(Contract, deal["contract"].id)
    assert (
        client.post(f"/contracts/{c.id}/void", data={"reason": "交易未成", "version": str(c.version)}).status_code
        == 302
    )
    auth.logout()


def reopen(client, r):
    return client.post(f"/results/{r.id}/status", data={"action": "reopen"}, follow_redirects=True)


def test_a_result_with_a_live_contract_is_not_reopened(client, auth, deal):
    """No button while the contract naming it stands, and a forged POST is refused in Chinese."""
    r = deal["result"]
    auth.login(deal["owner"])
    assert 'value="reopen"' not in client.get(f"/results/{r.id}").get_data(as_text=True)
    assert LIVE in reopen(client, r).get_data(as_text=True)
    assert status_of(r) == "solved"
    assert last_move(r).after["action"] == "solve"


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_after_the_contract_is_voided_its_researcher_or_an_admin_reopens_it(client, auth, deal, who):
    """The button (with its confirm text) on the result's page; reopened, audited, public and listed again."""
    r = deal["result"]
    void(client, auth, deal)
    assert status_of(r) == "solved"  # the void itself leaves the result as it is
    actor = auth.login(deal["owner"] if who == "owner" else make_user("admin"))
    page = client.get(f"/results/{r.id}").get_data(as_text=True)
    assert 'value="reopen"' in page and CONFIRM in page and "该需求" not in page
    assert "成果状态已更新为“已发布”" in reopen(client, r).get_data(as_text=True)
    assert status_of(r) == "published"
    row = last_move(r)
    assert (row.actor_id, row.before, row.after) == (actor.id, {"status": "solved"},
                                                     {"status": "published", "action": "reopen"})  # fmt: skip
    auth.logout()
    assert "固态电池电解质制备技术" in client.get("/results/").get_data(as_text=True)


def test_a_result_marked_transferred_by_hand_without_a_contract_is_reopened(client, auth):
    """已转化 by its researcher's own button, no contract ever: nothing stands in the way."""
    owner = make_user("researcher")
    r = make_published_result(user=owner)
    auth.login(owner)
    client.post(f"/results/{r.id}/status", data={"action": "solve"})
    assert status_of(r) == "solved"
    assert 'value="reopen"' in client.get(f"/results/{r.id}").get_data(as_text=True)
    reopen(client, r)
    assert status_of(r) == "published"


@pytest.mark.parametrize("who", ["broker", "researcher", "enterprise"])
def test_someone_elses_result_is_not_reopened(client, auth, deal, who):
    """A broker, another researcher, an enterprise: no button, 403 (as for any other move), still 已转化; a
    researcher asking for a result that is not there: 404 (other roles are refused the status route itself)."""
    r = deal["result"]
    void(client, auth, deal)
    auth.login(deal["broker"] if who == "broker" else make_user(who))
    page = client.get(f"/results/{r.id}")
    assert 'value="reopen"' not in page.get_data(as_text=True)
    assert client.post(f"/results/{r.id}/status", data={"action": "reopen"}).status_code == 403
    assert status_of(r) == "solved"
    missing = client.post(f"/results/{r.id + 1000}/status", data={"action": "reopen"}).status_code
    assert missing == (404 if who == "researcher" else 403)


def test_a_result_past_its_validity_is_reopened_with_a_new_one_as_renew_gives(client, auth, deal):
    r = deal["result"]
    void(client, auth, deal)
    stored = db.session.get(Result, r.id)
    stored.valid_until = clock.today() - timedelta(days=5)
    db.session.commit()
    auth.login(deal["owner"])
    page = client.get(f"/results/{r.id}").get_data(as_text=True)
    assert CONFIRM + "（有效期已过，将与续期相同自今日起延长 180 天）" in page
    reopen(client, r)
    assert status_of(r) == "published"
    assert db.session.get(Result, r.id).valid_until == clock.today() + timedelta(days=180)


def test_a_double_submitted_reopen_reopens_once(client, auth, deal):
    """The second submit of a double click finds the result published: told so, nothing more written."""
    r = deal["result"]
    void(client, auth, deal)
    auth.login(deal["owner"])
    reopen(client, r)
    second = reopen(client, r)
    assert second.status_code == 200 and "当前状态为“已发布”，不能重新开放" in second.get_data(as_text=True)
    assert status_of(r) == "published"
    moves = db.session.scalars(db.select(AuditLog).filter_by(entity="result", entity_id=r.id, action="status"))
    assert [m.after["action"] for m in moves] == ["solve", "reopen"]


def _solved_after_a_voided_deal(file_app):
    """A result marked 已转化 whose only contract is voided, a negotiating pair naming it, and the parties'
    organisations: the ids of the result, its researcher, the pair's broker and the pair (committed)."""
    from ..factories import make_contract, make_org

    with file_app.app_context():
        owner, broker = make_user("researcher"), make_user("broker")
        r = make_published_result(user=owner)
        s = MatchSuggestion(
            need_id=make_published_need().id, result_id=r.id, status="negotiating", assigned_broker_id=broker.id
        )
        db.session.add(s)
        make_contract(result_id=r.id, voided=True)
        r.status = "solved"
        make_org("enterprise", name="甲公司")
        make_org("university", name="乙大学")
        db.session.commit()
        ids = dict(result=r.id, owner=owner.id, broker=broker.id, pair=s.id)
        db.session.remove()
    return ids


CONTRACT = {"contract_no": "R-1", "type": "transfer", "title": "另一份合同", "buyer_name": "甲公司",
            "seller_name": "乙大学", "amount": Decimal("10"), "transaction_amount": Decimal("10"),
            "signed_on": date(2020, 6, 30), "channel": "offline", "registration_status": "unsubmitted",
            "registered_on": None}  # fmt: skip


@pytest.mark.skipif(not DB_URL, reason="needs PostgreSQL (MATCHMAKER_DATABASE_URL)")
def test_a_reopen_while_a_contract_naming_the_result_is_being_recorded_waits_and_is_refused(file_app, monkeypatch):
    """A broker records a contract naming a result marked 已转化 (its first contract voided) and has not committed
    when the researcher reopens it: the reopen waits for the contract and is refused (it counted no live contract
    and put the result back on the public list with one)."""
    import threading

    from matchmaker.contracts import services as contracts
    from matchmaker.listings import lifecycle, services
    from matchmaker.models import User

    ids = _solved_after_a_voided_deal(file_app)
    written, errors, real_commit = threading.Event(), [], contracts._commit

    def commit_after_a_while(contract):
        written.set()
        threading.Event().wait(1.0)  # the researcher's reopen arrives meanwhile
        return real_commit(contract)

    monkeypatch.setattr(contracts, "_commit", commit_after_a_while)

    def record():
        with file_app.app_context():  # the broker's request on another web process
            try:
                contracts.record_contract(db.session.get(User, ids["broker"]), CONTRACT, suggestion_id=ids["pair"])
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=record)
    thread.start()
    assert written.wait(30)
    with file_app.app_context():
        with pytest.raises(lifecycle.LifecycleError, match=LIVE):
            services.change_status(
                db.session.get(Result, ids["result"]), "reopen", actor=db.session.get(User, ids["owner"])
            )
        db.session.remove()
    thread.join(30)
    assert not errors
    with file_app.app_context():
        assert db.session.get(Result, ids["result"]).status == "solved"
        assert db.session.scalar(db.select(db.func.count(Contract.id)).filter_by(result_id=ids["result"])) == 2
        db.session.remove()


def test_a_reopen_and_a_contract_at_once_one_counts_the_other(file_app):
    """The researcher reopens a result (its first contract voided) while a broker records a contract naming it:
    the contract is recorded either way; the reopen is either first (the result public again, the contract then
    recorded for a public result as for any other) or waits, counts the contract and is refused in Chinese."""
    from matchmaker.contracts import services as contracts
    from matchmaker.contracts.lifecycle import ContractError
    from matchmaker.listings import lifecycle, services
    from matchmaker.models import User

    from ..races import at_once

    ids = _solved_after_a_voided_deal(file_app)

    def reopening():
        result, actor = db.session.get(Result, ids["result"]), db.session.get(User, ids["owner"])
        return lambda: services.change_status(result, "reopen", actor=actor)

    def recording():
        actor = db.session.get(User, ids["broker"])
        return lambda: contracts.record_contract(actor, CONTRACT, suggestion_id=ids["pair"])

    outcomes = at_once(file_app, [reopening, recording], refused=(lifecycle.LifecycleError, ContractError))
    assert outcomes[1] == "ok", outcomes
    assert outcomes[0] in ("ok", LIVE), outcomes
    with file_app.app_context():
        expected = "published" if outcomes[0] == "ok" else "solved"
        assert db.session.get(Result, ids["result"]).status == expected, outcomes
        db.session.remove()


def test_two_reopens_at_once_reopen_once(file_app):
    """A double click's two submits at the same moment: one reopens, the other is told the result just moved."""
    from matchmaker.listings import lifecycle, services
    from matchmaker.models import User

    from ..races import at_once

    ids = _solved_after_a_voided_deal(file_app)

    def reopening():
        result, actor = db.session.get(Result, ids["result"]), db.session.get(User, ids["owner"])
        return lambda: services.change_status(result, "reopen", actor=actor)

    outcomes = at_once(file_app, [reopening, reopening], refused=lifecycle.LifecycleError)
    assert sorted(outcomes) == ["ok", "该成果的状态刚刚已被更改为“已发布”，本次操作未执行，请刷新页面后再试"], outcomes
    with file_app.app_context():
        assert db.session.get(Result, ids["result"]).status == "published"
        moves = db.session.scalars(db.select(AuditLog).filter_by(entity="result", entity_id=ids["result"]))
        assert [m.after["action"] for m in moves if m.action == "status"] == ["reopen"]
        db.session.remove()


def test_two_contracts_naming_one_result_at_once_are_both_recorded(file_app):
    """Two brokers record contracts from two pairs of one result at the same moment: both are recorded (the row
    each holds for a reopen is taken FOR NO KEY UPDATE; FOR UPDATE would deadlock with the other's foreign key)."""
    from matchmaker.contracts import services as contracts
    from matchmaker.contracts.lifecycle import ContractError
    from matchmaker.models import User

    from ..races import at_once

    ids = _solved_after_a_voided_deal(file_app)
    with file_app.app_context():
        second = MatchSuggestion(need_id=make_published_need().id, result_id=ids["result"], status="negotiating",
                                 assigned_broker_id=ids["broker"])  # fmt: skip
        db.session.add(second)
        db.session.commit()
        pairs = (ids["pair"], second.id)
        db.session.remove()

    def recording(i):
        def prepare():
            actor = db.session.get(User, ids["broker"])
            data = dict(CONTRACT, contract_no=f"R-{i}")
            return lambda: contracts.record_contract(actor, data, suggestion_id=pairs[i])

        return prepare

    assert at_once(file_app, [recording(0), recording(1)], refused=ContractError) == ["ok", "ok"]
