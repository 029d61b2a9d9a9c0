"""The fast channel as an enterprise user met it in the browser (2026-12-06)."""


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
