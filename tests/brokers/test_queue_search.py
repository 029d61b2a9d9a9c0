"""The queue's title search takes what the broker typed literally."""

from ..factories import make_need, make_result, make_suggestion


def test_percent_and_underscore_are_searched_as_typed(client, auth):
    """Searching "%" or "_" finds the pair whose title has it, not every pair."""
    plain = make_suggestion(need=make_need(title="普通需求"), result=make_result(title="普通成果"))
    odd = make_suggestion(need=make_need(title="良率提升 5%_目标"), result=make_result(title="工艺成果"))
    auth.login("admin")
    for q in ("%", "_", "5%_"):
        html = client.get("/broker/", query_string={"q": q, "assigned": "all"}).get_data(as_text=True)
        assert f"/broker/suggestions/{odd.id}" in html and f"/broker/suggestions/{plain.id}" not in html, q
