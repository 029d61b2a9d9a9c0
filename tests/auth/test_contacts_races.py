"""本单位信息 saved by a member whom an admin deactivates (or moves to another organisation) while the save is in
flight: the request checked the member when it began, and that one save was committed, audited as theirs. The save
now re-checks the account as committed, under a lock, and is refused; the details stay as they were."""

import pytest

from matchmaker.auth import profile as profiles
from matchmaker.auth import services as accounts
from matchmaker.extensions import db
from matchmaker.models import AuditLog, Organization, User

from ..factories import make_org, make_user
from ..races import after_another

CONTACTS = {"address": "东城街道科技路 8 号", "contact_name": "王经理", "contact_phone": "0769-2288 6666",
            "contact_email": "wang@huaxing.cn"}  # fmt: skip


def _setup(app):
    with app.app_context():
        org = make_org("enterprise", name="华星精密制造有限公司", contact_name="旧联系人", contact_phone="13800138000")
        other = make_org("enterprise", name="另一家企业")
        ids = org.id, other.id, make_user("enterprise", org=org).id, make_user("admin").id
        db.session.remove()
    return ids


def _save(org_id, member_id):
    """The 本单位信息 page as the member's request loaded it (the member still active and in the organisation)."""
    org, member = db.session.get(Organization, org_id), db.session.get(User, member_id)
    assert org.can_edit_contacts(member) and member.active
    shown = profiles.contacts_version(org)
    return lambda: profiles.save_contacts(org, dict(CONTACTS), member, version=shown)


def _deactivate(member_id, admin_id, other_id):
    accounts.set_active(db.session.get(User, member_id), False, db.session.get(User, admin_id))


def _move(member_id, admin_id, other_id):
    db.session.get(User, member_id).organization_id = other_id
    db.session.commit()


@pytest.mark.parametrize("change", [_deactivate, _move], ids=["deactivated", "moved"])
def test_a_save_loaded_before_the_member_was_deactivated_is_refused(file_app, change):
    org_id, other_id, member_id, admin_id = _setup(file_app)
    outcome = after_another(file_app, lambda: _save(org_id, member_id),
                            lambda: change(member_id, admin_id, other_id), profiles.NoLongerKeeper)  # fmt: skip
    assert outcome == "您的账号已被停用或已不再是该单位的成员，本次修改未保存；如有疑问，请联系平台管理员"
    with file_app.app_context():
        org = db.session.get(Organization, org_id)
        assert (org.contact_name, org.address) == ("旧联系人", None)
        assert not db.session.scalar(db.select(db.func.count(AuditLog.id)).filter_by(action="update_contacts"))
        db.session.remove()


def test_a_save_by_a_member_still_active_goes_through(file_app):
    """Another member deactivated meanwhile changes nothing for this one."""
    org_id, other_id, member_id, admin_id = _setup(file_app)
    with file_app.app_context():
        colleague = make_user("enterprise", org=db.session.get(Organization, org_id)).id
        db.session.remove()
    outcome = after_another(file_app, lambda: _save(org_id, member_id),
                            lambda: _deactivate(colleague, admin_id, other_id), profiles.NoLongerKeeper)  # fmt: skip
    assert outcome == "ok"
    with file_app.app_context():
        assert db.session.get(Organization, org_id).contact_name == "王经理"
        db.session.remove()


def test_the_page_says_why_nothing_was_saved(client, auth, monkeypatch):
    """The refusal's page: 403, the reason, no form to save from; the details as they were."""
    org = make_org("enterprise", name="华星精密制造有限公司", contact_name="旧联系人", contact_phone="13800138000")
    member = auth.login(make_user("enterprise", org=org))
    check = profiles._still_keeper

    def deactivated_meanwhile(o, actor):
        db.session.execute(db.update(User).where(User.id == member.id).values(active=False))  # an admin, meanwhile
        check(o, actor)

    monkeypatch.setattr(profiles, "_still_keeper", deactivated_meanwhile)
    version = profiles.contacts_version(org)
    resp = client.post("/auth/organization", data=dict(CONTACTS, version=version))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 403 and "您的账号已被停用或已不再是该单位的成员，本次修改未保存" in body
    assert "本单位联系方式已保存" not in body and 'name="contact_name"' not in body
    db.session.expire_all()
    assert db.session.get(Organization, org.id).contact_name == "旧联系人"
