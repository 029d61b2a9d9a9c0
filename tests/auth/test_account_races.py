"""Accounts written by two requests at the same moment (attack, 2026-12-04): a double-clicked 新建账号
gave three 500s (a bare English page), and two admins could deactivate each other, leaving none."""

import threading

import pytest

from matchmaker.auth import services as accounts
from matchmaker.extensions import db
from matchmaker.models import User

from ..conftest import DB_URL
from ..factories import make_user


@pytest.fixture
def file_app(make_app, tmp_path):
    """Connections that really run side by side: a SQLite file (or the PostgreSQL test database)."""
    extra = {} if DB_URL else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'accounts.sqlite'}"}
    return make_app(**extra)


def _at_once(app, calls):
    """Run each call at the same moment in its own thread and session: "ok" or the refusal's words."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        with app.app_context():
            prepared = call()
            barrier.wait()
            try:
                prepared()
                outcomes[i] = "ok"
            except accounts.AccountError as exc:
                outcomes[i] = str(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_the_same_account_created_four_times_at_once_is_made_once(file_app):
    def create():
        return lambda: accounts.create_user(role="broker", name="新经纪人", email="same@example.cn", password="x" * 12)

    outcomes = _at_once(file_app, [create] * 4)
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

    outcomes = _at_once(file_app, [deactivate(ids[1]), deactivate(ids[0])])
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
