"""Look-alike organisations saved at the same moment (2026-12-05): 新建单位 华星(深圳)精密有限公司 checked while
another request was saving 华星（深圳）精密有限公司 found nothing, and both were inserted (or, for the same exact
name, the page said only 已有同名单位或该统一社会信用代码已被其他单位使用). The other request is simulated: it
commits its organisation on its own connection just after this request's check looked. The outcome must be
the one the sequential case gives, and one organisation."""

import re
from urllib.parse import unquote

from sqlalchemy.orm import Session

from matchmaker.admin import services
from matchmaker.auth import services as accounts
from matchmaker.extensions import db
from matchmaker.models import Organization, Taxonomy, User

from ..conftest import AuthActions
from ..factories import make_org, valid_uscc
from .test_accounts import GOOD, LINK_RE

THEIRS, MINE = "华星（深圳）精密有限公司", "华星(深圳)精密有限公司"


def count_orgs():
    return db.session.scalar(db.select(db.func.count(Organization.id)))


def saved_meanwhile(monkeypatch, name, kind="enterprise", where=services, **kw):
    """After the first look-up of an organisation by name (``where``'s organization_named) has answered, another
    request commits ``name``."""
    real, done = services.organization_named, []

    def looked_up_then_the_other_committed(typed, any_brackets=False):
        found = real(typed, any_brackets=any_brackets)
        if not done:
            done.append(True)
            with Session(db.engine) as other:
                other.add(Organization(name=name, kind=kind, **kw))
                other.commit()
        return found

    monkeypatch.setattr(where, "organization_named", looked_up_then_the_other_committed)


def list_town(name="保留的镇街"):
    """Put ``name`` on the maintained list of towns (新建单位 takes only a listed one)."""
    db.session.add(Taxonomy(kind="town", name=name))
    db.session.commit()


def huaxing_names():
    return sorted(db.session.scalars(db.select(Organization.name).where(Organization.name.like("华星%"))))


def test_a_new_organisation_racing_a_look_alike_is_refused_naming_it(file_app, monkeypatch):
    """新建单位 meets the other's look-alike in the database: 已有同名单位“华星（深圳）精密有限公司”, typed text kept."""
    with file_app.app_context():
        client = file_app.test_client()
        AuthActions(client).login("admin")
        list_town()
        saved_meanwhile(monkeypatch, THEIRS)
        data = {"name": MINE, "kind": "enterprise", "uscc": valid_uscc(770001), "town": "保留的镇街"}
        resp = client.post("/admin/organizations/new", data=data)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 400, body[:500]
        assert f"已有同名单位“{THEIRS}”" in body and 'value="保留的镇街"' in body
        assert huaxing_names() == [THEIRS]
        db.session.remove()


def test_a_rename_racing_a_look_alike_is_refused_naming_it(file_app, monkeypatch):
    """编辑单位 renaming to a look-alike of an organisation saved meanwhile: refused as the sequential case is."""
    with file_app.app_context():
        client = file_app.test_client()
        AuthActions(client).login("admin")
        org = make_org("enterprise", name="华星精密有限公司")
        list_town()
        edit = client.get(f"/admin/organizations/{org.id}/edit").get_data(as_text=True)
        version = re.search(r'name="version" type="hidden" value="([^"]*)"', edit).group(1)
        saved_meanwhile(monkeypatch, THEIRS)
        data = {"name": MINE, "kind": "enterprise", "uscc": org.uscc, "town": "保留的镇街", "version": version}
        resp = client.post(f"/admin/organizations/{org.id}/edit", data=data)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 400, body[:500]
        assert f"已有同名单位“{THEIRS}”" in body and 'value="保留的镇街"' in body
        db.session.expire_all()
        assert huaxing_names() == sorted(["华星精密有限公司", THEIRS])
        db.session.remove()


def test_a_registration_racing_a_look_alike_asks_to_join_it(file_app, monkeypatch):
    """A registration confirmed while 南方理工大学（深圳研究院） was being saved, naming 南方理工大学(深圳研究院): it asks
    to join that organisation (an admin approves first), as when the organisation was there before."""
    theirs = "南方理工大学（深圳研究院）"
    sent = []
    monkeypatch.setattr("matchmaker.auth.registration.send_mail", lambda *mail: sent.append(mail))
    with file_app.app_context():
        client = file_app.test_client()
        data = dict(GOOD, role="researcher", org_kind="institute", org_name="南方理工大学(深圳研究院)", uscc="",
                    email="look@example.cn")  # fmt: skip
        assert "请查收邮件" in client.post("/auth/register", data=data).get_data(as_text=True)
        token = unquote(LINK_RE.search(sent[-1][2]).group(1).split("token=", 1)[1])
        saved_meanwhile(monkeypatch, theirs, kind="institute", where=accounts)
        resp = client.post("/auth/register/confirm", data={"token": token}, follow_redirects=True)
        assert resp.status_code == 200 and f"您申请加入的「{theirs}」已在平台登记" in resp.get_data(as_text=True)
        org = db.session.scalar(db.select(Organization).filter_by(name=theirs))
        user = db.session.scalar(db.select(User).filter_by(email="look@example.cn"))
        assert (user.organization_id, user.requested_organization_id) == (None, org.id)
        assert db.session.scalars(db.select(Organization.name).where(Organization.name.like("南方%"))).all() == [theirs]
        db.session.remove()
