"""A need closed at the moment a broker accepts one of its pairs: one of them is first, never both unseen."""

import threading

import pytest

from matchmaker.brokers import services as brokers
from matchmaker.extensions import db
from matchmaker.listings import lifecycle
from matchmaker.models import MatchSuggestion, TechNeed, User

from ..conftest import DB_URL
from ..factories import make_need, make_result, make_suggestion, make_user

# Two transactions at once on one database: PostgreSQL (SQLite's one writer refuses the late write anyway).
pytestmark = pytest.mark.skipif(not DB_URL, reason="needs PostgreSQL (MATCHMAKER_DATABASE_URL)")


def test_an_accept_while_the_need_is_being_closed_waits_and_is_refused(make_app):
    """The owner's close has written but not committed when the broker's 采纳 reads the need: the 采纳 waits for
    it and is refused (read without the share lock it saw 已发布 and told both sides of a closed need)."""
    app = make_app()
    with app.app_context():
        owner = make_user("enterprise")
        need = make_need(user=owner)
        s = make_suggestion(need, make_result())
        broker = make_user("broker")
        need_id, owner_id, s_id, broker_id = need.id, owner.id, s.id, broker.id
        written, errors = threading.Event(), []

        def close():
            with app.app_context():  # the owner's request on another web process
                try:
                    lifecycle.transition(
                        db.session.get(TechNeed, need_id), "close", actor=db.session.get(User, owner_id)
                    )
                    db.session.flush()
                    written.set()
                    threading.Event().wait(1.0)  # the broker's request arrives meanwhile
                    db.session.commit()
                except Exception as exc:  # noqa: BLE001 -- reported by the assertion below
                    errors.append(exc)
                    written.set()
                finally:
                    db.session.remove()

        closer = threading.Thread(target=close)
        closer.start()
        assert written.wait(10)
        db.session.remove()
        with pytest.raises(brokers.BrokerError, match="已关闭"):
            brokers.accept(db.session.get(MatchSuggestion, s_id), db.session.get(User, broker_id), "suggested")
        closer.join(10)
        assert errors == []
        db.session.expire_all()
        assert db.session.get(TechNeed, need_id).status == "closed"
        assert db.session.get(MatchSuggestion, s_id).status == "suggested"
        db.session.remove()
