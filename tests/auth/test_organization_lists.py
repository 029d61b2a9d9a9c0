"""新建单位 / 编辑单位 took 所在镇街 and 所属行业 as free text while registration and bulk import take only the
maintained lists: an admin's 东城 beside 东城街道 became a second town in the contract report (a contract
without a need takes its buyer's town and industry). Now both are selects of the lists; a name off the list
is refused in Chinese, typed text kept, nothing saved; a name stored before stays selectable on edit."""

import re

import pytest

from matchmaker.extensions import db
from matchmaker.models import Organization, Taxonomy

from ..factories import make_org, valid_uscc


@pytest.fixture
def lists():
    db.session.add_all([Taxonomy(kind="town", name="东城街道"), Taxonomy(kind="industry", name="智能家电")])
    db.session.commit()


def _new(client, **kw):
    data = {"name": "列表测试电器有限公司", "kind": "enterprise", "uscc": valid_uscc(880001), **kw}
    return client.post("/admin/organizations/new", data=data)


def test_the_form_offers_the_lists(client, auth, lists):
    auth.login("admin")
    body = client.get("/admin/organizations/new").get_data(as_text=True)
    assert re.search(r'<select[^>]*id="town"', body) and '<option value="东城街道">东城街道</option>' in body
    assert re.search(r'<select[^>]*id="industry"', body) and '<option value="智能家电">智能家电</option>' in body


@pytest.mark.parametrize("field, value", [("town", "东城"), ("industry", "家电")])
def test_a_name_off_the_list_is_refused_and_nothing_saved(client, auth, lists, field, value):
    auth.login("admin")
    resp = _new(client, **{field: value})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "请从列表中选择" in body and "列表测试电器有限公司" in body
    assert db.session.scalar(db.select(Organization).filter_by(name="列表测试电器有限公司")) is None


def test_listed_names_are_stored(client, auth, lists):
    auth.login("admin")
    assert _new(client, town="东城街道", industry="智能家电").status_code == 302
    org = db.session.scalar(db.select(Organization).filter_by(name="列表测试电器有限公司"))
    assert (org.town, org.industry) == ("东城街道", "智能家电")


def test_a_stored_name_off_the_list_stays_and_saves_unchanged(client, auth, lists):
    org = make_org("enterprise", name="老单位有限公司", town="旧镇名")
    auth.login("admin")
    edit = client.get(f"/admin/organizations/{org.id}/edit").get_data(as_text=True)
    assert '<option selected value="旧镇名">旧镇名</option>' in edit
    version = re.search(r'name="version" type="hidden" value="([^"]*)"', edit).group(1)
    data = {"name": org.name, "kind": "enterprise", "uscc": org.uscc, "town": "旧镇名", "version": version,
            "contact_name": "新联系人"}  # fmt: skip
    assert client.post(f"/admin/organizations/{org.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Organization, org.id)
    assert (saved.town, saved.contact_name) == ("旧镇名", "新联系人")
