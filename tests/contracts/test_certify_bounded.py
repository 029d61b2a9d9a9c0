"""The platform's final signature: its PDF is verified as every other (a slot of the machine's, a child process
bounded in time and memory), and a verification that cannot be made saves nothing: the last party signs again."""

import logging

import pytest

from matchmaker.contracts import signing_services as svc
from matchmaker.extensions import db
from matchmaker.models import Contract, ContractDocument, Notification, SigningCredential
from matchmaker.signing import isolation
from matchmaker.signing.isolation import TIMED_OUT, TOO_MUCH_MEMORY
from matchmaker.signing.slots import slot
from matchmaker.signing.verify import NotAPdf

from ..signing import crash
from .conftest import LONG_VERIFY_TIMEOUT, product_time_limit
from .once import made_once
from .test_signing import setup_parties, sign
from .test_signing_attacks import _prepared


@pytest.fixture
def slots(app, tmp_path):
    """One verification at a time, in a folder of this test's own; a busy request waits 0.5 s."""
    app.config.update(SIGNING_VERIFY_SLOTS_DIR=str(tmp_path / "slots"), SIGNING_VERIFY_CONCURRENCY=1,
                      SIGNING_VERIFY_WAIT=0.5)  # fmt: skip
    return tmp_path / "slots"


@pytest.fixture
def half_signed(app, made):
    """A prepared contract the university has signed: the enterprise's signature is the last."""

    def make():
        s = setup_parties()
        s.doc = _prepared(s)
        svc.sign_as_party(s.res, s.contract, s.doc.document_hash, "password123")
        return s

    return made_once(made, make)


def _flash(page):
    return page.split('<div class="alert alert-danger', 1)[1].split(">", 1)[1].split("<", 1)[0].strip()


def _as_it_was(s):
    """Nothing of the refused signature saved: one signature, the text awaiting, no one told it is complete."""
    db.session.expire_all()
    doc = db.session.get(ContractDocument, s.doc.id)
    assert doc.is_awaiting and [x.party for x in doc.signatures] == ["seller"]
    assert svc.contract_state(db.session.get(Contract, s.contract.id)) == "awaiting_signatures"
    assert not db.session.scalar(db.select(Notification).where(Notification.text.contains("已完成网上签约")))


def _signs_again(client, auth, s):
    """The same signature sent again completes the contract."""
    resp = sign(client, auth, s.ent, s.contract)
    assert resp.status_code == 200 and "合同已完成网上签约" in resp.get_data(as_text=True)
    db.session.expire_all()
    doc = db.session.get(ContractDocument, s.doc.id)
    assert doc.is_signed and [x.party for x in doc.signatures] == ["seller", "buyer", "platform"]


def test_the_final_signature_is_verified_in_a_bounded_process(app, client, auth, half_signed, slots, monkeypatch):
    """The certified PDF goes through verify_isolated with the configured limits, holding a slot."""
    seen = []
    real = svc.verify_isolated

    def spy(data, *args, **kw):
        seen.append(kw)
        return real(data, *args, **kw)

    monkeypatch.setattr(svc, "verify_isolated", spy)
    _signs_again(client, auth, half_signed)
    assert seen == [{"timeout": app.config["SIGNING_VERIFY_TIMEOUT"], "memory": app.config["SIGNING_VERIFY_MEMORY"]}]
    assert (slots / "slot-0").exists()


def test_every_slot_taken_answers_503_and_saves_nothing(app, client, auth, half_signed, slots):
    """Every verification slot taken (uploads verified meanwhile): 503 with Retry-After and 系统正忙 on the signing
    page, the signature not saved; once a slot is free, the same signature completes the contract."""
    product_time_limit(app)  # the wait told is the limit's 8 s
    with slot(slots, 1, 0):
        resp = sign(client, auth, half_signed.ent, half_signed.contract)
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "8"
    assert _flash(resp.get_data(as_text=True)) == "系统正忙：同时验证的文件过多，请约 8 秒后重新提交签署"
    _as_it_was(half_signed)
    app.config["SIGNING_VERIFY_TIMEOUT"] = LONG_VERIFY_TIMEOUT  # a genuine verification, on a machine maybe loaded
    _signs_again(client, auth, half_signed)


def test_a_certificate_is_logged_as_issued_once_stored(app, client, auth, half_signed, slots, caplog):
    """The enterprise's first signature issues its organisation's certificate: refused (every verification slot
    taken), the certificate is dropped and no log says it was issued (it said so, with a serial stored nowhere); sent
    again, the certificate stored with the signature is logged once, with its serial."""
    keys = "matchmaker.contracts.signing_keys"
    with caplog.at_level(logging.INFO, logger=keys):
        with slot(slots, 1, 0):
            assert sign(client, auth, half_signed.ent, half_signed.contract).status_code == 503
        assert not db.session.scalar(db.select(SigningCredential).filter_by(organization_id=half_signed.buyer.id))
        assert not [r.getMessage() for r in caplog.records if r.name == keys]
        _signs_again(client, auth, half_signed)
    (cred,) = db.session.scalars(db.select(SigningCredential).filter_by(organization_id=half_signed.buyer.id)).all()
    assert [r.getMessage() for r in caplog.records if r.name == keys] == [
        f"issued a signing certificate {cred.serial} to organisation {half_signed.buyer.id}"
    ]


def test_a_verification_past_the_time_limit_saves_nothing(app, client, auth, half_signed, slots, caplog):
    """The certified PDF not verified within SIGNING_VERIFY_TIMEOUT: 503 and the reason in Chinese on the signing page
    (a less loaded machine may finish it), one warning logged with the contract; nothing saved, the slot released, and
    the same signature completes the contract later."""
    app.config["SIGNING_VERIFY_TIMEOUT"] = 0.001
    with caplog.at_level(logging.INFO, logger="matchmaker.contracts.signing_services"):
        resp = sign(client, auth, half_signed.ent, half_signed.contract)
    assert resp.status_code == 503 and "Retry-After" not in resp.headers
    assert _flash(resp.get_data(as_text=True)) == (
        "验证超时：签署后的合同文件未能在 1 秒内验证完毕，未签署，请稍后重新提交签署"
    )
    (record,) = [r for r in caplog.records if r.name == "matchmaker.contracts.signing_services"]
    assert record.levelno == logging.WARNING and TIMED_OUT in record.getMessage()
    assert f"contract {half_signed.contract.id}" in record.getMessage()
    _as_it_was(half_signed)
    app.config["SIGNING_VERIFY_TIMEOUT"] = LONG_VERIFY_TIMEOUT
    _signs_again(client, auth, half_signed)


def _too_much_memory(*args, **kw):
    raise NotAPdf(TOO_MUCH_MEMORY)


@pytest.mark.parametrize(
    "child, verifier, message",
    [
        (None, _too_much_memory, "验证所需内存超出限制：签署后的合同文件未能验证，未签署，请联系平台管理员"),
        (crash.die, None, "验证进程异常退出：签署后的合同文件未能验证，未签署，请稍后重新提交签署"),
        (crash.fail, None, "验证程序出错：签署后的合同文件未能验证，未签署，请联系平台管理员"),
    ],
    ids=["memory", "crash", "verifier-bug"],
)
def test_a_verification_stopped_otherwise_saves_nothing(app, client, auth, half_signed, slots, monkeypatch, caplog,
                                                        child, verifier, message):  # fmt: skip
    """Stopped at the memory limit, the verifying child killed by a signal, or the verifier failing (a bug: it raised
    what it never raises for a file): 500 and the reason on the signing page, not the error page; one error logged
    with the contract; nothing saved, the same signature may be sent again."""
    with monkeypatch.context() as m, caplog.at_level(logging.INFO, logger="matchmaker.contracts.signing_services"):
        if child:
            m.setattr(isolation, "_child", child)
        if verifier:
            m.setattr(svc, "verify_isolated", verifier)
        resp = sign(client, auth, half_signed.ent, half_signed.contract)
    assert resp.status_code == 500 and _flash(resp.get_data(as_text=True)) == message
    (record,) = [r for r in caplog.records if r.name == "matchmaker.contracts.signing_services"]
    assert record.levelno == logging.ERROR and f"contract {half_signed.contract.id}" in record.getMessage()
    _as_it_was(half_signed)
    _signs_again(client, auth, half_signed)
