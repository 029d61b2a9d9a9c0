"""Matching engine: normalisation, tokenisation, TF-IDF index and suggestions (no Flask).

``tokenize`` is not re-exported here so that ``matchmaker.matching.tokenize`` stays the module.
"""

from .normalize import normalize
from .tokenize import dictionary_version, set_user_words

__all__ = ["dictionary_version", "normalize", "set_user_words"]
