"""A full re-suggestion (suggestions/bulk.py) writes only what changed and never touches decided pairs."""

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion
from matchmaker.suggestions import bulk, indexing

from ..factories import make_need, make_suggestion
from .conftest import NEED_TEXT, publish_need


def rows(**filters):
    return db.session.scalars(db.select(MatchSuggestion).filter_by(**filters).order_by(MatchSuggestion.id)).all()


def _resuggest():
    return indexing.fit_index(trigger="cli", resuggest=bulk.resuggest_all)


def _state(s):
    return (s.status, s.score, s.reasons, s.engine_version, s.reasons_pending, s.manual, s.updated_at)


def test_decided_and_manual_pairs_are_left_as_they_are(corpus):
    """Accepted, introduced, signed and manual pairs keep their score, reasons and version; an
    untouched pair the index no longer finds is deleted; a new need gets its pair."""
    need = publish_need(corpus["enterprise"])
    found = rows(need_id=need.id)[0]
    found.status, found.score, found.reasons = "accepted", 0.123, [["旧理由", 0.123]]
    others = corpus["others"]
    kept = [
        make_suggestion(need, others[0], status="introduced", score=0.2),
        make_suggestion(need, others[1], status="signed", score=0.3),
        make_suggestion(need, others[2], manual=True, score=0.0, engine_version="manual"),
    ]
    stale = make_suggestion(need, others[3], score=0.9)  # suggested, untouched, not found by the index
    db.session.commit()
    before = {s.id: _state(s) for s in [found, *kept]}
    stale_id = stale.id
    fresh = make_need(user=corpus["enterprise"], **NEED_TEXT)
    _resuggest()
    db.session.expire_all()
    assert {s.id: _state(s) for s in rows(need_id=need.id)} == before
    assert db.session.get(MatchSuggestion, stale_id) is None
    assert [(s.result_id, s.status, s.reasons_pending) for s in rows(need_id=fresh.id)] == [
        (corpus["result"].id, "suggested", "need")
    ]


def test_pairs_decided_during_the_resuggestion_are_not_overwritten(corpus, monkeypatch):
    """A broker acting on pairs after the stored rows were read: the changed score is not written over
    the accepted pair, and the pair the index no longer finds is not deleted."""
    need = publish_need(corpus["enterprise"])
    found = rows(need_id=need.id)[0]
    found.score = 0.999  # the refit finds another score: an update is due
    other = corpus["others"][3]
    stale = make_suggestion(need, other, score=0.9)  # a deletion is due
    ids = [found.id, stale.id]
    diff = bulk.Snapshot.diff

    def diff_then_accept(self, *args):
        out = diff(self, *args)
        db.session.execute(db.update(MatchSuggestion).where(MatchSuggestion.id.in_(ids)).values(status="accepted"))
        db.session.commit()  # as a broker's request would, in its own transaction
        return out

    monkeypatch.setattr(bulk.Snapshot, "diff", diff_then_accept)
    _resuggest()
    db.session.expire_all()
    assert [(s.id, s.status, s.score) for s in rows(need_id=need.id)] == [
        (ids[0], "accepted", 0.999),
        (ids[1], "accepted", 0.9),
    ]


def test_unchanged_scores_write_nothing_but_the_version(corpus):
    """A second refit over the same listings rewrites no score: rows keep their updated_at."""
    publish_need(corpus["enterprise"])
    _resuggest()
    before = {s.id: (s.score, s.updated_at, s.reasons_pending) for s in rows()}
    engine = _resuggest()
    db.session.expire_all()
    assert before and {s.id: (s.score, s.updated_at, s.reasons_pending) for s in rows()} == before
    assert {s.engine_version for s in rows()} == {engine.version_}
