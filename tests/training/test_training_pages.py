"""Training pages as their users met them in the browser (2026-12-06): a mistyped phone number on the
enrolment form, the login button of a course that takes no more enrolment."""

import re
from datetime import datetime

from matchmaker.extensions import db
from matchmaker.models import TrainingEnrolment
from matchmaker.training import services

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


def test_saving_a_trainee_returns_to_their_row_and_each_tick_says_whose_and_which_class(client, auth):
    """On the trainee list (30 to a page) each 出勤 tick was named only 1, 2, ... and every 保存出勤 and 记录 button
    alike: a screen reader could not tell whose or which class. Each tick now names the trainee and the class,
    each button the trainee; after saving, the admin is back at that trainee's row, not the top of the page."""
    course = make_course(sessions=2)
    auth.login("admin")
    client.post(
        f"/training/{course.id}/enrolments", data={"name": "王小明", "org_name": "某高校", "org_kind": "university"}
    )
    e = db.session.scalar(db.select(TrainingEnrolment))
    page = client.get(f"/training/{course.id}/enrolments").get_data(as_text=True)
    assert 'aria-label="王小明 第 1 次课（09-01 第1讲）出勤"' in page
    assert 'aria-label="王小明 第 2 次课（09-02 第2讲）出勤"' in page
    assert '保存出勤<span class="visually-hidden">：王小明</span>' in page
    shown = f"/training/{course.id}/enrolments?q=王"
    resp = client.post(f"/training/enrolments/{e.id}/attendance", data={"session_id": [s.id for s in course.sessions],
                                                                         "next": shown})  # fmt: skip
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"#enrolment-{e.id}")
    resp = client.post(f"/training/enrolments/{e.id}/assessment", data={"score": "80", "next": shown})
    assert resp.headers["Location"].endswith(f"#enrolment-{e.id}")
    assert f'id="enrolment-{e.id}"' in client.get(shown).get_data(as_text=True)


def _score_input(page, e):
    return re.search(rf'<input[^>]*name="score" id="score-{e.id}"[^>]*>', page).group(0)


def test_a_mistyped_score_comes_back_beside_that_trainees_field_as_typed(client, auth):
    """A score typed 八十 on the trainee list was a banner above the page, and the list came back with the old
    score in the field: what was typed was gone. Now the list comes back (the same filter) with the message
    beside that trainee's score field, which keeps 八十 and is marked invalid; the other trainees' fields are
    untouched and nothing is saved. Each form on the page still returns to the list, not to the score's address."""
    course = make_course(sessions=0)
    auth.login("admin")
    for name in ("王小明", "王小红"):
        client.post(
            f"/training/{course.id}/enrolments", data={"name": name, "org_name": "某高校", "org_kind": "university"}
        )
    first, second = db.session.scalars(db.select(TrainingEnrolment).order_by(TrainingEnrolment.id)).all()
    shown = f"/training/{course.id}/enrolments?q=%E7%8E%8B"
    page = client.get(shown).get_data(as_text=True)
    action = re.search(rf'<form method="post" action="([^"]*/enrolments/{first.id}/assessment[^"]*)"', page).group(1)
    resp = client.post(action, data={"score": "八十", "next": shown})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    field = _score_input(page, first)
    assert 'value="八十"' in field and 'aria-invalid="true"' in field
    assert f'aria-describedby="score-{first.id}-error"' in field
    error = re.search(rf'id="score-{first.id}-error">(.*?)</div></div>', page, re.S).group(1)
    assert "考核成绩必须是整数" in error
    assert "aria-invalid" not in _score_input(page, second)
    assert 'name="q" value="王"' in page
    rows = page.split("<tbody>")[1]
    assert set(re.findall(r'name="next" value="([^"]*)"', rows)) == {shown}
    db.session.expire_all()
    assert db.session.get(TrainingEnrolment, first.id).score is None
    # Sent from a list the trainee is no longer on (another filter): the message is said above the list.
    resp = client.post(f"/training/enrolments/{first.id}/assessment?q=%E5%BC%A0", data={"score": "八十"})
    assert resp.status_code == 400 and "王小明：考核成绩必须是整数" in resp.get_data(as_text=True)
    resp = client.post(action, data={"score": "80", "next": shown})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"#enrolment-{first.id}")


def test_failing_a_certified_trainee_is_said_beside_their_score(client, auth):
    """Failing a certified trainee needs the certificate revoked first: said beside the score, 50 kept."""
    course, admin = make_course(sessions=0), make_user("admin")
    e = services.assess(services.enrol_self(course, make_user("enterprise")), 85, admin)
    cert = services.issue_certificate(e, admin)
    auth.login(admin)
    resp = client.post(f"/training/enrolments/{e.id}/assessment", data={"score": "50"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and 'value="50"' in _score_input(page, e)
    assert f"该学员已获发证书 {cert.number}，不能改为未通过" in re.search(
        rf'id="score-{e.id}-error">(.*?)</div>', page
    ).group(1)


def test_each_revocation_on_the_certificate_list_names_its_certificate(client, auth):
    """Every row's 撤销原因 box and 撤销 button had the same name: a screen reader listing the form controls heard
    one 撤销 after another with no way to tell which certificate each revokes. Each now names its certificate."""
    admin = make_user("admin")
    numbers = []
    for _ in range(2):
        e = services.assess(services.enrol_self(make_course(sessions=0), make_user("enterprise")), 80, admin)
        numbers.append(services.issue_certificate(e, admin).number)
    auth.login(admin)
    page = client.get("/training/certificates").get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="reason"[^>]*aria-label="([^"]*)"', page)
    buttons = re.findall(r'<button class="btn btn-sm btn-outline-danger[^"]*" type="submit">(.*?)</button>', page)
    assert sorted(boxes) == sorted(f"证书 {n} 的撤销原因" for n in numbers)
    assert sorted(buttons) == sorted(f'撤销<span class="visually-hidden">证书 {n}</span>' for n in numbers)


def test_my_training_is_paged_like_the_other_lists(client, auth):
    """我的培训 listed every enrolment on one page, with no pager; it now shows 20 to a page, newest first, and
    the pager reaches the rest (a broker's profile likewise)."""
    user = auth.login("researcher")
    for i in range(21):
        services.enrol_self(make_course(sessions=0, title=f"培训课程{i:02d}"), user)
    page = client.get("/training/mine").get_data(as_text=True)
    assert page.count("培训课程") == 20 and "培训课程20" in page and "培训课程00" not in page
    assert "第 1 / 2 页" in page and 'href="/training/mine?page=2"' in page
    page = client.get("/training/mine?page=2").get_data(as_text=True)
    assert page.count("培训课程") == 1 and "培训课程00" in page
    auth.logout()
    auth.login("broker")
    page = client.get(f"/training/people/{user.id}?page=2").get_data(as_text=True)
    assert "培训课程00" in page and f'href="/training/people/{user.id}?page=1"' in page


def test_a_session_of_no_particular_module_says_so(client, auth):
    """A session added with 所属模块 left at （不限） showed an empty 模块 cell; it now says 未指定."""
    course = make_course(sessions=1)
    services.add_session(course, {"title": "开班仪式", "module_kind": "", "starts_at": datetime(2020, 9, 5, 9)})
    page = client.get(f"/training/{course.id}").get_data(as_text=True)

    def module_of(title):
        return re.search(rf"<td>((?:(?!</td>).)*)</td><td>{title}</td>", page).group(1)

    assert module_of("第1讲") == "政策解读" and "未指定" in module_of("开班仪式")


def test_a_revocation_without_its_reason_is_said_beside_that_certificate_s_box(client, auth):
    """撤销 pressed with the reason box empty: the message was a banner above the list, far from the row. The list
    now comes back (same filter) with the message beside that certificate's box, marked invalid; nothing is
    revoked. Too long a reason comes back as typed."""
    admin = make_user("admin")
    e = services.assess(services.enrol_self(make_course(sessions=0), make_user("enterprise")), 80, admin)
    cert = services.issue_certificate(e, admin)
    auth.login(admin)
    page = client.get("/training/certificates?state=valid").get_data(as_text=True)
    action = re.search(r'<form method="post" action="([^"]*/revoke[^"]*)"', page).group(1)
    assert action == f"/training/certificates/{cert.id}/revoke?state=valid"
    resp = client.post(action, data={"reason": "  "})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    box = re.search(rf'<input[^>]*id="reason-{cert.id}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in box and f'aria-describedby="reason-{cert.id}-error"' in box
    assert "请填写撤销原因" in re.search(rf'id="reason-{cert.id}-error">(.*?)</div></div>', page).group(1)
    assert '<option value="valid" selected>' in page
    resp = client.post(action, data={"reason": "材" * 201})
    assert resp.status_code == 400 and 'value="' + "材" * 201 + '"' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(cert), cert.id).revoked_at is None
    assert client.post(action, data={"reason": "考核材料不实"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(cert), cert.id).revoke_reason == "考核材料不实"


def test_attendance_ticked_on_a_list_shown_before_a_session_was_deleted_says_so(client, auth):
    """The trainee list was open when another admin deleted a session; saving ticks that include it said only
    所选课次不属于本课程. Now it says the session may have just been deleted, that nothing was saved, and to reload."""
    course = make_course(sessions=2)
    s1, s2 = (s.id for s in course.sessions)
    e = services.enrol_person(
        course, {"name": "王芳", "org_name": "某高校", "org_kind": "university"}, make_user("admin")
    )
    auth.login("admin")
    assert client.post(f"/training/{course.id}/sessions/{s2}/delete").status_code == 302
    resp = client.post(f"/training/enrolments/{e.id}/attendance", data={"session_id": [s1, s2]}, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "所选课次不属于本课程或已被删除（可能刚被其他管理员删除），出勤未保存：请刷新页面后重新勾选" in page
    db.session.expire_all()
    assert db.session.get(TrainingEnrolment, e.id).sessions == []
