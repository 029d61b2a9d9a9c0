"""Whole pages kept per process for a few seconds: anonymous lists, searches and details for every
visitor, and a broker's own queue for that login session alone.

An anonymous list, search or detail page is the same for every visitor who sends the same URL and
the same 适老化模式 cookie: nothing on it comes from a session (the mode switch carries no per-session
token, see main/routes.py). A broker's queue is the same for one login session until a pair or a
listing changes: it is kept under the user (with the name, role and unread count its header shows),
the session (its login and CSRF secret, so its forms' tokens are that session's own) and the URL. Entries live in ``cache.py``
for ``TTL`` seconds and are dropped when a committed write touches a table they were read from.

Only what cannot belong to someone else is kept or served: GET requests of the endpoints below;
shared pages only for visitors without a login (no user in the session, no remember-me cookie, no
bearer token), personal ones only to the logged-in user who made them (the user is loaded and its
session checked first); never while messages wait in the session (flashes). A response is kept only
when it is a 200 HTML page, set no cookie and left the session unchanged; a shared page also only
when it generated no CSRF token, any page only when it issued no one-time form key.
"""

from flask import current_app, g, request, session
from flask_login import current_user

from . import cache

TTL = 30.0  # seconds; writes made through the app drop pages at once (cache.py), others within TTL
LISTING_TABLES = ("tech_need", "result", "need_zone", "result_zone", "organization", "zone", "taxonomy")
SHARED = dict.fromkeys(("needs.index", "needs.detail", "results.index", "results.detail"), LISTING_TABLES)
QUEUE_TABLES = (*LISTING_TABLES, "match_suggestion", "certificate")
PERSONAL = {"brokers.queue": QUEUE_TABLES}
KEPT_HEADERS = ("Content-Type",)

cache.watch(*LISTING_TABLES, *QUEUE_TABLES)


def _csrf_field():
    return current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")


def _shared_key():
    """The key of an anonymous visitor's page, or None when the visitor may be someone."""
    if request.authorization is not None or session.get("_user_id") or session.get("_flashes"):
        return None
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return None
    return ("page", request.host, request.full_path, _elder())


def _personal_key():
    """The key of this login session's page and the user it was checked with (None, None: no login, a
    message waiting, no CSRF secret yet)."""
    login, secret = session.get("_user_id"), session.get(_csrf_field())
    if request.authorization is not None or not login or not secret or session.get("_flashes"):
        return None, None
    from .web import header_unread_count

    user = _peeked_user(login)
    if user is not None:
        unread = user.unread_when_loaded
    elif current_user.is_authenticated and current_user.get_id() == login:  # loaded and checked in the session
        user, unread = current_user, header_unread_count()
    else:
        return None, None
    # The header shows the user's name, role and unread count: part of the key rather than watched tables
    # (every login and notification would drop every cached page of every worker). The count was read
    # with the user (web.load_user).
    mine = (user.id, user.name, user.role, unread)
    return ("mine", *mine, login, secret, request.host, request.full_path, _elder()), user


def _peeked_user(login):
    """On PostgreSQL, the user checked outside the request's transaction (``web.peek_user``), when
    Flask-Login has not loaded it yet and its session check would pass unchanged; else None."""
    from .extensions import db, login_manager
    from .web import peek_user

    if db.engine.dialect.name == "sqlite" or "_login_user" in g:  # SQLite begins no transaction to read
        return None
    if session.get("_id") != login_manager._session_identifier_generator():  # Flask-Login's own check acts
        return None
    return peek_user(login)


def _elder():
    from .main.routes import ELDER_COOKIE

    return request.cookies.get(ELDER_COOKIE) == "1"


def serve():
    """before_request: answer from a kept page, or note the key to keep this one under."""
    if request.method != "GET" or (request.endpoint not in SHARED and request.endpoint not in PERSONAL):
        return None
    if not cache.enabled():
        return None
    key, user = (_shared_key(), None) if request.endpoint in SHARED else _personal_key()
    if key is None:
        return None
    hit = cache.cached_value(key, ttl=TTL)
    if hit is not None:
        if user is not None and "_login_user" not in g:
            g._login_user = user  # checked as load_user would: the after_request hooks need no query
        body, status, headers = hit
        return current_app.response_class(body, status=status, headers=headers)
    g.page_key, g.page_generation = key, cache.stamp()
    return None


def keep(resp):
    """after_request: keep the page when nothing in it can belong to another visitor or session."""
    key = g.pop("page_key", None)
    if key is None or resp.status_code != 200 or resp.mimetype != "text/html" or resp.is_streamed:
        return resp
    if session.modified or "Set-Cookie" in resp.headers or g.get("one_time_key_issued"):
        return resp
    if key[0] == "page" and (_csrf_field() in g or current_user.is_authenticated):
        return resp
    if key[0] == "mine" and current_user.get_id() != key[5]:
        return resp
    tables = SHARED.get(request.endpoint) or PERSONAL[request.endpoint]
    headers = [(h, resp.headers[h]) for h in KEPT_HEADERS if h in resp.headers]
    cache.store(key, tables, (resp.get_data(), resp.status_code, headers), made_in=g.pop("page_generation"))
    return resp


def init_app(app):
    """Serve kept pages before the views, keep new ones after them."""
    app.before_request(serve)
    app.after_request(keep)
