"""This process's keys in the tests' Redis: tests/conftest.py gives each run, and each worker of it, its own
prefixes (MATCHMAKER_REDIS_KEY_PREFIX, MATCHMAKER_RATELIMIT_KEY_PREFIX), inherited by the servers it starts.
Clearing them leaves another run's keys (or another worker's) alone."""

import os


def login_keys_pattern(app=None):
    """The glob matching the login throttle's keys of ``app`` (default: of this process's apps and servers)."""
    prefix = app.config["REDIS_KEY_PREFIX"] if app else os.environ["MATCHMAKER_REDIS_KEY_PREFIX"]
    return f"{_glob(prefix)}login:*"


def clear_login_keys(r, app=None):
    """Delete the login throttle's keys (of ``app``, or of this process) from Redis client ``r``."""
    _delete(r, login_keys_pattern(app))


def clear_limits(r, endpoint):
    """Delete this process's Flask-Limiter counts for ``endpoint`` (e.g. "auth.login")."""
    _delete(r, f"LIMITS:*{_glob(os.environ['MATCHMAKER_RATELIMIT_KEY_PREFIX'])}/*{_glob(endpoint)}*")


def _delete(r, pattern):
    for key in r.scan_iter(pattern):
        r.delete(key)


def _glob(text):
    # Redis glob patterns treat these as special: match them literally
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
