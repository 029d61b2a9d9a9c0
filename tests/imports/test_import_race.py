"""Issue 10: confirms of one batch arriving at once import it once and all end on its true status."""

import threading

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, TechNeed

from ..conftest import DB_URL
from ..factories import make_org, make_user
from .test_import import need_row, upload, xlsx


def test_ten_concurrent_confirms_import_once(make_app, tmp_path):
    # On PostgreSQL (MATCHMAKER_DATABASE_URL) the test database itself; otherwise a file SQLite database.
    where = {} if DB_URL else {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'race.sqlite'}"}
    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 15, "max_overflow": 5}, **where)
    with app.app_context():
        from matchmaker.demo.taxonomy import ensure_taxonomy

        ensure_taxonomy()
        make_org("enterprise", name="导入测试企业")
        admin = make_user("admin")
        login = app.test_client()
        assert login.post("/auth/login", data={"email": admin.email, "password": "password123"}).status_code == 302
        upload(login, xlsx([need_row(f"C-{i}") for i in range(3)]))
        batch_id = db.session.scalar(db.select(ImportBatch.id))
        cookie = login.get_cookie("session").value
        db.session.remove()
    answers, start = [], threading.Barrier(10)

    def confirm():
        c = app.test_client()
        c.set_cookie("session", cookie)
        start.wait()
        try:
            answers.append(c.post(f"/needs/import/{batch_id}/confirm").status_code)
        except Exception as exc:  # noqa: BLE001  (reported below)
            answers.append(repr(exc))

    threads = [threading.Thread(target=confirm) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [302] + [303] * 9, answers
    with app.app_context():
        batch = db.session.get(ImportBatch, batch_id)
        assert batch.status == "done" and "导入失败" not in (batch.message or "")
        assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 3
        db.session.remove()


def test_an_import_whose_worker_died_is_run_again_by_the_sweep(app):
    """A worker killed at 2,000 of 20,000 rows left the page at 正在导入 2000/20000 for ten minutes (the job's
    lease); the minute's sweep now queues it again once its heartbeat is two minutes old."""
    from datetime import timedelta

    from matchmaker.demo.taxonomy import ensure_taxonomy
    from matchmaker.imports import services
    from matchmaker.models.base import utcnow

    ensure_taxonomy()
    make_org("enterprise", name="导入测试企业")
    admin = make_user("admin")
    batch = services.validate_upload("need", "needs.xlsx", xlsx([need_row(f"S-{i}") for i in range(3)]), admin)
    fresh = services.validate_upload("need", "more.xlsx", xlsx([need_row(f"F-{i}") for i in range(2)]), admin)
    batch.status, batch.heartbeat_at, batch.processed_rows = "importing", utcnow() - timedelta(minutes=3), 2
    fresh.status, fresh.heartbeat_at = "importing", utcnow() - timedelta(seconds=30)  # still beating
    db.session.commit()
    ids = (batch.id, fresh.id)
    assert services.requeue_stale() == [ids[0]]  # run at once here (jobs run in the test's process)
    db.session.expire_all()
    done, running = db.session.get(ImportBatch, ids[0]), db.session.get(ImportBatch, ids[1])
    assert (done.status, done.imported_rows) == ("done", 3)
    assert running.status == "importing"
    assert db.session.scalar(db.select(db.func.count(TechNeed.id))) == 3
