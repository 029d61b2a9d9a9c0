"""A course's 名额 lowered (编辑课程: set to the number enrolled, closing it) at the moment someone enrols: the
enrolment counted its seats against the capacity its page had read (none: no count at all), so it went through
after the lowering committed and the course held more trainees than its 名额. Now the enrolment reads the
capacity with the course's row held: one of the two is refused."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import TrainingCourse, TrainingEnrolment, User
from matchmaker.training import services

from ..factories import make_user
from ..races import at_once
from .test_training import make_course


@pytest.mark.parametrize("before", [10, None])
def test_seats_lowered_while_someone_enrols_are_never_exceeded(file_app, before):
    """名额 10 (or none) → 1 with one trainee, and a second enrolment at once: never two trainees for one seat."""
    with file_app.app_context():
        course = make_course(capacity=before, sessions=0)
        services.enrol_self(course, make_user("enterprise"))
        cid, admin_id, user_id = course.id, make_user("admin").id, make_user("researcher").id
        db.session.remove()

    def lower():
        course, actor = db.session.get(TrainingCourse, cid), db.session.get(User, admin_id)
        data = {name: getattr(course, name) for name in services.COURSE_FIELDS}
        data.update(certificate_years=course.certificate_years, modules=[m.kind for m in course.modules])
        shown = services.course_version(course)  # the edit page as loaded
        return lambda: services.save_course(course, dict(data, capacity=1), actor, version=shown)

    def enrol():
        course, user = db.session.get(TrainingCourse, cid), db.session.get(User, user_id)
        course.capacity, user.organization.name  # noqa: B018 - loaded before the others act
        return lambda: services.enrol_self(course, user)

    outcomes = at_once(file_app, [lower, enrol], services.TrainingError)
    with file_app.app_context():
        capacity = db.session.get(TrainingCourse, cid).capacity
        taken = db.session.scalar(db.select(db.func.count(TrainingEnrolment.id)).filter_by(course_id=cid))
        assert capacity is None or taken <= capacity, (outcomes, taken, capacity)  # None: the lowering refused
        assert outcomes.count("ok") == 1, outcomes
        db.session.remove()
