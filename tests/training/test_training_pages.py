"""Training pages as their users met them in the browser (2026-12-06): a mistyped phone number on the
enrolment form, the login button of a course that takes no more enrolment."""

import re

from matchmaker.extensions import db
from matchmaker.models import TrainingEnrolment

from ..factories import make_org, make_user
from .test_training import make_course


def _enrolled(course):
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count(TrainingEnrolment.id)).filter_by(course_id=course.id))


def _phone_input(page):
    return re.search(r'<input[^>]*id="phone"[^>]*>', page).group(0)


def test_a_mistyped_phone_number_comes_back_beside_the_field_as_typed(client, auth):
    """A phone number with a digit missing: the message was a banner above the page and the number was gone
    (a redirect). Now the form comes back with the message beside the field, the number as typed, the field
    marked invalid; nothing is saved. Corrected, the enrolment is made."""
    course = make_course(sessions=0)
    auth.login("researcher")
    resp = client.post(f"/training/{course.id}/enrol", data={"phone": "1380013800"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    field = _phone_input(page)
    assert 'value="1380013800"' in field and 'aria-invalid="true"' in field
    assert 'id="phone-error"' in page and "电话号码格式不正确" in page
    assert _enrolled(course) == 0
    assert client.post(f"/training/{course.id}/enrol", data={"phone": "13800138000"}).status_code == 302
    assert _enrolled(course) == 1


def test_a_phone_number_another_trainee_gave_is_said_beside_the_field(client, auth):
    """The number is a colleague's, already enrolled: the reason is said beside the phone field, which keeps
    the number, so the user corrects it there."""
    course = make_course(capacity=10, sessions=0)
    org = make_org("enterprise")
    first, second = (make_user("enterprise", org=org) for _ in range(2))
    auth.login(first)
    client.post(f"/training/{course.id}/enrol", data={"phone": "13900001111"})
    auth.logout()
    auth.login(second)
    resp = client.post(f"/training/{course.id}/enrol", data={"phone": "13900001111"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert 'value="13900001111"' in _phone_input(page)
    error = re.search(r'id="phone-error">(.*?)</div></div>', page, re.S).group(1)
    assert "已被本课程的其他学员登记" in error
    assert _enrolled(course) == 1


def test_a_visitor_is_asked_to_log_in_only_where_enrolment_is_open(client):
    """A visitor on a course that no longer takes enrolment was shown 登录报名 (and, once logged in, told it is
    closed). Now only an open course asks them to log in; the others say why there is no enrolment."""
    open_course = make_course(sessions=0)
    closed = make_course(status="closed", sessions=0)
    page = client.get(f"/training/{open_course.id}").get_data(as_text=True)
    assert "登录报名" in page
    page = client.get(f"/training/{closed.id}").get_data(as_text=True)
    assert "登录报名" not in page and "该课程已结束报名" in page
