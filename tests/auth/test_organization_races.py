"""A double-clicked 新建单位 (attack, 2026-12-04): four saves of one name at the same moment gave three
IntegrityErrors (500 pages); now one is created and the others are refused in Chinese."""

from matchmaker.admin import services
from matchmaker.extensions import db
from matchmaker.models import Organization

from ..races import at_once


def test_the_same_organisation_created_four_times_at_once_is_made_once(file_app):
    def create():
        return lambda: services.save_organization(
            Organization(), {"name": "同名单位", "kind": "enterprise", "uscc": ""}
        )

    outcomes = at_once(file_app, [create] * 4, services.OrganizationTaken)
    assert outcomes.count("ok") == 1, outcomes
    assert all("已有同名单位" in o for o in outcomes if o != "ok"), outcomes
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count(Organization.id)).filter_by(name="同名单位")) == 1
        db.session.remove()
