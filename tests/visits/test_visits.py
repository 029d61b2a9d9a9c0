"""Visits and expert visits: recording (experts parsed and linked), needs collected with their source,
the enterprise's service history, the figures, and who may change what."""

from datetime import date, timedelta

from matchmaker.extensions import db
from matchmaker.models import Notification, Organization, TechNeed, Visit
from matchmaker.utils import clock
from matchmaker.visits import services

from ..factories import make_need, make_org, make_user

NEED = {
    "title": "五金锁具表面耐腐蚀处理", "summary": "锁体盐雾试验不达标", "problem": "锁体镀层盐雾试验 48 小时出现锈点",
    "indicators": "盐雾 96 小时无锈", "conditions": "有电镀线", "keywords": "耐腐蚀,电镀,锁具", "industry": "五金锁具",
    "field": "", "town": "", "coop_mode": "development", "budget": "30", "confidentiality": "public",
    "valid_until": (clock.today() + timedelta(days=90)).isoformat(), "contact_name": "", "contact_phone": "",
    "action": "publish",
}  # fmt: skip


def _visit_form(org, **kw):
    data = {"enterprise": org.name, "kind": "expert", "visited_on": "2020-07-15",
            "topic": "锁具表面处理技术难题对接", "people": "经纪人张伟、科技局王芳", "hosts": "技术部李总",
            "experts": "李明，南方理工大学，教授\n赵强，市先进制造研究院", "summary": "企业提出两项技术难题"}  # fmt: skip
    data.update(kw)
    return data


def test_broker_records_an_expert_visit_and_collects_a_need(client, auth):
    """The visit, its experts (linked to the university on the platform) and a collected need, matched."""
    ent = make_org("enterprise", name="固安锁业")
    boss = make_user("enterprise", org=ent)
    uni = make_org("university", name="南方理工大学")
    broker = auth.login("broker")
    resp = client.post("/visits/new", data=_visit_form(ent))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    visit = db.session.scalar(db.select(Visit))
    assert visit.recorded_by_id == broker.id and visit.kind == "expert"
    assert [(e.name, e.institution, e.title, e.organization_id) for e in visit.experts] == [
        ("李明", "南方理工大学", "教授", uni.id), ("赵强", "市先进制造研究院", None, None)]  # fmt: skip
    resp = client.post(f"/visits/{visit.id}/needs/new", data=NEED)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    need = db.session.scalar(db.select(TechNeed))
    assert need.source == "visit" and need.status == "published" and need.organization_id == ent.id
    assert need.created_by_id == boss.id and visit.needs == [need]
    assert db.session.scalar(db.select(Notification).filter_by(user_id=boss.id, kind="visit"))
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "五金锁具表面耐腐蚀处理" in page and "李明（南方理工大学，教授）" in page
    history = client.get(f"/visits/enterprises/{ent.id}").get_data(as_text=True)
    assert "专家进企业：锁具表面处理技术难题对接" in history and "走访收集" in history


def test_bad_visit_input_is_explained_and_kept(client, auth):
    """An expert visit without experts, a malformed expert line, a future date: Chinese errors, text kept."""
    ent = make_org("enterprise")
    auth.login("broker")
    future = (clock.today() + timedelta(days=3)).isoformat()
    resp = client.post("/visits/new", data=_visit_form(ent, experts="", visited_on=future, topic="保留的主题"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "专家进企业须登记至少一位随行专家" in page and "走访日期不能晚于今天" in page and "保留的主题" in page
    resp = client.post("/visits/new", data=_visit_form(ent, visited_on="0001-01-01", topic="远古的走访"))
    assert resp.status_code == 400 and "走访日期不能早于 2000 年" in resp.get_data(as_text=True)
    resp = client.post("/visits/new", data=_visit_form(ent, experts="李明南方理工大学"))
    assert resp.status_code == 400 and "第 1 行应为" in resp.get_data(as_text=True)
    resp = client.post("/visits/new", data=_visit_form(ent, enterprise="不存在的企业"))
    assert resp.status_code == 400 and "没有名为“不存在的企业”的企业" in resp.get_data(as_text=True)
    university = make_org("university", name="南方理工大学")
    resp = client.post("/visits/new", data=_visit_form(university))  # a university is not visited as an enterprise
    assert resp.status_code == 400 and "“南方理工大学”是高校，不是企业" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Visit.id))) == 0


def test_only_the_recorder_or_an_admin_edits(client, auth):
    """Another broker reads the visit but cannot edit it or add needs to it."""
    ent = make_org("enterprise")
    owner = make_user("broker")
    data = services.parse_experts("")  # noqa: F841 - an empty list is fine for plain visits
    visit = services.save_visit(Visit(), {"organization_id": ent.id, "kind": "visit", "visited_on": date(2020, 5, 1),
                                          "topic": "走访了解需求", "people": "经纪人"}, owner)  # fmt: skip
    auth.login("broker")
    assert client.get(f"/visits/{visit.id}").status_code == 200
    assert client.get(f"/visits/{visit.id}/edit").status_code == 403
    assert client.post(f"/visits/{visit.id}/edit", data=_visit_form(ent, topic="篡改")).status_code == 403
    assert client.post(f"/visits/{visit.id}/needs/new", data=NEED).status_code == 403
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).topic == "走访了解需求"


def test_enterprise_sees_its_own_service_history_only(client, auth):
    """/visits/mine shows my organisation's services; the staff pages are closed to enterprises."""
    ent = make_org("enterprise")
    services.save_visit(Visit(), {"organization_id": ent.id, "kind": "reception", "visited_on": date(2020, 5, 1),
                                  "topic": "企业来访交流", "people": "经纪人"}, make_user("broker"))  # fmt: skip
    make_need(org=ent, title="本企业自己发布的需求")
    auth.login(make_user("enterprise", org=ent))
    page = client.get("/visits/mine").get_data(as_text=True)
    assert "企业来访：企业来访交流" in page and "本企业自己发布的需求" in page
    assert client.get(f"/visits/enterprises/{ent.id}").status_code == 403
    auth.logout()
    auth.login("enterprise")
    assert "企业来访交流" not in client.get("/visits/mine").get_data(as_text=True)


def test_enterprise_history_shows_its_visits_without_links_to_staff_pages(client, auth):
    """On 我的服务记录 a visit is text: its page is for brokers and admins, the link answered the enterprise 403;
    the broker's view of the same history still links to the visit."""
    ent = make_org("enterprise")
    visit = Visit()
    services.save_visit(visit, {"organization_id": ent.id, "kind": "reception", "visited_on": date(2020, 5, 1),
                                "topic": "企业来访交流", "people": "经纪人"}, make_user("broker"))  # fmt: skip
    need = make_need(org=ent, title="本企业自己发布的需求")
    auth.login(make_user("enterprise", org=ent))
    page = client.get("/visits/mine").get_data(as_text=True)
    assert "企业来访：企业来访交流" in page
    assert f'href="/visits/{visit.id}"' not in page
    assert f'href="/needs/{need.id}"' in page  # the enterprise's own need still opens
    assert client.get(f"/visits/{visit.id}").status_code == 403
    auth.logout()
    auth.login("broker")
    assert f'href="/visits/{visit.id}"' in client.get(f"/visits/enterprises/{ent.id}").get_data(as_text=True)


def test_counts_match_rows(app):
    """Visits, enterprises visited or received, expert visits and their enterprises, needs collected."""
    broker = make_user("broker")
    a, b = make_org("enterprise"), make_org("enterprise")
    for org, kind, day, experts in ((a, "visit", date(2020, 3, 1), ""), (a, "reception", date(2020, 4, 1), ""),
                                    (b, "expert", date(2020, 5, 1), "李明，南方理工大学"),
                                    (b, "visit", date(2019, 5, 1), "")):  # fmt: skip
        v = services.save_visit(Visit(), {"organization_id": org.id, "kind": kind, "visited_on": day,
                                          "topic": "走访", "people": "经纪人", "experts": experts}, broker)  # fmt: skip
    services.collect_need(v, dict(NEED, budget=(None, True), valid_until=clock.today() + timedelta(days=30)),
                          broker, publish=False)  # fmt: skip
    c = services.counts(date(2020, 1, 1), date(2020, 12, 31))
    assert c == {"visits": 3, "enterprises": 2, "key_enterprises": 1, "expert_visits": 1, "expert_enterprises": 1,
                 "needs_collected": 0}  # fmt: skip
    assert services.counts(date(2019, 1, 1), date(2019, 12, 31))["needs_collected"] == 1


def test_odd_enterprise_id_in_the_new_visit_link_shows_the_empty_form(client, auth):
    """/visits/new?org=² (a superscript digit) or a huge id: the form with no enterprise chosen, not an error."""
    make_org("enterprise", name="甲企业")
    auth.login("broker")
    for raw in ("²", "99999999999999999999"):
        resp = client.get(f"/visits/new?org={raw}")
        assert resp.status_code == 200 and "甲企业" not in resp.get_data(as_text=True)
    resp = client.get(f"/visits/new?org={db.session.scalar(db.select(Organization.id).filter_by(name='甲企业'))}")
    assert 'value="甲企业"' in resp.get_data(as_text=True)


def test_a_visit_with_collected_needs_keeps_its_enterprise(client, auth):
    """Editing a visit that collected a need to another enterprise is refused in Chinese under 企业, typed text
    kept; before, the visit moved and showed (and counted) the first enterprise's need for the second."""
    ent, other = make_org("enterprise", name="固安锁业"), make_org("enterprise", name="另一家企业")
    make_user("enterprise", org=ent)
    auth.login("broker")
    client.post("/visits/new", data=_visit_form(ent))
    visit = db.session.scalar(db.select(Visit))
    assert client.post(f"/visits/{visit.id}/needs/new", data=NEED).status_code == 302
    resp = client.post(f"/visits/{visit.id}/edit", data=_visit_form(other, topic="改到另一家企业"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "不能更换被走访企业" in page and "改到另一家企业" in page
    # Under 企业, the field it is about (it was under 主题, which was then marked invalid and focused).
    assert 'id="enterprise-error"><div>该走访已登记征集需求，不能更换被走访企业' in page
    assert 'id="topic-error"' not in page and 'aria-describedby="enterprise-help enterprise-error"' in page
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).organization_id == ent.id
    assert "锁具表面处理" not in client.get(f"/visits/enterprises/{other.id}").get_data(as_text=True)
    resp = client.post(f"/visits/{visit.id}/edit", data=_visit_form(ent, topic="同一企业改主题"))
    assert resp.status_code == 302


def test_a_save_from_a_stale_edit_page_does_not_overwrite_the_other(client, auth):
    """Two edit pages of one visit opened at the same time (two tabs, or the recorder and an admin): the later save silently
    put back what the earlier one had changed (the corrected date and summary); now it is refused with what
    was typed kept, and saving again from the warned page goes through."""
    from ..stale import differences, second_tab_refused

    ent = make_org("enterprise")
    broker = auth.login("broker")
    visit = services.save_visit(Visit(), _visit_form(ent) | {"organization_id": ent.id, "visited_on": date(2020, 7, 15)},
                                broker)  # fmt: skip
    url = f"/visits/{visit.id}/edit"
    fixed = _visit_form(ent, visited_on="2020-07-16", summary="纪要已按企业意见更正")
    mine = _visit_form(ent, topic="第二个标签页改的主题")
    again, page = second_tab_refused(client, url, fixed, mine, "第二个标签页改的主题")
    # The page lists what the other save changed and what this page changed, with both values; nothing else.
    assert differences(page) == {
        "日期": ("2020-07-16", "2020-07-15"), "主题": ("锁具表面处理技术难题对接", "第二个标签页改的主题"),
        "走访纪要": ("纪要已按企业意见更正", "企业提出两项技术难题"),
    }  # fmt: skip
    db.session.expire_all()
    stored = db.session.get(Visit, visit.id)
    assert (stored.visited_on, stored.summary, stored.topic) == (date(2020, 7, 16), "纪要已按企业意见更正", visit.topic)
    assert client.post(url, data=dict(mine, version=again)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).topic == "第二个标签页改的主题"


def test_an_expert_from_an_organisation_typed_with_other_brackets_is_linked(client, auth):
    """An expert line naming 南方理工大学(深圳)研究院 links the platform's 南方理工大学（深圳）研究院, as its 单位 field would
    find it; it was kept as free text with no link, so the institute's visits did not count it."""
    ent = make_org("enterprise", name="固安锁业")
    inst = make_org("institute", name="南方理工大学（深圳）研究院")
    make_org("enterprise", name="某企业（深圳）有限公司")  # an enterprise is no expert's organisation
    auth.login("broker")
    experts = "李明，南方理工大学(深圳)研究院，教授\n赵强，某企业(深圳)有限公司"
    assert client.post("/visits/new", data=_visit_form(ent, experts=experts)).status_code == 302
    visit = db.session.scalar(db.select(Visit))
    assert [(e.institution, e.organization_id) for e in visit.experts] == [
        ("南方理工大学(深圳)研究院", inst.id), ("某企业(深圳)有限公司", None)]  # fmt: skip


def test_the_second_submit_of_a_double_clicked_visit_save_is_not_a_conflict(client, auth):
    """Both submits of one edit page (a double click without JavaScript): the second is the first's save, not
    another broker's change (it answered 409)."""
    from ..stale import version

    ent = make_org("enterprise")
    broker = auth.login("broker")
    visit = services.save_visit(Visit(), _visit_form(ent) | {"organization_id": ent.id, "visited_on": date(2020, 7, 15)},
                                broker)  # fmt: skip
    url = f"/visits/{visit.id}/edit"
    data = _visit_form(ent, summary="纪要已按企业意见更正", version=version(client.get(url)))
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data=dict(data, summary="另一份纪要")).status_code == 409
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).summary == "纪要已按企业意见更正"


def test_experts_listed_with_dunhao_are_experts_of_one_organisation(client, auth):
    """李明、王芳，南方理工大学，教授 is two professors of 南方理工大学 (、 lists names, commas separate fields): 、 was a
    field separator, so 王芳 was saved as the 单位 and 南方理工大学 as the 职称. The page, the edit form and the
    enterprise's history show two experts of the university."""
    ent = make_org("enterprise", name="固安锁业")
    uni = make_org("university", name="南方理工大学")
    auth.login("broker")
    experts = "李明、王芳，南方理工大学，教授\n赵强､陈静、，市先进制造研究院"
    resp = client.post("/visits/new", data=_visit_form(ent, experts=experts))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    visit = db.session.scalar(db.select(Visit))
    assert [(e.name, e.institution, e.title, e.organization_id) for e in visit.experts] == [
        ("李明", "南方理工大学", "教授", uni.id), ("王芳", "南方理工大学", "教授", uni.id),
        ("赵强", "市先进制造研究院", None, None), ("陈静", "市先进制造研究院", None, None)]  # fmt: skip
    page = client.get(f"/visits/{visit.id}").get_data(as_text=True)
    assert "李明（南方理工大学，教授）；王芳（南方理工大学，教授）" in page
    edit = client.get(f"/visits/{visit.id}/edit").get_data(as_text=True)
    assert "李明，南方理工大学，教授\n王芳，南方理工大学，教授" in edit
    assert "（专家 4 位）" in client.get(f"/visits/enterprises/{ent.id}").get_data(as_text=True)


def test_a_line_of_dunhao_only_is_refused_with_what_dunhao_is_for(client, auth):
    """李明、南方理工大学、教授 (、 between the fields) is no expert line: the error says 、 lists names only."""
    ent = make_org("enterprise")
    auth.login("broker")
    resp = client.post("/visits/new", data=_visit_form(ent, experts="李明、南方理工大学、教授"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "第 1 行应为" in page and "顿号只用于分隔同一单位的多位专家姓名" in page
    assert "李明、南方理工大学、教授" in page
    assert db.session.scalar(db.select(db.func.count(Visit.id))) == 0
