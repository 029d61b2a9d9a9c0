"""发放证书 double-clicked: the twin was told "该学员已有证书 JSJJR-…" (an error, above the trainee list) though the
certificate it asked for was the one its first click had just issued. The button carries a one-time key: the twin
is answered as the first was (已为 … 发放证书 <the same number>), one certificate issued. Another admin's click, or
a later click from an old page, is still told the trainee has a certificate."""

import re

from matchmaker.extensions import db
from matchmaker.models import Certificate
from matchmaker.training import services

from ..factories import make_user
from ..races import posts_at_once
from ..training.test_training import make_course


def _client(app, email):
    c = app.test_client()
    assert c.post("/auth/login", data={"email": email, "password": "password123"}).status_code == 302
    return c


def _issue_form(page, enrolment_id):
    """The hidden fields of the trainee's 发放证书 button."""
    action = f"/training/enrolments/{enrolment_id}/certificate"
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert form, "no 发放证书 button on the page"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(1)))


def _passed(admin):
    return services.assess(
        services.enrol_self(make_course(sessions=0), make_user("enterprise", name="李明")), 80, admin
    )


def _told(client, resp):
    return client.get(resp.headers["Location"]).get_data(as_text=True)


def test_the_second_click_is_told_the_certificate_the_first_issued(client, auth):
    admin = auth.login("admin")
    e = _passed(admin)
    data = _issue_form(client.get(f"/training/{e.course_id}/enrolments").get_data(as_text=True), e.id)
    url = f"/training/enrolments/{e.id}/certificate"
    first, twin = client.post(url, data=data), client.post(url, data=data)
    assert first.status_code == 302 and twin.status_code in (302, 303)
    assert twin.headers["Location"] == first.headers["Location"]
    cert = db.session.scalars(db.select(Certificate).filter_by(enrolment_id=e.id)).one()
    shown = _told(client, twin)
    assert f"已为 李明 发放证书 {cert.number}" in shown and "该学员已有证书" not in shown


def test_a_click_from_another_admin_is_still_told_the_trainee_has_one(client, auth):
    admin = make_user("admin")
    e = _passed(admin)
    cert = services.issue_certificate(e, admin)
    auth.login("admin")
    resp = client.post(f"/training/enrolments/{e.id}/certificate", data={"submission_key": "k" * 32})
    assert f"该学员已有证书 {cert.number}" in _told(client, resp)


def test_a_key_of_another_trainees_button_is_no_repeat(client, auth):
    """A's button's key sent with B's: B is issued its own certificate."""
    admin = auth.login("admin")
    a, b = _passed(admin), _passed(admin)
    data = _issue_form(client.get(f"/training/{a.course_id}/enrolments").get_data(as_text=True), a.id)
    assert client.post(f"/training/enrolments/{a.id}/certificate", data=data).status_code == 302
    resp = client.post(f"/training/enrolments/{b.id}/certificate", data=data)
    numbers = db.session.scalars(db.select(Certificate.number).filter_by(enrolment_id=b.id)).all()
    assert len(numbers) == 1 and f"发放证书 {numbers[0]}" in _told(client, resp)


def test_both_clicks_at_once_issue_one_certificate_and_tell_both_its_number(file_app):
    with file_app.app_context():
        admin = make_user("admin")
        e = _passed(admin)
        eid, cid, email = e.id, e.course_id, admin.email
        db.session.remove()
    clients = [_client(file_app, email) for _ in range(2)]
    data = _issue_form(clients[0].get(f"/training/{cid}/enrolments").get_data(as_text=True), eid)
    answers = posts_at_once(clients, f"/training/enrolments/{eid}/certificate", data)
    assert {a.status_code for a in answers} <= {302, 303}, [a.status_code for a in answers]
    assert len({a.headers["Location"] for a in answers}) == 1
    with file_app.app_context():
        numbers = db.session.scalars(db.select(Certificate.number).filter_by(enrolment_id=eid)).all()
        db.session.remove()
    assert len(numbers) == 1
    for c, a in zip(clients, answers, strict=True):
        shown = _told(c, a)
        assert f"发放证书 {numbers[0]}" in shown and "该学员已有证书" not in shown
