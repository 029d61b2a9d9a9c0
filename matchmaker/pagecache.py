"""Whole pages for anonymous visitors (listing lists, searches, details), shared for a few seconds.

An anonymous list, search or detail page is the same for every visitor who sends the same URL and
the same 适老化模式 cookie: nothing on it comes from a session (the mode switch carries no per-session
token, see main/routes.py). Such a page is kept per process, in ``cache.py``, for ``TTL`` seconds,
and dropped with the listing caches when a committed write touches a table it was read from.

Only what cannot be personal is kept or served: GET requests of the endpoints below, from a visitor
without a login (no user in the session, no remember-me cookie, no bearer token) and without messages
waiting in the session (flashes); a response is kept only when it is a 200 HTML page, set no cookie,
left the session unchanged and generated no CSRF token.
"""

from flask import current_app, g, request, session
from flask_login import current_user

from . import cache

TTL = 30.0  # seconds; writes made through the app drop pages at once (cache.py), others within TTL
PAGES = {"needs.index", "needs.detail", "results.index", "results.detail"}
TABLES = ("tech_need", "result", "need_zone", "result_zone", "organization", "zone", "taxonomy")
KEPT_HEADERS = ("Content-Type",)

cache.watch(*TABLES)


def _anonymous_without_messages():
    if request.authorization is not None:
        return False
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return False
    return not session.get("_user_id") and not session.get("_flashes")


def serve():
    """before_request: answer from a kept page, or note the key to keep this one under."""
    if request.method != "GET" or request.endpoint not in PAGES or not _anonymous_without_messages():
        return None
    from .main.routes import ELDER_COOKIE

    key = ("page", request.host, request.full_path, request.cookies.get(ELDER_COOKIE) == "1")
    hit = cache.cached_value(key, ttl=TTL)
    if hit is not None:
        body, status, headers = hit
        return current_app.response_class(body, status=status, headers=headers)
    g.page_key, g.page_generation = key, cache.stamp()
    return None


def keep(resp):
    """after_request: keep the page when nothing in it can belong to this visitor."""
    key = g.pop("page_key", None)
    if key is None or resp.status_code != 200 or resp.mimetype != "text/html" or resp.is_streamed:
        return resp
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if session.modified or field in g or "Set-Cookie" in resp.headers or current_user.is_authenticated:
        return resp
    headers = [(h, resp.headers[h]) for h in KEPT_HEADERS if h in resp.headers]
    cache.store(key, TABLES, (resp.get_data(), resp.status_code, headers), made_in=g.pop("page_generation"))
    return resp


def init_app(app):
    """Serve kept pages before the views, keep new ones after them."""
    app.before_request(serve)
    app.after_request(keep)
