"""Broker training: courses, enrolment (with and without an account), attendance, assessment,
certificates verified by number (a revoked one refused), and the certification shown to brokers."""

from datetime import date, datetime, timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.models import Certificate, TrainingCourse, TrainingEnrolment, TrainingSession
from matchmaker.training import services
from matchmaker.utils import clock

from ..factories import make_suggestion, make_user

COURSE = {
    "title": "2020年技术经纪人培训班", "year": "2020", "status": "open", "starts_on": "2020-09-01",
    "ends_on": "2020-09-30", "place": "市科技会堂", "capacity": "", "certificate_years": "3",
    "modules": ["policy", "theory", "practice", "cases"], "description": "",
}  # fmt: skip


def make_course(status="open", sessions=2, **kw):
    """A course with the four modules and some sessions."""
    admin = make_user("admin")
    data = {
        "title": "技术经纪人培训班",
        "year": 2020,
        "status": status,
        "modules": ["policy", "theory", "practice", "cases"],
    }
    data.update(kw)
    course = services.save_course(TrainingCourse(), data, admin)
    for i in range(sessions):
        services.add_session(
            course, {"title": f"第{i + 1}讲", "module_kind": "policy", "starts_at": datetime(2020, 9, 1 + i, 9)}
        )
    return course


def test_admin_creates_a_course_with_the_four_modules(client, auth):
    """The admin form creates a course whose modules are the letter's four, in order."""
    auth.login("admin")
    resp = client.post("/training/new", data=COURSE)
    assert resp.status_code == 302
    course = db.session.scalar(db.select(TrainingCourse))
    assert [m.kind_label for m in course.modules] == ["政策解读", "理论分析", "技术转移实操", "案例分享"]
    page = client.get(f"/training/{course.id}").get_data(as_text=True)
    assert "技术转移实操" in page and "案例分享" in page


def test_bad_course_input_is_explained_and_kept(client, auth):
    """A wrong year, no module and dates out of order: Chinese errors, nothing saved, text kept."""
    auth.login("admin")
    data = dict(COURSE, year="二〇二〇", modules=[], ends_on="2020-08-01", title="培训班标题保留")
    resp = client.post("/training/new", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "年度必须是整数" in page and "请至少选择一个课程模块" in page and "结束日期不能早于开始日期" in page
    assert "二〇二〇" in page and "培训班标题保留" in page
    assert db.session.scalar(db.select(db.func.count(TrainingCourse.id))) == 0


def test_self_enrolment_from_any_kind_of_organisation(client, auth):
    """A researcher enrols once as a member of their university; a second try is refused."""
    course = make_course()
    user = auth.login("researcher")
    assert client.post(f"/training/{course.id}/enrol", data={"phone": "13800000001"}).status_code == 302
    e = db.session.scalar(db.select(TrainingEnrolment))
    assert (e.user_id, e.org_kind, e.org_name) == (user.id, "university", user.organization.name)
    resp = client.post(f"/training/{course.id}/enrol", data={}, follow_redirects=True)
    assert "您已报名本课程" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(TrainingEnrolment.id))) == 1


def test_draft_course_is_hidden_and_closed_course_refuses(client, auth):
    """Non-admins do not see a draft course; a closed one refuses enrolment; capacity is kept."""
    draft = make_course(status="draft")
    closed = make_course(status="closed")
    full = make_course(capacity=1)
    services.enrol_person(full, {"name": "甲", "org_name": "某高校", "org_kind": "university"}, make_user("admin"))
    auth.login("enterprise")
    assert client.get(f"/training/{draft.id}").status_code == 404
    assert client.post(f"/training/{draft.id}/enrol").status_code == 404
    resp = client.post(f"/training/{closed.id}/enrol", follow_redirects=True)
    assert "该课程已结束报名" in resp.get_data(as_text=True)
    resp = client.post(f"/training/{full.id}/enrol", follow_redirects=True)
    assert "名额已满" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(TrainingEnrolment.id))) == 1


def test_admin_enrols_a_person_without_an_account(client, auth):
    """An admin enrols a government officer with no account; a duplicate phone is refused; an
    e-mail of a platform user links the enrolment to that account."""
    course = make_course()
    broker = make_user("broker")
    auth.login("admin")
    person = {"name": "李科长", "org_name": "市科学技术局", "org_kind": "government", "phone": "13900000000"}
    assert client.post(f"/training/{course.id}/enrolments", data=person).status_code == 302
    resp = client.post(f"/training/{course.id}/enrolments", data=dict(person, name="另一人"))
    assert resp.status_code == 400 and "请勿重复报名" in resp.get_data(as_text=True)
    linked = {
        "name": broker.name,
        "org_name": "市技术转移服务中心",
        "org_kind": "agency",
        "email": broker.email.upper(),
    }
    assert client.post(f"/training/{course.id}/enrolments", data=linked).status_code == 302
    rows = db.session.scalars(db.select(TrainingEnrolment).order_by(TrainingEnrolment.id)).all()
    assert [(r.name, r.user_id) for r in rows] == [("李科长", None), (broker.name, broker.id)]
    bad = client.post(f"/training/{course.id}/enrolments", data=dict(person, org_kind="bank", phone="123"))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "请选择单位类型" in page and "电话号码格式不正确" in page and "李科长" in page


def test_the_admins_enrol_form_starts_without_an_organisation_kind_and_requires_one(client, auth):
    """代为报名's 单位类型 started at 高校 (the first kind), so an enterprise's trainee was saved as 高校 when the admin
    did not look: it starts at 请选择, and a form sent without a kind is refused with what was typed kept."""
    course = make_course()
    auth.login("admin")
    page = client.get(f"/training/{course.id}/enrolments").get_data(as_text=True)
    select = page.split('name="org_kind"', 1)[1].split("</select>", 1)[0]  # the form's (above the filter's)
    assert '<option selected value="">请选择</option>' in select and "selected" not in select.split("请选择", 1)[1]
    person = {"name": "赵工", "org_name": "某某精密制造有限公司", "phone": "0755-8888 6666"}
    for sent in (person, dict(person, org_kind="")):
        resp = client.post(f"/training/{course.id}/enrolments", data=sent)
        page = resp.get_data(as_text=True)
        assert resp.status_code == 400 and 'id="org_kind-error"' in page and page.count("请选择单位类型") == 1
        assert 'value="赵工"' in page and 'value="某某精密制造有限公司"' in page and 'value="0755-8888 6666"' in page
    assert db.session.scalar(db.select(db.func.count(TrainingEnrolment.id))) == 0
    assert client.post(f"/training/{course.id}/enrolments", data=dict(person, org_kind="enterprise")).status_code == 302
    assert db.session.scalar(db.select(TrainingEnrolment.org_kind)) == "enterprise"


def _trainee(course):
    return services.enrol_person(course, {"name": "王芳", "org_name": "南方理工大学", "org_kind": "university"},
                                 make_user("admin"))  # fmt: skip


def test_attendance_assessment_and_certificate(client, auth):
    """Attendance marked, a score recorded (60 passes), a certificate issued with number and validity."""
    course = make_course(sessions=3)
    e = _trainee(course)
    s1, s2, _ = db.session.scalars(db.select(TrainingSession.id).order_by(TrainingSession.id)).all()
    auth.login("admin")
    client.post(f"/training/enrolments/{e.id}/attendance", data={"session_id": [s1, s2]})
    assert sorted(s.id for s in db.session.get(TrainingEnrolment, e.id).sessions) == [s1, s2]
    resp = client.post(f"/training/enrolments/{e.id}/certificate", follow_redirects=True)
    assert "考核通过后才能发放证书" in resp.get_data(as_text=True)
    resp = client.post(f"/training/enrolments/{e.id}/assessment", data={"score": "101"}, follow_redirects=True)
    assert "考核成绩应在 0–100 之间" in resp.get_data(as_text=True)
    client.post(f"/training/enrolments/{e.id}/assessment", data={"score": "60"})
    e = db.session.get(TrainingEnrolment, e.id)
    assert (e.score, e.passed) == (60, True)
    client.post(f"/training/enrolments/{e.id}/certificate")
    cert = db.session.scalar(db.select(Certificate))
    assert cert.number == f"JSJJR-{clock.today().year}-0001"
    assert cert.valid_until == services.last_valid_day(cert.issued_on, 3)
    assert services.course_counts(course) == {"enrolled": 1, "attended": 1, "passed": 1, "certified": 1}


def test_certificate_verified_by_number_and_revoked_one_refused(client, auth):
    """The public page confirms a valid certificate by number; once revoked it says so and is not valid."""
    course = make_course()
    e = _trainee(course)
    admin = make_user("admin")
    services.assess(e, 88, admin)
    cert = services.issue_certificate(e, admin)
    number = cert.number
    assert number == f"JSJJR-{clock.today().year}-0001"
    page = client.get("/training/verify", query_string={"number": f" {number.lower()} "}).get_data(as_text=True)
    assert "该证书有效" in page and "王芳" in page and "南方理工大学" in page and str(cert.valid_until) in page
    page = client.get("/training/verify", query_string={"number": "JSJJR-2020-9999"}).get_data(as_text=True)
    assert "未找到编号为“JSJJR-2020-9999”的证书" in page and "该证书有效" not in page
    auth.login(admin)
    resp = client.post(f"/training/certificates/{cert.id}/revoke", data={"reason": ""}, follow_redirects=True)
    assert "请填写撤销原因" in resp.get_data(as_text=True)
    client.post(f"/training/certificates/{cert.id}/revoke", data={"reason": "考核材料不实"})
    auth.logout()
    page = client.get("/training/verify", query_string={"number": number}).get_data(as_text=True)
    assert "被撤销，现已无效" in page and "考核材料不实" in page and "该证书有效" not in page


def test_expired_certificate_is_not_valid(client):
    """A certificate past its validity is shown as expired."""
    course = make_course(certificate_years=1)
    e = _trainee(course)
    admin = make_user("admin")
    services.assess(e, 75, admin)
    cert = services.issue_certificate(e, admin, issued_on=date(2018, 5, 1))
    page = client.get("/training/verify", query_string={"number": cert.number}).get_data(as_text=True)
    assert "该证书已过期（有效期至 2019-04-30，自次日起失效）" in page and "已于 2019-04-30 过期" not in page


@pytest.mark.parametrize(
    ("issued", "years", "through"),
    [(date(2020, 12, 10), 3, date(2023, 12, 9)), (date(2021, 1, 1), 1, date(2021, 12, 31)),
     (date(2024, 2, 29), 3, date(2027, 2, 28)), (date(2024, 3, 1), 4, date(2028, 2, 29))],
)  # fmt: skip
def test_a_certificate_runs_through_the_day_before_its_anniversary(app, issued, years, through):
    """Issued 2020-12-10 for three years it read 有效期至 2023-12-10: a day more than three years, where certificates
    are written through the day before the anniversary."""
    course = make_course(certificate_years=years)
    e = _trainee(course)
    admin = make_user("admin")
    services.assess(e, 80, admin)
    assert services.issue_certificate(e, admin, issued_on=issued).valid_until == through


def test_certificate_checked_on_its_last_day_is_valid(client):
    """有效期至 is the last valid day: checked on that date the certificate is valid, and the page says so."""
    course = make_course(certificate_years=1)
    admin = make_user("admin")
    last_day = clock.today()
    e = _trainee(course)
    services.assess(e, 75, admin)
    cert = services.issue_certificate(e, admin, issued_on=services._add_years(last_day + timedelta(days=1), -1))
    if cert.valid_until != last_day:  # 29 February: a year on is 28 February
        cert.valid_until = last_day
        db.session.commit()
    page = client.get("/training/verify", query_string={"number": cert.number}).get_data(as_text=True)
    assert "该证书有效" in page and f'有效期至</dt><dd class="col-8">{last_day}' in page and "已过期" not in page


def test_numbers_follow_each_other_within_a_year(app):
    """Certificates of one year get consecutive numbers; a new year starts again at 0001."""
    course = make_course()
    admin = make_user("admin")
    numbers = []
    for i, day in enumerate((date(2020, 1, 5), date(2020, 6, 1), date(2021, 1, 2))):
        e = services.enrol_person(course, {"name": f"学员{i}", "org_name": "某院所", "org_kind": "institute"}, admin)
        services.assess(e, 90, admin)
        numbers.append(services.issue_certificate(e, admin, issued_on=day).number)
    assert numbers == ["JSJJR-2020-0001", "JSJJR-2020-0002", "JSJJR-2021-0001"]


def test_broker_certification_shown_in_queue_and_profile(client, auth):
    """A certified broker carries a 持证 badge in the queue; the profile lists the certificate."""
    broker = make_user("broker", name="持证经纪人")
    other = make_user("broker", name="未持证经纪人")
    course = make_course()
    e = services.enrol_person(course, {"name": broker.name, "org_name": "中心", "org_kind": "agency",
                                       "email": broker.email}, make_user("admin"))  # fmt: skip
    services.assess(e, 80, broker)
    cert = services.issue_certificate(e, broker)
    make_suggestion(broker=broker)
    make_suggestion(broker=other)
    auth.login("admin")
    page = client.get("/broker/?owner=all").get_data(as_text=True)
    assert page.count("持证</a>") == 1 and cert.number in page
    profile = client.get(f"/training/people/{broker.id}").get_data(as_text=True)
    assert cert.number in profile and "持证技术经纪人" in profile
    services.revoke_certificate(cert, broker, "测试撤销")
    assert "持证</a>" not in client.get("/broker/?owner=all").get_data(as_text=True)


def test_my_training_page(client, auth):
    """A trainee sees their course, score and certificate number."""
    course = make_course()
    user = auth.login("researcher")
    services.enrol_self(course, user)
    e = db.session.scalar(db.select(TrainingEnrolment))
    services.assess(e, 92, user)
    cert = services.issue_certificate(e, user)
    page = client.get("/training/mine").get_data(as_text=True)
    assert "92 分，通过" in page and cert.number in page


def test_a_full_width_score_on_the_trainee_list_is_refused_with_what_to_type(client, auth):
    """The trainee list's hand-written score form has no confirmation box: ９０ is refused with 请填写为 90 and
    nothing saved (read as other whole numbers are, it would ask for a confirmation the form cannot give)."""
    e = _trainee(make_course(sessions=1))
    auth.login("admin")
    resp = client.post(f"/training/enrolments/{e.id}/assessment", data={"score": "９０"}, follow_redirects=True)
    assert "考核成绩必须是整数，只能填写半角阿拉伯数字：“９０”请填写为 90" in resp.get_data(as_text=True)
    assert db.session.get(TrainingEnrolment, e.id).score is None
