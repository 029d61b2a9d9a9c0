"""Edit forms show a stored phone laid out for reading (phone_for_reading: 138 0013 8000, 0571-88886666,
0755-88886666 转 123), not the digits it is stored as (075588886666-123): a need's and a result's contact phone, an
organisation's. Saving the page unchanged stores the same number; what a refused save typed is kept as typed; a
number phone_for_reading cannot lay out (an extension run on, 057188886666123) is shown and taken back as stored."""

import random
from decimal import Decimal

import pytest

from matchmaker.extensions import db
from matchmaker.models import Organization, Result, TechNeed
from matchmaker.utils.validators import is_phone, normalize_phone, phone_for_reading

from ..factories import make_org
from ..page_form import form_values
from .helpers import need, result

AREA_CODES = ["010", "020", "021", "029", "0311", "0571", "0755", "0898", "0999"]


def _stored_numbers():
    """Stored (normalised) numbers of every kind phone_for_reading lays out: mobiles of each prefix; landlines with
    3- and 4-digit area codes, 7- and 8-digit numbers; each with extensions of 1 to 6 digits."""
    rng = random.Random(20261207)
    mobiles = [f"1{second}{rng.randrange(10**9):09d}" for second in range(3, 10) for _ in range(20)]
    landlines = [f"{area}{rng.randrange(10**(length - 1), 10**length)}" for area in AREA_CODES for length in (7, 8)
                 for _ in range(5)]  # fmt: skip
    extensions = [f"{number}-{rng.randrange(10**length):0{length}d}" for number in landlines[::3]
                  for length in range(1, 7)]  # fmt: skip
    return mobiles + landlines + extensions


def test_every_layout_phone_for_reading_writes_is_read_back_as_the_stored_number():
    for stored in _stored_numbers():
        shown = phone_for_reading(stored)
        assert shown != stored, stored  # laid out (a mobile with spaces, a landline with its area code split off)
        assert normalize_phone(shown) == stored and is_phone(shown), (stored, shown)
    assert phone_for_reading("075588886666-123") == "0755-88886666 转 123"
    assert phone_for_reading("0101234567") == "010-1234567"


RUN_ON = "057188886666123"  # an extension stored run on, before extensions were kept apart


def _set_phone(model, row_id, stored):
    """The phone as stored, written around the models' normalising validators."""
    db.session.execute(db.update(model).where(model.id == row_id).values(contact_phone=stored))
    db.session.commit()


def _stored(model, row_id):
    db.session.expire_all()
    return db.session.scalar(db.select(model.contact_phone).where(model.id == row_id))


CASES = [("13800138000", "138 0013 8000"), ("057188886666", "0571-88886666"), ("0201234567", "020-1234567"),
         ("075588886666-123", "0755-88886666 转 123"), (RUN_ON, RUN_ON)]  # fmt: skip


def _edit_unchanged(client, url, model, row_id, stored, shown, button=None):
    """The edit page shows ``shown`` in the phone's input; posting the page's values unchanged saves (302) and
    leaves the stored phone identical."""
    _set_phone(model, row_id, stored)
    page = client.get(url).get_data(as_text=True)
    name = "contact_phone"
    assert f'name="{name}" type="text" value="{shown}"' in page, page.split(f'name="{name}"', 1)[1][:120]
    values = form_values(page, name)
    assert values[name] == shown
    resp = client.post(url, data=dict(values, **(button or {})))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    assert _stored(model, row_id) == stored


@pytest.mark.parametrize("stored, shown", CASES)
def test_a_needs_edit_page_shows_its_phone_for_reading_and_saving_it_unchanged_keeps_it(client, auth, stored, shown):
    user = auth.login("enterprise")
    n = need(user=user, coop_mode="development", budget_wan=Decimal("80.50"))
    _edit_unchanged(client, f"/needs/{n.id}/edit", TechNeed, n.id, stored, shown)


@pytest.mark.parametrize("stored, shown", CASES)
def test_a_results_edit_page_shows_its_phone_for_reading_and_saving_it_unchanged_keeps_it(client, auth, stored, shown):
    user = auth.login("researcher")
    r = result(user=user, field="先进材料", transfer_mode="license_exclusive", price_wan=Decimal("150"))
    _edit_unchanged(client, f"/results/{r.id}/edit", Result, r.id, stored, shown)


@pytest.mark.parametrize("stored, shown", CASES)
def test_an_organisations_edit_page_shows_its_phone_for_reading_and_saving_it_unchanged_keeps_it(
    client, auth, stored, shown
):
    org = make_org("university")
    auth.login("admin")
    _edit_unchanged(client, f"/admin/organizations/{org.id}/edit", Organization, org.id, stored, shown)


@pytest.mark.parametrize("typed", ["075588886666-123", "0755 8888 6666-12x"])
def test_a_refused_save_keeps_the_phone_as_typed(client, auth, typed):
    """A save refused for another field (an empty title) or for the phone itself shows what was typed, stored digits
    or not: it is not laid out again."""
    user = auth.login("enterprise")
    n = need(user=user)
    values = form_values(client.get(f"/needs/{n.id}/edit").get_data(as_text=True), "contact_phone")
    resp = client.post(f"/needs/{n.id}/edit", data=dict(values, title="", contact_phone=typed))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and f'name="contact_phone" type="text" value="{typed}"' in page
