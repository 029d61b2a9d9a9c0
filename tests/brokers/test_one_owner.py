"""Issue 10: the pair pipeline is the one owner of a pair's moves, on every path (buttons, contract form)."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import Contract, SuggestionStatus, TechNeed
from matchmaker.suggestions import pipeline

from ..contracts.test_contracts import GOOD
from ..factories import make_suggestion, make_user
from .conftest import moves, reload

STATUSES = [s.value for s in SuggestionStatus]
DISALLOWED = [(a, b) for a in STATUSES for b in STATUSES if b not in pipeline.ALLOWED_MOVES.get(a, ())]


@pytest.mark.parametrize(("start", "to"), DISALLOWED)
def test_every_move_outside_the_table_is_refused(sides, start, to):
    """Every (from, to) not in ALLOWED_MOVES raises, leaving status and history untouched."""
    s = sides["s"]
    s.status = start
    db.session.commit()
    with pytest.raises(pipeline.PairError):
        pipeline.apply_move(s, sides["b1"], to)
    db.session.rollback()
    assert reload(s).status == start and moves(s) == []


@pytest.mark.parametrize(
    ("start", "to"),
    [(a, b) for a, bs in pipeline.ALLOWED_MOVES.items() for b in bs if b not in pipeline.BY_CONTRACT_ONLY],
)
def test_allowed_moves_are_recorded_with_who(sides, start, to):
    s = sides["s"]
    s.status = start
    db.session.commit()
    pipeline.apply_move(s, sides["b1"], to)
    db.session.commit()
    assert reload(s).status == to and moves(s) == [(start, to)]


@pytest.mark.parametrize("start", ["introduced", "negotiating"])
def test_signed_is_no_plain_move(sides, start):
    """已签约 is reached only by recording the pair's contract: a plain move there is refused, nothing changes."""
    s = sides["s"]
    s.status = start
    db.session.commit()
    with pytest.raises(pipeline.PairError, match="登记技术合同"):
        pipeline.apply_move(s, sides["b1"], "signed")
    db.session.rollback()
    assert reload(s).status == start and moves(s) == []


@pytest.mark.parametrize("role", ["enterprise", "researcher", "other_broker"])
def test_only_the_assigned_broker_or_an_admin_moves_a_pair(sides, role):
    s = sides["s"]
    actor = sides["b2"] if role == "other_broker" else make_user(role)
    with pytest.raises(pipeline.PairError):
        pipeline.apply_move(s, actor, "accepted")
    db.session.rollback()
    admin = make_user("admin")
    pipeline.apply_move(reload(s), admin, "accepted")
    db.session.commit()
    assert reload(s).status == "accepted"


def _contract_form(s, broker):
    need, result = s.need, s.result
    return dict(GOOD, buyer_name=need.organization.name, seller_name=result.organization.name,
                suggestion_id=str(s.id), need_id=str(need.id), result_id=str(result.id), broker_id=str(broker.id))  # fmt: skip


@pytest.mark.parametrize(
    ("status", "who"),
    [("rejected", "b1"), ("suggested", "b1"), ("accepted", "b1"), ("failed", "b1"), ("negotiating", "b2")],
)  # fmt: skip
def test_contract_from_a_pair_not_ready_or_not_yours_is_refused(client, auth, sides, status, who):
    """POST /contracts/new no longer trusts the hidden suggestion_id: nothing is recorded or moved."""
    s = sides["s"]
    s.status = status
    db.session.commit()
    broker = auth.login(sides[who])
    page = client.get(f"/contracts/new?suggestion_id={s.id}").get_data(as_text=True)
    assert "不能从该推荐登记合同" in page
    resp = client.post("/contracts/new", data=_contract_form(s, broker))
    assert resp.status_code == 400 and "不能从该推荐登记合同" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Contract.id))) == 0
    assert reload(s).status == status and moves(s) == []
    assert db.session.get(TechNeed, sides["need"].id).status == "published"


@pytest.mark.parametrize("status", ["introduced", "negotiating"])
def test_contract_from_a_worked_pair_signs_it(client, auth, sides, status):
    s = sides["s"]
    s.status = status
    db.session.commit()
    broker = auth.login(sides["b1"])
    assert client.post("/contracts/new", data=_contract_form(s, broker)).status_code == 302
    assert reload(s).status == "signed" and moves(s) == [(status, "signed")]
    assert db.session.get(TechNeed, sides["need"].id).status == "solved"


def test_unknown_pair_refused(client, auth):
    broker = auth.login("broker")
    resp = client.post("/contracts/new", data=dict(GOOD, suggestion_id="999999", broker_id=str(broker.id)))
    assert resp.status_code == 400 and "找不到该推荐" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Contract.id))) == 0


def test_manual_pair_goes_through_the_pipeline(sides):
    from matchmaker.brokers import services

    other = make_suggestion(status="suggested")  # a need and result of their own
    db.session.delete(other)
    db.session.commit()
    s = services.create_manual_pair(sides["b2"], other.need_id, other.result_id, "电话沟通后配对")
    assert s.status == "accepted" and moves(s) == [("suggested", "accepted")]
