"""A password set by two requests at the same moment (attack 2026-12-06): two tabs of the 修改密码 page, one
mailed reset link opened in two tabs, two admins resetting one account. Before, both were told the password
was set and the account kept the later one: the other person's password did not work (and a reset link,
meant to work once, had worked twice)."""

import pytest

from matchmaker.auth import services as accounts
from matchmaker.extensions import db
from matchmaker.models import User

from ..factories import make_user
from ..races import at_once

NEW = ("Zq8-first-new-pass", "Zq8-other-new-pass")


def _account(app, admins=0):
    with app.app_context():
        user = make_user("researcher")
        ids = dict(user=user.id, admins=[make_user("admin").id for _ in range(admins)])
        db.session.commit()
        db.session.remove()
    return ids


def _twice(app, ids, save, refusal):
    """``save(user, new password, i)`` from two requests at once, each with the account as its page read it:
    one sets its password, the other is refused with ``refusal``; the stored password is the one told saved."""

    def call(i):
        def prepare():
            user = db.session.get(User, ids["user"])
            user.password_hash  # noqa: B018 - read before the other request writes, as its page's request did
            return lambda: save(user, NEW[i], i)

        return prepare

    outcomes = at_once(app, [call(0), call(1)], accounts.AccountError)
    assert sorted(outcomes) == sorted(["ok", refusal]), outcomes
    with app.app_context():
        user = db.session.get(User, ids["user"])
        assert user.check_password(NEW[outcomes.index("ok")]) and not user.check_password(NEW[outcomes.index(refusal)])
        db.session.remove()


def test_one_reset_link_used_from_two_tabs_at_once_sets_one_password(file_app):
    ids = _account(file_app)
    _twice(file_app, ids, lambda user, new, i: accounts.reset_own_password(user, new, key=f"tab-{i}"),
           "重置链接已使用或已失效（密码已更改），请重新申请")  # fmt: skip


def test_two_tabs_changing_the_password_at_once_set_one(file_app):
    ids = _account(file_app)
    _twice(file_app, ids, lambda user, new, i: accounts.change_password(user, "password123", new),
           "密码刚刚已在其他页面修改，本次修改未保存；请用新密码重新登录")  # fmt: skip


@pytest.mark.parametrize("same_admin", [False, True], ids=["two_admins", "two_tabs"])
def test_two_resets_by_admins_at_once_set_one(file_app, same_admin):
    ids = _account(file_app, admins=2)
    admins = [ids["admins"][0]] * 2 if same_admin else ids["admins"]

    def reset(user, new, i):
        accounts.reset_password(user, new, db.session.get(User, admins[i]), key=f"page-{i}")

    _twice(file_app, ids, reset, "该账号的密码刚刚已被重置（可能是其他管理员），本次设置未保存，请刷新后确认")


def test_a_reset_link_spent_by_another_tab_says_so_on_the_page(app, client, monkeypatch):
    """The page of the tab that lost: the link's own words, 400, no 500 and no success."""
    from matchmaker.auth import reset

    user = make_user("researcher")
    token = reset.make_token(user)

    def spent(*args, **kwargs):
        raise accounts.AccountError("重置链接已使用或已失效（密码已更改），请重新申请")

    monkeypatch.setattr(accounts, "reset_own_password", spent)
    resp = client.post(f"/auth/reset?token={token}", data={"password": NEW[0], "password2": NEW[0]})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "重置链接已使用或已失效" in body and "密码已重置" not in body
