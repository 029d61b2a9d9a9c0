"""A refused 跟进 is shown again where it was posted (…/follow-ups), with what was typed; the page names the pair's
own address for its script to show instead, so a refresh reloads the pair. Sent again as it is (a refresh without
the script), it writes nothing; the corrected form is saved once however often it is sent."""

from datetime import timedelta

from matchmaker.extensions import db
from matchmaker.models import FollowUp
from matchmaker.utils import clock

from ..page_form import form_values


def _rows(s):
    return db.session.scalar(db.select(db.func.count(FollowUp.id)).filter_by(suggestion_id=s.id))


def test_a_refused_follow_up_names_the_pairs_address_and_is_never_written_twice(client, auth, sides):
    """Refused (a date after today): 400 at the posted address, the note kept, the pair's address named for the
    address bar; the same post again writes nothing; the corrected form, sent twice, writes one row."""
    s = sides["s"]
    auth.login(sides["b1"])
    url = f"/broker/suggestions/{s.id}"
    assert 'id="page-url"' not in client.get(url).get_data(as_text=True)  # the pair's own page needs none
    sent = form_values(client.get(url).get_data(as_text=True), "happened_on")
    sent |= {"kind": "call", "happened_on": (clock.today() + timedelta(days=1)).isoformat(), "note": "电话沟通需求细节"}
    resp = client.post(f"{url}/follow-ups", data=sent)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "跟进日期不能晚于今天" in page and "电话沟通需求细节" in page
    assert f'<span hidden id="page-url" data-url="{url}"></span>' in page
    assert client.post(f"{url}/follow-ups", data=sent).status_code == 400  # a refresh re-posting it
    assert _rows(s) == 0
    kept = form_values(page, "happened_on")
    assert kept["note"] == "电话沟通需求细节" and kept["submission_key"] == sent["submission_key"]
    fixed = kept | {"happened_on": clock.today().isoformat()}
    assert client.post(f"{url}/follow-ups", data=fixed).status_code == 302
    assert client.post(f"{url}/follow-ups", data=fixed).status_code == 303  # 未重复处理
    assert client.post(f"{url}/follow-ups", data=sent).status_code == 400
    assert _rows(s) == 1
