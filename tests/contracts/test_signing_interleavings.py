"""Online signing against what other people commit while a signature is being made: the signer's password check
commits (the login throttle's rows), after which every row read before is read again, so a text withdrawn, voided
or prepared again meanwhile must stop the signature; and the other party's signature, a withdrawal or a voiding
committed before any one of the request's reads leaves a consistent document."""

import sqlite3
import threading
from datetime import date

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from matchmaker.contracts import lifecycle
from matchmaker.contracts import services as contract_services
from matchmaker.contracts import signing_services as svc
from matchmaker.extensions import db
from matchmaker.models import AuditLog, Contract, ContractDocument, User
from matchmaker.signing.verify import verify_pdf

from ..conftest import DB_URL, AuthActions, _empty_tables
from .once import on_raw
from .test_signing import form, setup_parties
from .test_signing_attacks import _prepared


def _in_other_session(app, fn, wait=None):
    """Run fn() in its own thread, app context and session (committing there); its result or exception.
    With ``wait``, give up waiting after that many seconds (it may be blocked by this thread's locks) and return
    the thread, to be joined later."""
    out = []

    def run():
        with app.app_context():
            try:
                out.append(fn())
            except Exception as exc:  # noqa: BLE001 - reported to the test
                out.append(exc)
            finally:
                db.session.remove()

    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=wait or 300)
    return out, t


def _setup(file_app, first_signed, made):
    """The broker's prepared document (signed by the university when ``first_signed``) in this app's database; the
    ids of its rows. On a SQLite file the first test needing a state makes it and keeps a copy of the database
    (SQLite's backup API, as tests/contracts/once.py does); every later one copies it into its own empty file: the
    same rows and ids, and nothing one test (or interleaving) changes reaches another. On PostgreSQL each makes
    its own."""
    with file_app.app_context():
        if not DB_URL and first_signed in made:
            copy, ids = made[first_signed]
            on_raw(lambda conn: copy.backup(conn))
            db.session.remove()
            db.engine.dispose()  # no connection of the pool read the empty file's schema
            return dict(ids)
        s = setup_parties()
        doc = _prepared(s)
        if first_signed:  # the university has signed: the enterprise's signature is the last
            svc.sign_as_party(s.res, s.contract, doc.document_hash, "password123")
        ids = dict(ent=s.ent.id, res=s.res.id, broker=s.broker.id, contract=s.contract.id, doc=doc.id,
                   hash=doc.document_hash)  # fmt: skip
        db.session.commit()
        db.session.remove()
        if not DB_URL:
            copy = sqlite3.connect(":memory:", check_same_thread=False)
            on_raw(lambda conn: conn.backup(copy))
            made[first_signed] = (copy, dict(ids))
    return ids


def _withdraw(ids):
    def run():
        svc.withdraw(db.session.get(User, ids["broker"]), db.session.get(Contract, ids["contract"]), "改正条款")
        return "withdrawn"

    return run


def _void(ids):
    def run():
        contract = db.session.get(Contract, ids["contract"])
        contract_services.void_contract(db.session.get(User, ids["broker"]), contract, "双方协商解除")
        return "voided"

    return run


def _withdraw_and_prepare(ids):
    def run():
        broker, contract = db.session.get(User, ids["broker"]), db.session.get(Contract, ids["contract"])
        svc.withdraw(broker, contract, "改正条款")
        s = type("S", (), {})()
        s.ent, s.res = db.session.get(User, ids["ent"]), db.session.get(User, ids["res"])
        data = form(s)
        data.update(start=date(2024, 3, 1), end=date(2025, 2, 28), buyer_signer_id=s.ent.id, seller_signer_id=s.res.id)
        return svc.prepare(broker, contract, data).version

    return run


def _sign_as(user_key, ids):
    def run():
        user, contract = db.session.get(User, ids[user_key]), db.session.get(Contract, ids["contract"])
        svc.sign_as_party(user, contract, ids["hash"], "password123")
        return "signed"

    return run


def _ent_signs(file_app, ids):
    with file_app.app_context():
        try:
            ent, contract = db.session.get(User, ids["ent"]), db.session.get(Contract, ids["contract"])
            svc.sign_as_party(ent, contract, ids["hash"], "password123")
            return "signed"
        except svc.AlreadySigned:
            return "already"
        except svc.SigningError as exc:
            return f"error: {exc}"
        finally:
            db.session.remove()


def _consistent(file_app, ids):
    """The stored state whatever happened: a withdrawn text was not signed after its withdrawal, a signed one
    verifies with all three signatures, and the contract's state is its newest live document's."""
    with file_app.app_context():
        docs = db.session.scalars(
            db.select(ContractDocument).filter_by(contract_id=ids["contract"]).order_by(ContractDocument.version)
        ).all()
        contract = db.session.get(Contract, ids["contract"])
        for doc in docs:
            parties = [x.party for x in doc.signatures]
            if doc.is_signed:
                check = verify_pdf(doc.pdf, [svc.authority().root], svc.authority().root)
                assert check.complete() and sorted(parties) == ["buyer", "platform", "seller"], parties
            else:
                assert "platform" not in parties, parties
            if doc.withdrawn_at is not None:
                late = [x.party for x in doc.signatures if x.signed_at > doc.withdrawn_at]
                assert not late, f"version {doc.version} signed by {late} after it was withdrawn"
            assert len(doc.pdf) == max([doc.prepared_size] + [x.size_after for x in doc.signatures])
        signed = [d.version for d in docs if d.is_signed]
        assert len(signed) <= 1, signed
        state = lifecycle.state_of(contract)
        live = lifecycle.live_document(contract)
        if contract.voided:
            assert all(d.status == "withdrawn" or d.is_signed for d in docs)
        elif live is None:
            assert state in (lifecycle.RECORDED, lifecycle.REGISTERED)
        else:
            assert state == (lifecycle.SIGNED_ONLINE if live.is_signed else lifecycle.AWAITING)
        actions = db.session.scalars(
            db.select(AuditLog.action).filter_by(entity="contract", entity_id=ids["contract"]).order_by(AuditLog.id)
        ).all()
        assert actions.count("sign_done") == len(signed), actions
        result = [(d.version, d.status, [x.party for x in d.signatures]) for d in docs]
        db.session.remove()
    return result


@pytest.mark.parametrize("first_signed", [False, True], ids=["first-signature", "last-signature"])
@pytest.mark.parametrize("meanwhile", [_withdraw, _void], ids=["withdrawn", "voided"])
def test_the_text_withdrawn_while_the_password_is_checked_is_not_signed(file_app, monkeypatch, first_signed,
                                                                         meanwhile, made):  # fmt: skip
    """The password check commits (the login throttle), so the document is read again afterwards: a withdrawal or
    voiding committed while the password was checked (a slow hash) stops the signature, rather than the signature
    being saved into the withdrawn text (and the other party asked to sign it)."""
    ids = _setup(file_app, first_signed, made)
    real, done = svc._confirm_password, []

    def confirm_then_withdrawn(*args, **kwargs):
        real(*args, **kwargs)
        if not done:
            done.append(_in_other_session(file_app, meanwhile(ids))[0])

    monkeypatch.setattr(svc, "_confirm_password", confirm_then_withdrawn)
    outcome = _ent_signs(file_app, ids)
    assert done and done[0] in (["withdrawn"], ["voided"]), done
    told = "合同已被作废，未签署" if meanwhile is _void else "这份合同的签署已撤回或已完成"
    assert outcome == f"error: {told}", outcome
    result = _consistent(file_app, ids)
    assert result == [(1, "withdrawn", ["seller"] if first_signed else [])], result


def test_the_text_withdrawn_and_prepared_again_while_the_last_signer_confirms(file_app, monkeypatch, made):
    """Withdrawn and prepared again (version 2) while the last signer's password was checked: version 1 stays
    withdrawn, version 2 waits for both parties, and the contract is waiting for signatures (the last signature
    of version 1 completed the contract on the withdrawn text, and version 2 stayed out beside it)."""
    ids = _setup(file_app, True, made)
    real, done = svc._confirm_password, []

    def confirm_then_prepared_again(*args, **kwargs):
        real(*args, **kwargs)
        if not done:
            done.append(_in_other_session(file_app, _withdraw_and_prepare(ids))[0])

    monkeypatch.setattr(svc, "_confirm_password", confirm_then_prepared_again)
    outcome = _ent_signs(file_app, ids)
    assert done == [[2]], done
    assert outcome.startswith("error: "), outcome
    assert _consistent(file_app, ids) == [(1, "withdrawn", ["seller"]), (2, "awaiting_signatures", [])]
    with file_app.app_context():
        assert lifecycle.state_of(db.session.get(Contract, ids["contract"])) == lifecycle.AWAITING
        db.session.remove()


def _app(make_app, tmp_path, n):
    """A fresh database for each interleaving: a SQLite file of its own, or the PostgreSQL test database emptied."""
    return make_app(**({} if DB_URL else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / f'races{n}.sqlite'}"}))


def _as_built(app, built):
    """``app`` as it was just built (``built``: its config and extensions then), for the next interleaving: the
    config and extensions (the signing keys' cache) as built, new rate-limit counters, the job queue on this app.
    Building an app for each (160 routes, the OpenAPI document) took a quarter to two fifths of the time. Its database is
    given by ``_setup``: the kept copy written over the whole SQLite file, or PostgreSQL's tables emptied here."""
    from matchmaker.extensions import limiter
    from matchmaker.jobs import queue

    app.config.clear()
    app.config.update(built["config"])
    for key in set(app.extensions) - built["extensions"]:
        del app.extensions[key]
    limiter.init_app(app)
    queue.init_app(app)
    if DB_URL:
        with app.app_context():
            _empty_tables()
            db.session.remove()


def _logged_in(app, user_id):
    client = app.test_client()
    with app.app_context():
        AuthActions(client).login(db.session.get(User, user_id))
        db.session.remove()
    return client


def _contract_read(state):
    """A read of the contract's, its documents' or their signatures' rows by this (the request's) thread."""
    return (threading.current_thread() is threading.main_thread() and state.is_select
            and "contract" in str(state.statement))  # fmt: skip


def _sign_request(client, ids):
    return client.post(f"/contracts/{ids['contract']}/signing/sign",
                       data={"document_hash": ids["hash"], "password": "password123", "agree": "y"})  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(
    ("meanwhile", "first_signed"),
    [("other-signs", False), ("withdrawn", False), ("withdrawn", True)],
    ids=["other-signs", "withdrawn-first-signature", "withdrawn-last-signature"],
)
def test_whatever_is_committed_before_any_read_of_the_signing_request(make_app, tmp_path, first_signed, meanwhile,
                                                                       made):  # fmt: skip
    """The enterprise's signing request (through the page), with the university's signature or a withdrawal
    committed before each of its reads of the contract's rows in turn: whatever the moment, the stored documents
    are consistent (no signature after a withdrawal, a completed text verifies, the contract's state is its
    documents')."""
    action = {"other-signs": lambda ids: _sign_as("res", ids), "withdrawn": _withdraw}[meanwhile]
    app = _app(make_app, tmp_path, 0)
    built = {"config": dict(app.config), "extensions": set(app.extensions)}
    ids = _setup(app, first_signed, made)
    reads = []

    def counting(state):
        if _contract_read(state):
            reads.append(True)

    client = _logged_in(app, ids["ent"])
    event.listen(Session, "do_orm_execute", counting)
    try:
        assert _sign_request(client, ids).status_code == 303
    finally:
        event.remove(Session, "do_orm_execute", counting)
    total = len(reads)
    failures = []
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    for nth in range(1, total + 1):
        _as_built(app, built)
        ids = _setup(app, first_signed, made)
        client = _logged_in(app, ids["ent"])
        reads, pending = [], []

        def before_the_nth_read(state, app=app, ids=ids, nth=nth, reads=reads, pending=pending):
            if not _contract_read(state):
                return
            reads.append(True)
            if len(reads) == nth:  # (it may wait for this request's locks: then it commits after it)
                pending.append(_in_other_session(app, action(ids), wait=3))

        event.listen(Session, "do_orm_execute", before_the_nth_read)
        try:
            resp = _sign_request(client, ids)
        finally:
            event.remove(Session, "do_orm_execute", before_the_nth_read)
        assert pending, (nth, len(reads))
        out, thread = pending[0]
        thread.join(timeout=300)
        try:
            assert resp.status_code in (303, 422), resp.status_code
            result = _consistent(app, ids)
            if meanwhile == "other-signs":
                assert result == [(1, "signed", result[0][2])], (out, result)
        except AssertionError as exc:
            failures.append((nth, out, str(exc)[:300]))
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    assert not failures, failures
