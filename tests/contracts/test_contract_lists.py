"""登记技术合同 took 行业 and 镇街 as free text while the report groups contracts by them: a broker's 东城 beside
东城街道 was a second town in 镇街统计. Both are now selects of the maintained lists (blank: the linked need's
or the buyer's, as before); a name off the list is refused in Chinese, typed text kept, nothing saved; a
name a contract holds from before stays selectable on edit and saves unchanged."""

import re

import pytest

from matchmaker.extensions import db
from matchmaker.models import Contract, Taxonomy

from ..factories import make_contract
from .test_contracts import GOOD, _form_of


@pytest.fixture
def lists():
    db.session.add_all([Taxonomy(kind="town", name="东城街道"), Taxonomy(kind="industry", name="新能源")])
    db.session.commit()


def test_the_form_offers_the_lists(client, auth, lists):
    auth.login("broker")
    body = client.get("/contracts/new").get_data(as_text=True)
    assert re.search(r'<select[^>]*id="town"', body) and '<option value="东城街道">东城街道</option>' in body
    assert re.search(r'<select[^>]*id="industry"', body) and '<option value="新能源">新能源</option>' in body


@pytest.mark.parametrize("field, value", [("town", "东城"), ("industry", "新能源汽车")])
def test_a_name_off_the_list_is_refused_and_nothing_saved(client, auth, lists, field, value):
    auth.login("broker")
    resp = client.post("/contracts/new", data=dict(GOOD, **{field: value}))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and f'id="{field}-error"' in body and "请从列表中选择" in body
    assert GOOD["title"] in body and db.session.scalar(db.select(db.func.count(Contract.id))) == 0


def test_listed_names_and_blanks_are_stored(client, auth, lists):
    auth.login("broker")
    assert client.post("/contracts/new", data=dict(GOOD, town="东城街道", industry="新能源")).status_code == 302
    c = db.session.scalar(db.select(Contract))
    assert (c.town, c.industry) == ("东城街道", "新能源")


def test_a_stored_name_off_the_list_stays_and_saves_unchanged(client, auth, lists):
    auth.login("admin")
    c = make_contract(amount="100000.00", broker=None, town="旧镇名", industry="旧行业")
    edit = client.get(f"/contracts/{c.id}/edit").get_data(as_text=True)
    assert '<option selected value="旧镇名">旧镇名</option>' in edit
    data = _form_of(c, town="旧镇名", industry="旧行业", title="改过的合同名称")
    assert client.post(f"/contracts/{c.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Contract, c.id)
    assert (saved.town, saved.industry, saved.title) == ("旧镇名", "旧行业", "改过的合同名称")
