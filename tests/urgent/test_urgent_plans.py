"""The fast channel's queue reads a page in the (status, due_at) index's order (measured 2026-12-05 at 100,000
requests): with an index on each column alone, SQLite read every request of the status and sorted them all
for twenty (12-23 ms with half of them pending), and PostgreSQL walked the deadline index past the other
statuses (26 ms, 98,840 rows read, with 1% pending). Planned on a database made by the migrations."""

import re
from datetime import datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import insert, text

from matchmaker.extensions import db
from matchmaker.models import Organization, TechNeed, UrgentRequest
from matchmaker.urgent import services

from ..conftest import app_on

NOW = datetime(2026, 12, 5, 12)
INDEX = "ix_urgent_request_status_due_at"
PAGES = {  # a page of the queue as /urgent/queue asks for it
    "pending": {},
    "overdue": {"sla": "overdue"},
    "approved": {"status": "approved"},
}


def _seed(n):
    """n requests, the newest 1% pending (asked over the last 200 hours: most overdue) and the rest decided,
    deadlines 24-72 hours on."""
    db.session.add(Organization(name="急需企业", kind="enterprise"))
    db.session.commit()
    org_id = db.session.scalar(db.select(Organization.id))
    db.session.execute(insert(TechNeed), [{"organization_id": org_id, "title": f"工艺难题{i}", "status": "published"}
                                          for i in range(n)])  # fmt: skip
    need_ids = db.session.scalars(db.select(TechNeed.id).order_by(TechNeed.id)).all()
    step = timedelta(hours=200) / (n // 100)
    start = NOW - step * n
    rows = []
    for i, need_id in enumerate(need_ids):
        asked = start + step * i
        status = "pending" if i >= n * 0.99 else ("approved", "approved", "refused")[i % 3]
        rows.append({"need_id": need_id, "organization_id": org_id, "reason_kind": "production", "reason": "产线停工",
                     "status": status, "sla_hours": 24, "requested_at": asked,
                     "due_at": asked + timedelta(hours=24 + (i * 7919) % 48)})  # fmt: skip
    db.session.execute(insert(UrgentRequest), rows)
    db.session.commit()


def test_a_page_of_the_queue_is_read_from_the_status_deadline_index(fresh_db_url, tmp_path, monkeypatch):
    app = app_on(fresh_db_url, tmp_path)
    monkeypatch.setattr(services, "utcnow", lambda: NOW)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        sqlite = db.engine.dialect.name == "sqlite"
        _seed(4_000 if sqlite else 20_000)
        if (
            not sqlite
        ):  # PostgreSQL plans by its statistics, as after autovacuum's ANALYZE (SQLite: the app never runs it)
            db.session.execute(text("ANALYZE urgent_request"))
            db.session.commit()
        for name, args in PAGES.items():
            stmt = services.queue_query(args).limit(20)
            sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
            if sqlite:
                plan = " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
                assert INDEX in plan and "USE TEMP B-TREE FOR ORDER BY" not in plan, (name, plan)  # ties only
            else:  # a page's rows read, not every request of the status nor past the other statuses
                explain = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
                plan = " ".join(row[0] for row in db.session.execute(text(explain + sql)))
                removed = sum(int(m) for m in re.findall(r"Rows Removed by Filter: (\d+)", plan))
                assert "Seq Scan" not in plan and removed <= 100, (name, plan)
            assert len(db.session.execute(stmt).all()) == 20, name
        db.session.remove()
        db.engine.dispose()
