"""The trainee list is searched by phone as well as by name and organisation: a number in any layout (0571-88886666,
057188886666, 138 0013 8000, +86 138 …, full-width digits), whole or its first or last digits (尾号), finds the trainee
whose stored (normalised) phone starts or ends so (read from indexes: test_trainee_search_plans). The list could not
be searched by phone at all."""

import pytest
from sqlalchemy import event, insert

from matchmaker.extensions import db
from matchmaker.models import TrainingEnrolment

from .test_training import make_course

TRAINEES = [("王一号", "0571-88886666"), ("李二号", "138 0013 8000"), ("张三号", "13912345678"), ("赵四号", "")]


@pytest.fixture
def course(client, auth):
    course = make_course(sessions=0)
    auth.login("admin")
    for name, phone in TRAINEES:
        data = {"name": name, "org_name": "某高校", "org_kind": "university", "phone": phone}
        assert client.post(f"/training/{course.id}/enrolments", data=data).status_code == 302
    return course


def _found(client, course, q):
    page = client.get(f"/training/{course.id}/enrolments", query_string={"q": q}).get_data(as_text=True)
    rows = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [name for name, _ in TRAINEES if name in rows], page


@pytest.mark.parametrize(
    ("q", "names"),
    [("0571-88886666", ["王一号"]), ("057188886666", ["王一号"]), ("(0571) 8888 6666", ["王一号"]),
     ("０５７１－８８８８６６６６", ["王一号"]), ("+86 571 8888 6666", ["王一号"]), ("8888-6666", ["王一号"]),
     ("138 0013 8000", ["李二号"]), ("13800138000", ["李二号"]), ("+86 138 0013 8000", ["李二号"]),
     ("+86 138", ["李二号"]), ("0086 13800138000", ["李二号"]), ("8000", ["李二号"]), ("８０００", ["李二号"]),
     ("5678", ["张三号"]), ("13", []), ("139 0000 0000", []),
     ("0013", [])],  # digits from the middle of 13800138000: no index serves them, no one looks a number up so
)  # fmt: skip
def test_a_trainee_is_found_by_phone_in_any_layout(client, course, q, names):
    """A phone in any layout, or part of it (the last four digits), finds its trainee and no other; two digits
    are no phone search (13 is in nearly every mobile)."""
    found, page = _found(client, course, q)
    assert found == names
    assert f'value="{q}"' in page  # the search box keeps what was typed


def test_names_and_organisations_are_still_searched(client, course):
    assert _found(client, course, "王一")[0] == ["王一号"]
    assert _found(client, course, "某高校")[0] == [name for name, _ in TRAINEES]


def test_the_search_box_says_it_takes_a_phone_and_allows_what_is_searched(client, course):
    """Named for screen readers and limited to the 50 characters the search reads, as the other lists' boxes; it
    says a phone is found by its first or last digits (a middle run found nothing, without a word why)."""
    page = client.get(f"/training/{course.id}/enrolments").get_data(as_text=True)
    assert 'maxlength="50" placeholder="姓名 / 单位 / 电话前几位或尾号"' in page
    assert 'aria-label="姓名、单位，或电话号码的前几位或尾号"' in page


def test_a_phone_search_is_paginated_and_each_page_keeps_it(client, auth):
    """31 trainees whose phones share 1390000: 30 on the first page, the 31st on the second, the pager's links
    keeping the search."""
    course = make_course(sessions=0)
    auth.login("admin")
    for i in range(31):
        data = {"name": f"学员{i:02d}", "org_name": "某高校", "org_kind": "university", "phone": f"1390000{i:04d}"}
        client.post(f"/training/{course.id}/enrolments", data=data)
    client.post(
        f"/training/{course.id}/enrolments",
        data={"name": "学员99", "org_name": "某高校", "org_kind": "university", "phone": "13812345678"},
    )
    client.get(f"/training/{course.id}/enrolments")  # the enrolments' messages shown
    first = client.get(f"/training/{course.id}/enrolments?q=139+0000").get_data(as_text=True)
    assert "共 31 条，第 1 / 2 页" in first and "学员00" in first and "学员29" in first and "学员30" not in first
    assert "学员99" not in first
    assert "q=139+0000" in first and "page=2" in first
    second = client.get(f"/training/{course.id}/enrolments?q=139+0000&page=2").get_data(as_text=True)
    assert "学员30" in second and "学员29" not in second


@pytest.mark.slow
def test_a_phone_search_of_a_hundred_thousand_trainees_reads_one_page(client, auth):
    """100,000 trainees of one course: the number is looked for by the database, and the page loads its 30 rows
    only (a filter in Python would load every trainee)."""
    course = make_course(sessions=0)
    rows = [dict(course_id=course.id, name=f"学员{i}", org_name="某企业", org_kind="enterprise",
                 phone=f"150{i:08d}") for i in range(100_000)]  # fmt: skip
    rows[54321].update(name="要找的人", phone="057188886666")
    db.session.execute(insert(TrainingEnrolment), rows)
    db.session.commit()
    auth.login("admin")
    loaded = []
    listener = lambda target, _context: loaded.append(target.id)  # noqa: E731
    event.listen(TrainingEnrolment, "load", listener)
    try:
        one = client.get(f"/training/{course.id}/enrolments?q=0571-8888 6666").get_data(as_text=True)
        assert "要找的人" in one and "共 1 条" in one and len(loaded) == 1
        loaded.clear()
        many = client.get(f"/training/{course.id}/enrolments?q=150 0009").get_data(as_text=True)
        assert "共 10000 条，第 1 / 334 页" in many and len(loaded) == 30
    finally:
        event.remove(TrainingEnrolment, "load", listener)


def test_a_phone_search_finding_no_one_says_how_numbers_are_searched(client, course):
    """Digits from the middle of a number find no one: the empty list says a number is searched by how it starts
    or ends (it said only 没有符合条件的学员); a name finding no one says nothing of phones."""
    hint = "电话号码按开头几位或尾号查找"
    assert hint in _found(client, course, "0013")[1]
    assert hint not in _found(client, course, "无此人")[1]
    assert hint not in _found(client, course, "8000")[1]  # found: no empty list


def _reversed_phones(course):
    db.session.expire_all()
    rows = db.select(TrainingEnrolment.phone, TrainingEnrolment.phone_reversed).filter_by(course_id=course.id)
    return dict(db.session.execute(rows).all())


def test_a_bulk_update_of_phones_keeps_their_last_digits_searchable(client, course):
    """An UPDATE of many trainees' phones at once (no ORM object, so no validator) reverses them all the same, by
    a condition or by primary key: the new 尾号 finds the trainee, the old one no more (phone_reversed was left as
    it was: the old 尾号 still found 王一号, the new one did not)."""
    from sqlalchemy import update

    wang = db.session.scalar(db.select(TrainingEnrolment.id).filter_by(course_id=course.id, name="王一号"))
    zhang = db.session.scalar(db.select(TrainingEnrolment.id).filter_by(course_id=course.id, name="张三号"))
    db.session.execute(update(TrainingEnrolment).where(TrainingEnrolment.id == wang).values(phone="13711112222"))
    db.session.execute(update(TrainingEnrolment), [{"id": zhang, "phone": "13633334444"}])
    db.session.commit()
    stored = _reversed_phones(course)
    assert stored["13711112222"] == "22221111731" and stored["13633334444"] == "44443333631"
    assert _found(client, course, "2222")[0] == ["王一号"] and _found(client, course, "6666")[0] == []
    assert _found(client, course, "4444")[0] == ["张三号"] and _found(client, course, "5678")[0] == []


def test_a_bulk_update_setting_phones_by_an_expression_is_refused(client, course):
    """A phone computed by the database (here: a prefix added) has no reverse the application can write: the
    statement is refused before it runs, and every stored phone and its reverse stay as they were."""
    from sqlalchemy import update

    from matchmaker.models.training import BulkPhoneError

    before = _reversed_phones(course)
    with pytest.raises(BulkPhoneError):
        db.session.execute(update(TrainingEnrolment).values(phone="0" + TrainingEnrolment.phone))
    db.session.rollback()
    assert _reversed_phones(course) == before
