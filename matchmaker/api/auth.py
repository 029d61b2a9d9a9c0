"""Who calls the API: a bearer token (personal or service), its user's role, its scopes, its rate.

Every API view declares its access with ``requires(...)`` (or ``public``): the blueprint's
``before_request`` reads that declaration, authenticates the ``Authorization: Bearer`` token and
puts its user where Flask-Login looks (``g._login_user``), so the views reuse the pages' checks
(``current_user``, ``can_view``, the confidentiality rule) unchanged. Session cookies are ignored.
"""

import hashlib

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from ..models.enums import ApiScope
from ..tokens import services as tokens
from .errors import ApiError

BEARER = "bearerAuth"


def mark(view, roles, scope=ApiScope.READ.value):
    """Record a view's access: a valid token with ``scope``, its user in ``roles`` (any when none)."""
    view.access = tuple(sorted(str(r) for r in roles)) if roles else "login"
    view.api_roles = {str(r) for r in roles}
    view.api_scope = str(scope)
    return view


def public(view):
    """A view anyone may read without a token (the OpenAPI document and its page)."""
    view.access = "public"
    return view


def bearer_token():
    """The token text of an ``Authorization: Bearer …`` header, or ""."""
    scheme, _, raw = (request.headers.get("Authorization") or "").partition(" ")
    return raw.strip() if scheme.lower() == "bearer" else ""


def rate_key():
    """Rate-limit key: the token (hashed) when one is presented, else the client address."""
    raw = bearer_token()
    if raw:
        return "api-token:" + hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return "api-addr:" + (get_remote_address() or "-")


def token_rate():
    return current_app.config["API_RATE_LIMIT"]


def address_rate():
    return current_app.config["API_ADDRESS_RATE_LIMIT"]


def authenticate_request():
    """Blueprint ``before_request``: check the token, role and scope the view declared."""
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "access", None) == "public":
        return
    result = tokens.authenticate(bearer_token())
    if isinstance(result, str):
        raise ApiError(401, result, tokens.REFUSALS[result])
    g._login_user = result.user  # Flask-Login's current_user for this request only; no session is written
    g.api_token = result.token
    roles = getattr(view, "api_roles", set())
    if roles and result.user.role not in roles:
        raise ApiError(403, "forbidden", "无权访问", "该令牌所属账号的角色不能使用此接口")
    scope = getattr(view, "api_scope", ApiScope.READ.value)
    if scope not in result.token.scope_set:
        raise ApiError(403, "insufficient_scope", "令牌权限不足", f"此接口需要“{ApiScope.label_of(scope)}”权限")
