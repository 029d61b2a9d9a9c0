"""Keyset pages of the brokers' pair lists (queue, pipeline, 我的对接): signed cursors, not offsets."""

from datetime import datetime

from flask import current_app
from flask_sqlalchemy.pagination import SelectPagination
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, or_

from .. import cache
from ..extensions import db
from ..models import MatchSuggestion
from ..suggestions.store import explain_shown
from .queries import COUNT_TABLES, MY_PAIRS_ORDER, SORT_KEYS, SORTS, count_key


class BadCursor(ValueError):
    """An ``after`` value this list did not write (altered, cut, or of other filters or another list)."""


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="broker-pairs-after")


def _stamp(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _unstamp(value, name):
    return value if name == "score" else datetime.fromisoformat(value)


def _after(col, value, id_, desc):
    """Rows after (value, id) in an order by col, then id, both descending or both ascending. The bound on
    col alone lets an index on (status, col) start there, not read the rows before it."""
    S = MatchSuggestion
    if desc:
        return and_(col <= value, or_(col < value, S.id < id_))
    return and_(col >= value, or_(col > value, S.id > id_))


class CountCachedPagination(SelectPagination):
    """A page of pairs whose total is kept until a pair or listing changes (or a minute passes):
    counting a 100,000-pair queue costs more than the page itself.

    The page is read in two parts, each in the order of an index: the few pairs an owner asked to
    have introduced (oldest request first), then the others in the chosen sort. One ORDER BY
    ``owner_requested_at IS NULL, ...`` matches no index, so it sorted every pending pair, listings
    joined, for each page (5 s at 100,000 pairs on SQLite).

    下一页 starts after the last row shown (``after``: its signed keys), not at an offset: a pair leaving
    the list meanwhile (accepted or rejected by another broker) made the next page skip one, and page
    2,000 read the 40,000 pairs before it. Numbered links still go by offset; ``next_after`` is None on
    the last page."""

    def _query_items(self):
        S, session = MatchSuggestion, self._query_args["session"]
        select, order = self._query_args["select"].order_by(None), self._query_args["order"]
        name, desc = self._query_args.get("key", SORT_KEYS["score"])
        key, keys = getattr(S, name), self._query_args.get("keys")
        start, size = self._query_offset, self.per_page + 1  # one more: is there a next page?
        ids = select.with_only_columns(S.id)
        asked, rest = ids.where(S.owner_requested_at.is_not(None)), ids.where(S.owner_requested_at.is_(None))
        asked = asked.order_by(S.owner_requested_at, *order)
        rest = rest.order_by(*order)
        if not self._query_args.get("requested_first", True):  # one part: an owner's list (and no cache)
            rest = ids.order_by(*order)
            page, skip = [], start
            if keys is not None:
                rest, skip = rest.where(_after(key, keys["v"], keys["i"], desc)), 0
        elif keys is None:
            requested = session.scalars(asked.limit(start + size)).all()
            page, skip = requested[start:], max(0, start - len(requested))
        elif keys["r"] is not None:  # the last row shown was a requested pair
            at = keys["r"]
            same = and_(S.owner_requested_at == at, _after(key, keys["v"], keys["i"], desc))
            later = and_(S.owner_requested_at >= at, or_(S.owner_requested_at > at, same))
            page = session.scalars(asked.where(later).limit(size)).all()
            skip = 0
        else:
            page, skip = [], 0
            rest = rest.where(_after(key, keys["v"], keys["i"], desc))
        if len(page) < size:  # every requested pair is read: the others follow them
            page += session.scalars(rest.limit(size - len(page)).offset(skip or None)).all()
        more, page = len(page) > self.per_page, page[: self.per_page]
        rows = {s.id: s for s in session.execute(select.where(S.id.in_(page))).unique().scalars()} if page else {}
        items = [rows[i] for i in page if i in rows]
        last = items[-1] if more and items else None
        self.next_after = self._encode(last, name) if last is not None else None
        # Pairs of a re-suggestion still without reasons (an owner's list: its views do it).
        return explain_shown(items) if self._query_args.get("requested_first", True) else items

    def _encode(self, s, name):
        keys = {"r": _stamp(s.owner_requested_at), "v": _stamp(getattr(s, name)), "i": s.id}
        return _serializer().dumps({"s": self._query_args.get("scope"), "p": self.page + 1, "k": keys})

    def _query_count(self):
        if self._query_args.get("count_key") is None:
            return super()._query_count()
        return cache.cached(self._query_args["count_key"], COUNT_TABLES, super()._query_count)

    @property
    def pages(self):
        # The count is cached: a page reached by its 下一页 link is a page even if the count lags behind.
        return max(super().pages, self.page if self.items else 0)

    @property
    def has_next(self):
        return self.next_after is not None


def decode_after(after, scope, name):
    """(page number, last row's keys) an ``after`` value names (``name``: the sort key's column); BadCursor
    if this list did not write it for these filters and this sort."""
    try:
        data = _serializer().loads(after)
        keys, number = data["k"], int(data["p"])
        if data["s"] != scope or number < 2 or type(keys["i"]) is not int:
            raise BadCursor(after)
        value, at = keys["v"], keys["r"]
        if value is None or (name == "score" and type(value) not in (int, float)):
            raise BadCursor(after)
        keys = dict(keys, v=_unstamp(value, name), r=None if at is None else datetime.fromisoformat(at))
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadCursor(after) from exc
    return number, keys


def paginate(stmt, user, f, kind, after=None):
    """The request's page of stmt (built by suggestions_stmt with f), its count cached per user, list
    and filters: the page after the row ``after`` names, else by the ``page`` argument. BadCursor for
    an ``after`` this list did not write for these filters."""
    scope = [*count_key(user, f, kind), f.sort]
    number, keys = decode_after(after, scope, SORT_KEYS[f.sort][0]) if after else (None, None)
    return CountCachedPagination(select=stmt, session=db.session(), per_page=20, error_out=False, page=number,
                                 count_key=count_key(user, f, kind), order=SORTS[f.sort][1],
                                 key=SORT_KEYS[f.sort], keys=keys, scope=scope)  # fmt: skip


def paginate_mine(stmt, user, awaiting, after=None):
    """A page of an owner's pairs (services.my_pairs_stmt), after the row ``after`` names as the queue's
    pages: a pair answered meanwhile leaves 待我回复意向, one acted on moves to the top. BadCursor as there."""
    scope = ["mine", user.id, bool(awaiting)]
    number, keys = decode_after(after, scope, "last_activity_at") if after else (None, None)
    return CountCachedPagination(select=stmt, session=db.session(), per_page=20, error_out=False, page=number,
                                 count_key=None, order=MY_PAIRS_ORDER, key=("last_activity_at", True),
                                 keys=keys, scope=scope, requested_first=False)  # fmt: skip
