"""The fast channel as an enterprise user met it in the browser (2026-12-06)."""

import re

from matchmaker.extensions import db
from matchmaker.models import UrgentRequest

from .test_urgent import FORM


def test_an_enterprise_reaches_its_urgent_requests_from_the_services_menu(client, auth):
    """After submitting, the only ways back to 我的急需申请 were a link under the new-request form and the need's
    own page (the menu and the dashboard offered only 急需需求快速发布). The 服务 menu now lists it for
    enterprise users; brokers keep their review queue and get no enterprise entry."""
    auth.login("enterprise")
    page = client.get("/dashboard").get_data(as_text=True)
    assert '<a class="dropdown-item" href="/urgent/mine">我的急需申请</a>' in page
    auth.logout()
    auth.login("broker")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "/urgent/mine" not in page and '<a class="dropdown-item" href="/urgent/queue">急需需求审核</a>' in page


def _breadcrumb(page):
    found = re.search(r'<nav aria-label="当前位置">(.*?)</nav>', page, re.S)
    return found and found.group(1)


def test_a_request_s_page_leads_back_to_the_list_it_belongs_to(client, auth):
    """A request's page had no way back but the browser's: a broker came from the review queue, the enterprise
    from 我的急需申请. Its breadcrumb now leads there, whoever reads it."""
    auth.login("enterprise")
    client.post("/urgent/new", data=FORM)
    req = db.session.scalar(db.select(UrgentRequest))
    crumb = _breadcrumb(client.get(f"/urgent/{req.id}").get_data(as_text=True))
    assert '<a href="/urgent/mine">我的急需申请</a>' in crumb and "口罩熔喷布驻极工艺改进" in crumb
    assert "/urgent/queue" not in crumb
    auth.logout()
    for role in ("broker", "admin"):
        auth.login(role)
        crumb = _breadcrumb(client.get(f"/urgent/{req.id}").get_data(as_text=True))
        assert '<a href="/urgent/queue">急需需求审核队列</a>' in crumb and "/urgent/mine" not in crumb
        auth.logout()


def test_the_fast_channel_s_own_address_leads_to_each_role_s_page(client, auth):
    """/urgent/ was a 404 for everyone, though the address bar or a shortened link leads there. Enterprises are
    sent to 我的急需申请, brokers and admins to the review queue, a researcher is told it is not theirs, a
    visitor is asked to log in."""
    assert client.get("/urgent/").status_code == 302 and "/auth/login" in client.get("/urgent/").location
    for role, where in (("enterprise", "/urgent/mine"), ("broker", "/urgent/queue"), ("admin", "/urgent/queue")):
        auth.login(role)
        answer = client.get("/urgent/")
        assert answer.status_code == 302 and answer.location.endswith(where), role
        assert client.get("/urgent/", follow_redirects=True).status_code == 200
        auth.logout()
    auth.login("researcher")
    assert client.get("/urgent/").status_code == 403
