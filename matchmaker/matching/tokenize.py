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
    "is_whole_word",
    "whole_words_mask",
    "jieba_tokenize",
    "keyword_tokens",
    "merge_runs",
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
# 2: typed keywords are whole tokens (keyword_tokens), no longer cut by jieba.
TOKEN_FORMAT = 2
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
    # The token format is part of the version: a change re-tokenises every cached listing.
    digest = hashlib.sha256(repr((TOKEN_FORMAT, entries)).encode("utf-8")).hexdigest()[:12]
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


def tokenize(text: str, keep=()) -> list[str]:
    """Return jieba.lcut terms of the normalised text, without punctuation, spaces or stop words.

    Runs of terms that spell one of the ``keep`` words (a listing's typed keywords) become that word.
    """
    text = normalize(text)
    if not text:
        return []
    d = _current()
    # Non-alphanumeric tokens (2076.2kg, et-1) always take the careful path in _terms.
    terms = _terms(d.cutter.cut(text), d.cutter.has_word, _MIXED(text) is not None)
    return merge_runs(terms, keep) if keep else terms


def merge_runs(terms: list[str], words) -> list[str]:
    """Join consecutive terms that together spell one of the words (longest first)."""
    words = sorted({w for w in words if len(w) > 1}, key=len, reverse=True)
    if not words:
        return terms
    firsts = {w[0] for w in words}
    out, i, n = [], 0, len(terms)
    while i < n:
        t = terms[i]
        if t[0] in firsts:
            for w in words:
                if not w.startswith(t) or len(w) == len(t):
                    continue
                j, acc = i + 1, t
                while j < n and len(acc) < len(w) and w.startswith(acc + terms[j]):
                    acc += terms[j]
                    j += 1
                if acc == w:
                    out.append(w)
                    i = j
                    break
            else:
                out.append(t)
                i += 1
            continue
        out.append(t)
        i += 1
    return out


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


_KEYWORD_SEP = re.compile(r"[,，、;；\s]+")
# A Latin-script word or formula (led, hplc, sral2o4): the tokenizer never splits one.
_LATIN_WORD = re.compile(r"[a-z][a-z0-9+\-.]*[a-z0-9+]")


def keyword_tokens(keywords) -> list[str]:
    """Return a listing's typed keywords as whole tokens (热影响区 stays one token)."""
    if not isinstance(keywords, str):
        keywords = " ".join(keywords or ())
    out = []
    for k in _KEYWORD_SEP.split(normalize(keywords)):
        k = k.strip()
        if k and k not in STOPWORDS and _HAS_WORD(k):
            out.append(k)
    return out


_whole: dict[tuple[str, str], bool] = {}


def is_whole_word(word: str, keywords=()) -> bool:
    """Return whether a word may explain a match: a dictionary word, a typed keyword or a Latin
    word, never a stop word, a number or a piece the tokenizer guessed (HMM) out of a longer word."""
    if not word or word in STOPWORDS:
        return False
    if word in keywords:
        return True
    d = _current()
    key = (d.version, word)
    hit = _whole.get(key)
    if hit is None:
        if word.isascii():
            hit = bool(_LATIN_WORD.fullmatch(word))
        else:
            hit = bool(d.cutter.has_word(word))
        if len(_whole) > 200_000:
            _whole.clear()
        _whole[key] = hit
    return hit


def whole_words_mask(words: list[str]) -> list[bool]:
    """Return is_whole_word(word) without keywords for each word, in bulk (no cache), for lookup tables."""
    has_word, stop, latin = _current().cutter.has_word, STOPWORDS, _LATIN_WORD.fullmatch
    return [bool(w) and w not in stop and bool(latin(w) if w.isascii() else has_word(w)) for w in words]


def dictionary_words_mask(texts: list[str]) -> list[bool]:
    """Return for each text whether it is a word of the current dictionary."""
    has_word = _current().cutter.has_word
    return [bool(t) and has_word(t) for t in texts]


def is_dictionary_word(text: str) -> bool:
    """Return whether text is a word of the current dictionary (base plus domain words)."""
    return bool(text) and _current().cutter.has_word(text)
