"""API tokens under attack (2026-12): 30 simultaneous creations by one user stored 27 active tokens (the
limit is 20), an enterprise user got a 写入 token, and three simultaneous revocations of one token wrote
two "revoke" rows in the audit log."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import ApiToken, AuditLog, User
from matchmaker.tokens.services import MAX_TOKENS_PER_USER, TokenError, issue, revoke

from ..factories import make_user
from ..races import at_once


def _loaded_user(user_id):
    user = db.session.get(User, user_id)
    user.role  # noqa: B018 - loaded before the others write, as the page's request would have
    return user


def test_tokens_created_at_once_stop_at_the_limit(file_app):
    """12 at once (the pool's 15 connections hold them all) for a user who already has 14: 6 are made."""
    with file_app.app_context():
        user = make_user("researcher")
        user_id = user.id
        for i in range(14):
            issue(user, user, f"旧令牌{i}", ["read"], 30)
        db.session.remove()

    names = iter(range(12))

    def create():
        user = _loaded_user(user_id)
        name = f"脚本{next(names)}"  # each its own name: one account has one live token of a name
        return lambda: issue(user, user, name, ["read"], 30)

    outcomes = at_once(file_app, [create] * 12, TokenError)
    assert outcomes.count("ok") == MAX_TOKENS_PER_USER - 14, outcomes
    refusal = f"每个账号最多 {MAX_TOKENS_PER_USER} 个有效令牌，请先撤销不用的令牌"
    assert all(o == refusal for o in outcomes if o != "ok"), outcomes
    with file_app.app_context():
        count = db.select(db.func.count(ApiToken.id)).filter_by(user_id=user_id, revoked_at=None)
        assert db.session.scalar(count) == MAX_TOKENS_PER_USER
        audited = db.select(db.func.count(AuditLog.id)).filter_by(entity="api_token", action="create")
        assert db.session.scalar(audited) == MAX_TOKENS_PER_USER
        db.session.remove()


def test_tokens_of_one_name_created_at_once_make_one(file_app):
    """Four creations of one name at once (a double click without JavaScript, two tabs): one token is made."""
    with file_app.app_context():
        user_id = make_user("researcher").id
        db.session.remove()

    def create():
        user = _loaded_user(user_id)
        return lambda: issue(user, user, "同名脚本", ["read"], 30)

    outcomes = at_once(file_app, [create] * 4, TokenError)
    assert outcomes.count("ok") == 1, outcomes
    assert all("已有名为“同名脚本”的有效令牌" in o for o in outcomes if o != "ok"), outcomes
    with file_app.app_context():
        count = db.select(db.func.count(ApiToken.id)).filter_by(user_id=user_id, revoked_at=None)
        assert db.session.scalar(count) == 1
        db.session.remove()


def test_three_revocations_at_once_are_audited_once(file_app):
    with file_app.app_context():
        user = make_user("enterprise")
        user_id, token_id = user.id, issue(user, user, "脚本", ["read"], 30)[0].id
        db.session.remove()

    def revoke_it():
        user = _loaded_user(user_id)
        token = db.session.get(ApiToken, token_id)
        token.revoked_at  # noqa: B018 - the page read it (not yet revoked) before the others wrote
        return lambda: revoke(user, token)

    assert at_once(file_app, [revoke_it] * 3, TokenError) == ["ok"] * 3
    with file_app.app_context():
        rows = db.session.scalars(
            db.select(AuditLog).filter_by(entity="api_token", entity_id=token_id, action="revoke")
        )
        assert len(rows.all()) == 1
        assert db.session.get(ApiToken, token_id).state() == "revoked"
        db.session.remove()


@pytest.mark.parametrize("role", ["enterprise", "researcher"])
def test_write_scope_is_refused_to_non_staff(app, client, auth, role):
    user = auth.login(role)
    assert 'name="write"' not in client.get("/tokens/").get_data(as_text=True)  # not offered
    resp = client.post("/tokens/", data={"name": "数据同步脚本", "days": "90", "write": "y"})
    assert resp.status_code == 400
    assert "“写入”权限仅限经纪人和管理员账号" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ApiToken.id)).filter_by(user_id=user.id)) == 0
    with pytest.raises(TokenError, match="写入"):
        issue(make_user("admin"), user, "服务令牌", ["read", "write"], 30, kind="service")


@pytest.mark.parametrize("role", ["broker", "admin"])
def test_staff_still_get_write_scope(app, client, auth, role):
    user = auth.login(role)
    assert 'name="write"' in client.get("/tokens/").get_data(as_text=True)
    assert client.post("/tokens/", data={"name": "合同登记", "days": "90", "write": "y"}).status_code == 200
    row = db.session.scalar(db.select(ApiToken).filter_by(user_id=user.id))
    assert row.scope_set == {"read", "write"}


def _mint_while(file_app, event, name):
    """Mint a token for an account loaded (active, logged in) before ``event`` writes and while it is still
    uncommitted; returns ("made", raw) or ("refused", message). The event is (user_id, admin_id) -> None."""
    import threading
    import time

    from matchmaker.auth import services as accounts
    from matchmaker.tokens import services as tokens

    with file_app.app_context():
        uid, aid = make_user("broker").id, make_user("admin").id
        db.session.remove()
    written, out = threading.Event(), {}
    original = tokens.revoke_all

    def slow_revoke_all(*a, **kw):
        n = original(*a, **kw)
        db.session.flush()
        written.set()
        time.sleep(1.0)  # the event's transaction is still open while the token is made
        return n

    def run_event():
        with file_app.app_context():
            accounts.tokens.revoke_all = slow_revoke_all
            try:
                event(accounts, uid, aid)
            finally:
                accounts.tokens.revoke_all = original
                db.session.remove()

    def mint():
        with file_app.app_context():
            try:
                me = _loaded_user(uid)
                me.session_token  # noqa: B018 - as the request authenticated it
                written.wait(10)
                try:
                    out["made"] = tokens.issue(me, me, name, ["read"], 30)[1]
                except tokens.TokenError as exc:
                    out["refused"] = str(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run_event), threading.Thread(target=mint)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return uid, out


def test_a_token_made_while_the_account_is_deactivated_is_refused(file_app):
    """A request that had loaded the account as active (a stolen session) made a token while an admin's
    deactivation was being written: the deactivation's revocation did not see it, and reactivating the
    account made it work. It is refused now, and the reactivated account has no working token."""
    from matchmaker.tokens.services import authenticate

    def deactivate(accounts, uid, aid):
        accounts.set_active(db.session.get(User, uid), False, db.session.get(User, aid))

    uid, out = _mint_while(file_app, deactivate, "趁停用时创建")
    assert "停用" in out.get("refused", ""), out
    with file_app.app_context():
        from matchmaker.auth import services as accounts

        accounts.set_active(db.session.get(User, uid), True)
        if "made" in out:
            assert isinstance(authenticate(out["made"]), str)
        assert db.session.scalar(db.select(db.func.count(ApiToken.id)).filter_by(user_id=uid)) == 0
        db.session.remove()


def test_a_token_made_while_the_password_changes_is_refused(file_app):
    """The same with the owner's new password: the old session's token would have outlived it."""

    def new_password(accounts, uid, aid):
        accounts.change_password(db.session.get(User, uid), "password123", "new-pass-123")

    uid, out = _mint_while(file_app, new_password, "趁改密码时创建")
    assert "登录已失效" in out.get("refused", ""), out
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count(ApiToken.id)).filter_by(user_id=uid)) == 0
        db.session.remove()
