"""A real double click: the two submits of one edit page arrive at the same moment (each in its own thread,
app context, session and connection: a SQLite file or the PostgreSQL test database). Both answer 302; two
different saves from one page at once keep one (302) and refuse the other (409)."""

import threading
from datetime import date, timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.models import Event, LiveSession, TrainingCourse, Visit, Zone
from matchmaker.utils import clock

from ..factories import make_contract, make_org, make_user
from ..needs.helpers import NEED_FORM, need, result
from ..results.test_results import FORM as RESULT_FORM
from ..stale import version
from .test_double_submit import CRLF_TEXT


def _client(app, user_email):
    c = app.test_client()
    resp = c.post("/auth/login", data={"email": user_email, "password": "password123"})
    assert resp.status_code == 302
    return c


def _posts_at_once(app, email, url, bodies):
    """One edit page loaded, then ``bodies`` posted with its version at the same moment from as many clients
    (the same user). Returns the status codes in order."""
    clients = [_client(app, email) for _ in bodies]
    shown = version(clients[0].get(url))
    assert shown
    barrier, codes = threading.Barrier(len(bodies)), [None] * len(bodies)

    def run(i):
        barrier.wait()
        codes[i] = clients[i].post(url, data=dict(bodies[i], version=shown)).status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return codes


def _check(app, email, url, data, changed):
    assert _posts_at_once(app, email, url, [data, data]) == [302, 302]
    codes = _posts_at_once(app, email, url, [dict(data, **changed[0]), dict(data, **changed[1])])
    assert sorted(codes) == [302, 409], codes


def _setup(app, fn):
    with app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


def _taxonomy():
    from matchmaker.demo.taxonomy import ensure_taxonomy

    ensure_taxonomy()


def test_need_and_result(file_app):
    def setup():
        _taxonomy()
        ent, res = make_user("enterprise"), make_user("researcher")
        z1, z2 = Zone(name="甲专区"), Zone(name="乙专区")
        db.session.add_all([z1, z2])
        db.session.commit()
        n, r = need(user=ent, title="原来的需求标题"), result(user=res, title="原来的成果标题")
        return ent.email, res.email, n.id, r.id, [str(z2.id), str(z1.id)]

    ent, res, nid, rid, zones = _setup(file_app, setup)
    data = dict(NEED_FORM, confirm_duplicate="1", zones=zones, problem=CRLF_TEXT, budget="150")
    _check(file_app, ent, f"/needs/{nid}/edit", data, [{"title": "甲改的需求标题"}, {"title": "乙改的需求标题"}])
    data = dict(RESULT_FORM, confirm_duplicate="1", zones=zones, detail=CRLF_TEXT, price="面议")
    _check(file_app, res, f"/results/{rid}/edit", data, [{"title": "甲改的成果标题"}, {"title": "乙改的成果标题"}])


def test_organization_and_zone(file_app):
    def setup():
        admin = make_user("admin")
        org = make_org("university", name="南方理工大学")
        zone = Zone(name="智能家电专区", description="原来的介绍")
        db.session.add(zone)
        db.session.commit()
        return admin.email, org.id, zone.id

    admin, oid, zid = _setup(file_app, setup)
    data = {"name": "南方理工大学", "kind": "university", "description": CRLF_TEXT, "address": "大学路 1 号"}
    _check(file_app, admin, f"/admin/organizations/{oid}/edit", data, [{"contact_name": "甲"}, {"contact_name": "乙"}])
    data = {"name": "智能家电专区", "description": CRLF_TEXT, "starts_on": "2026/12/01", "ends_on": ""}
    _check(file_app, admin, f"/zones/{zid}/edit", data, [{"description": "甲"}, {"description": "乙"}])


def test_profile_and_organization_contacts(file_app):
    """个人资料 and 本单位信息 (auth/profile.py): a double click's twins both answer 302 and leave one audit row;
    two different saves from one page at once keep one and refuse the other."""
    from matchmaker.models import AuditLog

    def setup():
        member = make_user("enterprise", name="周明", org=make_org("enterprise", contact_name="旧联系人"))
        return member.email, member.id, member.organization_id

    email, uid, oid = _setup(file_app, setup)
    _check(file_app, email, "/auth/profile", {"name": " 周明远 ", "phone": "138-0013-8000"},
           [{"name": "甲改的姓名"}, {"name": "乙改的姓名"}])  # fmt: skip
    data = {"address": "科技路 8 号", "contact_name": "王经理", "contact_phone": "0769-2288 6666"}
    _check(file_app, email, "/auth/organization", data, [{"contact_name": "甲"}, {"contact_name": "乙"}])

    def audits():
        rows = db.session.scalars(db.select(AuditLog).order_by(AuditLog.id)).all()
        return [(r.entity, r.entity_id) for r in rows]

    # one row for the twins, one for the save that was kept
    assert _setup(file_app, audits) == [("user", uid)] * 2 + [("organization", oid)] * 2


def test_contract(file_app):
    """The second of a double click's saves was refused as "其他人已修改了这份合同" (409): its own first one."""
    from ..contracts.test_contracts import GOOD

    def setup():
        admin, c = make_user("admin"), make_contract()
        return admin.email, c.id, dict(GOOD, contract_no=c.contract_no, registration_no="", note=CRLF_TEXT)

    admin, cid, data = _setup(file_app, setup)
    _check(file_app, admin, f"/contracts/{cid}/edit", data, [{"title": "甲改的合同名称"}, {"title": "乙改的合同名称"}])


def test_visit_and_event(file_app):
    from matchmaker.visits import services

    from ..visits.test_visits import _visit_form

    def setup():
        broker = make_user("broker")
        ent = make_org("enterprise", name="固安锁业")
        visit = services.save_visit(Visit(), _visit_form(ent) | {"organization_id": ent.id,
                                                                 "visited_on": date(2020, 7, 14)}, broker)  # fmt: skip
        event = Event(title="储能对接会", online=False, place="会堂", created_by_id=broker.id, description="",
                      starts_at=clock.now_local().replace(microsecond=0) + timedelta(days=30))  # fmt: skip
        db.session.add(event)
        db.session.commit()
        return broker.email, visit.id, event.id, _visit_form(ent)

    broker, vid, eid, vform = _setup(file_app, setup)
    data = dict(vform, experts="李明，南方理工大学，教授\r\n赵强，市先进制造研究院\r\n\r\n", summary=CRLF_TEXT)
    _check(file_app, broker, f"/visits/{vid}/edit", data, [{"topic": "甲改的主题"}, {"topic": "乙改的主题"}])
    data = {
        "title": "储能对接会",
        "mode": "offline",
        "starts_at": "2030-05-01T14:00:30",
        "place": "科技会堂",
        "description": CRLF_TEXT,
    }
    _check(file_app, broker, f"/broker/events/{eid}/edit", data, [{"title": "甲改的活动"}, {"title": "乙改的活动"}])


def test_live_session_and_course(file_app):
    from matchmaker.classes import services as live
    from matchmaker.training import services as training

    start = (clock.now_local() + timedelta(days=3)).replace(second=0, microsecond=0)

    def setup():
        broker, admin = make_user("broker"), make_user("admin")
        s = live.save_session(LiveSession(), {"kind": "class", "title": "专利布局与技术转移实务", "starts_at": start,
                                              "speaker": "李明", "capacity": None, "published": True}, broker)  # fmt: skip
        course = training.save_course(TrainingCourse(), {"title": "技术经纪人培训班", "year": 2026, "status": "open",
                                                         "modules": ["policy", "theory"]}, admin)  # fmt: skip
        return broker.email, admin.email, s.id, course.id

    broker, admin, sid, cid = _setup(file_app, setup)
    data = {"kind": "class", "title": "专利布局与技术转移实务", "starts_at": start.strftime("%Y-%m-%d %H:%M:30"),
            "ends_at": "", "speaker": "李明", "capacity": "", "materials": "课件 https://f.example.cn/a.pdf\r\n",
            "description": CRLF_TEXT, "event_id": ""}  # fmt: skip
    _check(file_app, broker, f"/classes/{sid}/edit", data, [{"title": "甲改的场次"}, {"title": "乙改的场次"}])
    data = {"title": "技术经纪人培训班", "year": "2026", "status": "open", "starts_on": "2026/09/01", "ends_on": "",
            "place": "", "capacity": "", "certificate_years": "3", "modules": ["cases", "policy"],
            "description": CRLF_TEXT}  # fmt: skip
    _check(file_app, admin, f"/training/{cid}/edit", data, [{"title": "甲改的课程"}, {"title": "乙改的课程"}])


@pytest.mark.parametrize("stored", [True, False], ids=["edit_of_stored", "first_save"])
def test_urgent_settings(file_app, stored):
    """first_save FAILS (PostgreSQL every time, SQLite about one run in three): with no settings stored yet,
    both submits insert the one settings row; the loser's IntegrityError is answered with conflict() (409)
    although it carried the very settings the winner stored."""
    from matchmaker.urgent import services

    def setup():
        admin = make_user("admin")
        if stored:
            services.save_setting({"sla_hours": 24, "day_start": 0, "day_end": 24, "holidays": "", "workdays": ""},
                                  admin)  # fmt: skip
        return admin.email

    admin = _setup(file_app, setup)
    data = {
        "sla_hours": "8",
        "day_start": "9",
        "day_end": "18",
        "holidays": "2026-10-02\r\n2026-10-01\r\n",
        "workdays": "",
    }
    assert _posts_at_once(file_app, admin, "/urgent/settings", [data, data]) == [302, 302]
