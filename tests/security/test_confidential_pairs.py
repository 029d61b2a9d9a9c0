"""A 仅公开摘要 need's organisation, contacts and hidden text stay hidden from the researcher of a
pair until the broker introduces them (issue 13), on every page the researcher reaches."""

import pytest

from matchmaker.extensions import db

from ..factories import make_need, make_org, make_result, make_suggestion, make_user

ORG = "隐秘储能科技有限公司"
HIDDEN = ["钒液流储能电堆密封保密工艺", "隐秘联系人", "13900001234", "hidden@corp.cn", ORG]


@pytest.fixture
def pair():
    org = make_org("enterprise", name=ORG)
    owner = make_user("enterprise", org=org)
    need = make_need(
        user=owner, title="储能电池热管理需求", summary="寻求储能电池热管理方案", confidentiality="summary",
        problem="钒液流储能电堆密封保密工艺", contact_name="隐秘联系人", contact_phone="13900001234",
        contact_email="hidden@corp.cn",
    )  # fmt: skip
    researcher = make_user("researcher")
    result = make_result(user=researcher, title="储能热管理成果", abstract="储能电池热管理技术")
    # "钒液流" occurs only in the hidden problem text: it must not be shown as a reason either.
    s = make_suggestion(need=need, result=result, status="accepted", reasons=[["钒液流", 0.5], ["储能", 0.3]])
    return need, result, researcher, s


def _pages(result, s):
    return ["/broker/mine", f"/results/{result.id}", "/dashboard", "/notifications/"]


def test_researcher_sees_no_organisation_before_introduction(client, auth, pair):
    """Accepted, not introduced: title, industry and summary only; no organisation, contact or hidden word."""
    need, result, researcher, s = pair
    auth.login(researcher)
    seen_title = False
    for url in _pages(result, s):
        resp = client.get(url)
        assert resp.status_code == 200, url
        body = resp.get_data(as_text=True)
        for value in HIDDEN + ["钒液流"]:
            assert value not in body, (url, value)
        seen_title = seen_title or "储能电池热管理需求" in body
    assert seen_title
    # Where the organisation would be, the pair says when it shows (it read " · 平台自动匹配", a stray dot).
    s.status = "suggested"
    db.session.commit()
    body = client.get(f"/results/{result.id}").get_data(as_text=True)
    assert "单位名称在经纪人引荐后可见 · 平台自动匹配" in body


def test_researcher_sees_the_organisation_after_introduction(client, auth, pair):
    need, result, researcher, s = pair
    s.status = "introduced"
    db.session.commit()
    auth.login(researcher)
    assert ORG in client.get("/broker/mine").get_data(as_text=True)
    assert ORG in client.get(f"/needs/{need.id}").get_data(as_text=True)


def test_staff_and_owner_see_the_organisation(client, auth, pair):
    need, result, researcher, s = pair
    auth.login("broker")
    assert ORG in client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
