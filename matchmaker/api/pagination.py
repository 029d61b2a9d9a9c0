"""Cursor pagination: an opaque, signed cursor that remembers the position and the query it belongs to.

The cursor carries an offset into the list's order (the same order as the pages: relevance,
newest, amount…) and a digest of the filters; it is signed, so a client cannot forge a position
or reuse a cursor with other filters (both give 400). ``limit`` is 1–100.
"""

import hashlib
import json

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

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


def decode(cursor, scope, filters):
    """The offset a cursor points at (0 without one); ApiError 400 for a bad or foreign cursor."""
    if not cursor:
        return 0
    try:
        data = _serializer().loads(cursor)
        offset, digest = int(data["o"]), data["q"]
    except (BadSignature, KeyError, TypeError, ValueError):
        raise ApiError(400, "invalid_cursor", "分页游标无效", "请使用上一页响应中的 next_cursor") from None
    if digest != _digest(scope, filters) or not 0 <= offset <= MAX_OFFSET:
        raise ApiError(400, "invalid_cursor", "分页游标无效", "游标与本次查询条件不符") from None
    return offset


def encode(offset, scope, filters):
    return _serializer().dumps({"o": offset, "q": _digest(scope, filters)})


def page(stmt, load, scope, filters, limit, cursor):
    """Run one page of an id statement: {"items": rows, "next_cursor": str|None}.

    ``stmt`` selects rows in the list's order, or ids that ``load(ids)`` turns into rows (in that
    order). One extra row is read to know whether another page follows.
    """
    offset = decode(cursor, scope, filters)
    rows = list(db.session.scalars(stmt.limit(limit + 1).offset(offset)))
    more = len(rows) > limit
    rows = rows[:limit]
    if load is not None and rows:
        rows = load(rows)
    nxt = encode(offset + limit, scope, filters) if more and offset + limit <= MAX_OFFSET else None
    return {"items": rows, "next_cursor": nxt}
