"""A pair list's page number says when it is an estimate: a page reached by 下一页 / 上一页 is numbered by the clicks
that led to it, and pairs leaving the list before it meanwhile make its pairs those of no offset page."""

import re

from matchmaker.extensions import db
from matchmaker.models import MatchSuggestion

from ..factories import make_user
from .test_pair_pages import _next_link, _pairs, _shown, _whole


def _number(body):
    return re.search(r"共 \d+ 条，(约?第 \d+ / \d+ 页)", body).group(1)


def test_a_page_reached_by_next_says_its_number_is_approximate(client, auth):
    """45 pairs; 19 of page 1 taken up by another broker meanwhile: page 2 by page 1's 下一页 link shows the 20 pairs
    after page 1's last, the list's 2nd to 21st (of 26, two pages), and says 约第 2 / 2 页. Page 1 and a page
    reached by its number, read by offset, are exact."""
    me = make_user("broker")
    _pairs(me, 45)
    auth.login(me)
    whole = _whole(me, "queue", sort="score")
    body = client.get("/broker/?sort=score").get_data(as_text=True)
    assert _number(body) == "第 1 / 3 页"
    assert _number(client.get("/broker/?sort=score&page=2").get_data(as_text=True)) == "第 2 / 3 页"
    for pair_id in whole[:19]:  # taken up by another broker: they leave the queue
        db.session.get(MatchSuggestion, pair_id).status = "accepted"
    db.session.commit()
    body = client.get(_next_link(body)).get_data(as_text=True)
    assert _shown(body) == whole[20:40] and _number(body) == "约第 2 / 2 页"
