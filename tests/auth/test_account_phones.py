"""An account's phone is stored normalised (digits only, full-width digits as ASCII, +86 before a mobile dropped),
as trainees' and live viewers' phones are, on every path that sets it; a number in another layout is accepted, a
wrong one refused with what was typed kept; phones stored as typed before are normalised by a migration."""

from datetime import datetime

import pytest
from flask_migrate import upgrade

from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.utils.validators import normalize_phone

from ..conftest import app_on, migration_module
from ..factories import make_org
from .test_accounts import GOOD, outbox, register  # noqa: F401 -- outbox is a fixture

LAYOUTS = [("138-0013-8000", "13800138000"), ("+86 138 0013 8000", "13800138000"), ("(0571)8888-6666", "057188886666"),
           ("１３８００１３８０００", "13800138000"), ("0571-88886666-123", "057188886666-123"), ("", None)]  # fmt: skip
WRONG = ["138-0013-800", "+1 415 555 0100", "电话13800138000"]


def phone_of(email):
    db.session.expire_all()
    return db.session.scalar(db.select(User.phone).filter_by(email=email))


@pytest.mark.parametrize("typed, stored", LAYOUTS)
def test_a_registration_stores_the_phone_normalised(client, outbox, typed, stored):  # noqa: F811
    """Registered with 138-0013-8000 (or +86, brackets, full-width digits): the account holds 13800138000, the number
    training and live classes compare (spaces, brackets and +86 were refused, hyphens stored as typed)."""
    assert register(client, outbox, dict(GOOD, phone=typed)).status_code == 302
    assert phone_of(GOOD["email"]) == stored


@pytest.mark.parametrize("typed, stored", LAYOUTS)
def test_an_account_an_admin_creates_stores_the_phone_normalised(client, auth, typed, stored):
    auth.login("admin")
    data = {"role": "enterprise", "name": "新用户", "email": "new.user@example.cn", "phone": typed,
            "password": "Str0ng-pass-9x", "organization": make_org("enterprise").name}  # fmt: skip
    assert client.post("/admin/users/new", data=data).status_code == 302
    assert phone_of("new.user@example.cn") == stored


@pytest.mark.parametrize("typed", WRONG)
def test_a_wrong_number_is_refused_on_registration_with_what_was_typed_kept(client, typed):
    resp = client.post("/auth/register", data=dict(GOOD, phone=typed))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "电话号码格式不正确" in page and f'value="{typed}"' in page
    assert phone_of(GOOD["email"]) is None and 'value="张三"' in page


@pytest.mark.parametrize("typed", WRONG)
def test_a_wrong_number_is_refused_on_the_admins_form_with_what_was_typed_kept(client, auth, typed):
    auth.login("admin")
    data = {"role": "broker", "name": "新用户", "email": "new.user@example.cn", "phone": typed,
            "password": "Str0ng-pass-9x", "organization": ""}  # fmt: skip
    resp = client.post("/admin/users/new", data=data)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "电话号码格式不正确" in page and f'value="{typed}"' in page
    assert db.session.scalar(db.select(User.id).filter_by(email="new.user@example.cn")) is None


# The migration -------------------------------------------------------------------------------------------------

REVISION = "f4a8d2c6e1b9"
BEFORE = "e3b7c1d9a2f4"
MIGRATION = f"{REVISION}_account_phone_digits.py"  # in migrations/versions
INSERT_USER = (
    'INSERT INTO "user" (id, email, phone, name, password_hash, role, active, session_token, created_at) '
    "VALUES (:id, :email, :phone, '用户', 'x', 'enterprise', :active, 't', :at)"
)
ROWS = [  # (id, phone as stored before, after the migration)
    (1, "138-0013-8000", "13800138000"),
    (2, "13800138000", "13800138000"),  # two accounts may hold one number: no unique constraint, nothing left as typed
    (3, "+86 139 0000 1111", "13900001111"),
    (4, "(0571) 8888 6666", "057188886666"),
    (5, "０５７１－８８８８６６６６", "057188886666"),
    (6, "0571-88886666-123", "057188886666123"),
    (7, None, None),
    (8, "   ", None),
]


def test_stored_account_phones_are_normalised(fresh_db_url, tmp_path):
    app = app_on(fresh_db_url, tmp_path)
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision=BEFORE)
        for user_id, phone, _ in ROWS:
            db.session.execute(db.text(INSERT_USER), {"id": user_id, "email": f"u{user_id}@example.cn", "phone": phone,
                                                      "active": True, "at": datetime(2026, 1, 1)})  # fmt: skip
        db.session.commit()
        upgrade(directory=directory)
        rows = db.session.execute(db.text('SELECT id, phone FROM "user" ORDER BY id')).all()
        assert [tuple(r) for r in rows] == [(i, after) for i, _, after in ROWS]
        db.session.remove()
        db.engine.dispose()


SAMPLES = ["0571-88886666", "(0571) 8888 6666", "０５７１－８８８８６６６６", "+86 139-0000-1111", "0086 13900001111",
           "8613900001111", "+1 415 555 0100", "139\u200b0000\u20141111", "电话 0571", "", "   ", None]  # fmt: skip


def test_the_migration_carries_its_own_copy_of_the_rule_and_it_agrees_with_the_apps():
    """If the app's rule changes, this fails: add a migration for the new rule, do not edit this one."""
    frozen = migration_module(MIGRATION).normalize_phone
    assert [frozen(s) for s in SAMPLES] == [normalize_phone(s) for s in SAMPLES]
