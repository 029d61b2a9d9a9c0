"""我的工作台's 待办: each role sees how many things wait for it, and each count opens the list that shows
exactly those things."""

import re
from datetime import datetime, timedelta

from matchmaker.extensions import db
from matchmaker.models import ContractSignature
from matchmaker.urgent import services as urgent
from matchmaker.utils import clock

from ..factories import (
    make_contract,
    make_need,
    make_org,
    make_result,
    make_signing_document,
    make_suggestion,
    make_user,
)

TODO = re.compile(r'data-todo="(\w+)" href="([^"]+)">[^<]*<strong class="ms-1">(\d+)</strong>')


def todos(client):
    """{key: (count, link)} of the dashboard's 待办 as shown."""
    page = client.get("/dashboard").get_data(as_text=True)
    return {k: (int(n), href.replace("&amp;", "&")) for k, href, n in TODO.findall(page)}


def _signed(doc, party, user):
    db.session.add(ContractSignature(document_id=doc.id, party=party, user_id=user.id, certificate_fingerprint="0" * 64,
                                     signed_hash="0" * 64, size_after=1))  # fmt: skip
    db.session.commit()


def test_enterprise_sees_what_waits_for_it_and_each_count_opens_those_items(client, auth):
    org = make_org(name="待办测试企业")
    ent = make_user("enterprise", org=org)
    other = make_org(name="别家企业")
    today = clock.today()
    mine = make_need(org=org, user=ent, title="本单位需求一")
    for status, answer in (
        ("introduced", None),
        ("negotiating", None),
        ("introduced", "interested"),
        ("accepted", None),
    ):
        make_suggestion(need=mine, status=status, need_response=answer)
    make_suggestion(need=make_need(org=other), status="introduced")  # another organisation's pair
    make_need(org=org, user=ent, title="三天后到期", valid_until=today + timedelta(days=3))
    make_need(org=org, user=ent, title="一月后到期", valid_until=today + timedelta(days=30))
    make_need(org=org, user=ent, status="draft", title="草稿一")
    make_need(org=org, user=ent, status="expired", title="已过期一", valid_until=today - timedelta(days=1))
    seller = make_user("researcher")
    waiting = make_signing_document(make_contract(buyer=org), ent, seller)
    done_by_me = make_signing_document(make_contract(buyer=org), ent, seller)
    _signed(done_by_me, "buyer", ent)
    make_signing_document(make_contract(buyer=org), ent, seller, status="withdrawn")
    auth.login(ent)

    shown = todos(client)
    assert {k: n for k, (n, _) in shown.items()} == {"reply": 3, "sign": 1, "expiring": 1, "expired": 1, "draft": 1}
    page = client.get(shown["reply"][1]).get_data(as_text=True)
    assert 'data-count="awaiting">3<' in page and "共 3 条" in page
    page = client.get(shown["sign"][1]).get_data(as_text=True)
    assert (
        f"/contracts/{waiting.contract_id}/signing" in page
        and f"/contracts/{done_by_me.contract_id}/signing" not in page
    )
    page = client.get(shown["expiring"][1]).get_data(as_text=True)
    assert "三天后到期" in page and "一月后到期" not in page and "本单位需求一" not in page
    assert "草稿一" in client.get(shown["draft"][1]).get_data(as_text=True)
    assert "已过期一" in client.get(shown["expired"][1]).get_data(as_text=True)
    # The full lists are still there, with the filter's tab beside them.
    page = client.get("/broker/mine").get_data(as_text=True)
    assert "共 4 条" in page and "待我回复意向" in page
    assert f"/contracts/{done_by_me.contract_id}/signing" in client.get("/contracts/signing/mine").get_data(
        as_text=True
    )


def test_answering_a_pair_takes_it_off_the_list(client, auth):
    org = make_org()
    ent = make_user("enterprise", org=org)
    s = make_suggestion(need=make_need(org=org, user=ent), status="introduced")
    auth.login(ent)
    assert todos(client)["reply"][0] == 1
    resp = client.post(f"/broker/suggestions/{s.id}/respond", data={"response": "interested", "expected": ""})
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
    assert "reply" not in todos(client)
    assert "没有待您回复意向的对接" in client.get("/broker/mine?awaiting=1").get_data(as_text=True)


def test_researcher_counts_pairs_on_the_result_side(client, auth):
    res = make_user("researcher")
    result = make_result(user=res)
    make_suggestion(result=result, status="introduced")
    make_suggestion(result=result, status="introduced", result_response="declined", result_response_reason="other")
    make_suggestion(result=result, status="introduced", need_response="interested")  # the need's answer, not mine
    auth.login(res)
    shown = todos(client)
    assert shown["reply"][0] == 2 and set(shown) == {"reply"}


def test_broker_counts_agree_with_the_queue_and_the_fast_channel(client, auth):
    broker = make_user("broker")
    other = make_user("broker")
    for _ in range(3):
        make_suggestion()
    make_suggestion(broker=broker)
    make_suggestion(broker=other)  # another broker's pending pair: not in my queue
    long_ago = datetime.now() - timedelta(days=40)
    make_suggestion(broker=broker, status="introduced", last_activity_at=long_ago)
    make_suggestion(broker=broker, status="introduced")
    ent = make_user("enterprise")
    urgent.mark_existing(
        make_need(org=ent.organization, user=ent), ent, "epidemic", "疫情防控物资急需", now=datetime.now()
    )
    urgent.mark_existing(make_need(org=ent.organization, user=ent), ent, "epidemic", "疫情防控物资急需",
                         now=datetime.now() - timedelta(days=30))  # fmt: skip
    auth.login(broker)

    shown = todos(client)
    assert {k: n for k, (n, _) in shown.items()} == {"queue": 4, "stale": 1, "urgent": 2, "overdue": 1}
    assert "共 4 条" in client.get(shown["queue"][1]).get_data(as_text=True)
    assert "共 1 条" in client.get(shown["stale"][1]).get_data(as_text=True)
    assert "共 2 条" in client.get(shown["urgent"][1]).get_data(as_text=True)
    assert "共 1 条" in client.get(shown["overdue"][1]).get_data(as_text=True)


def test_admin_sees_membership_requests_and_every_pending_pair(client, auth):
    org = make_org(name="申请加入的单位")
    asking = make_user("enterprise", requested_organization=org, name="待核实用户")
    asking.organization = None
    db.session.commit()
    make_suggestion(broker=make_user("broker"))
    make_suggestion()
    auth.login("admin")
    shown = todos(client)
    assert shown["members"][0] == 1 and shown["queue"][0] == 2
    assert "待核实用户" in client.get(shown["members"][1]).get_data(as_text=True)


def test_nothing_waiting_says_so(client, auth):
    auth.login("researcher")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "暂无待办事项" in page and "data-todo" not in page
