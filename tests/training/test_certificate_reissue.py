"""A revoked certificate is reissued (2026-12-04): a new number, the revoked one kept in the history, never two
live certificates for one trainee, also when two admins press 发放证书 at the same moment."""

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.models import Certificate, TrainingEnrolment, User
from matchmaker.reports import service_stats
from matchmaker.reports.services import Period
from matchmaker.training import services
from matchmaker.utils import clock

from ..factories import make_user
from ..races import at_once
from .test_training import make_course


def _certified(admin):
    enrolment = services.assess(services.enrol_self(make_course(sessions=0), make_user("enterprise")), 80, admin)
    return enrolment, services.issue_certificate(enrolment, admin)


def test_a_revoked_certificate_is_reissued_and_kept_in_the_history(client, auth):
    """Revoked (wrong date printed), then 重新发放证书: a new number, valid; the old number still verifies as
    revoked; the trainee counts once as certified. It was refused: 撤销的证书不能重新发放."""
    admin = make_user("admin")
    enrolment, first = _certified(admin)
    services.revoke_certificate(first, admin, "证书日期印错")
    auth.login(admin)
    page = client.get(f"/training/{enrolment.course_id}/enrolments").get_data(as_text=True)
    assert "重新发放证书" in page and first.number in page
    resp = client.post(f"/training/enrolments/{enrolment.id}/certificate", follow_redirects=True)
    assert "已为" in resp.get_data(as_text=True) and "发放证书" in resp.get_data(as_text=True)
    db.session.expire_all()
    certs = db.session.scalars(db.select(Certificate).filter_by(enrolment_id=enrolment.id).order_by("id")).all()
    assert [c.state() for c in certs] == ["revoked", "valid"] and certs[1].number != first.number
    assert db.session.get(TrainingEnrolment, enrolment.id).certificate.number == certs[1].number
    verify = lambda number: client.get("/training/verify", query_string={"number": number}).get_data(as_text=True)  # noqa: E731
    assert "已撤销" in verify(first.number) and "该证书有效" in verify(certs[1].number)
    page = client.get(f"/training/{enrolment.course_id}/enrolments").get_data(as_text=True)
    assert "已发证 1 人" in page and "重新发放证书" not in page
    this_year = clock.today().year
    stats = service_stats.build(Period(date(this_year - 1, 1, 1), date(this_year + 1, 12, 31)))
    assert stats["figures"]["certified"] == 1
    again = client.post(f"/training/enrolments/{enrolment.id}/certificate", follow_redirects=True)
    assert f"该学员已有证书 {certs[1].number}" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Certificate.id))) == 2


def test_the_database_refuses_a_second_live_certificate(app):
    """Whatever writes it, a second unrevoked certificate of one enrolment is refused by the database."""
    admin = make_user("admin")
    enrolment, first = _certified(admin)
    db.session.add(Certificate(number="X-2", enrolment_id=enrolment.id, holder_name="甲", org_name="乙",
                               issued_on=first.issued_on, valid_until=first.valid_until))  # fmt: skip
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("revoked_first", [False, True])
def test_two_admins_issuing_at_once_make_one_live_certificate(file_app, revoked_first):
    """Two admins press 发放证书 (or 重新发放证书 after a revocation) for one trainee at the same moment: one
    certificate is issued, the other admin is told 该学员已有证书."""
    with file_app.app_context():
        admin = make_user("admin")
        enrolment = services.assess(services.enrol_self(make_course(sessions=0), make_user("enterprise")), 80, admin)
        if revoked_first:
            services.revoke_certificate(services.issue_certificate(enrolment, admin), admin, "重新发放")
        eid, admin_ids = enrolment.id, [make_user("admin").id for _ in range(2)]
        db.session.remove()

    def call(admin_id):
        def prepare():
            e, actor = db.session.get(TrainingEnrolment, eid), db.session.get(User, admin_id)
            e.passed, e.certificate, e.course.certificate_years, actor.id  # noqa: B018 - the page had read them
            return lambda: services.issue_certificate(e, actor)

        return prepare

    outcomes = at_once(file_app, [call(a) for a in admin_ids], services.TrainingError)
    assert outcomes.count("ok") == 1, outcomes
    assert all("该学员已有证书" in o for o in outcomes if o != "ok"), outcomes
    with file_app.app_context():
        states = [c.state() for c in db.session.scalars(db.select(Certificate).filter_by(enrolment_id=eid))]
        assert sorted(states) == (["revoked", "valid"] if revoked_first else ["valid"])
        db.session.remove()


def test_issuing_while_another_admin_fails_the_trainee_leaves_no_certificate_on_a_failure(file_app):
    """One admin presses 发放证书 while another records a failing score (40) for the same trainee, at the same
    moment, five times over: one of them wins and the other is refused (考核通过后才能发放证书, or 该学员已获发
    证书 …，不能改为未通过). Both were saved, leaving a live certificate on a failed trainee."""
    with file_app.app_context():
        course, admins = make_course(sessions=0), [make_user("admin").id for _ in range(2)]
        enrolments = [services.assess(services.enrol_self(course, make_user("enterprise")), 80, make_user("admin")).id
                      for _ in range(5)]  # fmt: skip
        db.session.remove()

    def issue(eid):
        def prepare():
            e, actor = db.session.get(TrainingEnrolment, eid), db.session.get(User, admins[0])
            e.passed, e.certificate, e.course.certificate_years, actor.id  # noqa: B018 - the page had read them
            return lambda: services.issue_certificate(e, actor)

        return prepare

    def fail(eid):
        def prepare():
            e, actor = db.session.get(TrainingEnrolment, eid), db.session.get(User, admins[1])
            e.passed, e.certificate, actor.id  # noqa: B018
            return lambda: services.assess(e, 40, actor)

        return prepare

    for eid in enrolments:
        outcomes = at_once(file_app, [issue(eid), fail(eid)], services.TrainingError)
        assert outcomes.count("ok") == 1, outcomes
        with file_app.app_context():
            e = db.session.get(TrainingEnrolment, eid)
            live = [c for c in e.certificates if c.revoked_at is None]
            if outcomes[0] == "ok":  # issued first: the failing score was refused
                assert e.passed is True and e.score == 80 and len(live) == 1, outcomes
                assert "不能改为未通过" in outcomes[1]
            else:  # failed first: no certificate
                assert e.passed is False and e.score == 40 and live == [], outcomes
                assert outcomes[0] == "考核通过后才能发放证书"
            db.session.remove()
