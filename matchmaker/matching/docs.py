"""Documents, suggestions and the per-listing token cache."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from .tokenize import keyword_tokens, tokenize

__all__ = [
    "FIELDS",
    "Doc",
    "MatchResult",
    "decode_tokens",
    "doc_cache",
    "encode_tokens",
    "tokenize_doc",
]

FIELDS = ("title", "keywords", "body")
# Tokens never contain whitespace (the tokenizer drops it), so spaces and newlines can
# separate tokens and fields in one string that the app can store in a text column.
_FIELD_SEP = "\n"


@dataclass(frozen=True)
class Doc:
    """A need or a result: id, title, keywords, body and optionally its cached tokens."""

    id: int
    title: str = ""
    keywords: str | list[str] | tuple[str, ...] = ""
    body: str = ""
    tokens: str | None = field(default=None, compare=False)

    def keyword_text(self) -> str:
        """Return the keywords as one space-separated string."""
        if isinstance(self.keywords, str):
            return self.keywords
        return " ".join(self.keywords or ())


@dataclass(frozen=True)
class MatchResult:
    """One suggestion: need, result, score in [0, 1], the reasons that explain it and the
    remainder (the score minus the reasons' weights: parts too small or not words to show)."""

    need_id: int
    result_id: int
    score: float
    reasons: tuple = ()  # explain.Reason items, strongest first
    rest: float = 0.0


def encode_tokens(fields: tuple[list[str], list[str], list[str]]) -> str:
    """Return the cache string for (title, keywords, body) token lists."""
    return _FIELD_SEP.join(" ".join(f) for f in fields)


def decode_tokens(cached: str) -> tuple[list[str], list[str], list[str]]:
    """Return (title, keywords, body) token lists from a cache string."""
    parts = cached.split(_FIELD_SEP)
    parts += [""] * (3 - len(parts))
    return tuple(p.split() for p in parts[:3])


def doc_fields(doc: Doc) -> tuple[list[str], list[str], list[str]]:
    """Return the document's token lists, from its cache when present."""
    if doc.tokens is not None:
        return decode_tokens(doc.tokens)
    keywords = keyword_tokens(doc.keywords)
    return (tokenize(doc.title or "", keywords), keywords, tokenize(doc.body or "", keywords))


def doc_cache(doc: Doc) -> str:
    """Return the document's token-cache string, tokenising only when it has none."""
    return doc.tokens if doc.tokens is not None else encode_tokens(doc_fields(doc))


def tokenize_doc(doc: Doc) -> Doc:
    """Return a copy of the document carrying its token cache (for the app to store)."""
    if doc.tokens is not None:
        return doc
    return replace(doc, tokens=encode_tokens(doc_fields(doc)))
