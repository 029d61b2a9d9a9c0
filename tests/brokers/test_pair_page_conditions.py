"""The pair page shows the need's 现有基础 beside its 难题 and 指标 (brokers may read every detail); a summary-only
need's 现有基础 stays off the pages outsiders see."""

from ..factories import make_need, make_org, make_suggestion, make_user

CONDITIONS = "已有十二条注塑产线和 MES 系统"


def test_the_pair_page_shows_the_needs_conditions_and_outsiders_still_do_not_see_them(client, auth):
    need = make_need(org=make_org(), confidentiality="summary", problem="热失控难题", indicators="温升小于五度",
                     conditions=CONDITIONS)  # fmt: skip
    s = make_suggestion(need=need)
    auth.login(make_user("broker"))
    page = client.get(f"/broker/suggestions/{s.id}").get_data(as_text=True)
    assert "热失控难题" in page and "温升小于五度" in page
    assert "现有基础" in page and CONDITIONS in page
    auth.logout()
    for who in (None, make_user("enterprise", org=make_org()), make_user("researcher")):
        if who is not None:
            auth.login(who)
        resp = client.get(f"/needs/{need.id}")
        assert resp.status_code == 200 and CONDITIONS not in resp.get_data(as_text=True)
        if who is not None:
            auth.logout()
