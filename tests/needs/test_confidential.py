"""Summary-only needs and contact details: absent from the HTML for those not entitled."""

from decimal import Decimal

import pytest

from matchmaker.extensions import db
from matchmaker.models import AuditLog

from ..factories import make_org, make_user
from .helpers import need

SECRET = {
    "problem": "电解液配方中的六氟磷酸锂替代方案保密内容",
    "indicators": "低温放电容量保持率达到百分之九十二",
    "conditions": "现有两条涂布产线保密",
    "keywords": "电解液,低温电池",
    "contact_name": "保密联系人",
    "contact_phone": "13912345678",
    "contact_email": "secret@corp.cn",
}


@pytest.fixture
def secret_need():
    org = make_org("enterprise", name="隐秘新能源有限公司")
    owner = make_user("enterprise", org=org)
    return need(
        user=owner, title="低温锂电池电解液改进需求", summary="寻求低温性能更好的电解液方案",
        confidentiality="summary", industry="新能源", budget_wan=Decimal("371.25"), town="保密测试镇", **SECRET,
    )  # fmt: skip


def hidden_values():
    return list(SECRET.values()) + ["隐秘新能源有限公司", "371.25", "保密测试镇", "电解液,低温电池"]


@pytest.mark.parametrize("role", ["enterprise", "researcher", None])
def test_others_see_only_title_industry_and_summary(client, auth, secret_need, role):
    """Another enterprise, a researcher or a visitor: no hidden field or contact anywhere in the HTML."""
    if role:
        auth.login(role)
    for url in (f"/needs/{secret_need.id}", "/needs/", "/needs/?q=电解液", "/zones/"):
        body = client.get(url).get_data(as_text=True)
        for value in hidden_values():
            assert value not in body, (url, value)
    body = client.get(f"/needs/{secret_need.id}").get_data(as_text=True)
    assert "低温锂电池电解液改进需求" in body and "新能源" in body and "寻求低温性能更好的电解液方案" in body
    assert "仅公开摘要" in body


def test_hidden_text_is_not_searchable_by_others(client, secret_need):
    """Searching a word that occurs only in the hidden problem text does not reveal the need."""
    body = client.get("/needs/?q=六氟磷酸锂").get_data(as_text=True)
    assert "低温锂电池电解液改进需求" not in body


def test_filter_on_hidden_field_does_not_reveal(client, secret_need):
    body = client.get("/needs/?town=保密测试镇").get_data(as_text=True)
    assert "低温锂电池电解液改进需求" not in body
    assert "低温锂电池电解液改进需求" in client.get("/needs/?industry=新能源").get_data(as_text=True)


def test_broker_sees_everything_and_the_view_is_logged(client, auth, secret_need):
    broker = auth.login("broker")
    body = client.get(f"/needs/{secret_need.id}").get_data(as_text=True)
    for value in SECRET.values():
        if value != SECRET["keywords"]:
            assert value in body
    assert "隐秘新能源有限公司" in body
    log = db.session.scalar(db.select(AuditLog).filter_by(entity="tech_need", entity_id=secret_need.id, action="view"))
    assert log is not None and log.actor_id == broker.id


def test_owner_sees_everything(client, auth, secret_need):
    auth.login(secret_need.created_by)
    body = client.get(f"/needs/{secret_need.id}").get_data(as_text=True)
    assert SECRET["problem"] in body and SECRET["contact_phone"] in body


def test_public_need_hides_contacts_from_other_users(client, auth):
    """Contact details of any listing: staff and owner only."""
    n = need(contact_phone="13700001111", contact_name="公开需求联系人")
    auth.login("researcher")
    body = client.get(f"/needs/{n.id}").get_data(as_text=True)
    assert n.problem in body
    assert "13700001111" not in body and "公开需求联系人" not in body


def test_introduced_counterpart_sees_contacts(client, auth, secret_need):
    """An introduction opens a summary-only need (details and contacts) to the researcher of the pair."""
    from ..factories import make_result, make_suggestion

    researcher = auth.login("researcher")
    make_suggestion(need=secret_need, result=make_result(user=researcher), status="introduced")
    body = client.get(f"/needs/{secret_need.id}").get_data(as_text=True)
    assert SECRET["problem"] in body and SECRET["contact_phone"] in body
