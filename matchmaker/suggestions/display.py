"""Showing suggestions: who sees which, and the matched terms highlighted in both texts."""

import math
import re
import unicodedata
from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.routing import BuildError

from ..extensions import db
from ..listings import access
from ..listings.kinds import spec_of
from ..models import MatchSuggestion, TechNeed
from ..models.enums import INTRODUCED_STATUSES, OWNER_VISIBLE_STATUSES
from .store import explain_shown

MAX_SHOWN = 50
_ASCII_WORD = re.compile(r"^[a-z0-9._+-]+$")


def _normalised_map(text: str):
    """The NFKC, case-folded text and, for each of its characters, the source index."""
    chars, index = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch).casefold():
            chars.append(c)
            index.append(i)
    return "".join(chars), index


def _pattern(terms):
    parts = []
    for t in sorted({t for t in terms if t}, key=len, reverse=True):
        p = re.escape(t)
        # An English or numeric term matches whole words only ("led" not in "sealed").
        parts.append(rf"(?<![a-z0-9]){p}(?![a-z0-9])" if _ASCII_WORD.match(t) else p)
    return re.compile("|".join(parts)) if parts else None


def match_spans(text: str, terms) -> list[tuple[int, int]]:
    """Source (start, end) spans of the terms in text, matched as the engine normalises."""
    pattern = _pattern(terms)
    if not text or pattern is None:
        return []
    norm, index = _normalised_map(text)
    spans = []
    for m in pattern.finditer(norm):
        s, e = index[m.start()], index[m.end() - 1] + 1
        if spans and s < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(e, spans[-1][1]))
        else:
            spans.append((s, e))
    return spans


def highlight(text: str, terms, limit: int | None = None) -> Markup:
    """Escaped text with the terms wrapped in <mark>; with limit, a window around the first hit.

    ``terms`` may map each term to its kind ("lex" or "rel"), which becomes a class of its mark."""
    text = text or ""
    kinds = terms if isinstance(terms, dict) else {}
    spans = match_spans(text, terms)
    lo, hi = 0, len(text)
    if limit and len(text) > limit:
        lo = max(0, (spans[0][0] if spans else 0) - limit // 4)
        hi = min(len(text), lo + limit)
    out, pos = [], lo
    for s, e in spans:
        if e <= lo or s >= hi:
            continue
        s, e = max(s, lo), min(e, hi)
        out.append(escape(text[pos:s]))
        kind = kinds.get(unicodedata.normalize("NFKC", text[s:e]).casefold()) if kinds else None
        cls = f"match-term match-{kind}" if kind in ("lex", "rel") else "match-term"
        out.append(Markup('<mark class="%s">%s</mark>') % (cls, text[s:e]))
        pos = e
    out.append(escape(text[pos:hi]))
    if lo > 0:
        out.insert(0, escape("…"))
    if hi < len(text):
        out.append(escape("…"))
    return Markup("").join(out)


@dataclass
class ReasonPart:
    """One reason as the bar shows it: the words, what they add and the share of the score."""

    term: str
    weight: float
    lexical: float
    semantic: float
    need_words: tuple
    result_words: tuple
    lex_pct: float = 0.0
    sem_pct: float = 0.0

    @property
    def kind(self):
        """'lex' when most of it is text both sides share, else 'rel' (related words)."""
        return "lex" if self.lexical >= self.semantic else "rel"


@dataclass
class ReasonBar:
    """A score's parts: reasons, the remainder, and whether they come from an older engine."""

    score: float
    parts: list
    rest: float = 0.0
    legacy: bool = False  # stored before scores were decomposed: weights do not add up to the score
    outdated: bool = False  # a shown reason's word is no longer in its listing's text (edited since)
    withheld: bool = False  # reasons on a summary-only need's unpublished words joined the remainder

    @property
    def rest_pct(self):
        return max(0.0, 100 * self.rest / self.score) if self.score > 0 else 0.0

    @property
    def shown_pct(self):
        """How much of the score the shown reasons account for, in percent."""
        return round(100 * sum(p.weight for p in self.parts) / self.score) if self.score > 0 else 0

    def shown(self, limit=None):
        """What a page prints: the first ``limit`` parts as (part, points, lexical points, related
        points), then the remainder (the stated rest plus the parts left out) and its points. Points
        are whole percents apportioned so they add up to the score's points as shown."""
        parts = list(self.parts[:limit] if limit else self.parts)
        rest = self.rest + sum(p.weight for p in self.parts[len(parts) :])
        pts = apportion([100 * p.weight for p in parts] + [100 * rest], round(100 * self.score))
        rows = []
        for p, pt in zip(parts, pts):
            lex, rel = apportion([100 * p.lexical, 100 * (p.weight - p.lexical)], pt)
            rows.append((p, pt, lex, rel))
        return rows, rest, pts[-1]

    def need_terms(self) -> dict:
        """Words to mark in the need: {word: 'lex' or 'rel'} (shared words win)."""
        return self._terms("need_words")

    def result_terms(self) -> dict:
        """Words to mark in the result: {word: 'lex' or 'rel'} (shared words win)."""
        return self._terms("result_words")

    def _terms(self, attr) -> dict:
        out = {}
        for p in self.parts:
            shared = p.need_words == p.result_words
            for w in getattr(p, attr):
                if shared or w not in out:
                    out[w] = "lex" if shared else "rel"
        return out


def apportion(values, total: int) -> list[int]:
    """Whole numbers close to ``values`` that add up to ``total`` (largest remainder), so printed
    parts add up to the printed whole."""
    values = [max(0.0, v) for v in values]
    out = [math.floor(v) for v in values]
    order = sorted(range(len(values)), key=lambda i: (out[i] - values[i], i))
    left = total - sum(out)
    for i in order[:left] if left > 0 else ():
        out[i] += 1
    for i in reversed(order):  # more than the total (rounded inputs): take from the smallest remainders
        if left >= 0:
            break
        if out[i] > 0:
            out[i] -= 1
            left += 1
    return out


def _num(x) -> float:
    return float(x) if isinstance(x, int | float) else 0.0


def reason_bar(reasons, score) -> ReasonBar:
    """The stored reasons of a pair (any format so far) as a bar of parts adding up to the score."""
    score = _num(score)
    parts, rest, legacy = [], None, False
    for item in reasons or []:
        if isinstance(item, dict) and "rest" in item and "term" not in item:
            rest = _num(item["rest"])
            continue
        if isinstance(item, dict) and "lexical" in item:
            term, w = str(item.get("term") or ""), _num(item.get("weight"))
            lex, sem = _num(item.get("lexical")), _num(item.get("semantic"))
            need = tuple(str(x) for x in item.get("need") or ())
            result = tuple(str(x) for x in item.get("result") or ())
        else:  # [[term, weight], ...] or {"term", "weight"}: shared words of an older engine or a manual pair
            if isinstance(item, dict):
                term, w = str(item.get("term") or ""), _num(item.get("weight"))
            elif isinstance(item, list | tuple) and item:
                term, w = str(item[0]), _num(item[1] if len(item) > 1 else 0)
            else:
                continue
            lex, sem, need, result, legacy = w, 0.0, (term,), (term,), True
        if term:
            parts.append(ReasonPart(term, w, lex, sem, need, result))
    if legacy:  # the old weights were a partial cosine, not parts of this score: scale them into it
        total = sum(p.weight for p in parts)
        factor = min(1.0, score / total) if total > 0 else 0.0
        for p in parts:
            p.weight *= factor
            p.lexical *= factor
        rest = None
    if rest is None:
        rest = max(0.0, score - sum(p.weight for p in parts))
    for p in parts:
        if score > 0:
            p.lex_pct = max(0.0, 100 * p.lexical / score)
            p.sem_pct = max(0.0, 100 * (p.weight - p.lexical) / score)
    return ReasonBar(score, parts, rest, legacy)


def visible_bar(bar: ReasonBar, viewer, need, introduced=None, listed=False) -> ReasonBar:
    """The bar a viewer may see: while a summary-only need is hidden from them (listings/access.py;
    ``listed``: in a list, hidden_in_lists), reasons resting on words outside its public text join the
    remainder."""
    hidden = access.hidden_in_lists if listed else access.identity_hidden
    if need is None or not hidden(viewer, need, introduced):
        return bar
    kept = [p for p in bar.parts if all(access.in_public_text(need, w) for w in p.need_words)]
    bar.rest += sum(p.weight for p in bar.parts if p not in kept)
    bar.withheld = bar.withheld or len(kept) < len(bar.parts)
    bar.parts = kept
    return bar


def _current_text(listing) -> str:
    kind = spec_of(listing)
    return "\n".join(getattr(listing, f) or "" for f in ("title", "keywords", *kind.body))


_LATIN = re.compile(r"[a-z]")


def _written_forms(text: str, words) -> dict:
    """{word: the word as the text writes it} for the words found in text (“LED” for the engine's “led”)."""
    if not text or not words:
        return {}
    norm, index = _normalised_map(text)
    out = {}
    for w in words:
        pattern = _pattern([w])
        m = pattern.search(norm) if pattern else None
        if m:
            out[w] = unicodedata.normalize("NFKC", text[index[m.start()] : index[m.end() - 1] + 1])
    return out


def check_current(bar: ReasonBar, need, result) -> ReasonBar:
    """Flag a bar whose shown words are no longer all in the texts they came from: a listing edited
    after the pair was scored (until its re-match, or for good on a pair a broker has decided). Latin
    words in the shown labels take the case their listing writes them in (the engine folds case)."""
    if bar.legacy:  # older engines' and brokers' terms were never promised to be whole words of the text
        return bar
    written = {}
    for listing, attr in ((result, "result_words"), (need, "need_words")):  # the need's spelling wins
        if listing is None:
            continue
        words = {w for p in bar.parts for w in getattr(p, attr)}
        found = _written_forms(_current_text(listing), words)
        bar.outdated = bar.outdated or len(found) < len(words)
        written.update({w: f for w, f in found.items() if _LATIN.search(w)})
    if written:  # a label is a word, or "need word ↔ result word" (matching/explain.py)
        for p in bar.parts:
            p.term = " ↔ ".join(written.get(w, w) for w in p.term.split(" ↔ "))
    return bar


def reason_bar_for(s, viewer=None, listed=False) -> ReasonBar:
    """A stored pair's bar as this viewer may see it (the confidentiality rule of listings/access.py;
    ``listed``: as a row of a list)."""
    bar = reason_bar(s.reasons, s.score)
    if viewer is not None:
        bar = visible_bar(bar, viewer, getattr(s, "need", None), s.status in INTRODUCED_STATUSES, listed)
    return check_current(bar, getattr(s, "need", None), getattr(s, "result", None))


def marked(text, s, side: str, limit=None, viewer=None) -> Markup:
    """One side's text ("need" or "result") with the pair's reason words of that side marked."""
    bar = reason_bar_for(s, viewer)
    return highlight(text, bar.need_terms() if side == "need" else bar.result_terms(), limit)


def listing_url(listing):
    """The detail page of a need or result, or None while that page does not exist."""
    kind = "need" if isinstance(listing, TechNeed) else "result"
    endpoint = f"{kind}s.detail"
    for arg in (f"{kind}_id", "id"):
        try:
            return url_for(endpoint, **{arg: listing.id})
        except (BuildError, RuntimeError):  # no such page yet, or no request to build it in
            continue
    return None


def listing_text(listing, viewer, own: bool) -> str:
    """The descriptive text a viewer may read: a summary-only need shows its summary to outsiders."""
    if isinstance(listing, TechNeed):
        if not own and not viewer.is_staff and listing.confidentiality == "summary":
            return listing.summary or ""
        return "\n".join(x for x in (listing.summary, listing.problem, listing.indicators) if x)
    return "\n".join(x for x in (listing.abstract, listing.advantages) if x)


@dataclass
class SuggestionView:
    """One suggestion as a page shows it: the row, the other listing, reasons and highlights."""

    row: MatchSuggestion
    listing: object
    other: object
    terms: list
    reasons: list
    bar: ReasonBar
    listing_title: Markup
    listing_text: Markup
    other_title: Markup
    other_text: Markup
    other_org: str = ""  # as the viewer may see it

    @property
    def other_url(self):
        return listing_url(self.other)

    @property
    def score_percent(self):
        return round(100 * (self.row.score or 0))

    @property
    def status_label(self):
        return self.row.status_label


def _visible_statuses(listing, viewer):
    if not viewer.is_authenticated:
        return None
    if viewer.is_staff:
        return ()  # everything
    if listing.can_edit(viewer):
        return OWNER_VISIBLE_STATUSES
    return None


def suggestions_for(listing, viewer, limit=MAX_SHOWN) -> list[SuggestionView]:
    """A listing's suggestions the viewer may see (staff all, owners accepted-or-later), best first."""
    statuses = _visible_statuses(listing, viewer)
    if statuses is None:
        return []
    is_need = isinstance(listing, TechNeed)
    s = MatchSuggestion
    other_rel = s.result if is_need else s.need
    stmt = select(s).where((s.need_id if is_need else s.result_id) == listing.id)
    if statuses:
        stmt = stmt.where(s.status.in_(statuses))
    stmt = stmt.options(joinedload(other_rel)).order_by(s.score.desc(), s.id).limit(limit)
    out = []
    for row in explain_shown(db.session.scalars(stmt).all()):
        other = row.result if is_need else row.need
        # The confidentiality rule (listings/access.py): hidden words of a summary-only need never show.
        introduced = row.status in INTRODUCED_STATUSES
        bar = visible_bar(reason_bar(row.reasons, row.score), viewer, row.need, introduced)
        bar = check_current(bar, row.need, row.result)
        reasons = [(p.term, p.weight) for p in bar.parts]
        mine, theirs = (bar.need_terms(), bar.result_terms()) if is_need else (bar.result_terms(), bar.need_terms())
        own_text = listing_text(listing, viewer, own=True)
        their_text = listing_text(other, viewer, own=False)
        out.append(SuggestionView(
            row, listing, other, list(mine) + list(theirs), reasons, bar,
            highlight(listing.title, mine), highlight(own_text, mine, 240),
            highlight(other.title, theirs), highlight(their_text, theirs, 240),
            access.org_name(viewer, other, introduced),
        ))  # fmt: skip
    return out
