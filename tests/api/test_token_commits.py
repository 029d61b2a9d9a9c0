"""Making an API token is one use case: the token, its audit row and, when the password was typed for it, the login
throttle's forgetting of the account's failures are committed together. The only other commit is the throttle's
record of a typed password's attempt, committed before the password is checked so that attempts racing in other
workers count it (auth/throttle.py). A right password typed for a token that is then refused still clears the
account's failures: it is never counted as a failed login."""

import time

import pytest
from sqlalchemy import inspect

from matchmaker.auth import recent
from matchmaker.extensions import db
from matchmaker.models import ApiToken, LoginAttempt

from .. import sql

ATTEMPT = ["LoginAttempt", "login_attempt-"]  # the throttle's commit: the attempt recorded, expired records deleted


@pytest.fixture
def late(app, auth, monkeypatch):
    """``late()`` logs a researcher in and moves past PASSWORD_CONFIRM_MINUTES: the token form asks for the
    password again."""

    def log_in():
        user = auth.login("researcher")
        minutes = app.config["PASSWORD_CONFIRM_MINUTES"] + 1
        monkeypatch.setattr(recent, "_now", lambda: time.time() + minutes * 60)
        return user

    return log_in


def _commits(client, data):
    """The response to a token form and, for each commit made meanwhile, the kinds of the rows it wrote."""
    with sql.commits() as commits:
        resp = client.post("/tokens/", data=data)
    return resp, commits


def _attempts():
    return db.session.scalar(db.select(db.func.count(LoginAttempt.id)))


def test_a_token_within_the_window_commits_once(client, auth):
    """The password entered lately: one commit, the token with its audit row (and the form's one-time key)."""
    auth.login("researcher")
    resp, commits = _commits(client, {"name": "数据同步脚本", "days": "90"})
    assert resp.status_code == 200 and "离开本页后无法再次查看" in resp.get_data(as_text=True)
    assert commits == [["ApiToken", "AuditLog", "SubmissionKey"]]


def test_a_token_with_the_password_typed_commits_the_attempt_then_the_token(client, late):
    """Typed again: the attempt's record (before the check), then one commit with the token, its audit row and the
    attempt forgotten; it was three commits (the forgetting had one of its own)."""
    late()
    resp, commits = _commits(client, {"name": "数据同步脚本", "days": "90", "password": "password123"})
    assert resp.status_code == 200 and "离开本页后无法再次查看" in resp.get_data(as_text=True)
    assert commits == [ATTEMPT, ["ApiToken", "AuditLog", "SubmissionKey", "login_attempt-"]]
    assert _attempts() == 0 and db.session.scalar(db.select(db.func.count(ApiToken.id))) == 1


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "days": "90"}, "请填写令牌名称"),  # the form refused
        ({"name": "写入脚本", "days": "90", "write": "y"}, "仅限经纪人和管理员账号"),  # the service refused
    ],
    ids=["form", "service"],
)
def test_a_right_password_for_a_refused_token_is_no_failed_login(client, late, data, message):
    """The token refused after the right password: no token, and the attempt is forgotten all the same (in a
    commit of its own, the token's being none), so it never counts towards the login throttle."""
    user = late()
    resp, commits = _commits(client, {**data, "password": "password123"})
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert commits == [ATTEMPT, ["login_attempt-"]]
    db.session.expire_all()
    assert _attempts() == 0 and db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0
    assert inspect(user).persistent
