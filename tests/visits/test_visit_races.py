"""A visit's enterprise changed (编辑走访) at the moment a colleague collects a need on it (征集需求): the edit's
check "该走访已登记征集需求，不能更换被走访企业" ran before the need was committed, and the need was filed under the
enterprise the collecting page had read. On PostgreSQL both were saved: the visit showed (and counted) another
enterprise's need. Now the collecting holds the visit: the edit is refused, or the need goes to the new enterprise."""

import threading

from matchmaker.extensions import db
from matchmaker.models import TechNeed, Visit

from ..factories import make_org, make_user
from ..stale import version
from .test_visits import NEED, _visit_form


def _client(app, email):
    c = app.test_client()
    assert c.post("/auth/login", data={"email": email, "password": "password123"}).status_code == 302
    return c


def test_a_need_collected_while_the_visit_moves_to_another_enterprise_stays_with_the_visits(file_app):
    """Edit to another enterprise and collect a need at once: the visit's needs are the visit's enterprise's."""
    from matchmaker.demo.taxonomy import ensure_taxonomy

    with file_app.app_context():
        ensure_taxonomy()
        ent, other = make_org("enterprise", name="固安锁业"), make_org("enterprise", name="另一家锁业")
        make_user("enterprise", org=ent), make_user("enterprise", org=other)
        broker, admin = make_user("broker"), make_user("admin")
        emails, ent_data, other_data = [broker.email, admin.email], _visit_form(ent), _visit_form(other)
        db.session.remove()
    clients = [_client(file_app, e) for e in emails]
    assert clients[0].post("/visits/new", data=ent_data).status_code == 302
    with file_app.app_context():
        visit_id = db.session.scalar(db.select(Visit.id))
        db.session.remove()
    shown = version(clients[0].get(f"/visits/{visit_id}/edit"))
    barrier, answers = threading.Barrier(2), [None, None]

    def edit():
        barrier.wait()
        answers[0] = clients[0].post(f"/visits/{visit_id}/edit", data=dict(other_data, version=shown))

    def collect():
        barrier.wait()
        answers[1] = clients[1].post(f"/visits/{visit_id}/needs/new", data=NEED)

    threads = [threading.Thread(target=edit), threading.Thread(target=collect)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert answers[1].status_code == 302, answers[1].get_data(as_text=True)[:2000]
    assert answers[0].status_code in (302, 400), answers[0].status_code
    with file_app.app_context():
        visit = db.session.get(Visit, visit_id)
        needs = db.session.scalars(db.select(TechNeed)).all()
        assert len(needs) == 1 and [n.organization_id for n in needs] == [visit.organization_id], (
            answers[0].status_code, visit.organization_id, [n.organization_id for n in needs])  # fmt: skip
        db.session.remove()
