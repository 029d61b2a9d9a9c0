"""Links: the one check for where a redirect may go, and site paths built outside a request."""

from urllib.parse import unquote, urlsplit

from flask import current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect


def safe_next(target, under="/"):
    """``target`` when it is a same-site path (never //host, a scheme or a backslash trick), else None; never
    with a line break (Unicode's too: NEL, U+2028/9) or another control character, which no redirect's address
    may hold (it was a 500).
    ``under``: a path only below it (e.g. "/training/": the return address of a form of that area)."""
    if not target or not target.startswith(under) or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 or 127 <= ord(c) < 160 or c in "\u2028\u2029" for c in target):  # C0, DEL, C1, U+2028/9
        return None
    if urlsplit(target).netloc:
        return None
    return target


def from_this_site():
    """Whether the browser says the form was sent from one of our pages: every browser names the page's
    origin in ``Origin`` on a form POST (older ones at least the ``Referer``)."""
    if "Sec-Fetch-Site" in request.headers:
        return request.headers["Sec-Fetch-Site"] == "same-origin"
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    return source != "null" and urlsplit(source).netloc == request.host


def referrer_path(under="/"):
    """The page a form was sent from (its Referer) as a path and query of this site (``safe_next``, ``under``
    given), or None: no Referer, or another site's."""
    sent_from = urlsplit(request.referrer or "")
    if sent_from.scheme not in ("http", "https") or sent_from.netloc != request.host:
        return None
    return safe_next(sent_from.path + (f"?{sent_from.query}" if sent_from.query else ""), under)


def answers_get(target):
    """Whether a path of this site (its query aside) is the address of a page a GET is answered at: not the
    POST-only address a refused form is shown again at (a GET of it is 405), nor an address of no page."""
    try:
        current_app.url_map.bind_to_environ(request.environ).match(unquote(urlsplit(target).path), method="GET")
    except RequestRedirect:  # /needs for /needs/: a GET is redirected to the page
        return True
    except HTTPException:  # 405, 404
        return False
    return True


def path_for(endpoint, _anchor=None, **values):
    """A site path for an endpoint, also outside a request (CLI commands, jobs, the generator)."""
    adapter = current_app.url_map.bind("localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    path = adapter.build(endpoint, {k: v for k, v in values.items() if v is not None})
    return f"{path}#{_anchor}" if _anchor else path
