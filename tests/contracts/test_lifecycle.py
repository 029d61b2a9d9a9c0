"""The contract state machine has one owner: its table of moves, its rights, and every path going through it."""

import re
from datetime import date
from pathlib import Path

import pytest

from matchmaker.contracts import lifecycle, services
from matchmaker.extensions import db
from matchmaker.models import AuditLog, Contract, ContractDocument
from matchmaker.reports.services import Period, build_report

from ..api.conftest import token_for
from ..factories import make_contract, make_user
from .test_contracts import GOOD, _form_of

S = lifecycle
PACKAGE = Path(lifecycle.__file__).resolve().parents[1]


def in_state(state, broker=None):
    """A stored contract in ``state`` (signing documents built directly: no PDF work)."""
    kw = {"broker_id": broker.id} if broker else {}
    if state == S.REGISTERED:
        kw |= {"registration_status": "registered", "registered_on": date(2020, 7, 20)}
    if state == S.VOIDED:
        kw |= {"voided": True, "void_reason": "测试"}
    c = make_contract(**kw)
    if state in (S.AWAITING, S.SIGNED_ONLINE):
        ent, res = make_user("enterprise", org=c.buyer), make_user("researcher", org=c.seller)
        db.session.add(ContractDocument(
            contract_id=c.id, version=1, terms={}, document_hash="0" * 64, prepared_size=3, pdf=b"pdf",
            current_hash="0" * 64, buyer_signer_id=ent.id, seller_signer_id=res.id, prepared_by_id=ent.id,
            status="awaiting_signatures" if state == S.AWAITING else "signed",
        ))  # fmt: skip
        db.session.commit()
    assert S.state_of(c) == state
    return c


def audit_actions():
    return [a.action for a in db.session.scalars(db.select(AuditLog).order_by(AuditLog.id))]


NOT_ALLOWED = [(a, b) for a in S.STATES for b in S.STATES if b not in S.ALLOWED_MOVES.get(a, ())]


@pytest.mark.parametrize(("here", "to"), NOT_ALLOWED)
def test_every_move_not_in_the_table_is_refused(app, here, to):
    """An admin asking for a move the table does not hold is refused in Chinese; nothing changes, nothing logged."""
    c = in_state(here)
    admin = make_user("admin")
    with pytest.raises(S.ContractError, match="合同|这份合同"):
        S.move(c, to, admin, reason="测试", registered_on=date(2020, 8, 1))
    db.session.rollback()
    assert S.state_of(db.session.get(Contract, c.id)) == here and audit_actions() == []


def test_the_table_covers_every_state_and_voided_is_final():
    """Every state is in the table, each target is a state, and nothing leaves voided."""
    assert set(S.ALLOWED_MOVES) == {S.NEW, *S.STATES} - {S.VOIDED}
    assert all(set(targets) <= set(S.STATES) for targets in S.ALLOWED_MOVES.values())
    assert not S.ALLOWED_MOVES.get(S.VOIDED)


def test_a_broker_not_assigned_is_refused(app):
    """Only the credited (or recording) broker or an admin moves a contract; others are refused, nothing changes."""
    mine = make_user("broker")
    c = in_state(S.RECORDED, broker=mine)
    other = make_user("broker")
    with pytest.raises(S.ContractError, match="您无权作废这份合同"):
        services.void_contract(other, c, "不是我的合同")
    with pytest.raises(S.ContractError, match="您无权"):
        services.update_contract(other, c, _data(c, registration_status="registered"), c.version)
    for who in (make_user("enterprise", org=c.buyer), make_user("researcher", org=c.seller)):
        with pytest.raises(S.ContractError):
            S.move(c, S.VOIDED, who, reason="x")
    db.session.rollback()
    assert S.state_of(db.session.get(Contract, c.id)) == S.RECORDED and audit_actions() == []
    services.void_contract(mine, db.session.get(Contract, c.id), "双方解除")
    assert audit_actions() == ["void"]


def test_only_a_designated_signer_completes_signing(app):
    """awaiting_signatures → signed_online is the signing party's move; the broker cannot make it."""
    broker = make_user("broker")
    c = in_state(S.AWAITING, broker=broker)
    doc = S.live_document(c)
    with pytest.raises(S.ContractError, match="指定的签署人"):
        S.move(c, S.SIGNED_ONLINE, broker, document=doc)
    S.move(c, S.SIGNED_ONLINE, doc.seller_signer, document=doc)
    db.session.commit()
    assert S.state_of(c) == S.SIGNED_ONLINE and doc.is_signed and audit_actions() == ["sign_done"]


def test_registration_moves_through_the_edit_form(client, auth):
    """已认定登记 set on the form is the register move (audited with the state), and back again."""
    broker = auth.login("broker")
    c = make_contract(broker_id=broker.id)
    data = _form_of(c, registration_status="registered", registered_on="2020-07-20", broker_id=str(broker.id))
    assert client.post(f"/contracts/{c.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    c = db.session.get(Contract, c.id)
    assert S.state_of(c) == S.REGISTERED and audit_actions() == ["register", "update"]
    row = db.session.scalars(db.select(AuditLog).filter_by(action="register")).one()
    assert (row.actor_id, row.before["state"], row.after["state"]) == (broker.id, "recorded", "registered")
    data = _form_of(c, registration_status="submitted", broker_id=str(broker.id))
    assert client.post(f"/contracts/{c.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert S.state_of(db.session.get(Contract, c.id)) == S.RECORDED
    assert audit_actions()[-2:] == ["unregister", "update"]


def test_a_voided_contract_leaves_the_report_totals(app):
    """Voided through the owner, the contract is no longer counted nor summed."""
    admin = make_user("admin")
    keep = make_contract(amount="100000.00", channel="offline")
    gone = make_contract(amount="250000.00", channel="offline")
    period = Period(date(2020, 1, 1), date(2020, 12, 31))
    before = build_report(period)["headline_all"]
    services.void_contract(admin, gone, "重复登记")
    after = build_report(period)["headline_all"]
    assert (before["count"], after["count"]) == (2, 1)
    assert "35.00" in before["text"] and "10.00" in after["text"]
    assert keep.voided is False and S.state_of(gone) == S.VOIDED


@pytest.fixture
def moves(monkeypatch):
    """Every call of ``lifecycle.move``, as (from, to) pairs, while still applying it."""
    calls, real = [], S.move

    def spy(contract, to, actor, **kw):
        calls.append((S.state_of(contract), to))
        return real(contract, to, actor, **kw)

    monkeypatch.setattr(S, "move", spy)
    return calls


def test_the_pages_and_the_api_move_through_the_owner(client, auth, moves):
    """Recording (page, API), registering and voiding each call ``lifecycle.move`` once."""
    admin = auth.login("admin")
    assert client.post("/contracts/new", data=GOOD).status_code == 302
    c = db.session.scalars(db.select(Contract)).one()
    assert moves == [(S.NEW, S.RECORDED)]
    client.post(
        f"/contracts/{c.id}/edit", data=_form_of(c, registration_status="registered", registered_on="2020-07-20")
    )
    c = db.session.get(Contract, c.id)
    client.post(f"/contracts/{c.id}/void", data={"reason": "双方解除", "version": str(c.version)})
    assert moves[1:] == [(S.RECORDED, S.REGISTERED), (S.REGISTERED, S.VOIDED)]
    body = {"contract_no": "HT-API-9", "type": "transfer", "title": "接口登记的合同", "buyer_name": "某储能公司",
            "seller_name": "某大学", "amount": "100.00", "transaction_amount": "100.00", "signed_on": "2020-06-30",
            "channel": "online"}  # fmt: skip
    token = token_for(admin, scopes=("read", "write"))
    resp = client.post(
        "/api/v1/contracts", json=body, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k"}
    )
    assert resp.status_code == 201 and moves[-1] == (S.NEW, S.RECORDED)


def _data(c, **over):
    data = {name: getattr(c, name) for name in services.EDITABLE}
    data |= {"buyer_name": c.buyer.name, "seller_name": c.seller.name, "registration_status": c.registration_status,
             "registered_on": c.registered_on}  # fmt: skip
    return data | over


# The state lives in these columns; only the owner writes them (demo data, CLI, imports and API included).
STATE_WRITES = re.compile(
    r"\.(voided|voided_at|void_reason|registration_status|registered_on|completed_at|withdrawn_at)\s*=(?!=)"
    r"|\bdoc\w*\.status\s*=(?!=)|setattr\([^)]*(registration_status|voided)"
)


def test_only_the_owner_writes_a_contract_state():
    """No module but contracts/lifecycle.py assigns the columns a contract's state lives in."""
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{n}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "lifecycle.py" or path.parent.name != "contracts"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if STATE_WRITES.search(line)
    ]
    assert offenders == []


def test_the_demo_paths_use_the_services():
    """The demo seeders record, register, void and sign contracts through the services (which move through the owner)."""
    for name in ("contracts.py", "signing.py"):
        text = (PACKAGE / "demo" / name).read_text(encoding="utf-8")
        assert "Contract(" not in text and "ContractDocument(" not in text
