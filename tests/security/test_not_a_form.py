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
