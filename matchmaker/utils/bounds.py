"""Integers from URLs kept inside what the database can hold, so no input answers 500 (issue 13).

Path segments: ``<int:...>`` takes 0..2**31-1 (PostgreSQL's integer); a larger id is a 404 like any
missing one. Query strings: ``page`` is clamped to 1..PAGE_MAX (past the last page a list is empty)
before any view or ``db.paginate`` reads it; any other integer past 2**31-1 becomes 2**31-1 (a filter by
such an id finds nothing), but for a search box's text (``q``) and the amounts and dates whose readers bound
them themselves (``TEXT_ARGS``). The JSON API is left alone: its argument schemas declare these ranges and
answer 422 (what its OpenAPI document promises).
"""

from flask import request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1
PAGE_MAX = 100_000


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` with max 2**31-1 unless a rule says otherwise."""

    def __init__(self, map, fixed_digits=0, min=0, max=INT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def clamp_page(raw):
    """A page number as typed to 1..PAGE_MAX (anything unreadable is page 1)."""
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit():
        return 1
    if len(raw) > 6:
        return PAGE_MAX
    return min(max(int(raw), 1), PAGE_MAX)


# A search box's text, never read as an integer: a phone (13800138000) or number typed there was dropped as one.
# min/max are 万元 amounts read as decimals by listings/queries.py, which caps them at what the column holds:
# dropped here, ?min=10000000000 listed everything. from/to are dates: dropped, a report showed its default
# period as if no date had been typed, where its reader says the date is malformed.
TEXT_ARGS = frozenset({"q", "nq", "rq", "number", "min", "max", "from", "to"})


def _too_big(value):
    v = value.strip().lstrip("+-")
    return v.isascii() and v.isdigit() and (len(v) > 10 or int(v) > INT_MAX)


def _held(value):
    """An integer past 2**31-1 as the nearest one the database holds: an id filter finds what a missing id finds
    (nothing). Dropped, as it was, ?zone=99999999999 or ?broker=99999999999 listed everything unfiltered."""
    return ("-" if value.strip().startswith("-") else "") + str(INT_MAX)


def clamp_query_args():
    """before_request: ?page= clamped, and any other integer past 2**31-1 brought to 2**31-1 (its sign kept),
    so no view or query ever sees a number the database cannot hold."""
    args = request.args
    if (request.blueprint or "").split(".")[0] == "api":
        return  # validated by the API's own schemas (422), as its OpenAPI document says
    if not args or not ("page" in args or any(_too_big(v) for k, v in args.items() if k not in TEXT_ARGS)):
        return
    kept = [(k, v if k in TEXT_ARGS or not _too_big(v) else _held(v)) for k, v in args.items(multi=True) if k != "page"]
    if "page" in args:
        kept.append(("page", str(clamp_page(args.get("page")))))
    request.args = ImmutableMultiDict(kept)


def init_app(app):
    """Install the bounded converter (before any route is added) and the page clamp."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(clamp_query_args)


def id_or_none(raw):
    """An id typed in a form or query string: ASCII digits up to 2**31-1, else None (``str.isdigit()``
    also takes ², ① and other scripts, which ``int()`` refuses, and the database holds no larger id)."""
    raw = str(raw if raw is not None else "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10 or int(raw) > INT_MAX:
        return None
    return int(raw)
