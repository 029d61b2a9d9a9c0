"""重新开放 (audit 2026-12), for needs and results alike (listings.lifecycle's one ``reopen``): a need solved by a
contract that was then voided stayed 已解决 for good, and a result marked 已转化 whose deal fell through stayed 已转化,
though the void left the deal undone; its owner (a need's enterprise, a result's researcher) or an admin now reopens
it, once no live contract naming it remains. Every test runs once per kind."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest

from matchmaker.extensions import db
from matchmaker.models import AuditLog, Contract, MatchSuggestion, Result, TechNeed
from matchmaker.utils import clock

from ..conftest import DB_URL
from ..contracts.test_contracts import GOOD
from ..factories import make_user
from ..needs.helpers import need as make_published_need
from ..needs.helpers import result as make_published_result


@dataclass(frozen=True)
class Kind:
    """What tells a need's reopen from a result's, as its owner sees it."""

    name: str  # the test id
    title: str  # the deal's listing
    model: type
    url: str  # its pages: f"{url}{id}", f"{url}{id}/status"
    noun: str  # in every message
    other_noun: str  # the other kind's, never on this kind's page
    owner_role: str
    other_role: str  # an owner of the other kind, refused the status route itself
    entity: str  # its audit rows
    column: str  # the contract's column naming it
    contract_solves: bool  # a contract solves a need (audited "contract"); a result is marked 已转化 by hand ("solve")

    def make(self, **kw):
        return make_published_need(**kw) if self.model is TechNeed else make_published_result(**kw)

    def make_other(self):
        """A published listing of the other kind, the other side of the pair."""
        return make_published_result() if self.model is TechNeed else make_published_need()

    def pair(self, listing, other, broker_id):
        ids = (listing.id, other.id) if self.model is TechNeed else (other.id, listing.id)
        return MatchSuggestion(need_id=ids[0], result_id=ids[1], status="negotiating", assigned_broker_id=broker_id)

    @property
    def live(self):
        return f"该{self.noun}仍有未作废的技术合同，不能重新开放；如交易未成，请先作废该合同"

    @property
    def confirm(self):
        return f"重新开放后该{self.noun}将重新公开展示并参与匹配"

    @property
    def solved_by(self):
        return "contract" if self.contract_solves else "solve"


NEED = Kind(name="need", title="储能电池热管理需求", model=TechNeed, url="/needs/", noun="需求", other_noun="成果",
            owner_role="enterprise", other_role="researcher", entity="tech_need", column="need_id",
            contract_solves=True)  # fmt: skip
RESULT = Kind(name="result", title="固态电池电解质制备技术", model=Result, url="/results/", noun="成果",
              other_noun="需求", owner_role="researcher", other_role="enterprise", entity="result",
              column="result_id", contract_solves=False)  # fmt: skip
CONTRACT = {"contract_no": "R-1", "type": "transfer", "title": "另一份合同", "buyer_name": "甲公司",
            "seller_name": "乙大学", "amount": Decimal("10"), "transaction_amount": Decimal("10"),
            "signed_on": date(2020, 6, 30), "channel": "offline", "registration_status": "unsubmitted",
            "registered_on": None}  # fmt: skip


@pytest.fixture(params=[NEED, RESULT], ids=lambda k: k.name)
def kind(request):
    return request.param


@pytest.fixture
def deal(client, auth, kind):
    """A listing named by a contract recorded (through the pages) from a negotiating pair, and so 已解决 (a need) or
    then marked 已转化 by its researcher (a result)."""
    owner = make_user(kind.owner_role, name="发布方")
    listing = kind.make(user=owner, title=kind.title)
    other = kind.make_other()
    broker = make_user("broker", name="经纪人")
    s = kind.pair(listing, other, broker.id)
    db.session.add(s)
    db.session.commit()
    n, r = db.session.get(TechNeed, s.need_id), db.session.get(Result, s.result_id)
    auth.login(broker)
    data = dict(GOOD, buyer_name=n.organization.name, seller_name=r.organization.name, suggestion_id=str(s.id),
                need_id=str(n.id), result_id=str(r.id), broker_id=str(broker.id))  # fmt: skip
    assert client.post("/contracts/new", data=data).status_code == 302
    contract = db.session.scalars(db.select(Contract)).one()
    assert getattr(contract, kind.column) == listing.id
    auth.logout()
    if not kind.contract_solves:
        auth.login(owner)
        client.post(f"{kind.url}{listing.id}/status", data={"action": "solve"})
        auth.logout()
    assert status_of(listing) == "solved"
    return dict(owner=owner, listing=listing, broker=broker, contract=contract)


def status_of(listing):
    db.session.expire_all()
    return db.session.get(type(listing), listing.id).status


def moves(kind, listing_id):
    """Its status moves, oldest first."""
    rows = db.session.scalars(
        db.select(AuditLog).filter_by(entity=kind.entity, entity_id=listing_id, action="status").order_by(AuditLog.id)
    )
    return list(rows)


def void(client, auth, deal):
    auth.login(deal["broker"])
    c = db.session.get(Contract, deal["contract"].id)
    assert (
        client.post(f"/contracts/{c.id}/void", data={"reason": "交易未成", "version": str(c.version)}).status_code
        == 302
    )
    auth.logout()


def reopen(client, kind, listing):
    return client.post(f"{kind.url}{listing.id}/status", data={"action": "reopen"}, follow_redirects=True)


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_a_listing_with_a_live_contract_is_not_reopened(client, auth, kind, deal, who):
    """No button while the contract naming it stands, and a forged POST is refused in Chinese: for its owner and for
    an admin alike (a contract's solve is undone only after the contract is voided)."""
    listing = deal["listing"]
    auth.login(deal["owner"] if who == "owner" else make_user("admin"))
    assert 'value="reopen"' not in client.get(f"{kind.url}{listing.id}").get_data(as_text=True)
    assert kind.live in reopen(client, kind, listing).get_data(as_text=True)
    assert status_of(listing) == "solved"
    assert moves(kind, listing.id)[-1].after["action"] == kind.solved_by


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_after_the_contract_is_voided_its_owner_or_an_admin_reopens_it(client, auth, kind, deal, who):
    """The button (with its confirm text) on the listing's page; reopened, audited, public and listed again."""
    listing = deal["listing"]
    void(client, auth, deal)
    assert status_of(listing) == "solved"  # the void itself leaves the listing as it is
    actor = auth.login(deal["owner"] if who == "owner" else make_user("admin"))
    page = client.get(f"{kind.url}{listing.id}").get_data(as_text=True)
    assert 'value="reopen"' in page and kind.confirm in page and f"该{kind.other_noun}" not in page
    assert f"{kind.noun}状态已更新为“已发布”" in reopen(client, kind, listing).get_data(as_text=True)
    assert status_of(listing) == "published"
    row = moves(kind, listing.id)[-1]
    assert (row.actor_id, row.before, row.after) == (actor.id, {"status": "solved"},
                                                     {"status": "published", "action": "reopen"})  # fmt: skip
    auth.logout()
    assert kind.title in client.get(kind.url).get_data(as_text=True)


def test_a_listing_marked_solved_by_hand_without_a_contract_is_reopened(client, auth, kind):
    """已解决/已转化 by its owner's own button, no contract ever: nothing stands in the way."""
    owner = make_user(kind.owner_role)
    listing = kind.make(user=owner)
    auth.login(owner)
    client.post(f"{kind.url}{listing.id}/status", data={"action": "solve"})
    assert status_of(listing) == "solved"
    assert 'value="reopen"' in client.get(f"{kind.url}{listing.id}").get_data(as_text=True)
    reopen(client, kind, listing)
    assert status_of(listing) == "published"


@pytest.mark.parametrize("who", ["broker", "same-role", "other-role"])
def test_someone_elses_listing_is_not_reopened(client, auth, kind, deal, who):
    """A broker, another owner of its kind, an owner of the other kind: no button, 403 (as for any other move),
    still solved; another owner of its kind asking for a listing that is not there: 404 (other roles are refused
    the status route itself)."""
    listing = deal["listing"]
    void(client, auth, deal)
    role = {"same-role": kind.owner_role, "other-role": kind.other_role}.get(who)
    auth.login(deal["broker"] if who == "broker" else make_user(role))
    assert 'value="reopen"' not in client.get(f"{kind.url}{listing.id}").get_data(as_text=True)
    assert client.post(f"{kind.url}{listing.id}/status", data={"action": "reopen"}).status_code == 403
    assert status_of(listing) == "solved"
    missing = client.post(f"{kind.url}{listing.id + 1000}/status", data={"action": "reopen"}).status_code
    assert missing == (404 if who == "same-role" else 403)


def test_a_listing_past_its_validity_is_reopened_with_a_new_one_as_renew_gives(client, auth, kind, deal):
    listing = deal["listing"]
    void(client, auth, deal)
    stored = db.session.get(kind.model, listing.id)
    stored.valid_until = clock.today() - timedelta(days=5)
    db.session.commit()
    auth.login(deal["owner"])
    page = client.get(f"{kind.url}{listing.id}").get_data(as_text=True)
    assert kind.confirm + "（有效期已过，将与续期相同自今日起延长 180 天）" in page
    reopen(client, kind, listing)
    assert status_of(listing) == "published"
    assert db.session.get(kind.model, listing.id).valid_until == clock.today() + timedelta(days=180)


def test_a_double_submitted_reopen_reopens_once(client, auth, kind, deal):
    """The second submit of a double click finds the listing published: told so, nothing more written."""
    listing = deal["listing"]
    void(client, auth, deal)
    auth.login(deal["owner"])
    reopen(client, kind, listing)
    second = reopen(client, kind, listing)
    assert second.status_code == 200 and "当前状态为“已发布”，不能重新开放" in second.get_data(as_text=True)
    assert status_of(listing) == "published"
    assert [m.after["action"] for m in moves(kind, listing.id)] == [kind.solved_by, "reopen"]


def _solved_after_a_voided_deal(file_app, kind):
    """A solved listing whose only contract is voided, a negotiating pair naming it, and the parties'
    organisations: the ids of the listing, its owner, the pair's broker and the pair (committed)."""
    from ..factories import make_contract, make_org

    with file_app.app_context():
        owner, broker = make_user(kind.owner_role), make_user("broker")
        listing = kind.make(user=owner)
        s = kind.pair(listing, kind.make_other(), broker.id)
        db.session.add(s)
        make_contract(**{kind.column: listing.id, "voided": True})
        listing.status = "solved"
        make_org("enterprise", name="甲公司")
        make_org("university", name="乙大学")
        db.session.commit()
        ids = dict(listing=listing.id, owner=owner.id, broker=broker.id, pair=s.id)
        db.session.remove()
    return ids


def _reopen_refused_while(file_app, kind, ids, monkeypatch, write):
    """``write`` (a contract's recording or edit, on a thread of its own as another web process) has written and
    not committed when the owner reopens the listing: the reopen waits for it and is refused; the write succeeds."""
    import threading

    from matchmaker.contracts import services as contracts
    from matchmaker.listings import lifecycle, services
    from matchmaker.models import User

    written, errors, real_commit = threading.Event(), [], contracts._commit

    def commit_after_a_while(contract):
        written.set()
        threading.Event().wait(1.0)  # the owner's reopen arrives meanwhile
        return real_commit(contract)

    monkeypatch.setattr(contracts, "_commit", commit_after_a_while)

    def run():
        with file_app.app_context():
            try:
                write(contracts, db.session.get(User, ids["broker"]))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    assert written.wait(30)
    with file_app.app_context():
        with pytest.raises(lifecycle.LifecycleError, match=kind.live):
            services.change_status(
                db.session.get(kind.model, ids["listing"]), "reopen", actor=db.session.get(User, ids["owner"])
            )
        db.session.remove()
    thread.join(30)
    assert not errors


def _reopening(kind, ids):
    """The owner's reopen, for ``at_once``."""
    from matchmaker.listings import services
    from matchmaker.models import User

    def prepare():
        listing, actor = db.session.get(kind.model, ids["listing"]), db.session.get(User, ids["owner"])
        return lambda: services.change_status(listing, "reopen", actor=actor)

    return prepare


@pytest.mark.skipif(not DB_URL, reason="needs PostgreSQL (MATCHMAKER_DATABASE_URL)")
@pytest.mark.parametrize("from_pair", [True, False], ids=["pair", "no-pair"])
def test_a_reopen_while_a_contract_naming_the_listing_is_being_recorded_waits_and_is_refused(
    file_app, kind, from_pair, monkeypatch
):
    """A broker records a contract from another pair of a solved listing (its first contract voided), or one
    naming it without a pair, and has not committed when the owner reopens it: the reopen waits for the contract
    and is refused (it counted no live contract and put the listing back on the public list with one; a need named
    without a pair was not held until 2026-12)."""
    ids = _solved_after_a_voided_deal(file_app, kind)

    def record(contracts, actor):
        if from_pair:
            contracts.record_contract(actor, CONTRACT, suggestion_id=ids["pair"])
        else:
            contracts.record_contract(actor, dict(CONTRACT, **{kind.column: ids["listing"]}))

    _reopen_refused_while(file_app, kind, ids, monkeypatch, record)
    with file_app.app_context():
        assert db.session.get(kind.model, ids["listing"]).status == "solved"
        column = getattr(Contract, kind.column)
        assert db.session.scalar(db.select(db.func.count(Contract.id)).where(column == ids["listing"])) == 2
        db.session.remove()


def test_a_reopen_and_a_contract_at_once_one_counts_the_other(file_app, kind):
    """The owner reopens a listing (its first contract voided) while a broker records a contract from another pair
    of it: the contract is recorded either way; the reopen is either first (the listing public again, then solved
    again by the contract if a need, left public if a result) or waits, counts the contract and is refused in
    Chinese; never a need 已发布 with a live contract."""
    from matchmaker.contracts import services as contracts
    from matchmaker.contracts.lifecycle import ContractError
    from matchmaker.listings import lifecycle
    from matchmaker.models import User

    from ..races import at_once

    ids = _solved_after_a_voided_deal(file_app, kind)

    def recording():
        actor = db.session.get(User, ids["broker"])
        return lambda: contracts.record_contract(actor, CONTRACT, suggestion_id=ids["pair"])

    outcomes = at_once(file_app, [_reopening(kind, ids), recording], refused=(lifecycle.LifecycleError, ContractError))
    assert outcomes[1] == "ok", outcomes
    assert outcomes[0] in ("ok", kind.live), outcomes
    with file_app.app_context():
        expected = "published" if outcomes[0] == "ok" and not kind.contract_solves else "solved"
        assert db.session.get(kind.model, ids["listing"]).status == expected, outcomes
        db.session.remove()


def test_two_reopens_at_once_reopen_once(file_app, kind):
    """A double click's two submits at the same moment: one reopens, the other is told the listing just moved."""
    from matchmaker.listings import lifecycle

    from ..races import at_once

    ids = _solved_after_a_voided_deal(file_app, kind)
    outcomes = at_once(file_app, [_reopening(kind, ids), _reopening(kind, ids)], refused=lifecycle.LifecycleError)
    moved = f"该{kind.noun}的状态刚刚已被更改为“已发布”，本次操作未执行，请刷新页面后再试"
    assert sorted(outcomes) == ["ok", moved], outcomes
    with file_app.app_context():
        assert db.session.get(kind.model, ids["listing"]).status == "published"
        assert [m.after["action"] for m in moves(kind, ids["listing"])] == ["reopen"]
        db.session.remove()


def test_two_contracts_naming_one_listing_at_once_are_both_recorded(file_app, kind):
    """Two brokers record contracts from two pairs of one listing at the same moment: both are recorded (the row
    each holds for a reopen is taken FOR NO KEY UPDATE; FOR UPDATE would deadlock with the other's foreign key)."""
    from matchmaker.contracts import services as contracts
    from matchmaker.contracts.lifecycle import ContractError
    from matchmaker.models import User

    from ..races import at_once

    ids = _solved_after_a_voided_deal(file_app, kind)
    with file_app.app_context():
        second = kind.pair(db.session.get(kind.model, ids["listing"]), kind.make_other(), ids["broker"])
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


@pytest.mark.skipif(not DB_URL, reason="needs PostgreSQL (MATCHMAKER_DATABASE_URL)")
def test_a_reopen_while_a_contract_is_being_edited_to_name_the_listing_waits_and_is_refused(
    file_app, kind, monkeypatch
):
    """A broker edits a contract (recorded without a pair, naming nothing) to name a solved listing (its first
    contract voided) and has not committed when the owner reopens it: the reopen waits for the edit and is refused,
    as for a contract being recorded (the edit held no need's row: the reopen counted no live contract and put the
    need back on the public list with one)."""
    from ..factories import make_contract

    ids = _solved_after_a_voided_deal(file_app, kind)
    with file_app.app_context():
        contract = make_contract(broker_id=ids["broker"], contract_no="E-1")
        contract_id, version = contract.id, contract.version
        db.session.remove()

    def edit(contracts, actor):
        data = dict(CONTRACT, contract_no="E-1", **{kind.column: ids["listing"]})
        contracts.update_contract(actor, db.session.get(Contract, contract_id), data, version)

    _reopen_refused_while(file_app, kind, ids, monkeypatch, edit)
    with file_app.app_context():
        assert db.session.get(kind.model, ids["listing"]).status == "solved"
        assert getattr(db.session.get(Contract, contract_id), kind.column) == ids["listing"]
        db.session.remove()
