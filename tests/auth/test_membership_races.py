"""Two admins (or two tabs, or a double click) deciding one request to join an organisation at the same
moment (attack, 2026-12-04): all four decisions were applied, the researcher was told both 您已加入 and
未获批准 (twice each) and ended up in the organisation; now one decision applies and the others are refused."""

import pytest

from matchmaker.auth import services
from matchmaker.extensions import db
from matchmaker.models import Notification, User

from ..factories import make_org, make_user
from ..races import at_once


@pytest.fixture
def pending(file_app):
    """A researcher's id, waiting to join a university."""
    with file_app.app_context():
        org = make_org("university", name="南方理工大学")
        user = make_user("researcher")
        user.organization, user.requested_organization = None, org
        db.session.commit()
        yield user.id, org.id
        db.session.remove()


def test_approve_and_refuse_at_once_applies_one_decision(file_app, pending):
    user_id, org_id = pending

    def decide(approve):
        def prepare():
            user = db.session.get(User, user_id)
            assert user.requested_organization is not None  # what each admin's page showed
            return lambda: services.decide_membership(user, approve)

        return prepare

    outcomes = at_once(file_app, [decide(True), decide(False), decide(True), decide(False)], services.AccountError)
    assert outcomes.count("ok") == 1, outcomes
    assert all("没有待审核的加入申请" in o for o in outcomes if o != "ok"), outcomes
    with file_app.app_context():
        user = db.session.get(User, user_id)
        notes = db.session.scalars(db.select(Notification.text).filter_by(user_id=user_id)).all()
        assert user.requested_organization_id is None and len(notes) == 1, notes
        joined = user.organization_id == org_id
        assert ("您已加入" in notes[0]) == joined and ("未获批准" in notes[0]) == (not joined), notes
        db.session.remove()


def test_a_second_decision_from_a_stale_page_is_refused(client, auth):
    org = make_org("university", name="北方理工大学")
    user = make_user("researcher")
    user.organization, user.requested_organization = None, org
    db.session.commit()
    auth.login("admin")
    client.post(f"/admin/users/{user.id}/membership", data={"decision": "approve"})
    body = client.post(
        f"/admin/users/{user.id}/membership", data={"decision": "refuse"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "没有待审核的加入申请" in body
    db.session.expire_all()
    assert user.organization_id == org.id
    assert len(db.session.scalars(db.select(Notification).filter_by(user_id=user.id)).all()) == 1
