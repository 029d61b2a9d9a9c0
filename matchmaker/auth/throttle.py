"""Login throttling that every worker process sees: per account, and per account and address.

An attempt is recorded *before* its password is checked, and only then counted: of any number
of attempts racing in several workers, at most the limit get their password checked (the n-th
attempt to be recorded sees at least n, so it is refused past the limit). A wrong password
leaves its record; a right one removes the records of that account from that address. Refused
attempts are not counted, so an attacker who keeps trying does not extend the block: one that the
attempts already recorded refuse is refused before anything is written (it commits nothing).

Keys: (account, address), so one address cannot lock other accounts out (behind a reverse proxy
every user may share an address: see TRUSTED_PROXIES), and the account alone with a higher
limit, for guesses spread over many addresses.

A refused attempt is told how long to wait: until enough of the counted failures have left the
window (usually the oldest one) for the next attempt to be within every limit.

Storage: the ``login_attempt`` table by default; a Redis sorted set per key when REDIS_URL is set.
"""

import logging
import math
import secrets
import time
from datetime import timedelta

from flask import current_app

from .. import jobs
from ..extensions import db
from ..models import LoginAttempt
from ..models.base import utcnow

log = logging.getLogger(__name__)
_redis_clients = {}


def _limits():
    cfg = current_app.config
    return cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_ACCOUNT_MAX_FAILURES"], cfg["LOGIN_FAILURE_WINDOW"]


def _account(email):
    return (email or "").strip().lower()[:120]


def _address(address):
    return (address or "-")[:64]


def _wait(times, limit, window, now):
    """Seconds until fewer than ``limit`` of the counted attempts made at ``times`` (seconds, ascending)
    are left in the window, so one more attempt is within the limit; 0 when that is already so."""
    if len(times) < limit:
        return 0
    return max(1, math.ceil(times[len(times) - limit] + window - now))


def _store_call(method, email, address):
    """Call the store's method; with Redis unreachable the database counts meanwhile (log-ins go on)."""
    if current_app.config.get("REDIS_URL"):
        import redis

        try:
            return getattr(_RedisStore(), method)(_account(email), _address(address))
        except redis.RedisError as exc:
            log.warning("login throttle: Redis unreachable (%s); counting in the database", exc)
    return getattr(_DbStore(), method)(_account(email), _address(address))


def admit(email, address):
    """Record an attempt: (True, 0) when its password may be checked, (False, seconds to wait) when
    the account (from this address, or at all) is over its limit."""
    return _store_call("admit", email, address)


def succeeded(email, address, commit=True):
    """Forget this account's failures from this address (the attempt that just succeeded too).

    The database's records are deleted in a commit of their own, or with ``commit=False`` in the caller's
    transaction (a login: with its last_login_at; they stay if it rolls back). Redis's, when configured,
    are deleted at once either way: the password was right, whatever the caller's commit does. Returns
    whether the deletion waits for the caller's commit."""
    pending = bool(_store_call("succeeded", email, address))
    if pending and commit:
        db.session.commit()
    return pending and not commit


def forget(email):
    """Forget every failure of this account, from any address (its owner has just proved it by
    e-mail: a password reset), so a lock-out by someone else's guesses ends for the owner.

    In the caller's transaction: the database's records go with its commit (and stay when it rolls
    back); Redis's, when configured, are forgotten by a job once it commits."""
    # the database counts whenever Redis is not there (not configured, or unreachable meanwhile)
    db.session.execute(db.delete(LoginAttempt).filter_by(account=_account(email)))
    if current_app.config.get("REDIS_URL"):
        jobs.after_commit(forget_in_redis, _account(email))


@jobs.task(retries=3)
def forget_in_redis(account):
    """(A job, after a reset's commit) Forget the account's failures in Redis; a failure is retried."""
    _RedisStore().forget(account)


class _DbStore:
    def admit(self, account, address):
        """The committed attempts are counted first: one past the limit is refused with nothing written (a refused
        attempt commits nothing). Else the attempt is recorded and committed, and counted again with every other
        one committed meanwhile: of attempts racing in several workers, the one that finds itself past the limit
        now takes its record back (a second commit, only in that race)."""
        per_pair, per_account, window = _limits()
        cutoff = utcnow() - timedelta(seconds=window)
        if self._over(account, address, cutoff, per_pair - 1, per_account - 1):
            return False, self._retry_after(account, address, cutoff)
        db.session.execute(db.delete(LoginAttempt).where(LoginAttempt.created_at < cutoff))
        row = LoginAttempt(account=account, address=address)
        db.session.add(row)
        db.session.commit()  # visible to every other worker before we count
        if self._over(account, address, cutoff, per_pair, per_account):
            db.session.delete(row)
            db.session.commit()
            return False, self._retry_after(account, address, cutoff)
        return True, 0

    @staticmethod
    def _over(account, address, cutoff, per_pair, per_account):
        """Whether more than ``per_pair`` attempts of the account from the address, or more than ``per_account`` of
        the account, are recorded within the window."""
        recent = db.select(db.func.count()).select_from(LoginAttempt)
        recent = recent.where(LoginAttempt.account == account, LoginAttempt.created_at >= cutoff)
        if db.session.scalar(recent) > per_account:
            return True
        return db.session.scalar(recent.where(LoginAttempt.address == address)) > per_pair

    @staticmethod
    def _retry_after(account, address, cutoff):
        per_pair, per_account, window = _limits()
        now = utcnow()
        stmt = db.select(LoginAttempt.created_at).where(
            LoginAttempt.account == account, LoginAttempt.created_at >= cutoff
        )
        stmt = stmt.order_by(LoginAttempt.created_at)

        def times(query):  # oldest first, in seconds from now (negative: in the past)
            return [(at - now).total_seconds() for at in db.session.scalars(query)]

        pair = _wait(times(stmt.where(LoginAttempt.address == address)), per_pair, window, 0)
        return max(pair, _wait(times(stmt), per_account, window, 0)) or 1

    def succeeded(self, account, address):
        """Delete the records in the session's transaction; True: there is something to commit."""
        db.session.execute(db.delete(LoginAttempt).filter_by(account=account, address=address))
        return True


class _RedisStore:
    def __init__(self):
        import redis

        url = current_app.config["REDIS_URL"]
        if url not in _redis_clients:
            from ..config import redis_timeouts

            _redis_clients[url] = redis.Redis.from_url(url, **redis_timeouts(current_app.config))
        self.r = _redis_clients[url]
        self.prefix = current_app.config.get("REDIS_KEY_PREFIX", "mm:") + "login:"

    def _keys(self, account, address):
        return f"{self.prefix}acct:{account}", f"{self.prefix}pair:{account}|{address}"

    def admit(self, account, address):
        per_pair, per_account, window = _limits()
        now, member = time.time(), f"{time.time()}-{secrets.token_hex(4)}"
        keys = self._keys(account, address)
        pipe = self.r.pipeline(transaction=True)  # MULTI/EXEC: the add and the count are one step
        for key in keys:
            pipe.zremrangebyscore(key, 0, now - window)
            pipe.zadd(key, {member: now})
            pipe.zcard(key)
            pipe.expire(key, window)
        out = pipe.execute()
        n_account, n_pair = out[2], out[6]
        if n_pair > per_pair or n_account > per_account:
            for key in keys:
                self.r.zrem(key, member)
            now = time.time()
            acct_key, pair_key = keys
            waits = [
                _wait([score for _, score in self.r.zrangebyscore(key, now - window, "+inf", withscores=True)],
                      limit, window, now)
                for key, limit in ((acct_key, per_account), (pair_key, per_pair))
            ]  # fmt: skip
            return False, max(waits) or 1
        return True, 0

    def succeeded(self, account, address):
        acct_key, pair_key = self._keys(account, address)
        members = self.r.zrange(pair_key, 0, -1)
        pipe = self.r.pipeline(transaction=True)
        if members:
            pipe.zrem(acct_key, *members)
        pipe.delete(pair_key)
        pipe.execute()

    def forget(self, account):
        acct_key, _ = self._keys(account, "")
        self.r.delete(acct_key, *self.r.scan_iter(match=f"{_glob(self.prefix)}pair:{_glob(account)}|*"))


def _glob(text):
    # Redis glob patterns treat these as special: match them literally
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)
