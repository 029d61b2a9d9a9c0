"""我的成果's status tabs said 已解决 for a result, where its page, its button (标记为已转化) and the report say
已转化; 我的需求 keeps 已解决."""

import re

from ..factories import make_need, make_result


def _tabs(body):
    return re.findall(r'<a class="nav-link[^"]*" href="[^"]*">([^<]+?) <span', body)


def test_the_results_tabs_name_a_transferred_result_as_its_page_does(client, auth):
    user = auth.login("researcher")
    make_result(user=user, status="solved")
    body = client.get("/results/mine").get_data(as_text=True)
    assert "已转化" in _tabs(body) and "已解决" not in _tabs(body)


def test_the_needs_tabs_keep_solved(client, auth):
    user = auth.login("enterprise")
    make_need(user=user, status="solved")
    assert "已解决" in _tabs(client.get("/needs/mine").get_data(as_text=True))
