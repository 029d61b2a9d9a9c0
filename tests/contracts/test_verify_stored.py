"""验证签名 on a contract (/contracts/<id>/verify): the stored PDF is checked as an upload is, in a separate process
bounded in time and memory, holding one of the machine's verification slots; busy or stopped, the verify page says
so with the contract it is about, not the error page."""

import logging

import pytest

from matchmaker.contracts import signing_services as svc
from matchmaker.signing import isolation
from matchmaker.signing.isolation import TIMED_OUT, TOO_MUCH_MEMORY
from matchmaker.signing.slots import slot
from matchmaker.signing.verify import UNREADABLE, NotAPdf, verify_pdf

from ..signing import crash
from .conftest import LONG_VERIFY_TIMEOUT, product_time_limit
from .once import made_once
from .test_signing import as_user, setup_parties
from .test_signing_attacks import _signed

BUSY = "系统正忙：同时验证的文件过多，请约 8 秒后刷新本页再试"


@pytest.fixture
def signed(app, auth, made):
    """A contract signed by both parties and the platform, its broker logged in."""

    def make():
        s = setup_parties()
        s.doc = _signed(s)
        return s

    s = made_once(made, make)
    as_user(None, auth, s.broker)
    return s


@pytest.fixture
def slots(app, tmp_path):
    """One verification at a time, in a folder of this test's own; a busy request waits 0.5 s."""
    app.config.update(SIGNING_VERIFY_SLOTS_DIR=str(tmp_path / "slots"), SIGNING_VERIFY_CONCURRENCY=1,
                      SIGNING_VERIFY_WAIT=0.5)  # fmt: skip
    return tmp_path / "slots"


def _error(page):
    return page.split('<div class="alert alert-danger" id="verify-error">', 1)[1].split("</div>", 1)[0]


def _about_the_contract(page, s):
    """The verify page of this contract: what it verifies, no upload form."""
    assert f'验证对象：<a href="/contracts/{s.contract.id}/signing">{s.contract.contract_no}' in page
    assert 'type="file"' not in page


def test_a_signed_contract_verifies_in_a_bounded_process(app, client, signed, slots, monkeypatch):
    """The stored PDF goes through verify_isolated with the configured limits, holding a slot; the page shows every
    signature as before."""
    seen = []
    real = svc.verify_isolated

    def spy(data, *args, **kw):
        seen.append((data, kw))
        return real(data, *args, **kw)

    monkeypatch.setattr(svc, "verify_isolated", spy)
    resp = client.get(f"/contracts/{signed.contract.id}/verify")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "验证通过：甲方、乙方和平台三处签名均有效" in page
    assert page.count("<tr data-field=") == 3 and signed.buyer.name in page and signed.seller.name in page
    assert 'id="verify-error"' not in page
    _about_the_contract(page, signed)
    ((data, kw),) = seen
    assert data == signed.doc.pdf
    assert kw == {"timeout": app.config["SIGNING_VERIFY_TIMEOUT"], "memory": app.config["SIGNING_VERIFY_MEMORY"]}
    assert (slots / "slot-0").exists()  # it took a slot
    assert svc.verify_document(signed.doc).complete()


def test_every_slot_taken_answers_503_on_the_contracts_verify_page(app, client, signed, slots):
    """Every slot taken (uploads verified meanwhile): 503 with Retry-After and 系统正忙 on the verify page with the
    contract it is about, no verdict; once the slot is free, the contract verifies."""
    product_time_limit(app)  # the wait told is the limit's 8 s
    with slot(slots, 1, 0):
        resp = client.get(f"/contracts/{signed.contract.id}/verify")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "8"
    assert _error(page) == BUSY and 'id="verdict"' not in page
    _about_the_contract(page, signed)
    app.config["SIGNING_VERIFY_TIMEOUT"] = LONG_VERIFY_TIMEOUT  # a genuine verification, on a machine maybe loaded
    resp = client.get(f"/contracts/{signed.contract.id}/verify")
    assert resp.status_code == 200 and "验证通过" in resp.get_data(as_text=True)


def test_a_verification_past_the_time_limit_is_told_not_a_500(app, client, signed, slots):
    """The verifier stopped at SIGNING_VERIFY_TIMEOUT (a child process that cannot answer in a millisecond): 503 and
    the reason in Chinese on the verify page, not the error page; the slot is released."""
    app.config["SIGNING_VERIFY_TIMEOUT"] = 0.001
    resp = client.get(f"/contracts/{signed.contract.id}/verify")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 503 and "Retry-After" not in resp.headers
    assert _error(page) == (
        "验证超时：平台存档的合同文件未能在 1 秒内验证完毕，请稍后刷新本页再试；如仍不成功，请联系平台管理员"
    )
    assert 'id="verdict"' not in page
    _about_the_contract(page, signed)
    with slot(slots, 1, 0):  # not left taken
        pass


def test_a_stored_document_timing_out_is_logged_once_with_its_contract(app, client, signed, slots, caplog):
    """One time-out, one log record: a warning (the machine may be loaded, the page says try again) naming the
    document and its contract; it was logged twice, as a warning and as an error."""
    app.config["SIGNING_VERIFY_TIMEOUT"] = 0.001
    with caplog.at_level(logging.INFO, logger="matchmaker.contracts.signing_services"):
        assert client.get(f"/contracts/{signed.contract.id}/verify").status_code == 503
    (record,) = [r for r in caplog.records if r.name == "matchmaker.contracts.signing_services"]
    assert record.levelno == logging.WARNING
    assert f"document {signed.doc.id} (contract {signed.contract.id})" in record.getMessage()
    assert TIMED_OUT in record.getMessage()


def test_a_verifier_that_crashes_is_told_on_the_page(app, client, signed, slots, monkeypatch, caplog):
    """The verifying child dies by a signal (a crash in C code, the out-of-memory killer): 500 and 验证进程异常退出 on
    the verify page, not a verdict on the file (it said 无法读取该 PDF 文件); one error logged with how it died; the
    slot is released and the next verification passes."""
    with monkeypatch.context() as m, caplog.at_level(logging.INFO, logger="matchmaker.contracts.signing_services"):
        m.setattr(isolation, "_child", crash.die)
        resp = client.get(f"/contracts/{signed.contract.id}/verify")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 500 and "Retry-After" not in resp.headers
    assert _error(page) == (
        "验证进程异常退出：平台存档的合同文件未能验证，请稍后刷新本页再试；如仍不成功，请联系平台管理员"
    )
    assert 'id="verdict"' not in page and UNREADABLE not in page
    _about_the_contract(page, signed)
    (record,) = [r for r in caplog.records if r.name == "matchmaker.contracts.signing_services"]
    assert record.levelno == logging.ERROR and "SIGSEGV" in record.getMessage()
    assert f"contract {signed.contract.id}" in record.getMessage()
    resp = client.get(f"/contracts/{signed.contract.id}/verify")
    assert resp.status_code == 200 and "验证通过" in resp.get_data(as_text=True)


def test_a_verifier_that_fails_is_told_on_the_page(app, client, signed, slots, monkeypatch, caplog):
    """The verifier raises what it never raises for a file (a bug): 500 and 验证程序出错 with what to do on the verify
    page (it was the generic error page); one error logged, with the contract and the child's traceback; the slot is
    released and the next verification passes."""
    with monkeypatch.context() as m, caplog.at_level(logging.INFO, logger="matchmaker.contracts.signing_services"):
        m.setattr(isolation, "_child", crash.fail)
        resp = client.get(f"/contracts/{signed.contract.id}/verify")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 500 and "Retry-After" not in resp.headers
    assert _error(page) == "验证程序出错：平台存档的合同文件未能验证，请联系平台管理员"
    assert 'id="verdict"' not in page and "Traceback" not in page
    _about_the_contract(page, signed)
    (record,) = [r for r in caplog.records if r.name == "matchmaker.contracts.signing_services"]
    assert record.levelno == logging.ERROR and f"contract {signed.contract.id}" in record.getMessage()
    assert "Traceback" in record.getMessage() and "a bug in the verifier (test)" in record.getMessage()
    resp = client.get(f"/contracts/{signed.contract.id}/verify")
    assert resp.status_code == 200 and "验证通过" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    "reason, message",
    [
        (TOO_MUCH_MEMORY, "验证所需内存超出限制：平台存档的合同文件未能验证，请联系平台管理员"),
        (UNREADABLE, f"平台存档的合同文件未能验证（{UNREADABLE}），请联系平台管理员"),
    ],
    ids=["memory", "unreadable"],
)
def test_a_verification_stopped_otherwise_is_told_on_the_page(app, client, signed, slots, monkeypatch, reason, message):
    """Stopped at the memory limit, or the file unreadable: 500 with the reason on the verify page (a retry would not
    help), not a traceback."""

    def refused(*args, **kw):
        raise NotAPdf(reason)

    monkeypatch.setattr(svc, "verify_isolated", refused)
    resp = client.get(f"/contracts/{signed.contract.id}/verify")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 500 and _error(page) == message
    _about_the_contract(page, signed)


def test_verifying_a_contract_again_and_again_is_limited_per_user(app, client, auth, signed, slots, monkeypatch):
    """Each 验证签名 holds a slot for up to SIGNING_VERIFY_TIMEOUT: one user reloading it would keep the public
    uploads out, so it counts against SIGNING_VERIFY_RATE_LIMIT per user (429 past it), not per address."""
    from matchmaker.extensions import limiter

    monkeypatch.setitem(app.config, "SIGNING_VERIFY_RATE_LIMIT", "2 per minute")
    monkeypatch.setattr(svc, "verify_isolated", lambda *a, **kw: verify_pdf(a[0], *a[1:]))
    limiter.reset()
    url = f"/contracts/{signed.contract.id}/verify"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    as_user(None, auth, signed.ent)  # another user from the same address still may
    assert client.get(url).status_code == 200
    limiter.reset()
