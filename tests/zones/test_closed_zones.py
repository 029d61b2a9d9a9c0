"""A closed (deactivated) zone still showed on its listings (attack, 2026-12): /needs/13 named 疫情防控专区
with a link to /zones/2, a 404 for anyone but an admin, and GET /api/v1/needs/13 returned it in "zones"
while /api/v1/zones/2 was 404; ?zone=2 on the API still found its listings.

Now only open zones are shown to non-admins, and filtering by a closed zone finds nothing, as an unknown
zone id does. Admins (who open closed zones' pages) still see them, marked 已关闭 / "active": false."""

import pytest

from matchmaker.extensions import db

from ..api.conftest import token_for
from ..needs.helpers import NEED_FORM, need, result
from .test_zones import make_zone


@pytest.fixture
def tagged():
    """A need and a result in an open zone and in a closed one."""
    open_zone, closed = make_zone("智能家电专区"), make_zone("疫情防控专区", active=False)
    n, r = need(title="防疫物资检测需求"), result(title="快速检测试剂成果")
    n.zones = r.zones = [open_zone, closed]
    db.session.commit()
    return n, r, open_zone, closed


@pytest.mark.parametrize("role", [None, "enterprise", "broker"])
def test_listing_pages_show_only_open_zones(client, auth, tagged, role):
    n, r, open_zone, closed = tagged
    if role:
        auth.login(role)
    for url in (f"/needs/{n.id}", f"/results/{r.id}"):
        body = client.get(url).get_data(as_text=True)
        assert "智能家电专区" in body and f"/zones/{open_zone.id}" in body
        assert "疫情防控专区" not in body and f'href="/zones/{closed.id}"' not in body


def test_admins_see_closed_zones_marked_on_listing_pages(client, auth, tagged):
    n, r, open_zone, closed = tagged
    auth.login("admin")
    for url in (f"/needs/{n.id}", f"/results/{r.id}"):
        body = client.get(url).get_data(as_text=True)
        assert f'href="/zones/{closed.id}">疫情防控专区</a><span class="text-body-secondary">（已关闭）</span>' in body
        assert client.get(f"/zones/{closed.id}").status_code == 200


def test_api_detail_returns_only_open_zones(api, tagged):
    n, r, open_zone, closed = tagged
    token = token_for("enterprise")
    for path in (f"/api/v1/needs/{n.id}", f"/api/v1/results/{r.id}"):
        assert api.get(path, token).get_json()["zones"] == [
            {"id": open_zone.id, "name": "智能家电专区", "active": True}
        ]
    assert api.get(f"/api/v1/zones/{closed.id}", token).status_code == 404
    admin = token_for("admin")
    zones = api.get(f"/api/v1/needs/{n.id}", admin).get_json()["zones"]
    assert {(z["name"], z["active"]) for z in zones} == {("智能家电专区", True), ("疫情防控专区", False)}


def test_api_filter_by_a_closed_zone_is_an_unknown_zone(api, tagged):
    n, r, open_zone, closed = tagged
    token = token_for("enterprise")
    for kind, item in (("needs", n), ("results", r)):
        unknown = api.get(f"/api/v1/{kind}?zone=999999", token)
        assert unknown.status_code == 200 and unknown.get_json()["items"] == []
        resp = api.get(f"/api/v1/{kind}?zone={closed.id}", token)
        assert resp.status_code == 200 and resp.get_json() == unknown.get_json()
        found = api.get(f"/api/v1/{kind}?zone={open_zone.id}", token).get_json()["items"]
        assert [i["id"] for i in found] == [item.id]
        admin = api.get(f"/api/v1/{kind}?zone={closed.id}", token_for("admin")).get_json()["items"]
        assert [i["id"] for i in admin] == [item.id]


@pytest.mark.parametrize("role", [None, "enterprise", "admin"])
def test_list_pages_filtered_by_a_closed_zone_find_what_an_unknown_zone_finds(client, auth, tagged, role):
    n, r, open_zone, closed = tagged
    if role:
        auth.login(role)
    for kind, item in (("needs", n), ("results", r)):
        body = client.get(f"/{kind}/?zone={closed.id}").get_data(as_text=True)
        assert (item.title in body) == (role == "admin"), (kind, role)
        assert item.title in client.get(f"/{kind}/?zone={open_zone.id}").get_data(as_text=True)


def test_editing_a_listing_keeps_its_closed_zone(client, auth, tagged):
    """A closed zone is not offered on the edit form: saving an edit kept the open zone and silently
    dropped the closed one from the listing."""
    n, _, open_zone, closed = tagged
    auth.login(n.created_by)
    data = dict(NEED_FORM, title="防疫物资检测需求（修订）", zones=[str(open_zone.id)], confirm_typed="1")
    assert client.post(f"/needs/{n.id}/edit", data=data).status_code == 302
    db.session.refresh(n)
    assert n.title.endswith("（修订）") and {z.id for z in n.zones} == {open_zone.id, closed.id}
