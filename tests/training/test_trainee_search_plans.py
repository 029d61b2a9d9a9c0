"""The trainee list's phone search reads indexes, planned on a database made by the migrations: a number's first
digits the unique (course_id, phone) index, its last ones (尾号) the (course_id, phone_reversed) index. It looked
for the digits anywhere in the number beside the name (phone LIKE '%8000%' OR name LIKE …), reading every trainee
of the course."""

from types import SimpleNamespace

import pytest
from flask_migrate import upgrade
from sqlalchemy import insert, text

from matchmaker.extensions import db
from matchmaker.models import TrainingCourse, TrainingEnrolment
from matchmaker.training import services

from ..conftest import app_on

SEARCHES = {  # what is typed: the trainee it finds
    "0571-88886666": "要找的座机",
    "+86 139 1234": "要找的手机",
    "8000": "要找的手机",
    "（0755）8888 6666 转 123": "要找的分机",
}
INDEXES = ("uq_training_enrolment_course_phone", "ix_training_enrolment_course_phone_reversed")


def _seed(n):
    """Two courses of n trainees each with mobiles 1500…11, and three to find in the first."""
    courses = [TrainingCourse(title=f"培训班{i}", year=2026, status="open") for i in (1, 2)]
    db.session.add_all(courses)
    db.session.commit()
    rows = [dict(course_id=c.id, name=f"学员{c.id}-{i}", org_name="某企业", org_kind="enterprise", phone=f"1500{i:05d}11")
            for c in courses for i in range(n)]  # fmt: skip
    rows[7].update(name="要找的座机", phone="057188886666")
    rows[8].update(name="要找的手机", phone="13912348000")
    rows[9].update(name="要找的分机", phone="075588886666-123")
    db.session.execute(insert(TrainingEnrolment), rows)  # Core: phone_reversed by the column's default
    db.session.commit()
    return courses[0]


@pytest.mark.parametrize("q", SEARCHES)
def test_a_phone_search_reads_the_phone_indexes_and_finds_the_trainee(fresh_db_url, tmp_path, q):
    app = app_on(fresh_db_url, tmp_path)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        sqlite = db.engine.dialect.name == "sqlite"
        course = _seed(3_000 if sqlite else 20_000)
        if not sqlite:  # PostgreSQL plans by its statistics, as after autovacuum's ANALYZE
            db.session.execute(text("ANALYZE training_enrolment"))
            db.session.commit()
        stmt = services.enrolment_query(SimpleNamespace(id=course.id), {"q": q}).limit(30)
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if sqlite:
            plan = " ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))
            # SQLite names the unique index after the table (sqlite_autoindex_…); the ranges are in the plan's text
            ranges = (
                "(course_id=? AND phone>? AND phone<?)",
                "(course_id=? AND phone_reversed>? AND phone_reversed<?)",
            )
            assert all(r in plan for r in ranges) and INDEXES[1] in plan, plan
            assert "SCAN training_enrolment" not in plan and "(course_id=? AND rowid=?)" in plan, plan
        else:
            explain = "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
            plan = " ".join(row[0] for row in db.session.execute(text(explain + sql)))
            assert all(index in plan for index in INDEXES) and "Seq Scan" not in plan, plan
        assert [e.name for e in db.session.scalars(stmt)] == [SEARCHES[q]]
        db.session.remove()
        db.engine.dispose()


def test_the_migration_reverses_the_phones_stored_before(fresh_db_url, tmp_path):
    """Trainees enrolled before d8b3f6a2e9c4 are found by their 尾号 too: their phone_reversed is filled."""
    app = app_on(fresh_db_url, tmp_path)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="c1e5a8f3d7b2")
        db.session.execute(text("INSERT INTO training_course (id, title, year, status, description, certificate_years, "
                                "created_at) VALUES (1, '培训班', 2026, 'open', '', 3, '2026-01-01')"))  # fmt: skip
        for row_id, phone in ((1, "13912348000"), (2, None), (3, "075588886666-123")):
            db.session.execute(text("INSERT INTO training_enrolment (id, course_id, name, org_name, org_kind, phone, "
                                    "enrolled_at) VALUES (:id, 1, '学员', '某单位', 'enterprise', :phone, '2026-01-01')"),
                               {"id": row_id, "phone": phone})  # fmt: skip
        db.session.commit()
        upgrade(directory=directory)
        rows = db.session.execute(text("SELECT id, phone_reversed FROM training_enrolment ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, "00084321931"), (2, None), (3, "321-666688885570")]
        found = services.enrolment_query(SimpleNamespace(id=1), {"q": "8000"})
        assert [e.id for e in db.session.scalars(found)] == [1]
        db.session.remove()
        db.engine.dispose()
