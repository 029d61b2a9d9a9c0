"""Accounts written by two requests at the same moment (attack, 2026-12-04): a double-clicked 新建账号
gave three 500s (a bare English page), and two admins could deactivate each other, leaving none."""

import pytest

from matchmaker.auth import services as accounts
from matchmaker.extensions import db
from matchmaker.models import User

from ..factories import make_user
from ..races import at_once


def test_the_same_account_created_four_times_at_once_is_made_once(file_app):
    def create():
        return lambda: accounts.create_user(role="broker", name="新经纪人", email="same@example.cn", password="x" * 12)

    outcomes = at_once(file_app, [create] * 4, accounts.AccountError)
    assert outcomes.count("ok") == 1, outcomes
    assert all(o == "该邮箱已注册" for o in outcomes if o != "ok"), outcomes
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id)).filter_by(email="same@example.cn")) == 1
        db.session.remove()


def test_two_admins_deactivating_each_other_at_once_leave_one(file_app):
    with file_app.app_context():
        a, b = make_user("admin"), make_user("admin")
        ids = (a.id, b.id)
        db.session.remove()

    def deactivate(target):
        def prepare():
            user = db.session.get(User, target)
            user.role  # noqa: B018 - loaded before the other request writes, as a page's request would have
            return lambda: accounts.set_active(user, False)

        return prepare

    outcomes = at_once(file_app, [deactivate(ids[1]), deactivate(ids[0])], accounts.AccountError)
    assert sorted(o == "ok" for o in outcomes) == [False, True], outcomes
    assert "至少保留一位管理员" in next(o for o in outcomes if o != "ok")
    with file_app.app_context():
        active = db.session.scalars(db.select(User.id).filter_by(role="admin", active=True)).all()
        assert len(active) == 1
        db.session.remove()


def test_the_only_active_admin_is_not_deactivated(app):
    admin = make_user("admin", email="only-admin@example.cn")
    with pytest.raises(accounts.AccountError, match="至少保留一位管理员"):
        accounts.set_active(admin, False)
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True
