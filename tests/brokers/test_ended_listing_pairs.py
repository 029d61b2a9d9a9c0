"""A pair whose listing was closed after a broker took it up says so wherever the pair is listed."""

from matchmaker.extensions import db

from ..factories import make_need, make_result, make_suggestion, make_user


def test_closed_need_is_marked_in_pipeline_and_owner_panel(client, auth):
    """The broker's pipeline and the researcher's result page show the need as 已关闭."""
    researcher = make_user("researcher")
    need = make_need(title="已关闭的需求甲")
    s = make_suggestion(need=need, result=make_result(user=researcher), status="accepted")
    need.status = "closed"
    db.session.commit()
    auth.login("admin")
    html = client.get("/broker/pipeline", query_string={"assigned": "all"}).get_data(as_text=True)
    assert f"/broker/suggestions/{s.id}" in html and "listing-ended" in html and "已关闭" in html
    auth.logout()
    auth.login(researcher)
    html = client.get(f"/results/{s.result_id}").get_data(as_text=True)
    assert "已关闭的需求甲" in html and "listing-ended" in html
