"""Keyset pages of the brokers' pair lists (queue, pipeline, 我的对接): signed cursors, not offsets."""

from datetime import datetime
from operator import itemgetter

from flask import current_app
from flask_sqlalchemy.pagination import SelectPagination
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, or_, tuple_

from .. import cache
from ..extensions import db
from ..models import MatchSuggestion
from ..suggestions.store import explain_shown
from .queries import COUNT_TABLES, MY_PAIRS_KEY, SORT_KEYS, Unindexed, count_key, list_statuses


class BadCursor(ValueError):
    """An ``after`` or ``before`` value this list did not write (altered, cut, or of other filters or another list)."""


# A cursor's direction is in its signature: an ``after`` value is no ``before`` one.
SALTS = {"after": "broker-pairs-after", "before": "broker-pairs-before"}
# Numbered links past this page are not shown (but the current page's): each reads every pair before it by
# offset; 上一页 and 下一页 reach any page by its neighbour's keys.
OFFSET_PAGES = 10


def _serializer(direction):
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALTS[direction])


def _stamp(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _unstamp(value, name):
    return value if name == "score" else datetime.fromisoformat(value)


def _order(name, desc, reverse=False):
    """A list's order by its sort key, then id, as (column, descending) pairs; ``reverse``: the same index read
    backwards."""
    d = desc != reverse
    return (getattr(MatchSuggestion, name), d), (MatchSuggestion.id, d)


def _asked_order(name, desc, reverse=False):
    """The order of the pairs asked for: by the moment of the request, then as the list's sort."""
    return ((MatchSuggestion.owner_requested_at, reverse), *_order(name, desc, reverse))


def _after(col, value, id_, desc):
    """Rows after (value, id) in an order by col, then id, both descending or both ascending: one row-value
    comparison, ``(col, id) < (value, id)``, that an index on (status, col, id) seeks to. PostgreSQL starts the
    scan at that very row; as ``col <= value AND (col < value OR id < id)`` it seeks to the value and filters the
    ties on id, reading every pair of the tie before the row (a refit's pairs share their created_at: page 1,701
    of 最早推荐 at 100,000 pairs filtered out 34,000 of them, 102 ms; 0.08 ms and 5 buffers seeking to the row,
    2026-12-07). SQLite (3.40) seeks on col alone either way: id is its rowid, which it uses in no row-value
    bound. The sort keys are NOT NULL columns (decode refuses a NULL key)."""
    row, bound = tuple_(col, MatchSuggestion.id), tuple_(value, id_)
    return row < bound if desc else row > bound


def _before(col, value, id_, desc):
    """Rows before (value, id) in that order: after it in the reverse one."""
    return _after(col, value, id_, not desc)


def _asked(col, keys, desc, beyond):
    """Requested pairs after (``beyond`` is _after) or before (_before) the requested pair ``keys`` name: by the
    moment of the request, then as the sort."""
    S, at = MatchSuggestion, keys["r"]
    same = and_(S.owner_requested_at == at, beyond(col, keys["v"], keys["i"], desc))
    if beyond is _after:
        return and_(S.owner_requested_at >= at, or_(S.owner_requested_at > at, same))
    return and_(S.owner_requested_at <= at, or_(S.owner_requested_at < at, same))


class CountCachedPagination(SelectPagination):
    """A page of pairs whose total is kept until a pair or listing changes (or a minute passes):
    counting a 100,000-pair queue costs more than the page itself.

    The page is read in two parts, each in the order of an index: the few pairs an owner asked to
    have introduced (oldest request first), then the others in the chosen sort. One ORDER BY
    ``owner_requested_at IS NULL, ...`` matches no index, so it sorted every pending pair, listings
    joined, for each page (5 s at 100,000 pairs on SQLite).

    下一页 starts after the last row shown (``after``: its signed keys), not at an offset: a pair leaving
    the list meanwhile (accepted or rejected by another broker) made the next page skip one, and page
    2,000 read the 40,000 pairs before it. 上一页 ends before the first row shown (``before``): the rows
    before it read backwards from the same index, then turned round; the start of the list reached, that
    page is page 1, as short as what is left before the row (a pair of it gone meanwhile), and with none
    left, the list's first page. Numbered links go by offset, up to OFFSET_PAGES; ``next_after`` and
    ``prev_before`` are None where there is no such page.

    A page reached by 下一页 or 上一页 (but page 1) is numbered by the clicks that led to it, from its neighbour's
    number: pairs leaving or joining the list before it meanwhile (taken up by another broker, a new suggestion)
    make that number an estimate, its pairs not those of the offset page of that number. Counting the pairs before
    it would make it exact at the cost of the list's count (the list's filters joined; that count is cached for
    being dear), for every deep page: ``approximate`` says so instead, and the pager shows 约第 N 页."""

    offset_pages = OFFSET_PAGES
    approximate = False

    def _query_items(self):
        items = self._read_page()
        self.approximate = self._query_args.get("keys") is not None and self.page > 1
        return items

    def _read_page(self):
        args, self.next_after, self.prev_before = self._query_args, None, None
        self._name, self._desc = args.get("key", SORT_KEYS["score"])
        keys = args.get("keys")
        if args.get("backward") and keys is not None:
            ids = self._read_back(keys, self.per_page + 1)
            if ids:  # read backwards: the one more (is there a page before?) is the first
                more, ids = len(ids) > self.per_page, ids[-self.per_page :]
                self.page = max(self.page, 2) if more else 1
                items = self._load(ids)
                if items and self._read_on(self._keys_of(items[-1]), 1):
                    self.next_after = self._encode(items[-1], self.page + 1, "after")
                if more and items:
                    self.prev_before = self._encode(items[0], self.page - 1, "before")
                return self._shown(items)
            self.page, keys = 1, None  # nothing before that row any more: the list's first page
        ids = self._read_on(keys, self.per_page + 1, self._query_offset)
        more, ids = len(ids) > self.per_page, ids[: self.per_page]
        items = self._load(ids)
        if more and items:
            self.next_after = self._encode(items[-1], self.page + 1, "after")
        if self.page > 1 and items:
            self.prev_before = self._encode(items[0], self.page - 1, "before")
        return self._shown(items)

    def _ids(self):
        return self._query_args["select"].order_by(None).with_only_columns(MatchSuggestion.id)

    def _read(self, stmt, order, size, skip=0):
        """The ids of stmt's rows ``skip`` to ``skip + size`` in ``order`` ((column, descending) pairs, id last).

        A list of several statuses reads each status's first ``skip + size`` rows apart, in the order of its
        (status, ...) index, and merges them by the same keys here: one statement over several statuses
        matches no index and sorted every pair of the list for each page (20-40 ms at 100,000 pairs on SQLite;
        31 ms by score on PostgreSQL, 0.3-0.5 ms a status apart), growing with the list. The ``skip + size``
        first rows of the list are among those read: each is among the first of its status. The keys are stored
        columns, never NULL, and id is unique: Python orders them as the database does, ties included."""
        session, statuses = self._query_args["session"], self._query_args.get("statuses") or ()
        clauses = [col.desc() if d else col.asc() for col, d in order]
        if len(statuses) < 2:
            return session.scalars(stmt.order_by(*clauses).limit(size).offset(skip or None)).all()
        columns, rows = [col for col, _ in order], []
        for status in statuses:
            part = stmt.where(MatchSuggestion.status == status).with_only_columns(*columns)
            rows += session.execute(part.order_by(*clauses).limit(skip + size)).all()
        for i in reversed(range(len(order))):  # stable sorts, the last key first: the order of the ORDER BY
            rows.sort(key=itemgetter(i), reverse=order[i][1])
        return [row[-1] for row in rows[skip : skip + size]]

    def _read_on(self, keys, size, start=0):
        """Up to ``size`` ids after the row ``keys`` name, else from ``start`` (an offset), in the list's order."""
        S, name, desc = MatchSuggestion, self._name, self._desc
        key, order, ids = getattr(S, name), _order(name, desc), self._ids()
        asked, rest = ids.where(S.owner_requested_at.is_not(None)), ids.where(S.owner_requested_at.is_(None))
        if not self._query_args.get("requested_first", True):  # one part: an owner's list (and no cache)
            rest, page, skip = ids, [], start
            if keys is not None:
                rest, skip = rest.where(_after(Unindexed(key), keys["v"], keys["i"], desc)), 0
        elif keys is None:
            requested = self._read(asked, _asked_order(name, desc), start + size)
            page, skip = requested[start:], max(0, start - len(requested))
        elif keys["r"] is not None:  # the last row shown was a requested pair
            page, skip = self._read(asked.where(_asked(key, keys, desc, _after)), _asked_order(name, desc), size), 0
        else:
            page, skip = [], 0
            rest = rest.where(_after(key, keys["v"], keys["i"], desc))
        if len(page) < size:  # every requested pair is read: the others follow them
            page += self._read(rest, order, size - len(page), skip)
        return page

    def _read_back(self, keys, size):
        """Up to ``size`` ids before the row ``keys`` name, in the list's order (read backwards, turned round)."""
        S, name, desc = MatchSuggestion, self._name, self._desc
        key, back, ids = getattr(S, name), _order(name, desc, reverse=True), self._ids()
        if not self._query_args.get("requested_first", True):
            return self._read(ids.where(_before(Unindexed(key), keys["v"], keys["i"], desc)), back, size)[::-1]
        asked, asked_back = ids.where(S.owner_requested_at.is_not(None)), _asked_order(name, desc, reverse=True)
        if keys["r"] is not None:  # the first row shown was a requested pair: only requested ones come before it
            return self._read(asked.where(_asked(key, keys, desc, _before)), asked_back, size)[::-1]
        rest = ids.where(S.owner_requested_at.is_(None), _before(key, keys["v"], keys["i"], desc))
        page = self._read(rest, back, size)
        if len(page) < size:  # the others before it are read: the requested pairs precede them
            page += self._read(asked, asked_back, size - len(page))
        return page[::-1]

    def _load(self, ids):
        """The pairs of ``ids``, listings loaded, in that order."""
        if not ids:
            return []
        select, S = self._query_args["select"].order_by(None), MatchSuggestion
        rows = {s.id: s for s in self._query_args["session"].execute(select.where(S.id.in_(ids))).unique().scalars()}
        return [rows[i] for i in ids if i in rows]

    def _shown(self, items):
        # Pairs of a re-suggestion still without reasons (an owner's list: its views do it).
        return explain_shown(items) if self._query_args.get("requested_first", True) else items

    def _keys_of(self, s):
        return {"r": s.owner_requested_at, "v": getattr(s, self._name), "i": s.id}

    def _encode(self, s, number, direction):
        keys = {k: _stamp(v) for k, v in self._keys_of(s).items()}
        return _serializer(direction).dumps({"s": self._query_args.get("scope"), "p": number, "k": keys})

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

    @property
    def has_prev(self):
        return self.prev_before is not None

    def iter_pages(self, **kwargs):
        """The pager's page numbers, those past OFFSET_PAGES left out (None, as a gap) but the current one."""
        gap = False
        for p in super().iter_pages(**kwargs):
            if p is not None and (p <= OFFSET_PAGES or p == self.page):
                gap = False
                yield p
            elif not gap:
                gap = True
                yield None


def decode(cursor, scope, name, direction="after"):
    """(page number, a row's keys) an ``after`` (the last row shown) or ``before`` (the first) value names
    (``name``: the sort key's column); BadCursor if this list did not write it for these filters and this sort."""
    try:
        data = _serializer(direction).loads(cursor)
        keys, number = data["k"], int(data["p"])
        if data["s"] != scope or number < (2 if direction == "after" else 1) or type(keys["i"]) is not int:
            raise BadCursor(cursor)
        value, at = keys["v"], keys["r"]
        if value is None or (name == "score" and type(value) not in (int, float)):
            raise BadCursor(cursor)
        keys = dict(keys, v=_unstamp(value, name), r=None if at is None else datetime.fromisoformat(at))
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadCursor(cursor) from exc
    return number, keys


def _cursor(after, before, scope, name):
    """(page number, keys, backward) of the request's ``after`` or ``before`` value; (None, None, False) without."""
    if after and before:
        raise BadCursor(before)
    if not (after or before):
        return None, None, False
    number, keys = decode(after or before, scope, name, "after" if after else "before")
    return number, keys, not after


def paginate(stmt, user, f, kind, after=None, before=None):
    """The request's page of stmt (built by suggestions_stmt with f), its count cached per user, list
    and filters: the page after the row ``after`` names, or before the row ``before`` names, else by the
    ``page`` argument. BadCursor for a value this list did not write for these filters."""
    scope = [*count_key(user, f, kind), f.sort]
    number, keys, backward = _cursor(after, before, scope, SORT_KEYS[f.sort][0])
    return CountCachedPagination(select=stmt, session=db.session(), per_page=20, error_out=False, page=number,
                                 count_key=count_key(user, f, kind), key=SORT_KEYS[f.sort], keys=keys,
                                 backward=backward, scope=scope, statuses=list_statuses(f, kind))  # fmt: skip


def paginate_mine(stmt, user, awaiting, after=None, before=None):
    """A page of an owner's pairs (services.my_pairs_stmt), after the row ``after`` names or before the row
    ``before`` names, as the queue's pages: a pair answered meanwhile leaves 待我回复意向, one acted on moves to
    the top. BadCursor as there."""
    scope = ["mine", user.id, bool(awaiting)]
    number, keys, backward = _cursor(after, before, scope, MY_PAIRS_KEY[0])
    return CountCachedPagination(select=stmt, session=db.session(), per_page=20, error_out=False, page=number,
                                 count_key=None, key=MY_PAIRS_KEY, keys=keys, backward=backward,
                                 scope=scope, requested_first=False)  # fmt: skip
