"""The dictionary editor used from two pages at the same moment (attack 2026-12-06)."""

from matchmaker.extensions import db
from matchmaker.models import DomainTerm, User
from matchmaker.suggestions import services

from ..factories import make_user
from ..races import at_once


def test_the_same_words_added_at_once_are_stored_once_and_each_page_says_so(file_app):
    """Two admins (or a double click) add overlapping words at the same moment: every word stored once, each
    reported added by exactly one request and present by the other, no error (before: the second commit hit
    the unique word and the admin got a server error page, the words of their list not in the other's lost)."""
    with file_app.app_context():
        admin_ids = [make_user("admin").id, make_user("admin").id]
        db.session.commit()
        db.session.remove()
    rounds = [(f"储能热管理{i}\n锁芯驱动板{i}", f"锁芯驱动板{i}\n灯饰驱动电源{i}") for i in range(5)]
    for texts in rounds:  # a few rounds: a single one let the two commits pass one another now and then
        answers = []

        def call(admin_id, text):
            def prepare():
                admin = db.session.get(User, admin_id)
                return lambda: answers.append(services.add_terms(text, admin))

            return prepare

        assert at_once(file_app, [call(a, t) for a, t in zip(admin_ids, texts)], services.TermError) == ["ok", "ok"]
        added = sorted(w for got, _ in answers for w in got)
        assert added == sorted({w for t in texts for w in t.split()}), answers
        assert sorted(w for _, present in answers for w in present) in ([], [texts[0].split()[1]]), answers
    with file_app.app_context():
        words = db.session.scalars(db.select(DomainTerm.word)).all()
        assert sorted(words) == sorted({w for texts in rounds for t in texts for w in t.split()})
        db.session.remove()
