"""A registration naming a town or industry not on the lists (attack, 2026-12-04): the selects took any
text, of any length, onto the new organisation (300 characters of town: a 500 at confirmation on
PostgreSQL, junk in the admin's list on SQLite); now only a listed name, or none, is accepted."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import Organization, Taxonomy

from .test_accounts import GOOD, outbox, register  # noqa: F401


@pytest.mark.parametrize("field", ["town", "industry"])
@pytest.mark.parametrize("value", ["镇" * 300, "<script>alert(1)</script>", "不在列表里的名称"])
def test_a_name_off_the_list_is_refused_and_nothing_is_mailed(client, outbox, field, value):  # noqa: F811
    resp = client.post("/auth/register", data=dict(GOOD, **{field: value}))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "请从列表中选择" in body and "请查收邮件" not in body
    assert "示例智能科技有限公司" in body  # what was typed stays
    assert outbox == []


def test_listed_names_are_stored_on_the_new_organisation(client, outbox):  # noqa: F811
    town, industry = "石岐街道", "智能家电"
    db.session.add_all([Taxonomy(kind="town", name=town), Taxonomy(kind="industry", name=industry)])
    db.session.commit()
    assert register(client, outbox, dict(GOOD, town=town, industry=industry)).status_code == 302
    org = db.session.scalar(db.select(Organization).filter_by(name=GOOD["org_name"]))
    assert (org.town, org.industry) == (town, industry)
