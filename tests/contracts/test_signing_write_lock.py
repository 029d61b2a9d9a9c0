"""A signature's slow steps (making the PDF signature and its timestamp, waiting for a verification slot, the
verification) hold no write lock: on SQLite one open write transaction stops every other writer of the platform,
so a signature made while holding it (a first signature issuing the organisation's certificate) kept every other
request that writes waiting for seconds, or failing with "database is locked". Nor do they run in a transaction
(on PostgreSQL, a session idle in transaction for seconds, holding its connection and its tables' locks)."""

import threading
import time

import pytest
from sqlalchemy import text

from matchmaker.contracts import signing_services as svc
from matchmaker.contracts.signing_keys import active_credential
from matchmaker.extensions import db
from matchmaker.models import Contract, ContractDocument, SigningCredential, User

from .test_signing import setup_parties
from .test_signing_attacks import _prepared
from .test_signing_interleavings import _in_other_session

WRITER_WAITS = 3  # seconds another writer waits for the lock before "database is locked" (SQLite's busy timeout)


def _rename(ids):
    """Another request's write, committed: the broker renamed. How long it took."""

    def run():
        started = time.monotonic()
        sqlite = db.engine.dialect.name == "sqlite"
        if sqlite:  # this connection waits WRITER_WAITS s at most for the lock, not the app's 30
            db.session.execute(text(f"PRAGMA busy_timeout = {WRITER_WAITS * 1000}"))
        try:
            db.session.get(User, ids["broker"]).name = "李经纪（改）"
            db.session.commit()
        finally:
            db.session.rollback()
            if sqlite:
                db.session.execute(text("PRAGMA busy_timeout = 30000"))
                db.session.commit()
        return time.monotonic() - started

    return run


def _held(monkeypatch, target, name):
    """``target.name`` replaced by itself held until released: (entered, release, open) where ``open`` gets whether
    the signing session was in a transaction when the step began."""
    real, entered, release, open_ = getattr(target, name), threading.Event(), threading.Event(), []

    def held(*args, **kw):
        open_.append(db.session().in_transaction())
        entered.set()
        assert release.wait(60), "never released"
        return real(*args, **kw)

    monkeypatch.setattr(target, name, held)
    return entered, release, open_


STEPS = {
    "party-signature": lambda m: _held(m, svc.pades, "sign_party"),
    "platform-signature": lambda m: _held(m, svc.pades, "sign_platform"),
    "slot-wait": lambda m: _held(m, svc, "slot"),  # the wait for a verification slot
    "verification": lambda m: _held(m, svc, "verify_isolated"),
}


def _idle_in_transaction():
    """PostgreSQL: the sessions of this database idle in a transaction (0 on SQLite)."""
    if db.engine.dialect.name != "postgresql":
        return 0
    sql = "select count(*) from pg_stat_activity where datname = current_database() and state like 'idle in trans%'"
    return db.session.scalar(text(sql))


@pytest.mark.parametrize("issued", [False, True], ids=["first-certificate", "certificate-held"])
@pytest.mark.parametrize("step", list(STEPS))
def test_another_writer_goes_on_while_a_signature_is_made(file_app, monkeypatch, step, issued):
    """The enterprise signs last, its organisation's certificate issued on the way (its first signature) or held
    already: while the signature is inside a slow step, another request's write commits at once; then the contract
    is signed, with one certificate."""
    with file_app.app_context():
        s = setup_parties()
        doc = _prepared(s)
        svc.sign_as_party(s.res, s.contract, doc.document_hash, "password123")
        if issued:
            db.session.add(svc.credential_for(s.buyer))
            db.session.commit()
        assert (active_credential(s.buyer) is not None) == issued
        ids = dict(ent=s.ent.id, broker=s.broker.id, contract=s.contract.id, doc=doc.id, hash=doc.document_hash,
                   buyer=s.buyer.id)  # fmt: skip
        db.session.remove()
    entered, release, in_transaction = STEPS[step](monkeypatch)

    def ent_signs():
        svc.sign_as_party(db.session.get(User, ids["ent"]), db.session.get(Contract, ids["contract"]), ids["hash"],
                          "password123")  # fmt: skip
        return "signed"

    signing = []
    signer = threading.Thread(target=lambda: signing.extend(_in_other_session(file_app, ent_signs)[0]))
    signer.start()
    try:
        assert entered.wait(60), ("the signature never reached the step", signing)
        idle, _ = _in_other_session(file_app, _idle_in_transaction)
        wrote, writer = _in_other_session(file_app, _rename(ids), wait=WRITER_WAITS + 10)
    finally:
        release.set()
        signer.join(120)
    assert not writer.is_alive()
    assert len(wrote) == 1 and not isinstance(wrote[0], Exception), wrote
    assert wrote[0] < 1, f"the other write waited {wrote[0]:.1f} s for the signature's lock"
    assert signing == ["signed"], signing
    # nor any transaction: on PostgreSQL the signature's session sat idle in one through the slow steps
    assert in_transaction == [False] and idle == [0], (in_transaction, idle)
    with file_app.app_context():
        doc = db.session.get(ContractDocument, ids["doc"])
        assert doc.is_signed and [x.party for x in doc.signatures] == ["seller", "buyer", "platform"]
        creds = db.session.scalars(db.select(SigningCredential).filter_by(organization_id=ids["buyer"])).all()
        assert [c.id for c in creds] == [doc.signature_of("buyer").credential_id]
        assert db.session.get(User, ids["broker"]).name == "李经纪（改）"
        db.session.remove()
