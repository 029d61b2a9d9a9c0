"""个人资料 saved by an account an admin deactivates while the save is in flight (and an admin's 编辑账号 save by one
deactivated or demoted meanwhile): the request checked the account when it began, and that one save was committed,
audited as theirs. The save re-checks the account as committed, under a lock, and is refused; nothing changes."""

from matchmaker.auth import profile as profiles
from matchmaker.auth import services as accounts
from matchmaker.extensions import db
from matchmaker.models import AuditLog, User

from ..factories import make_org, make_user
from ..races import after_another

REFUSED = "您的账号已被停用，本次修改未保存；如有疑问，请联系平台管理员"


def _setup(app):
    with app.app_context():
        member = make_user("enterprise", org=make_org("enterprise"), name="张三", phone="13800138000")
        ids = member.id, make_user("admin").id, make_user("admin").id
        db.session.remove()
    return ids


def _save(user_id, actor_id=None):
    """The form as the request loaded it (the account still active)."""
    user = db.session.get(User, user_id)
    actor = db.session.get(User, actor_id) if actor_id else None
    assert user.active and (actor is None or actor.active)
    shown = profiles.profile_version(user)
    return lambda: profiles.save_profile(user, {"name": "李四", "phone": "13900139000"}, version=shown, actor=actor)


def _stored(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        audited = db.session.scalar(
            db.select(db.func.count(AuditLog.id)).filter(AuditLog.action.like("%update_profile"))
        )
        stored = user.name, audited
        db.session.remove()
    return stored


def test_own_profile_loaded_before_the_account_was_deactivated_is_refused(file_app):
    member, admin, _ = _setup(file_app)

    def deactivate():
        accounts.set_active(db.session.get(User, member), False, db.session.get(User, admin))

    outcome = after_another(file_app, lambda: _save(member), deactivate, profiles.NoLongerActive)
    assert outcome == REFUSED
    assert _stored(file_app, member) == ("张三", 0)


def test_an_admin_deactivated_meanwhile_saves_nothing_of_another_account(file_app):
    member, admin, other_admin = _setup(file_app)

    def deactivate_admin():
        accounts.set_active(db.session.get(User, admin), False, db.session.get(User, other_admin))

    outcome = after_another(file_app, lambda: _save(member, admin), deactivate_admin, profiles.NoLongerActive)
    assert outcome == "您的账号已被停用或已不再是平台管理员，本次修改未保存；如有疑问，请联系平台管理员"
    assert _stored(file_app, member) == ("张三", 0)


def test_a_save_by_an_account_still_active_goes_through(file_app):
    """Another account deactivated meanwhile changes nothing for this one."""
    member, admin, other_admin = _setup(file_app)

    def deactivate_other():
        accounts.set_active(db.session.get(User, other_admin), False, db.session.get(User, admin))

    outcome = after_another(file_app, lambda: _save(member), deactivate_other, profiles.NoLongerActive)
    assert outcome == "ok"
    assert _stored(file_app, member) == ("李四", 1)


def test_the_page_says_why_nothing_was_saved(client, auth, monkeypatch):
    """The refusal's page: 403, the reason, no form to save from; the name as it was."""
    member = auth.login(make_user("enterprise", org=make_org("enterprise"), name="张三"))
    committed = profiles._as_committed

    def deactivated_meanwhile(actor):
        db.session.execute(db.update(User).where(User.id == member.id).values(active=False))  # an admin, meanwhile
        return committed(actor)

    monkeypatch.setattr(profiles, "_as_committed", deactivated_meanwhile)
    version = profiles.profile_version(member)
    resp = client.post("/auth/profile", data={"name": "李四", "phone": "", "version": version})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 403 and REFUSED in body
    assert "个人资料已保存" not in body and 'name="name"' not in body
    db.session.expire_all()
    assert db.session.get(User, member.id).name == "张三"
