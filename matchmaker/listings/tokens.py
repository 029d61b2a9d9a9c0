"""The token caches of a listing and its engine document.

``tokens`` ("title\\nkeywords\\nbody" jieba tokens) is what the matcher reads, so an index
rebuild never tokenises again; ``search_tokens`` is the publicly searchable part (the hidden
fields of a summary-only need left out) that the full-text index is built from.
"""

import weakref

from sqlalchemy import bindparam, func, select, update

from ..extensions import db
from ..matching import tokenize as tok
from ..matching.docs import Doc, encode_tokens, tokenize_doc
from ..matching.tokenize import keyword_tokens, tokenize
from ..models import DomainTerm, ListingChange
from ..models.changes import DICTIONARY
from .kinds import KINDS, kind_of, model_of

# engine -> (newest dictionary change id, tokenizer version set for it); weakly keyed by the engine, not its id(),
# which a later engine can take over from a collected one and so inherit what another database had.
_dictionary_seen = weakref.WeakKeyDictionary()


def ensure_dictionary(force=False) -> str:
    """Make this process tokenise with the domain dictionary last committed to the database.

    One indexed query per call; the words are read again only when a dictionary change was
    committed since (by any process) or something else replaced this process's words."""
    with db.session.no_autoflush:  # a half-built listing (zones set, not yet added) must not be flushed by this read
        latest = db.session.scalar(select(func.max(ListingChange.id)).where(ListingChange.kind == DICTIONARY))
    key = db.engine
    seen = _dictionary_seen.get(key)
    if force or seen is None or seen != (latest, tok.dictionary_version()):
        with db.session.no_autoflush:
            words = list(db.session.scalars(select(DomainTerm.word)))
        if force or tuple(sorted(tok.user_words())) != tuple(sorted(tok._clean_words(words))):
            tok.set_user_words(words)
        _dictionary_seen[key] = (latest, tok.dictionary_version())
    return tok.dictionary_version()


def _parts(listing):
    keywords = keyword_tokens(listing.keyword_list)  # typed keywords stay whole, in every field
    title = tokenize(listing.title or "", keywords)
    body = [tokenize(getattr(listing, f) or "", keywords) for f in KINDS[kind_of(listing)].body]
    return title, keywords, body


def _with_parts(tokens, parts):
    """The tokens, each typed keyword among them followed by its own words (jieba's split of it)."""
    out = []
    for t in tokens:
        out.append(t)
        out.extend(parts.get(t, ()))
    return out


def refresh_tokens(listing, check_dictionary=True):
    """Recompute both caches on the listing (call before flush after any text change); a bulk
    caller checks the dictionary once itself and passes ``check_dictionary=False``."""
    if check_dictionary:
        ensure_dictionary()
    title, keywords, body = _parts(listing)
    flat_body = [t for part in body for t in part]
    listing.tokens = encode_tokens((title, keywords, flat_body))
    # A typed keyword is one token wherever it occurs (the matcher's choice), but a search box is split
    # into words by jieba: "冲压模具" is searched as 冲压 + 模具, and 石墨烯 alone must find "石墨烯散热膜".
    # The searchable copy therefore holds each keyword's own words beside it.
    parts = {k: [w for w in tokenize(k) if w != k] for k in keywords}
    parts = {k: ws for k, ws in parts.items() if ws}
    if kind_of(listing) == "need" and listing.confidentiality == "summary":
        # Only what everyone may read is searchable: title and summary.
        listing.search_tokens = encode_tokens((_with_parts(title, parts), [], _with_parts(body[0], parts)))
    else:
        listing.search_tokens = encode_tokens(
            (_with_parts(title, parts), _with_parts(keywords, parts), _with_parts(flat_body, parts))
        )


# Engine documents ---------------------------------------------------------------------------


def body_text(kind: str, listing) -> str:
    """The body text the engine matches on (all descriptive fields, confidential ones included)."""
    return "\n".join(getattr(listing, f) or "" for f in KINDS[kind].body)


def valid_cache(tokens) -> bool:
    """A token cache in the engine's format: three fields separated by newlines."""
    return bool(tokens) and tokens.count("\n") == 2


def make_doc(kind: str, row, retokenize=False) -> Doc:
    """An engine document for a listing (or a row with the same attributes)."""
    tokens = row.tokens if (valid_cache(row.tokens) and not retokenize) else None
    return Doc(row.id, row.title or "", row.keywords or "", body_text(kind, row), tokens)


def ensure_tokens(kind: str, row, retokenize=False):
    """The row's Doc with its token cache, and the cache string when it had to be computed."""
    doc = make_doc(kind, row, retokenize)
    if doc.tokens is not None:
        return doc, None
    doc = tokenize_doc(doc)
    return doc, doc.tokens


def store_tokens(kind: str, items) -> None:
    """Write token caches [(id, tokens, updated_at)] without touching the listings' updated_at."""
    if not items:
        return
    table = model_of(kind).__table__
    stmt = (
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values(tokens=bindparam("_tokens"), updated_at=bindparam("_updated"))
    )
    params = [{"_id": i, "_tokens": t, "_updated": u} for i, t, u in items]
    db.session.connection().execute(stmt, params)


def load_columns(kind: str):
    """Columns read for bulk indexing (no ORM objects)."""
    m = model_of(kind)
    cols = [m.id, m.title, m.keywords, m.tokens, m.updated_at]
    return cols + [getattr(m, f) for f in KINDS[kind].body]
