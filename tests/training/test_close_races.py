"""A course set to 已结束报名 (编辑课程, closing it) while someone's 报名 is on its way: the enrolment checked the
status on the copy its request had loaded, so it landed in the course after the closing committed. Now it is
checked on the course's row held and read again (the edit holds it too): the two serialise, and the one second
sees the first."""

from matchmaker.extensions import db
from matchmaker.models import TrainingCourse, TrainingEnrolment, User
from matchmaker.training import services

from ..factories import make_user
from ..races import after_another, at_once
from .test_training import make_course


def _setup(app):
    with app.app_context():
        course = make_course(sessions=0, ends_on=None)
        ids = course.id, make_user("admin").id, make_user("researcher").id
        db.session.remove()
    return ids


def _close(cid, admin_id):
    course, actor = db.session.get(TrainingCourse, cid), db.session.get(User, admin_id)
    data = {name: getattr(course, name) for name in services.COURSE_FIELDS}
    data.update(certificate_years=course.certificate_years, modules=[m.kind for m in course.modules])
    shown = services.course_version(course)  # the edit page as loaded
    return lambda: services.save_course(course, dict(data, status="closed"), actor, version=shown)


def _enrol(cid, user_id):
    course, user = db.session.get(TrainingCourse, cid), db.session.get(User, user_id)
    course.status, user.organization.name  # noqa: B018 - loaded before the others act
    return lambda: services.enrol_self(course, user)


def _enrolled(app, cid):
    with app.app_context():
        n = db.session.scalar(db.select(db.func.count(TrainingEnrolment.id)).filter_by(course_id=cid))
        status = db.session.get(TrainingCourse, cid).status
        db.session.remove()
    return n, status


def test_an_enrolment_loaded_before_the_course_was_closed_is_refused(file_app):
    cid, admin_id, user_id = _setup(file_app)
    outcome = after_another(file_app, lambda: _enrol(cid, user_id), lambda: _close(cid, admin_id)(),
                            services.TrainingError)  # fmt: skip
    assert outcome == "该课程已结束报名"
    assert _enrolled(file_app, cid) == (0, "closed")


def test_closing_and_enrolling_at_once_serialise(file_app):
    """Both at the same moment: the enrolment goes first (the course is closed after it) or is refused."""
    cid, admin_id, user_id = _setup(file_app)
    outcomes = at_once(file_app, [lambda: _close(cid, admin_id), lambda: _enrol(cid, user_id)],
                       services.TrainingError)  # fmt: skip
    assert outcomes[0] == "ok" and outcomes[1] in ("ok", "该课程已结束报名"), outcomes
    assert _enrolled(file_app, cid) == (1 if outcomes[1] == "ok" else 0, "closed")
