"""The second submit of a double-clicked edit save (one edit page posted twice with the same ``version``)
answers 302 both times on every form guarded by ``unless_stale``, whatever shape the typed values take
(\\r\\n line ends, trailing blanks, blank optional fields, whole and decimal amounts, 面议, full-width digits,
dates typed with slashes, times with seconds, unticked checkboxes, choices in another order); a second post
that really changes something is still refused with 409."""

from datetime import date, timedelta

import pytest

from matchmaker.extensions import db
from matchmaker.models import Event, LiveSession, Taxonomy, TrainingCourse, Visit, Zone
from matchmaker.utils import clock

from ..factories import make_org
from ..needs.helpers import NEED_FORM, need, result
from ..results.test_results import FORM as RESULT_FORM
from ..stale import version

CRLF_TEXT = "第一行说明  \r\n\r\n第二行：节拍 ≤ 2 秒/件\t\r\n  第三行缩进\r\n\r\n\r\n"


def _double(client, url, data, changed=None, record=None, version_of=None):
    """Load the edit page, post ``data`` twice with its version: 302 both times. Then, when ``changed`` is
    given, a third post from the same page that changes something: 409. On a failure the message carries the
    stored fingerprint before and after the first post (``version_of(record)``)."""
    page = client.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)[:1000]
    shown = version(page)
    assert shown, "the edit page carries no version"
    data = dict(data, version=shown)
    first = client.post(url, data=data)
    assert first.status_code == 302, (first.status_code, _errors(first.get_data(as_text=True)))
    after_first = None
    if record is not None:
        db.session.expire_all()
        after_first = version_of(db.session.get(type(record), record.id))
    second = client.post(url, data=data)
    body = second.get_data(as_text=True)
    assert second.status_code == 302, (
        f"second submit answered {second.status_code}: page showed {shown}, stored after first {after_first}, "
        f"stored now {version(body)}\n{_flashes(body)}"
    )
    if changed is not None:
        assert version(client.get(url)) != shown, "test set-up: the first post changed nothing stored"
        third = client.post(url, data=dict(data, **changed))
        assert third.status_code == 409 and "已被修改并保存" in third.get_data(as_text=True), third.status_code


def _errors(body):
    import re

    return re.findall(r'class="invalid-feedback[^"]*"[^>]*>(.*?)</', body, re.S) + [_flashes(body)]


def _flashes(body):
    import re

    return " | ".join(re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', body, re.S))[:1500]


def _zones(*names):
    zones = [Zone(name=n, active=True) for n in names]
    db.session.add_all(zones)
    db.session.commit()
    return zones


# Needs -----------------------------------------------------------------------------------------------------

NEED_CASES = {
    "crlf_text_decimal_budget_zones_reversed": dict(
        problem=CRLF_TEXT, indicators="指标一\r\n指标二  \r\n", conditions="", budget="80.5", contact_email=""
    ),
    "whole_budget": dict(budget="150"),
    "budget_with_two_zeros": dict(budget="150.00"),
    "thousands_budget": dict(budget="1,000"),
    "negotiable": dict(budget="面议"),
    "negotiable_other_word": dict(budget="面谈"),
    "budget_with_spaces": dict(budget="  80.50  "),
    "full_width_budget_confirmed": dict(budget="８０．５", budget_confirm="80.50 万元"),
    "valid_until_with_slashes": dict(valid_until=(clock.today() + timedelta(days=40)).strftime("%Y/%m/%d")),
    "valid_until_chinese": dict(
        valid_until="{0.year}年{0.month}月{0.day}日".format(clock.today() + timedelta(days=40))
    ),
    "valid_until_full_width_digits": dict(
        valid_until=(clock.today() + timedelta(days=40))
        .isoformat()
        .translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
        .replace("－", "-")
    ),
    "keywords_full_width_and_repeated": dict(keywords="机器视觉，缺陷检测、 机器视觉;注塑  "),
    "trailing_blanks_everywhere": dict(
        title="  注塑件表面缺陷在线视觉检测  ",
        summary=" 摘要 \r\n",
        contact_name=" 王工 ",
        contact_phone=" 13800001234 ",
    ),
    "contacts_blank": dict(contact_name="", contact_phone="", contact_email=""),
}


@pytest.mark.parametrize("case", list(NEED_CASES))
def test_need_edit_double_submit(client, auth, case):
    from matchmaker.listings.services import content_version

    user = auth.login("enterprise")
    z1, z2, z3 = _zones("智能家电专区", "新材料专区", "储能专区")
    n = need(user=user, title="原来的需求标题", budget_wan=None, budget_negotiable=False)
    data = dict(NEED_FORM, confirm_duplicate="1", zones=[str(z3.id), str(z1.id)], **NEED_CASES[case])
    _double(
        client,
        f"/needs/{n.id}/edit",
        data,
        changed={"title": "真的改了的需求标题"},
        record=n,
        version_of=content_version,
    )


# Results ---------------------------------------------------------------------------------------------------

RESULT_CASES = {
    "crlf_text_and_decimal_price": dict(detail=CRLF_TEXT, advantages="优势一\r\n优势二\r\n\r\n", price="12.3"),
    "negotiable_price": dict(price="面议"),
    "whole_price": dict(price="150"),
    "zero_price": dict(price="0"),  # a need's budget of 0 is refused (tests/needs/test_zero_budget.py)
    "thousands_price": dict(price="2,500.5"),
    "full_width_price_confirmed": dict(price="１５０", price_confirm="150.00 万元"),
    "optional_blank": dict(team="", ip_type="", patent_numbers="", town="", industry="", contact_email=""),
    "patents_spaced": dict(patent_numbers=" zl 2017 1 0601862.3 、ZL95115608.X "),
}


@pytest.mark.parametrize("case", list(RESULT_CASES))
def test_result_edit_double_submit(client, auth, case):
    from matchmaker.listings.services import content_version

    user = auth.login("researcher")
    z1, z2 = _zones("新材料专区", "储能专区")
    r = result(user=user, title="原来的成果标题")
    data = dict(RESULT_FORM, confirm_duplicate="1", zones=[str(z2.id), str(z1.id)], **RESULT_CASES[case])
    _double(
        client,
        f"/results/{r.id}/edit",
        data,
        changed={"title": "真的改了的成果标题"},
        record=r,
        version_of=content_version,
    )


def test_listing_keeps_a_closed_zone_and_double_submit_holds(client, auth):
    """A listing in a zone closed since (not offered on the form, kept on save)."""
    from matchmaker.listings.services import content_version

    user = auth.login("enterprise")
    open_zone, closed = _zones("开放专区", "已关闭专区")
    n = need(user=user, title="原来的需求标题")
    n.zones = [closed]
    closed.active = False
    db.session.commit()
    data = dict(NEED_FORM, confirm_duplicate="1", zones=[str(open_zone.id)])
    _double(
        client,
        f"/needs/{n.id}/edit",
        data,
        changed={"title": "真的改了的需求标题"},
        record=n,
        version_of=content_version,
    )


# Organisations ---------------------------------------------------------------------------------------------

ORG_CASES = {
    "crlf_description_unticked": dict(description=CRLF_TEXT, address="大学路 1 号  "),
    "blank_optional": dict(
        town="", industry="", address="", contact_name="", contact_phone="", contact_email="", description=""
    ),
    "verified_ticked": dict(verified="y", contact_phone="0755-12345678"),
    "name_with_blanks": dict(name="  南方理工大学  ", address="大学路 2 号"),
}


@pytest.mark.parametrize("case", list(ORG_CASES))
def test_organization_edit_double_submit(client, auth, case):
    from matchmaker.admin.services import organization_version

    org = make_org("university", name="南方理工大学")
    auth.login("admin")
    data = dict({"name": "南方理工大学", "kind": "university"}, **ORG_CASES[case])
    _double(
        client,
        f"/admin/organizations/{org.id}/edit",
        data,
        changed={"contact_name": "真的改了"},
        record=org,
        version_of=organization_version,
    )


def test_organization_renamed_to_the_other_bracket_width(client, auth):
    from matchmaker.admin.services import organization_version

    org = make_org("institute", name="南方理工大学（深圳）研究院")
    db.session.add(Taxonomy(kind="town", name="南山街道"))  # a town on the maintained list
    db.session.commit()
    auth.login("admin")
    data = {"name": "南方理工大学(深圳)研究院", "kind": "institute", "town": "南山街道"}
    _double(
        client,
        f"/admin/organizations/{org.id}/edit",
        data,
        changed={"contact_name": "真的改了"},
        record=org,
        version_of=organization_version,
    )


@pytest.mark.parametrize("uscc", ["lowercase", "spaced"])
def test_enterprise_edit_with_a_uscc_typed_loosely(client, auth, uscc):
    from matchmaker.admin.services import organization_version

    org = make_org("enterprise", name="固安锁业")
    auth.login("admin")
    typed = org.uscc.lower() if uscc == "lowercase" else " " + " ".join([org.uscc[:6], org.uscc[6:]]) + " "
    data = {"name": "固安锁业", "kind": "enterprise", "uscc": typed, "description": "锁具\r\n五金\r\n"}
    _double(
        client,
        f"/admin/organizations/{org.id}/edit",
        data,
        changed={"contact_name": "真的改了"},
        record=org,
        version_of=organization_version,
    )


# Zones -----------------------------------------------------------------------------------------------------

ZONE_CASES = {
    "crlf_description_unticked": dict(description=CRLF_TEXT),
    "dates_with_slashes": dict(starts_on="2026/12/01", ends_on="2027/06/30", active="y"),
    "dates_blank": dict(starts_on="", ends_on="", active="y", description=""),
    "dates_chinese": dict(starts_on="2026年12月1日", ends_on="2027年6月30日", active="y"),
    "name_with_blanks": dict(name=" 智能家电专区 ", active="y", description="新的介绍"),
    "dates_full_width_digits": dict(starts_on="２０２６-１２-０１", ends_on="２０２７年６月３０日", active="y"),
}


@pytest.mark.parametrize("case", list(ZONE_CASES))
def test_zone_edit_double_submit(client, auth, case):
    from matchmaker.zones.services import zone_version

    zone = Zone(name="智能家电专区", description="原来的介绍", active=True)
    db.session.add(zone)
    db.session.commit()
    auth.login("admin")
    data = dict({"name": "智能家电专区"}, **ZONE_CASES[case])
    _double(
        client,
        f"/zones/{zone.id}/edit",
        data,
        changed={"description": "真的改了"},
        record=zone,
        version_of=zone_version,
    )


# Visits ----------------------------------------------------------------------------------------------------

VISIT_CASES = {
    "crlf_experts_and_summary": dict(
        experts="李明，南方理工大学，教授\r\n\r\n 赵强 , 市先进制造研究院 \r\n\r\n", summary=CRLF_TEXT
    ),
    # 、 lists names (two experts of the university), and stays inside a title
    "experts_with_enumeration_comma": dict(experts="李明、王芳，南方理工大学，教授、博导\r\n赵强，市先进制造研究院，"),
    "no_experts_plain_visit": dict(kind="visit", experts="", hosts="", summary=""),
    "date_with_slashes": dict(visited_on="2020/07/15"),
    "trailing_blanks": dict(topic=" 锁具表面处理技术难题对接 ", people="经纪人张伟、科技局王芳  ", hosts="  "),
}


@pytest.mark.parametrize("case", list(VISIT_CASES))
def test_visit_edit_double_submit(client, auth, case):
    from matchmaker.visits import services

    from ..visits.test_visits import _visit_form

    ent = make_org("enterprise", name="固安锁业")
    make_org("university", name="南方理工大学")
    broker = auth.login("broker")
    visit = services.save_visit(Visit(), _visit_form(ent) | {"organization_id": ent.id, "visited_on": date(2020, 7, 14)},
                                broker)  # fmt: skip
    data = _visit_form(ent, **VISIT_CASES[case])
    _double(
        client,
        f"/visits/{visit.id}/edit",
        data,
        changed={"topic": "真的改了的主题"},
        record=visit,
        version_of=services.visit_version,
    )


def test_visit_edit_with_the_enterprise_named_with_other_brackets(client, auth):
    from matchmaker.visits import services

    from ..visits.test_visits import _visit_form

    ent = make_org("enterprise", name="华星（深圳）有限公司")
    broker = auth.login("broker")
    visit = services.save_visit(Visit(), _visit_form(ent) | {"organization_id": ent.id, "visited_on": date(2020, 7, 14)},
                                broker)  # fmt: skip
    data = _visit_form(ent, enterprise="华星(深圳)有限公司")
    _double(
        client,
        f"/visits/{visit.id}/edit",
        data,
        changed={"topic": "真的改了的主题"},
        record=visit,
        version_of=services.visit_version,
    )


# Broker events ---------------------------------------------------------------------------------------------

EVENT_CASES = {
    "crlf_description_no_zone": dict(description=CRLF_TEXT, zone_id=""),
    "time_with_seconds": dict(starts_at="2030-05-01T14:00:37"),
    "time_with_a_space": dict(starts_at="2030-05-01 14:00"),
    "time_with_microseconds": dict(starts_at="2030-05-01T14:00:05.123456"),
    "online_with_a_place_too": dict(mode="online", link=" https://meet.example.cn/r/1 ", place="  "),
    "in_a_zone": dict(zone_id="ZONE"),
    "blank_optional": dict(link="", description=""),
}


@pytest.mark.parametrize("case", list(EVENT_CASES))
def test_event_edit_double_submit(client, auth, case):
    from matchmaker.brokers.events import event_version

    broker = auth.login("broker")
    (zone,) = _zones("储能专区")
    event = Event(title="储能对接会", online=False, starts_at=clock.now_local().replace(microsecond=0) + timedelta(days=30),
                  place="高新区会议中心", created_by_id=broker.id, description="")  # fmt: skip
    db.session.add(event)
    db.session.commit()
    data = dict(
        {"title": "储能对接会", "mode": "offline", "starts_at": "2030-05-01T14:00", "place": "科技会堂 "},
        **EVENT_CASES[case],
    )
    if data.get("zone_id") == "ZONE":
        data["zone_id"] = str(zone.id)
    _double(
        client,
        f"/broker/events/{event.id}/edit",
        data,
        changed={"title": "真的改了的活动"},
        record=event,
        version_of=event_version,
    )


# Live class sessions ---------------------------------------------------------------------------------------


def _when(days=3, **kw):
    return (clock.now_local() + timedelta(days=days)).replace(second=0, microsecond=0, **kw)


CLASS_CASES = {
    "crlf_materials_unpublished": dict(
        materials="课件 https://files.example.cn/a.pdf\r\n\r\n讲义 https://files.example.cn/b.pdf  \r\n",
        description=CRLF_TEXT,
    ),
    "published_capacity": dict(published="y", capacity="30"),
    "capacity_blank_links_blank": dict(published="y", capacity="", live_link="", replay_link="", speaker_intro=""),
    "times_with_seconds": dict(published="y", starts_at="SECONDS", ends_at=""),
    "times_with_a_space": dict(published="y", starts_at="SPACE", ends_at="SPACE_END"),
    "in_an_event": dict(published="y", event_id="EVENT"),
}


@pytest.mark.parametrize("case", list(CLASS_CASES))
def test_live_session_edit_double_submit(client, auth, case):
    from matchmaker.classes import services

    broker = auth.login("broker")
    start = _when()
    s = services.save_session(LiveSession(), {"kind": "class", "title": "专利布局与技术转移实务", "starts_at": start,
                                              "speaker": "李明 教授", "capacity": None, "published": True}, broker)  # fmt: skip
    event = Event(
        title="储能对接会", online=False, starts_at=start, place="会堂", created_by_id=broker.id, description=""
    )
    db.session.add(event)
    db.session.commit()
    data = {"kind": "class", "title": "专利布局与技术转移实务（修订）", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "speaker": "李明 教授 ",
            "speaker_intro": "南方理工大学", "live_link": "https://live.example.cn/room/1", "capacity": "",
            "replay_link": "", "materials": "", "description": "", "event_id": ""}  # fmt: skip
    data.update(CLASS_CASES[case])
    if data["starts_at"] == "SECONDS":
        data["starts_at"] = start.strftime("%Y-%m-%dT%H:%M:42")
    elif data["starts_at"] == "SPACE":
        data["starts_at"], data["ends_at"] = (
            start.strftime("%Y-%m-%d %H:%M"),
            (start + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:59"),
        )
    if data["event_id"] == "EVENT":
        data["event_id"] = str(event.id)
    _double(
        client,
        f"/classes/{s.id}/edit",
        data,
        changed={"title": "真的改了的场次"},
        record=s,
        version_of=services.session_version,
    )


# Training courses ------------------------------------------------------------------------------------------

COURSE_CASES = {
    "modules_subset_other_order": dict(modules=["cases", "policy"]),
    "crlf_description_blanks": dict(description=CRLF_TEXT, place="", capacity="", starts_on="", ends_on=""),
    "dates_with_slashes": dict(starts_on="2026/09/01", ends_on="2026/09/30", year="2026"),
    "capacity_and_years": dict(capacity="40", certificate_years="5"),
    "capacity_with_spaces": dict(capacity=" 40 ", year=" 2026 "),
}


@pytest.mark.parametrize("case", list(COURSE_CASES))
def test_training_course_edit_double_submit(client, auth, case):
    from matchmaker.training import services

    from ..training.test_training import COURSE

    admin = auth.login("admin")
    course = services.save_course(TrainingCourse(), {"title": "技术经纪人培训班", "year": 2026, "status": "open",
                                                     "modules": ["policy", "theory"]}, admin)  # fmt: skip
    data = dict(COURSE, title="2026年技术经纪人培训班", year="2026", starts_on="2026-09-01", ends_on="2026-09-30")
    data.update(COURSE_CASES[case])
    _double(
        client,
        f"/training/{course.id}/edit",
        data,
        changed={"title": "真的改了的课程"},
        record=course,
        version_of=services.course_version,
    )


# Fast-channel settings -------------------------------------------------------------------------------------

URGENT_CASES = {
    "crlf_unsorted_repeated_holidays": dict(holidays="2026-10-02\r\n2026-10-01\r\n\r\n2026-10-01  \r\n", workdays=""),
    "workdays_and_holidays_slashes": dict(holidays="2026/10/01\r\n2026/10/02", workdays="2026-09-27\r\n"),
    "defaults_but_hours": dict(sla_hours="48", day_start="0", day_end="24", holidays="", workdays=""),
    "numbers_with_spaces": dict(sla_hours=" 8 ", day_start=" 9", day_end="18 "),
}


@pytest.mark.parametrize("stored", [False, True], ids=["first_save", "edit_of_stored"])
@pytest.mark.parametrize("case", list(URGENT_CASES))
def test_urgent_settings_double_submit(client, auth, case, stored):
    from matchmaker.urgent import services

    admin = auth.login("admin")
    if stored:
        services.save_setting({"sla_hours": 24, "day_start": 9, "day_end": 18, "holidays": "2026-05-01",
                               "workdays": ""}, admin)  # fmt: skip
    data = dict({"sla_hours": "8", "day_start": "9", "day_end": "18"}, **URGENT_CASES[case])
    _double(client, "/urgent/settings", data, changed={"sla_hours": "12"})
