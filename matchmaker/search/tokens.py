"""The token caches of a listing: ``tokens`` for the matcher, ``search_tokens`` for search."""

from ..matching.docs import encode_tokens
from ..matching.tokenize import tokenize

# Body fields, in order, whose text goes into the third part of the cache.
NEED_BODY = ("summary", "problem", "indicators", "conditions")
RESULT_BODY = ("abstract", "detail", "advantages")


def _is_need(listing):
    return listing.__tablename__ == "tech_need"


def _parts(listing):
    title = tokenize(listing.title or "")
    keywords = tokenize(" ".join(listing.keyword_list))
    fields = NEED_BODY if _is_need(listing) else RESULT_BODY
    body = [tokenize(getattr(listing, f) or "") for f in fields]
    return title, keywords, body


def listing_tokens(listing):
    """Return "title\\nkeywords\\nbody" token cache (body: summary, problem, indicators, conditions
    for needs; abstract, detail, advantages for results)."""
    title, keywords, body = _parts(listing)
    return encode_tokens((title, keywords, [t for part in body for t in part]))


def refresh_tokens(listing):
    """Recompute both caches on the listing (call before flush after any text change)."""
    title, keywords, body = _parts(listing)
    listing.tokens = encode_tokens((title, keywords, [t for part in body for t in part]))
    if _is_need(listing) and listing.confidentiality == "summary":
        # Only what everyone may read is searchable: title and summary.
        listing.search_tokens = encode_tokens((title, [], body[0]))
    else:
        listing.search_tokens = listing.tokens


def listing_search_tokens(listing):
    """Return the search cache the listing should have (for checks and rebuilds)."""
    refresh_tokens(listing)
    return listing.search_tokens
