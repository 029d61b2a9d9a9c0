"""Text normalisation shared by indexing and querying."""

from __future__ import annotations

import html
import re
import unicodedata

__all__ = ["normalize"]

# Tags, comments and script/style bodies: listings may be pasted from web pages or rich editors.
_BLOCK_RE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<!--.*?-->|</?[a-zA-Z][^<>]*>", re.DOTALL)
# Control characters (except whitespace) would otherwise reach the tokenizer as odd tokens.
_CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\ufeff]")


def normalize(text: str) -> str:
    """Return NFKC-normalised, case-folded text with markup and control characters removed."""
    if not text:
        return ""
    if "<" in text:
        text = _TAG_RE.sub(" ", _BLOCK_RE.sub(" ", text))
    if "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text).casefold()
    if not text.isprintable():
        text = _CTRL_RE.sub("", text)
    return text
