"""Trainees' phone numbers are stored normalised (digits only, full-width digits as ASCII), so one number typed
with or without a hyphen, with spaces or brackets, or in full-width digits is one trainee of a course; rows
stored as typed before are normalised by a migration."""

from datetime import datetime

import pytest
from flask_migrate import upgrade

from matchmaker.extensions import db
from matchmaker.models import TrainingEnrolment
from matchmaker.training import services
from matchmaker.utils.validators import normalize_phone, phone_for_reading

from ..conftest import app_on, migration_module
from ..factories import make_user
from .test_training import make_course

PERSON = {"name": "甲", "org_name": "某高校", "org_kind": "university"}


def count(**by):
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(TrainingEnrolment).filter_by(**by))


@pytest.mark.parametrize(
    "typed, stored",
    [("0571-88886666", "057188886666"), ("057188886666", "057188886666"), ("0571 8888 6666", "057188886666"),
     ("(0571)88886666", "057188886666"), ("０５７１－８８８８６６６６", "057188886666"), ("139-0000-1111", "13900001111"),
     ("139 0000 1111", "13900001111"), ("+86 139 0000 1111", "13900001111"), ("１３９００００１１１１", "13900001111"),
     ("0571-88886666-123", "057188886666-123"), ("0571-8888 6666 转 123", "057188886666-123")],
)  # fmt: skip
def test_the_admin_enrolling_a_person_stores_the_phone_normalised(client, auth, typed, stored):
    """Whatever layout the number was typed in, the trainee list holds its digits: a second layout of it then
    meets the first (spaces, brackets and +86 were refused as 格式不正确, a hyphen made another number)."""
    course = make_course(sessions=0)
    auth.login("admin")
    assert client.post(f"/training/{course.id}/enrolments", data=dict(PERSON, phone=typed)).status_code == 302
    assert db.session.scalar(db.select(TrainingEnrolment.phone)) == stored


@pytest.mark.parametrize(
    "second, quoted",
    [("057188886666", "057188886666"), ("0571 8888 6666", "0571 8888 6666"),
     ("０５７１８８８８６６６６", "057188886666"), ("（0571）8888-6666", "（0571）8888-6666")],
)  # fmt: skip
def test_one_landline_in_two_layouts_is_one_trainee(client, auth, second, quoted):
    """0571-88886666 enrolled, then the same number without the hyphen (or with spaces, or in full-width digits):
    refused beside 联系电话 as another trainee's number, quoted as typed (full-width digits read as every text
    field reads them), the second form kept. It was a second enrolment of the same person."""
    course = make_course(sessions=0)
    auth.login("admin")
    client.post(f"/training/{course.id}/enrolments", data=dict(PERSON, phone="0571-88886666"))
    resp = client.post(f"/training/{course.id}/enrolments", data=dict(PERSON, name="甲二", phone=second))
    page = resp.get_data(as_text=True)
    error = page.split('id="phone-error"', 1)
    assert resp.status_code == 400 and len(error) == 2
    assert f"联系电话 {quoted} 已被本课程的其他学员登记" in error[1].split("</div></div>", 1)[0]
    assert '<label class="form-label" for="phone">联系电话</label>' in page  # a landline is no 手机号
    assert 'value="甲二"' in page and count(course_id=course.id) == 1


def test_a_self_enrolment_with_the_mobile_in_another_layout_meets_the_admins_record(client, auth):
    """The admin enrolled a person by 13900001111; that person enrols themself typing 139 0000 1111: told the number
    is already registered, not enrolled twice. The account's own phone, typed with hyphens, is stored as digits."""
    course = make_course(capacity=10, sessions=0)
    services.enrol_person(course, dict(PERSON, phone="13900001111"), make_user("admin"))
    auth.login(make_user("enterprise", phone="020-1234-5678"))
    resp = client.post(f"/training/{course.id}/enrol", data={"phone": "139 0000 1111"})
    assert resp.status_code == 400 and "联系电话 139 0000 1111 已被本课程的其他学员登记" in resp.get_data(as_text=True)
    assert count(course_id=course.id) == 1
    assert client.post(f"/training/{course.id}/enrol", data={}).status_code == 302
    assert count(course_id=course.id, phone="02012345678") == 1


@pytest.mark.parametrize(
    "typed", ["0571-8888", "1390000111", "+1 415 555 0100", "电话0571-88886666", "057188886666123"]
)
def test_a_number_that_is_no_mainland_phone_is_still_refused_as_typed(client, auth, typed):
    """Too short, foreign, with words, or digits past the number without a dash before an extension: refused
    beside the field with what was typed kept; nothing stored."""
    course = make_course(sessions=0)
    auth.login("admin")
    resp = client.post(f"/training/{course.id}/enrolments", data=dict(PERSON, phone=typed))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "电话号码格式不正确" in page and f'value="{typed}"' in page
    assert count() == 0


def test_one_extension_in_two_layouts_is_one_trainee_and_two_extensions_two(client, auth):
    """0755-88886666-123 enrolled: 0755-8888 6666 转 123 is the same number (refused beside 联系电话), 转 124 another
    person at another extension of the switchboard (both were the one run-on number or refused)."""
    course = make_course(sessions=0)
    auth.login("admin")
    first = client.post(f"/training/{course.id}/enrolments", data=dict(PERSON, phone="0755-88886666-123"))
    assert first.status_code == 302
    resp = client.post(
        f"/training/{course.id}/enrolments", data=dict(PERSON, name="甲二", phone="0755-8888 6666 转 123")
    )
    assert resp.status_code == 400 and "已被本课程的其他学员登记" in resp.get_data(as_text=True)
    resp = client.post(f"/training/{course.id}/enrolments", data=dict(PERSON, name="乙", phone="0755-8888 6666 转 124"))
    assert resp.status_code == 302
    assert count(course_id=course.id) == 2 and count(phone="075588886666-124") == 1


SHOWN = [("13800138000", "138 0013 8000"), ("0571-88886666", "0571-88886666"), ("(010)12345678", "010-12345678"),
         ("020 8765 4321", "020-87654321"), ("0755-1234567", "0755-1234567"), ("0571-88886666-123", "0571-88886666 转 123")]  # fmt: skip


def test_the_trainee_list_shows_phones_laid_out_for_reading(client, auth):
    """Stored as digits, a mobile is shown 138 0013 8000 and a landline with its area code split off (010 and
    020–029 of three digits, others of four), its extension after 转 (it was stored and shown run on, 057188886666123:
    no one could tell the extension from the number). The list showed 13800138000 and 057188886666, hard to read
    out over the phone."""
    course = make_course(capacity=10, sessions=0)
    admin = make_user("admin")
    for i, (typed, _) in enumerate(SHOWN):
        services.enrol_person(course, dict(PERSON, name=f"学员{i}", phone=typed), admin)
    services.enrol_person(course, dict(PERSON, name="无电话"), admin)
    auth.login(admin)
    page = client.get(f"/training/{course.id}/enrolments").get_data(as_text=True)
    rows = {row.split("<td>", 1)[1].split("<", 1)[0]: row for row in page.split('<tr id="enrolment-')[1:]}
    for i, (_, shown) in enumerate(SHOWN):
        assert f'<div class="text-muted">{shown}</div>' in rows[f"学员{i}"], (shown, rows[f"学员{i}"][:300])
    assert '<div class="text-muted"></div>' in rows["无电话"]


@pytest.mark.parametrize(
    "stored",
    ["01012345678901", "01112345678", "0212345", "12345678901", "+14155550100", "0571888866661", ""],
)
def test_a_stored_number_that_is_no_mobile_or_landline_is_shown_as_stored(stored):
    """Too long or short for its area code, an area code that does not exist (011), a mobile prefix that does not
    exist (12), a foreign number: not laid out, shown as stored."""
    assert phone_for_reading(stored) == stored


# The migration -------------------------------------------------------------------------------------------------

REVISION = "e3b7c1d9a2f4"
BEFORE = "c5e2a9d7b4f3"
MIGRATION = f"{REVISION}_training_phone_digits.py"  # in migrations/versions
INSERT_COURSE = (
    "INSERT INTO training_course (id, title, year, status, description, certificate_years, created_at) "
    "VALUES (:id, '培训班', 2026, 'open', '', 3, :at)"
)
INSERT_ENROLMENT = (
    "INSERT INTO training_enrolment (id, course_id, name, org_name, org_kind, phone, enrolled_at) "
    "VALUES (:id, :course, '学员', '某单位', 'enterprise', :phone, :at)"
)
ROWS = [  # (id, course, phone as stored before, after the migration)
    (1, 1, "0571-88886666", "0571-88886666"),  # row 2 holds its digits already: the same person twice, left as is
    (2, 1, "057188886666", "057188886666"),
    (3, 1, "139-0000-1111", "13900001111"),  # the first of two layouts takes the digits
    (4, 1, "139 0000 1111", "139 0000 1111"),
    (5, 2, "0571 88886666", "057188886666"),  # another course: no clash
    (6, 2, "１３９００００２２２２", "13900002222"),
    (7, 2, None, None),
    (8, 2, "   ", None),
    (9, 2, "0571-88886666-123", "057188886666123"),
]


def test_stored_phones_are_normalised_where_no_other_trainee_of_the_course_holds_the_number(fresh_db_url, tmp_path):
    """Enrolments saved as typed: their phones become digits, unless another trainee of the same course already
    holds those digits (the unique number per course would refuse it): those keep their layout, rows kept."""
    app = app_on(fresh_db_url, tmp_path)
    directory = app.extensions["migrate"].directory
    at = datetime(2026, 1, 1)
    with app.app_context():
        upgrade(directory=directory, revision=BEFORE)
        for course in (1, 2):
            db.session.execute(db.text(INSERT_COURSE), {"id": course, "at": at})
        for enrolment_id, course, phone, _ in ROWS:
            db.session.execute(db.text(INSERT_ENROLMENT), {"id": enrolment_id, "course": course, "phone": phone,
                                                            "at": at})  # fmt: skip
        db.session.commit()
        upgrade(directory=directory)
        rows = db.session.execute(db.text("SELECT id, phone FROM training_enrolment ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(i, after) for i, _, _, after in ROWS]
        db.session.remove()
        db.engine.dispose()


SAMPLES = ["0571-88886666", "(0571) 8888 6666", "０５７１－８８８８６６６６", "+86 139-0000-1111", "0086 13900001111",
           "8613900001111", "+1 415 555 0100", "139\u200b0000\u20141111", "电话 0571", "", "   ", None]  # fmt: skip


def test_the_migration_carries_its_own_copy_of_the_rule_and_it_agrees_with_the_apps():
    """The migration normalises without importing the app (whose rule may change later): its copy gives the app's
    answers. If the app's rule changes, this fails: add a migration for the new rule, do not edit this one."""
    frozen = migration_module(MIGRATION).normalize_phone
    assert [frozen(s) for s in SAMPLES] == [normalize_phone(s) for s in SAMPLES]
