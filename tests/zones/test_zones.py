"""Zones: admin creates them, listings are tagged, each zone has a page."""

import pytest

from matchmaker.extensions import db
from matchmaker.models import Zone

from ..needs.helpers import NEED_FORM, need, result


def make_zone(name="智能家电专区", active=True):
    z = Zone(name=name, description="家电企业的技术需求与成果", active=active)
    db.session.add(z)
    db.session.commit()
    return z


def test_admin_creates_a_zone(client, auth):
    auth.login("admin")
    data = {"name": "疫情防控专区", "description": "防疫物资与检测技术", "starts_on": "2025-01-01",
            "ends_on": "2026-12-31", "active": "y"}  # fmt: skip
    assert client.post("/zones/manage", data=data).status_code == 302
    z = db.session.scalar(db.select(Zone))
    assert z.name == "疫情防控专区" and z.active
    assert "疫情防控专区" in client.get("/zones/").get_data(as_text=True)


def test_zone_dates_and_name_checked(client, auth):
    make_zone("重复的专区")
    auth.login("admin")
    body = client.post("/zones/manage", data={"name": "重复的专区"}).get_data(as_text=True)
    assert "已有同名专区" in body
    body = client.post(
        "/zones/manage", data={"name": "新专区名", "starts_on": "2026-05-01", "ends_on": "2026-01-01"}
    ).get_data(as_text=True)
    assert "结束日期不能早于开始日期" in body
    assert db.session.scalar(db.select(db.func.count(Zone.id))) == 1


def test_only_admin_manages_zones(client, auth):
    auth.login("broker")
    assert client.post("/zones/manage", data={"name": "经纪人建的专区"}).status_code == 403


def test_zone_page_lists_its_live_needs_and_results(client, auth):
    z = make_zone()
    n = need(title="专区里的技术需求")
    n.zones = [z]
    r = result(title="专区里的科技成果")
    r.zones = [z]
    other = need(title="专区外的技术需求")
    gone = need(title="专区里已关闭的需求", status="closed")
    gone.zones = [z]
    db.session.commit()
    body = client.get(f"/zones/{z.id}").get_data(as_text=True)
    assert n.title in body and other.title not in body and gone.title not in body
    assert r.title in client.get(f"/zones/{z.id}?tab=results").get_data(as_text=True)
    assert n.title in client.get(f"/needs/?zone={z.id}").get_data(as_text=True)


def test_enterprise_tags_a_need_into_a_zone(client, auth):
    z = make_zone()
    auth.login("enterprise")
    client.post("/needs/new", data=dict(NEED_FORM, zones=[str(z.id)]))
    assert z.needs.count() == 1


def test_inactive_zone_hidden(client):
    z = make_zone("停用的专区", active=False)
    assert client.get(f"/zones/{z.id}").status_code == 404
    assert "停用的专区" not in client.get("/zones/").get_data(as_text=True)


def test_taxonomy_admin(client, auth):
    """Admins add and deactivate list entries; inactive ones leave the need form's choices."""
    from matchmaker.models import Taxonomy

    auth.login("admin")
    client.post("/admin/taxonomy", data={"kind": "industry", "name": "低空经济"})
    t = db.session.scalar(db.select(Taxonomy).filter_by(name="低空经济"))
    assert t and t.kind == "industry" and t.active
    body = client.post(
        "/admin/taxonomy", data={"kind": "industry", "name": "低空经济"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已存在" in body
    client.post(f"/admin/taxonomy/{t.id}/active", data={"active": "0"})
    auth.logout()
    auth.login("enterprise")
    assert 'value="低空经济"' not in client.get("/needs/new").get_data(as_text=True)


def test_a_summary_only_needs_zone_is_not_shown_to_others(client, auth):
    """Its page and the list's zone filter hide a summary-only need's zones: the zone's page leaves it
    out for visitors and other enterprises, and lists it for staff and its own enterprise."""
    z = make_zone()
    n = need(title="保密的专区内需求标题", confidentiality="summary")
    n.zones = [z]
    db.session.commit()
    assert "保密的专区内需求标题" not in client.get(f"/zones/{z.id}").get_data(as_text=True)
    auth.login("enterprise")
    assert "保密的专区内需求标题" not in client.get(f"/zones/{z.id}").get_data(as_text=True)
    auth.logout()
    auth.login(n.created_by)
    assert "保密的专区内需求标题" in client.get(f"/zones/{z.id}").get_data(as_text=True)
    auth.logout()
    auth.login("broker")
    assert "保密的专区内需求标题" in client.get(f"/zones/{z.id}").get_data(as_text=True)


def test_a_zones_counts_leave_out_the_summary_only_needs_it_hides(client, auth, api):
    """The zone's page, the zone list and the API counted a summary-only need the page hides (技术需求（1）
    beside 该专区暂无技术需求, telling of the hidden need): each counts what its viewer is shown."""
    from ..api.conftest import token_for

    z = make_zone()
    n = need(title="保密的专区内需求标题", confidentiality="summary")
    n.zones = [z]
    db.session.commit()
    assert "技术需求（0）" in client.get(f"/zones/{z.id}").get_data(as_text=True)
    assert "技术需求 <strong>0</strong> 项" in client.get("/zones/").get_data(as_text=True)
    assert api.get(f"/api/v1/zones/{z.id}", token_for("researcher")).get_json()["needs"] == 0
    assert api.get("/api/v1/zones", token_for("enterprise")).get_json()[0]["needs"] == 0
    assert api.get(f"/api/v1/zones/{z.id}", token_for(n.created_by)).get_json()["needs"] == 1
    auth.login(n.created_by)
    assert "技术需求（1）" in client.get(f"/zones/{z.id}").get_data(as_text=True)
    assert "技术需求 <strong>1</strong> 项" in client.get("/zones/").get_data(as_text=True)
    auth.logout()
    auth.login("broker")
    assert "技术需求（1）" in client.get(f"/zones/{z.id}").get_data(as_text=True)


def test_a_zone_name_is_measured_as_saved_and_look_alikes_are_one_zone(client, auth):
    """ " 甲 " passed the 2–50 rule and was saved as 甲; AI专区, ai专区, ＡＩ专区 and AI 专区 were four zones."""
    auth.login("admin")
    padded = client.post("/zones/manage", data={"name": " 甲 ", "active": "y"})
    assert padded.status_code == 400 and "专区名称长度应为 2–50 个字符" in padded.get_data(as_text=True)
    assert client.post("/zones/manage", data={"name": "AI专区", "active": "y"}).status_code == 302
    for look_alike in ("ai专区", "ＡＩ专区", "AI 专区", " Ai专区 "):
        resp = client.post("/zones/manage", data={"name": look_alike, "active": "y"})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 400 and "已有同名专区" in body, look_alike
        assert look_alike == "ＡＩ专区" or "已有同名专区“AI专区”" in body  # full-width letters are cleaned to AI专区
    assert db.session.scalar(db.select(db.func.count(Zone.id))) == 1
    z = db.session.scalar(db.select(Zone))
    renamed = client.post(f"/zones/{z.id}/edit", data={"name": "ai专区", "active": "y"})
    assert renamed.status_code == 302 and db.session.get(Zone, z.id).name == "ai专区"  # its own name, recased


def test_zone_dates_are_bounded(client, auth):
    auth.login("admin")
    for starts, ends, message in (("0001-01-01", "", "开始日期不能早于 2000 年"),
                                  ("2025-01-01", "9999-12-31", "结束日期不能晚于")):  # fmt: skip
        resp = client.post("/zones/manage", data={"name": "边界专区", "starts_on": starts, "ends_on": ends})
        body = resp.get_data(as_text=True)
        assert resp.status_code == 400 and message in body and 'value="边界专区"' in body
    assert db.session.scalar(db.select(db.func.count(Zone.id))) == 0


def test_a_repeated_zone_create_is_the_first_zone(client, auth):
    """A double click without JavaScript sent the create twice: the second answered 400 已有同名专区."""
    auth.login("admin")
    data = {"name": "低空经济专区", "active": "y", "submission_key": "z" * 24}
    assert client.post("/zones/manage", data=data).status_code == 302
    again = client.post("/zones/manage", data=data)
    assert again.status_code == 303 and again.headers["Location"].endswith("/zones/manage")
    assert "已创建专区“低空经济专区”" in client.get("/zones/manage").get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Zone.id))) == 1


def test_a_refused_list_entry_keeps_what_was_typed(client, auth):
    """A refused /admin/taxonomy entry was flashed and redirected: the typed name and the chosen list were
    gone. It is shown again, with the error beside the field."""
    from matchmaker.models import Taxonomy

    auth.login("admin")
    assert client.post("/admin/taxonomy", data={"kind": "town", "name": "松山湖"}).status_code == 302
    resp = client.post("/admin/taxonomy", data={"kind": "town", "name": "松山湖"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "镇街“松山湖”已存在" in body
    assert 'value="松山湖" aria-invalid="true"' in body and '<option value="town" selected>' in body
    too_long = "长" * 60
    resp = client.post("/admin/taxonomy", data={"kind": "field", "name": too_long})
    assert resp.status_code == 400 and f'value="{too_long}"' in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Taxonomy.id)).filter_by(name="松山湖")) == 1


def test_a_listings_zones_are_named_in_the_zones_own_order(client, auth, api):
    """A need or result tagged into several zones names them on its page and in the API in the order of the zone
    list (the order they were made), whatever order the tags were saved in: read with no order, PostgreSQL gave
    the order it found the rows in (an edited zone last), so the same need named its zones in another order."""
    import re

    from ..api.conftest import token_for

    zones = [make_zone(name) for name in ("甲专区", "乙专区", "丙专区")]
    zones[0].description = "介绍改过"  # an edited zone: PostgreSQL writes its row anew, after the others
    db.session.commit()
    n, r = need(title="跨专区的技术需求"), result(title="跨专区的科技成果")
    for listing in (n, r):
        for z in (zones[2], zones[0], zones[1]):  # tagged out of order, one tag row at a time
            listing.zones.append(z)
            db.session.commit()
    names = [z.name for z in zones]
    for kind, listing in (("needs", n), ("results", r)):
        db.session.expire_all()
        page = client.get(f"/{kind}/{listing.id}").get_data(as_text=True)
        assert re.findall(r'<a href="/zones/\d+">(.专区)</a>', page) == names, kind
        got = api.get(f"/api/v1/{kind}/{listing.id}", token_for("broker")).get_json()
        assert [z["name"] for z in got["zones"]] == names, kind


def test_a_zone_filter_that_names_no_zone_is_told(client, auth):
    """?zone=abc or ?zone=-5 names no zone: the list says the filter was ignored instead of passing the unfiltered
    list off as the zone's."""
    need(title="未归专区的需求")
    auth.login("enterprise")
    for bad in ("abc", "-5", "0", "１"):
        body = client.get(f"/needs/?zone={bad}").get_data(as_text=True)
        assert "专区参数无效，已忽略" in body and "未归专区的需求" in body, bad
    assert "专区参数无效" not in client.get("/needs/?zone=").get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "kind"),
    [("智能 家电", "industry"), ("智能\u3000家电", "industry"), (" 智能家电\u3000", None), ("ＡＩ芯片", "field"),
     ("ai 芯片", "field")],
)  # fmt: skip
def test_a_lookalike_list_entry_is_refused_naming_the_existing_one(client, auth, typed, kind):
    """An entry equal to one on the list but for spaces (inner, full-width, leading or trailing), full-width letters
    or case is refused with the existing entry named, the typed name kept and nothing stored; a new word is added."""
    from matchmaker.models import Taxonomy

    auth.login("admin")
    for k, name in (("industry", "智能家电"), ("field", "AI芯片")):
        client.post("/admin/taxonomy", data={"kind": k, "name": name})
    kind = kind or "industry"
    count = db.select(db.func.count(Taxonomy.id)).filter_by(kind=kind)
    before = db.session.scalar(count)
    resp = client.post("/admin/taxonomy", data={"kind": kind, "name": typed})
    body = resp.get_data(as_text=True)
    existing = "智能家电" if kind == "industry" else "AI芯片"
    assert resp.status_code == 400 and (f"已有“{existing}”" in body or f"“{existing}”已存在" in body), body
    assert f'value="{typed}" aria-invalid="true"' in body
    assert db.session.scalar(count) == before
    assert client.post("/admin/taxonomy", data={"kind": kind, "name": "智能家居"}).status_code == 302


def test_a_lookalike_of_a_stopped_entry_says_it_can_be_started_again(client, auth):
    """A look-alike of a stopped entry points at 启用 rather than adding a second entry."""
    from matchmaker.models import Taxonomy

    auth.login("admin")
    client.post("/admin/taxonomy", data={"kind": "town", "name": "松山湖"})
    t = db.session.scalar(db.select(Taxonomy).filter_by(name="松山湖"))
    client.post(f"/admin/taxonomy/{t.id}/active", data={"active": "0"})
    count = db.select(db.func.count(Taxonomy.id)).filter_by(kind="town")
    before = db.session.scalar(count)
    body = client.post("/admin/taxonomy", data={"kind": "town", "name": "松山 湖"}).get_data(as_text=True)
    assert "镇街中已有“松山湖”（已停用，可在下方列表中启用）" in body
    assert db.session.scalar(count) == before


def test_a_zone_without_a_description_is_listed(client):
    """A zone row with no description (written by a script or an import, not the admin form, which saves "")
    made 专区 a 500 for everyone: the page lists it, description left blank."""
    z = make_zone("无介绍的专区")
    z.description = None
    db.session.commit()
    resp = client.get("/zones/")
    assert resp.status_code == 200 and "无介绍的专区" in resp.get_data(as_text=True)
