"""The contact section of the need, result and 快速通道 forms said 仅技术经纪人和管理员可见 while a broker's
introduction shows them to the other side (brokers.services.contacts_of): an enterprise giving a private mobile
was not told the researcher would see it. The hint now says when the other side sees them."""

import pytest

HINT = "技术经纪人和管理员可见；经纪人引荐后，对接的另一方也可见；不填则使用单位联系人"


@pytest.mark.parametrize("url, role", [("/needs/new", "enterprise"), ("/results/new", "researcher"),
                                       ("/urgent/new", "enterprise")])  # fmt: skip
def test_the_contact_hint_says_who_sees_them(client, auth, url, role):
    auth.login(role)
    body = client.get(url).get_data(as_text=True)
    assert HINT in body and "仅技术经纪人和管理员可见" not in body
