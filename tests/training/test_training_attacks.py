"""Attacks on broker training (2026-12-04): simultaneous enrolments on the last seat, double-submitted
forms, absurd course dates, enrolment in a course that has ended."""

from datetime import timedelta
from urllib.parse import urljoin

import pytest

from matchmaker.extensions import db
from matchmaker.models import TrainingCourse, TrainingEnrolment, TrainingSession, User
from matchmaker.training import services
from matchmaker.utils import clock
from matchmaker.utils.once import new_key

from ..factories import make_user
from ..races import at_once
from ..sql import bound_parameters
from .test_training import COURSE, make_course


def count(model, **by):
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**by))


def test_six_enrolments_at_once_fill_one_seat_once(file_app):
    """Six users press 报名参加 on the last seat at the same moment: one is enrolled, five told 名额已满."""
    with file_app.app_context():
        cid = make_course(capacity=1, sessions=0).id
        user_ids = [make_user("researcher" if i % 2 else "enterprise").id for i in range(6)]
        db.session.remove()

    def call(user_id):
        def prepare():
            user, course = db.session.get(User, user_id), db.session.get(TrainingCourse, cid)
            course.capacity, user.organization.name  # noqa: B018 - loaded before the others act
            return lambda: services.enrol_self(course, user)

        return prepare

    outcomes = at_once(file_app, [call(u) for u in user_ids], services.TrainingError)
    assert outcomes.count("ok") == 1, outcomes
    assert all("名额已满" in o for o in outcomes if o != "ok"), outcomes
    with file_app.app_context():
        assert db.session.scalar(db.select(db.func.count(TrainingEnrolment.id)).filter_by(course_id=cid)) == 1
        db.session.remove()


def test_a_full_course_refuses_the_admin_too(client, auth):
    """The capacity holds for an admin's enrolment as well; the form says so and nothing is added."""
    course = make_course(capacity=1, sessions=0)
    auth.login("admin")
    person = {"name": "甲", "org_name": "某高校", "org_kind": "university"}
    assert client.post(f"/training/{course.id}/enrolments", data=person).status_code == 302
    resp = client.post(f"/training/{course.id}/enrolments", data=dict(person, name="乙"))
    assert resp.status_code == 400 and "名额已满" in resp.get_data(as_text=True)
    assert count(TrainingEnrolment) == 1


def test_a_double_submitted_course_is_one_course(client, auth):
    auth.login("admin")
    data = dict(COURSE, submission_key=new_key())
    first = client.post("/training/new", data=data)
    assert first.status_code == 302
    again = client.post("/training/new", data=data)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert count(TrainingCourse) == 1


def test_a_double_submitted_enrolment_is_one_trainee(client, auth):
    course = make_course(sessions=0)
    auth.login("admin")
    data = {"name": "李科长", "org_name": "市科学技术局", "org_kind": "government", "submission_key": new_key()}
    first = client.post(f"/training/{course.id}/enrolments", data=data)
    assert first.status_code == 302
    again = client.post(f"/training/{course.id}/enrolments", data=data)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert count(TrainingEnrolment) == 1
    resp = client.post(f"/training/{course.id}/enrolments", data=dict(data, submission_key=new_key()))
    assert resp.status_code == 302 and count(TrainingEnrolment) == 2  # a fresh form is a new trainee


def test_a_double_submitted_session_is_one_session(client, auth):
    course = make_course(sessions=0)
    auth.login("admin")
    data = {"title": "政策解读专题", "module_kind": "policy", "lecturer": "", "starts_at": "2020-09-07T09:00",
            "place": "", "submission_key": new_key()}  # fmt: skip
    first = client.post(f"/training/{course.id}/sessions", data=data)
    assert first.status_code == 302
    again = client.post(f"/training/{course.id}/sessions", data=data)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert count(TrainingSession) == 1


def test_a_refused_enrolment_keeps_its_key_for_the_corrected_form(client, auth):
    """A duplicate refused with an error leaves the key unused: the same form, corrected, enrols."""
    course = make_course(sessions=0)
    auth.login("admin")
    person = {"name": "甲", "org_name": "某高校", "org_kind": "university", "phone": "13900000000"}
    assert client.post(f"/training/{course.id}/enrolments", data=person).status_code == 302
    data = dict(person, name="乙", submission_key=new_key())
    resp = client.post(f"/training/{course.id}/enrolments", data=data)
    assert resp.status_code == 400 and "请勿重复报名" in resp.get_data(as_text=True)
    assert client.post(f"/training/{course.id}/enrolments", data=dict(data, phone="13900000001")).status_code == 302
    assert count(TrainingEnrolment) == 2


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "message"),
    [("0001-01-01", "9999-12-31", "开始日期不能早于 2000 年"), ("2020-09-01", "9999-12-31", "结束日期不能晚于"),
     ("1999-12-01", "2020-09-01", "开始日期不能早于 2000 年")],
)  # fmt: skip
def test_absurd_course_dates_are_refused(client, auth, starts_on, ends_on, message):
    auth.login("admin")
    resp = client.post("/training/new", data=dict(COURSE, starts_on=starts_on, ends_on=ends_on))
    assert message in resp.get_data(as_text=True) and resp.status_code == 400
    assert count(TrainingCourse) == 0


def test_a_session_in_year_9999_is_refused(client, auth):
    course = make_course(sessions=0)
    auth.login("admin")
    data = {"title": "政策解读专题", "module_kind": "policy", "starts_at": "9999-12-31T23:00"}
    resp = client.post(f"/training/{course.id}/sessions", data=data)
    assert resp.status_code == 400 and "上课时间不能晚于" in resp.get_data(as_text=True)
    assert count(TrainingSession) == 0


def test_an_open_course_that_has_ended_refuses_enrolment(client, auth):
    """Still marked open, but its last day is past: no enrolment button, and a POST is refused."""
    course = make_course(sessions=0, starts_on=clock.today() - timedelta(days=30),
                         ends_on=clock.today() - timedelta(days=1))  # fmt: skip
    running = make_course(sessions=0, starts_on=clock.today() - timedelta(days=3), ends_on=clock.today())
    auth.login("researcher")
    page = client.get(f"/training/{course.id}").get_data(as_text=True)
    assert "报名参加" not in page and "该课程已结束" in page
    resp = client.post(f"/training/{course.id}/enrol", data={}, follow_redirects=True)
    assert "该课程已于" in resp.get_data(as_text=True)
    assert client.post(f"/training/{running.id}/enrol", data={}).status_code == 302
    assert [e.course_id for e in db.session.scalars(db.select(TrainingEnrolment))] == [running.id]


def test_an_attendance_mark_naming_a_session_id_past_the_database_range_is_refused(client, auth):
    """出勤 posted with session_id=99999999999999999999 (a tampered form): 所选课次不属于本课程, nothing
    changed; it was a 500 (OverflowError binding the id)."""
    course = make_course(sessions=1)
    enrolment = services.enrol_self(course, make_user("enterprise"))
    auth.login("admin")
    for bad in ("99999999999999999999", "2147483648"):
        resp = client.post(f"/training/enrolments/{enrolment.id}/attendance", data={"session_id": bad})
        assert resp.status_code == 302
        assert "所选课次不属于本课程" in client.get(resp.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TrainingEnrolment, enrolment.id).sessions == []


def test_the_certificate_after_number_9999_of_a_year_is_10001(app):
    """A year past its 10,000th certificate: the next is numbered on (…-10001). The highest number was read
    as text (…-9999 after …-10000), so every issue tried …-10000 again and was refused 证书编号生成冲突."""
    from matchmaker.models import Certificate
    from matchmaker.models.base import today

    course, admin = make_course(sessions=0), make_user("admin")
    enrolments = []
    for _ in range(3):
        enrolment = services.enrol_self(course, make_user("enterprise"))
        enrolments.append(services.assess(enrolment, 80, admin))
    year = today().year
    for enrolment, seq in zip(enrolments, ("9999", "10000"), strict=False):
        db.session.add(Certificate(number=f"JSJJR-{year}-{seq}", enrolment_id=enrolment.id, holder_name=enrolment.name,
                                   org_name=enrolment.org_name, issued_on=today(), valid_until=today()))  # fmt: skip
    db.session.commit()
    assert services.issue_certificate(enrolments[2], admin).number == f"JSJJR-{year}-10001"


def test_capacity_lowered_below_the_enrolled_count_is_refused_and_kept(client, auth):
    """Editing a course with 3 trainees to 名额 2: refused (已有 3 人报名，名额不能少于此数), the typed values
    kept, nothing saved. It was saved, and the course showed 名额 2 人 with three people enrolled."""
    course = make_course(capacity=5, sessions=0)
    for _ in range(3):
        services.enrol_self(course, make_user("enterprise"))
    auth.login("admin")
    data = dict(COURSE, title="改过名的培训班", capacity="2")
    resp = client.post(f"/training/{course.id}/edit", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "已有 3 人报名，名额不能少于此数" in page and "改过名的培训班" in page
    db.session.expire_all()
    course = db.session.get(TrainingCourse, course.id)
    assert course.capacity == 5 and course.title != "改过名的培训班"
    assert client.post(f"/training/{course.id}/edit", data=dict(data, capacity="3")).status_code == 302


def test_three_admins_revoking_one_certificate_at_once_keep_the_first_reason(file_app):
    """Three admins press 撤销 on one certificate at the same moment, each with a reason: one revocation is
    recorded, the others are told 该证书已被他人撤销. All three were told 已撤销 and the last reason overwrote
    the first."""
    from matchmaker.models import Certificate

    with file_app.app_context():
        admin = make_user("admin")
        enrolment = services.assess(services.enrol_self(make_course(sessions=0), make_user("enterprise")), 80, admin)
        cert_id = services.issue_certificate(enrolment, admin).id
        admin_ids = [make_user("admin").id for _ in range(3)]
        db.session.remove()

    def call(i, admin_id):
        def prepare():
            cert, actor = db.session.get(Certificate, cert_id), db.session.get(User, admin_id)
            cert.revoked_at, actor.id  # noqa: B018 - loaded before the others act
            return lambda: services.revoke_certificate(cert, actor, f"第{i}位管理员的撤销原因")

        return prepare

    outcomes = at_once(file_app, [call(i, a) for i, a in enumerate(admin_ids)], services.TrainingError)
    assert outcomes.count("ok") == 1, outcomes
    assert all("已被他人撤销" in o or o == "该证书已撤销" for o in outcomes if o != "ok"), outcomes
    with file_app.app_context():
        cert = db.session.get(Certificate, cert_id)
        winner = outcomes.index("ok")
        assert cert.revoke_reason == f"第{winner}位管理员的撤销原因" and cert.revoked_by_id == admin_ids[winner]
        db.session.remove()


@pytest.mark.parametrize("year", ["²", "２０２０", "١٢"])
def test_a_course_year_typed_in_other_digits_is_ignored(client, auth, year):
    """/training/?year=² (superscript, full-width or Arabic-Indic digits): the list unfiltered; it was a 500
    (str.isdigit() took them, int() refused ²)."""
    make_course(sessions=0)
    auth.login("enterprise")
    resp = client.get("/training/", query_string={"year": year})
    assert resp.status_code == 200 and "技术经纪人培训班" in resp.get_data(as_text=True)


def test_a_certified_trainees_score_is_corrected_without_losing_the_certificate(client, auth):
    """A certified trainee's score typed as 85 instead of 90: corrected, the certificate kept. The page said
    修改考核结果须先撤销证书, and a revoked certificate is never issued again, so the trainee lost it. Failing a
    certified trainee still needs the revocation first."""
    course, admin = make_course(sessions=0), make_user("admin")
    enrolment = services.assess(services.enrol_self(course, make_user("enterprise")), 85, admin)
    cert = services.issue_certificate(enrolment, admin)
    auth.login(admin)
    client.post(f"/training/enrolments/{enrolment.id}/assessment", data={"score": "90"})
    db.session.expire_all()
    enrolment = db.session.get(TrainingEnrolment, enrolment.id)
    assert enrolment.score == 90 and enrolment.passed and enrolment.certificate.state() == "valid"
    resp = client.post(f"/training/enrolments/{enrolment.id}/assessment", data={"score": "50"}, follow_redirects=True)
    assert f"该学员已获发证书 {cert.number}，不能改为未通过" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TrainingEnrolment, enrolment.id).score == 90


def test_a_save_from_a_stale_course_edit_page_does_not_overwrite_the_other(client, auth):
    """Two admins edit one course from pages opened at the same time: the later save silently put back the
    earlier one's closing of enrolment and its dropped module; now it is refused with what was typed kept,
    and saving again from the warned page goes through."""
    from ..stale import second_tab_refused

    course = make_course(sessions=0, title=COURSE["title"], place=COURSE["place"])
    auth.login("admin")
    closed = dict(COURSE, status="closed", modules=["policy", "theory", "practice"])
    renamed = dict(COURSE, title="第二个标签页改的课程名")
    again, page = second_tab_refused(client, f"/training/{course.id}/edit", closed, renamed, "第二个标签页改的课程名")
    db.session.expire_all()
    stored = db.session.get(TrainingCourse, course.id)
    assert (stored.status, len(stored.modules), stored.title) == ("closed", 3, COURSE["title"])
    assert client.post(f"/training/{course.id}/edit", data=dict(renamed, version=again)).status_code == 302
    db.session.expire_all()
    assert db.session.get(TrainingCourse, course.id).title == "第二个标签页改的课程名"


@pytest.mark.parametrize(
    "typed",
    ["ＪＳＪＪＲ－{wide}－０００１", "JSJJR—{y}—0001", "JSJJR–{y}–0001", "JSJJR\u200b-{y}-0001", "jsjjr－{y}－0001"],
)
def test_a_certificate_number_typed_in_full_width_or_with_other_dashes_is_found(client, typed):
    """A genuine certificate typed with a Chinese input method in full-width mode (ＪＳＪＪＲ－２０２０－０００１), copied
    from a document with an em dash, or with a zero-width space, was 未找到编号为…的证书: as if forged."""
    course = make_course()
    admin = make_user("admin")
    e = services.enrol_person(course, {"name": "王芳", "org_name": "南方理工大学", "org_kind": "university"}, admin)
    services.assess(e, 88, admin)
    cert = services.issue_certificate(e, admin)
    year = cert.number.split("-")[1]
    number = typed.format(y=year, wide="".join(chr(ord(d) + 0xFEE0) for d in year))  # ２０２６
    page = client.get("/training/verify", query_string={"number": number}).get_data(as_text=True)
    assert "该证书有效" in page and "王芳" in page, page[-2000:]


def test_a_colleague_sharing_the_office_phone_is_told_why_not_already_enrolled(client, auth):
    """Two colleagues whose accounts carry the office landline: the second was told 该学员已报名本课程 and was not
    enrolled. Now the page says the number is another trainee's and to give their own; with it they are enrolled."""
    from ..factories import make_org

    course = make_course(capacity=10, sessions=0)
    org = make_org("enterprise")
    first, second = (make_user("enterprise", org=org, phone="020-12345678") for _ in range(2))
    auth.login(first)
    client.post(f"/training/{course.id}/enrol", data={})
    auth.logout()
    auth.login(second)
    page = client.post(f"/training/{course.id}/enrol", data={}, follow_redirects=True).get_data(as_text=True)
    # the account's phone, as the account stores it (normalised: 020-12345678 is 02012345678)
    assert "联系电话 02012345678 已被本课程的其他学员登记" in page and "该学员已报名本课程" not in page
    assert count(TrainingEnrolment, course_id=course.id) == 1
    page = client.post(f"/training/{course.id}/enrol", data={"phone": "13900001111"}, follow_redirects=True)
    assert "已报名" in page.get_data(as_text=True) and count(TrainingEnrolment, course_id=course.id) == 2


@pytest.mark.parametrize("back", ["/training/\r\nX-Injected: 1", "/training/1\x00", "/training/\\\\evil.example",
                                  "/training/1\u2028", "/training/1\x85", "//evil.example/training/",
                                  "https://evil.example/training/", "/needs/"])  # fmt: skip
def test_a_mangled_return_address_goes_back_to_the_trainee_list(client, auth, back):
    """The hidden 返回 address of a score form carrying a line break was a 500 (a header cannot hold one); such an
    address, another site's or a page outside training now goes back to the course's trainee list, and the score
    is saved."""
    course = make_course(sessions=0)
    auth.login("admin")
    client.post(
        f"/training/{course.id}/enrolments", data={"name": "甲", "org_name": "某高校", "org_kind": "university"}
    )
    e = db.session.scalar(db.select(TrainingEnrolment))
    resp = client.post(f"/training/enrolments/{e.id}/assessment", data={"score": "80", "next": back})
    assert resp.status_code == 302 and resp.headers["Location"] == f"/training/{course.id}/enrolments#enrolment-{e.id}"
    db.session.expire_all()
    assert db.session.get(TrainingEnrolment, e.id).score == 80


@pytest.mark.parametrize(
    "sent_from, back",
    [("http://localhost/training/certificates?state=valid", "/training/certificates?state=valid"),
     ("https://evil.example/training/certificates", "/training/certificates"),
     ("https:evil.example/training/certificates", "/training/certificates"),  # read by browsers as https://evil…
     ("https:/\\evil.example/training/certificates", "/training/certificates"),
     ("http://localhost/needs/", "/training/certificates")],
)  # fmt: skip
def test_a_revocation_goes_back_to_the_certificate_list_it_was_sent_from_only(client, auth, sent_from, back):
    """撤销 goes back to the certificate list the form was sent from (its filter kept): never to another site,
    however its Referer is spelled (https:evil.example was followed off the site), nor outside training."""
    admin = make_user("admin")
    e = services.assess(services.enrol_self(make_course(sessions=0), make_user("enterprise")), 80, admin)
    cert = services.issue_certificate(e, admin)
    auth.login(admin)
    resp = client.post(f"/training/certificates/{cert.id}/revoke", data={"reason": "考核材料不实"},
                       headers={"Referer": sent_from})  # fmt: skip
    assert resp.status_code == 302
    assert urljoin("http://localhost/", resp.headers["Location"]) == f"http://localhost{back}"


def test_an_attendance_mark_naming_seventy_thousand_sessions_is_refused(client, auth):
    """出勤 posted with 70,000 session ids (a tampered form): a 500 on PostgreSQL (more parameters than a statement
    may bind). Now 所选课次不属于本课程, nothing changed."""
    course = make_course(sessions=1)
    enrolment = services.enrol_self(course, make_user("enterprise"))
    auth.login("admin")
    body = "&".join(f"session_id={i}" for i in range(1, 70_001))
    resp = client.post(f"/training/enrolments/{enrolment.id}/attendance", data=body,
                       content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert resp.status_code == 302
    assert "所选课次不属于本课程" in client.get(resp.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(TrainingEnrolment, enrolment.id).sessions == []


def test_an_attendance_mark_naming_one_session_seventy_thousand_times_saves_it_once(client, auth):
    """出勤 posted with the course's one session id 70,000 times (a tampered form): the distinct ids passed the
    count check and all 70,000 were bound in one statement, a 500 on PostgreSQL. Now the session is marked once."""
    course = make_course(sessions=1)
    sid = course.sessions[0].id
    enrolment = services.enrol_self(course, make_user("enterprise"))
    auth.login("admin")
    body = "&".join(f"session_id={sid}" for _ in range(70_000))
    with bound_parameters() as counts:
        resp = client.post(f"/training/enrolments/{enrolment.id}/attendance", data=body,
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert resp.status_code == 302
    assert max(counts) < 100
    db.session.expire_all()
    assert [s.id for s in db.session.get(TrainingEnrolment, enrolment.id).sessions] == [sid]


def test_a_phone_another_trainee_gave_is_marked_on_the_phone_field(client, auth):
    """The admin enrols a second person with the phone of one already enrolled: the message stood under 姓名; now
    under 联系电话, with what was typed kept."""
    course = make_course(sessions=0)
    auth.login("admin")
    person = {"name": "甲", "org_name": "某高校", "org_kind": "university", "phone": "13900000000"}
    client.post(f"/training/{course.id}/enrolments", data=person)
    page = client.post(f"/training/{course.id}/enrolments", data=dict(person, name="乙")).get_data(as_text=True)
    error = page.split('id="phone-error"', 1)
    assert len(error) == 2 and "已被本课程的其他学员登记" in error[1].split("</div></div>", 1)[0]
    assert 'value="乙"' in page and count(TrainingEnrolment) == 1


def test_a_session_deleted_twice_says_it_is_gone_and_another_courses_is_not_found(client, auth):
    """删除课次 double-clicked (or from a second tab): the second answered a bare 404 page. Now it is back on the
    course with 该课次已删除; a session of another course named under this one is still not found."""
    course, other = make_course(sessions=2), make_course(sessions=1)
    sid, kept, foreign = course.sessions[0].id, course.sessions[1].id, other.sessions[0].id
    auth.login("admin")
    assert client.post(f"/training/{course.id}/sessions/{sid}/delete").status_code == 302
    resp = client.post(f"/training/{course.id}/sessions/{sid}/delete")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/training/{course.id}")
    assert "该课次已删除" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert client.post(f"/training/{course.id}/sessions/{foreign}/delete").status_code == 404
    assert count(TrainingSession, course_id=course.id) == 1 and db.session.get(TrainingSession, kept) is not None
    assert count(TrainingSession, course_id=other.id) == 1


@pytest.mark.parametrize(("year", "years_back", "message"), [("2100", 0, "年度不能晚于"), (None, 4, "年度与开始日期")])
def test_a_course_year_far_ahead_or_apart_from_its_dates_is_refused_and_kept(client, auth, year, years_back, message):
    """年度 2100 (the dates may be at most five years ahead), or this year typed for a course dated four years back:
    saved, and a course of 2100 then led the list (newest year first) for decades. Now refused beside 年度, as
    typed, nothing saved."""
    auth.login("admin")
    year = year or str(clock.today().year)
    start = clock.today().replace(year=clock.today().year - years_back, month=1, day=1)
    data = dict(COURSE, year=year, starts_on=start.isoformat(), ends_on=(start + timedelta(days=30)).isoformat())
    resp = client.post("/training/new", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    error = page.split('id="year-error"', 1)
    assert len(error) == 2 and message in error[1].split("</div>", 1)[0]
    assert f'value="{year}"' in page
    assert count(TrainingCourse) == 0


def test_a_revocation_double_clicked_tells_both_clicks_it_is_revoked(file_app):
    """One admin's 撤销 sent twice at the same moment (a double click: the same reason): one revocation, and neither
    click is told 该证书已被他人撤销 — the other admin was the admin themself. Another admin's is still told."""
    from matchmaker.models import Certificate

    with file_app.app_context():
        admin = make_user("admin")
        enrolment = services.assess(services.enrol_self(make_course(sessions=0), make_user("enterprise")), 80, admin)
        cert_id, admin_id, other_id = services.issue_certificate(enrolment, admin).id, admin.id, make_user("admin").id
        db.session.remove()

    def call(actor_id, reason="证书持有人考核材料造假"):
        def prepare():
            cert, actor = db.session.get(Certificate, cert_id), db.session.get(User, actor_id)
            cert.revoked_at, actor.id  # noqa: B018 - loaded before the others act
            return lambda: services.revoke_certificate(cert, actor, reason)

        return prepare

    assert at_once(file_app, [call(admin_id), call(admin_id)], services.TrainingError) == ["ok", "ok"]
    outcome = at_once(file_app, [call(other_id)], services.TrainingError)
    assert outcome == ["该证书已撤销"]
    with file_app.app_context():
        cert = db.session.get(Certificate, cert_id)
        assert cert.revoke_reason == "证书持有人考核材料造假" and cert.revoked_by_id == admin_id
        db.session.remove()
