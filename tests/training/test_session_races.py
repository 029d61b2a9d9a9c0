"""A course's sessions deleted, and a trainee's attendance saved, at the same moment as other writes of the course:
the later of the two sees the earlier's commit. Neither held the course's row: attendance ticked for a session
deleted meanwhile was a 500 (its mark named a session no longer stored), two saves of one trainee's attendance were
stored merged (neither admin's ticks), and a module unticked while its last session was being deleted was refused
naming that session."""

import pytest
from sqlalchemy import event

from matchmaker.extensions import db
from matchmaker.models import TrainingCourse, TrainingEnrolment, TrainingSession, User
from matchmaker.training import services

from ..factories import make_user
from ..races import at_once
from .test_module_races import _in_other_session
from .test_training import make_course

UNTICKED = {"title": "技术经纪人培训班", "year": 2020, "status": "open", "modules": ["theory", "practice", "cases"]}


def _meanwhile(app, fn):
    """Run fn() in another thread when this thread's session first flushes: its checks done, its write not yet sent.
    Returns the other thread's outcome list and thread (filled in once the flush has begun)."""
    other = []
    event.listen(db.session(), "before_flush", lambda *_: other.extend(_in_other_session(app, fn, wait=2)), once=True)
    return other


def _finish(other):
    out, thread = other
    thread.join(timeout=60)
    return out


def _attend(eid, sids):
    return lambda: services.set_attendance(db.session.get(TrainingEnrolment, eid), list(sids))


def _delete(cid, sid):
    return lambda: services.delete_session(db.session.get(TrainingCourse, cid), sid)


def _stored(app, eid):
    """(the course's session ids, the trainee's attended session ids) as committed."""
    with app.app_context():
        e = db.session.get(TrainingEnrolment, eid)
        sessions = db.session.scalars(
            db.select(TrainingSession.id).filter_by(course_id=e.course_id).order_by(TrainingSession.id)
        ).all()
        attended = sorted(s.id for s in e.sessions)
        db.session.remove()
    return sessions, attended


@pytest.fixture
def ids(file_app):
    """(course id, its admin's id, its two sessions' ids, a trainee's enrolment id)."""
    with file_app.app_context():
        course = make_course(sessions=2)
        e = services.enrol_person(
            course, {"name": "王芳", "org_name": "南方理工大学", "org_kind": "university"}, make_user("admin")
        )
        out = course.id, course.created_by_id, [s.id for s in course.sessions], e.id
        db.session.remove()
    return out


def test_a_session_deleted_while_attendance_for_it_is_saved_takes_its_mark_with_it(file_app, ids):
    """Both sessions are ticked; between the check (both are the course's) and the write, another admin deletes the
    second: the deletion waits for the attendance, then removes the session and its mark. It was a 500: the mark
    was written for a session deleted meanwhile."""
    cid, _, (s1, s2), eid = ids
    with file_app.app_context():
        other = _meanwhile(file_app, _delete(cid, s2))
        _attend(eid, [s1, s2])()
        db.session.remove()
    assert _finish(other) == ["ok"]
    assert _stored(file_app, eid) == ([s1], [s1])


def test_attendance_ticked_for_a_session_being_deleted_is_refused(file_app, ids):
    """The second session is being deleted; between its check and its commit, another admin saves the trainee's
    attendance with both ticked: that waits for the deletion and is told nothing was saved (a session is gone)."""
    cid, _, (s1, s2), eid = ids
    with file_app.app_context():
        other = _meanwhile(file_app, _attend(eid, [s1, s2]))
        assert _delete(cid, s2)() is True
        db.session.remove()
    out = _finish(other)
    assert len(out) == 1 and "已被删除" in out[0] and "出勤未保存" in out[0], out
    assert _stored(file_app, eid) == ([s1], [])


def test_two_attendance_saves_of_one_trainee_store_the_later_one(file_app, ids):
    """Two admins (or two tabs) save one trainee's attendance at once, one ticking the first session, the other the
    second: both were stored, a record neither admin made (each was told 1 次). Now the later save is stored whole."""
    _, _, (s1, s2), eid = ids
    with file_app.app_context():
        other = _meanwhile(file_app, _attend(eid, [s2]))
        _attend(eid, [s1])()
        db.session.remove()
    assert _finish(other) == ["ok"]
    assert _stored(file_app, eid)[1] == [s2]


def test_a_module_unticked_while_its_last_session_is_deleted_is_saved(file_app, ids):
    """The course's only 政策解读 session left is being deleted; between its check and its commit, another admin
    unticks 政策解读: it was refused naming that session (delete it first); now it waits for the deletion and is
    saved."""
    cid, admin_id, (s1, s2), eid = ids
    with file_app.app_context():
        services.delete_session(db.session.get(TrainingCourse, cid), s1)
        db.session.remove()
        untick = lambda: services.save_course(  # noqa: E731
            db.session.get(TrainingCourse, cid), dict(UNTICKED), db.session.get(User, admin_id)
        )
        other = _meanwhile(file_app, untick)
        _delete(cid, s2)()
        db.session.remove()
    assert _finish(other) == ["ok"]
    with file_app.app_context():
        course = db.session.get(TrainingCourse, cid)
        assert ([m.kind for m in course.modules], course.sessions) == (["theory", "practice", "cases"], [])
        db.session.remove()


def test_a_session_deleted_twice_at_once_is_deleted_once_and_the_second_told(file_app, ids):
    """删除课次 double-clicked (or from two admins' pages) at the same moment: both had found the session and both
    deleted it, the second deleting nothing (a warning in the log) and told 已删除课次. Now the second waits for the
    first and is told the session is already gone."""
    cid, _, (s1, s2), eid = ids

    def delete():
        course = db.session.get(TrainingCourse, cid)
        shown = db.session.get(TrainingSession, s1)  # as the course page showed it (kept: the session holds it weakly)
        return lambda: services.delete_session(course, shown.id)

    out = at_once(file_app, [delete, delete], refused=services.TrainingError)
    assert sorted(out) == ["ok", services.SESSION_GONE], out
    assert _stored(file_app, eid)[0] == [s2]
