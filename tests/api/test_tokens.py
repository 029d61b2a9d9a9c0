"""API tokens: issued once and stored hashed, refused when missing, wrong, revoked, expired or out of scope."""

import time
import unicodedata
from datetime import timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.models import ApiToken, AuditLog
from matchmaker.models.base import utcnow
from matchmaker.tokens.services import hash_token, issue

from ..factories import make_user
from .conftest import token_for


def _problem(resp, status, code):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == status and body["code"] == code and body["title"]
    assert all("\u4e00" <= ch <= "\u9fff" for ch in body["title"][:2]), body["title"]  # a Chinese title
    return body


def test_missing_and_malformed_tokens_are_401(app, api):
    """No header, another scheme, garbage, a near miss of a real token: 401 problem+json."""
    _problem(api.get("/api/v1/needs"), 401, "token_missing")
    assert api.get("/api/v1/needs").headers["WWW-Authenticate"].startswith("Bearer")
    raw = token_for("enterprise")
    _problem(api.get("/api/v1/needs", headers={"Authorization": f"Basic {raw}"}), 401, "token_missing")
    _problem(api.get("/api/v1/needs", "not-a-token"), 401, "token_invalid")
    _problem(api.get("/api/v1/needs", raw[:-1] + ("A" if raw[-1] != "A" else "B")), 401, "token_invalid")
    _problem(api.get("/api/v1/needs", "mm_" + "x" * 500), 401, "token_invalid")
    assert api.get("/api/v1/needs", raw).status_code == 200


def test_a_session_cookie_does_not_authenticate_the_api(app, client, auth, api):
    """Logged in on the site but without a token: still 401 (no CSRF-able cookie access)."""
    auth.login("admin")
    _problem(client.get("/api/v1/reports"), 401, "token_missing")


def test_token_is_stored_only_as_its_hash(app):
    """The database holds the SHA-256 and a short prefix, never the token."""
    user = make_user("enterprise")
    raw = token_for(user)
    row = db.session.scalar(db.select(ApiToken).filter_by(user_id=user.id))
    assert row.token_hash == hash_token(raw) and raw not in (row.token_hash, row.prefix, row.name)
    assert raw.startswith(row.prefix) and len(row.prefix) < 16 and len(raw) >= 40


def test_revoked_expired_and_deactivated_are_refused(app, api):
    """Revoking works at once; an expired token or a deactivated account is refused."""
    user = make_user("enterprise")
    raw = token_for(user)
    row = db.session.scalar(db.select(ApiToken).filter_by(token_hash=hash_token(raw)))
    row.revoked_at = utcnow()
    db.session.commit()
    _problem(api.get("/api/v1/me", raw), 401, "token_revoked")

    raw2 = token_for(user)
    row2 = db.session.scalar(db.select(ApiToken).filter_by(token_hash=hash_token(raw2)))
    row2.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    _problem(api.get("/api/v1/me", raw2), 401, "token_expired")

    raw3 = token_for(user)
    user.deactivate()
    db.session.commit()
    _problem(api.get("/api/v1/me", raw3), 401, "account_inactive")


def test_wrong_role_is_403(app, api):
    """An enterprise token on an admin resource: 403 forbidden, in Chinese."""
    raw = token_for("enterprise")
    for url in ("/api/v1/reports", "/api/v1/organizations", "/api/v1/contracts", "/api/v1/contracts/1"):
        _problem(api.get(url, raw), 403, "forbidden")
    broker = token_for("broker")
    _problem(api.get("/api/v1/reports", broker), 403, "forbidden")
    assert api.get("/api/v1/contracts", broker).status_code == 200


def test_me_tells_who_and_which_scopes(app, api):
    user = make_user("broker")
    raw = token_for(user, scopes=("read", "write"))
    body = api.get("/api/v1/me", raw).get_json()
    assert body["id"] == user.id and body["role"] == "broker" and body["token"]["scopes"] == ["read", "write"]
    assert body["token"]["expires_at"].endswith("Z")


def test_limits_hold_after_an_app_made_without_them(make_app):
    """An app with limits off (as the cluster tests make in process) leaves the next app's limits on."""
    make_app(RATELIMIT_ENABLED=False)
    app = make_app(API_RATE_LIMIT="3 per minute")
    with app.app_context():
        client = app.test_client()
        a = token_for("enterprise")
        codes = [client.get("/api/v1/me", headers={"Authorization": f"Bearer {a}"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        db.session.remove()


def test_per_token_rate_limit(make_app):
    """Past API_RATE_LIMIT a token gets 429 problem+json with Retry-After; another token is unaffected."""
    app = make_app(API_RATE_LIMIT="3 per minute")
    with app.app_context():
        client = app.test_client()
        a, b = token_for("enterprise"), token_for("enterprise")
        codes = [client.get("/api/v1/me", headers={"Authorization": f"Bearer {a}"}).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {a}"})
        _problem(resp, 429, "rate_limited")
        assert 1 <= int(resp.headers["Retry-After"]) <= 60
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {b}"}).status_code == 200
        db.session.remove()


def test_rate_limit_counts_the_last_window_not_a_fixed_one(make_app):
    """A limit holds for any span of its length: hits at the end of one period and the start of the
    next are counted together (a fixed window would let twice the limit through across its boundary)."""
    app = make_app(API_RATE_LIMIT="3 per 2 second")
    with app.app_context():
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token_for('enterprise')}"}
        codes = [client.get("/api/v1/me", headers=headers).status_code]
        time.sleep(1.5)
        codes += [client.get("/api/v1/me", headers=headers).status_code for _ in range(2)]
        time.sleep(0.6)  # the first hit is now more than 2 s old, the other two are not
        codes += [client.get("/api/v1/me", headers=headers).status_code for _ in range(2)]
        assert codes == [200, 200, 200, 200, 429]
        db.session.remove()


# The token pages ------------------------------------------------------------------------------


def test_user_creates_sees_once_and_revokes_a_token(app, client, auth, api):
    """Created on /tokens/ (shown once), listed by prefix only, revoked with one click."""
    user = auth.login("researcher")
    resp = client.post("/tokens/", data={"name": "数据同步脚本", "days": "90"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "离开本页后无法再次查看" in html
    row = db.session.scalar(db.select(ApiToken).filter_by(user_id=user.id))
    raw = html.split('id="new-token" readonly value="')[1].split('"')[0]
    assert hash_token(raw) == row.token_hash and row.scopes == "read" and row.kind == "personal"
    assert api.get("/api/v1/me", raw).status_code == 200
    listing = client.get("/tokens/").get_data(as_text=True)
    assert raw not in listing and row.prefix in listing and "数据同步脚本" in listing
    assert client.post(f"/tokens/{row.id}/revoke").status_code == 302
    _problem(api.get("/api/v1/me", raw), 401, "token_revoked")
    assert db.session.scalar(db.select(AuditLog).filter_by(entity="api_token", entity_id=row.id, action="revoke"))


def test_someone_elses_token_cannot_be_revoked(app, client, auth, api):
    owner = make_user("enterprise")
    raw = token_for(owner)
    row = db.session.scalar(db.select(ApiToken).filter_by(token_hash=hash_token(raw)))
    auth.login("enterprise")
    assert client.post(f"/tokens/{row.id}/revoke").status_code == 404
    assert api.get("/api/v1/me", raw).status_code == 200


def test_admin_issues_service_token_and_revokes_any(app, client, auth, api):
    """/tokens/manage: a service token for the statistics office's account; any token revoked there."""
    office = make_user("admin", name="统计局接口")
    auth.login("admin")
    resp = client.post("/tokens/manage", data={"email": office.email, "name": "统计局季度报表", "days": "365"})
    html = resp.get_data(as_text=True)
    raw = html.split('id="new-token" readonly value="')[1].split('"')[0]
    body = api.get("/api/v1/me", raw).get_json()
    assert body["id"] == office.id and body["token"]["kind"] == "service"
    assert api.get("/api/v1/reports", raw).status_code == 200
    row = db.session.scalar(db.select(ApiToken).filter_by(token_hash=hash_token(raw)))
    client.post(f"/tokens/{row.id}/revoke", data={"back": "manage"})
    _problem(api.get("/api/v1/reports", raw), 401, "token_revoked")
    bad = client.post("/tokens/manage", data={"email": "nobody@example.cn", "name": "x", "days": "30"})
    assert bad.status_code == 400 and "找不到该账号" in bad.get_data(as_text=True)


def test_bad_expiry_is_refused(app, client, auth):
    auth.login("enterprise")
    resp = client.post("/tokens/", data={"name": "x", "days": "100000"})
    assert resp.status_code == 400 and db.session.scalar(db.select(db.func.count(ApiToken.id))) == 0


# A submit repeated, and the account's security events ----------------------------------------------------


def _live_tokens(user):
    return db.session.scalar(
        db.select(db.func.count(ApiToken.id)).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    )


def test_a_repeated_token_submit_makes_no_second_token(app, client, auth):
    """Reloading the page that showed a new token re-posts its form: the first token stays the only one and
    the list says the token was shown once (two live tokens were made, the first never seen)."""
    user = auth.login("researcher")
    data = {"name": "同步脚本", "days": "90", "submission_key": "k" * 24}
    first = client.post("/tokens/", data=data)
    assert first.status_code == 200 and 'id="new-token"' in first.get_data(as_text=True)
    again = client.post("/tokens/", data=data)
    assert again.status_code == 303 and again.headers["Location"].endswith("/tokens/")
    assert _live_tokens(user) == 1
    page = client.get("/tokens/").get_data(as_text=True)
    assert "重复提交" in page and "同步脚本" in page and 'id="new-token"' not in page
    fresh = client.post("/tokens/", data=data | {"submission_key": "m" * 24, "name": "另一个同步脚本"})
    assert fresh.status_code == 200 and _live_tokens(user) == 2


def test_a_second_live_token_of_one_name_is_refused(app, client, auth):
    """Back to the form (reloaded: a new one-time key) and 创建令牌 again, or the same name typed anew, made a second
    live token of that name, which the list could not tell apart from the first: refused beside the name, the
    typed name kept. Another account may use the name; once the first is revoked the name is free again."""
    user = auth.login("researcher")
    assert (
        client.post("/tokens/", data={"name": "同步脚本", "days": "90", "submission_key": "a" * 24}).status_code == 200
    )
    again = client.post("/tokens/", data={"name": " 同步脚本 ", "days": "30", "submission_key": "b" * 24})
    page = again.get_data(as_text=True)
    assert (
        again.status_code == 400 and "已有名为“同步脚本”的有效令牌" in page and "请换一个名称，或先撤销原令牌" in page
    )
    assert 'value=" 同步脚本 "' in page and 'id="new-token"' not in page
    assert _live_tokens(user) == 1
    first = db.session.scalar(db.select(ApiToken).filter_by(user_id=user.id))
    client.post(f"/tokens/{first.id}/revoke")
    assert (
        client.post("/tokens/", data={"name": "同步脚本", "days": "90", "submission_key": "c" * 24}).status_code == 200
    )
    assert _live_tokens(user) == 1
    auth.logout()
    other = auth.login("researcher")
    assert client.post("/tokens/", data={"name": "同步脚本", "days": "90"}).status_code == 200
    assert _live_tokens(other) == 1


def test_a_second_live_service_token_of_one_name_is_refused(app, client, auth):
    """The admins' page asks the same of the account a service token acts as."""
    office = make_user("admin", name="统计局接口")
    auth.login("admin")
    data = {"email": office.email, "name": "统计局季度报表", "days": "365"}
    assert client.post("/tokens/manage", data=data | {"submission_key": "s" * 24}).status_code == 200
    again = client.post("/tokens/manage", data=data | {"submission_key": "t" * 24})
    page = again.get_data(as_text=True)
    assert again.status_code == 400 and "已有名为“统计局季度报表”的有效令牌" in page
    assert 'value="统计局季度报表"' in page and _live_tokens(office) == 1


def test_a_repeated_service_token_submit_makes_no_second_token(app, client, auth):
    office = make_user("admin", name="统计局接口")
    auth.login("admin")
    data = {"email": office.email, "name": "统计局季度报表", "days": "365", "submission_key": "s" * 24}
    assert client.post("/tokens/manage", data=data).status_code == 200
    again = client.post("/tokens/manage", data=data)
    assert again.status_code == 303 and again.headers["Location"].endswith("/tokens/manage")
    assert _live_tokens(office) == 1


def test_a_new_password_revokes_the_accounts_personal_tokens(app, client, auth, api):
    """A token minted with a stolen session stops working when the owner changes the password (the page
    says other logins ended); a service token acting as the account is the admins' to revoke."""
    user = auth.login("broker")
    stolen = token_for(user)
    admin = make_user("admin")
    service = issue(admin, user, "工作站同步", ["read"], 365, kind="service")[1]
    resp = client.post("/auth/password", data={"current": "password123", "password": "new-pass-123",
                                               "password2": "new-pass-123"}, follow_redirects=True)  # fmt: skip
    assert "1 个 API 令牌已撤销" in resp.get_data(as_text=True)
    _problem(api.get("/api/v1/me", stolen), 401, "token_revoked")
    assert api.get("/api/v1/me", service).status_code == 200
    assert (
        db.session.scalar(
            db.select(db.func.count(AuditLog.id)).filter_by(entity="api_token", action="revoke", actor_id=user.id)
        )
        == 1
    )


def test_an_admins_password_reset_revokes_the_personal_tokens(app, client, auth, api):
    victim = make_user("enterprise")
    raw = token_for(victim)
    auth.login("admin")
    resp = client.post(f"/admin/users/{victim.id}/password", data={"password": "new-pass-123",
                                                                   "password2": "new-pass-123"})  # fmt: skip
    assert resp.status_code == 302
    _problem(api.get("/api/v1/me", raw), 401, "token_revoked")


def test_a_mailed_reset_revokes_the_personal_tokens(app, api):
    from matchmaker.auth import services as accounts

    user = make_user("researcher")
    raw = token_for(user)
    accounts.reset_own_password(user, "new-pass-123")
    _problem(api.get("/api/v1/me", raw), 401, "token_revoked")


def test_reactivating_an_account_does_not_revive_its_tokens(app, client, auth, api):
    """Deactivation revokes every token acting as the account: reactivated, they stay refused."""
    user = make_user("broker")
    personal = token_for(user)
    admin = auth.login("admin")
    service = issue(admin, user, "工作站同步", ["read"], 365, kind="service")[1]
    assert client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 302
    assert client.post(f"/admin/users/{user.id}/active", data={"active": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(user), user.id).active
    for raw in (personal, service):
        _problem(api.get("/api/v1/me", raw), 401, "token_revoked")
    fresh = token_for(db.session.get(type(user), user.id))
    assert api.get("/api/v1/me", fresh).status_code == 200
    log = client.get("/contracts/audit?entity=api_token").get_data(as_text=True)
    assert log.count("停用账号时一并撤销") == 2  # the audit log says why, in words


def test_a_new_password_counts_and_stamps_only_the_tokens_that_still_worked(app, client, auth):
    """One working token and one long expired: the page said 2 个 API 令牌已撤销 and the expired one was
    stamped revoked and audited."""
    user = auth.login("broker")
    token_for(user)
    old, _ = issue(user, user, "早已过期", ["read"], 30)
    old.expires_at = utcnow() - timedelta(days=400)
    db.session.commit()
    resp = client.post("/auth/password", data={"current": "password123", "password": "new-pass-123",
                                               "password2": "new-pass-123"}, follow_redirects=True)  # fmt: skip
    assert "您的 1 个 API 令牌已撤销" in resp.get_data(as_text=True)
    db.session.refresh(old)
    assert old.revoked_at is None and old.state() == "expired"


@pytest.mark.parametrize("typed", ["sync", "SYNC", "ｓｙｎｃ", "Ｓ ync"])
def test_token_names_differing_only_in_case_or_width_are_one_name(app, client, auth, typed):
    """Sync and sync (or full-width ｓｙｎｃ) were both allowed as live tokens of one account, which the list could
    not tell apart either: the second is refused naming the first, what was typed kept."""
    user = auth.login("researcher")
    assert client.post("/tokens/", data={"name": "Sync", "days": "90", "submission_key": "a" * 24}).status_code == 200
    again = client.post("/tokens/", data={"name": typed, "days": "90", "submission_key": "b" * 24})
    page = again.get_data(as_text=True)
    assert again.status_code == 400 and "已有名为“Sync”的有效令牌" in page and "仅大小写、全半角或空格不同" in page
    kept = unicodedata.normalize("NFKC", typed)  # as every text field keeps it (utils/text.py)
    assert f'value="{kept}"' in page and 'id="new-token"' not in page
    assert _live_tokens(user) == 1
