"""Attacks on the fast channel (2026-12-04): the same need marked 急需 from several requests at once."""

from matchmaker.extensions import db
from matchmaker.models import TechNeed, UrgentRequest, User
from matchmaker.urgent import services

from ..factories import make_need, make_user
from ..races import at_once


def test_a_need_marked_urgent_from_four_requests_at_once_is_one_request(file_app):
    """Four submits of 申请快速通道 for one need at once, sent without a form key (a script, or a page
    from before keys): one request, three told 该需求已申请过快速通道; it was a 500 (IntegrityError)."""
    with file_app.app_context():
        user = make_user("enterprise")
        uid, nid = user.id, make_need(org=user.organization, user=user).id
        db.session.remove()

    def call():
        def prepare():
            user, need = db.session.get(User, uid), db.session.get(TechNeed, nid)
            need.status, user.organization_id  # noqa: B018 - loaded before the others act
            return lambda: services.mark_existing(need, user, "epidemic", "疫情防控物资生产急需", key=None)

        return prepare

    outcomes = at_once(file_app, [call() for _ in range(4)], services.UrgentError)
    assert outcomes.count("ok") == 1, outcomes
    assert all("已申请过快速通道" in o for o in outcomes if o != "ok"), outcomes
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count(UrgentRequest.id))) == 1
        db.session.remove()
