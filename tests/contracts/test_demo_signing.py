"""The demo's online signing on a busy machine: the last signature's PDF is verified holding one of the machine's
verification slots; every slot taken (uploads verified meanwhile) stopped `flask demo` with a traceback
(VerifierBusy). Now the signature is sent again, saying so, and a machine that stays busy ends in a message."""

from contextlib import contextmanager

import click
import pytest

from matchmaker.contracts import signing_services as svc
from matchmaker.demo import signing as demo_signing
from matchmaker.extensions import db
from matchmaker.models import Contract, ContractDocument
from matchmaker.signing.slots import Busy

from ..factories import make_org, make_user, valid_uscc


def _ctx(batch=0):
    """What the accounts seeder hands on: a broker, three enterprises' and three universities' users. Their names,
    codes and addresses are those of ``batch`` in every test (not numbered by the factories): the contract texts are
    then the same, and tests/conftest.py lays each one's PDF out once (seconds on a busy machine)."""

    def enterprise(i):
        org = make_org("enterprise", name=f"签约演示企业{batch}{i}有限公司", town="黄埔区", address="科学大道1号")
        org.uscc = valid_uscc(999_200_000 + 10 * batch + i)
        return make_user("enterprise", org=org, name=f"企业联系人{i}", email=f"ent{batch}{i}@signing-demo.example.cn")

    def researcher(i):
        org = make_org("university", name=f"签约演示大学{batch}{i}", address="五山路381号")
        return make_user("researcher", org=org, name=f"研究员{i}", email=f"res{batch}{i}@signing-demo.example.cn")

    users = {
        "broker": [make_user("broker")],
        "enterprise": [enterprise(i) for i in range(3)],
        "researcher": [researcher(i) for i in range(3)],
    }
    db.session.commit()
    said = []
    return {"users": users, "password": "password123", "echo": said.append}, said


@pytest.fixture
def busy(app, monkeypatch):
    """Every verification slot taken for the first ``busy["times"]`` verifications; the demo's pauses recorded.
    The real verifications have time enough: at SIGNING_VERIFY_TIMEOUT's 8 s a loaded machine (load 15 on 2 cores,
    a PostgreSQL run) stopped one, a retry (验证超时) the tests did not ask for and count exactly."""
    app.config["SIGNING_VERIFY_TIMEOUT"] = 120
    state = {"times": 0, "asked": 0, "slept": []}
    real = svc.slot

    @contextmanager
    def slot(*args, **kw):
        state["asked"] += 1
        if state["asked"] <= state["times"]:
            raise Busy("every slot taken (test)")
        with real(*args, **kw):
            yield

    monkeypatch.setattr(svc, "slot", slot)
    monkeypatch.setattr(demo_signing, "_sleep", state["slept"].append, raising=False)
    return state


def _signed():
    return [c.contract_no for c in db.session.scalars(db.select(Contract).order_by(Contract.id))
            if svc.contract_state(c) == "signed_online"]  # fmt: skip


def test_the_demo_signs_again_while_every_slot_is_taken(app, busy):
    """Busy twice: the demo says so twice, waits, and signs; both contracts are signed online, as on a quiet machine."""
    busy["times"] = 2
    ctx, said = _ctx()
    demo_signing.seed(ctx)
    db.session.commit()
    retries = [line for line in said if "重试" in line]
    assert len(retries) == 2 and all(line.startswith("网上签约演示：系统正忙，合同 WQ") for line in retries), said
    assert "6 秒后重试（第 1/9 次）" in retries[0] and "（第 2/9 次）" in retries[1]
    assert busy["slept"] == [demo_signing.PAUSE] * 2
    assert len(_signed()) == 2 and said[-1].startswith("网上签约：2 份已完成")


def test_a_machine_that_stays_busy_ends_the_demo_with_a_message(app, busy, monkeypatch):
    """Still busy after TRIES signatures: a ClickException saying what happened and what to do (flask prints it
    without a traceback); nothing of the refused signature is saved."""
    monkeypatch.setattr(demo_signing, "TRIES", 3, raising=False)
    busy["times"] = 100
    ctx, said = _ctx()
    with pytest.raises(click.ClickException) as caught:
        demo_signing.seed(ctx)
    assert caught.value.format_message() == (
        "网上签约演示未完成：系统正忙，签署后的合同文件已重试 3 次仍未能验证（本机正在验证其他文件）。"
        "请待本机空闲后删除 instance/matchmaker.sqlite，再重新生成演示数据"
    )
    assert len([line for line in said if "重试" in line]) == 2 and busy["slept"] == [demo_signing.PAUSE] * 2
    db.session.rollback()
    (doc,) = db.session.scalars(db.select(ContractDocument)).all()
    assert doc.is_awaiting and [s.party for s in doc.signatures] == ["buyer"]
    assert _signed() == []


def test_the_demo_signs_again_after_a_verification_past_the_time_limit(app, busy, monkeypatch):
    """A loaded machine stops the verification at SIGNING_VERIFY_TIMEOUT (503: a less loaded one may finish it): the
    demo says so and signs again; a verification stopped otherwise (the memory limit: 500) is not tried again."""
    from matchmaker.signing.isolation import TIMED_OUT, TOO_MUCH_MEMORY
    from matchmaker.signing.verify import NotAPdf

    real, stops = svc.verify_isolated, [TIMED_OUT]

    def loaded(*args, **kw):
        if stops:
            raise NotAPdf(stops.pop(0))
        return real(*args, **kw)

    monkeypatch.setattr(svc, "verify_isolated", loaded)
    ctx, said = _ctx()
    demo_signing.seed(ctx)
    retries = [line for line in said if "重试" in line]
    assert len(retries) == 1 and retries[0].startswith("网上签约演示：验证超时，合同 WQ"), said
    assert len(_signed()) == 2
    stops.append(TOO_MUCH_MEMORY)
    with pytest.raises(svc.SigningUnverified, match="验证所需内存超出限制"):
        demo_signing.seed(_ctx(batch=1)[0])
    assert busy["slept"] == [demo_signing.PAUSE]
