"""Online signing in the app: prepare, read, sign with the password, the platform's signature, download, verify."""

import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from matchmaker.contracts import signing_services as svc
from matchmaker.extensions import db
from matchmaker.models import AuditLog, Contract, ContractDocument, ContractSignature, Notification, SigningCredential
from matchmaker.models.base import today
from matchmaker.reports.services import Period, build_report
from matchmaker.signing.verify import verify_pdf

from ..factories import make_contract, make_org, make_user, valid_uscc

YEAR = Period(date(2000, 1, 1), date(2099, 12, 31))


def setup_parties(amount="1234567.89", channel="offline"):
    """An enterprise and a university on the platform, their users, and a broker's recorded contract.

    What the contract's text shows (the parties' codes, the signers' addresses, the contract's number) is the same in
    every test, not numbered by the factories: the same form then gives the same text, whose PDF (seconds to lay out
    on a busy machine) tests/conftest.py keeps once laid out (_memoise_contract_pdfs)."""
    buyer = make_org("enterprise", name="广东光合新能源科技有限公司", town="黄埔区", address="广州市黄埔区科学大道1号")
    buyer.uscc = valid_uscc(999_000_001)
    seller = make_org("university", name="华南理工大学")
    s = SimpleNamespace(
        buyer=buyer, seller=seller, broker=make_user("broker", name="李经纪"), admin=make_user("admin"),
        ent=make_user("enterprise", org=buyer, name="张伟", email="zhangwei@guanghe.example.cn"),
        res=make_user("researcher", org=seller, name="王强", email="wangqiang@scut.example.cn"),
    )  # fmt: skip
    s.contract = make_contract(
        buyer=buyer, seller=seller, amount=amount, type="development", title="高效光伏组件低温封装工艺开发",
        broker_id=s.broker.id, created_by_id=s.broker.id, channel=channel, contract_no="HT-2024-0012",
    )  # fmt: skip
    return s


def form(s, **over):
    data = {
        "subject": "开发适用于 N 型 TOPCon 电池的低温封装工艺。\n组件功率首年衰减不超过 1%。",
        "payment_terms": "合同生效后十日内支付 30%；\n验收合格后十日内支付其余 70%。",
        "start": "2024-03-01", "end": "2025-02-28", "place": "广州市黄埔区",
        "buyer_signer_id": str(s.ent.id), "seller_signer_id": str(s.res.id),
        "buyer_representative": "张大伟", "buyer_address": "广州市黄埔区科学大道1号",
        "seller_representative": "王校长", "seller_address": "广州市天河区五山路381号",
    }  # fmt: skip
    data.update(over)
    return data


def as_user(client, auth, user):
    auth.logout()
    auth.login(user)


def prepare(client, auth, s, **over):
    as_user(client, auth, s.broker)
    resp = client.post(f"/contracts/{s.contract.id}/signing/prepare", data=form(s, **over))
    assert resp.status_code == 303, resp.get_data(as_text=True)[:3000]
    return db.session.scalars(db.select(ContractDocument).order_by(ContractDocument.id.desc())).first()


def sign(client, auth, user, contract, password="password123", doc_hash=None, agree="y"):
    as_user(client, auth, user)
    if doc_hash is None:
        page = client.get(f"/contracts/{contract.id}/signing").get_data(as_text=True)
        doc_hash = re.search(r'name="document_hash" type="hidden" value="([0-9a-f]{64})"', page).group(1)
    data = {"document_hash": doc_hash, "password": password}
    if agree:
        data["agree"] = agree
    return client.post(f"/contracts/{contract.id}/signing/sign", data=data, follow_redirects=True)


def signatures():
    return db.session.scalars(db.select(ContractSignature).order_by(ContractSignature.id)).all()


def test_an_enterprise_and_a_university_sign_online(app, client, auth):
    """Prepared by the broker, read and signed by both parties' users, locked by the platform, counted as signed online."""
    s = setup_parties()
    doc = prepare(client, auth, s)
    assert svc.contract_state(s.contract) == "awaiting_signatures"
    assert build_report(YEAR)["headline_all"]["count"] == 0  # not a signed contract yet
    assert {n.user_id for n in db.session.scalars(db.select(Notification))} == {s.ent.id, s.res.id}

    as_user(client, auth, s.ent)
    page = client.get(f"/contracts/{s.contract.id}/signing").get_data(as_text=True)
    assert "技术开发（委托）合同" in page and "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分" in page
    assert doc.document_hash in page and "以甲方授权代表身份签署" in page

    resp = sign(client, auth, s.ent, s.contract, password="wrong-password")
    assert "密码不正确，未签署" in resp.get_data(as_text=True) and signatures() == []
    resp = sign(client, auth, s.ent, s.contract, agree=None)
    assert "请先确认您已阅读合同全文" in resp.get_data(as_text=True) and signatures() == []
    resp = sign(client, auth, s.ent, s.contract)
    assert "签署成功，等待对方签署" in resp.get_data(as_text=True)
    (first,) = signatures()
    assert (first.party, first.user_id, first.organization_id) == ("buyer", s.ent.id, s.buyer.id)
    assert first.password_confirmed_at is not None and first.ip_address

    resp = sign(client, auth, s.res, s.contract)
    assert "合同已完成网上签约" in resp.get_data(as_text=True)
    db.session.expire_all()
    doc = db.session.get(ContractDocument, doc.id)
    contract = db.session.get(Contract, s.contract.id)
    assert doc.is_signed and [x.party for x in doc.signatures] == ["buyer", "seller", "platform"]
    assert svc.contract_state(contract) == "signed_online" and contract.channel == "online"
    assert contract.signed_on == today()
    assert doc.pdf.startswith(doc.pdf[: doc.prepared_size]) and doc.current_hash != doc.document_hash
    check = verify_pdf(doc.pdf, [svc.authority().root], svc.authority().root)
    assert check.complete() and [x.signer for x in check.signatures][:2] == [s.buyer.name, s.seller.name]
    assert [x.person for x in check.signatures][:2] == ["张伟", "王强"]
    actions = [
        a.action for a in db.session.scalars(db.select(AuditLog).filter_by(entity="contract").order_by(AuditLog.id))
    ]
    assert actions == ["sign_start", "sign_done"]

    for user in (s.ent, s.res, s.broker, s.admin):  # everyone who can see it downloads the same signed bytes
        as_user(client, auth, user)
        resp = client.get(f"/contracts/{s.contract.id}/signing/pdf")
        assert resp.status_code == 200 and resp.mimetype == "application/pdf" and resp.data == doc.pdf
    resp = client.get(f"/contracts/{s.contract.id}/verify")
    assert "验证通过：甲方、乙方和平台三处签名均有效" in resp.get_data(as_text=True)
    # one wording of the state on every page (我的网上签约 said 已完成, then 已完成网上签约, the contract's 已网上签约)
    as_user(client, auth, s.res)
    mine = client.get("/contracts/signing/mine").get_data(as_text=True)
    assert '<span class="badge text-bg-success">已网上签约</span>' in mine and "已完成网上签约" not in mine
    page = client.get(f"/contracts/{s.contract.id}/signing").get_data(as_text=True)
    assert re.search(r'id="signing-state">已网上签约</span>', page)
    as_user(client, auth, s.broker)
    assert "状态：<strong>已网上签约</strong>" in client.get(f"/contracts/{s.contract.id}").get_data(as_text=True)

    report = build_report(YEAR)
    assert report["headline"]["text"] == "平台线上签订技术交易合同 1 项，合同金额 123.46 万元"
    assert report["headline_signed"]["text"] == "其中网上签约（电子签名）1 项，合同金额 123.46 万元"
    by_signing = {r["name"]: r["count"] for r in next(t for t in report["tables"] if t.key == "by_signing").rows}
    assert by_signing["网上签约（电子签名）"] == 1 and by_signing["经纪人登记·线下"] == 0


def test_a_signer_without_a_phone_is_named_with_their_email_under_that_label(app, client, auth):
    """The contract states each party's contact: a phone under 联系人及电话, an e-mail address (a signer who gave
    no phone) under 联系人及邮箱 — it said 电话 beside an e-mail address."""
    s = setup_parties()
    s.res.phone = "13800138000"
    db.session.commit()
    prepare(client, auth, s)
    as_user(client, auth, s.ent)
    page = client.get(f"/contracts/{s.contract.id}/signing").get_data(as_text=True)
    assert f"联系人及邮箱：张伟 {s.ent.email}" in page and "联系人及电话：王强 13800138000" in page
    assert "联系人及电话：张伟" not in page


def test_third_parties_cannot_see_sign_or_download(app, client, auth):
    """Another enterprise, a colleague not designated, another broker: 404; the credited broker cannot sign (403)."""
    s = setup_parties()
    prepare(client, auth, s)
    doc_hash = db.session.scalars(db.select(ContractDocument)).one().document_hash
    cid = s.contract.id
    outsiders = [make_user("enterprise"), make_user("enterprise", org=s.buyer), make_user("researcher"),
                 make_user("broker")]  # fmt: skip
    for user in outsiders:
        as_user(client, auth, user)
        assert client.get(f"/contracts/{cid}/signing").status_code == 404
        assert client.get(f"/contracts/{cid}/signing/pdf").status_code == 404
        assert client.get(f"/contracts/{cid}/verify").status_code == 404
        resp = client.post(f"/contracts/{cid}/signing/sign", data={"document_hash": doc_hash, "agree": "y",
                                                                   "password": "password123"})  # fmt: skip
        assert resp.status_code == 404
    as_user(client, auth, s.broker)
    resp = client.post(f"/contracts/{cid}/signing/sign", data={"document_hash": doc_hash, "agree": "y",
                                                               "password": "password123"})  # fmt: skip
    assert resp.status_code == 403
    assert signatures() == []
    as_user(client, auth, s.ent)  # the designated signer may not prepare or withdraw
    assert client.get(f"/contracts/{cid}/signing/prepare").status_code == 403
    assert client.post(f"/contracts/{cid}/signing/withdraw", data={"reason": "不想签了"}).status_code == 403


def test_a_changed_text_must_be_read_again(app, client, auth):
    """Withdrawn and prepared again: a signature of the old text (its hash) is refused; old signatures do not carry over."""
    s = setup_parties()
    first = prepare(client, auth, s)
    assert "签署成功" in sign(client, auth, s.ent, s.contract).get_data(as_text=True)
    as_user(client, auth, s.broker)
    client.post(f"/contracts/{s.contract.id}/signing/withdraw", data={"reason": "金额需调整"})
    assert svc.contract_state(s.contract) == "recorded"
    second = prepare(client, auth, s, payment_terms="验收合格后一次性支付。")
    assert second.version == 2 and second.document_hash != first.document_hash
    resp = sign(client, auth, s.res, s.contract, doc_hash=first.document_hash)
    assert "合同文本已更新，请重新阅读后再签署" in resp.get_data(as_text=True)
    assert [x.document_id for x in signatures()] == [first.id]
    as_user(client, auth, s.ent)
    page = client.get(f"/contracts/{s.contract.id}/signing").get_data(as_text=True)
    assert "以甲方授权代表身份签署" in page  # must sign the new text too
    old = client.get(f"/contracts/{s.contract.id}/signing/pdf?version=1")
    assert old.status_code == 200 and old.data == db.session.get(ContractDocument, first.id).pdf


def test_replayed_and_repeated_forms_change_nothing(app, client, auth):
    """A repeated prepare, sign or withdraw is answered without a second document, signature or move."""
    s = setup_parties()
    doc = prepare(client, auth, s)
    resp = client.post(f"/contracts/{s.contract.id}/signing/prepare", data=form(s), follow_redirects=True)
    assert "不能重复发起" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ContractDocument.id))) == 1
    sign(client, auth, s.ent, s.contract)
    resp = sign(client, auth, s.ent, s.contract, doc_hash=doc.document_hash)
    assert "您已签署过这份合同" in resp.get_data(as_text=True) and len(signatures()) == 1
    as_user(client, auth, s.broker)
    client.post(f"/contracts/{s.contract.id}/signing/withdraw", data={"reason": "重发"})
    resp = client.post(f"/contracts/{s.contract.id}/signing/withdraw", data={"reason": "重发"}, follow_redirects=True)
    assert "网上签约已撤回（撤回原因：重发），没有待签署的文本，无需再次撤回" in resp.get_data(as_text=True)
    assert [a.action for a in db.session.scalars(db.select(AuditLog).order_by(AuditLog.id))] == [
        "sign_start",
        "sign_stop",
    ]


def test_a_wrong_password_keeps_the_consent_ticked_unless_the_text_changed(app, client, auth):
    """Found 2026-12: after a wrong password the page came back with 我已完整阅读 unticked (a redirect
    dropped what was sent). It comes back as sent (422, the box ticked, the password empty); but if the
    text was prepared again meanwhile, the box is unticked: that consent was for the other text."""
    s = setup_parties()
    prepare(client, auth, s)
    resp = sign(client, auth, s.ent, s.contract, password="wrong-password")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "密码不正确，未签署" in page and signatures() == []
    assert "checked" in _agree_box(page)
    assert 'value="wrong-password"' not in page
    # beside 登录密码 too (the flash is far above it), where the page's script puts the focus
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*name="password"[^>]*>', page).group(0)
    assert 'id="password-error"><div>密码不正确，未签署</div>' in page
    old = re.search(r'name="document_hash" type="hidden" value="([0-9a-f]{64})"', page).group(1)
    as_user(client, auth, s.broker)
    client.post(f"/contracts/{s.contract.id}/signing/withdraw", data={"reason": "改付款条款"})
    new = prepare(client, auth, s, payment_terms="合同生效后十日内一次付清。")
    resp = sign(client, auth, s.ent, s.contract, doc_hash=old)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and signatures() == []
    assert new.document_hash in page and old not in page
    assert "checked" not in _agree_box(page)


def _agree_box(page):
    return re.search(r'<input[^>]*name="agree"[^>]*>', page).group(0)


def test_wrong_passwords_pause_signing(app, client, auth):
    """After SIGNING_PASSWORD_MAX_FAILURES wrong passwords, even the right one is refused for a while."""
    s = setup_parties()
    prepare(client, auth, s)
    for _ in range(app.config["SIGNING_PASSWORD_MAX_FAILURES"]):
        assert "密码不正确" in sign(client, auth, s.ent, s.contract, password="guess").get_data(as_text=True)
    assert "密码错误次数过多" in sign(client, auth, s.ent, s.contract).get_data(as_text=True)
    assert signatures() == []


def test_terms_are_fixed_while_signing_and_after(app, client, auth):
    """The contract form cannot change a text out for signing; after signing online the signed terms stay."""
    s = setup_parties()
    prepare(client, auth, s)
    with pytest.raises(Exception, match="正在网上签约中"):
        from matchmaker.contracts.services import update_contract

        update_contract(s.broker, s.contract, {"title": "改过的名称"}, s.contract.version)
    assert svc.edit_refusal(s.contract, {"note": "x"}) is not None
    db.session.rollback()
    doc = db.session.scalars(db.select(ContractDocument)).one()
    doc.status = "signed"  # as if signed: registration details may change, signed terms may not
    db.session.commit()
    assert svc.edit_refusal(s.contract, {"amount": Decimal("1.00")}).startswith("合同已网上签约，合同金额")
    assert svc.edit_refusal(s.contract, {"buyer_name": "别的公司"}) is not None
    assert svc.edit_refusal(s.contract, {"registration_no": "2024440001", "amount": s.contract.amount}) is None


def test_voiding_withdraws_the_text(app, client, auth):
    """A voided contract cannot be signed: its text awaiting signatures is withdrawn in the same transaction."""
    s = setup_parties()
    doc = prepare(client, auth, s)
    client.post(f"/contracts/{s.contract.id}/void", data={"reason": "双方终止合作", "version": s.contract.version})
    db.session.expire_all()
    assert db.session.get(ContractDocument, doc.id).status == "withdrawn"
    resp = sign(client, auth, s.ent, s.contract, doc_hash=doc.document_hash)
    assert "合同已作废，网上签约已终止，未签署" in resp.get_data(as_text=True) and signatures() == []


def test_signers_must_belong_to_the_parties(app, client, auth):
    """A signer chosen from another organisation (a tampered form) is refused; nothing is prepared."""
    s = setup_parties()
    stranger = make_user("enterprise")
    as_user(client, auth, s.broker)
    resp = client.post(f"/contracts/{s.contract.id}/signing/prepare", data=form(s, buyer_signer_id=str(stranger.id)))
    assert resp.status_code == 400 and "请选择甲方单位的签署人" in resp.get_data(as_text=True)
    resp = client.post(f"/contracts/{s.contract.id}/signing/prepare", data=form(s, end="2020-01-01"))
    assert resp.status_code == 400 and "结束日期不能早于开始日期" in resp.get_data(as_text=True)
    # 0001-01-01 to 9999-12-31 was printed into a contract and both signers were asked to sign it
    resp = client.post(
        f"/contracts/{s.contract.id}/signing/prepare", data=form(s, start="0001-01-01", end="9999-12-31")
    )
    body = resp.get_data(as_text=True)
    assert "履行期限起应在 2000 年至" in body and "履行期限止应在 2000 年至" in body
    assert db.session.scalar(db.select(db.func.count(ContractDocument.id))) == 0


def test_an_organisation_gets_one_certificate_reused(app, client, auth):
    """The platform CA issues an organisation's certificate once; its key is stored encrypted."""
    s = setup_parties()
    prepare(client, auth, s)
    sign(client, auth, s.ent, s.contract)
    (cred,) = db.session.scalars(db.select(SigningCredential)).all()
    assert cred.organization_id == s.buyer.id and "ENCRYPTED PRIVATE KEY" in cred.private_key_pem
    assert svc.credential_for(s.buyer).id == cred.id


def test_an_organisation_signs_with_a_licensed_ca_pkcs12(app, client, auth, runner, tmp_path):
    """`flask signing use-pkcs12`: the enterprise signs with its own CA's certificate, trusted once configured."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    from matchmaker.signing.authority import Authority, Subject

    s = setup_parties()
    licensed = Authority.ensure(tmp_path / "licensed-ca", name="某电子认证服务有限公司")
    issued = licensed.issue(Subject(s.buyer.name, s.buyer.uscc))
    p12 = pkcs12.serialize_key_and_certificates(
        b"org", licensed.cipher.decrypt(issued.key_pem), x509.load_pem_x509_certificate(issued.cert_pem),
        [licensed.root], BestAvailableEncryption(b"p12-pass"),
    )  # fmt: skip
    (tmp_path / "org.p12").write_bytes(p12)
    out = runner.invoke(args=["signing", "use-pkcs12", str(s.buyer.id), str(tmp_path / "org.p12")], input="wrong\n")
    assert out.exit_code != 0 and "口令" in out.output
    out = runner.invoke(args=["signing", "use-pkcs12", str(s.buyer.id), str(tmp_path / "org.p12")], input="p12-pass\n")
    assert out.exit_code == 0, out.output
    (cred,) = db.session.scalars(db.select(SigningCredential)).all()
    assert cred.kind == "pkcs12" and cred.private_key_pem is None and b"p12-pass" not in (cred.pkcs12_passphrase or b"")
    from matchmaker.contracts.signing_keys import signing_dir

    assert (signing_dir() / "pkcs12" / cred.pkcs12_file).read_bytes() == p12

    (tmp_path / "licensed-root.pem").write_bytes(licensed.root_pem)
    app.config["SIGNING_TRUST_ROOTS"] = [str(tmp_path / "licensed-root.pem")]
    prepare(client, auth, s)
    assert "签署成功" in sign(client, auth, s.ent, s.contract).get_data(as_text=True)
    assert "合同已完成网上签约" in sign(client, auth, s.res, s.contract).get_data(as_text=True)
    doc = db.session.scalars(db.select(ContractDocument)).one()
    check = svc.verify_document(doc)
    assert check.complete()
    buyer, seller, platform = check.signatures
    assert buyer.issuer == "某电子认证服务有限公司" and buyer.trusted and not buyer.platform_ca
    assert seller.platform_ca and platform.platform_ca
    app.config["SIGNING_TRUST_ROOTS"] = ()
    assert not svc.verify_document(doc).ok  # without the licensed CA configured, its signature is not trusted


def test_characters_the_pdf_cannot_show_are_refused_not_dropped(app, client, auth):
    """An emoji or a rare character typed in a clause: refused in Chinese with the form kept, not left out of the PDF."""
    s = setup_parties()
    as_user(client, auth, s.broker)
    subject = "开发低温封装工艺😀，负责人𠀀工。"
    resp = client.post(f"/contracts/{s.contract.id}/signing/prepare", data=form(s, subject=subject))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "无法写入合同 PDF" in page and "😀、𠀀" in page
    assert subject in page  # what was typed is kept
    assert db.session.scalars(db.select(ContractDocument)).all() == []
    assert svc.contract_state(s.contract) == "recorded"


def test_wrong_passwords_sent_at_once_are_checked_no_more_than_the_limit(file_app):
    """Ten wrong passwords at the same moment: at most SIGNING_PASSWORD_MAX_FAILURES are checked, the rest
    refused as too many; a right password afterwards forgets nothing it should not (still paused)."""
    from matchmaker.models import User

    from ..races import at_once

    limit = file_app.config["SIGNING_PASSWORD_MAX_FAILURES"]
    with file_app.app_context():
        uid = make_user("enterprise").id

    def attempt():
        user = db.session.get(User, uid)
        return lambda: svc._confirm_password(user, "guess-wrong")

    outcomes = at_once(file_app, [attempt] * 10, refused=svc.SigningError)
    assert outcomes.count("密码不正确，未签署") <= limit
    assert outcomes.count("密码错误次数过多，请稍后再签署") >= 10 - limit


def test_a_right_password_forgets_earlier_wrong_ones(app):
    user = make_user("enterprise")
    limit = app.config["SIGNING_PASSWORD_MAX_FAILURES"]
    for _ in range(limit - 1):
        with pytest.raises(svc.SigningError, match="密码不正确"):
            svc._confirm_password(user, "guess")
    svc._confirm_password(user, "password123")
    for _ in range(limit - 1):
        with pytest.raises(svc.SigningError, match="密码不正确"):
            svc._confirm_password(user, "guess")


def _sign_again(client, contract, password):
    """Post the signing form again, logged in already (a login would clear the throttle's failures)."""
    page = client.get(f"/contracts/{contract.id}/signing").get_data(as_text=True)
    doc_hash = re.search(r'name="document_hash" type="hidden" value="([0-9a-f]{64})"', page).group(1)
    data = {"document_hash": doc_hash, "password": password, "agree": "y"}
    return client.post(f"/contracts/{contract.id}/signing/sign", data=data)


def test_a_wrong_signing_password_is_a_failed_login(app, client, auth):
    """A wrong password on the signing page counts in the login throttle (login_attempt), as the login form's."""
    from matchmaker.models import LoginAttempt

    s = setup_parties()
    prepare(client, auth, s)
    as_user(client, auth, s.ent)
    resp = _sign_again(client, s.contract, "guess")
    assert resp.status_code == 422 and "密码不正确，未签署" in resp.get_data(as_text=True)
    attempts = db.select(db.func.count(LoginAttempt.id)).filter_by(account=s.ent.email)
    assert db.session.scalar(attempts) == 1
    assert _sign_again(client, s.contract, "password123").status_code == 303  # a right one forgets it
    assert db.session.scalar(attempts) == 0 and len(signatures()) == 1


def test_a_login_lockout_stops_signing(app, client, auth):
    """Failures at the login form lock signing too (429, Retry-After), and failures at signing lock the login
    form: together no more guesses than LOGIN_MAX_FAILURES, below the signing page's own limit."""
    s = setup_parties()
    prepare(client, auth, s)
    as_user(client, auth, s.ent)
    app.config["LOGIN_MAX_FAILURES"] = 3
    assert app.config["SIGNING_PASSWORD_MAX_FAILURES"] > 3
    other = app.test_client()
    for _ in range(2):
        assert other.post("/auth/login", data={"email": s.ent.email, "password": "nope"}).status_code == 200
    assert _sign_again(client, s.contract, "guess").status_code == 422
    resp = _sign_again(client, s.contract, "password123")
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) > 0
    assert "密码错误次数过多" in resp.get_data(as_text=True) and signatures() == []
    assert other.post("/auth/login", data={"email": s.ent.email, "password": "password123"}).status_code == 429


def test_a_withdraw_or_signature_that_finds_no_text_says_why(app, client, auth):
    """No text awaits: the refusal names what became of it (withdrawn and why, completed), not only that none awaits."""
    s = setup_parties()
    doc = prepare(client, auth, s)
    as_user(client, auth, s.broker)
    client.post(f"/contracts/{s.contract.id}/signing/withdraw", data={"reason": "金额有误"})
    resp = sign(client, auth, s.ent, s.contract, doc_hash=doc.document_hash)
    assert "网上签约已撤回（撤回原因：金额有误），没有待签署的文本，未签署" in resp.get_data(as_text=True)
    assert signatures() == []
