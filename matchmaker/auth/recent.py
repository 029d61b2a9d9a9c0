"""Recent authentication ("sudo mode"): some actions need the password to have been entered lately.

A stolen session cookie lets its holder act as the user, but turning it into a credential that outlives
the session (an API token: a logout or a new password does not end a service token) needs the password
itself, unless the session entered it within PASSWORD_CONFIRM_MINUTES: at login, at a password change,
or re-entered on the page asking for it.

The moment is kept in the session (signed: the client can neither write nor move it) beside a digest of
the login it was made in, the account's ``id:session_token`` (see User.get_id). It counts only while that
login lasts: a logout, a new password or a deactivation changes the session token, and a stamp left in a
browser's session by another account never counts for this one. Only a response to a request that carried
the right password writes a stamp, and only into that browser's cookie: a copy of an older cookie keeps
its older moment, whatever its owner re-enters since. A session Flask-Login no longer deems fresh (restored
from a remember-me cookie, or seen from another address or browser) is not recent either.

A re-entered password counts towards the login throttle (auth/throttle.py) as a login attempt does, so
this page guesses passwords no faster than the login form.
"""

import hashlib
import math
import time

from flask import current_app, request, session
from flask_login import confirm_login, current_user, login_fresh
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from . import throttle

SESSION_KEY = "_password_at"
ASK = "请输入当前密码"
_FORGET = "matchmaker_reentry_forget"  # key in Session.info: (email, address) whose failures wait for a commit
_now = time.time  # the tests move it on


class PasswordRefused(ValueError):
    """The re-entered password was missing, wrong or not checked (too many failures); the message is shown
    beside the field. ``retry_after``: seconds to wait, when refused by the throttle."""

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after


def _login_of(user):
    return hashlib.sha256(user.get_id().encode()).hexdigest()[:32]


def window_seconds():
    return int(current_app.config["PASSWORD_CONFIRM_MINUTES"] * 60)


def stamp(user):
    """Record in this session that its user has just entered the password (after login_user)."""
    session[SESSION_KEY] = f"{int(_now())}:{_login_of(user)}"


def entered_at(user):
    """When this session last entered the password (seconds since the epoch), if it was in this login."""
    at, _, login = str(session.get(SESSION_KEY) or "").partition(":")
    if not at.isdigit() or login != _login_of(user):
        return None
    return int(at)


def is_recent(user):
    """Whether this session entered the account's password within the window (and is still fresh)."""
    at = entered_at(user)
    if at is None or not login_fresh():
        return False
    age = _now() - at
    return -60 <= age < window_seconds()  # a minute of clock difference between servers is allowed


def confirm(user, password, address):
    """Check a re-entered password, counted as a login attempt of the account from ``address``; when right,
    the session is fresh again and its window opens. Raises PasswordRefused.

    Commits the throttle's record of the attempt (before the check: auth/throttle.py). A right password's
    forgetting of the account's failures goes with the commit of the action it was typed for, or, when the
    request ends without one (the action refused), in a commit of its own (``settle``)."""
    if not password:
        raise PasswordRefused(ASK)
    admitted, wait = throttle.admit(user.email, address)
    if not admitted:
        raise PasswordRefused(f"密码错误次数过多，请 {math.ceil(wait / 60)} 分钟后再试", retry_after=wait)
    if not user.check_password(password):
        raise PasswordRefused("当前密码不正确")
    if throttle.succeeded(user.email, address, commit=False):
        db.session.info[_FORGET] = (user.email, address)
    confirm_login()
    stamp(user)


@event.listens_for(Session, "after_commit")
def _forgotten(session):
    session.info.pop(_FORGET, None)


def forget_later(email, address):
    """A right password typed for an action whose write transaction comes later, after slow steps run in none (a
    signature): the throttle forgets the account's failures from ``address`` in that transaction, when it calls
    ``forget_now`` before its commit, or after the request (``settle``) when it commits nothing. Nothing is
    written meanwhile: on SQLite the deletion would hold the database's write lock through the slow steps."""
    db.session.info[_FORGET] = (email, address)


def forget_now():
    """In the action's write transaction, before its commit: the deletion ``forget_later`` put off (gone with the
    commit; ``settle`` makes it after the request should the commit fail)."""
    pending = db.session.info.get(_FORGET)
    if pending:
        throttle.succeeded(*pending, commit=False)


def settle(response):
    """(After each request) A right password was re-entered for an action that was then refused, its transaction
    rolled back or left uncommitted: the throttle forgets the account's failures in a commit of their own, so a
    right password never stays counted as a failed login."""
    pending = db.session.info.pop(_FORGET, None) if db.session.registry.has() else None
    if pending:
        db.session.rollback()  # whatever the refused action left
        throttle.succeeded(*pending)
    return response


def check_form(form, user, address):
    """For a submitted and validated form with a password field (``password``, or the one the form's
    ``reentry_field`` names when ``password`` is something else, as a new account's): None when the session
    may go on (its password is recent, or typed now and right: the window opens), else (status, headers) with
    the reason beside the field. Sets ``form.ask_password`` (show the field again) and
    ``form.password_reentered``."""
    form.password_reentered = False
    field = form[getattr(form, "reentry_field", "password")]
    csrf = getattr(form, "csrf_token", None)
    if csrf is not None and csrf.errors:  # a page elsewhere posting here spends none of the account's attempts
        return 400, {}
    if is_recent(user):
        form.ask_password = False
        return None
    form.ask_password = True
    try:
        confirm(user, field.data, address)
    except PasswordRefused as exc:
        field.errors = [*field.errors, str(exc)]
        if exc.retry_after:
            return 429, {"Retry-After": str(exc.retry_after)}
        return 400, {}
    form.ask_password, form.password_reentered = False, True
    return None


def refused(form, needed=True):
    """Validate a form submitted by the current user and, when ``needed`` and the session's password is not
    recent, the password typed in it (all of it checked, so every error shows at once): None when the action
    may go on, else the (status, headers) to answer with, the errors beside the fields."""
    valid = form.validate()
    asked = check_form(form, current_user, request.remote_addr) if needed else None
    return asked or (None if valid else (400, {}))
