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

    def create():
        user = _loaded_user(user_id)
        return lambda: issue(user, user, "脚本", ["read"], 30)

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
