"""Login throttling: too many failed logins for one account or one address.

Counts live in the same storage as Flask-Limiter (memory by default, Redis when
configured), so every worker process of a server shares them when Redis is set.
"""

from flask import current_app
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

_limiters = {}


def _limiter():
    uri = current_app.config["RATELIMIT_STORAGE_URI"]
    key = (uri, id(current_app._get_current_object()))
    if key not in _limiters:
        _limiters[key] = MovingWindowRateLimiter(storage_from_string(uri))
    return _limiters[key]


def _item():
    cfg = current_app.config
    return RateLimitItemPerSecond(cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_FAILURE_WINDOW"])


def _keys(email, address):
    return [("login-account", (email or "").strip().lower()), ("login-address", address or "-")]


def is_blocked(email, address):
    """True when the account or the address has used up its failed attempts."""
    lim, item = _limiter(), _item()
    return any(not lim.test(item, *k) for k in _keys(email, address))


def record_failure(email, address):
    """Count one failed attempt against the account and the address."""
    lim, item = _limiter(), _item()
    for k in _keys(email, address):
        lim.hit(item, *k)


def clear(email):
    """Forget the account's failures after a successful login."""
    lim, item = _limiter(), _item()
    lim.clear(item, *_keys(email, None)[0])
