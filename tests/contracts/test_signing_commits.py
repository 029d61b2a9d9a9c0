"""Signing with the password typed again is one use case: the signature and the login throttle's forgetting of the
account's failures are committed together. The only other commit is the throttle's record of the attempt, committed
before the password is checked so that attempts racing in other workers count it (auth/throttle.py). A right
password typed for a signature that is then refused still clears the failures: it is never a failed login."""

from matchmaker.extensions import db
from matchmaker.models import LoginAttempt
from matchmaker.signing import pades

from .. import sql
from .test_signing import _sign_again, as_user, prepare, setup_parties, signatures

ATTEMPT = ["LoginAttempt", "login_attempt-"]  # the throttle's commit: the attempt recorded, expired records deleted


def _commits(client, contract, password):
    """The response to the signing form and, for each commit made meanwhile, the kinds of the rows it wrote."""
    with sql.commits() as commits:
        resp = _sign_again(client, contract, password)
    return resp, commits


def _attempts(user):
    return db.session.scalar(db.select(db.func.count(LoginAttempt.id)).filter_by(account=user.email))


def _after_a_wrong_password(client, auth):
    """A text awaiting signatures, its buyer's signer logged in, one wrong password recorded at the signing page."""
    s = setup_parties()
    prepare(client, auth, s)
    as_user(client, auth, s.ent)
    assert _sign_again(client, s.contract, "guess").status_code == 422
    assert _attempts(s.ent) == 1
    return s


def test_a_signature_commits_the_attempt_then_the_signature_with_the_failures_forgotten(app, client, auth):
    """The attempt's record (before the check), then one commit with the signature and the failures forgotten; it
    was three commits (the forgetting had one of its own, before the signature's)."""
    s = _after_a_wrong_password(client, auth)
    resp, commits = _commits(client, s.contract, "password123")
    assert resp.status_code == 303 and len(signatures()) == 1
    assert len(commits) == 2 and commits[0] == ATTEMPT, commits
    assert {"ContractSignature", "login_attempt-"} <= set(commits[1]), commits
    db.session.expire_all()
    assert _attempts(s.ent) == 0


def test_a_right_password_for_a_refused_signature_is_no_failed_login(app, client, auth, monkeypatch):
    """The signature refused after the right password (the PDF could not be signed): nothing signed, and the failures
    are forgotten all the same, in a commit of their own after the request."""
    s = _after_a_wrong_password(client, auth)

    def refused(*args, **kwargs):
        raise pades.SigningFailed("签名失败，未签署")

    monkeypatch.setattr(pades, "sign_party", refused)
    resp, commits = _commits(client, s.contract, "password123")
    assert resp.status_code == 422 and "签名失败，未签署" in resp.get_data(as_text=True)
    assert commits == [ATTEMPT, ["login_attempt-"]], commits
    db.session.expire_all()
    assert _attempts(s.ent) == 0 and signatures() == []
