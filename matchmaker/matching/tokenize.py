"""Chinese tokenisation with jieba semantics, a domain dictionary and stop words.

jieba (pure Python) is the reference; rjieba (jieba-rs, same dict.txt and HMM) is used at
runtime because it is ~15x faster. Two details keep the output identical to jieba.lcut:

* jieba-rs keeps ASCII runs such as ``hplc-esi-ms`` or ``2076.2kg`` whole where jieba's HMM
  path splits them with ``finalseg.re_skip``; such tokens are re-split here the same way.
* Domain words are added to both with the same explicit frequency (computed once by
  ``dictionary_entries``), and words already in the base dictionary are skipped, because
  jieba's ``add_word`` would add the frequency to its total again where jieba-rs replaces it.

A dictionary change builds a fresh rjieba instance (words cannot be removed from one) and swaps
it in atomically; ``dictionary_version()`` changes with it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import rjieba

from .normalize import normalize

__all__ = [
    "STOPWORDS",
    "dictionary_entries",
    "dictionary_version",
    "jieba_tokenize",
    "set_user_words",
    "tokenize",
    "user_words",
]

_DATA = Path(__file__).with_name("data")
# jieba.finalseg.re_skip: how jieba splits non-Chinese runs that are not dictionary words.
_SKIP_RE = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")
_HAN_RE = re.compile(r"([\u4e00-\u9fd5]+)")
_HAS_WORD = re.compile(r"[^\W_]").search
# An ASCII letter/digit touching a non-ASCII character: only then can a token mix scripts.
_MIXED = re.compile(r"[a-z0-9][^\x00-\x7f]|[^\x00-\x7f][a-z0-9]").search
# Margin over the join-frequency so a domain word also stays whole next to other words.
_FREQ_MARGIN = 4


def _read_list(name: str) -> list[str]:
    lines = (_DATA / name).read_text(encoding="utf-8").splitlines()
    return [normalize(s).strip() for s in lines if s.strip() and not s.startswith("#")]


STOPWORDS = frozenset(_read_list("stopwords.txt"))
SHIPPED_WORDS = tuple(_read_list("domain_dict.txt"))


@dataclass(frozen=True)
class _Dictionary:
    """One immutable tokenizer state: extra words, their frequencies and the rjieba cutter."""

    user_words: tuple[str, ...]
    entries: tuple[tuple[str, int], ...]
    version: str
    cutter: rjieba.Jieba


def _clean_words(words: Iterable[str]) -> list[str]:
    out = {normalize(w).strip() for w in words}
    # jieba cannot match across whitespace, and a word made of punctuation never becomes a term.
    return sorted(w for w in out if w and not any(c.isspace() for c in w) and _HAS_WORD(w))


def dictionary_entries(words: Iterable[str]) -> list[tuple[str, int]]:
    """Return the (word, frequency) pairs added to jieba's base dictionary for these words."""
    cutter = rjieba.Jieba()
    entries = []
    for w in _clean_words(words):
        if cutter.has_word(w):
            continue
        freq = cutter.suggest_freq(w) * _FREQ_MARGIN
        cutter.add_word(w, freq, None)
        entries.append((w, freq))
    return entries


def _build(extra: Iterable[str]) -> _Dictionary:
    extra = tuple(_clean_words(extra))
    entries = tuple(dictionary_entries(SHIPPED_WORDS + extra))
    cutter = rjieba.Jieba()
    for w, f in entries:
        cutter.add_word(w, f, None)
    digest = hashlib.sha256(repr(entries).encode("utf-8")).hexdigest()[:12]
    return _Dictionary(extra, entries, digest, cutter)


_lock = threading.Lock()
_state: _Dictionary | None = None


def _current() -> _Dictionary:
    global _state
    if _state is None:
        with _lock:
            if _state is None:
                _state = _build(())
    return _state


def set_user_words(words: Iterable[str]) -> str:
    """Replace the admin-defined domain words (added to the shipped ones); return the version."""
    global _state
    new = _build(words)
    with _lock:
        _state = new
    return new.version


def user_words() -> tuple[str, ...]:
    """Return the admin-defined domain words currently in use."""
    return _current().user_words


def dictionary_version() -> str:
    """Return a short hash identifying the current domain dictionary."""
    return _current().version


def _split_like_jieba(tok: str) -> list[str]:
    out = []
    for part in _HAN_RE.split(tok):
        if part:
            out.extend(x for x in _SKIP_RE.split(part) if x)
    return out


def _terms(tokens: list[str], has_word, mixed: bool) -> list[str]:
    out = []
    append = out.append
    stop = STOPWORDS
    for t in tokens:
        if t in stop:
            continue
        if t.isalnum() and (not mixed or t.isascii() or len(t) == 1 or not _MIXED(t)):
            append(t)  # the common case: a Chinese word or an ASCII word/number
        elif not _HAS_WORD(t):
            continue  # punctuation or whitespace
        elif len(t) == 1 or has_word(t):
            append(t)
        else:
            append_many = [x for x in _split_like_jieba(t) if x not in stop and _HAS_WORD(x)]
            out.extend(append_many)
    return out


def tokenize(text: str) -> list[str]:
    """Return jieba.lcut terms of the normalised text, without punctuation, spaces or stop words."""
    text = normalize(text)
    if not text:
        return []
    d = _current()
    # Non-alphanumeric tokens (2076.2kg, et-1) always take the careful path in _terms.
    return _terms(d.cutter.cut(text), d.cutter.has_word, _MIXED(text) is not None)


_jieba_cache: dict[str, object] = {}


def jieba_tokenize(text: str) -> list[str]:
    """Reference implementation with jieba itself (slow); used to check parity."""
    d = _current()
    tk = _jieba_cache.get(d.version)
    if tk is None:
        import jieba

        jieba.setLogLevel(60)
        tk = jieba.Tokenizer()
        tk.initialize()
        for w, f in d.entries:
            tk.add_word(w, f)
        _jieba_cache.clear()
        _jieba_cache[d.version] = tk
    text = normalize(text)
    return [t for t in tk.lcut(text) if t not in STOPWORDS and _HAS_WORD(t)]


def dictionary_words_mask(texts: list[str]) -> list[bool]:
    """Return for each text whether it is a word of the current dictionary."""
    has_word = _current().cutter.has_word
    return [bool(t) and has_word(t) for t in texts]


def is_dictionary_word(text: str) -> bool:
    """Return whether text is a word of the current dictionary (base plus domain words)."""
    return bool(text) and _current().cutter.has_word(text)
