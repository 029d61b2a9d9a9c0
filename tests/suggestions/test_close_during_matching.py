"""A need closed while its matching job is running: the job's pairs must not outlive the close."""

import threading

import pytest

from matchmaker.extensions import db
from matchmaker.listings import services as listings
from matchmaker.models import MatchSuggestion, TechNeed
from matchmaker.suggestions import store
from matchmaker.suggestions.services import schedule_matching

from ..conftest import DB_URL
from ..factories import make_need, make_result, make_user
from .conftest import NEED_TEXT, RESULT_TEXT

# Two transactions at once on one database: PostgreSQL (SQLite's one writer refuses the late write anyway).
pytestmark = pytest.mark.skipif(not DB_URL, reason="needs PostgreSQL (MATCHMAKER_DATABASE_URL)")


def test_a_need_closed_while_it_is_matched_keeps_no_suggestions(make_app, monkeypatch):
    app = make_app(MATCH_THRESHOLD=0.35)
    with app.app_context():
        make_result(user=make_user("researcher"), **RESULT_TEXT)
        owner = make_user("enterprise")
        need = make_need(user=owner, **NEED_TEXT)
        need_id, owner_id = need.id, owner.id
        real, closer, closed_first = store.index_listing, [], []

        def close_meanwhile():
            with app.app_context():  # the owner's request on another web process
                listings.change_status(
                    db.session.get(TechNeed, need_id), "close", actor=db.session.get(type(owner), owner_id)
                )
                db.session.remove()

        def racing(kind, listing, doc, query=None):
            out = real(kind, listing, doc, query)
            if kind == "need" and doc is not None and not closer:  # the pairs are found, not yet stored
                closer.append(threading.Thread(target=close_meanwhile))
                closer[0].start()
                # The close commits before the pairs are stored (a fraction of a second; a loaded machine may take
                # seconds, and a close still running when they are stored would test nothing): waited for, not 3 s.
                closer[0].join(timeout=120)
                closed_first.append(not closer[0].is_alive())  # asserted below (the job's errors are only logged)
            return out

        monkeypatch.setattr(store, "index_listing", racing)
        schedule_matching(need)
        db.session.commit()  # the matching job runs in this process, the close in the thread
        closer[0].join(timeout=120)
        assert closed_first == [True]
        db.session.expire_all()
        assert db.session.get(TechNeed, need_id).status == "closed"
        pairs = db.session.scalars(db.select(MatchSuggestion.result_id).filter_by(need_id=need_id)).all()
        assert pairs == []
        db.session.remove()
