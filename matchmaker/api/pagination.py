"""Cursor pagination: an opaque, signed cursor that remembers the position and the query it belongs to.

The cursor carries an offset into the list's order (the same order as the pages: relevance,
newest, amount…) and a digest of the filters; it is signed, so a client cannot forge a position
or reuse a cursor with other filters (both give 400). ``limit`` is 1–100.

A list in a fixed order of unique keys (contracts: signing date, id; organisations: id; needs and results
newest first, by amount or by deadline; suggestions by their stored score or moments, id) passes a ``Keyset``:
its cursor also carries the last row's keys and the next page starts after that row, not at an offset. A
row leaving the list between two pages (a contract voided) moved every later row one place up: read at
the offset, the next page skipped one, and a client syncing the list never saw it.

Relevance (a search's default order) keeps the offset: its score is not a row's value but the engine's, and on
SQLite FTS5's bm25 weighs every term by the whole index, so one listing added, edited or deleted rescores all
the others: a score remembered in a cursor is no position in the next page's order. A deep offset there costs
about what page 1 does (measured on PostgreSQL at 100,000 needs, 18,000 matching: 1.7 s at offset 0, 0.7 s at
17,000; ranking every match is the cost), so it is not bounded below MAX_OFFSET. The OpenAPI description says so.
A suggestions' page at offset 50,000 of 100,000 sorted 50,021 pairs on disk (1.4 s on PostgreSQL); after a
keyset, a top-21 sort in memory (0.36 s; the same 21 pairs).
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Date, DateTime, Numeric, tuple_
from sqlalchemy.sql import operators

from ..extensions import db
from .errors import ApiError

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_OFFSET = 1_000_000


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="api-cursor")


def _digest(scope, filters):
    text = json.dumps([scope, {k: str(v) for k, v in sorted(filters.items()) if v not in (None, "")}],
                      ensure_ascii=False, sort_keys=True)  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Keyset:
    """A list's order by unique keys: ``key(row)`` gives a row's keys (JSON: ints and ISO dates as text),
    ``after(keys)`` the condition of the rows that follow that row in the order."""

    key: Callable
    after: Callable
    # SQLite (3.40) seeks a row value on its first column only: inside a long tie it steps through the tie's rows
    # before the cursor. ``split(keys)`` gives the bound as two seeks read one after the other: ``col = v AND
    # id < i`` (the rest of the tie), then ``col < v`` (scratch, 100,000 rows, cursor 10,000 rows into a
    # 60,000-row tie: 500,266 VM steps as a row value, 898 as the two seeks; 2026-12-07).
    split: Callable | None = None


def by_date_and_id(date_col, id_col):
    """The keyset of an order by a date, then id, both descending (contracts, newest signing first). The bound is
    one row value, as newest_first's: PostgreSQL seeks to the row; as ``col < d OR (col = d AND id < i)`` it could
    only filter the date's ties."""
    return Keyset(
        key=lambda row: [getattr(row, date_col.key).isoformat(), row.id],
        after=lambda k: tuple_(date_col, id_col) < tuple_(date.fromisoformat(k[0]), int(k[1])),
        split=lambda k: ((date_col == date.fromisoformat(k[0])) & (id_col < int(k[1])), date_col < date.fromisoformat(k[0])),
    )  # fmt: skip


def newest_first(model):
    """The keyset of a listing list's "new" order (published_at, then id, both descending; listings.queries),
    over a statement of ids. A row never published (no date) keeps the offset; on SQLite such rows come last
    in that order, so they follow every dated row."""

    def key(listing_id):
        when = db.session.scalar(db.select(model.published_at).where(model.id == listing_id))
        return None if when is None else [when.isoformat(), listing_id]

    def after(k):
        # One row value: PostgreSQL seeks to it in ix_*_recent (published_at, id, ...). As ``col < when OR (col =
        # when AND id < i)`` it read that index from the newest listing and filtered out every one before the
        # cursor (80,648 rows, 0.33 s at offset 50,000 of 100,000 needs; 2026-12-07).
        when, col = datetime.fromisoformat(k[0]), model.published_at
        cond = tuple_(col, model.id) < tuple_(when, int(k[1]))
        if db.session.get_bind().dialect.name == "sqlite":
            cond |= col.is_(None)
        return cond

    def split(k):  # SQLite: the rest of the moment, the moments before, then the never-published rows
        when, col = datetime.fromisoformat(k[0]), model.published_at
        return (col == when) & (model.id < int(k[1])), col < when, col.is_(None)

    return Keyset(key=key, after=after, split=split)


def nulls_last(stmt, id_col):
    """The keyset of the listings' amount and deadline orders (``value IS NULL, value ASC|DESC, id DESC``,
    listings.queries), read from ``stmt``'s own ORDER BY so that the value is the very expression the list sorts
    by: a summary-only need's budget and date are NULL there for outsiders, and so in their cursor. None for
    another order (relevance: by offset). A statement of ids, as newest_first."""
    order = stmt._order_by_clauses
    if len(order) != 3 or getattr(order[1], "modifier", None) not in (operators.asc_op, operators.desc_op):
        return None
    isnull, (value, desc) = order[0], (order[1].element, order[1].modifier is operators.desc_op)
    if not (isnull.compare(value.is_(None)) and order[2].compare(id_col.desc())):
        return None
    if isinstance(value.type, Numeric) and value.type.precision is not None:
        load = Decimal
    elif isinstance(value.type, Date) and not isinstance(value.type, DateTime):
        load = date.fromisoformat
    else:
        return None

    def key(listing_id):
        v = db.session.scalar(db.select(value).where(id_col == listing_id))
        return [None if v is None else v.isoformat() if isinstance(v, date) else str(v), listing_id]

    def after(k):
        last = int(k[1])
        if k[0] is None:  # NULLs come last (the IS NULL term), whatever the database's own NULL order
            return value.is_(None) & (id_col < last)
        v = load(k[0])
        if isinstance(v, Decimal) and not (v.is_finite() and abs(v) < 10 ** (value.type.precision - value.type.scale)):
            raise ValueError(v)  # past the column's Numeric(14, 2): PostgreSQL's numeric overflows (a 500)
        beyond = value < v if desc else value > v
        return beyond | ((value == v) & (id_col < last)) | value.is_(None)

    return Keyset(key=key, after=after)


def requested_first(requested_col, sort_col, id_col, desc):
    """The keyset of the suggestions' order (brokers.queries.suggestions_stmt): the pairs an owner asked to have
    introduced first, oldest request first (``requested IS NULL, requested``), then the sort's stored key and id,
    both descending (``desc``) or both ascending. The key and id are one row value, as on the brokers' pages; a NULL
    request is said by the IS NULL term, whatever the database's own NULL order. Stored scores, unlike a search's
    relevance: a pair's score changes only when the pair does."""
    load = datetime.fromisoformat if isinstance(sort_col.type, DateTime) else float

    def stamp(v):
        return v.isoformat() if isinstance(v, datetime) else v

    def key(row):
        return [stamp(getattr(row, requested_col.key)), stamp(getattr(row, sort_col.key)), row.id]

    def after(k):
        row, bound = tuple_(sort_col, id_col), tuple_(load(k[1]), int(k[2]))
        beyond = row < bound if desc else row > bound
        if k[0] is None:
            return requested_col.is_(None) & beyond
        at = datetime.fromisoformat(k[0])
        return requested_col.is_(None) | (requested_col > at) | ((requested_col == at) & beyond)

    return Keyset(key=key, after=after)


def by_id(id_col):
    """The keyset of an order by id ascending."""
    return Keyset(key=lambda row: [row.id], after=lambda k: id_col > int(k[0]))


def decode(cursor, scope, filters):
    """(offset, last row's keys or None) a cursor points at ((0, None) without one); ApiError 400 for a bad or
    foreign cursor."""
    if not cursor:
        return 0, None
    try:
        data = _serializer().loads(cursor)
        offset, digest, keys = int(data["o"]), data["q"], data.get("k")
        if keys is not None and not isinstance(keys, list):
            raise TypeError
    except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
        raise ApiError(400, "invalid_cursor", "分页游标无效", "请使用上一页响应中的 next_cursor") from None
    if digest != _digest(scope, filters) or not 0 <= offset <= MAX_OFFSET:
        raise ApiError(400, "invalid_cursor", "分页游标无效", "游标与本次查询条件不符") from None
    return offset, keys


def encode(offset, scope, filters, keys=None):
    data = {"o": offset, "q": _digest(scope, filters)}
    if keys is not None:
        data["k"] = keys
    return _serializer().dumps(data)


def page(stmt, load, scope, filters, limit, cursor, keyset=None):
    """Run one page of an id statement: {"items": rows, "next_cursor": str|None, "truncated": bool}.

    ``stmt`` selects rows in the list's order, or ids that ``load(ids)`` turns into rows (in that
    order). One extra row is read to know whether another page follows. With a ``keyset`` (rows, not ids),
    a page starts after the last row its cursor names. Past MAX_OFFSET rows the list ends although more rows
    match: ``next_cursor`` is null and ``truncated`` true, so a client does not take it for the whole list.
    """
    offset, keys = decode(cursor, scope, filters)
    if keyset is not None and keys is not None:
        split = keyset.split is not None and db.session.get_bind().dialect.name == "sqlite"
        try:  # signed, so ours; but one of another version of a list's order must not be a 500
            bounds = keyset.split(keys) if split else (keyset.after(keys),)
        except (ArithmeticError, IndexError, TypeError, ValueError):  # decimal.InvalidOperation: ArithmeticError
            raise ApiError(400, "invalid_cursor", "分页游标无效", "请使用上一页响应中的 next_cursor") from None
        rows = []
        for bound in bounds:  # in the list's order: the tie's rest comes before every later value
            if len(rows) <= limit:
                rows += db.session.scalars(stmt.where(bound).limit(limit + 1 - len(rows)))
    else:
        rows = list(db.session.scalars(stmt.offset(offset).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    last = keyset.key(rows[-1]) if keyset is not None and rows else None  # None: the next page by offset
    if load is not None and rows:
        rows = load(rows)
    cut = more and offset + limit > MAX_OFFSET
    nxt = encode(offset + limit, scope, filters, last) if more and not cut else None
    return {"items": rows, "next_cursor": nxt, "truncated": cut}
