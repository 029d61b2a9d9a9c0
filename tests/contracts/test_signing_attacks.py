"""Attacks on online signing: simultaneous signatures, forged or huge uploads to /contracts/verify, the CLI."""

import os
import threading
from io import BytesIO

import pytest

from matchmaker.contracts import signing_services as svc
from matchmaker.extensions import db
from matchmaker.models import Contract, ContractDocument, ContractSignature, SigningCredential, User
from matchmaker.signing.verify import verify_pdf

from ..factories import make_org, make_user
from .once import made_once
from .test_signing import as_user, form, setup_parties


def _prepared(s):
    """The broker's document, prepared through the service (no HTTP needed)."""
    data = form(s)
    from datetime import date

    data.update(start=date(2024, 3, 1), end=date(2025, 2, 28), buyer_signer_id=s.ent.id, seller_signer_id=s.res.id)
    return svc.prepare(s.broker, s.contract, data)


def _signed(s):
    """Prepared and signed, the university first (either party may sign first)."""
    doc = _prepared(s)
    svc.sign_as_party(s.res, s.contract, doc.document_hash, "password123")
    svc.sign_as_party(s.ent, s.contract, doc.document_hash, "password123")
    return db.session.get(ContractDocument, doc.id)


def _signed_once(made):
    """setup_parties() with its contract prepared and signed (``_signed``): made once per module, a copy after."""

    def make():
        s = setup_parties()
        s.doc = _signed(s)
        return s

    return made_once(made, make)


def _race(app, jobs):
    """Run each (user_id, contract_id, hash) signing at the same moment in its own thread and session."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(i, user_id, contract_id, doc_hash):
        with app.app_context():
            user, contract = db.session.get(User, user_id), db.session.get(Contract, contract_id)
            barrier.wait()
            try:
                svc.sign_as_party(user, contract, doc_hash, "password123")
                outcomes[i] = "signed"
            except svc.AlreadySigned:
                outcomes[i] = "already"
            except svc.SigningError as exc:
                outcomes[i] = f"error: {exc}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return outcomes


def test_both_parties_sign_at_the_same_moment(file_app):
    """Two signatures on the same bytes at once: one waits for the other's bytes, and the file has all three."""
    with file_app.app_context():
        s = setup_parties()
        doc = _prepared(s)
        jobs = [(s.ent.id, s.contract.id, doc.document_hash), (s.res.id, s.contract.id, doc.document_hash)]
        doc_id = doc.id
        db.session.remove()
    outcomes = _race(file_app, jobs)
    assert outcomes == ["signed", "signed"], outcomes
    with file_app.app_context():
        doc = db.session.get(ContractDocument, doc_id)
        assert doc.is_signed and sorted(x.party for x in doc.signatures) == ["buyer", "platform", "seller"]
        check = verify_pdf(doc.pdf, [svc.authority().root], svc.authority().root)
        assert check.complete(), [x.summary for x in check.signatures]
        db.session.remove()


def test_one_party_signs_twice_at_the_same_moment(file_app):
    """A double click from two tabs: exactly one signature, the other told it is already signed."""
    with file_app.app_context():
        s = setup_parties()
        doc = _prepared(s)
        jobs = [(s.ent.id, s.contract.id, doc.document_hash)] * 2
        doc_id = doc.id
        db.session.remove()
    outcomes = _race(file_app, jobs)
    assert sorted(outcomes) == ["already", "signed"], outcomes
    with file_app.app_context():
        rows = db.session.scalars(db.select(ContractSignature).filter_by(document_id=doc_id)).all()
        assert [r.party for r in rows] == ["buyer"]
        doc = db.session.get(ContractDocument, doc_id)
        check = verify_pdf(doc.pdf, [svc.authority().root], svc.authority().root)
        assert [x.field for x in check.signatures] == ["Signature_PartyA"] and check.ok and doc.is_awaiting
        db.session.remove()


def _upload(client, data, name="contract.pdf"):
    return client.post("/contracts/verify", data={"file": (BytesIO(data), name)}, content_type="multipart/form-data")


def test_verify_page_on_genuine_tampered_and_foreign_files(app, client, auth, made):
    """Anyone may check a file; a byte changed anywhere fails; garbage and oversized files are refused with a message."""
    app.config["SIGNING_VERIFY_RATE_LIMIT"] = "20 per minute"  # ten uploads from one address here
    s = _signed_once(made)
    doc = s.doc
    pdf = doc.pdf
    page = _upload(client, pdf).get_data(as_text=True)  # anonymous
    assert "验证通过：甲方、乙方和平台三处签名均有效" in page and "本平台签发" in page
    assert "与平台存档的合同文件完全一致" in page and f"/contracts/{s.contract.id}/signing" not in page
    assert s.buyer.name in page and s.seller.name in page and "可信时间戳" in page

    as_user(client, auth, s.ent)  # a party sees the link to its contract
    assert f"/contracts/{s.contract.id}/signing" in _upload(client, pdf).get_data(as_text=True)

    tampered = bytearray(pdf)
    i = doc.prepared_size // 3
    tampered[i] ^= 0x01
    resp = _upload(client, bytes(tampered))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "验证未通过" in page and page.count("签名后内容被改动") == 3
    assert "完全一致" not in page

    resp = _upload(client, pdf[: doc.prepared_size])  # the text before anyone signed
    assert "该文件没有数字签名" in resp.get_data(as_text=True)

    junk = [(b"MZ\x90\x00 not a pdf", "a.exe", "这不是 PDF 文件"), (b"", "c.pdf", "这不是 PDF 文件"),
            (b"%PDF-1.7\n" + os.urandom(4000), "b.pdf", "无法读取该 PDF 文件")]  # fmt: skip
    for data, name, message in junk:
        resp = _upload(client, data, name)
        assert resp.status_code == 400 and message in resp.get_data(as_text=True), name
    resp = client.post("/contracts/verify", data={}, content_type="multipart/form-data")
    assert resp.status_code == 400 and "请选择要验证的 PDF 文件" in resp.get_data(as_text=True)

    app.config["SIGNING_VERIFY_MAX_BYTES"] = 100_000
    resp = _upload(client, pdf + b"\n" * 200_000)
    assert resp.status_code == 413
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    resp = _upload(client, pdf + b"\n" * 200_000)
    assert resp.status_code == 413  # refused before the body is read


def test_platform_ca_is_published(app, client):
    """The root certificate verifiers trust is downloadable, and the same one the page shows."""
    resp = client.get("/contracts/verify/ca.pem")
    assert resp.status_code == 200 and resp.data.startswith(b"-----BEGIN CERTIFICATE-----")
    assert resp.data == svc.authority().root_pem
    assert svc.authority().root_fingerprint in client.get("/contracts/verify").get_data(as_text=True)


def test_commands_init_ca_and_verify(app, runner, tmp_path, made):
    """`flask signing init-ca` shows the CA; `flask signing verify FILE` exits 0 for a good file, 1 for a tampered one."""
    out = runner.invoke(args=["signing", "init-ca"])
    assert out.exit_code == 0 and svc.authority().root_fingerprint in out.output
    s = _signed_once(made)
    doc = s.doc
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(doc.pdf)
    tampered = bytearray(doc.pdf)
    tampered[100] ^= 0x01
    bad.write_bytes(bytes(tampered))
    out = runner.invoke(args=["signing", "verify", str(good)])
    assert out.exit_code == 0 and "验证通过" in out.output and s.buyer.name in out.output
    out = runner.invoke(args=["signing", "verify", str(bad)])
    assert out.exit_code == 1 and "验证未通过" in out.output


def test_an_amount_saved_while_the_text_is_laid_out_is_not_signed_over(file_app, monkeypatch):
    """Another broker saves a new amount while the PDF is being made: no text goes out with the old amount."""
    from decimal import Decimal

    from matchmaker.contracts import services

    with file_app.app_context():
        s = setup_parties(amount="65700.00")
        ids = (s.broker.id, s.contract.id, s.buyer.name, s.seller.name, s.ent.id, s.res.id)
        db.session.remove()

    def other_broker_saves():
        with file_app.app_context():
            broker, contract = db.session.get(User, ids[0]), db.session.get(Contract, ids[1])
            data = {"amount": Decimal("10000.00"), "transaction_amount": Decimal("10000.00"),
                    "buyer_name": ids[2], "seller_name": ids[3]}  # fmt: skip
            services.update_contract(broker, contract, data, contract.version)
            db.session.remove()

    real_render = svc.render_pdf

    def render_meanwhile(*args, **kw):
        t = threading.Thread(target=other_broker_saves)  # commits while this request lays out the PDF
        t.start()
        t.join()
        return real_render(*args, **kw)

    monkeypatch.setattr(svc, "render_pdf", render_meanwhile)
    with file_app.app_context():
        s.contract, s.broker = db.session.get(Contract, ids[1]), db.session.get(User, ids[0])
        s.ent, s.res = db.session.get(User, ids[4]), db.session.get(User, ids[5])
        try:
            _prepared(s)
            refused = None
        except svc.SigningError as exc:
            refused = str(exc)
        db.session.remove()
    with file_app.app_context():
        contract = db.session.get(Contract, ids[1])
        docs = db.session.scalars(db.select(ContractDocument).filter_by(contract_id=ids[1])).all()
        assert contract.amount == Decimal("10000.00")
        assert [d.terms["amount"] for d in docs] in ([], ["10000.00"]), "the text out for signing states another amount"
        assert refused and "刷新页面" in refused
        db.session.remove()


def test_the_last_signer_is_told_the_contract_was_voided_meanwhile(file_app, monkeypatch):
    """Voided while the last party's signature is being made: nothing signed, and the signer reads 已作废, not 已登记."""
    from matchmaker.contracts import services

    with file_app.app_context():
        s = setup_parties()
        doc = _prepared(s)
        svc.sign_as_party(s.ent, s.contract, doc.document_hash, "password123")
        ids = (s.broker.id, s.contract.id, s.res.id, doc.id, doc.document_hash)
        db.session.remove()

    def broker_voids():
        with file_app.app_context():
            services.void_contract(db.session.get(User, ids[0]), db.session.get(Contract, ids[1]), "双方解除合同")
            db.session.remove()

    real_sign = svc.pades.sign_party

    def sign_meanwhile(*args, **kw):
        t = threading.Thread(target=broker_voids)
        t.start()
        t.join()
        return real_sign(*args, **kw)

    monkeypatch.setattr(svc.pades, "sign_party", sign_meanwhile)
    with file_app.app_context():
        user, contract = db.session.get(User, ids[2]), db.session.get(Contract, ids[1])
        try:
            svc.sign_as_party(user, contract, ids[4], "password123")
            refused = None
        except svc.SigningError as exc:
            refused = str(exc)
        db.session.remove()
    assert refused and "作废" in refused and "已登记" not in refused, refused
    with file_app.app_context():
        doc = db.session.get(ContractDocument, ids[3])
        assert doc.status == "withdrawn" and [x.party for x in doc.signatures] == ["buyer"]
        assert db.session.get(Contract, ids[1]).voided
        # the university's first signature: the certificate issued for it was dropped with it
        assert [c.organization_id for c in db.session.scalars(db.select(SigningCredential))] == [doc.contract.buyer_id]
        db.session.remove()


def test_a_signer_replaced_on_a_new_text_no_longer_sees_the_contract(app, client, auth):
    """The broker sent the text to the wrong colleague, withdrew it and sent it to the right one: the colleague first
    chosen still read every later text (amount, terms) and downloaded the signed PDF. Now 404, as for any colleague
    not designated; the signer of the text in force still sees it."""
    from .test_signing import prepare, sign

    s = setup_parties()
    wrong = make_user("enterprise", org=s.buyer, name="赵错")
    prepare(client, auth, s, buyer_signer_id=str(wrong.id))
    client.post(f"/contracts/{s.contract.id}/signing/withdraw", data={"reason": "签署人选错"})
    prepare(client, auth, s)
    sign(client, auth, s.ent, s.contract)
    sign(client, auth, s.res, s.contract)
    as_user(client, auth, wrong)
    for url in ("signing", "signing/pdf", "verify"):
        assert client.get(f"/contracts/{s.contract.id}/{url}").status_code == 404, url
    as_user(client, auth, s.ent)
    assert client.get(f"/contracts/{s.contract.id}/signing/pdf").status_code == 200


def test_a_signer_who_left_the_party_no_longer_sees_the_contract(app, client, auth, made):
    """The buyer's signer moved to another enterprise: they kept reading the contract and downloading its PDF. Now 404;
    the other party's signer still sees it."""
    s = _signed_once(made)
    s.ent.organization = make_org("enterprise")
    db.session.commit()
    as_user(client, auth, s.ent)
    for url in ("signing", "signing/pdf", "verify"):
        assert client.get(f"/contracts/{s.contract.id}/{url}").status_code == 404, url
    as_user(client, auth, s.res)
    assert client.get(f"/contracts/{s.contract.id}/signing").status_code == 200


def test_a_signer_who_left_the_party_is_not_asked_to_sign(app, client, auth):
    """The buyer's designated signer moved to another enterprise before signing: their dashboard still said 待我签署的
    合同 1 and 我的签约 listed the contract, whose page they may no longer open. Now neither shows it; the other
    party's signer still has it waiting."""
    s = setup_parties()
    _prepared(s)
    assert svc.awaiting_my_signature_count(s.ent) == 1
    s.ent.organization = make_org("enterprise")
    db.session.commit()
    assert svc.awaiting_my_signature_count(s.ent) == 0
    as_user(client, auth, s.ent)
    page = client.get("/contracts/signing/mine").get_data(as_text=True)
    assert s.contract.title not in page
    as_user(client, auth, s.res)
    page = client.get("/contracts/signing/mine?awaiting=1").get_data(as_text=True)
    assert s.contract.title in page and svc.awaiting_my_signature_count(s.res) == 1


def test_the_other_signature_saved_while_signing(file_app, monkeypatch):
    """The other party's signature is saved while this one's is being made from the bytes read before it (the
    document, read again before the save, is of a newer version): signing starts again from the saved bytes,
    rather than certifying a file with one party's signature and telling the signer that it failed."""
    with file_app.app_context():
        s = setup_parties()
        doc = _prepared(s)
        ids = (s.ent.id, s.res.id, s.contract.id, doc.document_hash, doc.id)
        db.session.remove()
    ent_id, res_id, contract_id, doc_hash, doc_id = ids
    real, fired = svc.pades.sign_party, []

    def other_saves_meanwhile(pdf, *args, **kwargs):
        if not fired:
            fired.append(True)
            outcome = _race(file_app, [(res_id, contract_id, doc_hash)])
            assert outcome == ["signed"], outcome
        return real(pdf, *args, **kwargs)

    monkeypatch.setattr(svc.pades, "sign_party", other_saves_meanwhile)
    with file_app.app_context():
        svc.sign_as_party(db.session.get(User, ent_id), db.session.get(Contract, contract_id), doc_hash, "password123")
        db.session.remove()
    assert fired
    with file_app.app_context():
        doc = db.session.get(ContractDocument, doc_id)
        assert doc.is_signed and [x.party for x in doc.signatures] == ["seller", "buyer", "platform"]
        check = verify_pdf(doc.pdf, [svc.authority().root], svc.authority().root)
        assert check.complete(), [x.summary for x in check.signatures]
        # each organisation's certificate issued on the way, once: the one of the signature made again is stored
        creds = sorted(db.session.scalars(db.select(SigningCredential.id)))
        assert creds == sorted(x.credential_id for x in doc.signatures[:2]) and len(set(creds)) == 2
        db.session.remove()


@pytest.mark.parametrize("after_read", [1, 2])
def test_a_download_while_the_last_signature_is_saved_is_of_one_moment(file_app, after_read):
    """The last signature saved while a party downloads the PDF, after the request's first or second read of
    the document: the file's name and its bytes are of one moment (read apart, a file named 待签署 held the
    signed contract)."""
    from urllib.parse import unquote

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from ..conftest import AuthActions

    with file_app.app_context():
        s = setup_parties()
        doc = _prepared(s)
        svc.sign_as_party(s.res, s.contract, doc.document_hash, "password123")
        ent_id, contract_id, doc_hash = s.ent.id, s.contract.id, doc.document_hash
        client = file_app.test_client()
        AuthActions(client).login(s.ent)
        db.session.remove()
    reads, fired = [], []

    def last_signature_meanwhile(state):
        if threading.current_thread() is not threading.main_thread() or fired or not state.is_select:
            return None
        if "contract_document" not in str(state.statement):
            return None
        reads.append(True)
        if len(reads) < after_read:
            return None
        fired.append(True)
        result = state.invoke_statement().freeze()  # this read, then the other signature saved
        assert _race(file_app, [(ent_id, contract_id, doc_hash)]) == ["signed"]
        return result()

    event.listen(Session, "do_orm_execute", last_signature_meanwhile)
    try:
        resp = client.get(f"/contracts/{contract_id}/signing/pdf")
    finally:
        event.remove(Session, "do_orm_execute", last_signature_meanwhile)
    assert resp.status_code == 200 and fired
    name = unquote(resp.headers["Content-Disposition"])
    with file_app.app_context():
        check = verify_pdf(resp.data, [svc.authority().root], svc.authority().root)
    fields = [x.field for x in check.signatures]
    if "待签署" in name:
        assert fields == ["Signature_PartyB"], (name, fields)
    else:
        assert "已签署" in name and check.complete(), (name, fields)


def test_a_file_refused_for_itself_marks_the_file_field(app, client, monkeypatch):
    """这不是 PDF 文件 stood under the form, tied to nothing, the focus left at the top of the page: the file field
    is now marked invalid and described by it (the page's script focuses it). A busy verifier is not the file's
    fault: the field stays unmarked."""

    def file_input(page):
        at = page.index('id="file"')
        return page[page.rindex("<input", 0, at) : page.index(">", at)]

    resp = _upload(client, b"MZ\x90\x00 not a pdf", "a.exe")
    page = resp.get_data(as_text=True)
    field = file_input(page)
    assert resp.status_code == 400 and 'aria-describedby="verify-error"' in field and 'aria-invalid="true"' in field
    assert '<div class="alert alert-danger" id="verify-error">这不是 PDF 文件' in page

    def busy(data):
        raise svc.VerifierBusy("系统正忙：同时验证的文件过多，请约 8 秒后再试", 8)

    monkeypatch.setattr(svc, "verify_upload", busy)
    resp = _upload(client, b"%PDF-1.7\n")
    page = resp.get_data(as_text=True)
    field = file_input(page)
    assert resp.status_code == 503 and "系统正忙" in page and "aria-invalid" not in field
