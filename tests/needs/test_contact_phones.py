"""Organisations' and listings' contact phones are stored normalised, as account phones are (digits only, full-width
digits as ASCII, +86 before a mobile dropped), on every path that writes them: the need and result forms, the admin's
organisation form, the bulk import. A number in another layout is accepted; a wrong one refused beside the field
with what was typed kept; phones stored as typed before are normalised by a migration, one it cannot read left."""

from datetime import datetime

import pytest
from flask_migrate import upgrade

from matchmaker.extensions import db
from matchmaker.models import ImportBatch, Organization, Result, TechNeed
from matchmaker.utils.validators import is_phone, normalize_phone

from ..conftest import app_on, migration_module
from ..factories import make_org, make_user
from ..imports.test_import import need_row, upload, xlsx
from ..results.test_results import FORM as RESULT_FORM
from .helpers import NEED_FORM, need

LAYOUTS = [("138-0013-8000", "13800138000"), ("+86 138 0013 8000", "13800138000"), ("(0571)8888-6666", "057188886666"),
           ("１３８００１３８０００", "13800138000"), ("0571-88886666-123", "057188886666-123"), ("", None)]  # fmt: skip
WRONG = ["138-0013-800", "+1 415 555 0100", "电话13800138000"]


def stored(model):
    db.session.expire_all()
    return db.session.scalar(db.select(model.contact_phone).order_by(model.id.desc()).limit(1))


def refused(resp, typed):
    """The refusal beside 联系电话, with what was typed kept."""
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "电话号码格式不正确" in page, page[:300]
    assert 'id="contact_phone-error"' in page and f'value="{typed}"' in page
    return page


@pytest.mark.parametrize("typed, digits", LAYOUTS)
def test_a_need_stores_its_contact_phone_normalised(client, auth, typed, digits):
    """0571-8888 6666 with brackets, +86, full-width digits: all taken (the form refused all but 11 digits and
    0571-88886666) and stored as the account phones are."""
    auth.login("enterprise")
    assert client.post("/needs/new", data=dict(NEED_FORM, contact_phone=typed)).status_code == 302
    assert stored(TechNeed) == digits


@pytest.mark.parametrize("typed, digits", LAYOUTS[:3])
def test_a_result_stores_its_contact_phone_normalised(client, auth, typed, digits):
    auth.login("researcher")
    assert client.post("/results/new", data=dict(RESULT_FORM, contact_phone=typed)).status_code == 302
    assert stored(Result) == digits


@pytest.mark.parametrize("typed", WRONG)
def test_a_wrong_number_is_refused_on_the_need_form_with_what_was_typed_kept(client, auth, typed):
    auth.login("enterprise")
    page = refused(client.post("/needs/new", data=dict(NEED_FORM, contact_phone=typed)), typed)
    assert "希望用机器视觉替代人工目检" in page and stored(TechNeed) is None


def test_a_wrong_number_is_refused_on_the_result_form(client, auth):
    auth.login("researcher")
    refused(client.post("/results/new", data=dict(RESULT_FORM, contact_phone="+1 415 555 0100")), "+1 415 555 0100")
    assert db.session.scalar(db.select(db.func.count(Result.id))) == 0


def test_an_extension_is_stored_apart_from_the_number_and_shown_after_zhuan(client, auth):
    """0755-88886666-123 and 0755-8888 6666 转 123 are stored 075588886666-123 (the extension ran on into the number,
    075588886666123); the need's page shows 0755-88886666 转 123, its edit form the number as stored, taken back."""
    user = auth.login("enterprise")
    for typed in ("0755-88886666-123", "（0755）88886666 分机 123", "0755-88886666 ext.123", "0755-88886666#123"):
        assert normalize_phone(typed) == "075588886666-123" and is_phone(typed), typed
    assert client.post("/needs/new", data=dict(NEED_FORM, contact_phone="0755-8888 6666 转 123")).status_code == 302
    assert stored(TechNeed) == "075588886666-123"
    n = db.session.scalar(db.select(TechNeed).order_by(TechNeed.id.desc()).limit(1))
    assert n.created_by_id == user.id
    assert "0755-88886666 转 123</a></dd>" in client.get(f"/needs/{n.id}").get_data(as_text=True)
    assert 'value="0755-88886666 转 123"' in client.get(f"/needs/{n.id}/edit").get_data(as_text=True)
    data = dict(NEED_FORM, title="新的需求标题文字", contact_phone="075588886666-123")
    assert client.post(f"/needs/{n.id}/edit", data=data).status_code == 302
    assert stored(TechNeed) == "075588886666-123"


def run_on(model, row_id):
    """A number stored with its extension run on, as the app stored 0571-88886666-123 before it kept it apart."""
    db.session.execute(db.update(model).where(model.id == row_id).values(contact_phone="057188886666123"))
    db.session.commit()


def test_a_stored_number_with_its_extension_run_on_is_taken_back_when_the_need_is_saved_again(client, auth):
    """057188886666123, stored so before extensions were kept apart: the edit form shows it, and saving it again is
    no refusal (it cannot be split: 8 digits and 3, or 7 and 4?)."""
    user = auth.login("enterprise")
    n = need(user=user)
    run_on(TechNeed, n.id)
    assert 'value="057188886666123"' in client.get(f"/needs/{n.id}/edit").get_data(as_text=True)
    data = dict(NEED_FORM, title="新的需求标题文字", contact_phone="057188886666123")
    assert client.post(f"/needs/{n.id}/edit", data=data).status_code == 302
    assert stored(TechNeed) == "057188886666123"
    # typed so on a new need, as on every phone field, digits run on past the number are refused
    refused(client.post("/needs/new", data=dict(NEED_FORM, contact_phone="057188886666123")), "057188886666123")


def test_an_organisation_with_a_stored_extension_is_saved_again_as_it_is(client, auth):
    org = make_org("university")
    run_on(Organization, org.id)
    auth.login("admin")
    page = client.get(f"/admin/organizations/{org.id}/edit").get_data(as_text=True)
    version = page.split('name="version" type="hidden" value="', 1)[1].split('"', 1)[0]
    data = dict(ORG_FORM, name=org.name, contact_phone="057188886666123", address="新地址", version=version)
    assert client.post(f"/admin/organizations/{org.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert (org.address, org.contact_phone) == ("新地址", "057188886666123")


ORG_FORM = {"name": "联系电话测试大学", "kind": "university", "uscc": "", "town": "", "industry": "", "address": "",
            "contact_name": "王老师", "contact_email": "", "description": ""}  # fmt: skip


@pytest.mark.parametrize("typed, digits", LAYOUTS)
def test_an_organisation_an_admin_creates_stores_its_contact_phone_normalised(client, auth, typed, digits):
    auth.login("admin")
    assert client.post("/admin/organizations/new", data=dict(ORG_FORM, contact_phone=typed)).status_code == 302
    assert db.session.scalar(db.select(Organization.contact_phone).filter_by(name=ORG_FORM["name"])) == digits


@pytest.mark.parametrize("typed", WRONG)
def test_a_wrong_number_is_refused_on_the_organisation_form_with_what_was_typed_kept(client, auth, typed):
    org = make_org("university", contact_phone="0755-12345678")
    auth.login("admin")
    page_get = client.get(f"/admin/organizations/{org.id}/edit").get_data(as_text=True)
    version = page_get.split('name="version" type="hidden" value="', 1)[1].split('"', 1)[0]
    data = dict(ORG_FORM, name=org.name, contact_phone=typed, version=version)
    refused(client.post(f"/admin/organizations/{org.id}/edit", data=data), typed)
    assert db.session.scalar(db.select(Organization.contact_phone).filter_by(id=org.id)) == "075512345678"


# The bulk import ------------------------------------------------------------------------------------------------


@pytest.fixture
def admin(auth):
    make_org("enterprise", name="导入测试企业")
    return auth.login("admin")


def test_an_imported_need_stores_its_contact_phone_normalised(client, admin):
    """A cell typed 0571 8888 6666 or +86 138-0013-8000 (refused before: 电话号码格式不正确) is imported as digits."""
    rows = [need_row("P-1", 联系电话="0571 8888 6666"), need_row("P-2", 联系电话="+86 138-0013-8000"),
            need_row("P-3", 联系电话="")]  # fmt: skip
    upload(client, xlsx(rows))
    batch = db.session.scalar(db.select(ImportBatch))
    assert (batch.good_rows, batch.errors) == (3, [])
    assert client.post(f"/needs/import/{batch.id}/confirm").status_code == 302
    phones = db.session.execute(db.select(TechNeed.external_ref, TechNeed.contact_phone).order_by(TechNeed.id)).all()
    assert [tuple(p) for p in phones] == [("P-1", "057188886666"), ("P-2", "13800138000"), ("P-3", None)]


def test_an_imported_row_with_a_wrong_number_is_reported_under_its_column(client, admin):
    upload(client, xlsx([need_row("P-1", 联系电话="138-0013-800"), need_row("P-2")]))
    batch = db.session.scalar(db.select(ImportBatch))
    assert [(r, col) for r, col, _ in batch.errors] == [(2, "联系电话")] and batch.good_rows == 1


# The migration ---------------------------------------------------------------------------------------------------

REVISION = "b6d2f9a4c8e3"
BEFORE = "f4a8d2c6e1b9"
MIGRATION = f"{REVISION}_contact_phone_digits.py"  # in migrations/versions
ROWS = [  # (id, contact phone as stored before, after the migration)
    (1, "0755-12345678", "075512345678"),
    (2, "13800138000", "13800138000"),
    (3, "+86 139 0000 1111", "13900001111"),
    (4, "(0571) 8888 6666", "057188886666"),
    (5, "０５７１－８８８８６６６６", "057188886666"),
    (6, "0571-88886666-123", "057188886666123"),
    (7, None, None),
    (8, "   ", None),
    (9, "电话 0571-8888", "电话 0571-8888"),  # no number the platform reads: left as typed, and logged
    (10, "+1 415 555 0100", "+1 415 555 0100"),
]
UNREAD = [9, 10]


def test_stored_contact_phones_are_normalised_and_unreadable_ones_left_and_logged(fresh_db_url, tmp_path, capfd):
    app = app_on(fresh_db_url, tmp_path)
    directory = app.extensions["migrate"].directory
    at = datetime(2026, 1, 1)
    with app.app_context():
        upgrade(directory=directory, revision=BEFORE)
        # Core inserts: the models' validators would normalise the phones on the way in.
        for row_id, phone, _ in ROWS:
            db.session.execute(
                db.insert(Organization.__table__).values(
                    id=row_id,
                    name=f"单位{row_id}",
                    kind="enterprise",
                    contact_phone=phone,
                    verified=True,
                    created_at=at,
                )
            )
            for model in (TechNeed, Result):
                db.session.execute(db.insert(model.__table__).values(
                    id=row_id, title=f"标题文字{row_id}", organization_id=row_id, contact_phone=phone, created_at=at,
                    updated_at=at))  # fmt: skip
        db.session.commit()
        capfd.readouterr()
        upgrade(directory=directory)  # its env.py logs as alembic.ini says: to stderr, not to the root logger
        logged = capfd.readouterr().err.splitlines()
        for table in ("organization", "tech_need", "result"):
            rows = db.session.execute(db.text(f"SELECT id, contact_phone FROM {table} ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(i, after) for i, _, after in ROWS], table
            for row_id in UNREAD:
                assert any(f"{table} {row_id} contact_phone" in m and "left as typed" in m for m in logged), logged
        assert sum("left as typed" in m for m in logged) == 3 * len(UNREAD)
        db.session.remove()
        db.engine.dispose()


SAMPLES = ["0571-88886666", "(0571) 8888 6666", "０５７１－８８８８６６６６", "+86 139-0000-1111", "0086 13900001111",
           "8613900001111", "+1 415 555 0100", "139\u200b0000\u20141111", "电话 0571", "0571-88886666-123",
           "057188886666123", "138-0013-800", "", "   ", None]  # fmt: skip


def test_the_migration_carries_its_own_copy_of_the_rules():
    """The rules of b6d2f9a4c8e3 as written, pinned: c1e5a8f3d7b2 changed the app's (an extension kept apart)."""
    module = migration_module(MIGRATION)
    run_on = {"0571-88886666-123": "057188886666123"}  # what the rule of c1e5a8f3d7b2 changed
    assert [module.normalize_phone(s) for s in SAMPLES] == [run_on.get(s, normalize_phone(s)) for s in SAMPLES]
    assert [module.is_phone(s) for s in SAMPLES] == [is_phone(s) for s in SAMPLES]


# Shown for reading -----------------------------------------------------------------------------------------------


def test_the_contacts_show_the_number_laid_out_for_reading_to_whom_may_see_them_and_to_no_one_else(client, auth):
    """The owner and a broker read 139 1234 5678 (a link to call it), as trainees' phones are shown; a researcher
    sees the number in neither layout."""
    owner = make_user("enterprise")
    n = need(user=owner, contact_phone="139-1234-5678", contact_name="电话联系人")
    landline = need(user=owner, contact_phone="(0571) 8888 6666")
    extension = need(user=owner, contact_phone="0755-8888 6666 转 123")
    for who in (owner, "broker"):
        auth.login(who)
        body = client.get(f"/needs/{n.id}").get_data(as_text=True)
        assert '<dd class="col-8"><a href="tel:13912345678">139 1234 5678</a></dd>' in body, who
        body = client.get(f"/needs/{landline.id}").get_data(as_text=True)
        assert '<a href="tel:057188886666">0571-88886666</a>' in body, who
        body = client.get(f"/needs/{extension.id}").get_data(as_text=True)
        # the extension dialled after a pause: a dash in a tel: link would run its digits on into the number
        assert '<a href="tel:075588886666,123">0755-88886666 转 123</a>' in body, who
        auth.logout()
    auth.login("researcher")
    body = client.get(f"/needs/{n.id}").get_data(as_text=True)
    assert "电话联系人" not in body and "139 1234 5678" not in body and "13912345678" not in body


def test_a_number_kept_as_typed_or_with_its_extension_run_on_is_shown_as_stored(client, auth):
    owner = auth.login("enterprise")
    n = need(user=owner)
    run_on(TechNeed, n.id)
    assert '<dd class="col-8">057188886666123</dd>' in client.get(f"/needs/{n.id}").get_data(as_text=True)
    db.session.execute(db.update(TechNeed).where(TechNeed.id == n.id).values(contact_phone="电话 0571-8888"))
    db.session.commit()
    assert '<dd class="col-8">电话 0571-8888</dd>' in client.get(f"/needs/{n.id}").get_data(as_text=True)


def test_the_api_gives_an_organisations_phone_as_the_admin_typed_it_normalised_and_says_so(client, auth):
    """An organisation saved with (0571) 8888-6666 on the admin's form: the API answers 057188886666, the layout its
    document describes (it gave the number as typed, in whatever layout the form had taken)."""
    from ..api.conftest import token_for

    auth.login("admin")
    assert (
        client.post("/admin/organizations/new", data=dict(ORG_FORM, contact_phone="(0571) 8888-6666")).status_code
        == 302
    )
    org_id = db.session.scalar(db.select(Organization.id).filter_by(name=ORG_FORM["name"]))
    headers = {"Authorization": f"Bearer {token_for('admin')}"}
    assert client.get(f"/api/v1/organizations/{org_id}", headers=headers).get_json()["contact_phone"] == "057188886666"
    spec = client.get("/api/v1/openapi.json", headers=headers).get_json()["components"]["schemas"]
    assert "057188886666" in spec["Organization"]["properties"]["contact_phone"]["description"]
    assert "13800138000" in spec["Contacts"]["properties"]["phone"]["description"]


# The migration keeping extensions apart ---------------------------------------------------------------------------

EXTENSION_REVISION = "c1e5a8f3d7b2"
EXTENSION_MIGRATION = f"{EXTENSION_REVISION}_phone_extensions_kept_apart.py"  # in migrations/versions
EXTENSION_ROWS = [  # (id, phone as stored before, after the migration)
    (1, "0755-8888 6666 转 123", "075588886666-123"),  # left as typed by b6d2f9a4c8e3 (unread then)
    (2, "075588886666转123", "075588886666-123"),  # glued by f4a8d2c6e1b9 (user.phone)
    (3, "057188886666123", "057188886666123"),  # run on: 8 digits and 3, or 7 and 4? left
    (4, "057188886666", "057188886666"),
    (5, "电话 0571-8888", "电话 0571-8888"),  # no number: left
    (6, None, None),
]
INSERT_COURSE = (
    "INSERT INTO training_course (id, title, year, status, description, certificate_years, created_at) "
    "VALUES (1, '培训班', 2026, 'open', '', 3, :at)"
)
INSERT_ENROLMENT = (
    "INSERT INTO training_enrolment (id, course_id, name, org_name, org_kind, phone, enrolled_at) "
    "VALUES (:id, 1, '学员', '某单位', 'enterprise', :phone, :at)"
)
INSERT_USER = (
    'INSERT INTO "user" (id, email, phone, name, password_hash, role, active, session_token, created_at) '
    "VALUES (:id, :email, :phone, '用户', 'x', 'enterprise', :active, 't', :at)"
)


def test_stored_phones_the_new_rule_reads_get_their_extension_apart(fresh_db_url, tmp_path, capfd):
    """Every phone column: a number with its extension after 转 (left as typed, or glued) becomes 075588886666-123;
    one run on or no number stays. Two trainees of a course meeting on one number: the second stays, logged."""
    app = app_on(fresh_db_url, tmp_path)
    directory = app.extensions["migrate"].directory
    at = datetime(2026, 1, 1)
    with app.app_context():
        upgrade(directory=directory, revision=REVISION)
        db.session.execute(db.text(INSERT_COURSE), {"at": at})
        for row_id, phone, _ in EXTENSION_ROWS:
            db.session.execute(db.insert(Organization.__table__).values(
                id=row_id, name=f"单位{row_id}", kind="enterprise", contact_phone=phone, verified=True,
                created_at=at))  # fmt: skip
            for model in (TechNeed, Result):
                db.session.execute(db.insert(model.__table__).values(
                    id=row_id, title=f"标题文字{row_id}", organization_id=row_id, contact_phone=phone, created_at=at,
                    updated_at=at))  # fmt: skip
            db.session.execute(db.text(INSERT_USER), {"id": row_id, "email": f"u{row_id}@example.cn", "phone": phone,
                                                      "active": True, "at": at})  # fmt: skip
            db.session.execute(db.text(INSERT_ENROLMENT), {"id": row_id, "phone": phone, "at": at})
        db.session.commit()
        capfd.readouterr()
        upgrade(directory=directory)
        logged = capfd.readouterr().err
        expected = [(i, after) for i, _, after in EXTENSION_ROWS]
        for table, column in (("organization", "contact_phone"), ("tech_need", "contact_phone"),
                              ("result", "contact_phone"), ('"user"', "phone")):  # fmt: skip
            rows = db.session.execute(db.text(f"SELECT id, {column} FROM {table} ORDER BY id")).all()
            assert [tuple(r) for r in rows] == expected, table
        rows = db.session.execute(db.text("SELECT id, phone FROM training_enrolment ORDER BY id")).all()
        # rows 1 and 2 are one number now: the second keeps its value (the unique number per course), logged
        assert [tuple(r) for r in rows] == [(2, "075588886666转123") if i == 2 else (i, p) for i, p in expected]
        assert "training_enrolment 2 (course 1)" in logged and "merge by hand" in logged
        db.session.remove()
        db.engine.dispose()


def test_the_extension_migration_carries_its_own_copy_of_the_rules_and_they_agree_with_the_apps():
    """If the app's rules change, this fails: add a migration for the new rules, do not edit this one."""
    module = migration_module(EXTENSION_MIGRATION)
    samples = [*SAMPLES, "0755-8888 6666 转 123", "075588886666-123", "0755-88886666#123", "010-1234567-8",
               "0571-8888-6666", "138xxxx1234", "0755-88886666 转 1234567"]  # fmt: skip
    assert [module.normalize_phone(s) for s in samples] == [normalize_phone(s) for s in samples]
    assert [module.is_phone(s) for s in samples] == [is_phone(s) for s in samples]
