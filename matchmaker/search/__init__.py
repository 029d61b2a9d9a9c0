"""Full-text search over listings: jieba tokens in SQLite FTS5 or a PostgreSQL tsvector.

Each listing stores ``search_tokens`` = "title tokens\\nkeyword tokens\\nbody tokens" (the
same layout as ``matching.docs.encode_tokens``). The index is kept in sync by the database
itself (SQLite triggers; a PostgreSQL generated column), so every writer of
``search_tokens`` updates it. ``ensure_search_schema`` creates it idempotently.
"""

from .fts import (
    DDL_POSTGRESQL,
    DDL_SQLITE,
    ensure_search_schema,
    install_listeners,
    query_terms,
    ranked,
    rebuild_search_index,
)
from .tokens import listing_search_tokens, listing_tokens

__all__ = [
    "DDL_POSTGRESQL",
    "DDL_SQLITE",
    "ensure_search_schema",
    "install_listeners",
    "listing_search_tokens",
    "listing_tokens",
    "query_terms",
    "ranked",
    "rebuild_search_index",
]
