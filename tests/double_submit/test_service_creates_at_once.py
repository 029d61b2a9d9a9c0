"""A double click on the create forms of the network's services: the two submits of one page (the same session
cookie, CSRF token and one-time key) arrive at the same moment, each in its own thread and connection. One row is
made; both answers take the user where the first went."""

import threading
from datetime import timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.models import LiveSession, TrainingCourse, TrainingEnrolment, TrainingSession
from matchmaker.utils import clock

from ..factories import make_user
from .test_double_submit_at_once import _client, _setup

KEY = "k" * 24


def _twice_at_once(app, email, url, data):
    """The same body posted by two clients of one login at the same moment; their answers."""
    one = _client(app, email)
    two = app.test_client()
    for cookie in one._cookies.values():  # the same browser: the same session cookie
        two.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    barrier, answers = threading.Barrier(2), [None, None]

    def run(i, c):
        barrier.wait()
        answers[i] = c.post(url, data=data)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate((one, two))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return answers


def _count(app, model, **by):
    with app.app_context():
        n = db.session.scalar(db.select(db.func.count()).select_from(model).filter_by(**by))
        db.session.remove()
    return n


@pytest.fixture
def people(file_app):
    def setup():
        admin, broker = make_user("admin"), make_user("broker")
        from matchmaker.training import services as training

        course = training.save_course(TrainingCourse(), {"title": "技术经纪人培训班", "year": 2026, "status": "open",
                                                         "modules": ["policy", "theory"]}, admin)  # fmt: skip
        return admin.email, broker.email, course.id

    return _setup(file_app, setup)


def test_a_live_session_double_clicked(file_app, people):
    _, broker, _ = people
    start = (clock.now_local() + timedelta(days=3)).replace(second=0, microsecond=0)
    data = {"kind": "class", "title": "专利布局实务", "starts_at": start.strftime("%Y-%m-%dT%H:%M"), "ends_at": "",
            "speaker": "李明", "live_link": "", "capacity": "", "replay_link": "", "materials": "", "description": "",
            "published": "y", "event_id": "", "submission_key": KEY}  # fmt: skip
    answers = _twice_at_once(file_app, broker, "/classes/new", data)
    assert [a.status_code for a in answers] in ([302, 303], [303, 302], [302, 302]), answers
    assert _count(file_app, LiveSession, title="专利布局实务") == 1


def test_a_course_double_clicked(file_app, people):
    admin, _, _ = people
    data = {"title": "2027年培训班", "year": "2027", "status": "open", "starts_on": "", "ends_on": "", "place": "",
            "capacity": "", "certificate_years": "3", "modules": ["policy"], "description": "",
            "submission_key": KEY}  # fmt: skip
    answers = _twice_at_once(file_app, admin, "/training/new", data)
    assert all(a.status_code in (302, 303) for a in answers), [a.status_code for a in answers]
    assert _count(file_app, TrainingCourse, title="2027年培训班") == 1


def test_a_course_session_double_clicked(file_app, people):
    admin, _, cid = people
    data = {"module_kind": "policy", "title": "政策解读第一讲", "lecturer": "王芳",
            "starts_at": "2026-12-20T09:00", "place": "", "submission_key": KEY}  # fmt: skip
    answers = _twice_at_once(file_app, admin, f"/training/{cid}/sessions", data)
    assert all(a.status_code in (302, 303) for a in answers), [a.status_code for a in answers]
    assert _count(file_app, TrainingSession, course_id=cid) == 1


def test_a_person_enrolled_by_an_admin_double_clicked(file_app, people):
    """No phone and no e-mail: only the key tells the second submit from another person of the same name."""
    admin, _, cid = people
    data = {"name": "张三", "org_name": "某高校", "org_kind": "university", "phone": "", "email": "",
            "submission_key": KEY}  # fmt: skip
    answers = _twice_at_once(file_app, admin, f"/training/{cid}/enrolments", data)
    assert all(a.status_code in (302, 303) for a in answers), [a.status_code for a in answers]
    assert _count(file_app, TrainingEnrolment, course_id=cid) == 1
