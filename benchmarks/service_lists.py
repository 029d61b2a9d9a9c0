"""The other list pages and forms at 100,000 rows: visits, the urgent queue, financing cases, a live class's
registrations, a course's enrolments, certificates, notifications, accounts and organisations; the broker's and
the admin's dashboard (its 待办 counts over all of them).

Fills a database (SQLite file by default; MATCHMAKER_DATABASE_URL for PostgreSQL) with N rows of each (and N
enterprises, each with a user), then times requests through the app (Flask test client: routing, queries,
template) as an admin or a broker, and prints one JSON object per page kind: the median of its URLs (first
page, a filter, a search, a deep page), with the slowest request beside it.

    .venv/bin/python benchmarks/service_lists.py [--n 100000] [--requests 3] [--reuse]
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_db import build_app, database_url, fill_once  # noqa: E402

TARGET_MS = 300
PASSWORD = "bench-password-1"


def _insert(model, rows, batch=10_000):
    from matchmaker.extensions import db

    for i in range(0, len(rows), batch):
        db.session.execute(db.insert(model), rows[i : i + batch])
    db.session.commit()


def fill(n):
    """N enterprises with a user each; N visits, needs with urgent requests, financing cases, registrations of one
    live class, enrolments of one course with their certificates, and the broker's notifications."""
    from matchmaker.extensions import db
    from matchmaker.models import (
        Certificate,
        FinancingCase,
        LiveRegistration,
        LiveSession,
        Notification,
        Organization,
        TechNeed,
        TrainingCourse,
        TrainingEnrolment,
        UrgentRequest,
        User,
        Visit,
    )  # fmt: skip

    hub = Organization(name="基准服务中心", kind="agency")
    db.session.add(hub)
    db.session.flush()
    staff = {}
    for role in ("admin", "broker"):
        user = User(email=f"{role}@bench.cn", name=f"基准{role}", role=role, organization_id=hub.id)
        user.set_password(PASSWORD)
        db.session.add(user)
        staff[role] = user
    db.session.commit()
    broker_id = staff["broker"].id
    _insert(Organization, [{"name": f"基准企业{i:06d}有限公司", "kind": "enterprise",
                            "uscc": f"9144{i:014d}"} for i in range(n)])  # fmt: skip
    org_ids = list(db.session.scalars(db.select(Organization.id).where(Organization.kind == "enterprise")))
    hash_ = staff["broker"].password_hash  # one hash for all: nobody logs in as them
    _insert(User, [{"email": f"ent{i}@bench.cn", "name": f"企业用户{i}", "role": "enterprise", "password_hash": hash_,
                    "organization_id": org_ids[i], "phone": f"139{i:08d}"} for i in range(n)])  # fmt: skip
    user_ids = list(db.session.scalars(db.select(User.id).where(User.role == "enterprise").order_by(User.id)))
    start = date(2024, 1, 1)
    kinds = ["visit", "reception", "expert"]
    _insert(Visit, [{"organization_id": org_ids[i], "visited_on": start + timedelta(days=i % 700),
                     "kind": kinds[i % 3], "topic": f"走访调研企业技术需求（{i}）", "people": "经纪人甲、科技局乙",
                     "summary": "", "recorded_by_id": broker_id} for i in range(n)])  # fmt: skip
    _insert(TechNeed, [{"organization_id": org_ids[i], "title": f"急需解决的工艺难题{i}", "status": "published",
                        "created_by_id": user_ids[i], "problem": "需要在三个月内解决的生产工艺问题"}
                       for i in range(n)])  # fmt: skip
    need_ids = list(db.session.scalars(db.select(TechNeed.id).order_by(TechNeed.id)))
    t0 = datetime(2024, 1, 1, 8)
    statuses = ["pending", "pending", "approved", "refused"]
    _insert(UrgentRequest, [{"need_id": need_ids[i], "organization_id": org_ids[i], "reason_kind": "production",
                             "reason": "产线停工待解决", "status": statuses[i % 4], "sla_hours": 24,
                             "requested_at": t0 + timedelta(minutes=7 * i), "due_at": t0 + timedelta(minutes=7 * i, hours=24),
                             "requested_by_id": user_ids[i]} for i in range(n)])  # fmt: skip
    fin = ["applied", "applied", "appraised", "loan_granted", "subsidised"]
    _insert(FinancingCase, [{"organization_id": org_ids[i], "patents": "ZL201910000001.X", "status": fin[i % 5],
                             "amount_wanted": Decimal(100 + i % 900), "term_months": 12, "purpose": "流动资金",
                             "applied_at": t0 + timedelta(minutes=5 * i)} for i in range(n)])  # fmt: skip
    live = LiveSession(title="基准直播课", speaker="王芳", starts_at=datetime(2025, 6, 1, 2), created_by_id=broker_id)
    course = TrainingCourse(title="基准技术经纪人培训班", year=2025, status="open")
    db.session.add_all([live, course])
    db.session.commit()
    _insert(LiveRegistration, [{"session_id": live.id, "user_id": user_ids[i], "organization_id": org_ids[i]}
                               for i in range(n)])  # fmt: skip
    org_kinds = ["enterprise", "university", "agency"]
    _insert(TrainingEnrolment, [{"course_id": course.id, "user_id": user_ids[i], "name": f"学员{i}",
                                 "org_name": f"基准企业{i:06d}有限公司", "org_kind": org_kinds[i % 3],
                                 "phone": f"139{i:08d}"} for i in range(n)])  # fmt: skip
    enrol_ids = list(db.session.scalars(db.select(TrainingEnrolment.id).order_by(TrainingEnrolment.id)))
    _insert(Certificate, [{"number": f"JJR2025{i:07d}", "enrolment_id": enrol_ids[i], "holder_name": f"学员{i}",
                           "org_name": f"基准企业{i:06d}有限公司", "issued_on": date(2025, 7, 1),
                           "valid_until": date(2028, 6, 30)} for i in range(n)])  # fmt: skip
    _insert(Notification, [{"user_id": broker_id, "kind": "visit", "text": f"提醒{i}：请跟进走访企业的技术需求",
                            "link": "/visits/", "created_at": t0 + timedelta(minutes=i)} for i in range(n)])  # fmt: skip
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return {"live": live.id, "course": course.id, "org": org_ids[n // 2]}


def login(client, email):
    resp = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]


def timed(client, urls, repeats):
    """Median and slowest milliseconds over every URL requested ``repeats`` times (all must answer 200),
    and the largest page in KB."""
    times, size = [], 0
    for _ in range(repeats):
        for url in urls:
            t0 = time.perf_counter()
            resp = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert resp.status_code == 200, (url, resp.status_code)
            size = max(size, len(resp.data))
    return statistics.median(times), max(times), size / 1024


def pages(ids, n):
    deep = max(1, n // 40)  # a page near the end of a 20-row list
    return {
        "broker": {
            "visit_list_ms_100k": ["/visits/", "/visits/?kind=expert", "/visits/?q=基准企业000123", f"/visits/?page={deep}"],
            "visit_form_ms_100k": ["/visits/new"],
            "enterprise_lookup_ms_100k": ["/admin/organizations/lookup.json?role=enterprise&q=基准企业", "/admin/organizations/lookup.json?role=enterprise&q=0123",
                                          "/admin/organizations/lookup.json?role=enterprise&q=不存在"],
            "urgent_queue_ms_100k": ["/urgent/queue", "/urgent/queue?status=approved", f"/urgent/queue?page={deep}"],
            "financing_list_ms_100k": ["/financing/", "/financing/?status=loan_granted", f"/financing/?page={deep}"],
            "class_registrations_ms_100k": [f"/classes/{ids['live']}/attendance",
                                            f"/classes/{ids['live']}/attendance?page={n // 100}"],
            "notifications_ms_100k": ["/notifications/", f"/notifications/?page={deep}"],
            "service_history_ms_100k": [f"/visits/enterprises/{ids['org']}"],
            "broker_dashboard_ms_100k": ["/dashboard"],
        },
        "admin": {
            "course_enrolments_ms_100k": [f"/training/{ids['course']}/enrolments",
                                          f"/training/{ids['course']}/enrolments?page={n // 60}"],
            "certificate_list_ms_100k": ["/training/certificates", f"/training/certificates?page={n // 60}"],
            "user_list_ms_100k": ["/admin/users", "/admin/users?role=enterprise", f"/admin/users?page={deep}"],
            "organization_list_ms_100k": ["/admin/organizations", f"/admin/organizations?page={deep}"],
            "user_form_ms_100k": ["/admin/users/new"],
            "organization_lookup_ms_100k": ["/admin/organizations/lookup.json?q=基准&role=enterprise",
                                            "/admin/organizations/lookup.json?q=9876"],
            "admin_dashboard_ms_100k": ["/dashboard"],
        },
    }  # fmt: skip


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=3, help="times each URL is requested")
    ap.add_argument("--reuse", action="store_true", help="keep and reuse the SQLite file between runs")
    ap.add_argument("--only", default="", help="comma-separated figure names")
    args = ap.parse_args()
    instance = tempfile.mkdtemp(prefix="mm-bench-")
    url, pg = database_url("mm-service-lists", args.n, args.reuse, instance)
    app = build_app(url, instance)
    from matchmaker.extensions import db
    from matchmaker.models import LiveSession, Organization, TrainingCourse, Visit

    with app.app_context():
        fill_once(Visit, args.n, fill, args.reuse or pg)
        ids = {
            "live": db.session.scalar(db.select(LiveSession.id)),
            "course": db.session.scalar(db.select(TrainingCourse.id)),
            "org": db.session.scalar(db.select(Visit.organization_id).order_by(Visit.id).offset(args.n // 2)),
        }
        assert db.session.get(Organization, ids["org"]) is not None
        dialect = db.engine.dialect.name
        db.session.remove()
    only = {x for x in args.only.split(",") if x}
    for role, figures in pages(ids, args.n).items():
        client = app.test_client()
        login(client, f"{role}@bench.cn")
        client.get("/")  # templates compiled, caches filled
        for name, urls in figures.items():
            if only and name not in only:
                continue
            median, worst, kb = timed(client, urls, args.requests)
            print(json.dumps({"name": name, "value": round(median, 1), "unit": "ms", "target": TARGET_MS,
                              "max_ms": round(worst, 1), "page_kb": round(kb, 1), "db": dialect,
                              "rows_each": args.n}), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
