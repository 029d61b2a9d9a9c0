"""Showing suggestions: who sees which, and the matched terms highlighted in both texts."""

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
from ..models import MatchSuggestion, TechNeed
from ..models.enums import INTRODUCED_STATUSES, OWNER_VISIBLE_STATUSES

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
    """Escaped text with the terms wrapped in <mark>; with limit, a window around the first hit."""
    text = text or ""
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
        out.append(Markup('<mark class="match-term">%s</mark>') % text[s:e])
        pos = e
    out.append(escape(text[pos:hi]))
    if lo > 0:
        out.insert(0, escape("…"))
    if hi < len(text):
        out.append(escape("…"))
    return Markup("").join(out)


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
    for row in db.session.scalars(stmt):
        other = row.result if is_need else row.need
        # The confidentiality rule (listings/access.py): hidden words of a summary-only need never show.
        introduced = row.status in INTRODUCED_STATUSES
        reasons = access.visible_reasons(viewer, row.need, [(t, w) for t, w in (row.reasons or [])], introduced)
        terms = [t for t, _ in reasons]
        own_text = listing_text(listing, viewer, own=True)
        their_text = listing_text(other, viewer, own=False)
        out.append(SuggestionView(
            row, listing, other, terms, reasons,
            highlight(listing.title, terms), highlight(own_text, terms, 240),
            highlight(other.title, terms), highlight(their_text, terms, 240),
            access.org_name(viewer, other, introduced),
        ))  # fmt: skip
    return out
