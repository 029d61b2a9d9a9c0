"""A course's module unticked at the same moment a session of that module is added: the later of the two sees the
earlier's commit and is refused. Each read the other's state before either wrote, and the session was left tagged
with a module the course no longer had."""

import threading
from datetime import datetime

import pytest

from matchmaker.extensions import db
from matchmaker.models import TrainingCourse, TrainingSession, User
from matchmaker.training import services

from .test_training import make_course

SESSION = {"title": "政策第3讲", "module_kind": "policy", "starts_at": datetime(2020, 9, 3, 9)}
UNTICKED = {"title": "技术经纪人培训班", "year": 2020, "status": "open", "modules": ["theory", "practice", "cases"]}


def _in_other_session(app, fn, wait):
    """Run fn() in its own thread, app context and session; give up waiting after ``wait`` seconds (it may be
    blocked by this thread's hold on the course) and return its outcome list and the thread, to be joined later."""
    out = []

    def run():
        with app.app_context():
            try:
                fn()
                out.append("ok")
            except services.TrainingError as exc:
                out.append(str(exc))
            except Exception as exc:  # noqa: BLE001 - reported to the test
                out.append(f"unexpected {exc!r}")
            finally:
                db.session.remove()

    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=wait)
    return out, t


def _add(cid):
    return lambda: services.add_session(db.session.get(TrainingCourse, cid), dict(SESSION))


def _untick(cid, admin_id):
    return lambda: services.save_course(
        db.session.get(TrainingCourse, cid), dict(UNTICKED), db.session.get(User, admin_id)
    )


def _stored(app, cid):
    with app.app_context():
        course = db.session.get(TrainingCourse, cid)
        modules = [m.kind for m in course.modules]
        sessions = db.session.scalars(db.select(TrainingSession.module_kind).filter_by(course_id=cid)).all()
        db.session.remove()
    return modules, sessions


@pytest.fixture
def course_ids(file_app):
    with file_app.app_context():
        course = make_course(sessions=0)
        ids = course.id, course.created_by_id
        db.session.remove()
    return ids


def test_a_session_added_while_its_module_is_unticked_is_refused(file_app, course_ids, monkeypatch):
    """政策解读 is unticked; between its check (no session of it) and its commit, another admin adds a 政策解读
    session: that one waits for the untick and is told the course lacks the module; no session of it is stored."""
    cid, admin_id = course_ids
    checked, other = services._check_dropped_modules, []

    def check_then_added_meanwhile(course, dropped):
        checked(course, dropped)
        other.extend(_in_other_session(file_app, _add(cid), wait=2))

    monkeypatch.setattr(services, "_check_dropped_modules", check_then_added_meanwhile)
    with file_app.app_context():
        _untick(cid, admin_id)()
        db.session.remove()
    out, thread = other
    thread.join(timeout=60)
    assert out == ["该课程没有这个模块，请先在课程中勾选该模块"], out
    assert _stored(file_app, cid) == (["theory", "practice", "cases"], [])


def test_a_module_unticked_while_a_session_of_it_is_added_is_refused(file_app, course_ids):
    """A 政策解读 session is being added; between its check (the course has the module) and its commit, another admin
    unticks 政策解读: the untick waits for the session and is refused naming it; the course keeps the module."""
    cid, admin_id = course_ids
    other = []

    class TitleThenUnticked(str):
        """The session's title, read by add_session after its module check and before its write."""

        def strip(self):
            other.extend(_in_other_session(file_app, _untick(cid, admin_id), wait=2))
            return str(self).strip()

    with file_app.app_context():
        course = db.session.get(TrainingCourse, cid)
        services.add_session(course, dict(SESSION, title=TitleThenUnticked(SESSION["title"])))
        db.session.remove()
    out, thread = other
    thread.join(timeout=60)
    assert len(out) == 1 and "模块「政策解读」下还有课次「政策第3讲」（2020-09-03），不能取消该模块" in out[0], out
    assert _stored(file_app, cid) == (["policy", "theory", "practice", "cases"], ["policy"])
