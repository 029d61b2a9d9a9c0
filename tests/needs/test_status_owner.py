"""Every status change of a need or a result is made by the listing life cycle (listings/lifecycle.py)."""

import io
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event

from matchmaker.contracts import services as contracts
from matchmaker.extensions import db
from matchmaker.listings import services
from matchmaker.models import AuditLog, ImportBatch, Result, TechNeed
from matchmaker.utils import clock

from ..factories import make_org, make_suggestion, make_user
from ..imports.test_import import need_row, xlsx
from .helpers import need, result

APP = str(Path("matchmaker") / "")
OWNER = str(Path("matchmaker") / "listings" / "lifecycle.py")


def _caller():
    """The first frame outside SQLAlchemy and this module: the code that set the attribute."""
    frame = sys._getframe(2)
    while frame and ("sqlalchemy" in frame.f_code.co_filename or frame.f_code.co_filename == __file__):
        frame = frame.f_back
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame else "?"


@pytest.fixture
def status_writes():
    """Status assignments made outside the owner (a new row starting as a draft is its initial state, not a move)."""
    offenders = []

    def on_set(target, value, oldvalue, initiator):
        where = _caller()
        initial = value == "draft" and target.id is None
        if not initial and OWNER not in where and APP in where:  # the tests' own factories aside
            offenders.append((type(target).__name__, value, where))

    for model in (TechNeed, Result):
        event.listen(model.status, "set", on_set)
    yield offenders
    for model in (TechNeed, Result):
        event.remove(model.status, "set", on_set)


def test_close_renew_expire_contract_and_import_move_through_the_owner(client, auth, status_writes):
    """Owner buttons, expiry (on read and daily), a contract's solve and an import: each an audited move of the owner."""
    n = need(title="生命周期检查需求")
    auth.login(n.created_by)
    for action in ("dock", "close", "renew"):
        assert client.post(f"/needs/{n.id}/status", data={"action": action}).status_code == 302
    r = result(title="生命周期检查成果")
    r.valid_until = clock.today() - timedelta(days=1)
    db.session.commit()
    services.expire_due()
    late = need(title="读取时过期的需求")
    late.valid_until = clock.today() - timedelta(days=1)
    db.session.commit()
    client.get(f"/needs/{late.id}")
    broker = make_user("broker")
    pair = make_suggestion(
        need(title="签约解决的需求"), result(title="签约的成果"), status="negotiating", broker=broker
    )
    data = {"contract_no": "HT-LC-1", "type": "transfer", "title": "生命周期合同", "buyer_name": "甲公司",
            "seller_name": "乙大学", "amount": 100, "transaction_amount": 100, "signed_on": date(2020, 6, 30),
            "channel": "offline", "registration_status": "unsubmitted", "registered_on": None}  # fmt: skip
    contracts.record_contract(broker, data, suggestion_id=pair.id)
    make_org("enterprise", name="导入测试企业")
    auth.logout()
    auth.login("admin")
    client.post("/needs/import", data={"kind": "need", "file": (io.BytesIO(xlsx([need_row("LC-1")])), "n.xlsx")},
                content_type="multipart/form-data")  # fmt: skip
    batch = db.session.scalar(db.select(ImportBatch))
    client.post(f"/needs/import/{batch.id}/confirm")
    assert db.session.scalar(db.select(TechNeed).filter_by(external_ref="LC-1")).status == "published"
    assert status_writes == []
    moves = [(row.entity, row.after["action"]) for row in db.session.scalars(
        db.select(AuditLog).filter_by(action="status").order_by(AuditLog.id))]  # fmt: skip
    assert moves == [("tech_need", "dock"), ("tech_need", "close"), ("tech_need", "renew"), ("result", "expire"),
                     ("tech_need", "expire"), ("tech_need", "contract")]  # fmt: skip


def test_an_owner_cannot_use_the_platform_moves(client, auth):
    """expire and contract are the platform's moves: not offered to the owner, refused if posted."""
    n = need(title="不能自行过期的需求")
    auth.login(n.created_by)
    for action in ("expire", "contract"):
        client.post(f"/needs/{n.id}/status", data={"action": action})
        db.session.refresh(n)
        assert n.status == "published"


def test_the_owner_checks_who_moves_a_listing(app):
    """Another enterprise or a researcher is refused by the life cycle itself; the owner, a broker and an admin move it."""
    from matchmaker.listings import lifecycle

    n = need(title="谁能改状态的需求")
    for stranger in (make_user("enterprise"), make_user("researcher")):
        with pytest.raises(lifecycle.LifecycleError, match="您无权更改该需求的状态"):
            lifecycle.transition(n, "close", actor=stranger)
    assert n.status == "published"
    for actor, action in ((n.created_by, "dock"), (make_user("broker"), "close"), (make_user("admin"), "renew")):
        lifecycle.transition(n, action, actor=actor)
    assert n.status == "published"


def test_an_ended_needs_empty_panel_does_not_promise_matches(client, auth):
    """A closed need with no pairs: its owner is not told that matches will show up there."""
    user = auth.login("enterprise")
    n = need(user=user)
    page = client.get(f"/needs/{n.id}").get_data(as_text=True)
    assert "平台自动匹配到的对接会显示在这里" in page
    n.status = "closed"
    db.session.commit()
    page = client.get(f"/needs/{n.id}").get_data(as_text=True)
    assert "该需求已关闭，平台不再为其自动匹配" in page and "会显示在这里" not in page
