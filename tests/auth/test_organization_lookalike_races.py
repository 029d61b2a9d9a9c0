"""Look-alike organisations saved at the same moment (2026-12-05): 新建单位 华星(深圳)精密有限公司 checked while
another request was saving 华星（深圳）精密有限公司 found nothing, and both were inserted (or, for the same exact
name, the page said only 已有同名单位或该统一社会信用代码已被其他单位使用). The other request is simulated: it
commits its organisation on its own connection just after this request's check looked. The outcome must be
the one the sequential case gives, and one organisation."""

import re

from sqlalchemy.orm import Session

from matchmaker.admin import services
from matchmaker.extensions import db
from matchmaker.models import Organization

from ..conftest import AuthActions
from ..factories import make_org, valid_uscc

THEIRS, MINE = "华星（深圳）精密有限公司", "华星(深圳)精密有限公司"


def count_orgs():
    return db.session.scalar(db.select(db.func.count(Organization.id)))


def saved_meanwhile(monkeypatch, name, kind="enterprise", **kw):
    """After the first look-up of an organisation by name has answered, another request commits ``name``."""
    real, done = services.organization_named, []

    def looked_up_then_the_other_committed(typed, any_brackets=False):
        found = real(typed, any_brackets=any_brackets)
        if not done:
            done.append(True)
            with Session(db.engine) as other:
                other.add(Organization(name=name, kind=kind, **kw))
                other.commit()
        return found

    monkeypatch.setattr(services, "organization_named", looked_up_then_the_other_committed)


def huaxing_names():
    return sorted(db.session.scalars(db.select(Organization.name).where(Organization.name.like("华星%"))))


def test_a_new_organisation_racing_a_look_alike_is_refused_naming_it(file_app, monkeypatch):
    """新建单位 meets the other's look-alike in the database: 已有同名单位“华星（深圳）精密有限公司”, typed text kept."""
    with file_app.app_context():
        client = file_app.test_client()
        AuthActions(client).login("admin")
        saved_meanwhile(monkeypatch, THEIRS)
        data = {"name": MINE, "kind": "enterprise", "uscc": valid_uscc(770001), "town": "保留的镇街"}
        resp = client.post("/admin/organizations/new", data=data)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200, body[:500]
        assert f"已有同名单位“{THEIRS}”" in body and 'value="保留的镇街"' in body
        assert huaxing_names() == [THEIRS]
        db.session.remove()


def test_a_rename_racing_a_look_alike_is_refused_naming_it(file_app, monkeypatch):
    """编辑单位 renaming to a look-alike of an organisation saved meanwhile: refused as the sequential case is."""
    with file_app.app_context():
        client = file_app.test_client()
        AuthActions(client).login("admin")
        org = make_org("enterprise", name="华星精密有限公司")
        edit = client.get(f"/admin/organizations/{org.id}/edit").get_data(as_text=True)
        version = re.search(r'name="version" type="hidden" value="([^"]*)"', edit).group(1)
        saved_meanwhile(monkeypatch, THEIRS)
        data = {"name": MINE, "kind": "enterprise", "uscc": org.uscc, "town": "保留的镇街", "version": version}
        resp = client.post(f"/admin/organizations/{org.id}/edit", data=data)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 200, body[:500]
        assert f"已有同名单位“{THEIRS}”" in body and 'value="保留的镇街"' in body
        db.session.expire_all()
        assert huaxing_names() == sorted(["华星精密有限公司", THEIRS])
        db.session.remove()
