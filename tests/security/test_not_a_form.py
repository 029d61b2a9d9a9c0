"""A write to a page whose body is not a form (a forged Content-Type, empty or not; a body without a type) is a 400
saying so in Chinese, nothing saved: the edit form, finding no form data, validated the values it was filled with
and flashed 已保存 while changing nothing."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import User

from ..factories import make_user


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"", "text/plain"), (b"", "application/json"), (b"name=x", "text/plain"), (b"\x00\x01", None)],
)
def test_a_body_that_is_not_a_form_is_refused_not_saved(client, auth, body, content_type):
    user = auth.login(make_user("enterprise", name="周明", phone="13800138000"))
    headers = {"Content-Type": content_type} if content_type else {}
    resp = client.post("/auth/profile", data=body, headers=headers)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400, text[:500]
    assert "提交的内容不是表单，无法读取，没有保存任何更改" in text and "已保存" not in text
    assert "个人资料已保存" not in client.get("/auth/profile").get_data(as_text=True)  # no flash left for later
    db.session.expire_all()
    assert db.session.get(User, user.id).name == "周明"


def test_a_form_and_a_bare_button_post_are_read_as_before(client, auth):
    auth.login(make_user("enterprise", name="周明", phone="13800138000"))
    resp = client.post("/auth/profile", data={"name": "周明远", "phone": "13800138000"})
    assert resp.status_code in (302, 400) and "提交的内容不是表单" not in resp.get_data(as_text=True)
    assert "提交的内容不是表单" not in client.post("/auth/logout").get_data(as_text=True)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])
@pytest.mark.parametrize("url", ["/auth/profile", "/auth/organization"])
def test_an_empty_form_records_nothing_where_csrf_is_on(make_app, url, content_type):
    """A form type with no body passes refuse_what_is_not_a_form (on the wire it is a form of no fields, a button's
    form with CSRF off). Where CSRF is on, as in production, the token it lacks refuses it before an edit page could
    save the values it was filled with: 400 表单已失效, nothing stored, no audit row, no 已保存."""
    from matchmaker.models import AuditLog

    from ..factories import make_org

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        org = make_org("enterprise", name="华星精密制造有限公司", contact_name="旧联系人", contact_phone="13800138000")
        member = make_user("enterprise", org=org, name="周明")
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"], sess["_fresh"] = member.get_id(), True
        resp = client.post(url, data=b"", headers={"Content-Type": content_type})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 400 and "表单已失效" in body and "已保存" not in body
        assert db.session.scalar(db.select(db.func.count(AuditLog.id))) == 0
        assert "已保存" not in client.get(url).get_data(as_text=True)  # no flash left for later


def test_the_only_page_exempt_from_csrf_reads_an_empty_form_as_harmless(app):
    """The premise of letting an empty form pass: every page's write is CSRF-protected but elder_mode (a display
    switch, an empty form turning it off) and the API (excluded from the check, no cookie authenticates it). A view
    newly exempted must be looked at for what it does with an empty form before it joins this list."""
    from matchmaker.extensions import csrf

    assert csrf._exempt_views == {"matchmaker.main.routes.elder_mode"}
    assert {bp.name for bp in csrf._exempt_blueprints} == {"api"}
